// GPU suite: the fused routing kernel (convert-moe-to-gpu fuse-routing): a
// gate and the align, permute or permute_indices of its ids in one launch
// while T * (k + S) <= 4096 (compiled with fuse-routing-max-slots=4096, the
// whole range of the kernel; the default bound is 512), the separate kernels
// above. Each function has
// two moe ops, which moe-runner does not check (one op per function): test/
// GPU/fused_routing_ab.py runs them against the same file compiled with
// fuse-routing=0 (artifacts fused-routing and fused-routing-unfused, both
// from utils/build-gpu-artifacts.sh), every output bit for bit, at T = 1, 7,
// 32, 256, just above the bound and 2048, and the permutation against an
// independent stable sort. The unfused kernels are checked against the CPU
// reference by routing.mlir and permutation.mlir.
// Here: they go through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null
// RUN: moe-opt %s --moe-to-nvvm="fuse-routing=0" -o /dev/null

// Qwen3-30B-A3B: softmax top 8 of 128, renormalized; the permutation's
// indices and row weights (the gathered-rows decomposition).
func.func @routing_qwen3_permute_indices(%logits: tensor<?x128xbf16>, %w: tensor<?x8xf32>, %ids: tensor<?x8xi32>,
    %src: tensor<?xi32>, %off: tensor<129xi32>, %rw: tensor<?xf32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>) {
  %gw, %gi = moe.gate %logits k = 8 scoring = softmax renormalize outs(%w, %ids)
      : (tensor<?x128xbf16>, tensor<?x8xf32>, tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
  %s, %o, %r = moe.permute_indices %gi weights(%gw) num_experts = 128 outs(%src, %off, %rw)
      : (tensor<?x8xi32>, tensor<?x8xf32>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
      -> (tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
  return %gw, %gi, %s, %o, %r : tensor<?x8xf32>, tensor<?x8xi32>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>
}

// Qwen3-30B-A3B's default decomposition: the gate, then permute (the rows
// copied in expert order, after the sort).
func.func @routing_qwen3_permute(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>, %w: tensor<?x8xf32>,
    %ids: tensor<?x8xi32>, %rows: tensor<?x2048xbf16>, %src: tensor<?xi32>, %off: tensor<129xi32>, %rw: tensor<?xf32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>, tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>) {
  %gw, %gi = moe.gate %logits k = 8 scoring = softmax renormalize outs(%w, %ids)
      : (tensor<?x128xbf16>, tensor<?x8xf32>, tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
  %a, %b, %c, %d = moe.permute %x, %gi weights(%gw) num_experts = 128 outs(%rows, %src, %off, %rw)
      : (tensor<?x2048xbf16>, tensor<?x8xi32>, tensor<?x8xf32>, tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
      -> (tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
  return %gw, %gi, %a, %b, %c, %d : tensor<?x8xf32>, tensor<?x8xi32>, tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>
}

// Mixtral-8x7B: softmax top 2 of 8; vLLM's align (block_m = 64).
func.func @routing_mixtral_align(%logits: tensor<?x8xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>,
    %sorted: tensor<?xi32>, %experts: tensor<?xi32>, %total: tensor<1xi32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %gw, %gi = moe.gate %logits k = 2 scoring = softmax renormalize outs(%w, %ids)
      : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  %s, %e, %t = moe.align %gi num_experts = 8 block_m = 64 outs(%sorted, %experts, %total)
      : (tensor<?x2xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %gw, %gi, %s, %e, %t : tensor<?x2xf32>, tensor<?x2xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

// DeepSeek-V3: sigmoid + correction bias, 8 groups by top-2 sum (4 kept),
// scale 2.5, one shared expert (id 256); align over the 257 experts.
func.func @routing_deepseek_v3_align(%logits: tensor<?x256xf32>, %bias: tensor<256xf32>, %w: tensor<?x9xf32>,
    %ids: tensor<?x9xi32>, %sorted: tensor<?xi32>, %experts: tensor<?xi32>, %total: tensor<1xi32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %gw, %gi = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize scaling_factor = 2.5 num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x256xf32>, tensor<256xf32>, tensor<?x9xf32>, tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
  %s, %e, %t = moe.align %gi num_experts = 257 block_m = 64 outs(%sorted, %experts, %total)
      : (tensor<?x9xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %gw, %gi, %s, %e, %t : tensor<?x9xf32>, tensor<?x9xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

// DeepSeek-V3's routing with the permutation's indices.
func.func @routing_deepseek_v3_permute_indices(%logits: tensor<?x256xf32>, %bias: tensor<256xf32>, %w: tensor<?x9xf32>,
    %ids: tensor<?x9xi32>, %src: tensor<?xi32>, %off: tensor<258xi32>, %rw: tensor<?xf32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>) {
  %gw, %gi = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize scaling_factor = 2.5 num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x256xf32>, tensor<256xf32>, tensor<?x9xf32>, tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
  %s, %o, %r = moe.permute_indices %gi weights(%gw) num_experts = 257 outs(%src, %off, %rw)
      : (tensor<?x9xi32>, tensor<?x9xf32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
      -> (tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
  return %gw, %gi, %s, %o, %r : tensor<?x9xf32>, tensor<?x9xi32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>
}

// Kimi-K2: sigmoid + bias over 384 experts, one group, scale 2.827, one
// shared expert; permute of bf16 rows.
func.func @routing_kimi_k2_permute(%x: tensor<?x7168xbf16>, %logits: tensor<?x384xf32>, %bias: tensor<384xf32>,
    %w: tensor<?x9xf32>, %ids: tensor<?x9xi32>, %rows: tensor<?x7168xbf16>, %src: tensor<?xi32>, %off: tensor<386xi32>,
    %rw: tensor<?xf32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>, tensor<?x7168xbf16>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>) {
  %gw, %gi = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid renormalize scaling_factor = 2.827 num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x384xf32>, tensor<384xf32>, tensor<?x9xf32>, tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
  %a, %b, %c, %d = moe.permute %x, %gi weights(%gw) num_experts = 385 outs(%rows, %src, %off, %rw)
      : (tensor<?x7168xbf16>, tensor<?x9xi32>, tensor<?x9xf32>, tensor<?x7168xbf16>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>)
      -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>)
  return %gw, %gi, %a, %b, %c, %d : tensor<?x9xf32>, tensor<?x9xi32>, tensor<?x7168xbf16>, tensor<?xi32>, tensor<386xi32>, tensor<?xf32>
}

// The same with slot_rows, as fused_moe's decomposition now emits it (issue
// 10): the sort also writes each slot's row, for combine. Qwen3's permute
// (rows copied) and DeepSeek-V3's permute_indices.
func.func @routing_qwen3_permute_slot_rows(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>, %w: tensor<?x8xf32>,
    %ids: tensor<?x8xi32>, %rows: tensor<?x2048xbf16>, %src: tensor<?xi32>, %off: tensor<129xi32>, %rw: tensor<?xf32>,
    %slots: tensor<?xi32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>, tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>, tensor<?xi32>) {
  %gw, %gi = moe.gate %logits k = 8 scoring = softmax renormalize outs(%w, %ids)
      : (tensor<?x128xbf16>, tensor<?x8xf32>, tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
  %a, %b, %c, %d, %e = moe.permute %x, %gi weights(%gw) num_experts = 128 outs(%rows, %src, %off, %rw)
      slot_rows_outs(%slots)
      : (tensor<?x2048xbf16>, tensor<?x8xi32>, tensor<?x8xf32>, tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>, tensor<?xi32>)
      -> (tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>, tensor<?xi32>)
  return %gw, %gi, %a, %b, %c, %d, %e : tensor<?x8xf32>, tensor<?x8xi32>, tensor<?x2048xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>, tensor<?xi32>
}

func.func @routing_deepseek_v3_permute_indices_slot_rows(%logits: tensor<?x256xf32>, %bias: tensor<256xf32>, %w: tensor<?x9xf32>,
    %ids: tensor<?x9xi32>, %src: tensor<?xi32>, %off: tensor<258xi32>, %rw: tensor<?xf32>, %slots: tensor<?xi32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>) {
  %gw, %gi = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize scaling_factor = 2.5 num_shared_experts = 1 outs(%w, %ids)
      : (tensor<?x256xf32>, tensor<256xf32>, tensor<?x9xf32>, tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
  %s, %o, %r, %p = moe.permute_indices %gi weights(%gw) num_experts = 257 outs(%src, %off, %rw)
      slot_rows_outs(%slots)
      : (tensor<?x9xi32>, tensor<?x9xf32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>)
      -> (tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>)
  return %gw, %gi, %s, %o, %r, %p : tensor<?x9xf32>, tensor<?x9xi32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>
}
