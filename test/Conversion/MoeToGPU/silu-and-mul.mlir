// RUN: moe-opt %s --convert-moe-to-gpu | FileCheck %s

// One thread per output element: silu of the gate half times the up half.
// CHECK-LABEL: func.func @silu_and_mul
//  CHECK-SAME: (%[[X:.*]]: memref<?x1536xbf16>, %[[O:.*]]: memref<?x768xbf16>)
//       CHECK: gpu.launch
//       CHECK:   %[[IN:.*]] = arith.cmpi ult
//       CHECK:   scf.if %[[IN]]
//       CHECK:     %[[G:.*]] = memref.load %[[X]]
//       CHECK:     %[[U:.*]] = memref.load %[[X]]
//       CHECK:     math.exp
//       CHECK:     arith.truncf %{{.*}} : f32 to bf16
//       CHECK:     memref.store %{{.*}}, %[[O]]
// CHECK-NOT: moe.silu_and_mul
func.func @silu_and_mul(%x: memref<?x1536xbf16>, %out: memref<?x768xbf16>) {
  moe.silu_and_mul %x outs(%out) : (memref<?x1536xbf16>, memref<?x768xbf16>) -> ()
  return
}
