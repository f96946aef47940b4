func.func @act(%x: tensor<4x16xf32>, %o: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = moe.silu_and_mul %x outs(%o) {moe.config = {threads = -64 : i64}}
      : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
