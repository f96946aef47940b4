// Qwen3-30B-A3B MoE layer: E = 128, k = 8, H = 2048, I = 768, softmax
// routing renormalized over the top 8. T (tokens) is dynamic; the result is
// written into %out.
func.func @qwen3_moe(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
                     %w13: tensor<128x1536x2048xbf16>,
                     %w2: tensor<128x2048x768xbf16>,
                     %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x2048xbf16>,
         tensor<128x2048x768xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
