// Upstream-ABI test (e): TMA. nvgpu.tma.create.descriptor on the host
// (mgpuTensorMapEncodeTiledMemref: a device copy of the map); in a 4x4 grid,
// each block loads its 16x32 tile of the 60x128 input into shared memory with
// nvgpu.tma.async.load on an mbarrier (expect_tx, try_wait.parity) and
// writes 2 * tile + its block id to the 64x128 output: the last row of tiles
// reaches past the input, rows 60..63 come zero-filled (oob = zero).
// Compiled for the GPU host by utils/build-upstream-abi-artifacts.sh and run
// there by test/GPU/upstream_abi_tests.py on libMoeRuntime.so; here: the
// stock pipeline (PTX kept as text), and what the host code and PTX hold.
// RUN: %mlir_opt %s --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90a cubin-features=+ptx80 cubin-format=isa" -o %t.mlir
// RUN: %mlir_translate --mlir-to-llvmir %t.mlir | FileCheck %s --check-prefix=HOST
// RUN: %python %moe_src_root/utils/extract-ptx.py %t.mlir | FileCheck %s --check-prefix=PTX

// HOST: define void @tma(
// HOST: call ptr @mgpuTensorMapEncodeTiledMemref(i64 2, ptr %{{.*}}, i64 7, i64 0, i64 0, i64 0, i64 0, ptr %{{.*}})
// HOST: call void @mgpuLaunchKernel(
// PTX: mbarrier.init.shared.b64
// PTX: prefetch.tensormap
// PTX: mbarrier.arrive.expect_tx.shared.b64
// PTX: cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes
// PTX: mbarrier.try_wait.parity.shared.b64

!tile = memref<16x32xf32, #gpu.address_space<workgroup>>
!map = !nvgpu.tensormap.descriptor<tensor = !tile, swizzle = none, l2promo = none, oob = zero, interleave = none>
!barriers = !nvgpu.mbarrier.group<memorySpace = #gpu.address_space<workgroup>>

func.func @tma(%in: memref<60x128xf32>, %out: memref<64x128xf32>)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  // The 2 KiB tile and room to align it.
  %smemBytes = arith.constant 2304 : i32
  %t0 = gpu.wait async
  %din, %t1 = gpu.alloc async [%t0] () : memref<60x128xf32>
  %dout, %t2 = gpu.alloc async [%t1] () : memref<64x128xf32>
  %t3 = gpu.memcpy async [%t2] %din, %in : memref<60x128xf32>, memref<60x128xf32>
  %unranked = memref.cast %din : memref<60x128xf32> to memref<*xf32>
  %map = nvgpu.tma.create.descriptor %unranked box[%c16, %c32] : memref<*xf32> -> !map
  %t4 = gpu.launch async [%t3]
      blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c4, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1)
      dynamic_shared_memory_size %smemBytes {
    %raw = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
    // The tile starts at a multiple of 128 bytes of the shared window, at
    // least 16 bytes past the dynamic base: the lowering's zero-sized global
    // for it may be laid out before the static mbarrier.
    %c127 = arith.constant 127 : index
    %base = memref.extract_aligned_pointer_as_index %raw
        : memref<?xi8, #gpu.address_space<workgroup>> -> index
    %first = arith.addi %base, %c16 : index
    %roundUp = arith.addi %first, %c127 : index
    %lines = arith.divui %roundUp, %c128 : index
    %aligned = arith.muli %lines, %c128 : index
    %offset = arith.subi %aligned, %base : index
    %tile = memref.view %raw[%offset][] : memref<?xi8, #gpu.address_space<workgroup>> to !tile
    %bar = nvgpu.mbarrier.create -> !barriers
    %leader = arith.cmpi eq, %tx, %c0 : index
    scf.if %leader {
      nvgpu.mbarrier.init %bar[%c0], %c1 : !barriers
      nvgpu.tma.prefetch.descriptor %map : !map
    }
    gpu.barrier
    %row = arith.muli %by, %c16 : index
    %col = arith.muli %bx, %c32 : index
    scf.if %leader {
      %bytes = arith.constant 2048 : index
      nvgpu.mbarrier.arrive.expect_tx %bar[%c0], %bytes : !barriers
      nvgpu.tma.async.load %map[%col, %row], %bar[%c0] to %tile : !map, !barriers -> !tile
    }
    %phase = arith.constant false
    %ticks = arith.constant 10000000 : index
    nvgpu.mbarrier.try_wait.parity %bar[%c0], %phase, %ticks : !barriers
    %blockRow = arith.muli %by, %c4 : index
    %block = arith.addi %blockRow, %bx : index
    %blockI = arith.index_cast %block : index to i32
    %blockF = arith.sitofp %blockI : i32 to f32
    %two = arith.constant 2.0 : f32
    %c512 = arith.constant 512 : index
    scf.for %e = %tx to %c512 step %c128 {
      %r = arith.divui %e, %c32 : index
      %c = arith.remui %e, %c32 : index
      %v = memref.load %tile[%r, %c] : !tile
      %v2 = arith.mulf %v, %two : f32
      %w = arith.addf %v2, %blockF : f32
      %gr = arith.addi %row, %r : index
      %gc = arith.addi %col, %c : index
      memref.store %w, %dout[%gr, %gc] : memref<64x128xf32>
    }
    gpu.terminator
  }
  %t5 = gpu.memcpy async [%t4] %out, %dout : memref<64x128xf32>, memref<64x128xf32>
  %t6 = gpu.dealloc async [%t5] %din : memref<60x128xf32>
  %t7 = gpu.dealloc async [%t6] %dout : memref<64x128xf32>
  gpu.wait [%t7]
  return
}
