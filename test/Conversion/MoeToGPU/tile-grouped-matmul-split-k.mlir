// RUN: moe-opt %s --moe-tile-grouped-matmul --split-input-file | FileCheck %s

// split_k = 4, gated: the host sizes an f32 workspace of 4 * R rows by
// (column blocks * 128) accumulator columns where few enough tiles can
// split (else 1 x 1); the schedule kernel writes the call's number of
// splits (header word 3: enough for twice the grid in tiles, at most 4,
// at least 4 K steps each) and whether the reduction runs (word 4); the
// GEMM kernel walks m-tiles x column blocks x splits, the split varying
// fastest, each over its K range; a split call stores the raw accumulator
// into rows split * R + row of the workspace, one split alone stores the
// epilogue; the simple kernel reduces, gated on word 4.
// CHECK-LABEL: func.func @split_gated
//       CHECK:   %[[SCHEDULE:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK:   %[[C4:.*]] = arith.constant 4 : index
//       CHECK:   %[[ALLTILES:.*]] = arith.muli %{{.*}}, %[[C4]] : index
//       CHECK:   %[[TARGET:.*]] = arith.muli %{{.*}}, %c2{{(_[0-9]+)?}} : index
//       CHECK:   %[[FEW:.*]] = arith.cmpi ult, %{{.*}}, %[[TARGET]] : index
//       CHECK:   %[[ALLOWED:.*]] = arith.select %[[FEW]], %c1{{(_[0-9]+)?}}, %c0{{(_[0-9]+)?}} : index
//       CHECK:   %[[WSROWS:.*]] = arith.muli %[[ROWS:.*]], %c4{{(_[0-9]+)?}} : index
//       CHECK:   %[[WSCOLS:.*]] = arith.muli %{{.*}}, %c128{{(_[0-9]+)?}} : index
//       CHECK:   %[[WORKSPACE:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf32>
//       CHECK:   scf.if
// The schedule kernel's last words.
//       CHECK:     gpu.launch
//       CHECK:       arith.ceildivui %[[TARGET]], %{{.*}} : index
//       CHECK:       %[[SPLITS:.*]] = arith.select %{{.*}}, %{{.*}}, %c1{{(_[0-9]+)?}} : index
//       CHECK:       %[[REDUCE:.*]] = arith.andi
//       CHECK:       memref.store %{{.*}}, %[[SCHEDULE]][%c3{{(_[0-9]+)?}}] : memref<?xi32>
//       CHECK:       memref.store %{{.*}}, %[[SCHEDULE]][%c4{{(_[0-9]+)?}}] : memref<?xi32>
// The GEMM kernel.
//       CHECK:     gpu.launch
//       CHECK:       %[[WORD3:.*]] = memref.load %[[SCHEDULE]][%c3{{(_[0-9]+)?}}] : memref<?xi32>
//       CHECK:       %[[NSPLITS:.*]] = arith.index_cast %[[WORD3]] : i32 to index
//       CHECK:       %[[NTILES:.*]] = arith.muli %{{.*}}, %[[NSPLITS]] : index
//       CHECK:       scf.while
//       CHECK:         %[[SPLIT:.*]] = arith.remui %{{.*}}, %[[NSPLITS]] : index
//       CHECK:         arith.divui %{{.*}}, %[[NSPLITS]] : index
//       CHECK:         %[[PER:.*]] = arith.ceildivui %[[NUMK:.*]], %[[NSPLITS]] : index
//       CHECK:         %[[FIRST:.*]] = arith.minui %{{.*}}, %[[NUMK]] : index
//       CHECK:         %[[LEFT:.*]] = arith.subi %[[NUMK]], %[[FIRST]] : index
//       CHECK:         %[[COUNT:.*]] = arith.minui %[[PER]], %[[LEFT]] : index
//       CHECK:         scf.for %[[STEP:.*]] = %c0{{.*}} to %[[COUNT]] step
//       CHECK:           %[[KBLOCK:.*]] = arith.addi %[[FIRST]], %[[STEP]] : index
//       CHECK:           %[[KCOORD:.*]] = arith.muli %[[KBLOCK]], %c64
//       CHECK:           moe.tile_load %{{.*}}[%{{.*}}, %[[KCOORD]]]
//       CHECK:           moe.tile_mma
//       CHECK:         %[[DONE:.*]] = moe.tile_mma_wait
//       CHECK:         %[[ISSPLIT:.*]] = arith.cmpi ult, %c1{{.*}}, %[[NSPLITS]] : index
//       CHECK:         scf.if %[[ISSPLIT]] {
//       CHECK:           %[[BASE:.*]] = arith.muli %[[SPLIT]], %[[ROWS]] : index
//       CHECK:           %[[ROW:.*]] = arith.addi %[[BASE]], %{{.*}} : index
//       CHECK:           moe.tile_store %[[DONE]] warpgroup %{{.*}} into %[[WORKSPACE]][%[[ROW]], %{{.*}}] rows %{{.*}} : vector<64x128xf32>, memref<?x?xf32>
//       CHECK:         } else {
//       CHECK:           moe.tile_store %[[DONE]] {{.*}} epilogue = silu_and_mul bias
//       CHECK:         }
// Rows outside every expert: zero only when not split (the reduction
// writes them otherwise).
//       CHECK:         arith.cmpi eq, %[[NSPLITS]], %c1
//       CHECK:         scf.if
//       CHECK:           moe.tile_store %{{.*}} : vector<64x64xf32>, memref<?x256xbf16>
// The fallback (word 1), then the reduction (word 4) summing the splits
// (word 3) of the workspace in order.
//       CHECK:     memref.subview %[[SCHEDULE]][1] [1] [1]
//       CHECK:     gpu.launch
//       CHECK:     %[[FLAG:.*]] = memref.subview %[[SCHEDULE]][4] [1] [1]
//       CHECK:     %[[COUNTWORD:.*]] = memref.subview %[[SCHEDULE]][3] [1] [1]
//       CHECK:     gpu.launch
//       CHECK:       memref.load %[[FLAG]]
//       CHECK:       memref.load %[[COUNTWORD]]
//       CHECK:       scf.for %[[S:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (f32, f32) {
//       CHECK:         %[[SROW:.*]] = arith.muli %[[S]], %[[ROWS]] : index
//       CHECK:         memref.load %[[WORKSPACE]]
//       CHECK:         memref.load %[[WORKSPACE]]
// Its blocks stride over (row, column chunk) blocks: a barrier between two,
// whose expert searches share the all-reduce scratch.
//       CHECK:       gpu.barrier
//       CHECK:   } else {
//   CHECK-NOT:   nvvm.
func.func @split_gated(%a: memref<?x2048xbf16>, %w: memref<8x512x2048xbf16>, %offsets: memref<9xi32>,
                       %b: memref<8x512xbf16>, %out: memref<?x256xbf16>) {
  moe.grouped_matmul %a, %w, %offsets bias(%b) epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128, split_k = 4>}
      : (memref<?x2048xbf16>, memref<8x512x2048xbf16>, memref<9xi32>, memref<8x512xbf16>, memref<?x256xbf16>) -> ()
  return
}

// -----

// In a list by row count, only the entry with split_k splits: its rows
// (below the next entry's min_rows) decide whether the workspace has room;
// the other entry's kernels are those of a configuration without split_k
// (one K range, no workspace, no reduction).
// CHECK-LABEL: func.func @split_by_rows
//       CHECK:   arith.constant 132 : index
//       CHECK:   %[[LEAST:.*]] = arith.ceildivui %[[ROWS:.*]], %c64{{(_[0-9]+)?}} : index
//       CHECK:   %[[LEASTTILES:.*]] = arith.muli %[[LEAST]], %{{.*}} : index
//       CHECK:   %[[FEW:.*]] = arith.cmpi ult, %[[LEASTTILES]], %{{.*}} : index
//       CHECK:   %[[BELOW:.*]] = arith.cmpi ult, %[[ROWS]], %c4096{{(_[0-9]+)?}} : index
//       CHECK:   %[[ALLOWED:.*]] = arith.andi %[[FEW]], %[[BELOW]] : i1
//       CHECK:   memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?xf32>
//       CHECK:   scf.if
//       CHECK:     scf.if
// min_rows = 4096: three launches, the tile stored with its epilogue.
//       CHECK:       gpu.launch
//       CHECK:       gpu.launch
//   CHECK-NOT:       memref<?x?xf32>
//       CHECK:       gpu.launch
//       CHECK:     } else {
// Fewer rows: four launches, the last the reduction.
//       CHECK:       gpu.launch
//       CHECK:       gpu.launch
//       CHECK:         moe.tile_store {{.*}} memref<?x?xf32>
//       CHECK:       gpu.launch
//       CHECK:       gpu.launch
//       CHECK:     }
func.func @split_by_rows(%a: memref<?x1024xbf16>, %w: memref<4x256x1024xbf16>, %offsets: memref<5xi32>,
                         %out: memref<?x256xf32>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = [#moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128, split_k = 2>,
                     #moe.gemm_config<min_rows = 4096>]}
      : (memref<?x1024xbf16>, memref<4x256x1024xbf16>, memref<5xi32>, memref<?x256xf32>) -> ()
  return
}
