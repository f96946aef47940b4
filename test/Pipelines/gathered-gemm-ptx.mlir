// A gathered grouped_matmul (vLLM layout) through the registered pipeline:
// the W tiles come by TMA, the A rows by per-thread 16-byte cp.async with
// zero fill into the same ring, each thread arriving on the slot's mbarrier
// when its copies land; the wait is followed by a proxy fence before wgmma
// reads the tile. Only W's tensor map is a parameter. ptxas must accept it
// where installed.
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: cat %t/ptx/gathered_up_kernel_0.ptx | FileCheck %s
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/ptx/gathered_up_kernel_0.ptx -o %t/kernel.cubin %}

// Warp-specialized, the producer warpgroup copies the rows: one TMA copy a
// row (a second tensor map parameter, A's, with 1 x 64 boxes) from its 128
// threads, counted with W's box by thread 0's expect_tx (16 KB of A rows +
// 32 KB of W); the full ring's mbarriers then expect only that arrival, the
// claim queue's empty ring 12 warps (8 consumer, 4 producer), and no thread
// issues cp.async or needs a proxy fence.
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa warp-specialize=1" -o %t/ws.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ws-ptx %t/ws.mlir
// RUN: cat %t/ws-ptx/gathered_up_kernel_0.ptx | FileCheck %s --check-prefix=WS
// RUN: %if ptxas %{ %ptxas -arch=sm_90a %t/ws-ptx/gathered_up_kernel_0.ptx -o %t/ws.cubin %}

// CHECK: .entry gathered_up_kernel(
// CHECK: .param .align 64 .b8 gathered_up_kernel_param_{{[0-9]+}}[128]
// CHECK-NOT: .param .align 64 .b8
// 1 (thread 0's expect_tx) + 256 thread arrivals per phase:
// CHECK: mov.b32 [[COUNT:%r[0-9]+]], 257;
// CHECK: mbarrier.init.shared.b64 [{{.*}}], [[COUNT]];
// CHECK: cp.async.mbarrier.arrive.noinc.shared.b64
// CHECK: mbarrier.arrive.expect_tx.shared.b64
// CHECK: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// CHECK: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, {{%r[0-9]+}};
// CHECK: cp.async.mbarrier.arrive.noinc.shared.b64
// CHECK: mbarrier.try_wait.parity.shared.b64
// CHECK: fence.proxy.async.shared::cta;
// CHECK: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16

// WS: .entry gathered_up_kernel(
// WS-COUNT-2: .param .align 64 .b8 gathered_up_kernel_param_{{[0-9]+}}[128]
// WS-NOT: .param .align 64 .b8
// WS: mov.b32 [[ONE:%r[0-9]+]], 1;
// WS: mbarrier.init.shared.b64 [{{.*}}], [[ONE]];
// WS: mov.b32 [[WARPS:%r[0-9]+]], 12;
// WS: mbarrier.init.shared.b64 [{{.*}}], [[WARPS]];
// WS: setmaxnreg.dec.sync.aligned.u32 40;
// WS-NOT: cp.async.cg
// WS-NOT: fence.proxy.async
// WS-DAG: cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// WS-DAG: mov.b32 [[BYTES:%r[0-9]+]], 49152;
// WS-DAG: mbarrier.arrive.expect_tx.shared.b64 {{.*}}, [[BYTES]];
// WS-DAG: cp.async.bulk.tensor.4d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// WS: setmaxnreg.inc.sync.aligned.u32 232;
// WS-NOT: cp.async.cg
// WS-NOT: fence.proxy.async
// WS: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16

func.func @gathered_up(%x: tensor<?x2048xbf16>, %slots: tensor<?xi32>,
                       %w13: tensor<128x1536x2048xbf16>, %offsets: tensor<129xi32>,
                       %init: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %x[%slots], %w13, %offsets epilogue = silu_and_mul
      outs(%init) {index_divisor = 8 : i64}
      : (tensor<?x2048xbf16>, tensor<?xi32>, tensor<128x1536x2048xbf16>,
         tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}
