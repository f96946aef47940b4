// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/bad-configs.txt" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not moe-opt %s --moe-select-configs="table=%S/Inputs/no-such-file.txt" 2>&1 | FileCheck %s --check-prefix=MISSING
// BAD: bad-configs.txt:1: expected <key>=<integer>, got 'threads=lots'
// MISSING: cannot read the config table '{{.*}}no-such-file.txt'
func.func @f(%x: tensor<4x16xf32>, %o: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %h = moe.silu_and_mul %x outs(%o) : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %h : tensor<4x8xf32>
}
