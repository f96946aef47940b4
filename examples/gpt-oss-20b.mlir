// gpt-oss-20b MoE layer: E = 32, k = 4, H = 2880, I = 2880. Routing is a
// softmax over the top-4 logits (softmax + renormalize, docs/Semantics.md);
// the experts take a clamped SwiGLU (swigluoai: alpha 1.702, limit 7.0) on
// interleaved gate/up rows (the checkpoint's gate_up_proj) and add a bias
// in both GEMMs. T (tokens) is dynamic; the result is written into %out.
func.func @gpt_oss_20b_moe(%x: tensor<?x2880xbf16>, %logits: tensor<?x32xbf16>,
                           %w13: tensor<32x5760x2880xbf16>,
                           %w2: tensor<32x2880x2880xbf16>,
                           %b13: tensor<32x5760xbf16>, %b2: tensor<32x2880xbf16>,
                           %out: tensor<?x2880xbf16>) -> tensor<?x2880xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 4 scoring = softmax renormalize
      activation = swigluoai gate_up_layout = interleaved clamp_limit = 7.0
      swiglu_alpha = 1.702 b13(%b13) b2(%b2) outs(%out)
      : (tensor<?x2880xbf16>, tensor<?x32xbf16>, tensor<32x5760x2880xbf16>,
         tensor<32x2880x2880xbf16>, tensor<32x5760xbf16>, tensor<32x2880xbf16>,
         tensor<?x2880xbf16>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}
