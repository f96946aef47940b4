// The GEMM shapes of fake_autotune.py (not a test by itself).
func.func @gemm1_toy(%a: tensor<?x64xbf16>, %w: tensor<4x128x64xbf16>, %o: tensor<5xi32>,
                     %y: tensor<?x128xbf16>) -> tensor<?x128xbf16> {
  %0 = moe.grouped_matmul %a, %w, %o outs(%y)
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<5xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %0 : tensor<?x128xbf16>
}
func.func @gemm2_toy(%a: tensor<?x64xbf16>, %w: tensor<4x64x64xbf16>, %o: tensor<5xi32>,
                     %y: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %0 = moe.grouped_matmul %a, %w, %o outs(%y)
      : (tensor<?x64xbf16>, tensor<4x64x64xbf16>, tensor<5xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %0 : tensor<?x64xbf16>
}
