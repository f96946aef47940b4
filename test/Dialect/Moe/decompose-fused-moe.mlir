// RUN: moe-opt %s --moe-decompose-fused-moe --split-input-file | FileCheck %s
// RUN: moe-opt %s --moe-decompose-fused-moe=gather-token-rows=1 --split-input-file | FileCheck %s --check-prefix=GATHER

// Mixtral-8x7B routing: softmax top-2, renormalized. T is dynamic: the
// intermediates are sized from tensor.dim of x.
// CHECK-LABEL: func.func @mixtral
//  CHECK-SAME: (%[[X:.*]]: tensor<?x4096xbf16>, %[[L:.*]]: tensor<?x8xbf16>, %[[W13:.*]]: tensor<8x28672x4096xbf16>, %[[W2:.*]]: tensor<8x4096x14336xbf16>, %[[OUT:.*]]: tensor<?x4096xbf16>)
//       CHECK: %[[T:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4096xbf16>
//       CHECK: %[[R:.*]] = arith.muli %[[T]], %{{.*}} : index
//   CHECK-DAG: %[[W0:.*]] = tensor.empty(%[[T]]) : tensor<?x2xf32>
//   CHECK-DAG: %[[I0:.*]] = tensor.empty(%[[T]]) : tensor<?x2xi32>
//       CHECK: %[[G:.*]]:2 = moe.gate %[[L]] k = 2 scoring = softmax renormalize outs(%[[W0]], %[[I0]]) : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
// The permutation also writes each slot's row (slot_rows), which combine
// reads instead of inverting src_index.
//       CHECK: %[[SRC0:.*]] = tensor.empty(%[[R]]) : tensor<?xi32>
//       CHECK: %[[OFF0:.*]] = tensor.empty() : tensor<9xi32>
//       CHECK: %[[RW0:.*]] = tensor.empty(%[[R]]) : tensor<?xf32>
//       CHECK: %[[SLOTS0:.*]] = tensor.empty(%[[R]]) : tensor<?xi32>
//       CHECK: %[[ROWS0:.*]] = tensor.empty(%[[R]]) : tensor<?x4096xbf16>
//       CHECK: %[[P:.*]]:5 = moe.permute %[[X]], %[[G]]#1 weights(%[[G]]#0) num_experts = 8 outs(%[[ROWS0]], %[[SRC0]], %[[OFF0]], %[[RW0]]) slot_rows_outs(%[[SLOTS0]]) : {{.*}} -> (tensor<?x4096xbf16>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>, tensor<?xi32>)
//       CHECK: %[[H0:.*]] = tensor.empty(%[[R]]) : tensor<?x14336xbf16>
//       CHECK: %[[H:.*]] = moe.grouped_matmul %[[P]]#0, %[[W13]], %[[P]]#2 epilogue = silu_and_mul outs(%[[H0]]) : {{.*}} -> tensor<?x14336xbf16>
//       CHECK: %[[Y:.*]] = moe.grouped_matmul %[[H]], %[[W2]], %[[P]]#2 scale(%[[P]]#3) outs(%{{.*}}) : {{.*}} -> tensor<?x4096xbf16>
//       CHECK: %[[C:.*]] = moe.combine %[[Y]], %[[P]]#1 slot_rows(%[[P]]#4) k = 2 outs(%[[OUT]]) : (tensor<?x4096xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
//       CHECK: return %[[C]]
//   CHECK-NOT: moe.fused_moe
// With gather-token-rows: only the permutation, and gemm1 reads x in place
// (index_divisor = slots per token).
// GATHER-LABEL: func.func @mixtral
//  GATHER-SAME: (%[[X:.*]]: tensor<?x4096xbf16>, %[[L:.*]]: tensor<?x8xbf16>, %[[W13:.*]]: tensor<8x28672x4096xbf16>, %[[W2:.*]]: tensor<8x4096x14336xbf16>, %[[OUT:.*]]: tensor<?x4096xbf16>)
//       GATHER: %[[G:.*]]:2 = moe.gate %[[L]]
//   GATHER-NOT: moe.permute %
//       GATHER: %[[P:.*]]:4 = moe.permute_indices %[[G]]#1 weights(%[[G]]#0) num_experts = 8 outs({{.*}}) slot_rows_outs({{.*}}) : {{.*}} -> (tensor<?xi32>, tensor<9xi32>, tensor<?xf32>, tensor<?xi32>)
//       GATHER: %[[H:.*]] = moe.grouped_matmul %[[X]][%[[P]]#0], %[[W13]], %[[P]]#1 epilogue = silu_and_mul outs({{.*}}) {index_divisor = 2 : i64} : {{.*}} -> tensor<?x14336xbf16>
//       GATHER: %[[Y:.*]] = moe.grouped_matmul %[[H]], %[[W2]], %[[P]]#1 scale(%[[P]]#2) outs(%{{.*}}) : {{.*}} -> tensor<?x4096xbf16>
//       GATHER: moe.combine %[[Y]], %[[P]]#0 slot_rows(%[[P]]#3) k = 2 outs(%[[OUT]])
func.func @mixtral(%x: tensor<?x4096xbf16>, %logits: tensor<?x8xbf16>,
                   %w13: tensor<8x28672x4096xbf16>,
                   %w2: tensor<8x4096x14336xbf16>,
                   %out: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax renormalize
      outs(%out)
      : (tensor<?x4096xbf16>, tensor<?x8xbf16>, tensor<8x28672x4096xbf16>,
         tensor<8x4096x14336xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// -----

// DeepSeek-V3 routing with one fused shared expert: the gate emits k + 1
// slots, permute counts E + 1 experts and combine sums k + 1 rows per token.
// Static T: static intermediates.
// CHECK-LABEL: func.func @deepseek_v3_shared
//  CHECK-SAME: %[[B:[^:]*]]: tensor<256xf32>
//       CHECK: %[[G:.*]]:2 = moe.gate %{{.*}} bias(%[[B]]) k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize scaling_factor = 2.500000e+00 num_shared_experts = 1 outs({{.*}}) : (tensor<32x256xbf16>, tensor<256xf32>, tensor<32x9xf32>, tensor<32x9xi32>) -> (tensor<32x9xf32>, tensor<32x9xi32>)
//       CHECK: moe.permute %{{.*}}, %[[G]]#1 weights(%[[G]]#0) num_experts = 257 outs({{.*}}) slot_rows_outs({{.*}}) : {{.*}} -> (tensor<288x7168xbf16>, tensor<288xi32>, tensor<258xi32>, tensor<288xf32>, tensor<288xi32>)
//       CHECK: moe.grouped_matmul {{.*}} epilogue = silu_and_mul outs({{.*}}) : {{.*}} -> tensor<288x2048xbf16>
//       CHECK: moe.grouped_matmul {{.*}} scale({{.*}}) outs({{.*}}) : {{.*}} -> tensor<288x7168xbf16>
//       CHECK: moe.combine {{.*}} slot_rows({{.*}}) k = 9 outs({{.*}}) : {{.*}} -> tensor<32x7168xbf16>
//   CHECK-NOT: tensor.dim
// GATHER-LABEL: func.func @deepseek_v3_shared
//       GATHER: moe.permute_indices %{{.*}} num_experts = 257 outs({{.*}}) slot_rows_outs({{.*}}) : {{.*}} -> (tensor<288xi32>, tensor<258xi32>, tensor<288xf32>, tensor<288xi32>)
//       GATHER: moe.grouped_matmul {{.*}} epilogue = silu_and_mul outs({{.*}}) {index_divisor = 9 : i64} : {{.*}} -> tensor<288x2048xbf16>
func.func @deepseek_v3_shared(%x: tensor<32x7168xbf16>, %logits: tensor<32x256xbf16>,
                              %bias: tensor<256xf32>,
                              %w13: tensor<257x4096x7168xbf16>,
                              %w2: tensor<257x7168x2048xbf16>,
                              %out: tensor<32x7168xbf16>) -> tensor<32x7168xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1 outs(%out)
      : (tensor<32x7168xbf16>, tensor<32x256xbf16>, tensor<257x4096x7168xbf16>,
         tensor<257x7168x2048xbf16>, tensor<256xf32>, tensor<32x7168xbf16>)
      -> tensor<32x7168xbf16>
  return %y : tensor<32x7168xbf16>
}

// -----

// The GELU activation selects the gelu_and_mul epilogue; f32 stays f32.
// CHECK-LABEL: func.func @gelu_f32
//       CHECK: moe.grouped_matmul {{.*}} epilogue = gelu_and_mul outs({{.*}}) : {{.*}} -> tensor<4x8xf32>
//       CHECK: moe.grouped_matmul {{.*}} scale({{.*}}) outs({{.*}}) : {{.*}} -> tensor<4x16xf32>
func.func @gelu_f32(%x: tensor<2x16xf32>, %logits: tensor<2x4xf32>,
                    %w13: tensor<4x16x16xf32>, %w2: tensor<4x16x8xf32>,
                    %out: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax activation = gelu
      outs(%out)
      : (tensor<2x16xf32>, tensor<2x4xf32>, tensor<4x16x16xf32>, tensor<4x16x8xf32>,
         tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// The expert count comes from the logits when w13's is dynamic.
// CHECK-LABEL: func.func @dynamic_w13
//       CHECK: moe.permute {{.*}} num_experts = 4 outs(
func.func @dynamic_w13(%x: tensor<2x16xf32>, %logits: tensor<2x4xf32>,
                       %w13: tensor<?x16x16xf32>, %w2: tensor<?x16x8xf32>,
                       %out: tensor<2x16xf32>) -> tensor<2x16xf32> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid outs(%out)
      : (tensor<2x16xf32>, tensor<2x4xf32>, tensor<?x16x16xf32>, tensor<?x16x8xf32>,
         tensor<2x16xf32>) -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}

// -----

// Expert parallelism: 4 global experts, 2 on this rank (w13/w2 dim 0).
// Routing stays over the 4 logits; the permutation maps each id through
// expert_map and counts the 2 local experts (the other slots are dropped,
// so the GEMMs read only the local weights).
// CHECK-LABEL: func.func @expert_map
//  CHECK-SAME: %[[MAP:[a-z0-9]+]]: tensor<4xi32>
//       CHECK: %[[G:.*]]:2 = moe.gate %{{.*}} k = 2 scoring = softmax
// The dropped slots' slot_rows entries are -1: combine gives them no term.
//       CHECK: %[[P:.*]]:5 = moe.permute %{{.*}}, %[[G]]#1 weights(%[[G]]#0) expert_map(%[[MAP]]) num_experts = 2 outs({{.*}}) slot_rows_outs({{.*}}) : {{.*}} -> (tensor<4x16xbf16>, tensor<4xi32>, tensor<3xi32>, tensor<4xf32>, tensor<4xi32>)
//       CHECK: moe.combine %{{.*}}, %[[P]]#1 slot_rows(%[[P]]#4) k = 2
// GATHER-LABEL: func.func @expert_map
//       GATHER: %[[P:.*]]:4 = moe.permute_indices %{{.*}} weights(%{{.*}}) expert_map(%{{.*}}) num_experts = 2 outs({{.*}}) slot_rows_outs(
//       GATHER: moe.combine %{{.*}}, %[[P]]#0 slot_rows(%[[P]]#3) k = 2
func.func @expert_map(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                      %w13: tensor<2x16x16xbf16>, %w2: tensor<2x16x8xbf16>,
                      %map: tensor<4xi32>,
                      %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      expert_map(%map) outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<2x16x16xbf16>,
         tensor<2x16x8xbf16>, tensor<4xi32>, tensor<2x16xbf16>)
      -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}

// -----

// Qwen3-Next: the shared-expert gate's logits go to moe.gate, which weighs
// the shared slot by their sigmoid.
// CHECK-LABEL: func.func @shared_expert_gate
//  CHECK-SAME: %[[SHARED:[a-z0-9]+]]: tensor<2x1xbf16>
//       CHECK: %[[G:.*]]:2 = moe.gate %{{.*}} shared_logits(%[[SHARED]]) k = 2 scoring = softmax renormalize num_shared_experts = 1 outs(
//       CHECK: moe.permute %{{.*}}, %[[G]]#1 weights(%[[G]]#0) num_experts = 5
func.func @shared_expert_gate(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                              %shared: tensor<2x1xbf16>,
                              %w13: tensor<5x16x16xbf16>, %w2: tensor<5x16x8xbf16>,
                              %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 shared_logits(%shared) k = 2
      scoring = softmax renormalize num_shared_experts = 1 outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<5x16x16xbf16>,
         tensor<5x16x8xbf16>, tensor<2x1xbf16>, tensor<2x16xbf16>) -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}

// -----

// Llama-4: the weights scale the permuted rows (permute scale_rows, also
// with gather-token-rows: the rows must be copied to be scaled), there are
// no row_weights, and the second GEMM has no row scale.
// CHECK-LABEL: func.func @router_weight_on_input
//  CHECK-SAME: (%[[X:[a-z0-9]+]]: tensor<2x16xbf16>, %{{[a-z0-9]+}}: tensor<2x4xbf16>, %[[W13:[a-z0-9]+]]: tensor<5x16x16xbf16>, %[[W2:[a-z0-9]+]]: tensor<5x16x8xbf16>
//       CHECK: %[[G:.*]]:2 = moe.gate %{{.*}} k = 1 scoring = sigmoid num_shared_experts = 1 shared_weight = one outs(
//       CHECK: %[[P:.*]]:4 = moe.permute %[[X]], %[[G]]#1 weights(%[[G]]#0) scale_rows num_experts = 5 outs({{[^)]*}}) slot_rows_outs({{[^)]*}}) : {{.*}} -> (tensor<4x16xbf16>, tensor<4xi32>, tensor<6xi32>, tensor<4xi32>)
//       CHECK: %[[H:.*]] = moe.grouped_matmul %[[P]]#0, %[[W13]], %[[P]]#2 epilogue = silu_and_mul outs(
//       CHECK: %[[Y:.*]] = moe.grouped_matmul %[[H]], %[[W2]], %[[P]]#2 outs(
//       CHECK: moe.combine %[[Y]], %[[P]]#1 slot_rows(%[[P]]#3) k = 2 outs(
// GATHER-LABEL: func.func @router_weight_on_input
//   GATHER-NOT: moe.permute_indices
//       GATHER: moe.permute %{{.*}} weights(%{{.*}}) scale_rows num_experts = 5
//   GATHER-NOT: scale(
//       GATHER: moe.combine
func.func @router_weight_on_input(%x: tensor<2x16xbf16>, %logits: tensor<2x4xbf16>,
                                  %w13: tensor<5x16x16xbf16>, %w2: tensor<5x16x8xbf16>,
                                  %out: tensor<2x16xbf16>) -> tensor<2x16xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid
      num_shared_experts = 1 shared_weight = one router_weight_on_input outs(%out)
      : (tensor<2x16xbf16>, tensor<2x4xbf16>, tensor<5x16x16xbf16>,
         tensor<5x16x8xbf16>, tensor<2x16xbf16>) -> tensor<2x16xbf16>
  return %y : tensor<2x16xbf16>
}
