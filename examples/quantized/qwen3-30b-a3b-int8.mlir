// Qwen3-30B-A3B MoE layer with int8 weight-only experts (w8a16): 128
// experts, k = 8, H = 2048, I = 768. One signed byte a weight, w13
// [128, 1536, 2048] and w2 [128, 2048, 768] i8, one scale per output row
// (per channel): [E, N] bf16. The activations stay bf16.
//
// It verifies, decomposes and compiles through the whole pipeline: both
// expert GEMMs take the stream kernel, which dequantizes each weight
// (q * scale, rounded to bf16) in registers after 16-byte loads, with the
// simple kernel as its fallback (test/examples-quantized.test,
// test/Pipelines/weight-only-ptxas.mlir).
func.func @qwen3_int8_moe(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
                          %w13: tensor<128x1536x2048xi8>,
                          %w2: tensor<128x2048x768xi8>,
                          %w13_scale: tensor<128x1536xbf16>,
                          %w2_scale: tensor<128x2048xbf16>,
                          %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      quant = w8a16 w13_scale(%w13_scale) w2_scale(%w2_scale) outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x2048xi8>,
         tensor<128x2048x768xi8>, tensor<128x1536xbf16>,
         tensor<128x2048xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
