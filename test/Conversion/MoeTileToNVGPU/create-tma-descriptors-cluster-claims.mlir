// RUN: moe-opt %s --moe-create-tma-descriptors --split-input-file | FileCheck %s

!slot = memref<1xi32, #gpu.address_space<workgroup>>

// A claim shared by a cluster of two blocks: thread 0 of block 0 of the
// cluster claims and writes the claim into the slot of both blocks
// (mapa + a shared::cluster store each); the cluster reads it between two
// cluster barriers.
// CHECK-LABEL: func.func @cluster_claim
//       CHECK: gpu.launch clusters
//       CHECK:   %[[RANK:.*]] = nvvm.read.ptx.sreg.cluster.ctarank
//       CHECK:   %[[FIRST:.*]] = arith.cmpi eq, %[[RANK]], %c0_i32
//       CHECK:   %[[CLAIMS:.*]] = arith.andi %{{.*}}, %[[FIRST]]
//       CHECK:   scf.if %[[CLAIMS]] {
//       CHECK:     %[[OLD:.*]] = memref.atomic_rmw addi
//       CHECK:     %[[NEXT:.*]] = arith.addi %[[OLD]], %{{.*}} : i32
//       CHECK:     %[[P0:.*]] = nvvm.mapa %{{.*}}, %{{.*}} : !llvm.ptr<3> -> !llvm.ptr<7>
//       CHECK:     llvm.store %[[NEXT]], %[[P0]] : i32, !llvm.ptr<7>
//       CHECK:     %[[P1:.*]] = nvvm.mapa %{{.*}}, %{{.*}} : !llvm.ptr<3> -> !llvm.ptr<7>
//       CHECK:     llvm.store %[[NEXT]], %[[P1]] : i32, !llvm.ptr<7>
//       CHECK:   nvvm.cluster.arrive
//       CHECK:   nvvm.cluster.wait
//       CHECK:   memref.load
//       CHECK:   nvvm.cluster.arrive
//       CHECK:   nvvm.cluster.wait
//   CHECK-NOT: moe.tile
func.func @cluster_claim(%counter: memref<?xi32>, %out: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c128 = arith.constant 128 : index
  %smem = arith.constant 1024 : i32
  gpu.launch clusters(%cx, %cy, %cz) in (%ncx = %c2, %ncy = %c1, %ncz = %c1)
             blocks(%bx, %by, %bz) in (%x = %c2, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1)
             dynamic_shared_memory_size %smem {
    %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %slot = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to !slot
    moe.tile_claim %counter[%c2] offset %c1 into %slot cluster = 2 : memref<?xi32>, !slot
    %next = moe.tile_claimed %slot cluster = 2 : !slot
    memref.store %next, %out[%tx] : memref<?xindex>
    gpu.terminator
  }
  return
}

// -----

!ring = memref<4xi64, #gpu.address_space<workgroup>>
!words = memref<4xi32, #gpu.address_space<workgroup>>

// A word published into block 1 of the cluster: the store goes through
// mapa to block 1's word, then the arrival on block 1's slot at cluster
// scope; a signal with a rank arrives on that block's slot (the rings
// signalled so expect one arrival a phase).
// CHECK-LABEL: func.func @publish_and_signal_peer
//       CHECK: gpu.launch clusters
//       CHECK:   nvvm.mbarrier.init %{{.*}}, %c1_i32
//       CHECK:   nvvm.fence.mbarrier.init
//       CHECK:   %[[WORD:.*]] = nvvm.mapa %{{.*}}, %{{.*}} : !llvm.ptr<3> -> !llvm.ptr<7>
//       CHECK:   llvm.store %{{.*}}, %[[WORD]] : i32, !llvm.ptr<7>
//       CHECK:   %[[FULL:.*]] = nvvm.mapa %{{.*}}, %{{.*}} : !llvm.ptr<3> -> !llvm.ptr<7>
//       CHECK:   nvvm.mbarrier.arrive %[[FULL]] {scope = #nvvm.mem_scope<cluster>} : !llvm.ptr<7>
//       CHECK:   %[[EMPTY:.*]] = nvvm.mapa %{{.*}}, %{{.*}} : !llvm.ptr<3> -> !llvm.ptr<7>
//       CHECK:   nvvm.mbarrier.arrive %[[EMPTY]] {scope = #nvvm.mem_scope<cluster>} : !llvm.ptr<7>
//   CHECK-NOT: moe.tile
func.func @publish_and_signal_peer(%value: i32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %smem = arith.constant 1024 : i32
  gpu.launch clusters(%cx, %cy, %cz) in (%ncx = %c2, %ncy = %c1, %ncz = %c1)
             blocks(%bx, %by, %bz) in (%x = %c2, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1)
             dynamic_shared_memory_size %smem {
    %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %words = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to !words
    %full = memref.view %dyn[%c32][] : memref<?xi8, #gpu.address_space<workgroup>> to !ring
    %empty = memref.view %dyn[%c64][] : memref<?xi8, #gpu.address_space<workgroup>> to !ring
    moe.tile_publish %value into %words[%c1] ready %full rank %c1 : !words, !ring
    moe.tile_signal %empty[%c1] rank %c0 : !ring
    gpu.terminator
  }
  return
}
