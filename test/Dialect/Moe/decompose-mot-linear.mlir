// RUN: moe-opt %s --moe-decompose-mot-linear --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-decompose-mot-linear=gather-token-rows=1 --split-input-file | FileCheck %s --check-prefix=GATHER

// 16-bit mot_linear: rows grouped by token type, one grouped GEMM with the
// per-type bias, and combine with k = 1 back to token order.
// CHECK-LABEL: func.func @bagel_qkv
//  CHECK-SAME: (%[[X:.*]]: tensor<?x3584xbf16>, %[[W:.*]]: tensor<2x4608x3584xbf16>, %[[T:.*]]: tensor<?xi32>, %[[B:.*]]: tensor<2x4608xbf16>, %[[O:.*]]: tensor<?x4608xbf16>)
//       CHECK: %[[IDS:.*]] = tensor.expand_shape %[[T]] {{\[\[}}0, 1]] output_shape [%{{.*}}, 1] : tensor<?xi32> into tensor<?x1xi32>
//       CHECK: %[[P:.*]]:3 = moe.permute %[[X]], %[[IDS]] num_experts = 2 outs(
//       CHECK: %[[Y:.*]] = moe.grouped_matmul %[[P]]#0, %[[W]], %[[P]]#2 bias(%[[B]]) outs(
//       CHECK: %[[R:.*]] = moe.combine %[[Y]], %[[P]]#1 k = 1 outs(%[[O]])
//       CHECK: return %[[R]]
//   CHECK-NOT: moe.mot_linear
// With gather-token-rows: the permutation only, and the GEMM on x in place.
// GATHER-LABEL: func.func @bagel_qkv
//  GATHER-SAME: (%[[X:.*]]: tensor<?x3584xbf16>, %[[W:.*]]: tensor<2x4608x3584xbf16>, %[[T:.*]]: tensor<?xi32>, %[[B:.*]]: tensor<2x4608xbf16>, %[[O:.*]]: tensor<?x4608xbf16>)
//       GATHER: %[[P:.*]]:2 = moe.permute_indices %{{.*}} num_experts = 2 outs(
//       GATHER: %[[Y:.*]] = moe.grouped_matmul %[[X]][%[[P]]#0], %[[W]], %[[P]]#1 bias(%[[B]]) outs(
//       GATHER: moe.combine %[[Y]], %[[P]]#0 k = 1 outs(%[[O]])
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
