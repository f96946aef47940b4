// DeepSeek-V3 MoE layer: 256 routed experts plus 1 fused shared expert
// (the last slice of w13/w2), k = 8, H = 7168, I = 2048. Sigmoid scores with
// the correction bias, 8 groups of which the best 4 by top-2 sum are eligible,
// renormalized and scaled by 2.5.
func.func @deepseek_v3_moe(%x: tensor<?x7168xbf16>, %logits: tensor<?x256xf32>,
                           %bias: tensor<256xf32>,
                           %w13: tensor<257x4096x7168xbf16>,
                           %w2: tensor<257x7168x2048xbf16>,
                           %out: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1 outs(%out)
      : (tensor<?x7168xbf16>, tensor<?x256xf32>, tensor<257x4096x7168xbf16>,
         tensor<257x7168x2048xbf16>, tensor<256xf32>, tensor<?x7168xbf16>)
      -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}
