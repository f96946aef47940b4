// RUN: moe-opt %s --moe-tile-grouped-matmul | FileCheck %s

// cluster_m = 2: the schedule's entries span 2 x 128 rows (one row tile
// per block of a cluster); the GEMM kernel launches whole clusters of two
// blocks (at most 66 of them for the 132 persistent blocks) that walk the
// tiles by cluster (blocks 2c and 2c + 1 form cluster c, which starts with
// tile c and then takes the cluster's claims: block 0 of the cluster claims
// for both, offset by the number of clusters); each
// block takes rows rank * 128 on of the entry, clamped to what the entry
// has (possibly none), and both load the gated W tile multicast (each
// half of the tile from both blocks), the A tile their own.
// CHECK-LABEL: func.func @cluster
//       CHECK:   %[[SCHEDULE:.*]] = memref.alloc
//       CHECK:   %[[C66:.*]] = arith.constant 66 : index
//       CHECK:   %[[CLUSTERS:.*]] = arith.minui %{{.*}}, %[[C66]] : index
//       CHECK:   %[[ATLEAST1:.*]] = arith.maxui %[[CLUSTERS]], %{{.*}} : index
//       CHECK:   %[[BLOCKS:.*]] = arith.muli %[[ATLEAST1]], %c2{{.*}} : index
//       CHECK:   gpu.launch
//       CHECK:     arith.constant 256 : i32
//       CHECK:   %[[GRID:.*]] = arith.maxui %[[BLOCKS]], %c2{{.*}} : index
//       CHECK:   gpu.launch clusters(%{{.*}}) in (%{{.*}} = %c2{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%[[NB:.*]] = %[[GRID]],
//       CHECK:     %[[RANK:.*]] = arith.remui %[[B]], %c2
//       CHECK:     %[[CLUSTER:.*]] = arith.divui %[[B]], %c2
//       CHECK:     %[[NCLUSTERS:.*]] = arith.divui %[[NB]], %c2
//       CHECK:     %[[SLOT:.*]] = moe.tile_alloc : memref<1xi32
//       CHECK:     scf.while (%{{.*}} = %[[CLUSTER]])
//       CHECK:       moe.tile_claim %[[SCHEDULE]][%{{.*}}] offset %[[NCLUSTERS]] into %[[SLOT]] cluster = 2
//       CHECK:       %[[SKIP:.*]] = arith.muli %[[RANK]], %c128
//       CHECK:       %[[MYSTART:.*]] = arith.addi %{{.*}}, %[[SKIP]] : index
//       CHECK:       %[[ANY:.*]] = arith.cmpi ult, %[[SKIP]], %[[COUNT:.*]] : index
//       CHECK:       %[[LEFT:.*]] = arith.subi %[[COUNT]], %[[SKIP]] : index
//       CHECK:       %[[SOME:.*]] = arith.select %[[ANY]], %[[LEFT]], %c0
//       CHECK:       %[[ROWS:.*]] = arith.minui %[[SOME]], %c128
//       CHECK:       scf.for
//       CHECK:         moe.tile_load %{{.*}}[%[[MYSTART]], %{{.*}}] into %{{.*}} swizzle = 128 : memref<?x64xbf16>
//       CHECK:         moe.tile_load %{{.*}} swizzle = 128 multicast = 2 :
//       CHECK:         moe.tile_load %{{.*}} swizzle = 128 multicast = 2 :
//       CHECK:         moe.tile_mma {{.*}} rows %[[ROWS]]
//       CHECK:       moe.tile_store {{.*}} into %{{.*}}[%[[MYSTART]], %{{.*}}] rows %[[ROWS]] epilogue = silu_and_mul
//       CHECK:       moe.tile_claimed %[[SLOT]] cluster = 2
//   CHECK-NOT:   nvvm.
func.func @cluster(%a: memref<?x64xbf16>, %w: memref<4x512x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x256xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<cluster_m = 2>}
      : (memref<?x64xbf16>, memref<4x512x64xbf16>, memref<5xi32>, memref<?x256xbf16>) -> ()
  return
}
