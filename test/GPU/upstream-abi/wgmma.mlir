// Upstream-ABI test (f): a wgmma GEMM, D (64x128 f32) = A (64x64 f16) *
// B (64x128 f16), one warpgroup. A and the two 64-column halves of B come
// into shared memory by TMA with the 128-byte swizzle; nvgpu.warpgroup.mma
// (B transposed: N is its innermost dimension) issues four
// wgmma.mma_async m64n128k16 over K; nvgpu.warpgroup.mma.store writes D.
// Compiled for the GPU host by utils/build-upstream-abi-artifacts.sh and run
// there by test/GPU/upstream_abi_tests.py on libMoeRuntime.so; here: the
// stock pipeline (PTX kept as text), and what the host code and PTX hold.
// RUN: %mlir_opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" -o %t.mlir
// RUN: %mlir_translate --mlir-to-llvmir %t.mlir | FileCheck %s --check-prefix=HOST
// RUN: %python %moe_src_root/utils/extract-ptx.py %t.mlir | FileCheck %s --check-prefix=PTX

// HOST: define void @wgmma(
// HOST-COUNT-2: call ptr @mgpuTensorMapEncodeTiledMemref(i64 2, ptr %{{.*}}, i64 6, i64 0, i64 3, i64 0, i64 0, ptr %{{.*}})
// HOST: call void @mgpuLaunchKernel(
// PTX-COUNT-3: cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX: wgmma.fence.sync.aligned
// PTX-COUNT-4: wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16
// PTX: wgmma.commit_group.sync.aligned
// PTX: wgmma.wait_group.sync.aligned

!smemA = memref<64x64xf16, #gpu.address_space<workgroup>>
!smemB = memref<64x128xf16, #gpu.address_space<workgroup>>
!smemBHalf = memref<64x64xf16, #gpu.address_space<workgroup>>
!mapA = !nvgpu.tensormap.descriptor<tensor = !smemA, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
!mapB = !nvgpu.tensormap.descriptor<tensor = !smemBHalf, swizzle = swizzle_128b, l2promo = none, oob = zero, interleave = none>
!barriers = !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>>
!acc = !nvgpu.warpgroup.accumulator<fragmented = vector<64x128xf32>>

func.func @wgmma(%a: memref<64x64xf16>, %b: memref<64x128xf16>, %d: memref<64x128xf32>)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  // The three 8 KiB tiles and room to align them.
  %smemBytes = arith.constant 26624 : i32
  %t0 = gpu.wait async
  %da, %t1 = gpu.alloc async [%t0] () : memref<64x64xf16>
  %db, %t2 = gpu.alloc async [%t1] () : memref<64x128xf16>
  %dd, %t3 = gpu.alloc async [%t2] () : memref<64x128xf32>
  %t4 = gpu.memcpy async [%t3] %da, %a : memref<64x64xf16>, memref<64x64xf16>
  %t5 = gpu.memcpy async [%t4] %db, %b : memref<64x128xf16>, memref<64x128xf16>
  %ua = memref.cast %da : memref<64x64xf16> to memref<*xf16>
  %ub = memref.cast %db : memref<64x128xf16> to memref<*xf16>
  %mapA = nvgpu.tma.create.descriptor %ua box[%c64, %c64] : memref<*xf16> -> !mapA
  %mapB = nvgpu.tma.create.descriptor %ub box[%c64, %c64] : memref<*xf16> -> !mapB
  %t6 = gpu.launch async [%t5]
      blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1)
      dynamic_shared_memory_size %smemBytes {
    %raw = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    // The tiles start at a multiple of 1024 bytes of the shared window (the
    // span of the 128-byte swizzle pattern the wgmma descriptors assume),
    // at least 16 bytes past the dynamic base: the lowering's zero-sized
    // global for it may be laid out before the static mbarrier.
    %c16 = arith.constant 16 : index
    %c1023 = arith.constant 1023 : index
    %c1024 = arith.constant 1024 : index
    %base = memref.extract_aligned_pointer_as_index %raw
        : memref<?xi8, #gpu.address_space<workgroup>> -> index
    %first = arith.addi %base, %c16 : index
    %roundUp = arith.addi %first, %c1023 : index
    %blocks = arith.divui %roundUp, %c1024 : index
    %aligned = arith.muli %blocks, %c1024 : index
    %offA = arith.subi %aligned, %base : index
    %c8192 = arith.constant 8192 : index
    %c16384 = arith.constant 16384 : index
    %offB0 = arith.addi %offA, %c8192 : index
    %offB1 = arith.addi %offA, %c16384 : index
    %sa = memref.view %raw[%offA][] : memref<?xi8, #gpu.address_space<workgroup>> to !smemA
    %sb = memref.view %raw[%offB0][] : memref<?xi8, #gpu.address_space<workgroup>> to !smemB
    %sb0 = memref.view %raw[%offB0][] : memref<?xi8, #gpu.address_space<workgroup>> to !smemBHalf
    %sb1 = memref.view %raw[%offB1][] : memref<?xi8, #gpu.address_space<workgroup>> to !smemBHalf
    %bar = nvgpu.mbarrier.create -> !barriers
    %leader = arith.cmpi eq, %tx, %c0 : index
    scf.if %leader {
      nvgpu.mbarrier.init %bar[%c0], %c1 : !barriers
      nvgpu.tma.prefetch.descriptor %mapA : !mapA
      nvgpu.tma.prefetch.descriptor %mapB : !mapB
    }
    gpu.barrier
    // One transaction: A (8 KiB) and the two 64-column halves of B.
    scf.if %leader {
      %bytes = arith.constant 24576 : index
      nvgpu.mbarrier.arrive.expect_tx %bar[%c0], %bytes : !barriers
      nvgpu.tma.async.load %mapA[%c0, %c0], %bar[%c0] to %sa : !mapA, !barriers -> !smemA
      nvgpu.tma.async.load %mapB[%c0, %c0], %bar[%c0] to %sb0 : !mapB, !barriers -> !smemBHalf
      nvgpu.tma.async.load %mapB[%c64, %c0], %bar[%c0] to %sb1 : !mapB, !barriers -> !smemBHalf
    }
    %phase = arith.constant false
    %ticks = arith.constant 10000000 : index
    nvgpu.mbarrier.try_wait.parity %bar[%c0], %phase, %ticks : !barriers
    %descA = nvgpu.warpgroup.generate.descriptor %sa, %mapA : !smemA, !mapA
        -> !nvgpu.warpgroup.descriptor<tensor = !smemA>
    %descB = nvgpu.warpgroup.generate.descriptor %sb, %mapB : !smemB, !mapB
        -> !nvgpu.warpgroup.descriptor<tensor = !smemB>
    %zero = nvgpu.warpgroup.mma.init.accumulator -> !acc
    // B is K x N with N innermost: transposed for wgmma, which reads K-major.
    %res = nvgpu.warpgroup.mma %descA, %descB, %zero {transposeB}
        : <tensor = !smemA>, <tensor = !smemB>, !acc -> !acc
    nvvm.wgmma.wait.group.sync.aligned 0
    nvgpu.warpgroup.mma.store %res, %dd : !acc to memref<64x128xf32>
    gpu.terminator
  }
  %t7 = gpu.memcpy async [%t6] %d, %dd : memref<64x128xf32>, memref<64x128xf32>
  %t8 = gpu.dealloc async [%t7] %da : memref<64x64xf16>
  %t9 = gpu.dealloc async [%t8] %db : memref<64x128xf16>
  %t10 = gpu.dealloc async [%t9] %dd : memref<64x128xf32>
  gpu.wait [%t10]
  return
}
