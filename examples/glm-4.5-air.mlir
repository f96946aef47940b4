// GLM-4.5-Air MoE layer: 128 routed experts plus 1 shared expert of the same
// size (fused as the last slice of w13/w2), k = 8, H = 4096, I = 1408.
// Sigmoid scores with the correction bias (e_score_correction_bias), one
// expert group (n_group = topk_group = 1: no group selection),
// renormalized (norm_topk_prob), routed_scaling_factor 1.0; silu-and-mul
// experts. T (tokens) is dynamic; the result is written into %out.
func.func @glm_4_5_air_moe(%x: tensor<?x4096xbf16>, %logits: tensor<?x128xf32>,
                           %bias: tensor<128xf32>,
                           %w13: tensor<129x2816x4096xbf16>,
                           %w2: tensor<129x4096x1408xbf16>,
                           %out: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      renormalize num_shared_experts = 1 outs(%out)
      : (tensor<?x4096xbf16>, tensor<?x128xf32>, tensor<129x2816x4096xbf16>,
         tensor<129x4096x1408xbf16>, tensor<128xf32>, tensor<?x4096xbf16>)
      -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}
