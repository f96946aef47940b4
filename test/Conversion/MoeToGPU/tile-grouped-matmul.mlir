// RUN: moe-opt %s --moe-tile-grouped-matmul --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-tile-grouped-matmul="dynamic-tiles=0" --split-input-file | FileCheck %s --check-prefix=STATIC

// The tiling pass on grouped_matmul (16-bit A and W, expert-contiguous A).
// Host: a schedule buffer, the TMA rules checked at run time (16-byte
// aligned bases, K % 8 == 0, no empty dimension, none past 2^31 - 4096)
// choosing between
//  - the schedule kernel (one block), the persistent wgmma kernel whose
//    tiles arrive through moe.tile_load_async (A [R, K] in 128 x 64 boxes;
//    W seen as [E, 2, N/2, K] for the gated epilogue so the gate and up
//    halves are separate boxes) and the simple kernel gated on the
//    schedule's fallback flag,
//  - and the simple kernel alone.
// CHECK-LABEL: func.func @silu_and_mul_scale
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<4x128x64xbf16>, %[[OFF:.*]]: memref<5xi32>, %[[RW:.*]]: memref<?xf32>, %[[O:.*]]: memref<?x64xbf16>)
//       CHECK: %[[SCHED:.*]] = memref.alloc(%{{.*}}) : memref<?xi32>
//       CHECK: memref.extract_aligned_pointer_as_index %[[A]]
//       CHECK: arith.remui %{{.*}}, %c16
//       CHECK: memref.extract_aligned_pointer_as_index %[[W]]
//       CHECK: arith.remui %{{.*}}, %c16
//       CHECK: arith.remui %{{.*}}, %c8
// Dimensions must fit the 32-bit schedule and TMA coordinates.
//       CHECK: arith.cmpi ult, %{{.*}}, %c2147479552
//       CHECK: scf.if %[[OK:.*]] {
// Schedule kernel: monotone check, segment scan, entries.
//       CHECK:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c512, {{.*}}) workgroup(%{{.*}} : memref<512xi32, #gpu.address_space<workgroup>>, %{{.*}} : memref<4xi32, #gpu.address_space<workgroup>>)
//       CHECK:     arith.cmpi sgt
//       CHECK:     memref.store %{{.*}}, %[[SCHED]]
//       CHECK:     gpu.terminator
//       CHECK:   %[[VIEW:.*]] = memref.reinterpret_cast %[[W]] {{.*}} sizes: [%{{.*}}, 2, %{{.*}}, %{{.*}}]
//   CHECK-NOT:   nvgpu.tma.create.descriptor
// GEMM kernel, in tile IR only: two warpgroups, a 128x64 A tile and a
// 256x64 W tile, a persistent loop over the schedule's (m-tile, n-block)
// tiles.
//       CHECK:   gpu.launch blocks(%[[BID:[^,]*]], {{.*}}) in (%[[GRID:[^ ]*]] = {{.*}} threads(%[[TID:[^,]*]], {{.*}}) in (%{{.*}} = %c256, {{.*}}) {
//       CHECK:     %[[WG:.*]] = arith.divui %[[TID]], %c128
//       CHECK:     %[[TA:.*]] = moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:     %[[TW:.*]] = moe.tile_alloc : memref<256x64xbf16, #gpu.address_space<workgroup>>
// Dynamic tiles: block b starts with tile b; as a tile starts, the block
// claims the next one from the schedule's counter (word 2), offset by the
// grid, into a one-word tile buffer.
//       CHECK:     %[[SLOT:.*]] = moe.tile_alloc : memref<1xi32, #gpu.address_space<workgroup>>
//       CHECK:     scf.while (%[[T0:.*]] = %[[BID]]) : (index) -> index {
//       CHECK:     } do {
//       CHECK:     ^bb0(%[[T:.*]]: index):
//       CHECK:       moe.tile_claim %[[SCHED]][%c2{{.*}}] offset %[[GRID]] into %[[SLOT]]
// L2-aware raster: tile t lies in the segment (expert) of m-tile
// t / n-blocks, whose first m-tile and m-tile count are words 3 and 4 of a
// 5-word entry; within the segment the column block is the slow index.
//       CHECK:       %[[PROBE:.*]] = arith.divui %[[T]], %[[NB:.*]] : index
//       CHECK:       arith.muli %[[PROBE]], %c5
//       CHECK:       %[[FIRST:.*]] = arith.index_cast %{{.*}} : i32 to index
//       CHECK:       %[[COUNT:.*]] = arith.index_cast %{{.*}} : i32 to index
//       CHECK:       %[[BEFORE:.*]] = arith.muli %[[FIRST]], %[[NB]]
//       CHECK:       %[[LOCAL:.*]] = arith.subi %[[T]], %[[BEFORE]]
//       CHECK:       arith.divui %[[LOCAL]], %[[COUNT]]
//       CHECK:       %[[INNER:.*]] = arith.remui %[[LOCAL]], %[[COUNT]]
//       CHECK:       arith.addi %[[FIRST]], %[[INNER]]
//       CHECK:       scf.if
// K loop: the A box and the gate/up W boxes (halves of the W tile), then
// the MMA; the ring depth rides on the loop for the pipelining pass.
//       CHECK:         scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<128x256xf32>) {
//       CHECK:           moe.tile_load %[[A]][%{{.*}}, %[[K:.*]]] into %[[TA]] swizzle = 128
//       CHECK:           %[[G:.*]] = memref.subview %[[TW]][0, 0] [128, 64] [1, 1]
//       CHECK:           moe.tile_load %[[VIEW]][%{{.*}}, %c0{{.*}}, %{{.*}}, %[[K]]] into %[[G]] swizzle = 128
//       CHECK:           %[[U:.*]] = memref.subview %[[TW]][128, 0] [128, 64] [1, 1]
//       CHECK:           moe.tile_load %[[VIEW]][%{{.*}}, %c1{{.*}}, %{{.*}}, %[[K]]] into %[[U]] swizzle = 128
// A warpgroup with no rows of the tile skips its MMAs.
//       CHECK:           %[[NEXT:.*]] = moe.tile_mma %[[TA]], %[[TW]], %[[ACC]] warpgroup %[[WG]] rows %[[ROWS:[^ ]*]]
//       CHECK:           scf.yield %[[NEXT]]
//       CHECK:         } {moe.pipeline_stages = 4 : i64}
// Epilogue: silu(gate) * up, times the routed weight, masked by the rows.
//       CHECK:         %[[DONE:.*]] = moe.tile_mma_wait
//       CHECK:         moe.tile_store %[[DONE]] warpgroup %[[WG]] into %[[O]][%{{.*}}, %{{.*}}] rows %{{.*}} epilogue = silu_and_mul scale(%[[RW]] : memref<?xf32>) : vector<128x256xf32>, memref<?x64xbf16>
//       CHECK:       } else {
// Zero tiles: rows outside [offsets[0], offsets[E]).
//       CHECK:         moe.tile_store %{{.*}} warpgroup %[[WG]] into %[[O]][{{.*}}] rows %{{.*}} : vector<128x128xf32>, memref<?x64xbf16>
// The block reads the claim after the tile.
//       CHECK:       %[[NEXT_TILE:.*]] = moe.tile_claimed %[[SLOT]]
//       CHECK:       scf.yield %[[NEXT_TILE]]
//   CHECK-NOT:     nvvm.
//       CHECK:     gpu.terminator
// Round robin without dynamic-tiles.
// STATIC-LABEL: func.func @silu_and_mul_scale
//       STATIC:   gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256, {{.*}}) {
//   STATIC-NOT:     memref.atomic_rmw
//       STATIC:     scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
//   STATIC-NOT:     memref.atomic_rmw
//       STATIC:     gpu.terminator
// The fallback for non-monotone offsets reads the schedule's flag.
//       CHECK:   %[[FLAG:.*]] = memref.subview %[[SCHED]][1] [1] [1]
//       CHECK:   gpu.launch
//       CHECK:     memref.load %[[FLAG]]
//       CHECK: } else {
//       CHECK:   gpu.launch
//   CHECK-NOT: moe.grouped_matmul
func.func @silu_and_mul_scale(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
    %offsets: memref<5xi32>, %rw: memref<?xf32>, %out: memref<?x64xbf16>) {
  moe.grouped_matmul %a, %w, %offsets scale(%rw) epilogue = silu_and_mul outs(%out)
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?xf32>, memref<?x64xbf16>) -> ()
  return
}

// -----

// No epilogue: W [E, N, K] in 1 x tileN x 64 boxes (a rank-2 tile).
// The configuration sets one warpgroup (64-row tiles), 64-column tiles and
// 3 stages: 128 threads.
// CHECK-LABEL: func.func @config
//  CHECK-SAME: (%[[A:.*]]: memref<?x?xf16>, %[[W:.*]]: memref<2x?x?xf16>, %{{.*}}: memref<3xi32>, %[[B:.*]]: memref<2x64xf32>, %[[O:.*]]: memref<?x64xf32>)
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c128, {{.*}})
//       CHECK: moe.tile_load %[[A]][{{.*}}] into %{{.*}} swizzle = 128 : memref<?x?xf16>, memref<64x64xf16, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_load %[[W]][{{.*}}] into %{{.*}} swizzle = 128 : memref<2x?x?xf16>, memref<64x64xf16, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_mma {{.*}} : memref<64x64xf16, #gpu.address_space<workgroup>>, memref<64x64xf16, #gpu.address_space<workgroup>> -> vector<64x64xf32>
//       CHECK: } {moe.pipeline_stages = 3 : i64}
//       CHECK: moe.tile_store %{{.*}} into %[[O]][%{{.*}}, %{{.*}}] rows %{{.*}} bias(%[[B]] : memref<2x64xf32>) expert %{{.*}} : vector<64x64xf32>, memref<?x64xf32>
func.func @config(%a: memref<?x?xf16>, %w: memref<2x?x?xf16>, %offsets: memref<3xi32>,
                  %bias: memref<2x64xf32>, %out: memref<?x64xf32>) {
  moe.grouped_matmul %a, %w, %offsets bias(%bias) outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 64, stages = 3, warpgroups = 1>}
      : (memref<?x?xf16>, memref<2x?x?xf16>, memref<3xi32>, memref<2x64xf32>, memref<?x64xf32>) -> ()
  return
}

// -----

// l2_hints: A's rows kept in L2 (evict_last), W's tiles evicted first.
// CHECK-LABEL: func.func @l2_hints
//  CHECK-SAME: (%[[A:.*]]: memref<?x?xf16>, %[[W:.*]]: memref<2x?x?xf16>,
//       CHECK: moe.tile_load %[[A]][{{.*}}] into %{{.*}} swizzle = 128 l2 = evict_last :
//       CHECK: moe.tile_load %[[W]][{{.*}}] into %{{.*}} swizzle = 128 l2 = evict_first :
func.func @l2_hints(%a: memref<?x?xf16>, %w: memref<2x?x?xf16>, %offsets: memref<3xi32>,
                    %out: memref<?x64xf32>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 64, stages = 3, warpgroups = 1, l2_hints = true>}
      : (memref<?x?xf16>, memref<2x?x?xf16>, memref<3xi32>, memref<?x64xf32>) -> ()
  return
}

// -----

// Operands the tiled kernel cannot take are left to convert-moe-to-gpu's
// simple kernel: f32 operands and `kernel = simple`.
// CHECK-LABEL: func.func @simple_only
//   CHECK-NOT: gpu.launch
//       CHECK: moe.grouped_matmul
//       CHECK: moe.grouped_matmul {{.*}}#moe.gemm_config<kernel = simple>
//   CHECK-NOT: gpu.launch
//       CHECK: return
func.func @simple_only(%a32: memref<?x64xf32>, %w32: memref<4x128x64xf32>,
    %wb: memref<4x128x64xbf16>, %x: memref<?x64xbf16>,
    %offsets: memref<5xi32>, %o32: memref<?x128xf32>, %o16: memref<?x128xbf16>) {
  moe.grouped_matmul %a32, %w32, %offsets outs(%o32)
      : (memref<?x64xf32>, memref<4x128x64xf32>, memref<5xi32>, memref<?x128xf32>) -> ()
  moe.grouped_matmul %x, %wb, %offsets outs(%o16) {moe.config = #moe.gemm_config<kernel = simple>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// Gathered A (the vLLM layout): the A tiles are gathered copies of the rows
// a[slots[r] / 8] straight into the ring (no intermediate buffer); the
// epilogue writes zero rows where a slot has no A row, whatever the bias.
// The host check applies to the gathered buffer itself.
// CHECK-LABEL: func.func @gathered
//  CHECK-SAME: (%[[X:.*]]: memref<?x2048xbf16>, %[[S:.*]]: memref<?xi32>, %[[W:.*]]: memref<8x256x2048xbf16>, %{{.*}}: memref<9xi32>, %[[B:.*]]: memref<8x256xbf16>, %[[O:.*]]: memref<?x128xbf16>)
//   CHECK-NOT: memref.alloc{{.*}}2048xbf16
//       CHECK: memref.extract_aligned_pointer_as_index %[[X]]
//       CHECK: gpu.launch
//       CHECK: gpu.launch
//       CHECK:   moe.tile_load %[[X]][%{{.*}}, %{{.*}}] gather(%[[S]] : memref<?xi32>) divisor = 8 into %{{.*}} swizzle = 128 : memref<?x2048xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:   moe.tile_load %{{.*}}[{{.*}}] into
//       CHECK:   moe.tile_mma
//       CHECK:   moe.tile_store %{{.*}} bias(%[[B]] : memref<8x256xbf16>) expert %{{.*}} gather(%[[S]] : memref<?xi32>) a_rows %{{.*}} divisor = 8
func.func @gathered(%x: memref<?x2048xbf16>, %slots: memref<?xi32>, %w: memref<8x256x2048xbf16>,
                    %offsets: memref<9xi32>, %b: memref<8x256xbf16>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %x[%slots], %w, %offsets bias(%b) epilogue = silu_and_mul outs(%out) {index_divisor = 8 : i64}
      : (memref<?x2048xbf16>, memref<?xi32>, memref<8x256x2048xbf16>, memref<9xi32>, memref<8x256xbf16>, memref<?x128xbf16>) -> ()
  return
}

// -----

// Four warpgroups (256-row tiles, 512 threads) with 128-column tiles: one
// tile covers a small expert's rows, so each W block is read once.
// CHECK-LABEL: func.func @four_warpgroups
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c512, {{.*}})
//       CHECK: moe.tile_alloc : memref<256x64xbf16, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_mma {{.*}} -> vector<256x128xf32>
func.func @four_warpgroups(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 256, tile_n = 128, warpgroups = 4>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// staged_epilogue: a 16 x 72 staging slice for each of the tile's 8 warps
// (of the output's element type), handed to the epilogue; the zero tiles of
// rows outside every expert store directly. The tile's row scales are
// prefetched before its K loop.
// CHECK-LABEL: func.func @staged_epilogue
//  CHECK-SAME: %[[SCALE:[^:]*]]: memref<?xf32>
//       CHECK: gpu.launch
//       CHECK: %[[BUF:.*]] = moe.tile_alloc : memref<8x16x72xbf16, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_prefetch %[[SCALE]][%[[ROW:.*]]] rows %[[ROWS:.*]] : memref<?xf32>
//  CHECK-NEXT: arith.constant dense<0.000000e+00> : vector<128x256xf32>
//   CHECK-NOT: moe.tile_load
//       CHECK: scf.for
//       CHECK: moe.tile_store %{{.*}} scale(%{{.*}} : memref<?xf32>) staging(%[[BUF]] : memref<8x16x72xbf16, #gpu.address_space<workgroup>>) : vector<128x256xf32>, memref<?x256xbf16>
//       CHECK: moe.tile_store %{{.*}} rows %{{.*}} : vector<128x256xf32>, memref<?x256xbf16>
// STATIC-LABEL: func.func @staged_epilogue
func.func @staged_epilogue(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %scale: memref<?xf32>, %out: memref<?x256xbf16>) {
  moe.grouped_matmul %a, %w, %offsets scale(%scale) outs(%out)
      {moe.config = #moe.gemm_config<staged_epilogue = true>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?xf32>, memref<?x256xbf16>) -> ()
  return
}

// -----

// An f32 output keeps the direct stores: no staging buffer.
// CHECK-LABEL: func.func @staged_epilogue_f32
//   CHECK-NOT: 16x72
//       CHECK: moe.tile_store %{{.*}} : vector<128x256xf32>, memref<?x256xf32>
// STATIC-LABEL: func.func @staged_epilogue_f32
func.func @staged_epilogue_f32(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xf32>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<staged_epilogue = true>}
      : (memref<?x64xbf16>, memref<4x256x64xbf16>, memref<5xi32>, memref<?x256xf32>) -> ()
  return
}
