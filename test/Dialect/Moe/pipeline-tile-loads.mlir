// RUN: moe-opt %s --moe-pipeline-tile-loads --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-pipeline-tile-loads="stages=2" --split-input-file | FileCheck %s --check-prefix=TWO

!a = memref<128x64xbf16, #gpu.address_space<workgroup>>
!w = memref<256x64xbf16, #gpu.address_space<workgroup>>

// A K loop of two tile loads and an MMA, 4 stages from the loop's
// attribute: both buffers become rings of 4, plus a full and an empty ring
// and the step counter; 4 fills ahead, then per step a wait, the MMA on
// the slot with one step in flight, the release of the previous slot and
// its refill 4 steps ahead; after the loop the MMAs are waited for and the
// last slot released.
// CHECK-LABEL: func.func @four_stages
//       CHECK: gpu.launch
//   CHECK-DAG:   %[[RA:.*]] = moe.tile_alloc : memref<4x128x64xbf16, #gpu.address_space<workgroup>>
//   CHECK-DAG:   %[[RW:.*]] = moe.tile_alloc : memref<4x256x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:   %[[FULL:.*]] = moe.tile_alloc : memref<4xi64, #gpu.address_space<workgroup>>
//       CHECK:   %[[EMPTY:.*]] = moe.tile_alloc : memref<4xi64, #gpu.address_space<workgroup>>
//       CHECK:   %[[COUNT:.*]] = memref.alloca() : memref<index>
//   CHECK-NOT:   moe.tile_alloc
//       CHECK:   %[[STEP0:.*]] = memref.load %[[COUNT]][]
//       CHECK:   %[[FIRST:.*]] = arith.minui %{{.*}}, %c4
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %[[FIRST]]
//       CHECK:     moe.tile_wait %[[EMPTY]]
//       CHECK:     memref.subview %[[RA]]
//       CHECK:     memref.subview %[[RW]]
//       CHECK:     moe.tile_load_async %{{.*}} ready %[[FULL]][%{{.*}}] swizzle = 128 l2 = evict_last
//       CHECK:     moe.tile_load_async %{{.*}} ready %[[FULL]][%{{.*}}] swizzle = 128 l2 = evict_first
//       CHECK:   scf.for
//       CHECK:     moe.tile_wait %[[FULL]]
//       CHECK:     moe.tile_mma {{.*}} pending = 1
//       CHECK:     scf.if
//       CHECK:       moe.tile_release %[[EMPTY]][%{{.*}}] arrivals = 256
//       CHECK:       scf.if
//       CHECK:         moe.tile_wait %[[EMPTY]]
//       CHECK:         moe.tile_load_async
//       CHECK:         moe.tile_load_async
//       CHECK:   moe.tile_mma_wait
//   CHECK-NOT:   moe.tile_mma_wait
//       CHECK:   memref.store %{{.*}}, %[[COUNT]][]
//       CHECK:   scf.if
//       CHECK:     moe.tile_release %[[EMPTY]]
//       CHECK:   moe.tile_store
//   CHECK-NOT: moe.tile_load %
// TWO-LABEL: func.func @four_stages
//       TWO:   moe.tile_alloc : memref<4x128x64xbf16
func.func @four_stages(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>, %out: memref<?x256xbf16>, %n: index, %e: index, %row: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %wg = arith.divui %tx, %c128 : index
    %ta = moe.tile_alloc : !a
    %tw = moe.tile_alloc : !w
    %zero = arith.constant dense<0.0> : vector<128x256xf32>
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<128x256xf32>) {
      %k = arith.muli %kb, %c64 : index
      moe.tile_load %a[%row, %k] into %ta swizzle = 128 l2 = evict_last : memref<?x64xbf16>, !a
      moe.tile_load %w[%e, %c0, %k] into %tw swizzle = 128 l2 = evict_first : memref<4x256x64xbf16>, !w
      %next = moe.tile_mma %ta, %tw, %acc0 warpgroup %wg : !a, !w -> vector<128x256xf32>
      scf.yield %next : vector<128x256xf32>
    } {moe.pipeline_stages = 4 : i64}
    %done = moe.tile_mma_wait %acc : vector<128x256xf32>
    moe.tile_store %done warpgroup %wg into %out[%row, %c0] rows %c128 : vector<128x256xf32>, memref<?x256xbf16>
    gpu.terminator
  }
  return
}

// -----

!a1 = memref<64x64xf16, #gpu.address_space<workgroup>>

// No attribute on the loop: the `stages` option (default 4; 2 in the TWO
// run), one buffer, 128 threads.
// CHECK-LABEL: func.func @option_stages
//       CHECK:   moe.tile_alloc : memref<4x64x64xf16
//       CHECK:   moe.tile_release %{{.*}} arrivals = 128
// TWO-LABEL: func.func @option_stages
//       TWO:   moe.tile_alloc : memref<2x64x64xf16
//       TWO:   %{{.*}} = arith.minui %{{.*}}, %c2
func.func @option_stages(%a: memref<?x64xf16>, %n: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %ta = moe.tile_alloc : !a1
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<64x64xf32>) {
      moe.tile_load %a[%kb, %c0] into %ta swizzle = 128 : memref<?x64xf16>, !a1
      %next = moe.tile_mma %ta, %ta, %acc0 warpgroup %c0 : !a1, !a1 -> vector<64x64xf32>
      scf.yield %next : vector<64x64xf32>
    }
    gpu.terminator
  }
  return
}
