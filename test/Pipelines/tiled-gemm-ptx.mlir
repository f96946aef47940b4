// The tiled grouped_matmul through the registered pipeline: the GEMM
// kernel's PTX takes both tensor maps by value (128-byte, 64-byte aligned
// parameters whose address is taken in the param space), loads tiles with
// TMA completing on mbarriers, waits on them by phase parity, and
// multiplies with wgmma (m64n256k16, bf16 in, f32 accumulate, K-major A
// and B: no transposes; one wgmma group per 16-wide K slice, one step left
// in flight), releasing ring slots on mbarriers. With warp-specialize=1 a
// producer warpgroup lowers its registers and the consumers raise theirs
// (setmaxnreg). ptxas accepts every kernel where it is installed
// (tiled-gemm-ptxas.mlir).
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -o %t/out.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/ptx %t/out.mlir
// RUN: cat %t/ptx/expert_down_kernel_0.ptx | FileCheck %s
// RUN: FileCheck %s --check-prefix=HOST < %t/out.mlir
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa warp-specialize=1" -o %t/ws.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/wsptx %t/ws.mlir
// RUN: cat %t/wsptx/expert_down_kernel_0.ptx | FileCheck %s --check-prefix=WS
// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa elide-wgmma-fences=0" -o %t/fenced.mlir
// RUN: %python %moe_src_root/utils/extract-ptx.py --split %t/fencedptx %t/fenced.mlir
// RUN: cat %t/fencedptx/expert_down_kernel_0.ptx | FileCheck %s --check-prefix=FENCED

// CHECK: .entry expert_down_kernel(
// CHECK: .param .align 64 .b8 expert_down_kernel_param_{{[0-9]+}}[128]
// CHECK: .param .align 64 .b8 expert_down_kernel_param_{{[0-9]+}}[128]
// CHECK: cvta.param.u64
// CHECK: mbarrier.init.shared.b64
// CHECK: mbarrier.try_wait.parity.shared.b64
// CHECK: mbarrier.arrive.expect_tx.shared.b64
// CHECK: cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// CHECK: cp.async.bulk.tensor.3d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// CHECK: mbarrier.try_wait.parity.shared.b64
// One fence before the step's four slices (moe-elide-wgmma-fences), a
// group committed per slice, one wait leaving the step in flight.
// CHECK: wgmma.fence.sync.aligned
// CHECK: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 {{.*}}, p, 1, 1, 0, 0;
// CHECK: wgmma.commit_group.sync.aligned
// CHECK-NOT: wgmma.fence.sync.aligned
// CHECK-NOT: wgmma.wait_group
// CHECK: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK-NOT: wgmma.fence.sync.aligned
// CHECK-NOT: wgmma.wait_group
// CHECK: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK-NOT: wgmma.fence.sync.aligned
// CHECK-NOT: wgmma.wait_group
// CHECK: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// CHECK: wgmma.commit_group.sync.aligned
// CHECK-NEXT: wgmma.wait_group.sync.aligned 4
// CHECK: mbarrier.arrive.shared.b64
// CHECK: wgmma.wait_group.sync.aligned 0

// Without moe-elide-wgmma-fences: upstream's fence, commit and wait around
// each slice.
// FENCED: wgmma.fence.sync.aligned
// FENCED: wgmma.mma_async.sync.aligned.m64n256k16
// FENCED: wgmma.commit_group.sync.aligned
// FENCED-NEXT: wgmma.wait_group.sync.aligned 5
// FENCED: wgmma.fence.sync.aligned
// FENCED: wgmma.mma_async.sync.aligned.m64n256k16

// WS: .maxntid 384, 1, 1
// WS: setmaxnreg.dec.sync.aligned.u32 40
// WS: cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// WS: setmaxnreg.inc.sync.aligned.u32 232
// WS: mbarrier.try_wait.parity.shared.b64
// WS: wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16
// WS: mbarrier.arrive.shared.b64

// The host encodes each map into a stack slot and passes its bytes: no
// allocation, no free, no upstream encoder.
// HOST: %[[SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.array<128 x i8> {alignment = 64 : i64}
// HOST: llvm.call @moeTensorMapEncodeTiledMemrefByValue(%[[SLOT]],
// HOST: llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.array<128 x i8>
// HOST: gpu.launch_func
// HOST-NOT: llvm.call @free
// HOST-NOT: mgpuTensorMapEncodeTiledMemref

func.func @expert_down(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x768xbf16>,
                       %offsets: tensor<129xi32>, %rw: tensor<?xf32>,
                       %init: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %offsets scale(%rw) outs(%init)
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>,
         tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
