// RUN: moe-opt %s --moe-pipeline-tile-loads --moe-warp-specialize --split-input-file -verify-diagnostics

// What moe-warp-specialize rejects.

!a = memref<64x64xbf16, #gpu.address_space<workgroup>>
!slot = memref<1xi32, #gpu.address_space<workgroup>>

// The producer hands its claims to the consumers and keeps its own in a
// register: a claim read in another block than the one that made it has
// no such register.
func.func @claimed_without_claim(%a: memref<?x64xbf16>, %counter: memref<?xi32>, %n: index, %flag: i1) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : !a
    %slot = moe.tile_alloc : !slot
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    scf.if %flag {
      moe.tile_claim %counter[%c0] offset %c1 into %slot : memref<?xi32>, !slot
    }
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<64x64xf32>) {
      moe.tile_load %a[%c0, %kb] into %ta swizzle = 128 : memref<?x64xbf16>, !a
      %next = moe.tile_mma %ta, %ta, %acc0 warpgroup %c0 : !a, !a -> vector<64x64xf32>
      scf.yield %next : vector<64x64xf32>
    }
    // expected-error @+1 {{'moe.tile_claimed' op needs a moe.tile_claim on its slot earlier in its block to be warp-specialized}}
    %next = moe.tile_claimed %slot : !slot
    gpu.terminator
  }
  return
}
