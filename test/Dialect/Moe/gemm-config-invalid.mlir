// RUN: moe-opt %s -split-input-file -verify-diagnostics

// One case per error of #moe.gemm_config's verifier (MoeAttrs.cpp): each
// names the parameter and the values the hardware and the kernel's data
// layout allow, or the rule two parameters break. Then the parser's own
// errors for a name or a word it does not know.

func.func @tile_n_not_16(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{tile_n = 24 is out of range: expected a multiple of 16 in [16, 256] (wgmma's N, halved for a gated epilogue)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_n = 24>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @tile_n_zero(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{tile_n = 0 is out of range: expected a multiple of 16 in [16, 256] (wgmma's N, halved for a gated epilogue)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_n = 0>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @tile_n_past_wgmma(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{tile_n = 272 is out of range: expected a multiple of 16 in [16, 256] (wgmma's N, halved for a gated epilogue)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_n = 272>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @tile_k(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{tile_k = 32 is not supported: a K step is one 128-byte swizzled row, expected tile_k = 64 (16-bit elements) or 128 (fp8 elements)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_k = 32>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @stages_1(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{stages = 1 is out of range: expected an integer in [2, 8]}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<stages = 1>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @stages_9(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{stages = 9 is out of range: expected an integer in [2, 8]}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<stages = 9>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @warpgroups_0(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{warpgroups = 0 is out of range: expected an integer in [1, 4] (consumer warpgroups of 64 rows each)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<warpgroups = 0>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @warpgroups_5(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{warpgroups = 5 is out of range: expected an integer in [1, 4] (consumer warpgroups of 64 rows each)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_m = 320, warpgroups = 5>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @cluster_m_0(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{cluster_m = 0 is out of range: expected an integer in [1, 8]}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<cluster_m = 0>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @cluster_n_9(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{cluster_n = 9 is out of range: expected an integer in [1, 8]}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<cluster_n = 9>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @split_k_0(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{split_k = 0 is out of range: expected a positive integer}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<split_k = 0>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @ctas_0(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{ctas = 0 is out of range: expected an integer in [1, 65535] (persistent blocks)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<ctas = 0>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @ctas_65536(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{ctas = 65536 is out of range: expected an integer in [1, 65535] (persistent blocks)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<ctas = 65536>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @stream_columns_range(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{stream_columns = 5 is out of range: expected an integer in [1, 4] (output columns a lane slot of the stream kernel keeps in registers)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<kernel = stream, stream_columns = 5>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @staged_epilogue_stream(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{staged_epilogue = true needs kernel = tiled (the other kernels do not store tiles)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<kernel = stream, staged_epilogue = true>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// 7 stages of 32 KiB fit alone, not with the staging slices of 8 warps.
func.func @staged_epilogue_shared_memory(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{stages = 7 with tile_m = 128 and tile_n = 128 needs 249856 bytes of shared memory (7 slots of 32768 bytes, plus 2048 for alignment and mbarriers and 18432 for the staged epilogue), more than the 232448 bytes (227 KiB) an sm_90 block may use: at most 6 stages fit}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_n = 128, stages = 7, staged_epilogue = true>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @simple_threads_not_warps(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{simple_threads = 48 is out of range: expected a multiple of 32 in [32, 1024] (whole warps, at most a CUDA block)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<simple_threads = 48>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @simple_threads_past_a_block(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{simple_threads = 2048 is out of range: expected a multiple of 32 in [32, 1024] (whole warps, at most a CUDA block)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<simple_threads = 2048>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @tile_m_not_64_per_warpgroup(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{tile_m = 192 does not match warpgroups = 2: expected tile_m = 128 (64 rows per consumer warpgroup)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_m = 192>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @warpgroups_without_tile_m(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{tile_m = 128 does not match warpgroups = 1: expected tile_m = 64 (64 rows per consumer warpgroup)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<warpgroups = 1>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @accumulators(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{warpgroups = 4 with tile_n = 256 and tile_k = 64 needs 128 accumulator registers per thread plus 64 for the kernel in a block of 512 threads, which gets at most 128 registers each: keep tile_n <= 128}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_m = 256, warpgroups = 4>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @shared_memory(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{stages = 5 with tile_m = 128 and tile_n = 256 needs 247808 bytes of shared memory (5 slots of 49152 bytes, plus 2048 for alignment and mbarriers), more than the 232448 bytes (227 KiB) an sm_90 block may use: at most 4 stages fit}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<stages = 5>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @cluster_past_8(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{cluster_m = 4 with cluster_n = 4 is a cluster of 16 blocks: expected at most 8 (the portable cluster size of sm_90)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<cluster_m = 4, cluster_n = 4>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @unknown_parameter(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{duplicate or unknown struct parameter name: tile_q}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_q = 4>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @raster_word(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+2 {{expected one of [along_m, along_n] for the order of a tiled GEMM's output tiles within an expert, got: diagonal}}
  // expected-error @+1 {{failed to parse Moe_GemmConfigAttr parameter 'raster'}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<raster = diagonal>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @kernel_word(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+2 {{expected one of [tiled, simple, stream] for the kernel that computes a grouped_matmul, got: wgmma}}
  // expected-error @+1 {{failed to parse Moe_GemmConfigAttr parameter 'kernel'}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<kernel = wgmma>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @min_rows_negative(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{min_rows = -1 is out of range: expected an integer >= 0}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<min_rows = -1>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// The list of configurations by row count (MoeConfig.cpp).

func.func @single_with_min_rows(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{'moe.config' is one #moe.gemm_config with min_rows = 64: a single configuration is for every row count (min_rows = 0); give a list to pick by rows}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<min_rows = 64>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @empty_list(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{'moe.config' is an empty list of configurations}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = []} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @list_entry_not_config(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{'moe.config' entry 1 is not a #moe.gemm_config: 16384 : i64}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = [#moe.gemm_config<>, 16384]} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @list_first_not_zero(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{'moe.config' entry 0 has min_rows = 8: the first configuration must cover every smaller row count (min_rows = 0)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = [#moe.gemm_config<min_rows = 8>, #moe.gemm_config<min_rows = 64>]} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @list_not_increasing(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{'moe.config' entry 2 has min_rows = 64, not above entry 1's 64: list the configurations in strictly increasing min_rows}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = [#moe.gemm_config<>, #moe.gemm_config<min_rows = 64>, #moe.gemm_config<tile_n = 128, min_rows = 64>]} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @list_simple_kernel(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{'moe.config' entry 0 has kernel = simple: a list of configurations picks between tiled and stream kernels}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = [#moe.gemm_config<kernel = simple>, #moe.gemm_config<min_rows = 64>]} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}


// -----

func.func @three_warpgroups_too_wide(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{warpgroups = 3 with tile_n = 224 and tile_k = 64 needs 112 accumulator registers per thread plus 64 for the kernel in a block of 384 threads, which gets at most 170 registers each: keep tile_n <= 208}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_m = 192, tile_n = 224, warpgroups = 3, stages = 3>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// fp8 (tile_k = 128): the block-scale promotion keeps a second accumulator
// of tile_n / 2 registers, so 256 columns do not fit two warpgroups.
func.func @fp8_registers(%a: memref<?x256xf8E4M3FN>, %w: memref<4x256x256xf8E4M3FN>, %o: memref<5xi32>,
                         %as: memref<?x2xf32>, %ws: memref<4x2x2xf32>, %y: memref<?x256xbf16>) {
  // expected-error @+2 {{warpgroups = 2 with tile_n = 256 and tile_k = 128 needs 256 accumulator registers per thread plus 64 for the kernel in a block of 256 threads, which gets at most 255 registers each: keep tile_n <= 176}}
  moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      {moe.config = #moe.gemm_config<tile_n = 256, tile_k = 128>}
      : (memref<?x256xf8E4M3FN>, memref<4x256x256xf8E4M3FN>, memref<5xi32>, memref<?x2xf32>, memref<4x2x2xf32>, memref<?x256xbf16>) -> ()
  return
}

// -----

// fp8 rows are 128 one-byte elements: a slot of 128 x 128 tiles is 32 KiB.
func.func @fp8_shared_memory(%a: memref<?x256xf8E4M3FN>, %w: memref<4x256x256xf8E4M3FN>, %o: memref<5xi32>,
                             %as: memref<?x2xf32>, %ws: memref<4x2x2xf32>, %y: memref<?x256xbf16>) {
  // expected-error @+2 {{stages = 8 with tile_m = 128 and tile_n = 128 needs 264192 bytes of shared memory (8 slots of 32768 bytes, plus 2048 for alignment and mbarriers), more than the 232448 bytes (227 KiB) an sm_90 block may use: at most 7 stages fit}}
  moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      {moe.config = #moe.gemm_config<tile_n = 128, tile_k = 128, stages = 8>}
      : (memref<?x256xf8E4M3FN>, memref<4x256x256xf8E4M3FN>, memref<5xi32>, memref<?x2xf32>, memref<4x2x2xf32>, memref<?x256xbf16>) -> ()
  return
}

// -----

// The op checks a tiled configuration's tile_k against a's element type.
func.func @fp8_tile_k_64(%a: memref<?x256xf8E4M3FN>, %w: memref<4x128x256xf8E4M3FN>, %o: memref<5xi32>,
                         %as: memref<?x2xf32>, %ws: memref<4x1x2xf32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config tile_k = 64 does not fit a of element type 'f8E4M3FN': a K step is one 128-byte row, tile_k = 128 (fp8)}}
  moe.grouped_matmul %a, %w, %o quant = fp8_block group_size = 128 a_scale(%as) w_scale(%ws) outs(%y)
      {moe.config = #moe.gemm_config<tile_n = 128>}
      : (memref<?x256xf8E4M3FN>, memref<4x128x256xf8E4M3FN>, memref<5xi32>, memref<?x2xf32>, memref<4x1x2xf32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @bf16_tile_k_128(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op #moe.gemm_config tile_k = 128 does not fit a of element type 'bf16': a K step is one 128-byte row, tile_k = 64 (16-bit elements)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_n = 128, tile_k = 128>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

func.func @warp_specialize_simple(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{warp_specialize = true needs kernel = tiled (the simple kernel has no tile copies to hand to a producer)}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<kernel = simple, warp_specialize = true>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}

// -----

// Warp-specialized, four consumer warpgroups get what the producer leaves:
// (65536 - 128 * 40) / 512 = 118, 112 as setmaxnreg counts (128 without).
func.func @warp_specialize_registers(%a: memref<?x64xbf16>, %w: memref<4x128x64xbf16>, %o: memref<5xi32>, %y: memref<?x128xbf16>) {
  // expected-error @+1 {{warpgroups = 4 with tile_n = 128 and tile_k = 64 needs 64 accumulator registers per thread plus 64 for the kernel in a block of 512 threads beside a producer warpgroup, which gets at most 112 registers each: keep tile_n <= 96}}
  moe.grouped_matmul %a, %w, %o outs(%y) {moe.config = #moe.gemm_config<tile_m = 256, tile_n = 128, warpgroups = 4, warp_specialize = true>} : (memref<?x64xbf16>, memref<4x128x64xbf16>, memref<5xi32>, memref<?x128xbf16>) -> ()
  return
}
