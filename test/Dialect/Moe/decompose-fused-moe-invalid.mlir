// RUN: moe-opt %s --moe-decompose-fused-moe -split-input-file -verify-diagnostics

// permute needs the expert count as an attribute: with it dynamic in both
// the logits and the weights, the pass reports the op instead of guessing.
func.func @dynamic_experts(%x: tensor<2x16xf32>, %logits: tensor<2x?xf32>,
                           %w13: tensor<?x16x16xf32>, %w2: tensor<?x16x8xf32>,
                           %out: tensor<2x16xf32>) -> tensor<2x16xf32> {
  // expected-error @+1 {{could not be decomposed: only the tensor form with a static number of experts (in logits or w13) is expanded}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid outs(%out)
      : (tensor<2x16xf32>, tensor<2x?xf32>, tensor<?x16x16xf32>, tensor<?x16x8xf32>,
         tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// The buffer form is not expanded (it would need allocations).
func.func @buffers(%x: memref<2x16xf32>, %logits: memref<2x4xf32>,
                   %w13: memref<4x16x16xf32>, %w2: memref<4x16x8xf32>,
                   %out: memref<2x16xf32>) {
  // expected-error @+1 {{could not be decomposed: only the tensor form}}
  moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid outs(%out)
      : (memref<2x16xf32>, memref<2x4xf32>, memref<4x16x16xf32>, memref<4x16x8xf32>,
         memref<2x16xf32>) -> ()
  return
}

// -----

// The forms the GEMM epilogues and the routing kernel do not implement yet
// are reported at the op, never expanded into a plain silu layer.
func.func @swigluoai(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                     %w13: tensor<4x16x16xbf16>, %w2: tensor<4x16x8xbf16>,
                     %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  // expected-error @+1 {{activation 'swigluoai' is not lowered yet}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      renormalize activation = swigluoai outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<4x16x16xbf16>,
         tensor<4x16x8xbf16>, tensor<2x16xbf16>) -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}

// -----

func.func @relu2_no_mul(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                        %w13: tensor<4x8x16xbf16>, %w2: tensor<4x16x8xbf16>,
                        %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  // expected-error @+1 {{activation 'relu2_no_mul' is not lowered yet}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      activation = relu2_no_mul outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<4x8x16xbf16>,
         tensor<4x16x8xbf16>, tensor<2x16xbf16>) -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}

// -----

func.func @interleaved(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                       %w13: tensor<4x16x16xbf16>, %w2: tensor<4x16x8xbf16>,
                       %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  // expected-error @+1 {{gate_up_layout 'interleaved' is not lowered yet}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      gate_up_layout = interleaved outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<4x16x16xbf16>,
         tensor<4x16x8xbf16>, tensor<2x16xbf16>) -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}

// -----

func.func @clamp_limit(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                       %w13: tensor<4x16x16xbf16>, %w2: tensor<4x16x8xbf16>,
                       %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  // expected-error @+1 {{clamp_limit is not lowered yet}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      clamp_limit = 7.0 outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<4x16x16xbf16>,
         tensor<4x16x8xbf16>, tensor<2x16xbf16>) -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}

// -----

func.func @biases(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                  %w13: tensor<4x16x16xbf16>, %w2: tensor<4x16x8xbf16>,
                  %b2: tensor<4x16xbf16>,
                  %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  // expected-error @+1 {{expert GEMM biases (b13, b2) are not lowered yet}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      b2(%b2) outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<4x16x16xbf16>,
         tensor<4x16x8xbf16>, tensor<4x16xbf16>, tensor<2x16xbf16>)
      -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}

// -----

func.func @expert_map(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                      %w13: tensor<2x16x16xbf16>, %w2: tensor<2x16x8xbf16>,
                      %map: tensor<4xi32>,
                      %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  // expected-error @+1 {{expert_map is not lowered yet}}
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      expert_map(%map) outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<2x16x16xbf16>,
         tensor<2x16x8xbf16>, tensor<4xi32>, tensor<2x16xbf16>)
      -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}
