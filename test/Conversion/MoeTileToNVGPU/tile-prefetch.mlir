// RUN: moe-opt %s --convert-moe-tile-to-nvgpu | FileCheck %s

// moe.tile_prefetch: thread t takes the 128-byte line of element
// row + 32 t while that is below the range's end (clamped to the source's
// size) plus 31, the element clamped to the last one, and prefetches it
// into L1 through a global pointer; an empty range prefetches nothing.
// CHECK-LABEL: func.func @prefetch_rows
//  CHECK-SAME: (%[[S:.*]]: memref<?xf32>, %[[ROW:.*]]: index, %[[ROWS:.*]]: index)
//       CHECK: gpu.launch
//       CHECK:   %[[TID:.*]] = gpu.thread_id x
//       CHECK:   %[[DIM:.*]] = memref.dim %[[S]], %c0
//       CHECK:   %[[SUM:.*]] = arith.addi %[[ROW]], %[[ROWS]]
//       CHECK:   %[[END:.*]] = arith.minui %[[SUM]], %[[DIM]]
//       CHECK:   %[[FIRST:.*]] = arith.muli %[[TID]], %c32
//       CHECK:   %[[ELEMENT:.*]] = arith.addi %[[ROW]], %[[FIRST]]
//       CHECK:   %[[LIMIT:.*]] = arith.addi %[[END]], %c31
//       CHECK:   arith.cmpi ult, %[[ELEMENT]], %[[LIMIT]]
//       CHECK:   arith.cmpi ult, %[[ROW]], %[[END]]
//       CHECK:   scf.if
//       CHECK:     %[[LAST:.*]] = arith.subi %[[END]], %c1
//       CHECK:     arith.minui %[[ELEMENT]], %[[LAST]]
//       CHECK:     %[[P:.*]] = llvm.inttoptr %{{.*}} : i64 to !llvm.ptr<1>
//       CHECK:     nvvm.prefetch level = {{ *}}L1, %[[P]] : !llvm.ptr<1>
//   CHECK-NOT:   moe.tile_prefetch
func.func @prefetch_rows(%s: memref<?xf32>, %row: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    moe.tile_prefetch %s[%row] rows %rows : memref<?xf32>
    gpu.terminator
  }
  return
}
