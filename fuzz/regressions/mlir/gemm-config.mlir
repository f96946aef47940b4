func.func @gemm(%a: tensor<?x64xbf16>, %w: tensor<4x128x64xbf16>, %o: tensor<5xi32>,
                %y: tensor<?x128xbf16>) -> (tensor<?x128xbf16>, tensor<?x128xbf16>) {
  %0 = moe.grouped_matmul %a, %w, %o outs(%y)
      {moe.config = #moe.gemm_config<tile_m = 64, tile_n = 64, stages = 8, warpgroups = 1, ctas = 1>}
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<5xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  %1 = moe.grouped_matmul %a, %w, %o outs(%y)
      {moe.config = #moe.gemm_config<kernel = simple, split_k = 3, simple_threads = 32>}
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<5xi32>, tensor<?x128xbf16>) -> tensor<?x128xbf16>
  return %0, %1 : tensor<?x128xbf16>, tensor<?x128xbf16>
}
