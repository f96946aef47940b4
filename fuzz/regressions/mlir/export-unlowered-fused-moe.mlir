// Found by moe-fuzz-mlir: moe-export-manifest wrote a fused_moe with
// clamp_limit (not lowered, not in the manifest format) that moe-runner
// then rejected; now an error at the op.

func.func @clamp_limit(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                       %w13: tensor<4x16x16xbf16>, %w2: tensor<4x16x8xbf16>,
                       %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      clamp_limit = 7.0 outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<4x16x16xbf16>,
         tensor<4x16x8xbf16>, tensor<2x16xbf16>) -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}

