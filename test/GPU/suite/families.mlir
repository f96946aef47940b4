// GPU suite: the issue-13 families' new pieces. The shared expert's sigmoid
// gate (gate and fused_moe with shared_logits: Qwen2-MoE, Qwen3-Next), top-1
// sigmoid routing with the weight on the input rows and an unweighted shared
// expert (permute scale_rows, fused_moe router_weight_on_input and
// shared_weight = one: Llama-4), and the per-type MLP (mot_mlp: Bagel).
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gemm-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null

// Qwen3-Next's router: softmax top-10 of 512, the shared slot weighted by
// its gate's sigmoid.
func.func @gate_qwen3_next(%logits: tensor<?x512xbf16>, %shared: tensor<?x1xbf16>,
    %w: tensor<?x11xf32>, %ids: tensor<?x11xi32>) -> (tensor<?x11xf32>, tensor<?x11xi32>) {
  %rw, %rids = moe.gate %logits shared_logits(%shared) k = 10 scoring = softmax renormalize
      num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x512xbf16>, tensor<?x1xbf16>, tensor<?x11xf32>, tensor<?x11xi32>)
      -> (tensor<?x11xf32>, tensor<?x11xi32>)
  return %rw, %rids : tensor<?x11xf32>, tensor<?x11xi32>
}

// Llama-4-Scout's router: top-1 sigmoid, the shared slot of weight 1.
func.func @gate_llama4(%logits: tensor<?x16xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %rw, %rids = moe.gate %logits k = 1 scoring = sigmoid num_shared_experts = 1
      shared_weight = one outs(%w, %ids)
      : (tensor<?x16xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return %rw, %rids : tensor<?x2xf32>, tensor<?x2xi32>
}

// Llama-4-Scout's permutation: each row times its slot's weight.
func.func @permute_scale_rows_llama4(%x: tensor<?x5120xbf16>, %ids: tensor<?x2xi32>,
    %w: tensor<?x2xf32>, %rows: tensor<?x5120xbf16>, %src: tensor<?xi32>, %off: tensor<18xi32>)
    -> (tensor<?x5120xbf16>, tensor<?xi32>, tensor<18xi32>) {
  %a, %b, %c = moe.permute %x, %ids weights(%w) scale_rows num_experts = 17
      outs(%rows, %src, %off)
      : (tensor<?x5120xbf16>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<?x5120xbf16>,
         tensor<?xi32>, tensor<18xi32>) -> (tensor<?x5120xbf16>, tensor<?xi32>, tensor<18xi32>)
  return %a, %b, %c : tensor<?x5120xbf16>, tensor<?xi32>, tensor<18xi32>
}

// Small layers: 16 routed experts, two sigmoid-gated shared slots.
func.func @fused_moe_shared_gate_small(%x: tensor<?x64xbf16>, %logits: tensor<?x16xbf16>,
    %w13: tensor<18x64x64xbf16>, %w2: tensor<18x64x32xbf16>, %shared: tensor<?x2xbf16>,
    %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 shared_logits(%shared) k = 4 scoring = softmax
      num_shared_experts = 2 outs(%out)
      : (tensor<?x64xbf16>, tensor<?x16xbf16>, tensor<18x64x64xbf16>, tensor<18x64x32xbf16>,
         tensor<?x2xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// Llama-4's form: top-1 sigmoid, the weight on the input, a shared expert.
func.func @fused_moe_weight_on_input_small(%x: tensor<?x64xbf16>, %logits: tensor<?x16xbf16>,
    %w13: tensor<17x64x64xbf16>, %w2: tensor<17x64x32xbf16>,
    %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid num_shared_experts = 1
      shared_weight = one router_weight_on_input outs(%out)
      : (tensor<?x64xbf16>, tensor<?x16xbf16>, tensor<17x64x64xbf16>, tensor<17x64x32xbf16>,
         tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// The per-type MLP with biases and three types.
func.func @mot_mlp_small(%x: tensor<?x64xbf16>, %w13: tensor<3x64x64xbf16>,
    %w2: tensor<3x64x32xbf16>, %types: tensor<?xi32>, %b13: tensor<3x64xbf16>,
    %b2: tensor<3x64xbf16>, %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.mot_mlp %x, %w13, %w2, %types b13(%b13) b2(%b2) outs(%out)
      : (tensor<?x64xbf16>, tensor<3x64x64xbf16>, tensor<3x64x32xbf16>, tensor<?xi32>,
         tensor<3x64xbf16>, tensor<3x64xbf16>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
