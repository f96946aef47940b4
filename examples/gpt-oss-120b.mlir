// gpt-oss-120b MoE layer: E = 128, k = 4, H = 2880, I = 2880; the layer
// form of gpt-oss-20b (examples/gpt-oss-20b.mlir) with four times the
// experts: top-4 logits then a softmax over them (softmax + renormalize),
// the clamped SwiGLU (swigluoai: alpha 1.702, limit 7.0) on interleaved
// gate/up rows, a bias in both GEMMs. T (tokens) is dynamic; the result is
// written into %out.
func.func @gpt_oss_120b_moe(%x: tensor<?x2880xbf16>, %logits: tensor<?x128xbf16>,
                            %w13: tensor<128x5760x2880xbf16>,
                            %w2: tensor<128x2880x2880xbf16>,
                            %b13: tensor<128x5760xbf16>, %b2: tensor<128x2880xbf16>,
                            %out: tensor<?x2880xbf16>) -> tensor<?x2880xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 4 scoring = softmax renormalize
      activation = swigluoai gate_up_layout = interleaved clamp_limit = 7.0
      swiglu_alpha = 1.702 b13(%b13) b2(%b2) outs(%out)
      : (tensor<?x2880xbf16>, tensor<?x128xbf16>, tensor<128x5760x2880xbf16>,
         tensor<128x2880x2880xbf16>, tensor<128x5760xbf16>, tensor<128x2880xbf16>,
         tensor<?x2880xbf16>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}
