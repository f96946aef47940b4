// Bagel Mixture-of-Transformers MLP block (its LLM is Qwen2.5-7B sized:
// hidden_size 3584, intermediate_size 18944, hidden_act silu): each token's
// type (0 text / understanding, 1 image / generation) picks its type's
// gate/up projection [2 * 18944, 3584], SiLU-and-mul and down projection
// [3584, 18944]. G = 2 token types; T (tokens) is dynamic; the result is
// written into %out.
func.func @bagel_mot_mlp(%x: tensor<?x3584xbf16>, %types: tensor<?xi32>,
                         %w13: tensor<2x37888x3584xbf16>,
                         %w2: tensor<2x3584x18944xbf16>,
                         %out: tensor<?x3584xbf16>) -> tensor<?x3584xbf16> {
  %y = moe.mot_mlp %x, %w13, %w2, %types outs(%out)
      : (tensor<?x3584xbf16>, tensor<2x37888x3584xbf16>,
         tensor<2x3584x18944xbf16>, tensor<?xi32>, tensor<?x3584xbf16>)
      -> tensor<?x3584xbf16>
  return %y : tensor<?x3584xbf16>
}
