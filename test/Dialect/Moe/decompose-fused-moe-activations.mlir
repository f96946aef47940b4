// RUN: moe-opt %s --moe-decompose-fused-moe --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-decompose-fused-moe=gather-token-rows=1 --split-input-file | FileCheck %s --check-prefix=GATHER

// The expert-MLP forms of issue 13 decompose into the same ops as silu:
// the activation becomes the first GEMM's epilogue (with its clamp limit,
// swiglu alpha and gate/up layout), b13 and b2 the GEMMs' biases.

// gpt-oss: clamped SwiGLU on interleaved gate/up rows, biases in both GEMMs.
// CHECK-LABEL: func.func @gpt_oss
// CHECK-SAME: %[[B13:[^:]*]]: tensor<4x64xbf16>, %[[B2:[^:]*]]: tensor<4x16xbf16>
// CHECK: moe.gate
// CHECK: moe.permute
// CHECK: %[[H:.*]] = moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} bias(%[[B13]]) epilogue = swigluoai_and_mul gate_up_layout = interleaved clamp_limit = 7.000000e+00 swiglu_alpha = 1.702000e+00 outs(%{{.*}}) : {{.*}} -> tensor<8x32xbf16>
// CHECK: moe.grouped_matmul %[[H]], %{{.*}}, %{{.*}} scale(%{{.*}}) bias(%[[B2]]) outs(
// CHECK: moe.combine
// GATHER-LABEL: func.func @gpt_oss
// GATHER: moe.grouped_matmul %{{.*}}[%{{.*}}], {{.*}} bias(%{{.*}}) epilogue = swigluoai_and_mul gate_up_layout = interleaved clamp_limit = 7.000000e+00 swiglu_alpha = 1.702000e+00 outs(%{{.*}}) {index_divisor = 2 : i64}
func.func @gpt_oss(%x: tensor<4x16xbf16>, %logits: tensor<4x4xbf16>,
                   %w13: tensor<4x64x16xbf16>, %w2: tensor<4x16x32xbf16>,
                   %b13: tensor<4x64xbf16>, %b2: tensor<4x16xbf16>,
                   %out: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      renormalize activation = swigluoai gate_up_layout = interleaved
      clamp_limit = 7.0 swiglu_alpha = 1.702 b13(%b13) b2(%b2) outs(%out)
      : (tensor<4x16xbf16>, tensor<4x4xbf16>, tensor<4x64x16xbf16>,
         tensor<4x16x32xbf16>, tensor<4x64xbf16>, tensor<4x16xbf16>,
         tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return %y : tensor<4x16xbf16>
}

// -----

// swigluoai without its parameters: the GEMM takes the same defaults (7.0,
// 1.702), so none is written.
// CHECK-LABEL: func.func @swigluoai_defaults
// CHECK: moe.grouped_matmul {{.*}} epilogue = swigluoai_and_mul outs(
func.func @swigluoai_defaults(%x: tensor<4x16xbf16>, %logits: tensor<4x4xbf16>,
                              %w13: tensor<4x64x16xbf16>, %w2: tensor<4x16x32xbf16>,
                              %out: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = swigluoai outs(%out)
      : (tensor<4x16xbf16>, tensor<4x4xbf16>, tensor<4x64x16xbf16>,
         tensor<4x16x32xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return %y : tensor<4x16xbf16>
}

// -----

// CHECK-LABEL: func.func @gelu_tanh_clamped
// CHECK: moe.grouped_matmul {{.*}} epilogue = gelu_tanh_and_mul clamp_limit = 1.000000e+01 outs({{.*}} -> tensor<8x32xf32>
func.func @gelu_tanh_clamped(%x: tensor<4x16xf32>, %logits: tensor<4x4xf32>,
                             %w13: tensor<4x64x16xf32>, %w2: tensor<4x16x32xf32>,
                             %out: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = gelu_tanh clamp_limit = 10.0 outs(%out)
      : (tensor<4x16xf32>, tensor<4x4xf32>, tensor<4x64x16xf32>,
         tensor<4x16x32xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// CHECK-LABEL: func.func @swiglustep
// CHECK: moe.grouped_matmul {{.*}} epilogue = swiglustep_and_mul clamp_limit = 5.000000e+00 outs(
func.func @swiglustep(%x: tensor<4x16xbf16>, %logits: tensor<4x4xbf16>,
                      %w13: tensor<4x64x16xbf16>, %w2: tensor<4x16x32xbf16>,
                      %out: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = sigmoid
      activation = swiglustep clamp_limit = 5.0 outs(%out)
      : (tensor<4x16xbf16>, tensor<4x4xbf16>, tensor<4x64x16xbf16>,
         tensor<4x16x32xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return %y : tensor<4x16xbf16>
}

// -----

// A *_no_mul activation: w13 has I rows and the first GEMM keeps all of
// them (an elementwise epilogue, not gated).
// CHECK-LABEL: func.func @relu2_no_mul
// CHECK: moe.grouped_matmul {{.*}} epilogue = relu2 outs({{.*}} -> tensor<8x32xbf16>
// CHECK: moe.grouped_matmul {{.*}} scale(
func.func @relu2_no_mul(%x: tensor<4x16xbf16>, %logits: tensor<4x4xbf16>,
                        %w13: tensor<4x32x16xbf16>, %w2: tensor<4x16x32xbf16>,
                        %out: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = relu2_no_mul outs(%out)
      : (tensor<4x16xbf16>, tensor<4x4xbf16>, tensor<4x32x16xbf16>,
         tensor<4x16x32xbf16>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
  return %y : tensor<4x16xbf16>
}

// -----

// CHECK-LABEL: func.func @no_mul_forms
// CHECK: epilogue = silu outs(
// CHECK: epilogue = gelu outs(
// CHECK: epilogue = gelu_tanh outs(
func.func @no_mul_forms(%x: tensor<4x16xf32>, %logits: tensor<4x4xf32>,
                        %w13: tensor<4x32x16xf32>, %w2: tensor<4x16x32xf32>,
                        %out: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %a = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = silu_no_mul outs(%out)
      : (tensor<4x16xf32>, tensor<4x4xf32>, tensor<4x32x16xf32>,
         tensor<4x16x32xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %b = moe.fused_moe %a, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = gelu_no_mul outs(%out)
      : (tensor<4x16xf32>, tensor<4x4xf32>, tensor<4x32x16xf32>,
         tensor<4x16x32xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %c = moe.fused_moe %b, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = gelu_tanh_no_mul outs(%out)
      : (tensor<4x16xf32>, tensor<4x4xf32>, tensor<4x32x16xf32>,
         tensor<4x16x32xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %c : tensor<4x16xf32>
}

// -----

// Only b13: the second GEMM has no bias.
// CHECK-LABEL: func.func @b13_only
// CHECK-SAME: %[[B13:[^:]*]]: tensor<4x64xbf16>
// CHECK: moe.grouped_matmul {{.*}} bias(%[[B13]]) epilogue = silu_and_mul outs(
// CHECK: moe.grouped_matmul {{.*}} scale(%{{[^)]*}}) outs(
func.func @b13_only(%x: tensor<4x16xbf16>, %logits: tensor<4x4xbf16>,
                    %w13: tensor<4x64x16xbf16>, %w2: tensor<4x16x32xbf16>,
                    %b13: tensor<4x64xbf16>,
                    %out: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      b13(%b13) outs(%out)
      : (tensor<4x16xbf16>, tensor<4x4xbf16>, tensor<4x64x16xbf16>,
         tensor<4x16x32xbf16>, tensor<4x64xbf16>, tensor<4x16xbf16>)
      -> tensor<4x16xbf16>
  return %y : tensor<4x16xbf16>
}
