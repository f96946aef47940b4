func.func @f(%a: tensor<4x8xf32>) -> tensor<4x2xi32> {
  %w, %i = "moe.gate"(%a) : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return %i : tensor<4x2xi32>
}
