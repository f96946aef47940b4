// RUN: moe-opt %s --moe-pipeline-tile-loads --moe-warp-specialize --split-input-file | FileCheck %s

!a = memref<128x64xbf16, #gpu.address_space<workgroup>>
!w = memref<256x64xbf16, #gpu.address_space<workgroup>>

// Two consumer warpgroups (256 threads) get a producer warpgroup: 384
// threads. The producer (tid < 128) lowers its registers and one thread
// keeps only the waits for releases and the copies; the consumers raise
// theirs and keep the waits for full slots, the MMAs with their warpgroup
// counted from thread 128, the releases and the epilogue.
// CHECK-LABEL: func.func @two_consumers
//       CHECK: %[[T384:.*]] = arith.constant 384 : index
//       CHECK: gpu.launch {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[T384]],
//       CHECK:   %[[FULL:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[EMPTY:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[PRODUCER:.*]] = arith.cmpi ult, %[[TX]], %c128
//       CHECK:   scf.if %[[PRODUCER]] {
//       CHECK:     nvvm.setmaxregister decrease 40
//       CHECK:     %[[ISSUER:.*]] = arith.cmpi eq, %[[TX]], %c0
//       CHECK:     scf.if %[[ISSUER]] {
//   CHECK-NOT:       moe.tile_mma
//   CHECK-NOT:       moe.tile_release
//   CHECK-NOT:       moe.tile_store
//       CHECK:       moe.tile_wait %[[EMPTY]]
//       CHECK:       moe.tile_load_async {{.*}} ready %[[FULL]]
//   CHECK-NOT:       moe.tile_mma
//       CHECK:   } else {
//       CHECK:     nvvm.setmaxregister increase 232
//       CHECK:     %[[CTID:.*]] = arith.subi %[[TX]], %c128
//       CHECK:     %[[WG:.*]] = arith.divui %[[CTID]], %c128
//   CHECK-NOT:     moe.tile_load_async
//       CHECK:     moe.tile_wait %[[FULL]]
//       CHECK:     moe.tile_mma {{.*}} warpgroup %[[WG]] pending = 1
//       CHECK:     moe.tile_release %[[EMPTY]][%{{.*}}] arrivals = 256
//       CHECK:     moe.tile_store
func.func @two_consumers(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>, %out: memref<?x256xbf16>, %n: index, %e: index, %row: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : !a
    %tw = moe.tile_alloc : !w
    %wg = arith.divui %tx, %c128 : index
    %zero = arith.constant dense<0.0> : vector<128x256xf32>
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<128x256xf32>) {
      %k = arith.muli %kb, %c64 : index
      moe.tile_load %a[%row, %k] into %ta swizzle = 128 : memref<?x64xbf16>, !a
      moe.tile_load %w[%e, %c0, %k] into %tw swizzle = 128 : memref<4x256x64xbf16>, !w
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

// One consumer warpgroup: 256 threads. With gathered copies (per-thread
// cp.async) the whole producer warpgroup copies, not only its thread 0:
// the copies say `threads = 128`.
// CHECK-LABEL: func.func @one_consumer_and_gathered
//       CHECK: %[[T256:.*]] = arith.constant 256 : index
//       CHECK: gpu.launch {{.*}} in (%{{.*}} = %[[T256]],
//       CHECK:   nvvm.setmaxregister decrease 40
//       CHECK:   arith.cmpi eq
//       CHECK:   moe.tile_release %{{.*}} arrivals = 128
//       CHECK: gpu.launch {{.*}} threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c256{{.*}},
//       CHECK:   %[[PRODUCER:.*]] = arith.cmpi ult, %[[TX]], %c128
//       CHECK:   scf.if %[[PRODUCER]] {
//       CHECK:     nvvm.setmaxregister decrease 40
//   CHECK-NOT:     arith.cmpi eq, %[[TX]]
//       CHECK:     moe.tile_load_async {{.*}} gather{{.*}} threads = 128
//   CHECK-NOT:     moe.tile_mma
//       CHECK:   } else {
//       CHECK:     nvvm.setmaxregister increase 232
//   CHECK-NOT:     moe.tile_load_async
//       CHECK:     moe.tile_mma
func.func @one_consumer_and_gathered(%a: memref<?x64xf16>, %idx: memref<?xi32>, %n: index) {
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
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %ta = moe.tile_alloc : !a1
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<64x64xf32>) {
      moe.tile_load %a[%kb, %c0] gather(%idx : memref<?xi32>) into %ta swizzle = 128 : memref<?x64xf16>, !a1
      %next = moe.tile_mma %ta, %ta, %acc0 warpgroup %c0 : !a1, !a1 -> vector<64x64xf32>
      scf.yield %next : vector<64x64xf32>
    }
    gpu.terminator
  }
  return
}

// -----

!a3 = memref<192x64xbf16, #gpu.address_space<workgroup>>
!w3 = memref<192x64xbf16, #gpu.address_space<workgroup>>

// Three consumer warpgroups (384 threads, 192 x 192 tiles) share what the
// producer leaves of the SM's registers: (65536 - 128 * 40) / 384 rounded
// down to a multiple of 8, 152 each (232 would ask for more registers than
// the SM has and setmaxnreg would never return).
// CHECK-LABEL: func.func @three_consumers
//       CHECK: %[[T512:.*]] = arith.constant 512 : index
//       CHECK: gpu.launch {{.*}} in (%{{.*}} = %[[T512]],
//       CHECK:     nvvm.setmaxregister decrease 40
//       CHECK:     nvvm.setmaxregister increase 152
func.func @three_consumers(%a: memref<?x64xbf16>, %w: memref<4x192x64xbf16>, %out: memref<?x192xbf16>, %n: index, %e: index, %row: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c192 = arith.constant 192 : index
  %c384 = arith.constant 384 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c384, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : !a3
    %tw = moe.tile_alloc : !w3
    %wg = arith.divui %tx, %c128 : index
    %zero = arith.constant dense<0.0> : vector<192x192xf32>
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<192x192xf32>) {
      %k = arith.muli %kb, %c64 : index
      moe.tile_load %a[%row, %k] into %ta swizzle = 128 : memref<?x64xbf16>, !a3
      moe.tile_load %w[%e, %c0, %k] into %tw swizzle = 128 : memref<4x192x64xbf16>, !w3
      %next = moe.tile_mma %ta, %tw, %acc0 warpgroup %wg : !a3, !w3 -> vector<192x192xf32>
      scf.yield %next : vector<192x192xf32>
    } {moe.pipeline_stages = 4 : i64}
    %done = moe.tile_mma_wait %acc : vector<192x192xf32>
    moe.tile_store %done warpgroup %wg into %out[%row, %c0] rows %c192 : vector<192x192xf32>, memref<?x192xbf16>
    gpu.terminator
  }
  return
}

// -----

!a4 = memref<128x64xbf16, #gpu.address_space<workgroup>>
!w4 = memref<128x64xbf16, #gpu.address_space<workgroup>>
!slot = memref<1xi32, #gpu.address_space<workgroup>>

// Tiles claimed from a counter: the producer's thread claims (an atomic
// add), waits for a queue slot's release, writes the claim and signals it;
// its own moe.tile_claimed reads its last claim. The consumers wait for
// the queue slot, read the word and release the slot (every consumer
// thread). The block-wide claim slot is gone.
// CHECK-LABEL: func.func @claimed_tiles
//       CHECK: gpu.launch
//   CHECK-NOT:   moe.tile_alloc : memref<1xi32
//       CHECK:   %[[WORDS:.*]] = moe.tile_alloc : memref<4xi32
//       CHECK:   %[[QFULL:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[QEMPTY:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[PUSHED:.*]] = memref.alloca() : memref<index>
//       CHECK:   %[[POPPED:.*]] = memref.alloca() : memref<index>
//       CHECK:   %[[LAST:.*]] = memref.alloca() : memref<index>
//       CHECK:   scf.if
//       CHECK:     scf.while
//       CHECK:       memref.atomic_rmw addi %{{.*}}, %{{.*}}[%{{.*}}] : (i32, memref<?xi32>) -> i32
//       CHECK:       memref.store %{{.*}}, %[[LAST]][]
//       CHECK:       moe.tile_wait %[[QEMPTY]][%[[PS:.*]]] parity
//       CHECK:       memref.store %{{.*}}, %[[WORDS]][%[[PS]]]
//       CHECK:       moe.tile_signal %[[QFULL]][%[[PS]]]
//       CHECK:       moe.tile_load_async
//       CHECK:       memref.load %[[LAST]][]
//       CHECK:   } else {
//       CHECK:     scf.while
//   CHECK-NOT:       memref.atomic_rmw
//       CHECK:       moe.tile_mma
//       CHECK:       moe.tile_store
//       CHECK:       moe.tile_wait %[[QFULL]][%[[CS:.*]]] parity
//       CHECK:       memref.load %[[WORDS]][%[[CS]]]
//       CHECK:       moe.tile_release %[[QEMPTY]][%[[CS]]] arrivals = 256
func.func @claimed_tiles(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %out: memref<?x128xbf16>, %counter: memref<?xi32>, %tiles: index, %n: index) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c132 = arith.constant 132 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c132, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : !a4
    %tw = moe.tile_alloc : !w4
    %slot = moe.tile_alloc : !slot
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %wg = arith.divui %tx, %c128 : index
    %zero = arith.constant dense<0.0> : vector<128x128xf32>
    %last = scf.while (%tile = %bx) : (index) -> index {
      %more = arith.cmpi ult, %tile, %tiles : index
      scf.condition(%more) %tile : index
    } do {
    ^bb0(%tile: index):
      moe.tile_claim %counter[%c2] offset %c132 into %slot : memref<?xi32>, !slot
      %row = arith.muli %tile, %c128 : index
      %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<128x128xf32>) {
        %k = arith.muli %kb, %c64 : index
        moe.tile_load %a[%row, %k] into %ta swizzle = 128 : memref<?x64xbf16>, !a4
        moe.tile_load %w[%c0, %c0, %k] into %tw swizzle = 128 : memref<4x128x64xbf16>, !w4
        %next = moe.tile_mma %ta, %tw, %acc0 warpgroup %wg : !a4, !w4 -> vector<128x128xf32>
        scf.yield %next : vector<128x128xf32>
      } {moe.pipeline_stages = 4 : i64}
      %done = moe.tile_mma_wait %acc : vector<128x128xf32>
      moe.tile_store %done warpgroup %wg into %out[%row, %c0] rows %c128 : vector<128x128xf32>, memref<?x128xbf16>
      %claimed = moe.tile_claimed %slot : !slot
      scf.yield %claimed : index
    }
    gpu.terminator
  }
  return
}

// -----

!a5 = memref<128x64xbf16, #gpu.address_space<workgroup>>
!w5 = memref<256x64xbf16, #gpu.address_space<workgroup>>
!slot5 = memref<1xi32, #gpu.address_space<workgroup>>

// Claims shared by a 2-block cluster whose blocks share the W copies:
// block 0's producer (rank = block id mod 2) claims, waits for its
// mailbox slot's release, and publishes the claim into block 1's mailbox;
// block 1's producer waits for it, reads it and acknowledges it on block
// 0's empty mailbox ring. Each producer then feeds its own consumers
// through the queue, as without clusters; the consumers release the
// shared W slots in both blocks.
// CHECK-LABEL: func.func @cluster_claims
//       CHECK: gpu.launch clusters
//       CHECK:   %[[QWORDS:.*]] = moe.tile_alloc : memref<4xi32
//       CHECK:   %[[QFULL:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[QEMPTY:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[MWORDS:.*]] = moe.tile_alloc : memref<4xi32
//       CHECK:   %[[MFULL:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[MEMPTY:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   scf.if
//       CHECK:     scf.while
//       CHECK:       %[[RANK:.*]] = arith.remui %{{.*}}, %c2
//       CHECK:       %[[FIRST:.*]] = arith.cmpi eq, %[[RANK]], %c0
//       CHECK:       %[[CLAIM:.*]] = scf.if %[[FIRST]] -> (i32) {
//       CHECK:         memref.atomic_rmw addi
//       CHECK:         moe.tile_wait %[[MEMPTY]]
//       CHECK:         moe.tile_publish %{{.*}} into %[[MWORDS]][%{{.*}}] ready %[[MFULL]] rank %c1
//       CHECK:       } else {
//       CHECK:         moe.tile_wait %[[MFULL]][%[[TS:.*]]] parity
//       CHECK:         memref.load %[[MWORDS]][%[[TS]]]
//       CHECK:         moe.tile_signal %[[MEMPTY]][%[[TS]]] rank %c0
//       CHECK:       moe.tile_wait %[[QEMPTY]]
//       CHECK:       memref.store %[[CLAIM]], %[[QWORDS]]
//       CHECK:       moe.tile_signal %[[QFULL]]
//       CHECK:       moe.tile_load_async {{.*}} multicast = 2
//       CHECK:   } else {
//       CHECK:       moe.tile_release %{{.*}} arrivals = 512 cluster = 2
//       CHECK:       moe.tile_wait %[[QFULL]]
//       CHECK:       memref.load %[[QWORDS]]
//       CHECK:       moe.tile_release %[[QEMPTY]][%{{.*}}] arrivals = 256 :
func.func @cluster_claims(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>, %out: memref<?x256xbf16>, %counter: memref<?xi32>, %tiles: index, %n: index) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c66 = arith.constant 66 : index
  %c132 = arith.constant 132 : index
  %c256 = arith.constant 256 : index
  gpu.launch clusters(%cx, %cy, %cz) in (%ncx = %c2, %ncy = %c1, %ncz = %c1)
             blocks(%bx, %by, %bz) in (%x = %c132, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : !a5
    %tw = moe.tile_alloc : !w5
    %slot = moe.tile_alloc : !slot5
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %wg = arith.divui %tx, %c128 : index
    %cluster = arith.divui %bx, %c2 : index
    %zero = arith.constant dense<0.0> : vector<128x256xf32>
    %last = scf.while (%tile = %cluster) : (index) -> index {
      %more = arith.cmpi ult, %tile, %tiles : index
      scf.condition(%more) %tile : index
    } do {
    ^bb0(%tile: index):
      moe.tile_claim %counter[%c2] offset %c66 into %slot cluster = 2 : memref<?xi32>, !slot5
      %row = arith.muli %tile, %c128 : index
      %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<128x256xf32>) {
        %k = arith.muli %kb, %c64 : index
        moe.tile_load %a[%row, %k] into %ta swizzle = 128 : memref<?x64xbf16>, !a5
        moe.tile_load %w[%c0, %c0, %k] into %tw swizzle = 128 multicast = 2 : memref<4x256x64xbf16>, !w5
        %next = moe.tile_mma %ta, %tw, %acc0 warpgroup %wg : !a5, !w5 -> vector<128x256xf32>
        scf.yield %next : vector<128x256xf32>
      } {moe.pipeline_stages = 3 : i64}
      %done = moe.tile_mma_wait %acc : vector<128x256xf32>
      moe.tile_store %done warpgroup %wg into %out[%row, %c0] rows %c128 : vector<128x256xf32>, memref<?x256xbf16>
      %claimed = moe.tile_claimed %slot cluster = 2 : !slot5
      scf.yield %claimed : index
    }
    gpu.terminator
  }
  return
}

// -----

!a6 = memref<128x64xbf16, #gpu.address_space<workgroup>>
!w6 = memref<128x64xbf16, #gpu.address_space<workgroup>>
!slot6 = memref<1xi32, #gpu.address_space<workgroup>>

// Claimed tiles with gathered rows: the producer's thread 0 alone claims
// and pushes each claim, and every producer thread (they all copy rows)
// pops it from the queue as the consumers do, so a queue slot is released
// by 128 + 256 threads. Thread 0 counts its pushes and its pops apart.
// CHECK-LABEL: func.func @claimed_tiles_gathered
//       CHECK: gpu.launch blocks({{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in
//       CHECK:   %[[WORDS:.*]] = moe.tile_alloc : memref<4xi32
//       CHECK:   %[[QFULL:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[QEMPTY:.*]] = moe.tile_alloc : memref<4xi64
//       CHECK:   %[[PUSHED:.*]] = memref.alloca() : memref<index>
//       CHECK:   %[[POPPED:.*]] = memref.alloca() : memref<index>
//       CHECK:   scf.if
//       CHECK:     scf.while
//       CHECK:       %[[FIRST:.*]] = arith.cmpi eq, %[[TX]], %c0
//       CHECK:       scf.if %[[FIRST]] {
//       CHECK:         memref.atomic_rmw addi
//       CHECK:         memref.load %[[PUSHED]][]
//       CHECK:         moe.tile_wait %[[QEMPTY]]
//       CHECK:         moe.tile_signal %[[QFULL]]
//       CHECK:       }
//       CHECK:       moe.tile_load_async {{.*}} gather{{.*}} threads = 128
//       CHECK:       memref.load %[[POPPED]][]
//       CHECK:       moe.tile_wait %[[QFULL]][%[[PS:.*]]] parity
//       CHECK:       memref.load %[[WORDS]][%[[PS]]]
//       CHECK:       moe.tile_release %[[QEMPTY]][%[[PS]]] arrivals = 384
//       CHECK:   } else {
//       CHECK:     scf.while
//   CHECK-NOT:       memref.atomic_rmw
//       CHECK:       moe.tile_mma
//       CHECK:       moe.tile_wait %[[QFULL]][%[[CS:.*]]] parity
//       CHECK:       memref.load %[[WORDS]][%[[CS]]]
//       CHECK:       moe.tile_release %[[QEMPTY]][%[[CS]]] arrivals = 384
func.func @claimed_tiles_gathered(%a: memref<?x64xbf16>, %idx: memref<?xi32>, %w: memref<4x128x64xbf16>, %out: memref<?x128xbf16>, %counter: memref<?xi32>, %tiles: index, %n: index) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c132 = arith.constant 132 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c132, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : !a6
    %tw = moe.tile_alloc : !w6
    %slot = moe.tile_alloc : !slot6
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %c128 = arith.constant 128 : index
    %wg = arith.divui %tx, %c128 : index
    %zero = arith.constant dense<0.0> : vector<128x128xf32>
    %last = scf.while (%tile = %bx) : (index) -> index {
      %more = arith.cmpi ult, %tile, %tiles : index
      scf.condition(%more) %tile : index
    } do {
    ^bb0(%tile: index):
      moe.tile_claim %counter[%c2] offset %c132 into %slot : memref<?xi32>, !slot6
      %row = arith.muli %tile, %c128 : index
      %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<128x128xf32>) {
        %k = arith.muli %kb, %c64 : index
        moe.tile_load %a[%row, %k] gather(%idx : memref<?xi32>) into %ta swizzle = 128 : memref<?x64xbf16>, !a6
        moe.tile_load %w[%c0, %c0, %k] into %tw swizzle = 128 : memref<4x128x64xbf16>, !w6
        %next = moe.tile_mma %ta, %tw, %acc0 warpgroup %wg : !a6, !w6 -> vector<128x128xf32>
        scf.yield %next : vector<128x128xf32>
      } {moe.pipeline_stages = 4 : i64}
      %done = moe.tile_mma_wait %acc : vector<128x128xf32>
      moe.tile_store %done warpgroup %wg into %out[%row, %c0] rows %c128 : vector<128x128xf32>, memref<?x128xbf16>
      %claimed = moe.tile_claimed %slot : !slot6
      scf.yield %claimed : index
    }
    gpu.terminator
  }
  return
}

// -----

!a = memref<128x64xbf16, #gpu.address_space<workgroup>>
!w = memref<256x64xbf16, #gpu.address_space<workgroup>>
!s = memref<8x16x72xbf16, #gpu.address_space<workgroup>>

// A buffer allocated below other ops of the body (the staged epilogue's
// slices) moves to the top, with the others (the ring's buffers and
// mbarriers), in their order, and stays shared: the consumers' epilogue
// uses it. The epilogue's prefetch is the consumers'.
// CHECK-LABEL: func.func @staging_below
//       CHECK: gpu.launch
//  CHECK-NEXT:   moe.tile_alloc : memref<4x128x64xbf16
//  CHECK-NEXT:   moe.tile_alloc : memref<4x256x64xbf16
//  CHECK-NEXT:   moe.tile_alloc : memref<4xi64
//  CHECK-NEXT:   moe.tile_alloc : memref<4xi64
//  CHECK-NEXT:   %[[BUF:.*]] = moe.tile_alloc : memref<8x16x72xbf16
//       CHECK:   scf.if
//   CHECK-NOT:     moe.tile_prefetch
//   CHECK-NOT:     moe.tile_store
//       CHECK:   } else {
//       CHECK:     moe.tile_prefetch
//       CHECK:     moe.tile_store {{.*}} staging(%[[BUF]] :
func.func @staging_below(%a: memref<?x64xbf16>, %w: memref<4x256x64xbf16>, %out: memref<?x256xbf16>, %n: index, %e: index, %row: index, %scale: memref<?xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %wg = arith.divui %tx, %c128 : index
    %ta = moe.tile_alloc : !a
    %tw = moe.tile_alloc : !w
    %zero = arith.constant dense<0.0> : vector<128x256xf32>
    %buf = moe.tile_alloc : !s
    moe.tile_prefetch %scale[%row] rows %c128 : memref<?xf32>
    %c0 = arith.constant 0 : index
    %c64 = arith.constant 64 : index
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<128x256xf32>) {
      %k = arith.muli %kb, %c64 : index
      moe.tile_load %a[%row, %k] into %ta swizzle = 128 : memref<?x64xbf16>, !a
      moe.tile_load %w[%e, %c0, %k] into %tw swizzle = 128 : memref<4x256x64xbf16>, !w
      %next = moe.tile_mma %ta, %tw, %acc0 warpgroup %wg : !a, !w -> vector<128x256xf32>
      scf.yield %next : vector<128x256xf32>
    } {moe.pipeline_stages = 4 : i64}
    %done = moe.tile_mma_wait %acc : vector<128x256xf32>
    moe.tile_store %done warpgroup %wg into %out[%row, %c0] rows %c128 staging(%buf : !s) : vector<128x256xf32>, memref<?x256xbf16>
    gpu.terminator
  }
  return
}
