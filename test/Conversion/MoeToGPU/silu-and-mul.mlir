// RUN: moe-opt %s --convert-moe-to-gpu --split-input-file | FileCheck %s

// silu of the gate half times the up half. On the host: whether x, out and
// the up half's offset N allow 16-byte accesses (addresses and row strides
// multiples of 16 bytes, N a multiple of 8 bf16). If so each thread takes a
// chunk of 8 columns (16 bytes): vector loads of both halves, f32 math,
// rounding to bf16, one vector store; the row's last, partial chunk goes one
// column at a time. Otherwise one thread per output element.
// CHECK-LABEL: func.func @silu_and_mul
//  CHECK-SAME: (%[[X:.*]]: memref<?x1536xbf16>, %[[O:.*]]: memref<?x768xbf16>)
//       CHECK: %[[C8:.*]] = arith.constant 8 : index
//       CHECK: %[[HALF_REM:.*]] = arith.remui %{{.*}}, %[[C8]] : index
//       CHECK: %[[HALF_OK:.*]] = arith.cmpi eq, %[[HALF_REM]]
//       CHECK: memref.extract_strided_metadata %[[X]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[X]]
//       CHECK: memref.extract_strided_metadata %[[O]]
//       CHECK: memref.extract_aligned_pointer_as_index %[[O]]
//       CHECK: %[[C15:.*]] = arith.constant 15 : index
//       CHECK: %[[LOW:.*]] = arith.andi %{{.*}}, %[[C15]] : index
//       CHECK: %[[ALIGNED:.*]] = arith.cmpi eq, %[[LOW]], %{{.*}} : index
//       CHECK: %[[VEC:.*]] = arith.andi %[[ALIGNED]], %[[HALF_OK]] : i1
//       CHECK: %[[CHUNKS:.*]] = arith.ceildivui %{{.*}}, %[[C8]] : index
//       CHECK: arith.select %[[VEC]], %[[CHUNKS]], %{{.*}} : index
//       CHECK: gpu.launch
//       CHECK:   %[[IN:.*]] = arith.cmpi ult
//       CHECK:   scf.if %[[IN]]
//       CHECK:     scf.if %[[VEC]] {
//       CHECK:       %[[WHOLE:.*]] = arith.cmpi ule
//       CHECK:       scf.if %[[WHOLE]] {
//       CHECK:         vector.load %[[X]][{{.*}}] {alignment = 16 : i64} : memref<?x1536xbf16>, vector<8xbf16>
//       CHECK:         vector.load %[[X]][{{.*}}] {alignment = 16 : i64} : memref<?x1536xbf16>, vector<8xbf16>
//       CHECK:         math.exp
//       CHECK:         arith.truncf %{{.*}} : f32 to bf16
//       CHECK:         vector.from_elements {{.*}} : vector<8xbf16>
//       CHECK:         vector.store %{{.*}}, %[[O]][{{.*}}] {alignment = 16 : i64} : memref<?x768xbf16>, vector<8xbf16>
//       CHECK:       } else {
//       CHECK:         scf.for
//       CHECK:           memref.load %[[X]]
//       CHECK:           memref.load %[[X]]
//       CHECK:           memref.store %{{.*}}, %[[O]]
//       CHECK:     } else {
//   CHECK-NOT:       vector.
//       CHECK:       %[[G:.*]] = memref.load %[[X]]
//       CHECK:       %[[U:.*]] = memref.load %[[X]]
//       CHECK:       math.exp
//       CHECK:       arith.truncf %{{.*}} : f32 to bf16
//       CHECK:       memref.store %{{.*}}, %[[O]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: moe.silu_and_mul
func.func @silu_and_mul(%x: memref<?x1536xbf16>, %out: memref<?x768xbf16>) {
  moe.silu_and_mul %x outs(%out) : (memref<?x1536xbf16>, memref<?x768xbf16>) -> ()
  return
}

// -----

// Any layout: a dynamic innermost stride is checked to be 1 at run time and
// the vector path reads through a unit-stride view. f32 x gives chunks of 4
// columns; their bf16 results are 8 bytes, stored with alignment 8.
// CHECK-LABEL: func.func @silu_and_mul_strided
//  CHECK-SAME: (%[[X:.*]]: memref<?x?xf32, strided<[?, 1], offset: ?>>, %[[O:.*]]: memref<?x?xbf16, strided<[?, ?], offset: ?>>)
//       CHECK: %{{.*}}, %{{.*}}, %{{.*}}:2, %[[OS:.*]]:2 = memref.extract_strided_metadata %[[O]]
//       CHECK: %[[UNIT:.*]] = arith.cmpi eq, %[[OS]]#1, %{{.*}} : index
//       CHECK: %[[ALIGNED:.*]] = arith.cmpi eq
//       CHECK: arith.andi %[[ALIGNED]], %[[UNIT]] : i1
//       CHECK: gpu.launch
//       CHECK:   vector.load %[[X]][{{.*}}] {alignment = 16 : i64} : memref<?x?xf32, strided<[?, 1], offset: ?>>, vector<4xf32>
//       CHECK:   %[[VIEW:.*]] = memref.reinterpret_cast %[[O]] to offset: [%{{.*}}], sizes: [%{{.*}}, %{{.*}}], strides: [%{{.*}}, 1]
//       CHECK:   vector.store %{{.*}}, %[[VIEW]][{{.*}}] {alignment = 8 : i64} : memref<?x?xbf16, strided<[?, 1], offset: ?>>, vector<4xbf16>
func.func @silu_and_mul_strided(%x: memref<?x?xf32, strided<[?, 1], offset: ?>>,
                                %out: memref<?x?xbf16, strided<[?, ?], offset: ?>>) {
  moe.silu_and_mul %x outs(%out)
      : (memref<?x?xf32, strided<[?, 1], offset: ?>>, memref<?x?xbf16, strided<[?, ?], offset: ?>>) -> ()
  return
}
