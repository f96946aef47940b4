// RUN: moe-opt %s --moe-pipeline-tile-loads --moe-warp-specialize=only-marked --verify-diagnostics | FileCheck %s
// RUN: moe-opt %s --moe-pipeline-tile-loads --moe-warp-specialize --verify-diagnostics | FileCheck %s --check-prefix=ALL

!a1 = memref<64x64xf16, #gpu.address_space<workgroup>>

// With only-marked, only the launches marked moe.warp_specialize (by
// their GEMM's #moe.gemm_config<warp_specialize = true> in the tiling pass)
// get a producer warpgroup, the one with gathered copies too. The mark is
// removed from every launch. Without the option every launch that
// qualifies is specialized.
// CHECK-LABEL: func.func @marks
//       CHECK: gpu.launch {{.*}} in (%{{.*}} = %c256{{.*}},
//   CHECK-NOT: moe.warp_specialize
//       CHECK:   nvvm.setmaxregister decrease 40
//       CHECK: gpu.launch {{.*}} in (%{{.*}} = %c128{{.*}},
//   CHECK-NOT:   nvvm.setmaxregister
//       CHECK: gpu.launch {{.*}} in (%{{.*}} = %c256{{.*}},
//       CHECK:   nvvm.setmaxregister decrease 40
//       CHECK:   moe.tile_load_async {{.*}} gather{{.*}} threads = 128
//   CHECK-NOT: moe.warp_specialize
// ALL-LABEL: func.func @marks
//       ALL: gpu.launch {{.*}} in (%{{.*}} = %c256{{.*}},
//       ALL:   nvvm.setmaxregister decrease 40
//       ALL: gpu.launch {{.*}} in (%{{.*}} = %c256{{.*}},
//       ALL:   nvvm.setmaxregister decrease 40
//       ALL: gpu.launch {{.*}} in (%{{.*}} = %c256{{.*}},
//       ALL:   nvvm.setmaxregister decrease 40
func.func @marks(%a: memref<?x64xf16>, %idx: memref<?xi32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %ta = moe.tile_alloc : !a1
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<64x64xf32>) {
      moe.tile_load %a[%kb, %c0] into %ta swizzle = 128 : memref<?x64xf16>, !a1
      %next = moe.tile_mma %ta, %ta, %acc0 warpgroup %c0 : !a1, !a1 -> vector<64x64xf32>
      scf.yield %next : vector<64x64xf32>
    }
    gpu.terminator
  } {moe.warp_specialize}
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %ta = moe.tile_alloc : !a1
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<64x64xf32>) {
      moe.tile_load %a[%kb, %c0] into %ta swizzle = 128 : memref<?x64xf16>, !a1
      %next = moe.tile_mma %ta, %ta, %acc0 warpgroup %c0 : !a1, !a1 -> vector<64x64xf32>
      scf.yield %next : vector<64x64xf32>
    }
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %c0 = arith.constant 0 : index
    %ta = moe.tile_alloc : !a1
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    %acc = scf.for %kb = %c0 to %n step %c1 iter_args(%acc0 = %zero) -> (vector<64x64xf32>) {
      moe.tile_load %a[%kb, %c0] gather(%idx : memref<?xi32>) into %ta swizzle = 128 : memref<?x64xf16>, !a1
      %next = moe.tile_mma %ta, %ta, %acc0 warpgroup %c0 : !a1, !a1 -> vector<64x64xf32>
      scf.yield %next : vector<64x64xf32>
    }
    gpu.terminator
  } {moe.warp_specialize}
  return
}
