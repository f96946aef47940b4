// RUN: moe-opt %s --convert-moe-tile-to-nvgpu --split-input-file | FileCheck %s
// RUN: moe-opt %s --convert-moe-tile-to-nvgpu --convert-nvgpu-to-nvvm --split-input-file | FileCheck %s --check-prefix=NVVM

// An fp8 tile MMA: a 128-byte K row holds 128 e4m3 elements, taken in four
// 32-element (32-byte) slices, each one wgmma m64n128k32 on descriptors of
// 64 x 32 and 32 x 128 fp8 boxes of the 128-byte swizzle; the last slice
// waits for all of the op's groups (pending = 0).
// CHECK-LABEL: func.func @fp8_e4m3
//       CHECK:   %[[A0:.*]] = memref.subview %{{.*}}[%{{.*}}, 0] [64, 32] [1, 1]
//       CHECK:   %[[W0:.*]] = memref.subview %{{.*}}[0, 0] [128, 32] [1, 1]
//       CHECK:   %[[DA:.*]] = nvgpu.warpgroup.generate.descriptor %[[A0]], %{{.*}} : {{.*}}, <tensor = memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>, swizzle = swizzle_128b{{.*}}> -> <tensor = memref<64x32xf8E4M3FN, #gpu.address_space<workgroup>>>
//       CHECK:   %[[DW:.*]] = nvgpu.warpgroup.generate.descriptor %[[W0]], %{{.*}} -> <tensor = memref<32x128xf8E4M3FN, #gpu.address_space<workgroup>>>
//       CHECK:   nvgpu.warpgroup.mma %[[DA]], %[[DW]], %{{.*}} : <tensor = memref<64x32xf8E4M3FN
//       CHECK:   memref.subview %{{.*}}[%{{.*}}, 32] [64, 32] [1, 1]
//       CHECK:   nvgpu.warpgroup.mma {{.*}} {waitGroup = 2 : i64}
//       CHECK:   memref.subview %{{.*}}[%{{.*}}, 64] [64, 32] [1, 1]
//       CHECK:   nvgpu.warpgroup.mma {{.*}} {waitGroup = 3 : i64}
//       CHECK:   memref.subview %{{.*}}[%{{.*}}, 96] [64, 32] [1, 1]
//       CHECK:   nvgpu.warpgroup.mma {{.*}} {waitGroup = 0 : i64}
//   CHECK-NOT:   nvgpu.warpgroup.mma
//       CHECK:   nvvm.wgmma.wait.group.sync.aligned 0
// NVVM-LABEL: func.func @fp8_e4m3
// NVVM-COUNT-4: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 128, k = 32>, D[<f32>, <one>, <wrapped>], A[<e4m3>, <one>, <row>], B[<e4m3>, <one>, <col>]
//   NVVM-NOT: nvvm.wgmma.mma_async
func.func @fp8_e4m3(%out: memref<?x128xbf16>, %row: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>
    %tw = moe.tile_alloc : memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>>
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x128xf32>
    %r = moe.tile_mma %ta, %tw, %zero warpgroup %c0
        : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>,
          memref<128x128xf8E4M3FN, #gpu.address_space<workgroup>> -> vector<64x128xf32>
    %done = moe.tile_mma_wait %r : vector<64x128xf32>
    moe.tile_store %done warpgroup %c0 into %out[%row, %c0] rows %rows
        : vector<64x128xf32>, memref<?x128xbf16>
    gpu.terminator
  }
  return
}

// -----

// e4m3 activations times e5m2 weights: wgmma takes mixed fp8 kinds.
// NVVM-LABEL: func.func @fp8_mixed
//       NVVM: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 64, k = 32>, D[<f32>, <one>, <wrapped>], A[<e4m3>, <one>, <row>], B[<e5m2>, <one>, <col>]
func.func @fp8_mixed(%out: memref<?x64xbf16>, %row: index, %rows: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c128, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>
    %tw = moe.tile_alloc : memref<64x128xf8E5M2, #gpu.address_space<workgroup>>
    %c0 = arith.constant 0 : index
    %zero = arith.constant dense<0.0> : vector<64x64xf32>
    %r = moe.tile_mma %ta, %tw, %zero warpgroup %c0
        : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>,
          memref<64x128xf8E5M2, #gpu.address_space<workgroup>> -> vector<64x64xf32>
    %done = moe.tile_mma_wait %r : vector<64x64xf32>
    moe.tile_store %done warpgroup %c0 into %out[%row, %c0] rows %rows
        : vector<64x64xf32>, memref<?x64xbf16>
    gpu.terminator
  }
  return
}
