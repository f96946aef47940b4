// RUN: moe-opt %s --pass-pipeline='builtin.module(func.func(moe-stream-order))' | FileCheck %s
// The lowering, with the canonicalizer before it as in the pipeline: every op
// uses the one stream the entry creates, which is synchronized and destroyed
// once per return.
// RUN: moe-opt %s --pass-pipeline='builtin.module(func.func(moe-stream-order),canonicalize,convert-scf-to-cf,gpu-to-llvm,canonicalize,cse)' | FileCheck %s --check-prefix=LLVM

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%x: f32) kernel {
      gpu.return
    }
  }

  // Launches at the top level and inside scf.if / scf.for, allocations,
  // copies, sets and frees: one token at the entry, a chain of tokens at the
  // top level, nested ops depending on the chain's token before their region
  // op, one wait for the chain's last token before the return.
  // CHECK-LABEL: func.func @ordered
  //  CHECK-NEXT:   %[[S:.*]] = gpu.wait async
  //   CHECK-NOT:   gpu.wait
  //       CHECK:   %[[A:.*]], %[[T1:.*]] = gpu.alloc async [%[[S]]] (%{{.*}}) : memref<?xf32>
  //       CHECK:   %[[B:.*]], %[[T2:.*]] = gpu.alloc async [%[[T1]]] () : memref<16xi32>
  //       CHECK:   %[[T3:.*]] = gpu.memset async [%[[T2]]] %[[B]], %{{.*}} : memref<16xi32>, i32
  //       CHECK:   %[[T4:.*]] = gpu.launch_func async [%[[T3]]] @kernels::@k
  //       CHECK:   scf.if
  //       CHECK:     gpu.launch_func async [%[[T4]]] @kernels::@k
  //       CHECK:   } else {
  //       CHECK:     gpu.memcpy async [%[[T4]]] %{{.*}}, %[[A]] : memref<?xf32>, memref<?xf32>
  //       CHECK:   scf.for
  //       CHECK:     gpu.launch_func async [%[[T4]]] @kernels::@k
  //       CHECK:   %[[T5:.*]] = gpu.dealloc async [%[[T4]]] %[[B]] : memref<16xi32>
  //       CHECK:   %[[T6:.*]] = gpu.dealloc async [%[[T5]]] %[[A]] : memref<?xf32>
  //  CHECK-NEXT:   gpu.wait [%[[T6]]]
  //  CHECK-NEXT:   return
  //
  // After canonicalization (which the pipeline runs before gpu-to-llvm) the
  // lowering uses the one stream for everything and synchronizes and
  // destroys it once, before the return.
  // LLVM-LABEL: llvm.func @ordered
  //       LLVM:   %[[STREAM:.*]] = llvm.call @mgpuStreamCreate()
  //   LLVM-NOT:   @mgpuStream
  //       LLVM:   llvm.call @mgpuMemAlloc(%{{.*}}, %[[STREAM]], %{{.*}})
  //       LLVM:   llvm.call @mgpuMemAlloc(%{{.*}}, %[[STREAM]], %{{.*}})
  //       LLVM:   llvm.call @mgpuMemset32(%{{.*}}, %{{.*}}, %{{.*}}, %[[STREAM]])
  //       LLVM:   gpu.launch_func <%[[STREAM]] : !llvm.ptr> @kernels::@k
  //       LLVM:   gpu.launch_func <%[[STREAM]] : !llvm.ptr> @kernels::@k
  //       LLVM:   llvm.call @mgpuMemcpy(%{{.*}}, %{{.*}}, %{{.*}}, %[[STREAM]])
  //       LLVM:   gpu.launch_func <%[[STREAM]] : !llvm.ptr> @kernels::@k
  //   LLVM-NOT:   @mgpuStream
  //       LLVM:   llvm.call @mgpuMemFree(%{{.*}}, %[[STREAM]])
  //       LLVM:   llvm.call @mgpuMemFree(%{{.*}}, %[[STREAM]])
  //  LLVM-NEXT:   llvm.call @mgpuStreamSynchronize(%[[STREAM]])
  //  LLVM-NEXT:   llvm.call @mgpuStreamDestroy(%[[STREAM]])
  //  LLVM-NEXT:   llvm.return
  //   LLVM-NOT:   @mgpuEvent
  func.func @ordered(%n: index, %c: i1, %src: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %f = arith.constant 1.0 : f32
    %i = arith.constant 7 : i32
    %a = gpu.alloc (%n) : memref<?xf32>
    %b = gpu.alloc () : memref<16xi32>
    gpu.memset %b, %i : memref<16xi32>, i32
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : f32)
    scf.if %c {
      gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : f32)
    } else {
      gpu.memcpy %src, %a : memref<?xf32>, memref<?xf32>
    }
    scf.for %iv = %c0 to %c4 step %c1 {
      gpu.launch_func @kernels::@k blocks in (%iv, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : f32)
    }
    gpu.dealloc %b : memref<16xi32>
    gpu.dealloc %a : memref<?xf32>
    return
  }

  // Several returns: one wait before each, for its block's last token; the
  // entry block's last token is the first one of the others.
  // CHECK-LABEL: func.func @two_returns
  //       CHECK:   %[[S:.*]] = gpu.wait async
  //       CHECK:   %[[T:.*]] = gpu.launch_func async [%[[S]]]
  //       CHECK:   cf.cond_br
  //       CHECK: ^bb1:
  //  CHECK-NEXT:   gpu.wait [%[[T]]]
  //  CHECK-NEXT:   return
  //       CHECK: ^bb2:
  //  CHECK-NEXT:   %[[U:.*]] = gpu.launch_func async [%[[T]]]
  //  CHECK-NEXT:   gpu.wait [%[[U]]]
  //  CHECK-NEXT:   return
  func.func @two_returns(%c: i1) {
    %c1 = arith.constant 1 : index
    %f = arith.constant 1.0 : f32
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : f32)
    cf.cond_br %c, ^bb1, ^bb2
  ^bb1:
    return
  ^bb2:
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : f32)
    return
  }

  // All GPU work nested: the wait is anchored on an empty allocation, which
  // the canonicalizer keeps (a wait for the entry token would be dropped).
  // CHECK-LABEL: func.func @only_nested
  //  CHECK-NEXT:   %[[S:.*]] = gpu.wait async
  //       CHECK:   scf.if
  //  CHECK-NEXT:     gpu.launch_func async [%[[S]]]
  //       CHECK:   %{{.*}}, %[[A:.*]] = gpu.alloc async [%[[S]]] () : memref<0xi8>
  //  CHECK-NEXT:   gpu.wait [%[[A]]]
  //  CHECK-NEXT:   return
  //
  // LLVM-LABEL: llvm.func @only_nested
  //       LLVM:   %[[STREAM:.*]] = llvm.call @mgpuStreamCreate()
  //       LLVM:   gpu.launch_func <%[[STREAM]] : !llvm.ptr> @kernels::@k
  //       LLVM:   llvm.call @mgpuMemAlloc(%{{.*}}, %[[STREAM]], %{{.*}})
  //  LLVM-NEXT:   llvm.call @mgpuStreamSynchronize(%[[STREAM]])
  //  LLVM-NEXT:   llvm.call @mgpuStreamDestroy(%[[STREAM]])
  //  LLVM-NEXT:   llvm.return
  func.func @only_nested(%c: i1) {
    %c1 = arith.constant 1 : index
    %f = arith.constant 1.0 : f32
    scf.if %c {
      gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : f32)
    }
    return
  }

  // No GPU work: untouched.
  // CHECK-LABEL: func.func @host_only
  //   CHECK-NOT:   gpu.wait
  //       CHECK:   arith.addi
  //  CHECK-NEXT:   return
  //
  // LLVM-LABEL: llvm.func @host_only
  //   LLVM-NOT:   @mgpu
  //       LLVM:   llvm.return
  func.func @host_only(%x: index) -> index {
    %y = arith.addi %x, %x : index
    return %y : index
  }

  // CHECK-LABEL: func.func private @external
  func.func private @external(memref<?xf32>)
}
