// Llama-4-Scout-17B-16E MoE layer (config.json text_config: hidden_size
// 5120, num_local_experts 16, num_experts_per_tok 1, intermediate_size
// 8192, hidden_act silu): 16 routed experts plus the shared expert (the same
// size, fused as expert 16 of w13/w2), H = 5120, I = 8192. The router takes
// the top-1 logit and weighs it by its sigmoid, without renormalization
// (`scoring = sigmoid`, k = 1: docs/Semantics.md, "Top-1 sigmoid routing");
// the weight multiplies the token's row before the first GEMM
// (`router_weight_on_input`, vLLM's apply_router_weight_on_input); the
// shared expert is added with weight 1 (`shared_weight = one`).
// Llama-4-Maverick is the same layer with 128 experts (num_local_experts
// 128, on every other layer: interleave_moe_layer_step 2).
// T (tokens) is dynamic; the result is written into %out.
func.func @llama_4_scout_moe(%x: tensor<?x5120xbf16>, %logits: tensor<?x16xbf16>,
                             %w13: tensor<17x16384x5120xbf16>,
                             %w2: tensor<17x5120x8192xbf16>,
                             %out: tensor<?x5120xbf16>) -> tensor<?x5120xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid
      num_shared_experts = 1 shared_weight = one router_weight_on_input
      outs(%out)
      : (tensor<?x5120xbf16>, tensor<?x16xbf16>, tensor<17x16384x5120xbf16>,
         tensor<17x5120x8192xbf16>, tensor<?x5120xbf16>) -> tensor<?x5120xbf16>
  return %y : tensor<?x5120xbf16>
}
