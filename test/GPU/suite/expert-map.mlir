// GPU suite: expert parallelism (expert_map): the permutation maps each
// global id to this rank's experts and drops the others; whole layers with
// half the experts local read only the local weights.
// Compiled into a GPU artifact by utils/build-gpu-artifacts.sh and run by
// test/GPU/run-gemm-suite.sh on a GPU host; here: it goes through the pipeline.
// RUN: moe-opt %s --moe-to-nvvm -o /dev/null

// DeepSeek-V3's routing (257 global experts with the shared one) onto 129
// local experts.
func.func @permute_expert_map_deepseek_v3(%x: tensor<?x7168xbf16>, %ids: tensor<?x9xi32>, %w: tensor<?x9xf32>,
    %map: tensor<257xi32>, %rows: tensor<?x7168xbf16>, %src: tensor<?xi32>, %off: tensor<130xi32>, %rw: tensor<?xf32>)
    -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<130xi32>, tensor<?xf32>) {
  %a, %b, %c, %d = moe.permute %x, %ids weights(%w) expert_map(%map) num_experts = 129
      outs(%rows, %src, %off, %rw)
      : (tensor<?x7168xbf16>, tensor<?x9xi32>, tensor<?x9xf32>, tensor<257xi32>, tensor<?x7168xbf16>, tensor<?xi32>, tensor<130xi32>, tensor<?xf32>)
      -> (tensor<?x7168xbf16>, tensor<?xi32>, tensor<130xi32>, tensor<?xf32>)
  return %a, %b, %c, %d : tensor<?x7168xbf16>, tensor<?xi32>, tensor<130xi32>, tensor<?xf32>
}

func.func @permute_indices_expert_map_qwen3(%ids: tensor<?x8xi32>, %w: tensor<?x8xf32>, %map: tensor<128xi32>,
    %src: tensor<?xi32>, %off: tensor<65xi32>, %rw: tensor<?xf32>) -> (tensor<?xi32>, tensor<65xi32>, tensor<?xf32>) {
  %b, %c, %d = moe.permute_indices %ids weights(%w) expert_map(%map) num_experts = 64 outs(%src, %off, %rw)
      : (tensor<?x8xi32>, tensor<?x8xf32>, tensor<128xi32>, tensor<?xi32>, tensor<65xi32>, tensor<?xf32>)
      -> (tensor<?xi32>, tensor<65xi32>, tensor<?xf32>)
  return %b, %c, %d : tensor<?xi32>, tensor<65xi32>, tensor<?xf32>
}

// A small layer: 16 routed experts, 8 of them here.
func.func @fused_moe_expert_map_small(%x: tensor<?x64xbf16>, %logits: tensor<?x16xbf16>,
    %w13: tensor<8x64x64xbf16>, %w2: tensor<8x64x32xbf16>, %map: tensor<16xi32>,
    %out: tensor<?x64xbf16>) -> tensor<?x64xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 4 scoring = softmax renormalize
      expert_map(%map) outs(%out)
      : (tensor<?x64xbf16>, tensor<?x16xbf16>, tensor<8x64x64xbf16>, tensor<8x64x32xbf16>,
         tensor<16xi32>, tensor<?x64xbf16>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// Qwen3-30B-A3B on two ranks: 64 of the 128 experts here.
func.func @qwen3_moe_ep2(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
    %w13: tensor<64x1536x2048xbf16>, %w2: tensor<64x2048x768xbf16>, %map: tensor<128xi32>,
    %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax renormalize
      expert_map(%map) outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<64x1536x2048xbf16>, tensor<64x2048x768xbf16>,
         tensor<128xi32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
