// RUN: moe-opt %s --convert-moe-tile-to-nvgpu --split-input-file | FileCheck %s

// The staged epilogue of moe.tile_store: each warp's rows of the wgmma
// fragment go into its 16 x 72 slice of the buffer (two-element stores,
// the warp's index in the tile first), the warp synchronizes, and each
// lane copies one 16-byte run (8 columns) of a row to dest: 8 lanes a row,
// 4 rows a step, 4 steps for the slice's 16 rows. A run that crosses the
// output's last column (or rows that are not 16-byte aligned) goes
// element by element. The row's scale is loaded once per row before the
// chunks (rows past `rows` read nothing). A 128-column tile is two chunks
// of 64 columns.
// CHECK-LABEL: func.func @staged_scale
//  CHECK-SAME: %[[OUT:[^:]*]]: memref<?x100xbf16>, %[[SCALE:[^:]*]]: memref<?xf32>, %[[ROWS:[^:]*]]: index,
//  CHECK-SAME: %[[BUF:[^:]*]]: memref<8x16x72xbf16, #gpu.address_space<workgroup>>
//       CHECK: %[[S0:.*]] = scf.if %{{.*}} -> (f32) {
//       CHECK:   memref.load %[[SCALE]]
//       CHECK: %[[S1:.*]] = scf.if %{{.*}} -> (f32) {
//       CHECK:   memref.load %[[SCALE]]
//   CHECK-NOT: memref.load %[[SCALE]]
//       CHECK: vector.store %{{.*}}, %[[BUF]][%[[WARP:.*]], %{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<8x16x72xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
//       CHECK: nvvm.bar.warp.sync %[[ALL:.*]] : i32
//       CHECK: %[[PIECE:.*]] = vector.load %[[BUF]][%[[WARP]], %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<8x16x72xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
//       CHECK: vector.store %[[PIECE]], %{{.*}}[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x100xbf16{{.*}}>, vector<8xbf16>
//       CHECK: } else {
//       CHECK:   memref.load %[[BUF]]
//       CHECK:   memref.store %{{.*}}, %[[OUT]]
//       CHECK: nvvm.bar.warp.sync %[[ALL]] : i32
//       CHECK: vector.store %{{.*}}, %[[BUF]]
//       CHECK: nvvm.bar.warp.sync %[[ALL]] : i32
//       CHECK: nvvm.bar.warp.sync %[[ALL]] : i32
//   CHECK-NOT: nvvm.bar.warp.sync
func.func @staged_scale(%out: memref<?x100xbf16>, %scale: memref<?xf32>, %rows: index,
                        %buf: memref<8x16x72xbf16, #gpu.address_space<workgroup>>) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %c128 = arith.constant 128 : index
    %wg = arith.divui %tx, %c128 : index
    %zero = arith.constant dense<0.0> : vector<128x128xf32>
    moe.tile_store %zero warpgroup %wg into %out[%c0, %c0] rows %rows
        scale(%scale : memref<?xf32>)
        staging(%buf : memref<8x16x72xbf16, #gpu.address_space<workgroup>>)
        : vector<128x128xf32>, memref<?x100xbf16>
    gpu.terminator
  }
  return
}

// -----

// A gated tile of 32 accumulator columns has 16 output columns: one chunk
// of two 8-column runs a row, so lanes 2..7 of each row copy nothing.
// CHECK-LABEL: func.func @staged_gated_narrow
//       CHECK: %[[PIECE:.*]] = arith.remui %{{.*}}, %c8
//       CHECK: vector.store %{{.*}} : memref<4x16x72xf16, #gpu.address_space<workgroup>>, vector<2xf16>
//       CHECK: nvvm.bar.warp.sync
//       CHECK: arith.cmpi ult, %[[PIECE]], %c2
//       CHECK: vector.load {{.*}} vector<8xf16>
//       CHECK: nvvm.bar.warp.sync
//   CHECK-NOT: nvvm.bar.warp.sync
func.func @staged_gated_narrow(%out: memref<?x?xf16>, %rows: index,
                               %buf: memref<4x16x72xf16, #gpu.address_space<workgroup>>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x32xf32>
    moe.tile_store %zero warpgroup %c0 into %out[%c0, %c0] rows %rows
        epilogue = silu_and_mul
        staging(%buf : memref<4x16x72xf16, #gpu.address_space<workgroup>>)
        : vector<64x32xf32>, memref<?x?xf16>
    gpu.terminator
  }
  return
}
