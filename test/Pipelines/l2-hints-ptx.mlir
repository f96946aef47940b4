// l2_hints through the registered pipeline: every TMA copy of the tiled
// kernel carries an L2 cache policy, A's rows `evict_last` (each column
// block reads them again) and W's tiles `evict_first` (only the row tiles
// of one column block read them), made by createpolicy; the same with a
// producer warpgroup. Without l2_hints no copy has a hint. ptxas must
// accept the kernels where installed.
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: cat %t/ptx/hinted_kernel_0.ptx | FileCheck %s
// RUN: cat %t/ptx/plain_kernel_3.ptx | FileCheck %s --check-prefix=PLAIN
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/ptx/hinted_kernel_0.ptx -o %t/kernel.cubin %}
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa warp-specialize=1" -o %t/ws.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ws-ptx %t/ws.mlir
// RUN: cat %t/ws-ptx/hinted_kernel_0.ptx | FileCheck %s --check-prefixes=CHECK,WS
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/ws-ptx/hinted_kernel_0.ptx -o %t/ws.cubin %}

// CHECK: .entry hinted_kernel(
// WS-DAG: setmaxnreg.inc.sync.aligned.u32
// CHECK-DAG: createpolicy.fractional.L2::evict_last.b64 [[KEEP:%rd[0-9]+]], 1.0;
// CHECK-DAG: createpolicy.fractional.L2::evict_first.b64 [[DROP:%rd[0-9]+]], 1.0;
// CHECK-DAG: cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.L2::cache_hint [{{.*}}], [{{.*}}], [{{.*}}], [[KEEP]];
// CHECK-DAG: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes.L2::cache_hint [{{.*}}], [{{.*}}], [{{.*}}], [[DROP]];
// CHECK-NOT: cp.async.bulk.tensor.{{.*}}bytes [

// PLAIN: .entry plain_kernel(
// PLAIN-NOT: createpolicy
// PLAIN-NOT: cache_hint
// PLAIN: wgmma.mma_async
func.func @hinted(%x: memref<?x2048xbf16>, %w13: memref<128x1536x2048xbf16>,
                  %offsets: memref<129xi32>, %out: memref<?x768xbf16>) {
  moe.grouped_matmul %x, %w13, %offsets epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<l2_hints = true>}
      : (memref<?x2048xbf16>, memref<128x1536x2048xbf16>, memref<129xi32>, memref<?x768xbf16>) -> ()
  return
}

func.func @plain(%x: memref<?x2048xbf16>, %w13: memref<128x1536x2048xbf16>,
                 %offsets: memref<129xi32>, %out: memref<?x768xbf16>) {
  moe.grouped_matmul %x, %w13, %offsets epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<>}
      : (memref<?x2048xbf16>, memref<128x1536x2048xbf16>, memref<129xi32>, memref<?x768xbf16>) -> ()
  return
}
