// RUN: moe-opt %s --moe-emit-c-interface --split-input-file -verify-diagnostics | FileCheck %s

// Results that are out arguments are dropped; the entry gets a C interface.
// CHECK-LABEL: func.func @entry(%{{.*}}: memref<?x8xf32>, %{{.*}}: memref<?x8xf32>) attributes {llvm.emit_c_interface}
//       CHECK: return{{$}}
// CHECK-LABEL: func.func private @helper
//   CHECK-NOT: llvm.emit_c_interface
func.func @entry(%x: memref<?x8xf32>, %out: memref<?x8xf32>) -> memref<?x8xf32> {
  return %out : memref<?x8xf32>
}
func.func private @helper(%x: memref<4xf32>) -> memref<4xf32> {
  return %x : memref<4xf32>
}

// -----

func.func @fresh(%n: index) -> memref<?xf32> {
  %a = memref.alloc(%n) : memref<?xf32>
  // expected-error @+1 {{returns a value that is not one of its arguments}}
  return %a : memref<?xf32>
}
