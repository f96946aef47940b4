// quant = fp8_block grouped GEMMs (DeepSeek-V3's expert shapes) through the
// registered pipeline, plain and warp-specialized: the heuristic's two
// configurations (64 x 128 tiles of one warpgroup below 4 rows per expert,
// 128 x 128 of two from there) each give a tiled kernel whose K step is one
// 128-byte row of e4m3 (four wgmma m64n128k32 e4m3 x e4m3, waited for),
// promoted into the f32 accumulator (the scales loaded from global memory,
// multiplied, one fma a register). ptxas accepts every kernel.
// The sanitizer build runs the same lowering on test/GPU/suite/fp8-gemm.mlir;
// this test adds ptxas, checked in the regular build (CI time).
// REQUIRES: ptxas
// UNSUPPORTED: sanitizers
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: for f in %t/ptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: cat %t/ptx/ds_gate_up_kernel_0.ptx | FileCheck %s
// RUN: cat %t/ptx/ds_gate_up_kernel_3.ptx | FileCheck %s
// RUN: cat %t/ptx/ds_down_kernel_9.ptx | FileCheck %s
// RUN: cat %t/ptx/ds_gate_up_kernel_3.ptx | FileCheck %s --check-prefix=ARITH
// RUN: cat %t/ptx/ds_down_kernel_9.ptx | FileCheck %s --check-prefix=ARITH
// The prefill configuration asks for a producer warpgroup by default
// (#moe.gemm_config<warp_specialize = true>), the decode one does not;
// warp-specialize=1 gives every kernel one.
// RUN: cat %t/ptx/ds_gate_up_kernel_0.ptx | FileCheck %s --check-prefix=SPEC
// RUN: not grep setmaxnreg %t/ptx/ds_gate_up_kernel_3.ptx
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa warp-specialize=1" -o %t/ws.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/wsptx %t/ws.mlir
// RUN: for f in %t/wsptx/*.ptx; do %ptxas -arch=sm_90a $f -o %t/kernel.cubin || exit 1; done
// RUN: cat %t/wsptx/ds_gate_up_kernel_3.ptx | FileCheck %s --check-prefix=SPEC

// CHECK: cp.async.bulk.tensor.{{[23]}}d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3
// CHECK: wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3
// CHECK: wgmma.wait_group.sync.aligned 0;
// The promotion (its place in the PTX is the branch layout's): the scale
// loads, their products, one fma per register of the 64 x 128 slab.
// ARITH-DAG: ld.global.b32
// ARITH-DAG: mul.rn.f32
// ARITH-COUNT-64: fma.rn.f32

// SPEC: setmaxnreg.dec.sync.aligned.u32 40
// SPEC: cp.async.bulk.tensor
// SPEC: setmaxnreg.inc.sync.aligned.u32 232
// The consumers' MMAs, their wait and the promotion's fma, in the branch
// layout's order.
// SPEC-DAG: wgmma.mma_async.sync.aligned.m64n128k32.f32.e4m3.e4m3
// SPEC-DAG: wgmma.wait_group.sync.aligned 0;
// SPEC-DAG: fma.rn.f32

func.func @ds_gate_up(%x: tensor<?x7168xf8E4M3FN>, %xs: tensor<?x56xf32>,
                      %w13: tensor<256x4096x7168xf8E4M3FN>, %ws: tensor<256x32x56xf32>,
                      %offsets: tensor<257xi32>, %init: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %h = moe.grouped_matmul %x, %w13, %offsets epilogue = silu_and_mul quant = fp8_block group_size = 128
      a_scale(%xs) w_scale(%ws) outs(%init)
      : (tensor<?x7168xf8E4M3FN>, tensor<256x4096x7168xf8E4M3FN>, tensor<257xi32>, tensor<?x56xf32>,
         tensor<256x32x56xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %h : tensor<?x2048xbf16>
}

func.func @ds_down(%h: tensor<?x2048xf8E4M3FN>, %hs: tensor<?x16xf32>,
                   %w2: tensor<256x7168x2048xf8E4M3FN>, %ws: tensor<256x56x16xf32>,
                   %offsets: tensor<257xi32>, %rw: tensor<?xf32>,
                   %init: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.grouped_matmul %h, %w2, %offsets scale(%rw) quant = fp8_block group_size = 128
      a_scale(%hs) w_scale(%ws) outs(%init)
      : (tensor<?x2048xf8E4M3FN>, tensor<256x7168x2048xf8E4M3FN>, tensor<257xi32>, tensor<?xf32>,
         tensor<?x16xf32>, tensor<256x56x16xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// fp8_channel on the tiled kernel (a tiled configuration asked for: the
// heuristic gives it the simple kernel for now): the fp8 K loop without
// the promotion, the scales in the epilogue; ptxas accepts it (the loop
// above), plain and warp-specialized.
func.func @channel_tiled(%x: tensor<?x7168xf8E4M3FN>, %xs: tensor<?x1xf32>,
                         %w13: tensor<8x4096x7168xf8E4M3FN>, %ws: tensor<8x4096xf32>,
                         %offsets: tensor<9xi32>, %init: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %h = moe.grouped_matmul %x, %w13, %offsets epilogue = silu_and_mul quant = fp8_channel
      a_scale(%xs) w_scale(%ws) outs(%init)
      {moe.config = #moe.gemm_config<tile_n = 128, tile_k = 128, stages = 6, warp_specialize = true>}
      : (tensor<?x7168xf8E4M3FN>, tensor<8x4096x7168xf8E4M3FN>, tensor<9xi32>, tensor<?x1xf32>,
         tensor<8x4096xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %h : tensor<?x2048xbf16>
}
