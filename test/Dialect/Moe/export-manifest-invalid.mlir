// RUN: rm -f %t.manifest
// RUN: moe-opt %s --moe-export-manifest="path=%t.manifest" -split-input-file -verify-diagnostics
// RUN: not moe-opt %s --moe-export-manifest="path=%t.manifest" -split-input-file 2>&1 | FileCheck %s
// RUN: not test -e %t.manifest

// Entry points the manifest cannot describe: each is an error at the
// function, the command fails and no manifest is left behind.

// CHECK: export-manifest-invalid.mlir:[[@LINE+2]]:{{[0-9]+}}: error: entry point 'scalar_result': result 0 has type 'f32'
// expected-error @+1 {{entry point 'scalar_result': result 0 has type 'f32', which the runner cannot pass: entry points take and return ranked tensors or memrefs}}
func.func @scalar_result(%x: tensor<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = tensor.extract %x[%c0] : tensor<4xf32>
  return %v : f32
}

// -----

// CHECK: export-manifest-invalid.mlir:[[@LINE+2]]:{{[0-9]+}}: error: entry point 'unranked_arg': argument 0 has type 'tensor<*xf32>'
// expected-error @+1 {{entry point 'unranked_arg': argument 0 has type 'tensor<*xf32>', which the runner cannot pass}}
func.func @unranked_arg(%x: tensor<*xf32>, %o: tensor<4xf32>) -> tensor<4xf32> {
  return %o : tensor<4xf32>
}

// -----

// expected-error @+1 {{entry point 'unranked_memref': argument 1 has type 'memref<*xbf16>'}}
func.func @unranked_memref(%x: memref<4xbf16>, %y: memref<*xbf16>) {
  return
}

// -----

// expected-error @+1 {{entry point 'unranked_result': result 0 has type 'tensor<*xf32>'}}
func.func @unranked_result(%x: tensor<4xf32>) -> tensor<*xf32> {
  %c = tensor.cast %x : tensor<4xf32> to tensor<*xf32>
  return %c : tensor<*xf32>
}

// -----

// expected-error @+1 {{entry point 'index_arg': argument 0 has type 'index'}}
func.func @index_arg(%n: index, %o: tensor<4xf32>) -> tensor<4xf32> {
  return %o : tensor<4xf32>
}

// -----

// expected-error @+1 {{entry point 'f64_arg': argument 0 has element type 'f64', which the runner cannot pass (f32, bf16, f16, i32, f8E4M3FN or i8)}}
func.func @f64_arg(%x: tensor<4xf64>) {
  return
}

// -----

// CHECK: export-manifest-invalid.mlir:[[@LINE+2]]:{{[0-9]+}}: error: entry point 'branch' has 2 blocks
// expected-error @+1 {{entry point 'branch' has 2 blocks: an entry point is one block ending in func.return}}
func.func @branch(%x: tensor<4xf32>) -> tensor<4xf32> {
  cf.br ^bb1
^bb1:
  return %x : tensor<4xf32>
}

// -----

// The last block ends in cf.br (back to a block that returns): not one block.
// expected-error @+1 {{entry point 'last_block_branches' has 3 blocks}}
func.func @last_block_branches(%x: tensor<4xf32>) -> tensor<4xf32> {
  cf.br ^bb2
^bb1:
  return %x : tensor<4xf32>
^bb2:
  cf.br ^bb1
}

// -----

// expected-error @+1 {{entry point 'no_return' does not end in func.return}}
func.func @no_return(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-note @+1 {{it ends in 'llvm.unreachable'}}
  llvm.unreachable
}

// -----

// A public function after a valid one still fails the whole manifest.
func.func @fine(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
// expected-error @+1 {{entry point 'after_fine': result 0 has type 'i32'}}
func.func @after_fine(%x: tensor<4xi32>) -> i32 {
  %c0 = arith.constant 0 : index
  %v = tensor.extract %x[%c0] : tensor<4xi32>
  return %v : i32
}
