// RUN: moe-opt %s --moe-create-tma-descriptors --split-input-file -verify-diagnostics

// What moe-create-tma-descriptors rejects (TMA limits and the ring rules).

func.func @outside_kernel(%a: memref<?x64xbf16>, %d: memref<64x64xbf16, 3>, %r: memref<2xi64, 3>, %i: index) {
  // expected-error @+1 {{'moe.tile_load_async' op must be inside a gpu.launch (run moe-create-tma-descriptors before gpu-kernel-outlining)}}
  moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x64xbf16>, memref<64x64xbf16, 3>, memref<2xi64, 3>
  return
}

// -----

func.func @source_inside_kernel(%i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<8x64xbf16, 3>
    %a = memref.alloca() : memref<8x64xbf16>
    // expected-error @+1 {{'moe.tile_load_async' op source must be defined outside the kernel: its tensor map is encoded on the host}}
    moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<8x64xbf16>, memref<8x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @strided_rows(%a: memref<?x64xbf16, strided<[1, ?]>>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<8x64xbf16, 3>
    // expected-error @+1 {{'moe.tile_load_async' op source's innermost dimension must be contiguous (stride 1) for TMA}}
    moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x64xbf16, strided<[1, ?]>>, memref<8x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @box_too_tall(%a: memref<?x64xbf16>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<512x64xbf16, 3>
    // expected-error @+1 {{'moe.tile_load_async' op TMA boxes span at most 256 elements a dimension, got 512}}
    moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x64xbf16>, memref<512x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @rank_six(%a: memref<2x2x2x2x2x64xbf16>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<1x1x1x1x1x64xbf16, 3>
    // expected-error @+1 {{'moe.tile_load_async' op TMA copies tensors of rank 5 at most, got 6}}
    moe.tile_load_async %a[%i, %i, %i, %i, %i, %i] into %d ready %r[%i] : memref<2x2x2x2x2x64xbf16>, memref<1x1x1x1x1x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @ring_in_loop(%a: memref<?x64xbf16>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %d = memref.alloca() : memref<8x64xbf16, 3>
    scf.for %k = %c1 to %i step %c1 {
      // expected-error @+1 {{ready ring must be created at the top level of the kernel, where it is initialized}}
      %r = memref.alloca() : memref<2xi64, 3>
      moe.tile_load_async %a[%k, %k] into %d ready %r[%k] : memref<?x64xbf16>, memref<8x64xbf16, 3>, memref<2xi64, 3>
    }
    gpu.terminator
  }
  return
}

// -----

func.func @split_batch(%a: memref<?x64xbf16>, %i: index, %f: f32) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<8x64xbf16, 3>
    %e = memref.alloca() : memref<8x64xbf16, 3>
    %s = memref.alloca() : memref<1xf32, 3>
    moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<?x64xbf16>, memref<8x64xbf16, 3>, memref<2xi64, 3>
    memref.store %f, %s[%i] : memref<1xf32, 3>
    // expected-error @+1 {{'moe.tile_load_async' op starts a second batch on a ring slot with no moe.tile_wait on it since the last one (the copies of one batch must not be split by ops with side effects)}}
    moe.tile_load_async %a[%i, %i] into %e ready %r[%i] : memref<?x64xbf16>, memref<8x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @gathered_dynamic_block(%a: memref<?x64xbf16>, %idx: memref<?xi32>, %i: index) {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{'gpu.launch' op needs a static block size for gathered tile copies}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %i, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<8x64xbf16, 3>
    moe.tile_load_async %a[%i, %i] gather(%idx : memref<?xi32>) into %d ready %r[%i] : memref<?x64xbf16>, memref<8x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @gathered_strided_rows(%a: memref<?x64xbf16, strided<[1, ?]>>, %idx: memref<?xi32>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<8x64xbf16, 3>
    // expected-error @+1 {{'moe.tile_load_async' op source's innermost dimension must be contiguous (stride 1)}}
    moe.tile_load_async %a[%i, %i] gather(%idx : memref<?xi32>) into %d ready %r[%i] : memref<?x64xbf16, strided<[1, ?]>>, memref<8x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @not_strided(%a: memref<64x64xbf16, affine_map<(d0, d1) -> (d1, d0)>>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<8x64xbf16, 3>
    // expected-error @+1 {{'moe.tile_load_async' op source's innermost dimension must be contiguous (stride 1) for TMA}}
    moe.tile_load_async %a[%i, %i] into %d ready %r[%i] : memref<64x64xbf16, affine_map<(d0, d1) -> (d1, d0)>>, memref<8x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @synchronous_load(%a: memref<?x64xbf16>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %t = moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
    // expected-error @+1 {{'moe.tile_load' op is synchronous: run moe-pipeline-tile-loads first to turn it into asynchronous copies}}
    moe.tile_load %a[%i, %i] into %t swizzle = 128 : memref<?x64xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

func.func @copies_and_releases_on_one_ring(%a: memref<?x64xbf16>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %t = moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
    %r = moe.tile_alloc : memref<2xi64, #gpu.address_space<workgroup>>
    // expected-error @+1 {{'moe.tile_load_async' op completes on a ring that moe.tile_release also arrives on; use one ring for copies and another for releases}}
    moe.tile_load_async %a[%i, %i] into %t ready %r[%i] swizzle = 128 : memref<?x64xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>, memref<2xi64, #gpu.address_space<workgroup>>
    moe.tile_release %r[%i] arrivals = 32 : memref<2xi64, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

!t = memref<128x64xbf16, #gpu.address_space<workgroup>>

// A multicast copy in a launch without clusters.
func.func @no_cluster(%w: memref<?x64xbf16>, %row: index) {
  %c1 = arith.constant 1 : index
  %c0 = arith.constant 0 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %tile = moe.tile_alloc : !t
    %ring = moe.tile_alloc : memref<2xi64, #gpu.address_space<workgroup>>
    // expected-error @+1 {{'moe.tile_load_async' op is shared by 2 blocks but the launch's clusters have 1}}
    moe.tile_load_async %w[%row, %c0] into %tile ready %ring[%c0] swizzle = 128 multicast = 2
        : memref<?x64xbf16>, !t, memref<2xi64, #gpu.address_space<workgroup>>
    moe.tile_wait %ring[%c0] parity %c0 : memref<2xi64, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

func.func @signal_and_release(%r: memref<2xi64, 3>, %i: index) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    moe.tile_signal %r[%i] : memref<2xi64, 3>
    // expected-error @+1 {{'moe.tile_release' op arrives on a ring that moe.tile_signal also arrives on}}
    moe.tile_release %r[%i] arrivals = 32 : memref<2xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @publish_without_clusters(%v: i32, %w: memref<4xi32, 3>, %r: memref<4xi64, 3>, %i: index) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{'moe.tile_publish' op writes into a peer block but the launch has no clusters}}
    moe.tile_publish %v into %w[%i] ready %r rank %i : memref<4xi32, 3>, memref<4xi64, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @claim_cluster_mismatch(%c: memref<?xi32>, %s: memref<1xi32, 3>, %i: index) {
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    // expected-error @+1 {{'moe.tile_claim' op is shared by 2 blocks but the launch's clusters have 1}}
    moe.tile_claim %c[%i] offset %i into %s cluster = 2 : memref<?xi32>, memref<1xi32, 3>
    gpu.terminator
  }
  return
}

// -----

func.func @gathered_threads_differ(%a: memref<?x64xbf16>, %x: memref<?xi32>, %i: index) {
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
      threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
    %r = memref.alloca() : memref<2xi64, 3>
    %d = memref.alloca() : memref<64x64xbf16, 3>
    %e = memref.alloca() : memref<64x64xbf16, 3>
    moe.tile_load_async %a[%i, %i] gather(%x : memref<?xi32>) into %d ready %r[%i] swizzle = 128 threads = 128 : memref<?x64xbf16>, memref<64x64xbf16, 3>, memref<2xi64, 3>
    // expected-error @+1 {{'moe.tile_load_async' op is issued by 0 threads (0: the block) where a gathered copy on the same ring is issued by 128}}
    moe.tile_load_async %a[%i, %i] gather(%x : memref<?xi32>) into %e ready %r[%i] swizzle = 128 : memref<?x64xbf16>, memref<64x64xbf16, 3>, memref<2xi64, 3>
    gpu.terminator
  }
  return
}
