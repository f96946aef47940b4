// The staged epilogue through the registered pipeline: each warp writes its
// rows of the accumulator (the row scale applied, rounded to bf16) into
// its shared-memory slice in 4-byte pieces, synchronizes with bar.warp.sync,
// and stores 16-byte runs of whole rows to global memory (st.global.v4)
// instead of 4-byte pieces; with warp-specialize=1 the consumers do the
// same. ptxas must accept both where installed.
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: cat %t/ptx/staged_down_kernel_0.ptx | FileCheck %s
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/ptx/staged_down_kernel_0.ptx -o %t/kernel.cubin %}
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa warp-specialize=1" -o %t/ws.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ws-ptx %t/ws.mlir
// RUN: cat %t/ws-ptx/staged_down_kernel_0.ptx | FileCheck %s --check-prefixes=CHECK,WS
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/ws-ptx/staged_down_kernel_0.ptx -o %t/ws.cubin %}

// CHECK: .entry staged_down_kernel(
// WS-DAG: setmaxnreg.inc.sync.aligned.u32
// CHECK-DAG: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK-DAG: cvt.rn.bf16x2.f32 [[PAIR:%r[0-9]+]],
// CHECK-DAG: st.shared.b32 [{{.*}}], [[PAIR]];
// CHECK-DAG: bar.warp.sync -1;
// CHECK-DAG: ld.shared.v4.b32 {[[X:%r[0-9]+]], {{.*}}}, [
// CHECK-DAG: st.global.v4.b32 [{{.*}}], {[[X]],
func.func @staged_down(%h: memref<?x768xbf16>, %w2: memref<128x2048x768xbf16>,
                       %offsets: memref<129xi32>, %scale: memref<?xf32>,
                       %out: memref<?x2048xbf16>) {
  moe.grouped_matmul %h, %w2, %offsets scale(%scale) outs(%out)
      {moe.config = #moe.gemm_config<staged_epilogue = true>}
      : (memref<?x768xbf16>, memref<128x2048x768xbf16>, memref<129xi32>, memref<?xf32>, memref<?x2048xbf16>) -> ()
  return
}
