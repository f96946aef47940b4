// GPU suite: the router at every model shape of the design note.
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gpu-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null
func.func @gate_mixtral(%logits: tensor<?x8xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %rw, %rids = moe.gate %logits k = 2 scoring = softmax renormalize outs(%w, %ids)
      : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return %rw, %rids : tensor<?x2xf32>, tensor<?x2xi32>
}

func.func @gate_qwen3(%logits: tensor<?x128xbf16>, %w: tensor<?x8xf32>, %ids: tensor<?x8xi32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  %rw, %rids = moe.gate %logits k = 8 scoring = softmax renormalize outs(%w, %ids)
      : (tensor<?x128xbf16>, tensor<?x8xf32>, tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
  return %rw, %rids : tensor<?x8xf32>, tensor<?x8xi32>
}

func.func @gate_deepseek_v3(%logits: tensor<?x256xf32>, %bias: tensor<256xf32>, %w: tensor<?x9xf32>, %ids: tensor<?x9xi32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>) {
  %rw, %rids = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize scaling_factor = 2.5 num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x256xf32>, tensor<256xf32>, tensor<?x9xf32>, tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
  return %rw, %rids : tensor<?x9xf32>, tensor<?x9xi32>
}

func.func @gate_kimi_k2(%logits: tensor<?x384xf32>, %bias: tensor<384xf32>, %w: tensor<?x9xf32>, %ids: tensor<?x9xi32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>) {
  %rw, %rids = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid renormalize scaling_factor = 2.827 num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x384xf32>, tensor<384xf32>, tensor<?x9xf32>, tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
  return %rw, %rids : tensor<?x9xf32>, tensor<?x9xi32>
}
