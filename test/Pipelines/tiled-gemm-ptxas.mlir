// ptxas accepts every kernel of the tiled grouped_matmul (bf16 and f16,
// gated 4-d weight maps, bias, one-warpgroup configuration).
// REQUIRES: ptxas
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: cat %t/ptx/*.ptx | FileCheck %s
// The warp-specialized kernels too, with no ignored setmaxnreg (C7508).
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa warp-specialize=1" -o %t/ws.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/wsptx %t/ws.mlir
// RUN: for f in %t/wsptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin > %t/ptxas.log 2>&1 || exit 1; if grep -qi warning %t/ptxas.log; then exit 1; fi; done
// RUN: cat %t/wsptx/*.ptx | FileCheck %s --check-prefix=WS
// WS-DAG: setmaxnreg.dec.sync.aligned.u32 40
// WS-DAG: setmaxnreg.inc.sync.aligned.u32 232
// CHECK-DAG: cp.async.bulk.tensor.4d.shared::cluster.global
// CHECK-DAG: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK-DAG: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16

func.func @gated(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>,
                 %offsets: tensor<129xi32>, %init: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %offsets epilogue = silu_and_mul outs(%init)
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>,
         tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

func.func @bias_f16(%a: tensor<?x?xf16>, %w: tensor<2x?x?xf16>, %offsets: tensor<3xi32>,
                    %bias: tensor<2x64xf32>, %init: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = moe.grouped_matmul %a, %w, %offsets bias(%bias) outs(%init)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 64, stages = 3, warpgroups = 1>}
      : (tensor<?x?xf16>, tensor<2x?x?xf16>, tensor<3xi32>, tensor<2x64xf32>,
         tensor<?x64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
