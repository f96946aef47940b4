// Each entry point of a fused_moe layer runs on one stream: one
// mgpuStreamCreate at the entry, every allocation, launch and free on it,
// and one mgpuStreamSynchronize + mgpuStreamDestroy before the return, with
// no host synchronization (and no event) in between (moe-stream-order).
// RUN: moe-opt %moe_src_root/examples/qwen3-30b-a3b.mlir --moe-to-nvvm="chip=sm_90a format=isa" | FileCheck %s
// RUN: moe-opt %moe_src_root/examples/mixtral-8x7b.mlir --moe-to-nvvm="chip=sm_90a format=isa" | FileCheck %s
// RUN: moe-opt %moe_src_root/examples/deepseek-v3.mlir --moe-to-nvvm="chip=sm_90a format=isa" | FileCheck %s
// RUN: moe-opt %moe_src_root/examples/bagel-mot.mlir --moe-to-nvvm="chip=sm_90a format=isa" | FileCheck %s
// Upstream gpu-async-region, which this replaces, made one stream and one
// synchronization per kernel (12 of each for this layer).

// The example's entry function, then its C wrapper.
// CHECK-LABEL: llvm.func @{{[a-z0-9_]+}}({{.*}}) attributes {llvm.emit_c_interface}
//   CHECK-NOT:   llvm.call @mgpu{{Stream|Event|MemAlloc|MemFree}}
//   CHECK-NOT:   gpu.launch_func
//       CHECK:   %[[S:.*]] = llvm.call @mgpuStreamCreate() : () -> !llvm.ptr
//   CHECK-NOT:   llvm.call @mgpu{{Stream|Event}}
//       CHECK:   llvm.call @mgpuMemAlloc(%{{.*}}, %[[S]], %{{.*}})
//   CHECK-NOT:   llvm.call @mgpu{{Stream|Event}}
//       CHECK:   gpu.launch_func <%[[S]] : !llvm.ptr>
//   CHECK-NOT:   llvm.call @mgpu{{Stream|Event}}
//       CHECK:   gpu.launch_func <%[[S]] : !llvm.ptr>
//   CHECK-NOT:   llvm.call @mgpu{{Stream|Event}}
//       CHECK:   llvm.call @mgpuMemFree(%{{.*}}, %[[S]])
//   CHECK-NOT:   llvm.call @mgpu{{Stream|Event}}
//       CHECK:   llvm.call @mgpuStreamSynchronize(%[[S]])
//  CHECK-NEXT:   llvm.call @mgpuStreamDestroy(%[[S]])
//  CHECK-NEXT:   llvm.return
//   CHECK-NOT:   llvm.call @mgpu
//       CHECK: }
// CHECK-LABEL: llvm.func @_mlir_ciface_
//   CHECK-NOT: llvm.call @mgpu{{Stream|Event}}
//       CHECK: llvm.func @mgpuStreamCreate()
