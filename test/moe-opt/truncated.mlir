// A module cut off mid-op, and one cut off before its closing brace: a parse
// diagnostic and a non-zero exit, no crash.
// RUN: head -n 13 %s > %t.mid-op.mlir
// RUN: not moe-opt %t.mid-op.mlir 2>&1 | FileCheck %s --check-prefix=MIDOP
// RUN: not moe-opt %t.mid-op.mlir --moe-decompose-fused-moe 2>&1 | FileCheck %s --check-prefix=MIDOP
// RUN: head -n 15 %s > %t.no-brace.mlir
// RUN: not moe-opt %t.no-brace.mlir 2>&1 | FileCheck %s --check-prefix=BRACE
// MIDOP: mid-op.mlir:{{[0-9]+}}:{{[0-9]+}}: error: custom op 'moe.gate' expected 'outs'
// MIDOP-NOT: Stack dump
// BRACE: no-brace.mlir:{{[0-9]+}}:{{[0-9]+}}: error: expected
// BRACE-NOT: Stack dump
func.func @cut(%logits: tensor<4x8xf32>, %w0: tensor<4x2xf32>, %i0: tensor<4x2xi32>) -> (tensor<4x2xf32>, tensor<4x2xi32>) {
  %w, %ids = moe.gate %logits k = 2 scoring = softmax
      outs(%w0, %i0) : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return %w, %ids : tensor<4x2xf32>, tensor<4x2xi32>
}
