// GPU suite: the expert activations of issue 13 in the GEMM epilogue (both
// kernels: tiled TMA/wgmma and simple), interleaved gate/up rows, clamps,
// biases, and whole fused_moe layers with them.
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gemm-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null

// gpt-oss-20b's first expert GEMM: clamped SwiGLU on interleaved gate/up
// rows, with the bias.
func.func @gemm1_gpt_oss(%a: tensor<?x2880xbf16>, %w13: tensor<32x5760x2880xbf16>, %off: tensor<33xi32>,
    %b13: tensor<32x5760xbf16>, %out: tensor<?x2880xbf16>) -> tensor<?x2880xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off bias(%b13) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 7.0 swiglu_alpha = 1.702 outs(%out)
      : (tensor<?x2880xbf16>, tensor<32x5760x2880xbf16>, tensor<33xi32>, tensor<32x5760xbf16>, tensor<?x2880xbf16>) -> tensor<?x2880xbf16>
  return %h : tensor<?x2880xbf16>
}

// gpt-oss-20b's second expert GEMM: bias, then the routed weights.
func.func @gemm2_gpt_oss(%h: tensor<?x2880xbf16>, %w2: tensor<32x2880x2880xbf16>, %off: tensor<33xi32>,
    %s: tensor<?xf32>, %b2: tensor<32x2880xbf16>, %out: tensor<?x2880xbf16>) -> tensor<?x2880xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%s) bias(%b2) outs(%out)
      : (tensor<?x2880xbf16>, tensor<32x2880x2880xbf16>, tensor<33xi32>, tensor<?xf32>, tensor<32x2880xbf16>, tensor<?x2880xbf16>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}

// Gathered A (4 slots a token), interleaved swigluoai with a limit small
// enough (0.5) that both clamps act on most values.
func.func @gemm1_gathered_swigluoai(%x: tensor<?x256xbf16>, %rows: tensor<?xi32>, %w13: tensor<8x512x256xbf16>,
    %off: tensor<9xi32>, %b13: tensor<8x512xbf16>, %out: tensor<?x256xbf16>) -> tensor<?x256xbf16> {
  %h = moe.grouped_matmul %x[%rows], %w13, %off bias(%b13) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 0.5 swiglu_alpha = 1.702 outs(%out) {index_divisor = 4 : i64}
      : (tensor<?x256xbf16>, tensor<?xi32>, tensor<8x512x256xbf16>, tensor<9xi32>, tensor<8x512xbf16>, tensor<?x256xbf16>) -> tensor<?x256xbf16>
  return %h : tensor<?x256xbf16>
}

// Edge shapes with interleaved rows: K = 48, f16, N = 200 (100 gate/up
// pairs: the pairs end inside a tile), bias, row scale, alpha 1.
func.func @gemm_k48_swigluoai_interleaved_f16(%a: tensor<?x48xf16>, %w: tensor<8x200x48xf16>, %off: tensor<9xi32>,
    %b: tensor<8x200xf16>, %s: tensor<?xf32>, %out: tensor<?x100xf16>) -> tensor<?x100xf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%s) bias(%b) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 0.75 swiglu_alpha = 1.0 outs(%out)
      : (tensor<?x48xf16>, tensor<8x200x48xf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x200xf16>, tensor<?x100xf16>) -> tensor<?x100xf16>
  return %y : tensor<?x100xf16>
}

// Interleaved silu (no clamp) with K = 20: the simple kernel.
func.func @gemm_k20_interleaved_simple(%a: tensor<?x20xbf16>, %w: tensor<4x64x20xbf16>, %off: tensor<5xi32>,
    %b: tensor<4x64xbf16>, %out: tensor<?x32xbf16>) -> tensor<?x32xbf16> {
  %y = moe.grouped_matmul %a, %w, %off bias(%b) epilogue = silu_and_mul gate_up_layout = interleaved outs(%out)
      : (tensor<?x20xbf16>, tensor<4x64x20xbf16>, tensor<5xi32>, tensor<4x64xbf16>, tensor<?x32xbf16>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// tanh GELU with a clamp, K = 144, f32 output, one warpgroup, 64-column
// tiles.
func.func @gemm_k144_gelu_tanh_clamp(%a: tensor<?x144xbf16>, %w: tensor<6x192x144xbf16>, %off: tensor<7xi32>,
    %out: tensor<?x96xf32>) -> tensor<?x96xf32> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = gelu_tanh_and_mul clamp_limit = 1.0 outs(%out)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 64, stages = 2, warpgroups = 1>}
      : (tensor<?x144xbf16>, tensor<6x192x144xbf16>, tensor<7xi32>, tensor<?x96xf32>) -> tensor<?x96xf32>
  return %y : tensor<?x96xf32>
}

// Step-3.5's SwigluStep (split rows), limit 0.75.
func.func @gemm_k64_swiglustep(%a: tensor<?x64xbf16>, %w: tensor<8x256x64xbf16>, %off: tensor<9xi32>,
    %out: tensor<?x128xbf16>) -> tensor<?x128xbf16> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = swiglustep_and_mul clamp_limit = 0.75 outs(%out)
      : (tensor<?x64xbf16>, tensor<8x256x64xbf16>, tensor<9xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

// The elementwise (*_no_mul) epilogues: all N columns, a partial column
// tile (N = 72) and K = 16.
func.func @gemm_k16_n72_relu2(%a: tensor<?x16xbf16>, %w: tensor<4x72x16xbf16>, %off: tensor<5xi32>,
    %out: tensor<?x72xbf16>) -> tensor<?x72xbf16> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = relu2 outs(%out)
      : (tensor<?x16xbf16>, tensor<4x72x16xbf16>, tensor<5xi32>, tensor<?x72xbf16>) -> tensor<?x72xbf16>
  return %y : tensor<?x72xbf16>
}

func.func @gemm_k48_silu_f16(%a: tensor<?x48xf16>, %w: tensor<8x200x48xf16>, %off: tensor<9xi32>,
    %b: tensor<8x200xf16>, %out: tensor<?x200xf16>) -> tensor<?x200xf16> {
  %y = moe.grouped_matmul %a, %w, %off bias(%b) epilogue = silu outs(%out)
      : (tensor<?x48xf16>, tensor<8x200x48xf16>, tensor<9xi32>, tensor<8x200xf16>, tensor<?x200xf16>) -> tensor<?x200xf16>
  return %y : tensor<?x200xf16>
}

func.func @gemm_k64_gelu(%a: tensor<?x64xbf16>, %w: tensor<8x128x64xbf16>, %off: tensor<9xi32>,
    %out: tensor<?x128xbf16>) -> tensor<?x128xbf16> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = gelu outs(%out)
      : (tensor<?x64xbf16>, tensor<8x128x64xbf16>, tensor<9xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

func.func @gemm_k64_gelu_tanh(%a: tensor<?x64xbf16>, %w: tensor<8x128x64xbf16>, %off: tensor<9xi32>,
    %out: tensor<?x128xbf16>) -> tensor<?x128xbf16> {
  %y = moe.grouped_matmul %a, %w, %off epilogue = gelu_tanh outs(%out)
      : (tensor<?x64xbf16>, tensor<8x128x64xbf16>, tensor<9xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %y : tensor<?x128xbf16>
}

// Whole small layers: gpt-oss's form (softmax over the top 2, interleaved
// clamped SwiGLU with a limit of 0.75, biases in both GEMMs) ...
func.func @fused_moe_swigluoai_small(%x: tensor<?x64xbf16>, %logits: tensor<?x8xbf16>,
    %w13: tensor<8x64x64xbf16>, %w2: tensor<8x64x32xbf16>, %b13: tensor<8x64xbf16>,
    %b2: tensor<8x64xbf16>, %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax renormalize
      activation = swigluoai gate_up_layout = interleaved clamp_limit = 0.75
      b13(%b13) b2(%b2) outs(%out)
      : (tensor<?x64xbf16>, tensor<?x8xbf16>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16>,
         tensor<8x64xbf16>, tensor<8x64xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// ... and a *_no_mul activation (w13 has I rows).
func.func @fused_moe_relu2_no_mul_small(%x: tensor<?x64xbf16>, %logits: tensor<?x8xbf16>,
    %w13: tensor<8x32x64xbf16>, %w2: tensor<8x64x32xbf16>,
    %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = sigmoid renormalize
      activation = relu2_no_mul outs(%out)
      : (tensor<?x64xbf16>, tensor<?x8xbf16>, tensor<8x32x64xbf16>, tensor<8x64x32xbf16>,
         tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
