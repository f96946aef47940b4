// Bagel Mixture-of-Transformers attention input: per-token-type RMSNorm
// (text vs image weights, fused residual add) then the per-type QKV
// projection, H = 3584, QKV out = 4608, G = 2 token types. Results are
// written into the out arguments %qkv_out and %sum_out (the residual sum for
// the next layer); the normed activations stay in a temporary.
func.func @bagel_mot_qkv(%x: tensor<?x3584xbf16>, %residual: tensor<?x3584xbf16>,
                         %types: tensor<?xi32>, %norm_w: tensor<2x3584xbf16>,
                         %w_qkv: tensor<2x4608x3584xbf16>,
                         %b_qkv: tensor<2x4608xbf16>,
                         %qkv_out: tensor<?x4608xbf16>,
                         %sum_out: tensor<?x3584xbf16>)
    -> (tensor<?x4608xbf16>, tensor<?x3584xbf16>) {
  %c0 = arith.constant 0 : index
  %T = tensor.dim %x, %c0 : tensor<?x3584xbf16>
  %normed = tensor.empty(%T) : tensor<?x3584xbf16>
  %h, %sum = moe.rms_norm %x, %norm_w type_ids(%types) residual(%residual)
      epsilon = 1.0e-06 outs(%normed, %sum_out)
      : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>,
         tensor<?x3584xbf16>, tensor<?x3584xbf16>, tensor<?x3584xbf16>)
      -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
  %qkv = moe.mot_linear %h, %w_qkv, %types bias(%b_qkv) outs(%qkv_out)
      : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>,
         tensor<2x4608xbf16>, tensor<?x4608xbf16>) -> tensor<?x4608xbf16>
  return %qkv, %sum : tensor<?x4608xbf16>, tensor<?x3584xbf16>
}
