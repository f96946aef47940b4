// RUN: moe-opt %s --moe-decompose-fused-moe --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-decompose-fused-moe=gather-token-rows=1 --split-input-file | FileCheck %s --check-prefix=GATHER

// Quantized layers: each fp8 GEMM's input is quantized right before it
// (the permuted rows, then the activation's output), per 128-column group
// (fp8_block), per token (fp8_channel: group_size = K) or with the static
// scale (fp8_tensor); the GEMMs carry the scheme and the weights' scales.

// CHECK-LABEL: func.func @fp8_block
//  CHECK-SAME: (%[[X:.*]]: tensor<?x200xbf16>, %[[L:.*]]: tensor<?x4xf32>, %[[W13:.*]]: tensor<4x272x200xf8E4M3FN>, %[[W2:.*]]: tensor<4x200x136xf8E4M3FN>, %[[S13:.*]]: tensor<4x3x2xf32>, %[[S2:.*]]: tensor<4x2x2xf32>, %{{.*}}: tensor<?x200xbf16>)
//       CHECK: %[[P:.*]]:5 = moe.permute %[[X]]
//       CHECK: %[[Q1:.*]]:2 = moe.quantize %[[P]]#0 group_size = 128 outs({{.*}}) : (tensor<?x200xbf16>, tensor<?x200xf8E4M3FN>, tensor<?x2xf32>)
//       CHECK: %[[H:.*]] = moe.grouped_matmul %[[Q1]]#0, %[[W13]], %[[P]]#2 epilogue = silu_and_mul quant = fp8_block group_size = 128 a_scale(%[[Q1]]#1) w_scale(%[[S13]]) outs({{.*}}) : {{.*}} -> tensor<?x136xbf16>
//       CHECK: %[[Q2:.*]]:2 = moe.quantize %[[H]] group_size = 128 outs({{.*}}) : (tensor<?x136xbf16>, tensor<?x136xf8E4M3FN>, tensor<?x2xf32>)
//       CHECK: %[[Y:.*]] = moe.grouped_matmul %[[Q2]]#0, %[[W2]], %[[P]]#2 scale(%[[P]]#3) quant = fp8_block group_size = 128 a_scale(%[[Q2]]#1) w_scale(%[[S2]])
//       CHECK: moe.combine %[[Y]], %[[P]]#1 slot_rows(%[[P]]#4)
// The gathered GEMM quantizes x itself (T rows) and gathers its scales.
// GATHER-LABEL: func.func @fp8_block
//       GATHER: %[[P:.*]]:4 = moe.permute_indices
//       GATHER: %[[Q1:.*]]:2 = moe.quantize %arg0 group_size = 128 outs({{.*}}) : (tensor<?x200xbf16>, tensor<?x200xf8E4M3FN>, tensor<?x2xf32>)
//       GATHER: moe.grouped_matmul %[[Q1]]#0[%[[P]]#0], %{{.*}}, %[[P]]#1 epilogue = silu_and_mul quant = fp8_block group_size = 128 a_scale(%[[Q1]]#1)
func.func @fp8_block(%x: tensor<?x200xbf16>, %l: tensor<?x4xf32>, %w13: tensor<4x272x200xf8E4M3FN>,
                     %w2: tensor<4x200x136xf8E4M3FN>, %s13: tensor<4x3x2xf32>, %s2: tensor<4x2x2xf32>,
                     %y: tensor<?x200xbf16>) -> tensor<?x200xbf16> {
  %0 = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = fp8_block group_size = 128
      w13_scale(%s13) w2_scale(%s2) outs(%y)
      : (tensor<?x200xbf16>, tensor<?x4xf32>, tensor<4x272x200xf8E4M3FN>, tensor<4x200x136xf8E4M3FN>,
         tensor<4x3x2xf32>, tensor<4x2x2xf32>, tensor<?x200xbf16>) -> tensor<?x200xbf16>
  return %0 : tensor<?x200xbf16>
}

// -----

// CHECK-LABEL: func.func @fp8_channel
//       CHECK: moe.quantize %{{.*}} group_size = 64 outs({{.*}}) : (tensor<8x64xbf16>, tensor<8x64xf8E4M3FN>, tensor<8x1xf32>)
//       CHECK: moe.grouped_matmul {{.*}} quant = fp8_channel a_scale
//       CHECK: moe.quantize %{{.*}} group_size = 32 outs({{.*}}) : (tensor<8x32xbf16>, tensor<8x32xf8E4M3FN>, tensor<8x1xf32>)
//       CHECK: moe.grouped_matmul {{.*}} quant = fp8_channel a_scale
func.func @fp8_channel(%x: tensor<4x64xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x64x64xf8E4M3FN>,
                       %w2: tensor<8x64x32xf8E4M3FN>, %s13: tensor<8x64xf32>, %s2: tensor<8x64xf32>,
                       %y: tensor<4x64xbf16>) -> tensor<4x64xbf16> {
  %0 = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = fp8_channel
      w13_scale(%s13) w2_scale(%s2) outs(%y)
      : (tensor<4x64xbf16>, tensor<4x8xf32>, tensor<8x64x64xf8E4M3FN>, tensor<8x64x32xf8E4M3FN>,
         tensor<8x64xf32>, tensor<8x64xf32>, tensor<4x64xbf16>) -> tensor<4x64xbf16>
  return %0 : tensor<4x64xbf16>
}

// -----

// CHECK-LABEL: func.func @fp8_tensor
//  CHECK-SAME: %[[A1:[^:]*]]: tensor<1xf32>, %[[A2:[^:]*]]: tensor<1xf32>
//       CHECK: %[[Q1:.*]] = moe.quantize %{{.*}} scale(%[[A1]]) outs({{.*}}) : (tensor<8x64xbf16>, tensor<1xf32>, tensor<8x64xf8E4M3FN>)
//       CHECK: moe.grouped_matmul %[[Q1]], {{.*}} quant = fp8_tensor a_scale(%[[A1]])
//       CHECK: %[[Q2:.*]] = moe.quantize %{{.*}} scale(%[[A2]])
//       CHECK: moe.grouped_matmul %[[Q2]], {{.*}} quant = fp8_tensor a_scale(%[[A2]])
func.func @fp8_tensor(%x: tensor<4x64xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x64x64xf8E4M3FN>,
                      %w2: tensor<8x64x32xf8E4M3FN>, %s13: tensor<8xf32>, %s2: tensor<8xf32>,
                      %a1: tensor<1xf32>, %a2: tensor<1xf32>, %y: tensor<4x64xbf16>) -> tensor<4x64xbf16> {
  %0 = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = fp8_tensor
      w13_scale(%s13) w2_scale(%s2) a1_scale(%a1) a2_scale(%a2) outs(%y)
      : (tensor<4x64xbf16>, tensor<4x8xf32>, tensor<8x64x64xf8E4M3FN>, tensor<8x64x32xf8E4M3FN>,
         tensor<8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>, tensor<4x64xbf16>) -> tensor<4x64xbf16>
  return %0 : tensor<4x64xbf16>
}

// -----

// int4 weights: no activation quantization; the intermediate size is twice
// w2's packed K.
// CHECK-LABEL: func.func @w4a16_zp
//   CHECK-NOT: moe.quantize
//       CHECK: moe.grouped_matmul {{.*}} epilogue = silu_and_mul quant = w4a16_zp group_size = 32 w_scale(%{{.*}}) w_zero(%{{.*}}) outs({{.*}}) : {{.*}} -> tensor<8x64xbf16>
//       CHECK: moe.grouped_matmul {{.*}} quant = w4a16_zp group_size = 32 w_scale(%{{.*}}) w_zero(%{{.*}}) outs({{.*}}) : {{.*}} -> tensor<8x64xbf16>
func.func @w4a16_zp(%x: tensor<4x64xbf16>, %l: tensor<4x8xf32>, %w13: tensor<8x128x32xi8>,
                    %w2: tensor<8x64x32xi8>, %s13: tensor<8x128x2xbf16>, %s2: tensor<8x64x2xbf16>,
                    %z13: tensor<8x128x2xi8>, %z2: tensor<8x64x2xi8>, %y: tensor<4x64xbf16>) -> tensor<4x64xbf16> {
  %0 = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = w4a16_zp group_size = 32
      w13_scale(%s13) w2_scale(%s2) w13_zero(%z13) w2_zero(%z2) outs(%y)
      : (tensor<4x64xbf16>, tensor<4x8xf32>, tensor<8x128x32xi8>, tensor<8x64x32xi8>,
         tensor<8x128x2xbf16>, tensor<8x64x2xbf16>, tensor<8x128x2xi8>, tensor<8x64x2xi8>,
         tensor<4x64xbf16>) -> tensor<4x64xbf16>
  return %0 : tensor<4x64xbf16>
}
