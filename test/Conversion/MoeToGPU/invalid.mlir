// RUN: moe-opt %s --convert-moe-to-gpu -split-input-file -verify-diagnostics

func.func @tensor_form(%x: tensor<4x16xf32>, %o: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{must be bufferized before convert-moe-to-gpu}}
  %h = moe.silu_and_mul %x outs(%o) : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %h : tensor<4x8xf32>
}
