func.func @layer(%x: tensor<32x2048xbf16>, %logits: tensor<32x128xbf16>,
                 %w13: tensor<128x1536x2048xbf16>,
                 %w2: tensor<128x2048x768xbf16>,
                 %out: tensor<32x2048xbf16>) -> tensor<32x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      outs(%out)
      : (tensor<32x2048xbf16>, tensor<32x128xbf16>, tensor<128x1536x2048xbf16>,
         tensor<128x2048x768xbf16>, tensor<32x2048xbf16>) -> tensor<32x2048xbf16>
  return %y : tensor<32x2048xbf16>
}
