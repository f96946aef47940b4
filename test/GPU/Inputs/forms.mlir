// The issue-13 layer forms, each beside the plain silu-and-mul layer of the
// same size, for test/GPU/bench_forms.py (compiled into artifacts/forms by
// utils/build-gpu-artifacts.sh; no lit test: Inputs/ is excluded). The
// issue asks each form to cost at most 5% over its plain twin, measured in
// the same run, and the expert-map layer with half the experts local to
// stay within 1.1x of the floor of the local weights it reads at T = 32.

// gpt-oss-20b: clamped SwiGLU, interleaved gate/up, both GEMM biases.
func.func @gpt_oss_20b(%x: tensor<?x2880xbf16>, %logits: tensor<?x32xbf16>,
                       %w13: tensor<32x5760x2880xbf16>, %w2: tensor<32x2880x2880xbf16>,
                       %b13: tensor<32x5760xbf16>, %b2: tensor<32x2880xbf16>,
                       %out: tensor<?x2880xbf16>) -> tensor<?x2880xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 4 scoring = softmax renormalize
      activation = swigluoai gate_up_layout = interleaved clamp_limit = 7.0
      swiglu_alpha = 1.702 b13(%b13) b2(%b2) outs(%out)
      : (tensor<?x2880xbf16>, tensor<?x32xbf16>, tensor<32x5760x2880xbf16>,
         tensor<32x2880x2880xbf16>, tensor<32x5760xbf16>, tensor<32x2880xbf16>,
         tensor<?x2880xbf16>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}
func.func @gpt_oss_20b_plain(%x: tensor<?x2880xbf16>, %logits: tensor<?x32xbf16>,
                             %w13: tensor<32x5760x2880xbf16>, %w2: tensor<32x2880x2880xbf16>,
                             %out: tensor<?x2880xbf16>) -> tensor<?x2880xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 4 scoring = softmax renormalize
      outs(%out)
      : (tensor<?x2880xbf16>, tensor<?x32xbf16>, tensor<32x5760x2880xbf16>,
         tensor<32x2880x2880xbf16>, tensor<?x2880xbf16>) -> tensor<?x2880xbf16>
  return %y : tensor<?x2880xbf16>
}

// Qwen3-Next: the shared expert weighed by its own sigmoid gate.
func.func @qwen3_next(%x: tensor<?x2048xbf16>, %logits: tensor<?x512xbf16>,
                      %shared_logits: tensor<?x1xbf16>,
                      %w13: tensor<513x1024x2048xbf16>, %w2: tensor<513x2048x512xbf16>,
                      %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 shared_logits(%shared_logits)
      k = 10 scoring = softmax renormalize num_shared_experts = 1 outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x512xbf16>, tensor<513x1024x2048xbf16>,
         tensor<513x2048x512xbf16>, tensor<?x1xbf16>, tensor<?x2048xbf16>)
      -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
func.func @qwen3_next_plain(%x: tensor<?x2048xbf16>, %logits: tensor<?x512xbf16>,
                            %w13: tensor<513x1024x2048xbf16>, %w2: tensor<513x2048x512xbf16>,
                            %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 10 scoring = softmax renormalize
      num_shared_experts = 1 outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x512xbf16>, tensor<513x1024x2048xbf16>,
         tensor<513x2048x512xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// Llama-4-Scout: top-1 sigmoid, the router weight on the input rows, an
// unweighted shared expert.
func.func @llama_4_scout(%x: tensor<?x5120xbf16>, %logits: tensor<?x16xbf16>,
                         %w13: tensor<17x16384x5120xbf16>, %w2: tensor<17x5120x8192xbf16>,
                         %out: tensor<?x5120xbf16>) -> tensor<?x5120xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid
      num_shared_experts = 1 shared_weight = one router_weight_on_input outs(%out)
      : (tensor<?x5120xbf16>, tensor<?x16xbf16>, tensor<17x16384x5120xbf16>,
         tensor<17x5120x8192xbf16>, tensor<?x5120xbf16>) -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}
func.func @llama_4_scout_plain(%x: tensor<?x5120xbf16>, %logits: tensor<?x16xbf16>,
                               %w13: tensor<17x16384x5120xbf16>, %w2: tensor<17x5120x8192xbf16>,
                               %out: tensor<?x5120xbf16>) -> tensor<?x5120xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid
      num_shared_experts = 1 outs(%out)
      : (tensor<?x5120xbf16>, tensor<?x16xbf16>, tensor<17x16384x5120xbf16>,
         tensor<17x5120x8192xbf16>, tensor<?x5120xbf16>) -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}

// Qwen3-30B-A3B sizes: the plain layer, two other activations, and the
// layer of one of two expert-parallel ranks (64 of the 128 experts local).
func.func @qwen3_plain(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
                       %w13: tensor<128x1536x2048xbf16>, %w2: tensor<128x2048x768xbf16>,
                       %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x2048xbf16>,
         tensor<128x2048x768xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
func.func @qwen3_gelu_tanh(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
                           %w13: tensor<128x1536x2048xbf16>, %w2: tensor<128x2048x768xbf16>,
                           %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      activation = gelu_tanh outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x2048xbf16>,
         tensor<128x2048x768xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
func.func @qwen3_relu2_no_mul(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
                              %w13: tensor<128x768x2048xbf16>, %w2: tensor<128x2048x768xbf16>,
                              %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      activation = relu2_no_mul outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x768x2048xbf16>,
         tensor<128x2048x768xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
func.func @qwen3_ep2(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
                     %w13: tensor<64x1536x2048xbf16>, %w2: tensor<64x2048x768xbf16>,
                     %map: tensor<128xi32>,
                     %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      expert_map(%map) outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<64x1536x2048xbf16>,
         tensor<64x2048x768xbf16>, tensor<128xi32>, tensor<?x2048xbf16>)
      -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
