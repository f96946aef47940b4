// RUN: moe-opt %s --moe-pipeline-tile-loads --split-input-file -verify-diagnostics

func.func @not_in_loop(%a: memref<?x64xf16>, %i: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : memref<64x64xf16, #gpu.address_space<workgroup>>
    // expected-error @+1 {{'moe.tile_load' op must be at the top level of an scf.for body to be pipelined}}
    moe.tile_load %a[%i, %i] into %ta : memref<?x64xf16>, memref<64x64xf16, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

func.func @lower_bound(%a: memref<?x64xf16>, %n: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : memref<64x64xf16, #gpu.address_space<workgroup>>
    // expected-error @+1 {{'scf.for' op with tile loads must run from 0 by 1 to be pipelined (normalize it first)}}
    scf.for %kb = %c1 to %n step %c1 {
      moe.tile_load %a[%kb, %kb] into %ta : memref<?x64xf16>, memref<64x64xf16, #gpu.address_space<workgroup>>
    }
    gpu.terminator
  }
  return
}

// -----

func.func @depth(%a: memref<?x64xf16>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : memref<64x64xf16, #gpu.address_space<workgroup>>
    // expected-error @+1 {{'scf.for' op pipeline depth must be in [2, 16], got 1}}
    scf.for %kb = %c0 to %n step %c1 {
      moe.tile_load %a[%kb, %kb] into %ta : memref<?x64xf16>, memref<64x64xf16, #gpu.address_space<workgroup>>
    } {moe.pipeline_stages = 1 : i64}
    gpu.terminator
  }
  return
}
