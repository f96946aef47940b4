// DeepSeek-V3 MoE layer as the checkpoint ships it: fp8 e4m3 expert weights
// with f32 scales per 128 x 128 block (`weight_scale_inv`), activations
// quantized at run time per token in groups of 128 columns. 256 routed
// experts plus 1 fused shared expert, k = 8, H = 7168, I = 2048; routing as
// in ../deepseek-v3.mlir. w13 scales: [257, 4096/128, 7168/128]; w2 scales:
// [257, 7168/128, 2048/128].
//
// It verifies, decomposes (the activations of each GEMM go through
// moe.quantize) and compiles through the whole pipeline: its GEMMs take the
// tiled fp8 kernel (e4m3 wgmma, the block scales promoted per K block;
// warp-specialized from 4 rows per expert), test/examples-quantized.test.
func.func @deepseek_v3_fp8_moe(%x: tensor<?x7168xbf16>, %logits: tensor<?x256xf32>,
                               %bias: tensor<256xf32>,
                               %w13: tensor<257x4096x7168xf8E4M3FN>,
                               %w2: tensor<257x7168x2048xf8E4M3FN>,
                               %w13_scale: tensor<257x32x56xf32>,
                               %w2_scale: tensor<257x56x16xf32>,
                               %out: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1
      quant = fp8_block group_size = 128 w13_scale(%w13_scale) w2_scale(%w2_scale)
      outs(%out)
      : (tensor<?x7168xbf16>, tensor<?x256xf32>, tensor<257x4096x7168xf8E4M3FN>,
         tensor<257x7168x2048xf8E4M3FN>, tensor<256xf32>, tensor<257x32x56xf32>,
         tensor<257x56x16xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}
