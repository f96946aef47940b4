// RUN: moe-opt %s --convert-moe-tile-to-nvgpu --split-input-file | FileCheck %s

!a = memref<2x128x64xbf16, #gpu.address_space<workgroup>>
!w = memref<2x256x64xbf16, #gpu.address_space<workgroup>>
!sa = memref<128x64xbf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>
!sw = memref<256x64xbf16, strided<[64, 1], offset: ?>, #gpu.address_space<workgroup>>

// Two warpgroups, 256-column bf16 tiles on a ring of 2: the buffers are
// 1024-byte aligned views of the dynamic shared memory (32 + 64 KiB plus
// 1 KiB of alignment slack); the accumulator is a 64 x 256 nvgpu fragment
// per warpgroup through the loop; each 16-wide K slice is one
// warpgroup.mma on descriptors of the warpgroup's 64 A rows and of W
// (only in the copy of the loop for a warpgroup with rows below `rows`);
// the last slice leaves one tile MMA (4 groups) in flight; the gated
// epilogue reads gate and up registers 64 apart.
// CHECK-LABEL: func.func @two_warpgroups
//       CHECK: %[[SMEM:.*]] = arith.constant 99328 : i32
//       CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %[[SMEM]]
//       CHECK:   %[[DYN:.*]] = gpu.dynamic_shared_memory
//       CHECK:   memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:   memref.view %[[DYN]][%{{.*}}][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2x256x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:   %[[INIT:.*]] = nvgpu.warpgroup.mma.init.accumulator -> <fragmented = vector<64x256xf32>>
// The K loop is versioned on whether the warpgroup's 64 rows start below
// `rows`: no branch between a wgmma left in flight and its wait.
//       CHECK:   %[[SLAB:.*]] = arith.muli %{{.*}}, %c64
//       CHECK:   %[[ACTIVE:.*]] = arith.cmpi ult, %[[SLAB]], %{{.*}} : index
//       CHECK:   %[[ACC_OUT:.*]] = scf.if %[[ACTIVE]] -> (!nvgpu.warpgroup.accumulator<fragmented = vector<64x256xf32>>) {
//       CHECK:     %[[LOOP:.*]] = scf.for {{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (!nvgpu.warpgroup.accumulator<fragmented = vector<64x256xf32>>)
//   CHECK-NOT:       scf.if
//       CHECK:       %[[A0:.*]] = memref.subview %{{.*}}[%{{.*}}, 0] [64, 16] [1, 1]
//       CHECK:       %[[W0:.*]] = memref.subview %{{.*}}[0, 0] [256, 16] [1, 1]
//       CHECK:       %[[DA:.*]] = nvgpu.warpgroup.generate.descriptor %[[A0]], %{{.*}} : {{.*}} -> <tensor = memref<64x16xbf16, #gpu.address_space<workgroup>>>
//       CHECK:       %[[DW:.*]] = nvgpu.warpgroup.generate.descriptor %[[W0]], %{{.*}} : {{.*}} -> <tensor = memref<16x256xbf16, #gpu.address_space<workgroup>>>
//       CHECK:       %[[R0:.*]] = nvgpu.warpgroup.mma %[[DA]], %[[DW]], %[[ACC]] {waitGroup = 5 : i64}
//       CHECK:       nvgpu.warpgroup.mma {{.*}} {waitGroup = 6 : i64}
//       CHECK:       nvgpu.warpgroup.mma {{.*}} {waitGroup = 7 : i64}
//       CHECK:       %[[R3:.*]] = nvgpu.warpgroup.mma {{.*}} {waitGroup = 4 : i64}
//       CHECK:       scf.yield %[[R3]]
//       CHECK:     nvvm.wgmma.wait.group.sync.aligned 0
//       CHECK:     scf.yield %[[LOOP]]
//       CHECK:   } else {
//       CHECK:     %[[SKIP:.*]] = scf.for {{.*}} iter_args(%[[SAME:.*]] = %[[INIT]])
//   CHECK-NOT:       nvgpu.warpgroup.mma
//       CHECK:       scf.yield %[[SAME]]
//       CHECK:     scf.yield %[[SKIP]]
//       CHECK:   nvvm.wgmma.wait.group.sync.aligned 0
//       CHECK:   %[[REGS:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !nvgpu.warpgroup.accumulator<fragmented = vector<64x256xf32>> to !llvm.struct<(struct<(f32,
// Two adjacent columns in one store when both are in bounds and the rows
// are 16-byte aligned, else one store each.
//       CHECK:   scf.if
//       CHECK:     llvm.extractvalue %[[REGS]][0, 0]
//       CHECK:     llvm.extractvalue %[[REGS]][0, 64]
//       CHECK:     math.exp
//       CHECK:     llvm.extractvalue %[[REGS]][0, 1]
//       CHECK:     llvm.extractvalue %[[REGS]][0, 65]
//       CHECK:     vector.store %{{.*}} {alignment = 4 : i64} : memref<?x128xbf16>, vector<2xbf16>
//       CHECK:   } else {
//       CHECK:     memref.store
//   CHECK-NOT: moe.tile
func.func @two_warpgroups(%out: memref<?x128xbf16>, %n: index, %row: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %ra = moe.tile_alloc : !a
    %rw = moe.tile_alloc : !w
    %c0 = arith.constant 0 : index
    %c2 = arith.constant 2 : index
    %c128 = arith.constant 128 : index
    %wg = arith.divui %tx, %c128 : index
    %zero = arith.constant dense<0.0> : vector<128x256xf32>
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<128x256xf32>) {
      %s = arith.remui %kb, %c2 : index
      %ta = memref.subview %ra[%s, 0, 0] [1, 128, 64] [1, 1, 1] : !a to !sa
      %tw = memref.subview %rw[%s, 0, 0] [1, 256, 64] [1, 1, 1] : !w to !sw
      %next = moe.tile_mma %ta, %tw, %acc0 warpgroup %wg rows %rows pending = 1 : !sa, !sw -> vector<128x256xf32>
      scf.yield %next : vector<128x256xf32>
    }
    %done = moe.tile_mma_wait %acc : vector<128x256xf32>
    moe.tile_store %done warpgroup %wg into %out[%row, %c0] rows %rows epilogue = silu_and_mul : vector<128x256xf32>, memref<?x128xbf16>
    gpu.terminator
  }
  return
}

// -----

!t = memref<64x64xf16, #gpu.address_space<workgroup>>

// One warpgroup, f16, a synchronous MMA (pending = 0: the last slice waits
// for everything) and a bias + row-scale epilogue; a zero tile stored
// without an MMA is an initialized accumulator.
// CHECK-LABEL: func.func @one_warpgroup
//       CHECK: %[[SMEM:.*]] = arith.constant 17408 : i32
//       CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %[[SMEM]]
//   CHECK-NOT:   scf.if
//       CHECK:   nvgpu.warpgroup.mma %{{.*}}, %{{.*}}, %{{.*}} : <tensor = memref<64x16xf16, #gpu.address_space<workgroup>>>, <tensor = memref<16x64xf16, #gpu.address_space<workgroup>>>
//       CHECK:   nvgpu.warpgroup.mma {{.*}} {waitGroup = 0 : i64}
//       CHECK:   memref.load %{{.*}} : memref<?xf32>
//       CHECK:   memref.load %{{.*}} : memref<4x64xf32>
//       CHECK:   nvgpu.warpgroup.mma.init.accumulator -> <fragmented = vector<64x64xf32>>
func.func @one_warpgroup(%out: memref<?x64xf32>, %bias: memref<4x64xf32>, %scale: memref<?xf32>, %e: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : !t
    %tw = moe.tile_alloc : !t
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    %r = moe.tile_mma %ta, %tw, %zero warpgroup %c0 : !t, !t -> vector<64x64xf32>
    %done = moe.tile_mma_wait %r : vector<64x64xf32>
    moe.tile_store %done warpgroup %c0 into %out[%c0, %c0] rows %rows bias(%bias : memref<4x64xf32>) expert %e scale(%scale : memref<?xf32>) : vector<64x64xf32>, memref<?x64xf32>
    %z2 = arith.constant dense<0.0> : vector<64x64xf32>
    moe.tile_store %z2 warpgroup %c0 into %out[%c0, %c0] rows %rows : vector<64x64xf32>, memref<?x64xf32>
    gpu.terminator
  }
  return
}

// -----

!t = memref<128x64xbf16, #gpu.address_space<workgroup>>

// A tile MMA with `rows` outside a loop: a branch around the warpgroup's
// wgmmas (nothing is left in flight across it: pending = 0).
// CHECK-LABEL: func.func @rows_outside_loop
//       CHECK:   %[[ACTIVE:.*]] = arith.cmpi ult, %{{.*}}, %{{.*}} : index
//       CHECK:   scf.if %[[ACTIVE]] -> (!nvgpu.warpgroup.accumulator<fragmented = vector<64x64xf32>>) {
//       CHECK:     nvgpu.warpgroup.mma
//       CHECK:   } else {
//   CHECK-NOT:     nvgpu.warpgroup.mma
//       CHECK:     scf.yield
func.func @rows_outside_loop(%out: memref<?x64xf32>, %rows: index) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c256, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : !t
    %tw = moe.tile_alloc : memref<64x64xbf16, #gpu.address_space<workgroup>>
    %c0 = arith.constant 0 : index
    %c128 = arith.constant 128 : index
    %wg = arith.divui %tx, %c128 : index
    %zero = arith.constant dense<0.0> : vector<128x64xf32>
    %r = moe.tile_mma %ta, %tw, %zero warpgroup %wg rows %rows : !t, memref<64x64xbf16, #gpu.address_space<workgroup>> -> vector<128x64xf32>
    %done = moe.tile_mma_wait %r : vector<128x64xf32>
    moe.tile_store %done warpgroup %wg into %out[%c0, %c0] rows %rows : vector<128x64xf32>, memref<?x64xf32>
    gpu.terminator
  }
  return
}

// -----

// Buffers under 1 KiB (ring words, a claim slot) go after the tiles,
// 16-byte aligned, whatever the order of their allocations: 8 KiB of tile,
// 32 bytes of ring at 8192, the slot at 8224, plus 1 KiB of alignment
// slack: 9252 bytes.
// CHECK-LABEL: func.func @small_buffers_packed
//       CHECK: %[[SMEM:.*]] = arith.constant 9252 : i32
//       CHECK: gpu.launch {{.*}} dynamic_shared_memory_size %[[SMEM]]
//       CHECK:   %[[DYN:.*]] = gpu.dynamic_shared_memory
//       CHECK:   arith.remui
//       CHECK:   %[[SKIP:.*]] = arith.remui
//       CHECK:   %[[RING_AT:.*]] = arith.addi %[[SKIP]], %c8192
//       CHECK:   memref.view %[[DYN]][%[[RING_AT]]][] : {{.*}} to memref<4xi64, #gpu.address_space<workgroup>>
//       CHECK:   %[[TILE_AT:.*]] = arith.addi %[[SKIP]], %c0
//       CHECK:   memref.view %[[DYN]][%[[TILE_AT]]][] : {{.*}} to memref<64x64xf16, #gpu.address_space<workgroup>>
//       CHECK:   %[[SLOT_AT:.*]] = arith.addi %[[SKIP]], %c8224
//       CHECK:   memref.view %[[DYN]][%[[SLOT_AT]]][] : {{.*}} to memref<1xi32, #gpu.address_space<workgroup>>
func.func @small_buffers_packed() {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %ring = moe.tile_alloc : memref<4xi64, #gpu.address_space<workgroup>>
    %tile = moe.tile_alloc : memref<64x64xf16, #gpu.address_space<workgroup>>
    %slot = moe.tile_alloc : memref<1xi32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}
