// RUN: moe-opt %s --moe-decompose-mot-linear -split-input-file -verify-diagnostics

// mot_mlp has no kernel of its own: one the pass cannot expand (here a
// dynamic number of token types, which permute needs as an attribute) is
// an error, not left for the GPU lowering to reject.
func.func @mot_mlp_dynamic_types(%x: tensor<4x8xbf16>, %w13: tensor<?x12x8xbf16>,
                                 %w2: tensor<?x8x6xbf16>, %types: tensor<4xi32>,
                                 %out: tensor<4x8xbf16>) -> tensor<4x8xbf16> {
  // expected-error @+1 {{could not be decomposed: only the tensor form with a static number of token types (w13 dim 0) is expanded}}
  %y = moe.mot_mlp %x, %w13, %w2, %types outs(%out)
      : (tensor<4x8xbf16>, tensor<?x12x8xbf16>, tensor<?x8x6xbf16>, tensor<4xi32>,
         tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return %y : tensor<4x8xbf16>
}
