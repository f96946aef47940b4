// RUN: moe-opt %s --moe-export-manifest -o /dev/null | FileCheck %s

// CHECK: moe-manifest 1
// CHECK-NEXT: function norm
// CHECK-NEXT: arg 0 bf16 ?x4096
// CHECK-NEXT: arg 1 bf16 4096
// CHECK-NEXT: arg 2 bf16 ?x4096
// CHECK-NEXT: result 0 bf16 ?x4096 out=2
// CHECK-NEXT: op rms_norm x=0 weight=1 out=2 epsilon=9.99999997e-07
// CHECK-NEXT: end
func.func @norm(%x: tensor<?x4096xbf16>, %w: tensor<4096xbf16>, %o: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%o)
      : (tensor<?x4096xbf16>, tensor<4096xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// Private functions are not entry points.
// CHECK-NOT: function helper
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
