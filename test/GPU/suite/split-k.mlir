// GPU suite: split-K tiles (#moe.gemm_config split_k) and their
// deterministic reduction, on every epilogue form: gated with bias and row
// scale, interleaved clamped SwiGLU on gathered rows, an elementwise
// activation into f32, and the decode GEMMs of the model shapes.
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gemm-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null

// K = 1000: 16 K steps (the last 40 wide), so up to 4 splits of 4 steps;
// gated N = 200 (gate and up halves end inside a tile), f16, bias, scale.
func.func @gemm_k1000_gated_split4_f16(%a: tensor<?x1000xf16>, %w: tensor<8x200x1000xf16>, %off: tensor<9xi32>,
    %b: tensor<8x200xf16>, %s: tensor<?xf32>, %out: tensor<?x100xf16>) -> tensor<?x100xf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%s) bias(%b) epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128, stages = 8, split_k = 4>}
      : (tensor<?x1000xf16>, tensor<8x200x1000xf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x200xf16>, tensor<?x100xf16>) -> tensor<?x100xf16>
  return %y : tensor<?x100xf16>
}

// Gathered A (3 slots a token), interleaved clamped SwiGLU with a bias,
// 3 splits of K = 1024 (16 steps: 6, 6 and 4).
func.func @gemm_gathered_swigluoai_split3(%x: tensor<?x1024xbf16>, %rows: tensor<?xi32>, %w: tensor<8x256x1024xbf16>,
    %off: tensor<9xi32>, %b: tensor<8x256xbf16>, %out: tensor<?x128xbf16>) -> tensor<?x128xbf16> {
  %y = moe.grouped_matmul %x[%rows], %w, %off bias(%b) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 0.5 swiglu_alpha = 1.702 outs(%out)
      {index_divisor = 3 : i64, moe.config = #moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128, split_k = 3>}
      : (tensor<?x1024xbf16>, tensor<?xi32>, tensor<8x256x1024xbf16>, tensor<9xi32>, tensor<8x256xbf16>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

// An elementwise activation into f32, N = 72 (a partial column tile),
// 128-row tiles of two warpgroups, up to 8 splits of K = 2048.
func.func @gemm_k2048_gelu_split8_f32(%a: tensor<?x2048xbf16>, %w: tensor<4x72x2048xbf16>, %off: tensor<5xi32>,
    %out: tensor<?x72xf32>) -> tensor<?x72xf32> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = gelu outs(%out)
      {moe.config = #moe.gemm_config<split_k = 8, tile_n = 128>}
      : (tensor<?x2048xbf16>, tensor<4x72x2048xbf16>, tensor<5xi32>, tensor<?x72xf32>) -> tensor<?x72xf32>
  return %y : tensor<?x72xf32>
}

// The decode GEMMs of two model shapes with up to 4 splits.
func.func @gemm2_mixtral_split4(%h: tensor<?x14336xbf16>, %w2: tensor<8x4096x14336xbf16>, %off: tensor<9xi32>,
    %s: tensor<?xf32>, %out: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%s) outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128, stages = 8, split_k = 4>}
      : (tensor<?x14336xbf16>, tensor<8x4096x14336xbf16>, tensor<9xi32>, tensor<?xf32>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

func.func @gemm1_qwen3_split4(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xbf16>, %off: tensor<129xi32>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, warpgroups = 1, tile_n = 128, stages = 8, split_k = 4>}
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xbf16>, tensor<129xi32>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}
