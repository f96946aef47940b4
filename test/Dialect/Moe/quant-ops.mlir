// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// Round-trip of the quantized forms of moe.grouped_matmul and moe.fused_moe
// (one case per `quant` scheme, with its scale and zero-point operands) and
// of moe.quantize (dynamic and static), on tensors and memrefs. The
// unquantized forms are in ops.mlir; docs/Semantics.md ("Quantized experts")
// gives the shapes.

// CHECK-LABEL: func.func @quantize_dynamic
// CHECK: %{{.*}}:2 = moe.quantize %[[X:.*]] group_size = 128 outs(%{{.*}}, %{{.*}}) : (tensor<?x200xbf16>, tensor<?x200xf8E4M3FN>, tensor<?x2xf32>) -> (tensor<?x200xf8E4M3FN>, tensor<?x2xf32>)
func.func @quantize_dynamic(%x: tensor<?x200xbf16>, %q: tensor<?x200xf8E4M3FN>, %s: tensor<?x2xf32>)
    -> (tensor<?x200xf8E4M3FN>, tensor<?x2xf32>) {
  %q1, %s1 = moe.quantize %x group_size = 128 outs(%q, %s)
      : (tensor<?x200xbf16>, tensor<?x200xf8E4M3FN>, tensor<?x2xf32>) -> (tensor<?x200xf8E4M3FN>, tensor<?x2xf32>)
  return %q1, %s1 : tensor<?x200xf8E4M3FN>, tensor<?x2xf32>
}

// Per token: one group as wide as the row.
// CHECK-LABEL: func.func @quantize_per_token_buffer
// CHECK: moe.quantize %{{.*}} group_size = 7168 outs(%{{.*}}, %{{.*}}) : (memref<?x7168xf32>, memref<?x7168xf8E4M3FN>, memref<?x1xf32>) -> ()
func.func @quantize_per_token_buffer(%x: memref<?x7168xf32>, %q: memref<?x7168xf8E4M3FN>, %s: memref<?x1xf32>) {
  moe.quantize %x group_size = 7168 outs(%q, %s)
      : (memref<?x7168xf32>, memref<?x7168xf8E4M3FN>, memref<?x1xf32>) -> ()
  return
}

// CHECK-LABEL: func.func @quantize_static
// CHECK: moe.quantize %{{.*}} scale(%{{.*}}) outs(%{{.*}}) : (tensor<?x4096xbf16>, tensor<1xf32>, tensor<?x4096xf8E4M3FN>) -> tensor<?x4096xf8E4M3FN>
func.func @quantize_static(%x: tensor<?x4096xbf16>, %s: tensor<1xf32>, %q: tensor<?x4096xf8E4M3FN>) -> tensor<?x4096xf8E4M3FN> {
  %q1 = moe.quantize %x scale(%s) outs(%q)
      : (tensor<?x4096xbf16>, tensor<1xf32>, tensor<?x4096xf8E4M3FN>) -> tensor<?x4096xf8E4M3FN>
  return %q1 : tensor<?x4096xf8E4M3FN>
}

// DeepSeek-V3's gate+up GEMM: 128 x 128 weight blocks, K and N groups.
// CHECK-LABEL: func.func @gemm_fp8_block
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} epilogue = silu_and_mul quant = fp8_block group_size = 128 a_scale(%{{.*}}) w_scale(%{{.*}}) outs(%{{.*}}) : (tensor<?x7168xf8E4M3FN>, tensor<257x4096x7168xf8E4M3FN>, tensor<258xi32>, tensor<?x56xf32>, tensor<257x32x56xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
func.func @gemm_fp8_block(%a: tensor<?x7168xf8E4M3FN>, %w: tensor<257x4096x7168xf8E4M3FN>, %o: tensor<258xi32>,
                          %as: tensor<?x56xf32>, %ws: tensor<257x32x56xf32>, %y: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %0 = moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul quant = fp8_block group_size = 128
      a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<?x7168xf8E4M3FN>, tensor<257x4096x7168xf8E4M3FN>, tensor<258xi32>, tensor<?x56xf32>, tensor<257x32x56xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %0 : tensor<?x2048xbf16>
}

// K and N not multiples of 128: ceil(200/128) = 2, ceil(130/128) = 2.
// Gathered A: a_scale has a's rows.
// CHECK-LABEL: func.func @gemm_fp8_block_ragged_gathered
// CHECK: moe.grouped_matmul %{{.*}}[%{{.*}}], %{{.*}}, %{{.*}} scale(%{{.*}}) quant = fp8_block group_size = 128 a_scale(%{{.*}}) w_scale(%{{.*}}) outs(%{{.*}}) {index_divisor = 8 : i64}
func.func @gemm_fp8_block_ragged_gathered(%a: tensor<4x200xf8E4M3FN>, %ri: tensor<32xi32>, %w: tensor<3x130x200xf8E4M3FN>,
                                          %o: tensor<4xi32>, %rw: tensor<32xf32>, %as: tensor<4x2xf32>,
                                          %ws: tensor<3x2x2xf32>, %y: tensor<32x130xf32>) -> tensor<32x130xf32> {
  %0 = moe.grouped_matmul %a[%ri], %w, %o scale(%rw) quant = fp8_block group_size = 128
      a_scale(%as) w_scale(%ws) outs(%y) {index_divisor = 8 : i64}
      : (tensor<4x200xf8E4M3FN>, tensor<32xi32>, tensor<3x130x200xf8E4M3FN>, tensor<4xi32>, tensor<32xf32>, tensor<4x2xf32>, tensor<3x2x2xf32>, tensor<32x130xf32>) -> tensor<32x130xf32>
  return %0 : tensor<32x130xf32>
}

// CHECK-LABEL: func.func @gemm_fp8_channel
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} quant = fp8_channel a_scale(%{{.*}}) w_scale(%{{.*}}) outs(%{{.*}}) : (tensor<?x64xf8E4M3FN>, tensor<4x32x64xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x32xf32>, tensor<?x32xf16>) -> tensor<?x32xf16>
func.func @gemm_fp8_channel(%a: tensor<?x64xf8E4M3FN>, %w: tensor<4x32x64xf8E4M3FN>, %o: tensor<5xi32>,
                            %as: tensor<?x1xf32>, %ws: tensor<4x32xf32>, %y: tensor<?x32xf16>) -> tensor<?x32xf16> {
  %0 = moe.grouped_matmul %a, %w, %o quant = fp8_channel a_scale(%as) w_scale(%ws) outs(%y)
      : (tensor<?x64xf8E4M3FN>, tensor<4x32x64xf8E4M3FN>, tensor<5xi32>, tensor<?x1xf32>, tensor<4x32xf32>, tensor<?x32xf16>) -> tensor<?x32xf16>
  return %0 : tensor<?x32xf16>
}

// CHECK-LABEL: func.func @gemm_fp8_tensor_buffer
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}}) quant = fp8_tensor a_scale(%{{.*}}) w_scale(%{{.*}}) outs(%{{.*}}) : (memref<?x64xf8E4M3FN>, memref<4x32x64xf8E4M3FN>, memref<5xi32>, memref<4x32xbf16>, memref<1xf32>, memref<4xf32>, memref<?x32xbf16>) -> ()
func.func @gemm_fp8_tensor_buffer(%a: memref<?x64xf8E4M3FN>, %w: memref<4x32x64xf8E4M3FN>, %o: memref<5xi32>, %b: memref<4x32xbf16>,
                                  %as: memref<1xf32>, %ws: memref<4xf32>, %y: memref<?x32xbf16>) {
  moe.grouped_matmul %a, %w, %o bias(%b) quant = fp8_tensor a_scale(%as) w_scale(%ws) outs(%y)
      : (memref<?x64xf8E4M3FN>, memref<4x32x64xf8E4M3FN>, memref<5xi32>, memref<4x32xbf16>, memref<1xf32>, memref<4xf32>, memref<?x32xbf16>) -> ()
  return
}

// int4 weights, two a byte along K (K = 2048 is w dim 2 = 1024), groups of
// 32, 64 and 128 columns.
// CHECK-LABEL: func.func @gemm_w4a16
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} epilogue = silu_and_mul quant = w4a16 group_size = 128 w_scale(%{{.*}}) outs(%{{.*}}) : (tensor<?x2048xbf16>, tensor<128x1536x1024xi8>, tensor<129xi32>, tensor<128x1536x16xbf16>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
// CHECK: quant = w4a16 group_size = 32 w_scale(%{{.*}}) outs(%{{.*}}) : (tensor<?x2048xbf16>, tensor<128x1536x1024xi8>, tensor<129xi32>, tensor<128x1536x64xf32>, tensor<?x1536xbf16>) -> tensor<?x1536xbf16>
func.func @gemm_w4a16(%a: tensor<?x2048xbf16>, %w: tensor<128x1536x1024xi8>, %o: tensor<129xi32>,
                      %s128: tensor<128x1536x16xbf16>, %s32: tensor<128x1536x64xf32>, %y: tensor<?x768xbf16>,
                      %y2: tensor<?x1536xbf16>) -> (tensor<?x768xbf16>, tensor<?x1536xbf16>) {
  %0 = moe.grouped_matmul %a, %w, %o epilogue = silu_and_mul quant = w4a16 group_size = 128 w_scale(%s128) outs(%y)
      : (tensor<?x2048xbf16>, tensor<128x1536x1024xi8>, tensor<129xi32>, tensor<128x1536x16xbf16>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  %1 = moe.grouped_matmul %a, %w, %o quant = w4a16 group_size = 32 w_scale(%s32) outs(%y2)
      : (tensor<?x2048xbf16>, tensor<128x1536x1024xi8>, tensor<129xi32>, tensor<128x1536x64xf32>, tensor<?x1536xbf16>) -> tensor<?x1536xbf16>
  return %0, %1 : tensor<?x768xbf16>, tensor<?x1536xbf16>
}

// AWQ-like: zero points; K = 96 with groups of 64 (a partial last group).
// CHECK-LABEL: func.func @gemm_w4a16_zp
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} quant = w4a16_zp group_size = 64 w_scale(%{{.*}}) w_zero(%{{.*}}) outs(%{{.*}}) : (tensor<?x96xf16>, tensor<2x8x48xi8>, tensor<3xi32>, tensor<2x8x2xf16>, tensor<2x8x2xi8>, tensor<?x8xf16>) -> tensor<?x8xf16>
func.func @gemm_w4a16_zp(%a: tensor<?x96xf16>, %w: tensor<2x8x48xi8>, %o: tensor<3xi32>, %s: tensor<2x8x2xf16>,
                         %z: tensor<2x8x2xi8>, %y: tensor<?x8xf16>) -> tensor<?x8xf16> {
  %0 = moe.grouped_matmul %a, %w, %o quant = w4a16_zp group_size = 64 w_scale(%s) w_zero(%z) outs(%y)
      : (tensor<?x96xf16>, tensor<2x8x48xi8>, tensor<3xi32>, tensor<2x8x2xf16>, tensor<2x8x2xi8>, tensor<?x8xf16>) -> tensor<?x8xf16>
  return %0 : tensor<?x8xf16>
}

// CHECK-LABEL: func.func @gemm_w8a16_buffer
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} quant = w8a16 w_scale(%{{.*}}) outs(%{{.*}}) : (memref<?x64xbf16>, memref<4x32x64xi8>, memref<5xi32>, memref<4x32xf32>, memref<?x32xbf16>) -> ()
func.func @gemm_w8a16_buffer(%a: memref<?x64xbf16>, %w: memref<4x32x64xi8>, %o: memref<5xi32>, %s: memref<4x32xf32>, %y: memref<?x32xbf16>) {
  moe.grouped_matmul %a, %w, %o quant = w8a16 w_scale(%s) outs(%y)
      : (memref<?x64xbf16>, memref<4x32x64xi8>, memref<5xi32>, memref<4x32xf32>, memref<?x32xbf16>) -> ()
  return
}

// CHECK-LABEL: func.func @fused_moe_deepseek_v3_fp8
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}}) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize scaling_factor = 2.500000e+00 num_shared_experts = 1 quant = fp8_block group_size = 128 w13_scale(%{{.*}}) w2_scale(%{{.*}}) outs(%{{.*}})
func.func @fused_moe_deepseek_v3_fp8(%x: tensor<?x7168xbf16>, %l: tensor<?x256xf32>, %w13: tensor<257x4096x7168xf8E4M3FN>,
                                     %w2: tensor<257x7168x2048xf8E4M3FN>, %b: tensor<256xf32>, %s13: tensor<257x32x56xf32>,
                                     %s2: tensor<257x56x16xf32>, %y: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %0 = moe.fused_moe %x, %l, %w13, %w2 bias(%b) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4
      group_score = top2_sum renormalize scaling_factor = 2.5 num_shared_experts = 1
      quant = fp8_block group_size = 128 w13_scale(%s13) w2_scale(%s2) outs(%y)
      : (tensor<?x7168xbf16>, tensor<?x256xf32>, tensor<257x4096x7168xf8E4M3FN>, tensor<257x7168x2048xf8E4M3FN>,
         tensor<256xf32>, tensor<257x32x56xf32>, tensor<257x56x16xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %0 : tensor<?x7168xbf16>
}

// CHECK-LABEL: func.func @fused_moe_fp8_tensor
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 2 scoring = softmax quant = fp8_tensor w13_scale(%{{.*}}) w2_scale(%{{.*}}) a1_scale(%{{.*}}) a2_scale(%{{.*}}) outs(%{{.*}})
func.func @fused_moe_fp8_tensor(%x: tensor<?x64xbf16>, %l: tensor<?x8xbf16>, %w13: tensor<8x64x64xf8E4M3FN>,
                                %w2: tensor<8x64x32xf8E4M3FN>, %s13: tensor<8xf32>, %s2: tensor<8xf32>,
                                %a1: tensor<1xf32>, %a2: tensor<1xf32>, %y: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %0 = moe.fused_moe %x, %l, %w13, %w2 k = 2 scoring = softmax quant = fp8_tensor
      w13_scale(%s13) w2_scale(%s2) a1_scale(%a1) a2_scale(%a2) outs(%y)
      : (tensor<?x64xbf16>, tensor<?x8xbf16>, tensor<8x64x64xf8E4M3FN>, tensor<8x64x32xf8E4M3FN>,
         tensor<8xf32>, tensor<8xf32>, tensor<1xf32>, tensor<1xf32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %0 : tensor<?x64xbf16>
}

// Qwen3-30B-A3B with AWQ int4 weights.
// CHECK-LABEL: func.func @fused_moe_qwen3_w4a16_zp
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 8 scoring = softmax renormalize quant = w4a16_zp group_size = 128 w13_scale(%{{.*}}) w2_scale(%{{.*}}) w13_zero(%{{.*}}) w2_zero(%{{.*}}) outs(%{{.*}})
func.func @fused_moe_qwen3_w4a16_zp(%x: tensor<?x2048xbf16>, %l: tensor<?x128xbf16>, %w13: tensor<128x1536x1024xi8>,
                                    %w2: tensor<128x2048x384xi8>, %s13: tensor<128x1536x16xbf16>, %s2: tensor<128x2048x6xbf16>,
                                    %z13: tensor<128x1536x16xi8>, %z2: tensor<128x2048x6xi8>,
                                    %y: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %0 = moe.fused_moe %x, %l, %w13, %w2 k = 8 scoring = softmax renormalize quant = w4a16_zp group_size = 128
      w13_scale(%s13) w2_scale(%s2) w13_zero(%z13) w2_zero(%z2) outs(%y)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x1024xi8>, tensor<128x2048x384xi8>,
         tensor<128x1536x16xbf16>, tensor<128x2048x6xbf16>, tensor<128x1536x16xi8>, tensor<128x2048x6xi8>,
         tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %0 : tensor<?x2048xbf16>
}
