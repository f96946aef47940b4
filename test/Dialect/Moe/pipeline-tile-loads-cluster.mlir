// RUN: moe-opt %s --moe-pipeline-tile-loads --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-pipeline-tile-loads --moe-warp-specialize --split-input-file | FileCheck %s --check-prefix=WS

!a = memref<128x64xbf16, #gpu.address_space<workgroup>>
!w = memref<256x64xbf16, #gpu.address_space<workgroup>>

// The W tile is shared by the two blocks of a cluster (multicast = 2): the
// asynchronous copies keep the attribute, and every release arrives in both
// blocks, so a slot's phase takes the 2 x 256 threads of the cluster. The A
// copy is the block's own. The producer of a slot waits on its own empty
// ring, which then counts both blocks' releases.
// Warp-specialized, each block's producer issues its share of the shared
// W copy and waits on its empty ring, which both blocks' consumers (2 x 256
// threads) release.
// WS-LABEL: func.func @shared_w
//       WS:   %[[FULL:.*]] = moe.tile_alloc : memref<3xi64
//       WS:   %[[EMPTY:.*]] = moe.tile_alloc : memref<3xi64
//       WS:   scf.if
//       WS:     nvvm.setmaxregister decrease 40
//       WS:       moe.tile_wait %[[EMPTY]]
//       WS:       moe.tile_load_async {{.*}} ready %[[FULL]][%{{.*}}] swizzle = 128 multicast = 2 :
//       WS:   } else {
//       WS:     moe.tile_wait %[[FULL]]
//       WS:     moe.tile_release %[[EMPTY]][%{{.*}}] arrivals = 512 cluster = 2
// CHECK-LABEL: func.func @shared_w
//       CHECK:   %[[FULL:.*]] = moe.tile_alloc : memref<3xi64, #gpu.address_space<workgroup>>
//       CHECK:   %[[EMPTY:.*]] = moe.tile_alloc : memref<3xi64, #gpu.address_space<workgroup>>
//       CHECK:   scf.for
//       CHECK:     moe.tile_wait %[[EMPTY]]
//       CHECK:     moe.tile_load_async %{{.*}} ready %[[FULL]][%{{.*}}] swizzle = 128 :
//       CHECK:     moe.tile_load_async %{{.*}} ready %[[FULL]][%{{.*}}] swizzle = 128 multicast = 2 :
//       CHECK:   scf.for
//       CHECK:     moe.tile_wait %[[FULL]]
//       CHECK:     moe.tile_release %[[EMPTY]][%{{.*}}] arrivals = 512 cluster = 2
//       CHECK:         moe.tile_load_async {{.*}} multicast = 2
//       CHECK:   moe.tile_mma_wait
//       CHECK:     moe.tile_release %[[EMPTY]][%{{.*}}] arrivals = 512 cluster = 2
func.func @shared_w(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>, %out: memref<?x256xbf16>, %n: index, %e: index, %row: index) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  gpu.launch clusters(%cx, %cy, %cz) in (%ncx = %c2, %ncy = %c1, %ncz = %c1)
             blocks(%bx, %by, %bz) in (%x = %c2, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %wg = arith.divui %tx, %c128 : index
    %ta = moe.tile_alloc : !a
    %tw = moe.tile_alloc : !w
    %zero = arith.constant dense<0.0> : vector<128x256xf32>
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<128x256xf32>) {
      %k = arith.muli %kb, %c64 : index
      moe.tile_load %a[%row, %k] into %ta swizzle = 128 : memref<?x64xbf16>, !a
      moe.tile_load %w[%e, %c0, %k] into %tw swizzle = 128 multicast = 2 : memref<4x256x64xbf16>, !w
      %next = moe.tile_mma %ta, %tw, %acc0 warpgroup %wg : !a, !w -> vector<128x256xf32>
      scf.yield %next : vector<128x256xf32>
    } {moe.pipeline_stages = 3 : i64}
    %done = moe.tile_mma_wait %acc : vector<128x256xf32>
    moe.tile_store %done warpgroup %wg into %out[%row, %c0] rows %c128 : vector<128x256xf32>, memref<?x256xbf16>
    gpu.terminator
  }
  return
}
