// RUN: moe-opt %s --moe-to-nvvm="chip=sm_90a format=isa" -split-input-file -verify-diagnostics

// The whole pipeline rejects the fused_moe forms it has no kernels for yet
// (expert_map) with an error at the op (from moe-decompose-fused-moe, its
// first pass), never a crash or a layer that reads every expert.

func.func @expert_map(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                      %w13: tensor<2x16x16xbf16>, %w2: tensor<2x16x8xbf16>,
                      %map: tensor<4xi32>,
                      %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  // expected-error @+1 {{expert_map is not lowered yet}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      expert_map(%map) outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<2x16x16xbf16>,
         tensor<2x16x8xbf16>, tensor<4xi32>, tensor<2x16xbf16>)
      -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}
