// GPU suite: weight-only quantized expert GEMMs and layers (issue 11):
// w4a16 (int4, zero point 8), w4a16_zp (int4 with i8 zero points) and
// w8a16 (int8 per output channel), all on the simple kernel (the tiled one
// does not take integer weights). Qwen3-30B-A3B's expert GEMMs at the full
// 128 experts in each scheme; edge shapes: K not a multiple of the group
// (K = 200 with groups of 64, K = 336 with groups of 128), N not a multiple
// of 128 and odd (N = 72, 80, 150, 300), f16 activations with f16, f32 or
// bf16 scales, bias, row scale, interleaved gate/up rows, gathered A; and
// small fused_moe layers in each scheme. moe-runner draws random packed
// weights with an all-max and an all-min row, zero points in [0, 15] with
// 0 and 15 at the first rows' groups, positive scales, and checks against
// the reference library (relative error <= 1e-2).
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gpu-suite.sh and run-gemm-suite.sh (run_weight_only_gemms,
// test/GPU/common.sh); here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null

// Qwen3-30B-A3B's gate/up GEMM, AWQ-like (zero points), groups of 128.
func.func @gemm1_qwen3_w4a16_zp(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x1024xi8>,
    %off: tensor<129xi32>, %s: tensor<128x1536x16xbf16>, %z: tensor<128x1536x16xi8>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul quant = w4a16_zp group_size = 128
      w_scale(%s) w_zero(%z) outs(%out)
      : (tensor<?x2048xbf16>, tensor<128x1536x1024xi8>, tensor<129xi32>, tensor<128x1536x16xbf16>,
         tensor<128x1536x16xi8>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// Qwen3-30B-A3B's down GEMM, GPTQ-like (symmetric), with the routing
// weights as the row scale: K = I = 768, six groups of 128.
func.func @gemm2_qwen3_w4a16(%h: tensor<?x768xbf16>, %w2: tensor<128x2048x384xi8>,
    %off: tensor<129xi32>, %scale: tensor<?xf32>, %s: tensor<128x2048x6xbf16>,
    %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %off scale(%scale) quant = w4a16 group_size = 128
      w_scale(%s) outs(%out)
      : (tensor<?x768xbf16>, tensor<128x2048x384xi8>, tensor<129xi32>, tensor<?xf32>,
         tensor<128x2048x6xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// Qwen3-30B-A3B's gate/up GEMM with int8 weights, one scale per row.
func.func @gemm1_qwen3_w8a16(%a: tensor<?x2048xbf16>, %w13: tensor<128x1536x2048xi8>,
    %off: tensor<129xi32>, %s: tensor<128x1536xbf16>,
    %out: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.grouped_matmul %a, %w13, %off epilogue = silu_and_mul quant = w8a16
      w_scale(%s) outs(%out)
      : (tensor<?x2048xbf16>, tensor<128x1536x2048xi8>, tensor<129xi32>, tensor<128x1536xbf16>,
         tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// K = 200 in groups of 64 (the last group has 8 columns), N = 72 gated
// (36 output columns), f32 scales.
func.func @gemm_w4a16_k200_n72_gated(%a: tensor<?x200xbf16>, %w: tensor<4x72x100xi8>,
    %off: tensor<5xi32>, %s: tensor<4x72x4xf32>, %out: tensor<?x36xbf16>) -> tensor<?x36xbf16> {
  %h = moe.grouped_matmul %a, %w, %off epilogue = silu_and_mul quant = w4a16 group_size = 64
      w_scale(%s) outs(%out)
      : (tensor<?x200xbf16>, tensor<4x72x100xi8>, tensor<5xi32>, tensor<4x72x4xf32>,
         tensor<?x36xbf16>) -> tensor<?x36xbf16>
  return %h : tensor<?x36xbf16>
}

// K = 336 in groups of 128 (the last has 80), N = 80, f16 activations and
// scales, a bias, f16 output.
func.func @gemm_w4a16_zp_k336_n80_bias_f16(%a: tensor<?x336xf16>, %w: tensor<4x80x168xi8>,
    %off: tensor<5xi32>, %bias: tensor<4x80xf32>, %s: tensor<4x80x3xf16>, %z: tensor<4x80x3xi8>,
    %out: tensor<?x80xf16>) -> tensor<?x80xf16> {
  %y = moe.grouped_matmul %a, %w, %off bias(%bias) quant = w4a16_zp group_size = 128
      w_scale(%s) w_zero(%z) outs(%out)
      : (tensor<?x336xf16>, tensor<4x80x168xi8>, tensor<5xi32>, tensor<4x80xf32>,
         tensor<4x80x3xf16>, tensor<4x80x3xi8>, tensor<?x80xf16>) -> tensor<?x80xf16>
  return %y : tensor<?x80xf16>
}

// 300 interleaved gate/up rows (clamped SwiGLU), groups of 32, a row scale.
func.func @gemm_w4a16_zp_k96_n300_interleaved(%a: tensor<?x96xbf16>, %w: tensor<8x300x48xi8>,
    %off: tensor<9xi32>, %scale: tensor<?xf32>, %s: tensor<8x300x3xbf16>, %z: tensor<8x300x3xi8>,
    %out: tensor<?x150xbf16>) -> tensor<?x150xbf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%scale) epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 7.0 quant = w4a16_zp group_size = 32
      w_scale(%s) w_zero(%z) outs(%out)
      : (tensor<?x96xbf16>, tensor<8x300x48xi8>, tensor<9xi32>, tensor<?xf32>,
         tensor<8x300x3xbf16>, tensor<8x300x3xi8>, tensor<?x150xbf16>) -> tensor<?x150xbf16>
  return %y : tensor<?x150xbf16>
}

// Gathered A (2 slots per token), w4a16 with groups of 64 (K = 256).
func.func @gemm_w4a16_gathered_k256(%x: tensor<?x256xbf16>, %rows: tensor<?xi32>,
    %w: tensor<8x128x128xi8>, %off: tensor<9xi32>, %s: tensor<8x128x4xbf16>,
    %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %h = moe.grouped_matmul %x[%rows], %w, %off epilogue = silu_and_mul quant = w4a16 group_size = 64
      w_scale(%s) outs(%out) {index_divisor = 2 : i64}
      : (tensor<?x256xbf16>, tensor<?xi32>, tensor<8x128x128xi8>, tensor<9xi32>,
         tensor<8x128x4xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %h : tensor<?x64xbf16>
}

// int8, K = 200, odd N = 150, f16 activations, f32 output, a bias.
func.func @gemm_w8a16_k200_n150_f16(%a: tensor<?x200xf16>, %w: tensor<4x150x200xi8>,
    %off: tensor<5xi32>, %bias: tensor<4x150xf16>, %s: tensor<4x150xf32>,
    %out: tensor<?x150xf32>) -> tensor<?x150xf32> {
  %y = moe.grouped_matmul %a, %w, %off bias(%bias) quant = w8a16 w_scale(%s) outs(%out)
      : (tensor<?x200xf16>, tensor<4x150x200xi8>, tensor<5xi32>, tensor<4x150xf16>,
         tensor<4x150xf32>, tensor<?x150xf32>) -> tensor<?x150xf32>
  return %y : tensor<?x150xf32>
}

// int8, K = 48, gated gelu, a row scale.
func.func @gemm_w8a16_k48_n72_gelu(%a: tensor<?x48xbf16>, %w: tensor<8x72x48xi8>,
    %off: tensor<9xi32>, %scale: tensor<?xf32>, %s: tensor<8x72xbf16>,
    %out: tensor<?x36xbf16>) -> tensor<?x36xbf16> {
  %y = moe.grouped_matmul %a, %w, %off scale(%scale) epilogue = gelu_and_mul quant = w8a16
      w_scale(%s) outs(%out)
      : (tensor<?x48xbf16>, tensor<8x72x48xi8>, tensor<9xi32>, tensor<?xf32>,
         tensor<8x72xbf16>, tensor<?x36xbf16>) -> tensor<?x36xbf16>
  return %y : tensor<?x36xbf16>
}

// Whole small layers, one per scheme (H = 200: w13's K not a multiple of
// the group; I = 96).
func.func @fused_moe_w4a16_small(%x: tensor<?x200xbf16>, %logits: tensor<?x8xbf16>,
    %w13: tensor<8x192x100xi8>, %w2: tensor<8x200x48xi8>,
    %s13: tensor<8x192x4xbf16>, %s2: tensor<8x200x2xbf16>,
    %out: tensor<?x200xbf16>) -> tensor<?x200xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax renormalize
      quant = w4a16 group_size = 64 w13_scale(%s13) w2_scale(%s2) outs(%out)
      : (tensor<?x200xbf16>, tensor<?x8xbf16>, tensor<8x192x100xi8>, tensor<8x200x48xi8>,
         tensor<8x192x4xbf16>, tensor<8x200x2xbf16>, tensor<?x200xbf16>) -> tensor<?x200xbf16>
  return %y : tensor<?x200xbf16>
}

func.func @fused_moe_w4a16_zp_small(%x: tensor<?x200xbf16>, %logits: tensor<?x8xbf16>,
    %w13: tensor<8x192x100xi8>, %w2: tensor<8x200x48xi8>,
    %s13: tensor<8x192x2xbf16>, %s2: tensor<8x200x1xbf16>,
    %z13: tensor<8x192x2xi8>, %z2: tensor<8x200x1xi8>,
    %out: tensor<?x200xbf16>) -> tensor<?x200xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax renormalize
      quant = w4a16_zp group_size = 128 w13_scale(%s13) w2_scale(%s2)
      w13_zero(%z13) w2_zero(%z2) outs(%out)
      : (tensor<?x200xbf16>, tensor<?x8xbf16>, tensor<8x192x100xi8>, tensor<8x200x48xi8>,
         tensor<8x192x2xbf16>, tensor<8x200x1xbf16>, tensor<8x192x2xi8>,
         tensor<8x200x1xi8>, tensor<?x200xbf16>) -> tensor<?x200xbf16>
  return %y : tensor<?x200xbf16>
}

func.func @fused_moe_w8a16_small(%x: tensor<?x200xf16>, %logits: tensor<?x8xf32>,
    %w13: tensor<8x192x200xi8>, %w2: tensor<8x200x96xi8>,
    %s13: tensor<8x192xf16>, %s2: tensor<8x200xf16>,
    %out: tensor<?x200xf16>) -> tensor<?x200xf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax renormalize
      quant = w8a16 w13_scale(%s13) w2_scale(%s2) outs(%out)
      : (tensor<?x200xf16>, tensor<?x8xf32>, tensor<8x192x200xi8>, tensor<8x200x96xi8>,
         tensor<8x192xf16>, tensor<8x200xf16>, tensor<?x200xf16>) -> tensor<?x200xf16>
  return %y : tensor<?x200xf16>
}
