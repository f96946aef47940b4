// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s

// Groups of 128 bf16 columns: a team of 16 lanes a group (16 chunks of 8),
// 16 teams a block. When x and q allow 16-byte accesses, pass 1 reads the
// group in vector chunks and takes the amax (maxnumf: NaNs skipped); four
// butterfly shuffles combine the team's lanes; the scale is max(amax,
// 1e-10) / 448, stored by the team's first lane. Pass 2 re-reads the chunks,
// divides by the scale, converts pairs with cvt.rn.satfinite.e4m3x2.f32
// (a NaN made the positive NaN first: 0x7F) and stores the 8 bytes at once.
// CHECK-LABEL: func.func @quantize_groups
//  CHECK-SAME: (%[[X:.*]]: memref<?x256xbf16>, %[[Q:.*]]: memref<?x256xf8E4M3FN>, %[[S:.*]]: memref<?x2xf32>)
//       CHECK: memref.extract_aligned_pointer_as_index %[[X]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[Q]]
//       CHECK: %[[VEC:.*]] = arith.cmpi eq
//       CHECK: %[[C16:.*]] = arith.constant 16 : index
//       CHECK: arith.ceildivui %{{.*}}, %[[C16]] : index
//       CHECK: gpu.launch
//       CHECK:   %[[LANE:.*]] = arith.remui %{{.*}}, %[[C16_IN:.*]] : index
//       CHECK:   %[[AMAX:.*]] = scf.if %[[VEC]] -> (f32) {
//       CHECK:     scf.for
//       CHECK:       vector.load %[[X]][{{.*}}] {alignment = 16 : i64} : memref<?x256xbf16>, vector<8xbf16>
//       CHECK:       math.absf
//       CHECK:       arith.maxnumf
//       CHECK:   } else {
//       CHECK:     scf.for
//       CHECK:       memref.load %[[X]]
//       CHECK:       arith.maxnumf
//       CHECK:   gpu.shuffle  xor %[[AMAX]], %{{.*}}, %{{.*}} : f32
//       CHECK:   gpu.shuffle  xor
//       CHECK:   gpu.shuffle  xor
//       CHECK:   %[[V4:.*]], %{{.*}} = gpu.shuffle  xor
//       CHECK:   %[[TEAM_MAX:.*]] = arith.maxnumf %{{.*}}, %[[V4]] : f32
//   CHECK-NOT:   gpu.shuffle
//       CHECK:   %[[FLOOR:.*]] = arith.constant 1.000000e-10 : f32
//       CHECK:   %[[FLOORED:.*]] = arith.maxnumf %[[TEAM_MAX]], %[[FLOOR]] : f32
//       CHECK:   %[[MAX:.*]] = arith.constant 4.480000e+02 : f32
//       CHECK:   %[[SCALE:.*]] = arith.divf %[[FLOORED]], %[[MAX]] : f32
//       CHECK:   %[[FIRST:.*]] = arith.cmpi eq, %[[LANE]]
//       CHECK:   %[[STORES:.*]] = arith.andi %{{.*}}, %[[FIRST]] : i1
//       CHECK:   scf.if %[[STORES]] {
//       CHECK:     memref.store %[[SCALE]], %[[S]]
//       CHECK:   scf.if %[[VEC]] {
//       CHECK:     scf.for
//       CHECK:       vector.load %[[X]][{{.*}}] {alignment = 16 : i64} : memref<?x256xbf16>, vector<8xbf16>
//       CHECK:       %[[QUOTIENT:.*]] = arith.divf %{{.*}}, %[[SCALE]] : f32
//       CHECK:       %[[NAN:.*]] = arith.cmpf uno
//       CHECK:       arith.select %[[NAN]], %{{.*}}, %{{.*}} : f32
//       CHECK:       nvvm.convert.f32x2.to.f8x2 %{{.*}}, %{{.*}} {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : i16(f8E4M3FN)
//       CHECK:       %[[PAIRS:.*]] = vector.from_elements {{.*}} : vector<4xi16>
//       CHECK:       %[[BYTES:.*]] = vector.bitcast %[[PAIRS]] : vector<4xi16> to vector<8xf8E4M3FN>
//       CHECK:       vector.store %[[BYTES]], %[[Q]][{{.*}}] {alignment = 8 : i64} : memref<?x256xf8E4M3FN>, vector<8xf8E4M3FN>
//       CHECK:   } else {
//       CHECK:     scf.for
//       CHECK:       memref.load %[[X]]
//       CHECK:       arith.divf %{{.*}}, %[[SCALE]] : f32
//       CHECK:       %[[PAIR:.*]] = nvvm.convert.f32x2.to.f8x2
//       CHECK:       %[[BYTE:.*]] = arith.trunci %[[PAIR]] : i16 to i8
//       CHECK:       %[[ELEMENT:.*]] = arith.bitcast %[[BYTE]] : i8 to f8E4M3FN
//       CHECK:       memref.store %[[ELEMENT]], %[[Q]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: moe.quantize
func.func @quantize_groups(%x: memref<?x256xbf16>, %q: memref<?x256xf8E4M3FN>, %s: memref<?x2xf32>) {
  moe.quantize %x group_size = 128 outs(%q, %s)
      : (memref<?x256xbf16>, memref<?x256xf8E4M3FN>, memref<?x2xf32>) -> ()
  return
}

// -----

// A group size that is not a multiple of the chunk width: no vector path.
// Groups of 30 bf16 columns span 4 chunks: teams of 4 lanes, two shuffles.
// CHECK-LABEL: func.func @quantize_odd_groups
//   CHECK-NOT: memref.extract_aligned_pointer_as_index
//       CHECK: %[[FALSE:.*]] = arith.constant false
//       CHECK: gpu.launch
//       CHECK:   arith.remui %{{.*}}, %[[C4:.*]] : index
//       CHECK:   scf.if %[[FALSE]] -> (f32) {
//       CHECK:   gpu.shuffle  xor
//       CHECK:   gpu.shuffle  xor
//   CHECK-NOT:   gpu.shuffle
//       CHECK:   gpu.terminator
func.func @quantize_odd_groups(%x: memref<?x100xbf16>, %q: memref<?x100xf8E4M3FN>, %s: memref<?x4xf32>) {
  moe.quantize %x group_size = 30 outs(%q, %s)
      : (memref<?x100xbf16>, memref<?x100xf8E4M3FN>, memref<?x4xf32>) -> ()
  return
}

// -----

// The static scale, any K: one warp a row, the scale loaded from its
// operand, no amax and no shuffle; f32 chunks of 4 give 4-byte stores.
// CHECK-LABEL: func.func @quantize_static
//  CHECK-SAME: (%[[X:.*]]: memref<?x?xf32>, %[[SCALE:.*]]: memref<1xf32>, %[[Q:.*]]: memref<?x?xf8E4M3FN>)
//       CHECK: gpu.launch
//   CHECK-NOT:   gpu.shuffle
//       CHECK:   %[[S:.*]] = memref.load %[[SCALE]][%{{.*}}] : memref<1xf32>
//       CHECK:   vector.load %[[X]][{{.*}}] {alignment = 16 : i64} : memref<?x?xf32>, vector<4xf32>
//       CHECK:   arith.divf %{{.*}}, %[[S]] : f32
//       CHECK:   vector.bitcast %{{.*}} : vector<2xi16> to vector<4xf8E4M3FN>
//       CHECK:   vector.store %{{.*}}, %[[Q]][{{.*}}] {alignment = 4 : i64} : memref<?x?xf8E4M3FN>, vector<4xf8E4M3FN>
//   CHECK-NOT:   gpu.shuffle
//       CHECK:   gpu.terminator
func.func @quantize_static(%x: memref<?x?xf32>, %scale: memref<1xf32>, %q: memref<?x?xf8E4M3FN>) {
  moe.quantize %x scale(%scale) outs(%q)
      : (memref<?x?xf32>, memref<1xf32>, memref<?x?xf8E4M3FN>) -> ()
  return
}
