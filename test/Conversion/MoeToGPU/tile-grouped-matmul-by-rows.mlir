// RUN: moe-opt %s --moe-tile-grouped-matmul --split-input-file | FileCheck %s

// A list of configurations by row count: one schedule buffer large enough
// for every configuration (the most entries of any), then inside the TMA
// check the host picks the kernels of the last configuration whose
// min_rows the rows reach, from the largest min_rows down; each branch has
// its own schedule kernel, persistent kernel and fallback.
// CHECK-LABEL: func.func @two_configs
//       CHECK: %[[WORDS:.*]] = arith.maxui %{{[0-9]+}}, %{{[0-9]+}} : index
//  CHECK-NEXT: memref.alloc(%[[WORDS]]) : memref<?xi32>
//       CHECK: scf.if %{{.*}} {
//       CHECK:   %[[MANY:.*]] = arith.cmpi uge, %{{.*}}, %c4096{{(_[0-9]+)?}} : index
//       CHECK:   scf.if %[[MANY]] {
// min_rows = 4096: the default configuration, 256 threads, 128 x 256 tiles.
//       CHECK:     gpu.launch {{.*}} in (%{{.*}} = %c512,
//       CHECK:     gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256{{.*}}) {
//       CHECK:       moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:       moe.tile_alloc : memref<256x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:   } else {
// Fewer rows: 64 x 128 tiles, 128 threads.
//       CHECK:     gpu.launch {{.*}} in (%{{.*}} = %c512,
//       CHECK:     gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c128{{.*}}) {
//       CHECK:       moe.tile_alloc : memref<64x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:       moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:   }
//       CHECK: } else {
// The TMA rules fail: the simple kernel alone.
//       CHECK:   gpu.launch
//   CHECK-NOT:   moe.tile_alloc
//       CHECK: }
//       CHECK: return
func.func @two_configs(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %offsets: memref<5xi32>,
                       %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = [#moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128>,
                     #moe.gemm_config<min_rows = 4096>]}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// Three configurations: the tests go from the largest min_rows down, so
// each row count takes the last configuration it reaches.
// CHECK-LABEL: func.func @three_configs
//       CHECK: arith.cmpi uge, %[[ROWS:.*]], %c65536{{(_[0-9]+)?}} : index
//       CHECK: scf.if
// 256 x 128 tiles (A 256 x 64, W 128 x 64), then the default 128 x 256.
//       CHECK:   moe.tile_alloc : memref<256x64xbf16, #gpu.address_space<workgroup>>
//  CHECK-NEXT:   moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK:   arith.cmpi uge, %[[ROWS]], %c256{{(_[0-9]+)?}} : index
//       CHECK:   scf.if
//       CHECK:     moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
//  CHECK-NEXT:     moe.tile_alloc : memref<256x64xbf16, #gpu.address_space<workgroup>>
// Fewer than 256 rows: 64 x 256 tiles.
//       CHECK:     moe.tile_alloc : memref<64x64xbf16, #gpu.address_space<workgroup>>
//  CHECK-NEXT:     moe.tile_alloc : memref<256x64xbf16, #gpu.address_space<workgroup>>
func.func @three_configs(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %offsets: memref<5xi32>,
                         %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = [#moe.gemm_config<tile_m = 64, warpgroups = 1>, #moe.gemm_config<min_rows = 256>,
                     #moe.gemm_config<tile_m = 256, tile_n = 128, warpgroups = 4, min_rows = 65536>]}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}
