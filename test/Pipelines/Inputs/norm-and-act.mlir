// Bagel-style per-type RMSNorm with residual, and a SwiGLU activation.
func.func @norm(%x: tensor<?x3584xbf16>, %residual: tensor<?x3584xbf16>,
                %types: tensor<?xi32>, %w: tensor<2x3584xbf16>,
                %o: tensor<?x3584xbf16>, %ro: tensor<?x3584xbf16>)
    -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>) {
  %h, %sum = moe.rms_norm %x, %w type_ids(%types) residual(%residual)
      epsilon = 1.0e-06 outs(%o, %ro)
      : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>,
         tensor<?x3584xbf16>, tensor<?x3584xbf16>, tensor<?x3584xbf16>)
      -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
  return %h, %sum : tensor<?x3584xbf16>, tensor<?x3584xbf16>
}

func.func @silu(%x: tensor<?x1536xbf16>, %o: tensor<?x768xbf16>) -> tensor<?x768xbf16> {
  %h = moe.silu_and_mul %x outs(%o) : (tensor<?x1536xbf16>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// A temporary: the intermediate of two chained ops lives in GPU memory.
func.func @norm_then_act(%x: tensor<?x1536xf32>, %w: tensor<1536xf32>,
                         %o: tensor<?x768xf32>) -> tensor<?x768xf32> {
  %c0 = arith.constant 0 : index
  %t = tensor.dim %x, %c0 : tensor<?x1536xf32>
  %tmp = tensor.empty(%t) : tensor<?x1536xf32>
  %n = moe.rms_norm %x, %w epsilon = 1.0e-05 outs(%tmp)
      : (tensor<?x1536xf32>, tensor<1536xf32>, tensor<?x1536xf32>) -> tensor<?x1536xf32>
  %h = moe.silu_and_mul %n outs(%o) : (tensor<?x1536xf32>, tensor<?x768xf32>) -> tensor<?x768xf32>
  return %h : tensor<?x768xf32>
}
