// RUN: moe-opt %s --moe-create-tma-descriptors --split-input-file | FileCheck %s

// A two-slot ring fed with an A tile and a W tile per step (one batch: one
// expect_tx of 16 KiB + 16 KiB on thread 0, then one TMA copy each) and a
// second, unswizzled A copy (its own tensor map; the same source and box
// with the same swizzle would share one).
// CHECK-LABEL: func.func @ring
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[W:.*]]: memref<4x?x64xbf16>,
// Host: the maps, before the launch.
//       CHECK: %[[UA:.*]] = memref.cast %[[A]] : memref<?x64xbf16> to memref<*xbf16>
//       CHECK: %[[DA:.*]] = nvgpu.tma.create.descriptor %[[UA]] box[%c128{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<128x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b, l2promo = l2promo_256b, oob = zero, interleave = none>
//       CHECK: %[[MA:.*]] = builtin.unrealized_conversion_cast %[[DA]] {{.*}} to !llvm.ptr
//       CHECK: %[[UW:.*]] = memref.cast %[[W]]
//       CHECK: %[[DW:.*]] = nvgpu.tma.create.descriptor %[[UW]] box[%c1{{.*}}, %c128{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<1x128x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
//       CHECK: %[[MW:.*]] = builtin.unrealized_conversion_cast %[[DW]]
//       CHECK: nvgpu.tma.create.descriptor {{.*}} swizzle = none
//       CHECK: %[[MN:.*]] = builtin.unrealized_conversion_cast
//   CHECK-NOT: nvgpu.tma.create.descriptor
//       CHECK: gpu.launch blocks({{.*}}) threads(%[[TX:.*]], %[[TY:.*]], %[[TZ:.*]]) in
// Thread 0 initializes one mbarrier per slot (one arrival each), then the
// block synchronizes.
//       CHECK:   %[[RING:.*]] = memref.view {{.*}} to memref<2xi64, #gpu.address_space<workgroup>>
//       CHECK:   arith.cmpi eq, %[[TX]], %c0
//       CHECK:   arith.cmpi eq, %[[TY]], %c0
//       CHECK:   arith.cmpi eq, %[[TZ]], %c0
//       CHECK:   scf.if
//       CHECK:     %[[R0:.*]] = memref.extract_aligned_pointer_as_index %[[RING]]
//       CHECK:     nvvm.mbarrier.init %{{.*}}, %c1_i32
//       CHECK:     nvvm.mbarrier.init %{{.*}}, %c1_i32
//       CHECK:   gpu.barrier
//       CHECK:   scf.for
// The batch of the step.
//       CHECK:     scf.if
//       CHECK:       nvvm.mbarrier.arrive.expect_tx %[[BAR:.*]], %c32768_i32
//       CHECK:       %[[DSTA:.*]] = llvm.addrspacecast %{{.*}} : !llvm.ptr<3> to !llvm.ptr<7>
//       CHECK:       %[[K:.*]] = arith.index_cast %{{.*}} : index to i32
//       CHECK:       %[[ROW:.*]] = arith.index_cast %{{.*}} : index to i32
//       CHECK:       nvvm.cp.async.bulk.tensor.shared.cluster.global %[[DSTA]], %[[MA]], %[[BAR]], box[%[[K]], %[[ROW]]]
//       CHECK:       nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MW]], %[[BAR]], box[%{{.*}}, %{{.*}}, %{{.*}}]
//       CHECK:     }
//       CHECK:     %[[PARITY:.*]] = arith.index_castui %{{.*}} : index to i32
//       CHECK:     nvvm.mbarrier.try_wait.parity %{{.*}}, %[[PARITY]], %c10000000_i32
// A batch of its own after the wait.
//       CHECK:     scf.if
//       CHECK:       nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c16384_i32
//       CHECK:       nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MN]]
//   CHECK-NOT: moe.tile
func.func @ring(%a: memref<?x64xbf16>, %w: memref<4x?x64xbf16>, %row: index,
                %n: index, %e: index, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %c16384 = arith.constant 16384 : index
  %c98304 = arith.constant 98304 : index
  %smem = arith.constant 98320 : i32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1)
      dynamic_shared_memory_size %smem {
    %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %ring = memref.view %dyn[%c98304][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2xi64, #gpu.address_space<workgroup>>
    %sa = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<128x64xbf16, #gpu.address_space<workgroup>>
    scf.for %k = %c0 to %steps step %c1 {
      %slot = arith.remui %k, %c2 : index
      %parity = arith.divui %k, %c2 : index
      %kk = arith.muli %k, %c64 : index
      moe.tile_load_async %a[%row, %kk] into %sa ready %ring[%slot] swizzle = 128
          : memref<?x64xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
            memref<2xi64, #gpu.address_space<workgroup>>
      // Side-effect-free ops may sit between the copies of a batch.
      %sw = memref.view %dyn[%c16384][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<1x128x64xbf16, #gpu.address_space<workgroup>>
      moe.tile_load_async %w[%e, %n, %kk] into %sw ready %ring[%slot] swizzle = 128
          : memref<4x?x64xbf16>, memref<1x128x64xbf16, #gpu.address_space<workgroup>>,
            memref<2xi64, #gpu.address_space<workgroup>>
      moe.tile_wait %ring[%slot] parity %parity : memref<2xi64, #gpu.address_space<workgroup>>
      moe.tile_load_async %a[%row, %kk] into %sa ready %ring[%slot]
          : memref<?x64xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
            memref<2xi64, #gpu.address_space<workgroup>>
      moe.tile_wait %ring[%slot] parity %parity : memref<2xi64, #gpu.address_space<workgroup>>
    }
    gpu.terminator
  }
  return
}

// -----

// After the tiling pass, for a gated grouped_matmul: the A map and one map
// of W seen as [E, 2, N/2, K] serve the fill and the refill copies alike.
// RUN: moe-opt %s --split-input-file --moe-tile-grouped-matmul --moe-pipeline-tile-loads --moe-create-tma-descriptors | FileCheck %s --check-prefix=GEMM
// GEMM-LABEL: func.func @gated
//       GEMM: nvgpu.tma.create.descriptor %{{.*}} box[%c128{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<128x64xbf16
//       GEMM: nvgpu.tma.create.descriptor %{{.*}} box[%c1{{.*}}, %c1{{.*}}, %c128{{.*}}, %c64{{.*}}] : memref<*xbf16> -> <tensor = memref<1x1x128x64xbf16
//   GEMM-NOT: nvgpu.tma.create.descriptor
//       GEMM: gpu.launch
// The full ring expects one arrival (thread 0's expect_tx), the empty ring
// one per warp of the block (lane 0 of each arrives).
//       GEMM:   nvvm.mbarrier.init %{{.*}}, %c1_i32
//       GEMM:   nvvm.mbarrier.init %{{.*}}, %c8_i32
// A fill waits for its slot's release, then one batch of three copies.
//       GEMM:   nvvm.mbarrier.try_wait.parity
//       GEMM:   nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c49152_i32
//       GEMM:   nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, box[%{{.*}}, %{{.*}}]
//       GEMM:   nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, box[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]
//       GEMM:   nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, box[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]
//       GEMM:   nvvm.mbarrier.try_wait.parity
//       GEMM:   moe.tile_mma
//       GEMM:   %[[LANE:.*]] = gpu.lane_id
//       GEMM:   arith.cmpi eq, %[[LANE]], %c0
//       GEMM:   nvvm.mbarrier.arrive
//       GEMM:   nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c49152_i32
//   GEMM-NOT: moe.tile_load
//   GEMM-NOT: moe.tile_wait
//   GEMM-NOT: moe.tile_release
func.func @gated(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
    %offsets: memref<5xi32>, %out: memref<?x64xbf16>) {
  moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul outs(%out)
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x64xbf16>) -> ()
  return
}

// -----

// Gathered rows are not TMA's: every one of the 128 threads copies its
// 16-byte chunks of the 64 x 64 box (64 * 8 chunks, i = thread, thread + 128,
// ...) with cp.async, zero-filled where a row has no valid index, at the
// 128-byte swizzled offset, and arrives on the slot's mbarrier when they
// land (noinc: the mbarriers count 1 + 128 arrivals). Each thread has 4
// chunks: unrolled, the 4 row indices are loaded before the first copy.
// Thread 0 still expects the W tile's TMA bytes. The wait adds a proxy
// fence for wgmma.
// CHECK-LABEL: func.func @gathered
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[IDX:.*]]: memref<?xi32>, %[[W:.*]]: memref<4x?x64xbf16>,
//       CHECK: nvgpu.tma.create.descriptor {{.*}} -> <tensor = memref<1x64x64xbf16
//   CHECK-NOT: nvgpu.tma.create.descriptor
//       CHECK: gpu.launch
//       CHECK:   nvvm.mbarrier.init %{{.*}}, %c129_i32
//       CHECK:   nvvm.mbarrier.init %{{.*}}, %c129_i32
//       CHECK:   scf.if
//       CHECK:     nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c8192_i32
//       CHECK:     nvvm.cp.async.bulk.tensor.shared.cluster.global
//       CHECK:   }
//       CHECK:   memref.extract_strided_metadata %[[A]]
//   CHECK-NOT:   scf.for
// CHECK-COUNT-4:   memref.load %[[IDX]]
//   CHECK-NOT:   memref.load %[[IDX]]
//       CHECK:   arith.divsi %{{.*}}, %c4
//       CHECK:   arith.xori
//       CHECK:   nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK-COUNT-3:   nvvm.cp.async.shared.global
//   CHECK-NOT:   nvvm.cp.async.shared.global
//       CHECK:   nvvm.cp.async.mbarrier.arrive %{{.*}} {noinc = true} : !llvm.ptr<3>
//       CHECK:   nvvm.mbarrier.try_wait.parity
//  CHECK-NEXT:   nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
func.func @gathered(%a: memref<?x64xbf16>, %index: memref<?xi32>, %w: memref<4x?x64xbf16>,
                    %r: index, %e: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %ring = memref.alloca() : memref<2xi64, #gpu.address_space<workgroup>>
    %sa = memref.alloca() : memref<64x64xbf16, #gpu.address_space<workgroup>>
    %sw = memref.alloca() : memref<1x64x64xbf16, #gpu.address_space<workgroup>>
    moe.tile_load_async %a[%r, %c0] gather(%index : memref<?xi32>) divisor = 4 into %sa ready %ring[%c0] swizzle = 128
        : memref<?x64xbf16>, memref<64x64xbf16, #gpu.address_space<workgroup>>,
          memref<2xi64, #gpu.address_space<workgroup>>
    moe.tile_load_async %w[%e, %n, %c0] into %sw ready %ring[%c0] swizzle = 128
        : memref<4x?x64xbf16>, memref<1x64x64xbf16, #gpu.address_space<workgroup>>,
          memref<2xi64, #gpu.address_space<workgroup>>
    moe.tile_wait %ring[%c0] parity %c0 : memref<2xi64, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// `threads = 128`: only the producer warpgroup of a 384-thread block
// reaches the copy, and its rows go as one TMA copy a row (a 1 x 64 box of
// a host-encoded map of A, swizzled by its shared address like a whole
// box): thread t copies row t of the 128, from row_index[r + t] / 4 or from
// row -1 (out of bounds: zeros) where there is none. Thread 0 expects all
// 16 KB; no thread arrives for its copies, and the wait needs no proxy
// fence (TMA writes through the async proxy).
// CHECK-LABEL: func.func @gathered_by_producer
//  CHECK-SAME: (%[[A:.*]]: memref<?x64xbf16>, %[[IDX:.*]]: memref<?xi32>, %[[R:.*]]: index)
//       CHECK: nvgpu.tma.create.descriptor {{.*}} -> <tensor = memref<1x64xbf16, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
//       CHECK: gpu.launch
//       CHECK:   nvvm.mbarrier.init %{{.*}}, %c1_i32
//       CHECK:   nvvm.mbarrier.arrive.expect_tx %{{.*}}, %c16384_i32
//   CHECK-NOT:   nvvm.cp.async.shared.global
//       CHECK:   %[[POS:.*]] = arith.addi %[[R]], %{{.*}} : index
//       CHECK:   scf.if %{{.*}} -> (i32) {
//       CHECK:     memref.load %[[IDX]][%[[POS]]]
//       CHECK:   %[[Q:.*]] = arith.divsi %{{.*}}, %c4_i32
//       CHECK:   %[[ROW:.*]] = arith.select %{{.*}}, %[[Q]], %c-1_i32
//       CHECK:   nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %{{.*}}, %{{.*}}, box[%{{.*}}, %[[ROW]]]
//   CHECK-NOT:   nvvm.cp.async.mbarrier.arrive
//   CHECK-NOT:   nvvm.cp.async.bulk.tensor
//       CHECK:   nvvm.mbarrier.try_wait.parity
//   CHECK-NOT:   nvvm.fence.proxy
func.func @gathered_by_producer(%a: memref<?x64xbf16>, %index: memref<?xi32>, %r: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c384 = arith.constant 384 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c384, %sy = %c1, %sz = %c1) {
    %ring = memref.alloca() : memref<2xi64, #gpu.address_space<workgroup>>
    %sa = memref.alloca() : memref<128x64xbf16, #gpu.address_space<workgroup>>
    moe.tile_load_async %a[%r, %c0] gather(%index : memref<?xi32>) divisor = 4 into %sa ready %ring[%c0] swizzle = 128 threads = 128
        : memref<?x64xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
          memref<2xi64, #gpu.address_space<workgroup>>
    moe.tile_wait %ring[%c0] parity %c0 : memref<2xi64, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// 96 threads do not split the 512 chunks evenly: a loop over i = thread,
// thread + 96, ... issues them; the mbarriers count 1 + 96 arrivals.
// CHECK-LABEL: func.func @gathered_uneven
//       CHECK: gpu.launch
//       CHECK:   nvvm.mbarrier.init %{{.*}}, %c97_i32
//       CHECK:   scf.for %[[I:.*]] = %{{.*}} to %c512{{.*}} step %c96
//       CHECK:     arith.divui %[[I]], %c8
//       CHECK:     scf.if %{{.*}} -> (i32) {
//       CHECK:       memref.load
//       CHECK:     arith.remui %[[I]], %c8
//       CHECK:     nvvm.cp.async.shared.global
//       CHECK:   }
//       CHECK:   nvvm.cp.async.mbarrier.arrive
func.func @gathered_uneven(%a: memref<?x64xbf16>, %index: memref<?xi32>, %r: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c96 = arith.constant 96 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c96, %sy = %c1, %sz = %c1) {
    %ring = memref.alloca() : memref<2xi64, #gpu.address_space<workgroup>>
    %sa = memref.alloca() : memref<64x64xbf16, #gpu.address_space<workgroup>>
    moe.tile_load_async %a[%r, %c0] gather(%index : memref<?xi32>) into %sa ready %ring[%c0] swizzle = 128
        : memref<?x64xbf16>, memref<64x64xbf16, #gpu.address_space<workgroup>>,
          memref<2xi64, #gpu.address_space<workgroup>>
    moe.tile_wait %ring[%c0] parity %c0 : memref<2xi64, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

// A block-wide claim: thread 0 adds 1 to the counter word and keeps the
// old value plus the offset in the slot; the block reads it between two
// barriers. A signal is one arrival on a ring that expects one.
// CHECK-LABEL: func.func @claims_and_signals
//       CHECK: gpu.launch blocks({{.*}}) threads(%[[TX:.*]], %[[TY:.*]], %[[TZ:.*]]) in
//       CHECK:   scf.if
//       CHECK:     nvvm.mbarrier.init %{{.*}}, %c1_i32
//       CHECK:   gpu.barrier
//       CHECK:   arith.cmpi eq, %[[TX]], %c0
//       CHECK:   scf.if
//       CHECK:     %[[OLD:.*]] = memref.atomic_rmw addi %{{.*}}, %{{.*}}[%{{.*}}] : (i32, memref<?xi32>) -> i32
//       CHECK:     %[[OFF:.*]] = arith.index_cast %{{.*}} : index to i32
//       CHECK:     %[[NEXT:.*]] = arith.addi %[[OLD]], %[[OFF]] : i32
//       CHECK:     memref.store %[[NEXT]], %[[SLOT:.*]][%{{.*}}]
//       CHECK:   nvvm.mbarrier.arrive %{{.*}} : !llvm.ptr<3> -> i64
//       CHECK:   gpu.barrier
//       CHECK:   %[[WORD:.*]] = memref.load %[[SLOT]][%{{.*}}]
//       CHECK:   gpu.barrier
//       CHECK:   arith.index_cast %[[WORD]] : i32 to index
//   CHECK-NOT: moe.tile
func.func @claims_and_signals(%counter: memref<?xi32>, %grid: index, %out: memref<?xindex>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c128 = arith.constant 128 : index
  %c1024 = arith.constant 1024 : index
  %smem = arith.constant 2048 : i32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1)
      dynamic_shared_memory_size %smem {
    %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %ring = memref.view %dyn[%c1024][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2xi64, #gpu.address_space<workgroup>>
    %slot = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<1xi32, #gpu.address_space<workgroup>>
    moe.tile_claim %counter[%c2] offset %grid into %slot
        : memref<?xi32>, memref<1xi32, #gpu.address_space<workgroup>>
    moe.tile_signal %ring[%c1] : memref<2xi64, #gpu.address_space<workgroup>>
    %next = moe.tile_claimed %slot : memref<1xi32, #gpu.address_space<workgroup>>
    memref.store %next, %out[%tx] : memref<?xindex>
    gpu.terminator
  }
  return
}

// -----

// An e4m3 source is encoded as the same memref of ui8 (upstream's encoder
// call has no code for 8-bit floats; the TMA moves bytes): the box of 128
// elements is 128 bytes wide, within the 128-byte swizzle span.
// CHECK-LABEL: func.func @fp8_source
//  CHECK-SAME: (%[[A:.*]]: memref<?x128xf8E4M3FN>,
//       CHECK: %[[B:.*]] = builtin.unrealized_conversion_cast %[[A]] : memref<?x128xf8E4M3FN> to memref<?x128xui8>
//       CHECK: %[[U:.*]] = memref.cast %[[B]] : memref<?x128xui8> to memref<*xui8>
//       CHECK: nvgpu.tma.create.descriptor %[[U]] box[%c64{{.*}}, %c128{{.*}}] : memref<*xui8> -> <tensor = memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>, swizzle = swizzle_128b
//       CHECK: gpu.launch
func.func @fp8_source(%a: memref<?x128xf8E4M3FN>, %row: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %c8192 = arith.constant 8192 : index
  %smem = arith.constant 8208 : i32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1)
      dynamic_shared_memory_size %smem {
    %dyn = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    %ring = memref.view %dyn[%c8192][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<1xi64, #gpu.address_space<workgroup>>
    %sa = memref.view %dyn[%c0][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>
    moe.tile_load_async %a[%row, %c0] into %sa ready %ring[%c0] swizzle = 128
        : memref<?x128xf8E4M3FN>, memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>,
          memref<1xi64, #gpu.address_space<workgroup>>
    moe.tile_wait %ring[%c0] parity %c0 : memref<1xi64, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}
