// Mixtral-8x7B MoE layer: E = 8, k = 2, H = 4096, I = 14336, softmax
// routing renormalized over the top 2. T (tokens) is dynamic; the result is
// written into %out.
func.func @mixtral_moe(%x: tensor<?x4096xbf16>, %logits: tensor<?x8xbf16>,
                       %w13: tensor<8x28672x4096xbf16>,
                       %w2: tensor<8x4096x14336xbf16>,
                       %out: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax renormalize
      outs(%out)
      : (tensor<?x4096xbf16>, tensor<?x8xbf16>, tensor<8x28672x4096xbf16>,
         tensor<8x4096x14336xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}
