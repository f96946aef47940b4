// moe.gate in generic form without its routing attributes (the operand
// segment sizes of its two optional operands, bias and shared_logits, given).
func.func @f(%a: tensor<4x8xf32>, %w0: tensor<4x2xf32>, %i0: tensor<4x2xi32>) -> tensor<4x2xi32> {
  %w, %i = "moe.gate"(%a, %w0, %i0) <{operandSegmentSizes = array<i32: 1, 0, 0, 1, 1>}> : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return %i : tensor<4x2xi32>
}
