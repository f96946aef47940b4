// RUN: moe-opt %s --convert-moe-tile-to-nvgpu --split-input-file -verify-diagnostics

// Tile buffers are laid out from the start of the kernel's shared memory:
// a static workgroup attribution beside them would overlap the first one.
func.func @workgroup_attribution() {
  %c1 = arith.constant 1 : index
  // expected-error @+1 {{has workgroup attributions; with tile buffers all shared memory must be moe.tile_alloc}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1)
             workgroup(%w : memref<4xi32, #gpu.address_space<workgroup>>) {
    %b = moe.tile_alloc : memref<1xi32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// -----

func.func @dynamic_shared_memory() {
  %c1 = arith.constant 1 : index
  %bytes = arith.constant 1024 : i32
  // expected-error @+1 {{already has dynamic shared memory; tile buffers need all of it}}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1)
             dynamic_shared_memory_size %bytes {
    %b = moe.tile_alloc : memref<1xi32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}
