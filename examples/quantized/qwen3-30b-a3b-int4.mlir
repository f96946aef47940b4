// Qwen3-30B-A3B MoE layer with int4 weight-only experts (w4a16), groups of
// 128 columns: 128 experts, k = 8, H = 2048, I = 768. Two int4 values a byte
// along K: w13 [128, 1536, 2048/2], w2 [128, 2048, 768/2] i8; scales (and
// zero points) [E, N, K/128].
//
// Both forms: AWQ-like with zero points (@qwen3_int4_awq_moe) and GPTQ-like
// symmetric (@qwen3_int4_gptq_moe, zero point 8). They verify, decompose and
// compile through the whole pipeline: both expert GEMMs take the stream
// kernel (moe-select-configs' default for the weight-only schemes), which
// streams the packed weights in 16-byte loads and dequantizes them in
// registers ((q - zero) * scale, rounded to bf16, two at a time with these
// bf16 scales), with the simple kernel as its fallback; a tensor-core
// (swap-AB) kernel for larger T is future work (test/examples-quantized.test,
// test/Pipelines/weight-only-ptxas.mlir).
func.func @qwen3_int4_awq_moe(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
                              %w13: tensor<128x1536x1024xi8>,
                              %w2: tensor<128x2048x384xi8>,
                              %w13_scale: tensor<128x1536x16xbf16>,
                              %w2_scale: tensor<128x2048x6xbf16>,
                              %w13_zero: tensor<128x1536x16xi8>,
                              %w2_zero: tensor<128x2048x6xi8>,
                              %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      quant = w4a16_zp group_size = 128 w13_scale(%w13_scale) w2_scale(%w2_scale)
      w13_zero(%w13_zero) w2_zero(%w2_zero) outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x1024xi8>,
         tensor<128x2048x384xi8>, tensor<128x1536x16xbf16>,
         tensor<128x2048x6xbf16>, tensor<128x1536x16xi8>,
         tensor<128x2048x6xi8>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

func.func @qwen3_int4_gptq_moe(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
                               %w13: tensor<128x1536x1024xi8>,
                               %w2: tensor<128x2048x384xi8>,
                               %w13_scale: tensor<128x1536x16xbf16>,
                               %w2_scale: tensor<128x2048x6xbf16>,
                               %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      quant = w4a16 group_size = 128 w13_scale(%w13_scale) w2_scale(%w2_scale)
      outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x1024xi8>,
         tensor<128x2048x384xi8>, tensor<128x1536x16xbf16>,
         tensor<128x2048x6xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
