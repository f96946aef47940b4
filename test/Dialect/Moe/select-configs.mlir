// RUN: moe-opt %s --moe-select-configs --split-input-file | FileCheck %s --check-prefix=HEUR
// RUN: moe-opt %s --moe-select-configs="table=%S/Inputs/tuned-configs.txt" --split-input-file -verify-diagnostics | FileCheck %s --check-prefix=TUNED

// HEUR-LABEL: func.func @norm
//       HEUR: moe.rms_norm {{.*}} {moe.config = {threads = 512 : i64}}
// TUNED-LABEL: func.func @norm
//       TUNED: moe.rms_norm {{.*}} {moe.config = {threads = 512 : i64}}
func.func @norm(%x: tensor<?x4096xbf16>, %w: tensor<4096xbf16>, %o: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%o)
      : (tensor<?x4096xbf16>, tensor<4096xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// -----

// The heuristic gives one thread per 4 experts (here 64); the table says so
// too for E=256, k=8.
// HEUR-LABEL: func.func @gate
//       HEUR: moe.gate {{.*}} {moe.config = {threads = 64 : i64}}
// TUNED-LABEL: func.func @gate
//       TUNED: moe.gate {{.*}} {moe.config = {threads = 64 : i64}}
func.func @gate(%l: tensor<?x256xf32>, %w: tensor<?x8xf32>, %i: tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  %a, %b = moe.gate %l k = 8 scoring = sigmoid outs(%w, %i)
      : (tensor<?x256xf32>, tensor<?x8xf32>, tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
  return %a, %b : tensor<?x8xf32>, tensor<?x8xi32>
}

// -----

// No table entry for this op: the heuristic, with a warning when a table was
// given; an existing moe.config is kept.
// HEUR-LABEL: func.func @untuned
//       HEUR: moe.silu_and_mul {{.*}} {moe.config = {threads = 256 : i64}}
//       HEUR: moe.silu_and_mul {{.*}} {moe.config = {threads = 128 : i64}}
// TUNED-LABEL: func.func @untuned
func.func @untuned(%x: tensor<4x16xf32>, %o: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  // expected-warning @+1 {{no tuned config in}}
  %h = moe.silu_and_mul %x outs(%o) : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %g = moe.silu_and_mul %x outs(%o) {moe.config = {threads = 128 : i64}} : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %h, %g : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// align and permute keep whole 1024-thread blocks for their counting sort.
// HEUR-LABEL: func.func @sort
//       HEUR: moe.align {{.*}} {moe.config = {threads = 1024 : i64}}
// TUNED-LABEL: func.func @sort
func.func @sort(%ids: tensor<4x2xi32>, %s: tensor<512xi32>, %e: tensor<8xi32>, %n: tensor<1xi32>)
    -> (tensor<512xi32>, tensor<8xi32>, tensor<1xi32>) {
  // expected-warning @+1 {{no tuned config in}}
  %a, %b, %c = moe.align %ids num_experts = 8 block_m = 64 outs(%s, %e, %n)
      : (tensor<4x2xi32>, tensor<512xi32>, tensor<8xi32>, tensor<1xi32>) -> (tensor<512xi32>, tensor<8xi32>, tensor<1xi32>)
  return %a, %b, %c : tensor<512xi32>, tensor<8xi32>, tensor<1xi32>
}

// -----

// grouped_matmul gets a #moe.gemm_config: from the heuristic a list by row
// count (64 x 128 tiles in an 8-slot ring below 4 rows per expert, the
// defaults from min_rows = 4 * E; both with the staged epilogue for
// unquantized GEMMs), the table's parameters (the rest at
// their defaults) when a line matches; a line may set every parameter.
// HEUR-LABEL: func.func @gemm
//       HEUR: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 512, staged_epilogue = true>]}
//       HEUR: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 32, staged_epilogue = true>]}
//       HEUR: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 64, staged_epilogue = true>]}
//       HEUR: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 16, staged_epilogue = true>]}
// TUNED-LABEL: func.func @gemm
//       TUNED: moe.grouped_matmul {{.*}} {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 128, stages = 6, warpgroups = 1>}
//       TUNED: moe.grouped_matmul {{.*}} {moe.config = #moe.gemm_config<kernel = simple, simple_threads = 128>}
//       TUNED: moe.grouped_matmul {{.*}} {moe.config = #moe.gemm_config<kernel = simple, tile_m = 64, tile_n = 64, stages = 3, warpgroups = 1, cluster_m = 2, cluster_n = 2, raster = along_n, swap_ab = true, split_k = 2, ctas = 7, simple_threads = 64>}
//       TUNED: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 16, staged_epilogue = true>]}
func.func @gemm(%a: tensor<?x2048xbf16>, %w: tensor<128x1536x2048xbf16>, %o: tensor<129xi32>, %y: tensor<?x768xbf16>,
                %w8: tensor<8x64x2048xbf16>, %o8: tensor<9xi32>, %y8: tensor<?x64xbf16>,
                %w16: tensor<16x64x2048xbf16>, %o16: tensor<17xi32>,
                %w4: tensor<4x64x2048xbf16>, %o4: tensor<5xi32>)
    -> (tensor<?x768xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>) {
  %0 = moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul outs(%y)
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  %1 = moe.grouped_matmul %a, %w8, %o8 outs(%y8)
      : (tensor<?x2048xbf16>, tensor<8x64x2048xbf16>, tensor<9xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  %2 = moe.grouped_matmul %a, %w16, %o16 outs(%y8)
      : (tensor<?x2048xbf16>, tensor<16x64x2048xbf16>, tensor<17xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  // expected-warning @+1 {{no tuned config in}}
  %3 = moe.grouped_matmul %a, %w4, %o4 outs(%y8)
      : (tensor<?x2048xbf16>, tensor<4x64x2048xbf16>, tensor<5xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %0, %1, %2, %3 : tensor<?x768xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>, tensor<?x64xbf16>
}

// -----

// A table line matches one quantization scheme: the fp8 GEMM takes the
// fp8_block line, not the bf16 line of its sizes; an int4 GEMM (K = twice
// w's packed dim 2) matches neither and gets the heuristic, with a warning.
// The heuristic gives fp8_block its fp8 tiles (tile_k = 128, at most 176
// columns for two accumulators): 64 x 128 below 4 rows per expert, 128 x
// 128 from there, warp-specialized; the int4 GEMM its default, the stream
// kernel (it dequantizes integer weights in registers).
// HEUR-LABEL: func.func @gemm_quant
//       HEUR: moe.grouped_matmul {{.*}} quant = fp8_block {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, tile_k = 128, stages = 8, warpgroups = 1>, #moe.gemm_config<tile_n = 128, tile_k = 128, stages = 6, warp_specialize = true, min_rows = 512>]}
//       HEUR: moe.grouped_matmul {{.*}} quant = w4a16 {{.*}} {moe.config = #moe.gemm_config<kernel = stream>}
// TUNED-LABEL: func.func @gemm_quant
//       TUNED: moe.grouped_matmul {{.*}} quant = fp8_block {{.*}} {moe.config = #moe.gemm_config<tile_n = 128, tile_k = 128, stages = 3>}
//       TUNED: moe.grouped_matmul {{.*}} quant = w4a16 {{.*}} {moe.config = #moe.gemm_config<kernel = stream>}
func.func @gemm_quant(%a: tensor<?x2048xf8E4M3FN>, %w: tensor<128x1536x2048xf8E4M3FN>, %o: tensor<129xi32>,
                      %as: tensor<?x16xf32>, %ws: tensor<128x12x16xf32>, %y: tensor<?x1536xbf16>,
                      %a16: tensor<?x2048xbf16>, %w4: tensor<128x1536x1024xi8>, %s4: tensor<128x1536x16xbf16>)
    -> (tensor<?x1536xbf16>, tensor<?x1536xbf16>) {
  %0 = moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<?x2048xf8E4M3FN>, tensor<128x1536x2048xf8E4M3FN>, tensor<129xi32>, tensor<?x16xf32>, tensor<128x12x16xf32>, tensor<?x1536xbf16>) -> tensor<?x1536xbf16>
  // expected-warning @+1 {{no tuned config in}}
  %1 = moe.grouped_matmul %a16, %w4, %o quant = w4a16 group_size = 128 w_scale(%s4) outs(%y)
      : (tensor<?x2048xbf16>, tensor<128x1536x1024xi8>, tensor<129xi32>, tensor<128x1536x16xbf16>, tensor<?x1536xbf16>) -> tensor<?x1536xbf16>
  return %0, %1 : tensor<?x1536xbf16>, tensor<?x1536xbf16>
}

// -----

// Lines with min_rows make a list of configurations by row count, in
// increasing min_rows (the first matching line of each); rows below every
// listed min_rows get the heuristic's configurations.
// HEUR-LABEL: func.func @gemm_by_rows
//       HEUR: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 128, staged_epilogue = true>]}
//       HEUR: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 256, staged_epilogue = true>]}
// TUNED-LABEL: func.func @gemm_by_rows
//       TUNED: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_n = 128>, #moe.gemm_config<cluster_m = 2, min_rows = 4096>]}
//       TUNED: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 256, staged_epilogue = true>, #moe.gemm_config<tile_m = 64, warpgroups = 1, min_rows = 8192>]}
func.func @gemm_by_rows(%a: tensor<?x2048xbf16>, %w32: tensor<32x64x2048xbf16>, %o32: tensor<33xi32>,
                        %w64: tensor<64x64x2048xbf16>, %o64: tensor<65xi32>, %y: tensor<?x64xbf16>)
    -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
  %0 = moe.grouped_matmul %a, %w32, %o32 outs(%y)
      : (tensor<?x2048xbf16>, tensor<32x64x2048xbf16>, tensor<33xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  %1 = moe.grouped_matmul %a, %w64, %o64 outs(%y)
      : (tensor<?x2048xbf16>, tensor<64x64x2048xbf16>, tensor<65xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %0, %1 : tensor<?x64xbf16>, tensor<?x64xbf16>
}

// -----

// Consecutive configurations with the same kernel merge: one kernel set.
// TUNED-LABEL: func.func @gemm_same_kernel
//       TUNED: moe.grouped_matmul {{.*}} {moe.config = [#moe.gemm_config<tile_m = 64, tile_n = 128, stages = 8, warpgroups = 1, staged_epilogue = true>, #moe.gemm_config<min_rows = 128>]}
func.func @gemm_same_kernel(%a: tensor<?x2048xbf16>, %w: tensor<2x64x2048xbf16>, %o: tensor<3xi32>,
                            %y: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %0 = moe.grouped_matmul %a, %w, %o outs(%y)
      : (tensor<?x2048xbf16>, tensor<2x64x2048xbf16>, tensor<3xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %0 : tensor<?x64xbf16>
}

// -----

// fp8_channel and fp8_tensor get the fp8 default on the tiled kernel: the
// op's verifier ties tile_k to a's element type.
// HEUR-LABEL: func.func @gemm_fp8_scaled
//       HEUR: quant = fp8_channel {{.*}} {moe.config = #moe.gemm_config<tile_n = 128, tile_k = 128, stages = 6>}
//       HEUR: quant = fp8_tensor {{.*}} {moe.config = #moe.gemm_config<tile_n = 128, tile_k = 128, stages = 6>}
func.func @gemm_fp8_scaled(%a: tensor<?x256xf8E4M3FN>, %w: tensor<4x64x256xf8E4M3FN>, %o: tensor<5xi32>,
                           %as: tensor<?x1xf32>, %ws: tensor<4x64xf32>, %as1: tensor<1xf32>, %ws1: tensor<4xf32>,
                           %y: tensor<?x64xbf16>) -> (tensor<?x64xbf16>, tensor<?x64xbf16>) {
  // expected-warning @+1 {{no tuned config in}}
  %0 = moe.grouped_matmul %a, %w, %o quant = fp8_channel a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<?x256xf8E4M3FN>, tensor<4x64x256xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x64xf32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  // expected-warning @+1 {{no tuned config in}}
  %1 = moe.grouped_matmul %a, %w, %o quant = fp8_tensor a_scale(%as1) w_scale(%ws1) outs(%y)
      : (tensor<?x256xf8E4M3FN>, tensor<4x64x256xf8E4M3FN>, tensor<5xi32>, tensor<1xf32>, tensor<4xf32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %0, %1 : tensor<?x64xbf16>, tensor<?x64xbf16>
}
