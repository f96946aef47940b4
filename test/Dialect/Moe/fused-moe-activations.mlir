// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// Round-trip of moe.fused_moe's expert-MLP forms (issue 13): the activation
// set, the gate/up layout, the clamp limit, per-expert GEMM biases and the
// expert map. Defaults are elided when printed.

// gpt-oss-20b: softmax over the top-4 logits (softmax + renormalize), biases
// in both GEMMs, interleaved gate/up rows, clamped SwiGLU.
// CHECK-LABEL: func.func @gpt_oss
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 4 scoring = softmax renormalize activation = swigluoai gate_up_layout = interleaved clamp_limit = 7.000000e+00 swiglu_alpha = 1.702000e+00 b13(%{{.*}}) b2(%{{.*}}) outs(
func.func @gpt_oss(%x: tensor<?x2880xbf16>, %logits: tensor<?x32xbf16>,
                   %w13: tensor<32x5760x2880xbf16>, %w2: tensor<32x2880x2880xbf16>,
                   %b13: tensor<32x5760xbf16>, %b2: tensor<32x2880xbf16>,
                   %init: tensor<?x2880xbf16>) -> tensor<?x2880xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 4 scoring = softmax
      renormalize activation = swigluoai gate_up_layout = interleaved
      clamp_limit = 7.0 swiglu_alpha = 1.702 b13(%b13) b2(%b2) outs(%init)
      : (tensor<?x2880xbf16>, tensor<?x32xbf16>, tensor<32x5760x2880xbf16>,
         tensor<32x2880x2880xbf16>, tensor<32x5760xbf16>, tensor<32x2880xbf16>,
         tensor<?x2880xbf16>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}

// Explicit defaults are elided: split layout.
// CHECK-LABEL: func.func @defaults_elided
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 2 scoring = softmax outs(
func.func @defaults_elided(%x: tensor<4x16xf32>, %logits: tensor<4x8xf32>,
                           %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>,
                           %init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = silu gate_up_layout = split outs(%init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>,
         tensor<8x16x4xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// The gated forms with a clamp on the first GEMM's output.
// CHECK-LABEL: func.func @gated
// CHECK: activation = gelu_tanh clamp_limit = 1.000000e+01 outs(
// CHECK: activation = swiglustep outs(
// CHECK: activation = gelu outs(
func.func @gated(%x: tensor<4x16xf32>, %logits: tensor<4x8xf32>,
                 %w13: tensor<8x8x16xf32>, %w2: tensor<8x16x4xf32>,
                 %init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %a = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = gelu_tanh clamp_limit = 10.0 outs(%init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>,
         tensor<8x16x4xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %b = moe.fused_moe %a, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = swiglustep outs(%init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>,
         tensor<8x16x4xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  %c = moe.fused_moe %b, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = gelu outs(%init)
      : (tensor<4x16xf32>, tensor<4x8xf32>, tensor<8x8x16xf32>,
         tensor<8x16x4xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %c : tensor<4x16xf32>
}

// The *_no_mul forms: w13 has I rows (here I = 4), b13 [E, I].
// CHECK-LABEL: func.func @no_mul
// CHECK: activation = silu_no_mul outs(
// CHECK: activation = gelu_no_mul outs(
// CHECK: activation = gelu_tanh_no_mul outs(
// CHECK: activation = relu2_no_mul b13(%{{.*}}) b2(%{{.*}}) outs(
func.func @no_mul(%x: tensor<4x16xf16>, %logits: tensor<4x8xf16>,
                  %w13: tensor<8x4x16xf16>, %w2: tensor<8x16x4xf16>,
                  %b13: tensor<8x4xf16>, %b2: tensor<8x16xf16>,
                  %init: tensor<4x16xf16>) -> tensor<4x16xf16> {
  %a = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = silu_no_mul outs(%init)
      : (tensor<4x16xf16>, tensor<4x8xf16>, tensor<8x4x16xf16>,
         tensor<8x16x4xf16>, tensor<4x16xf16>) -> tensor<4x16xf16>
  %b = moe.fused_moe %a, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = gelu_no_mul outs(%init)
      : (tensor<4x16xf16>, tensor<4x8xf16>, tensor<8x4x16xf16>,
         tensor<8x16x4xf16>, tensor<4x16xf16>) -> tensor<4x16xf16>
  %c = moe.fused_moe %b, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = gelu_tanh_no_mul outs(%init)
      : (tensor<4x16xf16>, tensor<4x8xf16>, tensor<8x4x16xf16>,
         tensor<8x16x4xf16>, tensor<4x16xf16>) -> tensor<4x16xf16>
  %d = moe.fused_moe %c, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = relu2_no_mul b13(%b13) b2(%b2) outs(%init)
      : (tensor<4x16xf16>, tensor<4x8xf16>, tensor<8x4x16xf16>,
         tensor<8x16x4xf16>, tensor<8x4xf16>, tensor<8x16xf16>,
         tensor<4x16xf16>) -> tensor<4x16xf16>
  return %d : tensor<4x16xf16>
}

// Expert parallelism: 8 routed + 1 shared expert, this rank holds 5 of them
// (w13, w2 dim 0 = 5); expert_map [E + S].
// CHECK-LABEL: func.func @expert_map
// CHECK: k = 2 scoring = sigmoid num_shared_experts = 1 expert_map(%{{.*}}) outs(
func.func @expert_map(%x: tensor<?x16xbf16>, %logits: tensor<?x8xbf16>,
                      %w13: tensor<5x8x16xbf16>, %w2: tensor<5x16x4xbf16>,
                      %map: tensor<9xi32>,
                      %init: tensor<?x16xbf16>) -> tensor<?x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = sigmoid
      num_shared_experts = 1 expert_map(%map) outs(%init)
      : (tensor<?x16xbf16>, tensor<?x8xbf16>, tensor<5x8x16xbf16>,
         tensor<5x16x4xbf16>, tensor<9xi32>, tensor<?x16xbf16>)
      -> tensor<?x16xbf16>
  return %y : tensor<?x16xbf16>
}

// The buffer form takes the same operands.
// CHECK-LABEL: func.func @buffers
// CHECK: moe.fused_moe {{.*}} activation = swigluoai b13(%{{.*}}) b2(%{{.*}}) expert_map(%{{.*}}) outs(
func.func @buffers(%x: memref<4x16xf32>, %logits: memref<4x8xf32>,
                   %w13: memref<2x8x16xf32>, %w2: memref<2x16x4xf32>,
                   %b13: memref<2x8xf32>, %b2: memref<2x16xf32>,
                   %map: memref<8xi32>, %out: memref<4x16xf32>) {
  moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = swigluoai b13(%b13) b2(%b2) expert_map(%map) outs(%out)
      : (memref<4x16xf32>, memref<4x8xf32>, memref<2x8x16xf32>,
         memref<2x16x4xf32>, memref<2x8xf32>, memref<2x16xf32>,
         memref<8xi32>, memref<4x16xf32>) -> ()
  return
}
