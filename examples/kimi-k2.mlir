// Kimi-K2 MoE layer: 384 routed experts plus 1 fused shared expert, k = 8,
// H = 7168, I = 2048. Sigmoid scores with the correction bias, one group,
// renormalized and scaled by 2.827.
func.func @kimi_k2_moe(%x: tensor<?x7168xbf16>, %logits: tensor<?x384xf32>,
                       %bias: tensor<384xf32>,
                       %w13: tensor<385x4096x7168xbf16>,
                       %w2: tensor<385x7168x2048xbf16>,
                       %out: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      renormalize scaling_factor = 2.827 num_shared_experts = 1 outs(%out)
      : (tensor<?x7168xbf16>, tensor<?x384xf32>, tensor<385x4096x7168xbf16>,
         tensor<385x7168x2048xbf16>, tensor<384xf32>, tensor<?x7168xbf16>)
      -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}
