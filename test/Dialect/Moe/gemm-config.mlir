// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// Round-trip of #moe.gemm_config, grouped_matmul's moe.config: parameters
// at their defaults are elided, the rest print in the attribute's order
// whatever order they were written in, enums as words.

// CHECK-LABEL: func.func @defaults
//       CHECK: moe.grouped_matmul {{.*}} {moe.config = #moe.gemm_config<>}
//       CHECK: moe.grouped_matmul {{.*}} {moe.config = #moe.gemm_config<>}
func.func @defaults(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                    %offsets: memref<5xi32>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out) {moe.config = #moe.gemm_config<>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  // Every parameter spelled at its default.
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<kernel = tiled, tile_m = 128, tile_n = 256, tile_k = 64, stages = 4,
                                     warpgroups = 2, warp_specialize = false, cluster_m = 1, cluster_n = 1, raster = along_m,
                                     swap_ab = false, split_k = 1, ctas = 132, simple_threads = 256>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// CHECK-LABEL: func.func @tuned
//       CHECK: moe.grouped_matmul {{.*}} {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 64, stages = 3, warpgroups = 1>}
//       CHECK: moe.grouped_matmul {{.*}} {moe.config = #moe.gemm_config<tile_m = 256, tile_n = 128, warpgroups = 4, ctas = 264>}
//       CHECK: moe.grouped_matmul {{.*}} {moe.config = #moe.gemm_config<kernel = simple, simple_threads = 1024>}
func.func @tuned(%a: tensor<?x64xbf16>, %w: tensor<4x128x64xbf16>,
                 %offsets: tensor<5xi32>, %out: tensor<?x128xbf16>)
    -> (tensor<?x128xbf16>, tensor<?x128xbf16>, tensor<?x128xbf16>) {
  %0 = moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<warpgroups = 1, stages = 3, tile_n = 64, tile_m = 64>}
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<5xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  %1 = moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 256, tile_n = 128, warpgroups = 4, ctas = 264>}
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<5xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  %2 = moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<kernel = simple, simple_threads = 1024>}
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<5xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %0, %1, %2 : tensor<?x128xbf16>, tensor<?x128xbf16>, tensor<?x128xbf16>
}

// A producer warpgroup asked for (moe-warp-specialize, only-marked), with
// the fp8 K step.
// CHECK-LABEL: func.func @warp_specialized
//       CHECK: {moe.config = #moe.gemm_config<tile_n = 128, tile_k = 128, stages = 6, warp_specialize = true>}
func.func @warp_specialized(%a: memref<?x128xf8E4M3FN>, %w: memref<4x128x128xf8E4M3FN>,
                            %offsets: memref<5xi32>, %as: memref<?x1xf32>, %ws: memref<4x1x1xf32>,
                            %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%out)
      {moe.config = #moe.gemm_config<warp_specialize = true, stages = 6, tile_k = 128, tile_n = 128>}
      : (memref<?x128xf8E4M3FN>, memref<4x128x128xf8E4M3FN>, memref<5xi32>, memref<?x1xf32>, memref<4x1x1xf32>, memref<?x128xbf16>) -> ()
  return
}

// Fields the kernels do not implement yet are legal IR (the tiling pass
// rejects them: test/Conversion/MoeToGPU/tile-grouped-matmul-invalid.mlir).
// CHECK-LABEL: func.func @not_implemented_yet
//       CHECK: {moe.config = #moe.gemm_config<cluster_m = 2, cluster_n = 4, raster = along_n, swap_ab = true, split_k = 3>}
func.func @not_implemented_yet(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                               %offsets: memref<5xi32>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<split_k = 3, swap_ab = true, raster = along_n, cluster_n = 4, cluster_m = 2>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// The ends of every range.
// CHECK-LABEL: func.func @range_ends
//       CHECK: #moe.gemm_config<tile_m = 64, tile_n = 16, stages = 2, warpgroups = 1, ctas = 1, simple_threads = 32>
//       CHECK: #moe.gemm_config<kernel = stream, stream_columns = 1>
//       CHECK: #moe.gemm_config<kernel = stream, stream_columns = 4>
//       CHECK: #moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true, l2_hints = true>
//       CHECK: #moe.gemm_config<tile_m = 64, warpgroups = 1, cluster_m = 8, ctas = 65535>
//       CHECK: #moe.gemm_config<tile_m = 64, tile_n = 16, stages = 8, warpgroups = 1, cluster_n = 8>
//       CHECK: #moe.gemm_config<tile_m = 256, tile_n = 128, warpgroups = 4>
//       CHECK: #moe.gemm_config<tile_m = 192, tile_n = 208, stages = 3, warpgroups = 3>
func.func @range_ends(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                      %offsets: memref<5xi32>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 16, stages = 2, warpgroups = 1, ctas = 1, simple_threads = 32>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream, stream_columns = 1>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<kernel = stream, stream_columns = 4>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  // 8 stages of (64 + 128) x 64 bf16 and the staging slices: 192 + 9 + 2 KiB.
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true, l2_hints = true>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  // 4 stages of (64 + 256) x 64 bf16: 160 KiB + 3 KiB.
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, warpgroups = 1, cluster_m = 8, ctas = 65535>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 16, stages = 8, warpgroups = 1, cluster_n = 8>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  // The register budgets: 64 accumulators + 64 of 128 registers with four
  // warpgroups, 104 + 64 of 170 with three.
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 256, tile_n = 128, warpgroups = 4>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 192, tile_n = 208, stages = 3, warpgroups = 3>}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// A list of configurations by row count (min_rows, increasing from 0).
// CHECK-LABEL: func.func @by_rows
//       CHECK: {moe.config = [#moe.gemm_config<>, #moe.gemm_config<cluster_m = 2, min_rows = 16384>]}
//       CHECK: {moe.config = [#moe.gemm_config<tile_m = 64, warpgroups = 1>, #moe.gemm_config<min_rows = 256>, #moe.gemm_config<tile_n = 128, min_rows = 65536>]}
func.func @by_rows(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>,
                   %offsets: memref<5xi32>, %out: memref<?x128xbf16>) {
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = [#moe.gemm_config<>, #moe.gemm_config<min_rows = 16384, cluster_m = 2>]}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  moe.grouped_matmul %a, %w, %offsets outs(%out)
      {moe.config = [#moe.gemm_config<tile_m = 64, warpgroups = 1>, #moe.gemm_config<min_rows = 256>,
                     #moe.gemm_config<tile_n = 128, min_rows = 65536>]}
      : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}
