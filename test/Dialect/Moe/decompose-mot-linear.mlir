// RUN: moe-opt %s --moe-decompose-mot-linear --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-decompose-mot-linear=gather-token-rows=1 --split-input-file | FileCheck %s --check-prefix=GATHER

// 16-bit mot_linear: rows grouped by token type, one grouped GEMM with the
// per-type bias, and combine with k = 1 back to token order, reading each
// token's row from the permutation's slot_rows.
// CHECK-LABEL: func.func @bagel_qkv
//  CHECK-SAME: (%[[X:.*]]: tensor<?x3584xbf16>, %[[W:.*]]: tensor<2x4608x3584xbf16>, %[[T:.*]]: tensor<?xi32>, %[[B:.*]]: tensor<2x4608xbf16>, %[[O:.*]]: tensor<?x4608xbf16>)
//       CHECK: %[[IDS:.*]] = tensor.expand_shape %[[T]] {{\[\[}}0, 1]] output_shape [%{{.*}}, 1] : tensor<?xi32> into tensor<?x1xi32>
//       CHECK: %[[P:.*]]:4 = moe.permute %[[X]], %[[IDS]] num_experts = 2 outs({{.*}}) slot_rows_outs(
//       CHECK: %[[Y:.*]] = moe.grouped_matmul %[[P]]#0, %[[W]], %[[P]]#2 bias(%[[B]]) outs(
//       CHECK: %[[R:.*]] = moe.combine %[[Y]], %[[P]]#1 slot_rows(%[[P]]#3) k = 1 outs(%[[O]])
//       CHECK: return %[[R]]
//   CHECK-NOT: moe.mot_linear
// With gather-token-rows: the permutation only, and the GEMM on x in place.
// GATHER-LABEL: func.func @bagel_qkv
//  GATHER-SAME: (%[[X:.*]]: tensor<?x3584xbf16>, %[[W:.*]]: tensor<2x4608x3584xbf16>, %[[T:.*]]: tensor<?xi32>, %[[B:.*]]: tensor<2x4608xbf16>, %[[O:.*]]: tensor<?x4608xbf16>)
//       GATHER: %[[P:.*]]:3 = moe.permute_indices %{{.*}} num_experts = 2 outs({{.*}}) slot_rows_outs(
//       GATHER: %[[Y:.*]] = moe.grouped_matmul %[[X]][%[[P]]#0], %[[W]], %[[P]]#1 bias(%[[B]]) outs(
//       GATHER: moe.combine %[[Y]], %[[P]]#0 slot_rows(%[[P]]#2) k = 1 outs(%[[O]])
func.func @bagel_qkv(%x: tensor<?x3584xbf16>, %w: tensor<2x4608x3584xbf16>, %types: tensor<?xi32>,
                     %b: tensor<2x4608xbf16>, %out: tensor<?x4608xbf16>) -> tensor<?x4608xbf16> {
  %y = moe.mot_linear %x, %w, %types bias(%b) outs(%out)
      : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>, tensor<2x4608xbf16>, tensor<?x4608xbf16>) -> tensor<?x4608xbf16>
  return %y : tensor<?x4608xbf16>
}

// -----

// Left alone: f32 operands (the tiled GEMM takes 16-bit ones), a dynamic
// number of types, and the buffer form.
// CHECK-LABEL: func.func @kept
//   CHECK-NOT: moe.permute
//       CHECK: moe.mot_linear
//       CHECK: moe.mot_linear
//       CHECK: moe.mot_linear
func.func @kept(%x: tensor<?x64xf32>, %w: tensor<2x32x64xf32>, %t: tensor<?xi32>, %o: tensor<?x32xf32>,
                %xb: tensor<?x64xbf16>, %wd: tensor<?x32x64xbf16>, %ob: tensor<?x32xbf16>,
                %xm: memref<?x64xbf16>, %wm: memref<2x32x64xbf16>, %tm: memref<?xi32>, %om: memref<?x32xbf16>)
    -> (tensor<?x32xf32>, tensor<?x32xbf16>) {
  %0 = moe.mot_linear %x, %w, %t outs(%o)
      : (tensor<?x64xf32>, tensor<2x32x64xf32>, tensor<?xi32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  %1 = moe.mot_linear %xb, %wd, %t outs(%ob)
      : (tensor<?x64xbf16>, tensor<?x32x64xbf16>, tensor<?xi32>, tensor<?x32xbf16>) -> tensor<?x32xbf16>
  moe.mot_linear %xm, %wm, %tm outs(%om)
      : (memref<?x64xbf16>, memref<2x32x64xbf16>, memref<?xi32>, memref<?x32xbf16>) -> ()
  return %0, %1 : tensor<?x32xf32>, tensor<?x32xbf16>
}

// -----

// mot_mlp (Bagel's MLP block): rows grouped by type, the w13 GEMM with the
// activation epilogue, the w2 GEMM, combine k = 1; any element type (it has
// no kernel of its own).
// CHECK-LABEL: func.func @bagel_mlp
//  CHECK-SAME: (%[[X:.*]]: tensor<?x64xbf16>, %[[W13:.*]]: tensor<2x64x64xbf16>, %[[W2:.*]]: tensor<2x64x32xbf16>, %[[T:.*]]: tensor<?xi32>, %[[B2:.*]]: tensor<2x64xbf16>, %[[O:.*]]: tensor<?x64xbf16>)
//       CHECK: %[[IDS:.*]] = tensor.expand_shape %[[T]]
//       CHECK: %[[P:.*]]:4 = moe.permute %[[X]], %[[IDS]] num_experts = 2 outs({{.*}}) slot_rows_outs(
//       CHECK: %[[H:.*]] = moe.grouped_matmul %[[P]]#0, %[[W13]], %[[P]]#2 epilogue = gelu_tanh_and_mul outs(%{{.*}}) : {{.*}} -> tensor<?x32xbf16>
//       CHECK: %[[Y:.*]] = moe.grouped_matmul %[[H]], %[[W2]], %[[P]]#2 bias(%[[B2]]) outs(%{{.*}}) : {{.*}} -> tensor<?x64xbf16>
//       CHECK: %[[R:.*]] = moe.combine %[[Y]], %[[P]]#1 slot_rows(%[[P]]#3) k = 1 outs(%[[O]])
//       CHECK: return %[[R]]
// CHECK-LABEL: func.func @mot_mlp_f32
//       CHECK: moe.grouped_matmul {{.*}} epilogue = relu2 outs(
//   CHECK-NOT: moe.mot_mlp
// GATHER-LABEL: func.func @bagel_mlp
//       GATHER: %[[P:.*]]:3 = moe.permute_indices %{{.*}} num_experts = 2 outs({{.*}}) slot_rows_outs(
//       GATHER: %[[H:.*]] = moe.grouped_matmul %{{.*}}[%[[P]]#0], %{{.*}}, %[[P]]#1 epilogue = gelu_tanh_and_mul outs(
//       GATHER: moe.grouped_matmul %[[H]], %{{.*}}, %[[P]]#1 bias(
func.func @bagel_mlp(%x: tensor<?x64xbf16>, %w13: tensor<2x64x64xbf16>, %w2: tensor<2x64x32xbf16>,
                     %types: tensor<?xi32>, %b2: tensor<2x64xbf16>,
                     %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.mot_mlp %x, %w13, %w2, %types b2(%b2) activation = gelu_tanh outs(%out)
      : (tensor<?x64xbf16>, tensor<2x64x64xbf16>, tensor<2x64x32xbf16>, tensor<?xi32>,
         tensor<2x64xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

func.func @mot_mlp_f32(%x: tensor<4x8xf32>, %w13: tensor<3x6x8xf32>, %w2: tensor<3x8x6xf32>,
                       %types: tensor<4xi32>, %out: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = moe.mot_mlp %x, %w13, %w2, %types activation = relu2_no_mul outs(%out)
      : (tensor<4x8xf32>, tensor<3x6x8xf32>, tensor<3x8x6xf32>, tensor<4xi32>,
         tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
