// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s

// Per-type RMSNorm with the residual add: one block per row, a block-wide
// sum of squares, then the scaled write; out-of-range types give zero rows.
// CHECK-LABEL: func.func @rms_norm_mot
//  CHECK-SAME: (%[[X:.*]]: memref<?x3584xbf16>, %[[W:.*]]: memref<2x3584xbf16>, %[[T:.*]]: memref<?xi32>, %[[R:.*]]: memref<?x3584xbf16>, %[[O:.*]]: memref<?x3584xbf16>, %[[RO:.*]]: memref<?x3584xbf16>)
//       CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%[[BS:.*]] = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
//       CHECK:   memref.load %[[T]][%[[BX]]]
//       CHECK:   scf.for %[[H:.*]] = %[[TX]] to %{{.*}} step %[[BS]]
//       CHECK:     arith.truncf %{{.*}} : f32 to bf16
//       CHECK:     memref.store %{{.*}}, %[[RO]][%[[BX]], %[[H]]]
//       CHECK:   gpu.all_reduce add %{{.*}} uniform
//       CHECK:   math.sqrt
//       CHECK:   scf.for
//       CHECK:     scf.if
//       CHECK:       memref.load %[[W]]
//       CHECK:     memref.store %{{.*}}, %[[O]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: moe.rms_norm
func.func @rms_norm_mot(%x: memref<?x3584xbf16>, %w: memref<2x3584xbf16>, %types: memref<?xi32>,
                        %res: memref<?x3584xbf16>, %out: memref<?x3584xbf16>,
                        %res_out: memref<?x3584xbf16>) {
  moe.rms_norm %x, %w type_ids(%types) residual(%res) epsilon = 1.0e-06 outs(%out, %res_out)
      : (memref<?x3584xbf16>, memref<2x3584xbf16>, memref<?xi32>, memref<?x3584xbf16>,
         memref<?x3584xbf16>, memref<?x3584xbf16>) -> ()
  return
}

// -----

// The thread count comes from moe.config.
// CHECK-LABEL: func.func @rms_norm_config
//       CHECK: %[[C1024:.*]] = arith.constant 1024 : index
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C1024]],
func.func @rms_norm_config(%x: memref<8x4096xf32>, %w: memref<4096xf32>, %out: memref<8x4096xf32>) {
  moe.rms_norm %x, %w epsilon = 1.0e-05 outs(%out) {moe.config = {threads = 1024 : i64}}
      : (memref<8x4096xf32>, memref<4096xf32>, memref<8x4096xf32>) -> ()
  return
}
