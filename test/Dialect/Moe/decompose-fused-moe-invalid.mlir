// RUN: moe-opt %s --moe-decompose-fused-moe -verify-diagnostics

// permute needs the expert count as an attribute: with it dynamic in both
// the logits and the weights, the pass reports the op instead of guessing.
func.func @dynamic_experts(%x: tensor<2x16xf32>, %logits: tensor<2x?xf32>,
                           %w13: tensor<?x16x16xf32>, %w2: tensor<?x16x8xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{could not be decomposed: the number of experts is dynamic in both logits and w13}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid
      : (tensor<2x16xf32>, tensor<2x?xf32>, tensor<?x16x16xf32>, tensor<?x16x8xf32>)
      -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}
