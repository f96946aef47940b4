// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s

// Per-type RMSNorm with the residual add: one block per row, a block-wide
// sum of squares, then the scaled write; out-of-range types give zero rows.
// On the host: whether every buffer allows 16-byte accesses (addresses and
// row strides multiples of 16 bytes). If so both passes take chunks of 8
// bf16 columns (vector loads/stores with alignment 16), then the rest of the
// row one column at a time; otherwise one column per thread per step.
// CHECK-LABEL: func.func @rms_norm_mot
//  CHECK-SAME: (%[[X:.*]]: memref<?x3584xbf16>, %[[W:.*]]: memref<2x3584xbf16>, %[[T:.*]]: memref<?xi32>, %[[R:.*]]: memref<?x3584xbf16>, %[[O:.*]]: memref<?x3584xbf16>, %[[RO:.*]]: memref<?x3584xbf16>)
//       CHECK: memref.extract_aligned_pointer_as_index %[[X]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[O]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[W]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[R]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[RO]]
//       CHECK: %[[C15:.*]] = arith.constant 15 : index
//       CHECK: %[[LOW:.*]] = arith.andi %{{.*}}, %[[C15]] : index
//       CHECK: %[[VEC:.*]] = arith.cmpi eq, %[[LOW]], %{{.*}} : index
//       CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%[[BS:.*]] = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}})
//       CHECK:   memref.load %[[T]][%[[BX]]]
// Pass 1.
//       CHECK:   scf.if %[[VEC]] -> (f32) {
//       CHECK:     scf.for %[[H:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
//       CHECK:       vector.load %[[X]][%[[BX]], %[[H]]] {alignment = 16 : i64} : memref<?x3584xbf16>, vector<8xbf16>
//       CHECK:       vector.load %[[R]][%[[BX]], %[[H]]] {alignment = 16 : i64} : memref<?x3584xbf16>, vector<8xbf16>
//       CHECK:       arith.truncf %{{.*}} : f32 to bf16
//       CHECK:       vector.store %{{.*}}, %[[RO]][%[[BX]], %[[H]]] {alignment = 16 : i64} : memref<?x3584xbf16>, vector<8xbf16>
//       CHECK:     scf.for %[[HT:.*]] = %{{.*}} to %{{.*}} step %[[BS]] iter_args
//       CHECK:       memref.load %[[X]][%[[BX]], %[[HT]]]
//       CHECK:       memref.store %{{.*}}, %[[RO]][%[[BX]], %[[HT]]]
//       CHECK:   } else {
//       CHECK:     scf.for %[[HS:.*]] = %[[TX]] to %{{.*}} step %[[BS]] iter_args
//   CHECK-NOT:       vector.
//       CHECK:       memref.load %[[X]][%[[BX]], %[[HS]]]
//       CHECK:       arith.truncf %{{.*}} : f32 to bf16
//       CHECK:       memref.store %{{.*}}, %[[RO]][%[[BX]], %[[HS]]]
//       CHECK:   gpu.all_reduce add %{{.*}} uniform
//       CHECK:   math.sqrt
// Pass 2: the same columns per thread.
//       CHECK:   scf.if %[[VEC]] {
//       CHECK:     scf.for
//       CHECK:       scf.if %{{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32) {
//       CHECK:         vector.load %[[W]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<2x3584xbf16>, vector<8xbf16>
//       CHECK:       vector.store %{{.*}}, %[[O]][%[[BX]], %{{.*}}] {alignment = 16 : i64}
//       CHECK:     scf.for
//       CHECK:       scf.if
//       CHECK:         memref.load %[[W]]
//       CHECK:       memref.store %{{.*}}, %[[O]]
//       CHECK:   } else {
//       CHECK:     scf.for
//       CHECK:       scf.if
//       CHECK:         memref.load %[[W]]
//       CHECK:       memref.store %{{.*}}, %[[O]]
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

// -----

// Any layout: offsets and strides come from the buffers at run time, a
// dynamic innermost stride must be 1 and the vector path goes through a
// unit-stride view. An f32 weight next to bf16 x: a chunk of 8 columns
// reads the weight as two 16-byte vectors.
// CHECK-LABEL: func.func @rms_norm_strided
//  CHECK-SAME: (%[[X:.*]]: memref<?x?xbf16, strided<[?, ?], offset: ?>>, %[[W:.*]]: memref<?xf32, strided<[?], offset: ?>>, %[[O:.*]]: memref<?x?xbf16, strided<[?, ?], offset: ?>>)
//       CHECK: %{{.*}}, %[[XOFF:.*]], %{{.*}}:2, %[[XS:.*]]:2 = memref.extract_strided_metadata %[[X]]
//       CHECK: %[[XP:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
//       CHECK: %[[XOFFB:.*]] = arith.muli %[[XOFF]], %{{.*}} : index
//       CHECK: arith.addi %[[XP]], %[[XOFFB]] : index
//       CHECK: arith.muli %[[XS]]#0, %{{.*}} : index
//       CHECK: arith.cmpi eq, %[[XS]]#1, %{{.*}} : index
//       CHECK: gpu.launch
//       CHECK:   %[[XV:.*]] = memref.reinterpret_cast %[[X]] to offset: [%{{.*}}], sizes: [%{{.*}}, %{{.*}}], strides: [%{{.*}}, 1]
//       CHECK:   vector.load %[[XV]][{{.*}}] {alignment = 16 : i64} : memref<?x?xbf16, strided<[?, 1], offset: ?>>, vector<8xbf16>
//       CHECK:   %[[WV:.*]] = memref.reinterpret_cast %[[W]]
//       CHECK:   vector.load %[[WV]][{{.*}}] {alignment = 16 : i64} : memref<?xf32, strided<[1], offset: ?>>, vector<4xf32>
//       CHECK:   vector.load %[[WV]][{{.*}}] {alignment = 16 : i64} : memref<?xf32, strided<[1], offset: ?>>, vector<4xf32>
//       CHECK:   vector.store {{.*}} {alignment = 16 : i64} : memref<?x?xbf16, strided<[?, 1], offset: ?>>, vector<8xbf16>
func.func @rms_norm_strided(%x: memref<?x?xbf16, strided<[?, ?], offset: ?>>,
                            %w: memref<?xf32, strided<[?], offset: ?>>,
                            %out: memref<?x?xbf16, strided<[?, ?], offset: ?>>) {
  moe.rms_norm %x, %w epsilon = 1.0e-05 outs(%out)
      : (memref<?x?xbf16, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>,
         memref<?x?xbf16, strided<[?, ?], offset: ?>>) -> ()
  return
}
