// RUN: moe-opt %s --moe-decompose-fused-moe -split-input-file -verify-diagnostics

// permute needs the expert count as an attribute: with it dynamic in both
// the logits and the weights, the pass reports the op instead of guessing.
func.func @dynamic_experts(%x: tensor<2x16xf32>, %logits: tensor<2x?xf32>,
                           %w13: tensor<?x16x16xf32>, %w2: tensor<?x16x8xf32>,
                           %out: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{could not be decomposed: only the tensor form with a static number of experts (in logits or w13; in w13 with an expert_map) is expanded}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid outs(%out)
      : (tensor<2x16xf32>, tensor<2x?xf32>, tensor<?x16x16xf32>, tensor<?x16x8xf32>,
         tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// The buffer form is not expanded (it would need allocations).
func.func @buffers(%x: memref<2x16xf32>, %logits: memref<2x4xf32>,
                   %w13: memref<4x16x16xf32>, %w2: memref<4x16x8xf32>,
                   %out: memref<2x16xf32>) {
  // expected-error @+1 {{could not be decomposed: only the tensor form}}
  moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid outs(%out)
      : (memref<2x16xf32>, memref<2x4xf32>, memref<4x16x16xf32>, memref<4x16x8xf32>,
         memref<2x16xf32>) -> ()
  return
}

// -----

// With an expert map, w13's dim 0 is the number of local experts, which
// the permutation needs statically: the logits' width (all experts) is no
// substitute.
func.func @expert_map_dynamic_local_experts(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                      %w13: tensor<?x16x16xbf16>, %w2: tensor<?x16x8xbf16>,
                      %map: tensor<4xi32>,
                      %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  // expected-error @+1 {{could not be decomposed: only the tensor form with a static number of experts (in logits or w13; in w13 with an expert_map) is expanded}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      expert_map(%map) outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<?x16x16xbf16>,
         tensor<?x16x8xbf16>, tensor<4xi32>, tensor<2x16xbf16>)
      -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}
