// RUN: moe-opt %s --moe-pipeline-tile-loads --moe-create-tma-descriptors | FileCheck %s

!a = memref<128x64xbf16, #gpu.address_space<workgroup>>
!w = memref<256x64xbf16, #gpu.address_space<workgroup>>

// A W tile multicast to a cluster of two blocks: its tensor map's box is
// the block's half (128 of the 256 rows), which block rank r copies at row
// offset r * 128 into its slot at element offset r * 128 * 64, to both
// blocks (mask 0b11); each block's expect_tx still counts the whole box
// (A 16 KiB + W 32 KiB). The empty ring counts the 8 + 8 warps of the
// cluster, and each warp's release arrives in both blocks (mapa; at the
// default CTA scope: a release publishes no data). The
// mbarriers are fenced and the cluster synced after their initialization,
// and the cluster is synced again before the blocks exit.
// CHECK-LABEL: func.func @shared_w
//   CHECK-DAG: nvgpu.tma.create.descriptor %{{.*}} box[%{{.*}}, %{{.*}}] : memref<*xbf16> -> <tensor = memref<128x64xbf16
//   CHECK-DAG: nvgpu.tma.create.descriptor %{{.*}} box[%{{.*}}, %{{.*}}, %{{.*}}] : memref<*xbf16> -> <tensor = memref<1x128x64xbf16
//       CHECK: gpu.launch clusters
//       CHECK:   nvvm.mbarrier.init %{{.*}}, %c1_i32
//       CHECK:   nvvm.fence.mbarrier.init
//       CHECK:   nvvm.cluster.arrive
//  CHECK-NEXT:   nvvm.cluster.wait
//       CHECK:   nvvm.mbarrier.init %{{.*}}, %c16_i32
//       CHECK:   nvvm.fence.mbarrier.init
//       CHECK:   nvvm.cluster.arrive
//  CHECK-NEXT:   nvvm.cluster.wait
//       CHECK:   nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c49152_i32
//       CHECK:   nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %{{.*}}, %{{.*}}, box[%{{.*}}, %{{.*}}] : !llvm.ptr<7>, !llvm.ptr
//       CHECK:   %[[RANK:.*]] = nvvm.read.ptx.sreg.cluster.ctarank : i32
//       CHECK:   %[[R:.*]] = arith.index_castui %[[RANK]] : i32 to index
//       CHECK:   arith.muli %[[R]], %c8192
//       CHECK:   %[[SKIP:.*]] = arith.muli %[[R]], %c128
//       CHECK:   arith.addi %{{.*}}, %[[SKIP]]
//       CHECK:   nvvm.cp.async.bulk.tensor.shared.cluster.global {{.*}} multicast_mask = %c3_i16
//       CHECK:   nvvm.mapa %{{.*}}, %c0_i32 : !llvm.ptr<3> -> !llvm.ptr<7>
//       CHECK:   nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<7>
//       CHECK:   nvvm.mapa %{{.*}}, %c1_i32 : !llvm.ptr<3> -> !llvm.ptr<7>
//       CHECK:   nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<7>
//       CHECK:   nvvm.cluster.arrive
//  CHECK-NEXT:   nvvm.cluster.wait
//  CHECK-NEXT:   gpu.terminator
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

