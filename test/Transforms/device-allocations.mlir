// RUN: moe-opt %s --moe-device-allocations | FileCheck %s

// Host temporaries move to the GPU and are freed before the return.
// CHECK-LABEL: func.func @temporaries
//       CHECK: %[[A:.*]] = gpu.alloc (%{{.*}}) : memref<?x8xf32>
//       CHECK: %[[B:.*]] = gpu.alloc () : memref<9xi32>
//   CHECK-NOT: memref.alloc
//       CHECK: gpu.dealloc %[[B]] : memref<9xi32>
//       CHECK: gpu.dealloc %[[A]] : memref<?x8xf32>
//  CHECK-NEXT: return
func.func @temporaries(%n: index) {
  %a = memref.alloc(%n) : memref<?x8xf32>
  %b = memref.alloc() : memref<9xi32>
  return
}
