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

// slot_rows: an out of the permutation (written into argument 4) and an
// input of combine, each named as the runner reads them.
// CHECK: function permute_slots
// CHECK: result 2 i32 ? out=4
// CHECK-NEXT: op permute_indices ids=0 expert_map=1 src_index=2 offsets=3 slot_rows=4 num_experts=8
// CHECK-NEXT: end
func.func @permute_slots(%ids: tensor<?x2xi32>, %map: tensor<16xi32>, %src: tensor<?xi32>,
    %off: tensor<9xi32>, %slots: tensor<?xi32>) -> (tensor<?xi32>, tensor<9xi32>, tensor<?xi32>) {
  %s, %o, %p = moe.permute_indices %ids expert_map(%map) num_experts = 8 outs(%src, %off)
      slot_rows_outs(%slots)
      : (tensor<?x2xi32>, tensor<16xi32>, tensor<?xi32>, tensor<9xi32>, tensor<?xi32>)
      -> (tensor<?xi32>, tensor<9xi32>, tensor<?xi32>)
  return %s, %o, %p : tensor<?xi32>, tensor<9xi32>, tensor<?xi32>
}

// CHECK: function combine_slots
// CHECK: op combine y=0 src_index=1 slot_rows=2 weights=3 out=4 k=2
// CHECK-NEXT: end
func.func @combine_slots(%y: tensor<?x64xbf16>, %src: tensor<?xi32>, %slots: tensor<?xi32>,
    %w: tensor<?x2xf32>, %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %o = moe.combine %y, %src slot_rows(%slots) weights(%w) k = 2 outs(%out)
      : (tensor<?x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x2xf32>, tensor<?x64xbf16>)
      -> tensor<?x64xbf16>
  return %o : tensor<?x64xbf16>
}

// The weight-only schemes: i8 weights (packed int4) and zero points are
// manifest arguments; the record carries quant, group_size and the scale
// and zero-point operands.
// CHECK: function w4a16_zp
// CHECK-NEXT: arg 0 bf16 ?x64
// CHECK-NEXT: arg 1 i8 4x32x32
// CHECK-NEXT: arg 2 i32 5
// CHECK-NEXT: arg 3 bf16 4x32x2
// CHECK-NEXT: arg 4 i8 4x32x2
// CHECK-NEXT: arg 5 bf16 ?x32
// CHECK-NEXT: result 0 bf16 ?x32 out=5
// CHECK-NEXT: op grouped_matmul a=0 w=1 offsets=2 w_scale=3 w_zero=4 out=5 epilogue=none gate_up_layout=split group_size=32 index_divisor=1 quant=w4a16_zp
// CHECK-NEXT: end
func.func @w4a16_zp(%a: tensor<?x64xbf16>, %w: tensor<4x32x32xi8>, %o: tensor<5xi32>, %s: tensor<4x32x2xbf16>,
                    %z: tensor<4x32x2xi8>, %y: tensor<?x32xbf16>) -> tensor<?x32xbf16> {
  %r = moe.grouped_matmul %a, %w, %o quant = w4a16_zp group_size = 32 w_scale(%s) w_zero(%z) outs(%y)
      : (tensor<?x64xbf16>, tensor<4x32x32xi8>, tensor<5xi32>, tensor<4x32x2xbf16>, tensor<4x32x2xi8>, tensor<?x32xbf16>) -> tensor<?x32xbf16>
  return %r : tensor<?x32xbf16>
}
