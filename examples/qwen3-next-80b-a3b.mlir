// Qwen3-Next-80B-A3B MoE layer (config.json: hidden_size 2048, num_experts
// 512, num_experts_per_tok 10, moe_intermediate_size 512,
// shared_expert_intermediate_size 512, norm_topk_prob true, hidden_act
// silu, decoder_sparse_step 1): softmax top-10 of 512 routed experts,
// renormalized, H = 2048, I = 512, plus one shared expert of the same size
// (fused as expert 512 of w13/w2) scaled by its own sigmoid gate
// (shared_expert_gate, a [2048] -> 1 linear computed beside the router:
// %shared_logits [T, 1]). Qwen2-MoE has the same form; its larger shared
// expert splits into S slots of I each (docs/Models.md).
// T (tokens) is dynamic; the result is written into %out.
func.func @qwen3_next_moe(%x: tensor<?x2048xbf16>, %logits: tensor<?x512xbf16>,
                          %shared_logits: tensor<?x1xbf16>,
                          %w13: tensor<513x1024x2048xbf16>,
                          %w2: tensor<513x2048x512xbf16>,
                          %out: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 shared_logits(%shared_logits)
      k = 10 scoring = softmax renormalize num_shared_experts = 1 outs(%out)
      : (tensor<?x2048xbf16>, tensor<?x512xbf16>, tensor<513x1024x2048xbf16>,
         tensor<513x2048x512xbf16>, tensor<?x1xbf16>, tensor<?x2048xbf16>)
      -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}
