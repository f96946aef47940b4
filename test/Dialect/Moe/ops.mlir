// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// Round-trip of every moe op in its custom and generic forms, with every
// attribute and optional operand, the model shapes the dialect targets and
// f32/bf16/f16 element types.

//===----------------------------------------------------------------------===//
// moe.gate
//===----------------------------------------------------------------------===//

// Attributes spelled at their default values are elided on printing.
// CHECK-LABEL: func.func @gate_defaults_elided
// CHECK-SAME: (%[[L:[^:]+]]: tensor<4x8xf32>)
// CHECK: %[[W:.*]], %[[I:.*]] = moe.gate %[[L]] k = 2 scoring = softmax : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
// CHECK: return %[[W]], %[[I]]
func.func @gate_defaults_elided(%logits: tensor<4x8xf32>)
    -> (tensor<4x2xf32>, tensor<4x2xi32>) {
  %weights, %ids = moe.gate %logits k = 2 scoring = softmax
      num_groups = 1 topk_groups = 1 group_score = max
      scaling_factor = 1.0 num_shared_experts = 0
      : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return %weights, %ids : tensor<4x2xf32>, tensor<4x2xi32>
}

// Mixtral-8x7B: E=8, k=2, softmax, renormalized.
// CHECK-LABEL: func.func @gate_mixtral
// CHECK-SAME: (%[[L:[^:]+]]: tensor<?x8xbf16>)
// CHECK: moe.gate %[[L]] k = 2 scoring = softmax renormalize : (tensor<?x8xbf16>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
func.func @gate_mixtral(%logits: tensor<?x8xbf16>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %weights, %ids = moe.gate %logits k = 2 scoring = softmax renormalize
      : (tensor<?x8xbf16>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return %weights, %ids : tensor<?x2xf32>, tensor<?x2xi32>
}

// Qwen3-30B-A3B: E=128, k=8, softmax, renormalized.
// CHECK-LABEL: func.func @gate_qwen3
// CHECK-SAME: (%[[L:[^:]+]]: tensor<?x128xbf16>)
// CHECK: moe.gate %[[L]] k = 8 scoring = softmax renormalize : (tensor<?x128xbf16>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
func.func @gate_qwen3(%logits: tensor<?x128xbf16>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  %weights, %ids = moe.gate %logits k = 8 scoring = softmax renormalize
      : (tensor<?x128xbf16>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
  return %weights, %ids : tensor<?x8xf32>, tensor<?x8xi32>
}

// DeepSeek-V3: E=256 + 1 shared, k=8, sigmoid with correction bias, 8 groups
// of which 4 are kept by top2_sum, renormalized, scaled by 2.5.
// CHECK-LABEL: func.func @gate_deepseek_v3
// CHECK-SAME: (%[[L:[^:]+]]: tensor<?x256xbf16>, %[[B:[^:]+]]: tensor<256xf32>)
// CHECK: %[[W:.*]], %[[I:.*]] = moe.gate %[[L]] bias(%[[B]]) k = 8 scoring = sigmoid
// CHECK-SAME: num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
// CHECK-SAME: scaling_factor = 2.500000e+00 num_shared_experts = 1
// CHECK-SAME: : (tensor<?x256xbf16>, tensor<256xf32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
// CHECK: return %[[W]], %[[I]]
func.func @gate_deepseek_v3(%logits: tensor<?x256xbf16>, %bias: tensor<256xf32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>) {
  %weights, %ids = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1
      : (tensor<?x256xbf16>, tensor<256xf32>)
      -> (tensor<?x9xf32>, tensor<?x9xi32>)
  return %weights, %ids : tensor<?x9xf32>, tensor<?x9xi32>
}

// Kimi-K2: E=384 + 1 shared, k=8, sigmoid with bias, a single group, scaled
// by 2.827.
// CHECK-LABEL: func.func @gate_kimi_k2
// CHECK-SAME: (%[[L:[^:]+]]: tensor<?x384xbf16>, %[[B:[^:]+]]: tensor<384xf32>)
// CHECK: moe.gate %[[L]] bias(%[[B]]) k = 8 scoring = sigmoid renormalize scaling_factor = 2.827000e+00 num_shared_experts = 1 : (tensor<?x384xbf16>, tensor<384xf32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
func.func @gate_kimi_k2(%logits: tensor<?x384xbf16>, %bias: tensor<384xf32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>) {
  %weights, %ids = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid
      num_groups = 1 topk_groups = 1 renormalize scaling_factor = 2.827
      num_shared_experts = 1
      : (tensor<?x384xbf16>, tensor<384xf32>)
      -> (tensor<?x9xf32>, tensor<?x9xi32>)
  return %weights, %ids : tensor<?x9xf32>, tensor<?x9xi32>
}

// Sigmoid scoring without bias, f16 logits.
// CHECK-LABEL: func.func @gate_sigmoid_f16
// CHECK: moe.gate %{{.*}} k = 1 scoring = sigmoid : (tensor<3x16xf16>) -> (tensor<3x1xf32>, tensor<3x1xi32>)
func.func @gate_sigmoid_f16(%logits: tensor<3x16xf16>)
    -> (tensor<3x1xf32>, tensor<3x1xi32>) {
  %weights, %ids = moe.gate %logits k = 1 scoring = sigmoid
      : (tensor<3x16xf16>) -> (tensor<3x1xf32>, tensor<3x1xi32>)
  return %weights, %ids : tensor<3x1xf32>, tensor<3x1xi32>
}

// Group-limited routing with the default `max` group score (elided), k equal
// to the number of eligible experts (2 of 4 groups of 4).
// CHECK-LABEL: func.func @gate_groups_max
// CHECK: moe.gate %{{.*}} k = 8 scoring = softmax num_groups = 4 topk_groups = 2 : (tensor<2x16xf32>)
// CHECK-NOT: group_score
func.func @gate_groups_max(%logits: tensor<2x16xf32>)
    -> (tensor<2x8xf32>, tensor<2x8xi32>) {
  %weights, %ids = moe.gate %logits k = 8 scoring = softmax
      num_groups = 4 topk_groups = 2 group_score = max
      : (tensor<2x16xf32>) -> (tensor<2x8xf32>, tensor<2x8xi32>)
  return %weights, %ids : tensor<2x8xf32>, tensor<2x8xi32>
}

// top2_sum without groups, a scaling factor without renormalization, and
// several shared experts.
// CHECK-LABEL: func.func @gate_top2_sum_scale_shared
// CHECK: moe.gate %{{.*}} k = 2 scoring = softmax group_score = top2_sum scaling_factor = 5.000000e-01 num_shared_experts = 2 : (tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xi32>)
func.func @gate_top2_sum_scale_shared(%logits: tensor<2x4xf32>)
    -> (tensor<2x4xf32>, tensor<2x4xi32>) {
  %weights, %ids = moe.gate %logits k = 2 scoring = softmax
      group_score = top2_sum scaling_factor = 0.5 num_shared_experts = 2
      : (tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xi32>)
  return %weights, %ids : tensor<2x4xf32>, tensor<2x4xi32>
}

// Every dimension dynamic: only the attribute-only rules apply.
// CHECK-LABEL: func.func @gate_dynamic
// CHECK: moe.gate %{{.*}} bias(%{{.*}}) k = 4 scoring = sigmoid num_groups = 2 topk_groups = 1 : (tensor<?x?xf32>, tensor<?xf32>) -> (tensor<?x?xf32>, tensor<?x?xi32>)
func.func @gate_dynamic(%logits: tensor<?x?xf32>, %bias: tensor<?xf32>)
    -> (tensor<?x?xf32>, tensor<?x?xi32>) {
  %weights, %ids = moe.gate %logits bias(%bias) k = 4 scoring = sigmoid
      num_groups = 2 topk_groups = 1
      : (tensor<?x?xf32>, tensor<?xf32>) -> (tensor<?x?xf32>, tensor<?x?xi32>)
  return %weights, %ids : tensor<?x?xf32>, tensor<?x?xi32>
}

//===----------------------------------------------------------------------===//
// moe.align
//===----------------------------------------------------------------------===//

// T*k = 64 slots, P = 64 + 8*63 = 568 rounded up to 576 = 9 blocks of 64.
// CHECK-LABEL: func.func @align
// CHECK-SAME: (%[[IDS:[^:]+]]: tensor<32x2xi32>)
// CHECK: %[[S:.*]], %[[E:.*]], %[[N:.*]] = moe.align %[[IDS]] num_experts = 8 block_m = 64 : (tensor<32x2xi32>) -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>)
// CHECK: return %[[S]], %[[E]], %[[N]]
func.func @align(%ids: tensor<32x2xi32>)
    -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>) {
  %sorted, %experts, %total = moe.align %ids num_experts = 8 block_m = 64
      : (tensor<32x2xi32>) -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>)
  return %sorted, %experts, %total
      : tensor<576xi32>, tensor<9xi32>, tensor<1xi32>
}

// With an expert map (expert parallelism), num_experts counting the fused
// shared expert of DeepSeek-V3: 4*9 + 257*15 = 3891 -> 3904 = 244 blocks.
// CHECK-LABEL: func.func @align_expert_map
// CHECK-SAME: (%[[IDS:[^:]+]]: tensor<4x9xi32>, %[[MAP:[^:]+]]: tensor<257xi32>)
// CHECK: moe.align %[[IDS]] expert_map(%[[MAP]]) num_experts = 257 block_m = 16 : (tensor<4x9xi32>, tensor<257xi32>) -> (tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>)
func.func @align_expert_map(%ids: tensor<4x9xi32>, %map: tensor<257xi32>)
    -> (tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>) {
  %sorted, %experts, %total = moe.align %ids expert_map(%map)
      num_experts = 257 block_m = 16
      : (tensor<4x9xi32>, tensor<257xi32>)
      -> (tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>)
  return %sorted, %experts, %total
      : tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>
}

// block_m = 1 needs no padding; dynamic T leaves P dynamic.
// CHECK-LABEL: func.func @align_dynamic
// CHECK: moe.align %{{.*}} num_experts = 128 block_m = 1 : (tensor<?x8xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
func.func @align_dynamic(%ids: tensor<?x8xi32>)
    -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %sorted, %experts, %total = moe.align %ids num_experts = 128 block_m = 1
      : (tensor<?x8xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %sorted, %experts, %total
      : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

//===----------------------------------------------------------------------===//
// moe.permute
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @permute
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xbf16>, %[[IDS:[^:]+]]: tensor<4x2xi32>)
// CHECK: %[[R:.*]], %[[S:.*]], %[[O:.*]] = moe.permute %[[X]], %[[IDS]] num_experts = 8 : (tensor<4x16xbf16>, tensor<4x2xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>)
// CHECK: return %[[R]], %[[S]], %[[O]]
func.func @permute(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>)
    -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>) {
  %rows, %src, %offsets = moe.permute %x, %ids num_experts = 8
      : (tensor<4x16xbf16>, tensor<4x2xi32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>)
  return %rows, %src, %offsets
      : tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>
}

// CHECK-LABEL: func.func @permute_weights
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xbf16>, %[[IDS:[^:]+]]: tensor<4x2xi32>, %[[W:[^:]+]]: tensor<4x2xf32>)
// CHECK: %{{.*}}, %{{.*}}, %{{.*}}, %[[RW:.*]] = moe.permute %[[X]], %[[IDS]] weights(%[[W]]) num_experts = 8 : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
// CHECK: return %[[RW]]
func.func @permute_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>,
                           %w: tensor<4x2xf32>) -> tensor<8xf32> {
  %rows, %src, %offsets, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return %rw : tensor<8xf32>
}

// CHECK-LABEL: func.func @permute_dynamic_f16
// CHECK: moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) num_experts = 257 : (tensor<?x?xf16>, tensor<?x9xi32>, tensor<?x9xf32>) -> (tensor<?x?xf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
func.func @permute_dynamic_f16(%x: tensor<?x?xf16>, %ids: tensor<?x9xi32>,
                               %w: tensor<?x9xf32>) -> tensor<?x?xf16> {
  %rows, %src, %offsets, %rw = moe.permute %x, %ids weights(%w)
      num_experts = 257
      : (tensor<?x?xf16>, tensor<?x9xi32>, tensor<?x9xf32>)
      -> (tensor<?x?xf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
  return %rows : tensor<?x?xf16>
}

//===----------------------------------------------------------------------===//
// moe.combine
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @combine
// CHECK-SAME: (%[[Y:[^:]+]]: tensor<8x16xbf16>, %[[S:[^:]+]]: tensor<8xi32>)
// CHECK: %[[OUT:.*]] = moe.combine %[[Y]], %[[S]] k = 2 : (tensor<8x16xbf16>, tensor<8xi32>) -> tensor<4x16xbf16>
// CHECK: return %[[OUT]]
func.func @combine(%y: tensor<8x16xbf16>, %src: tensor<8xi32>)
    -> tensor<4x16xbf16> {
  %out = moe.combine %y, %src k = 2
      : (tensor<8x16xbf16>, tensor<8xi32>) -> tensor<4x16xbf16>
  return %out : tensor<4x16xbf16>
}

// CHECK-LABEL: func.func @combine_weights
// CHECK-SAME: (%[[Y:[^:]+]]: tensor<8x16xf32>, %[[S:[^:]+]]: tensor<8xi32>, %[[W:[^:]+]]: tensor<4x2xf32>)
// CHECK: moe.combine %[[Y]], %[[S]] weights(%[[W]]) k = 2 : (tensor<8x16xf32>, tensor<8xi32>, tensor<4x2xf32>) -> tensor<4x16xf32>
func.func @combine_weights(%y: tensor<8x16xf32>, %src: tensor<8xi32>,
                           %w: tensor<4x2xf32>) -> tensor<4x16xf32> {
  %out = moe.combine %y, %src weights(%w) k = 2
      : (tensor<8x16xf32>, tensor<8xi32>, tensor<4x2xf32>) -> tensor<4x16xf32>
  return %out : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @combine_dynamic_f16
// CHECK: moe.combine %{{.*}}, %{{.*}} weights(%{{.*}}) k = 9 : (tensor<?x7168xf16>, tensor<?xi32>, tensor<?x9xf32>) -> tensor<?x7168xf16>
func.func @combine_dynamic_f16(%y: tensor<?x7168xf16>, %src: tensor<?xi32>,
                               %w: tensor<?x9xf32>) -> tensor<?x7168xf16> {
  %out = moe.combine %y, %src weights(%w) k = 9
      : (tensor<?x7168xf16>, tensor<?xi32>, tensor<?x9xf32>)
      -> tensor<?x7168xf16>
  return %out : tensor<?x7168xf16>
}

//===----------------------------------------------------------------------===//
// moe.grouped_matmul
//===----------------------------------------------------------------------===//

// Contiguous A, no epilogue (elided when spelled explicitly).
// CHECK-LABEL: func.func @grouped_matmul
// CHECK-SAME: (%[[A:[^:]+]]: tensor<8x16xbf16>, %[[W:[^:]+]]: tensor<2x32x16xbf16>, %[[O:[^:]+]]: tensor<3xi32>)
// CHECK: %[[Y:.*]] = moe.grouped_matmul %[[A]], %[[W]], %[[O]] : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>) -> tensor<8x32xbf16>
// CHECK: return %[[Y]]
func.func @grouped_matmul(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>,
                          %offsets: tensor<3xi32>) -> tensor<8x32xbf16> {
  %y = moe.grouped_matmul %a, %w, %offsets epilogue = none
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>)
      -> tensor<8x32xbf16>
  return %y : tensor<8x32xbf16>
}

// CHECK-LABEL: func.func @grouped_matmul_silu_and_mul
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} epilogue = silu_and_mul : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>) -> tensor<8x16xbf16>
func.func @grouped_matmul_silu_and_mul(%a: tensor<8x16xbf16>,
    %w: tensor<2x32x16xbf16>, %offsets: tensor<3xi32>) -> tensor<8x16xbf16> {
  %y = moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>)
      -> tensor<8x16xbf16>
  return %y : tensor<8x16xbf16>
}

// CHECK-LABEL: func.func @grouped_matmul_gelu_and_mul
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} epilogue = gelu_and_mul : (tensor<8x16xf16>, tensor<2x32x16xf16>, tensor<3xi32>) -> tensor<8x16xf16>
func.func @grouped_matmul_gelu_and_mul(%a: tensor<8x16xf16>,
    %w: tensor<2x32x16xf16>, %offsets: tensor<3xi32>) -> tensor<8x16xf16> {
  %y = moe.grouped_matmul %a, %w, %offsets epilogue = gelu_and_mul
      : (tensor<8x16xf16>, tensor<2x32x16xf16>, tensor<3xi32>)
      -> tensor<8x16xf16>
  return %y : tensor<8x16xf16>
}

// Second expert GEMM of Qwen3: per-row scale (routed weights), dynamic R.
// CHECK-LABEL: func.func @grouped_matmul_scale
// CHECK-SAME: (%[[H:[^:]+]]: tensor<?x768xbf16>, %[[W:[^:]+]]: tensor<128x2048x768xbf16>, %[[O:[^:]+]]: tensor<129xi32>, %[[RW:[^:]+]]: tensor<?xf32>)
// CHECK: moe.grouped_matmul %[[H]], %[[W]], %[[O]] scale(%[[RW]]) : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>, tensor<?xf32>) -> tensor<?x2048xbf16>
func.func @grouped_matmul_scale(%h: tensor<?x768xbf16>,
    %w2: tensor<128x2048x768xbf16>, %offsets: tensor<129xi32>,
    %rw: tensor<?xf32>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %offsets scale(%rw)
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>,
         tensor<?xf32>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// Bias (full N, added before the gated epilogue) and an f32 result of bf16
// operands.
// CHECK-LABEL: func.func @grouped_matmul_bias_f32_out
// CHECK-SAME: (%[[A:[^:]+]]: tensor<8x16xbf16>, %[[W:[^:]+]]: tensor<2x32x16xbf16>, %[[O:[^:]+]]: tensor<3xi32>, %[[B:[^:]+]]: tensor<2x32xbf16>)
// CHECK: moe.grouped_matmul %[[A]], %[[W]], %[[O]] bias(%[[B]]) epilogue = silu_and_mul : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<2x32xbf16>) -> tensor<8x16xf32>
func.func @grouped_matmul_bias_f32_out(%a: tensor<8x16xbf16>,
    %w: tensor<2x32x16xbf16>, %offsets: tensor<3xi32>,
    %bias: tensor<2x32xbf16>) -> tensor<8x16xf32> {
  %y = moe.grouped_matmul %a, %w, %offsets bias(%bias) epilogue = silu_and_mul
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>,
         tensor<2x32xbf16>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// Gathered A with the default index_divisor (elided).
// CHECK-LABEL: func.func @grouped_matmul_gathered
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xf32>, %[[RI:[^:]+]]: tensor<6xi32>, %[[W:[^:]+]]: tensor<3x8x16xf32>, %[[O:[^:]+]]: tensor<4xi32>)
// CHECK: moe.grouped_matmul %[[X]][%[[RI]]], %[[W]], %[[O]] : (tensor<4x16xf32>, tensor<6xi32>, tensor<3x8x16xf32>, tensor<4xi32>) -> tensor<6x8xf32>
// CHECK-NOT: index_divisor
func.func @grouped_matmul_gathered(%x: tensor<4x16xf32>,
    %row_index: tensor<6xi32>, %w: tensor<3x8x16xf32>,
    %offsets: tensor<4xi32>) -> tensor<6x8xf32> {
  %y = moe.grouped_matmul %x[%row_index], %w, %offsets {index_divisor = 1}
      : (tensor<4x16xf32>, tensor<6xi32>, tensor<3x8x16xf32>, tensor<4xi32>)
      -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// The vLLM layout: the first GEMM of Mixtral reads token rows straight from
// flat slot indices (index_divisor = k = 2), every optional operand present.
// CHECK-LABEL: func.func @grouped_matmul_gathered_mixtral
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x4096xbf16>, %[[SRC:[^:]+]]: tensor<?xi32>, %[[W:[^:]+]]: tensor<8x28672x4096xbf16>, %[[O:[^:]+]]: tensor<9xi32>, %[[RW:[^:]+]]: tensor<?xf32>, %[[B:[^:]+]]: tensor<8x28672xf32>)
// CHECK: moe.grouped_matmul %[[X]][%[[SRC]]], %[[W]], %[[O]] scale(%[[RW]]) bias(%[[B]]) epilogue = silu_and_mul {index_divisor = 2 : i64} : (tensor<?x4096xbf16>, tensor<?xi32>, tensor<8x28672x4096xbf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x28672xf32>) -> tensor<?x14336xbf16>
func.func @grouped_matmul_gathered_mixtral(%x: tensor<?x4096xbf16>,
    %src: tensor<?xi32>, %w13: tensor<8x28672x4096xbf16>,
    %offsets: tensor<9xi32>, %rw: tensor<?xf32>, %bias: tensor<8x28672xf32>)
    -> tensor<?x14336xbf16> {
  %y = moe.grouped_matmul %x[%src], %w13, %offsets scale(%rw) bias(%bias)
      epilogue = silu_and_mul {index_divisor = 2 : i64}
      : (tensor<?x4096xbf16>, tensor<?xi32>, tensor<8x28672x4096xbf16>,
         tensor<9xi32>, tensor<?xf32>, tensor<8x28672xf32>)
      -> tensor<?x14336xbf16>
  return %y : tensor<?x14336xbf16>
}

// Every dimension dynamic; an empty expert set (E = 0) and N = K = 0 are
// valid too.
// CHECK-LABEL: func.func @grouped_matmul_dynamic
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} epilogue = gelu_and_mul : (tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?xi32>) -> tensor<?x?xf32>
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} : (tensor<0x0xf32>, tensor<0x0x0xf32>, tensor<1xi32>) -> tensor<0x0xf32>
func.func @grouped_matmul_dynamic(%a: tensor<?x?xf32>, %w: tensor<?x?x?xf32>,
    %offsets: tensor<?xi32>, %a0: tensor<0x0xf32>, %w0: tensor<0x0x0xf32>,
    %offsets0: tensor<1xi32>) -> (tensor<?x?xf32>, tensor<0x0xf32>) {
  %y = moe.grouped_matmul %a, %w, %offsets epilogue = gelu_and_mul
      : (tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?xi32>) -> tensor<?x?xf32>
  %y0 = moe.grouped_matmul %a0, %w0, %offsets0
      : (tensor<0x0xf32>, tensor<0x0x0xf32>, tensor<1xi32>) -> tensor<0x0xf32>
  return %y, %y0 : tensor<?x?xf32>, tensor<0x0xf32>
}

//===----------------------------------------------------------------------===//
// moe.mot_linear
//===----------------------------------------------------------------------===//

// Bagel QKV projection: two token types with bias.
// CHECK-LABEL: func.func @mot_linear_bias
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x3584xbf16>, %[[W:[^:]+]]: tensor<2x4608x3584xbf16>, %[[T:[^:]+]]: tensor<?xi32>, %[[B:[^:]+]]: tensor<2x4608xbf16>)
// CHECK: %[[Y:.*]] = moe.mot_linear %[[X]], %[[W]], %[[T]] bias(%[[B]]) : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>, tensor<2x4608xbf16>) -> tensor<?x4608xbf16>
// CHECK: return %[[Y]]
func.func @mot_linear_bias(%x: tensor<?x3584xbf16>,
    %w: tensor<2x4608x3584xbf16>, %types: tensor<?xi32>,
    %b: tensor<2x4608xbf16>) -> tensor<?x4608xbf16> {
  %qkv = moe.mot_linear %x, %w, %types bias(%b)
      : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>,
         tensor<2x4608xbf16>) -> tensor<?x4608xbf16>
  return %qkv : tensor<?x4608xbf16>
}

// CHECK-LABEL: func.func @mot_linear
// CHECK: moe.mot_linear %{{.*}}, %{{.*}}, %{{.*}} : (tensor<5x8xf16>, tensor<3x4x8xf16>, tensor<5xi32>) -> tensor<5x4xf32>
func.func @mot_linear(%x: tensor<5x8xf16>, %w: tensor<3x4x8xf16>,
                      %types: tensor<5xi32>) -> tensor<5x4xf32> {
  %y = moe.mot_linear %x, %w, %types
      : (tensor<5x8xf16>, tensor<3x4x8xf16>, tensor<5xi32>) -> tensor<5x4xf32>
  return %y : tensor<5x4xf32>
}

//===----------------------------------------------------------------------===//
// moe.rms_norm
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x4096xbf16>, %[[W:[^:]+]]: tensor<4096xbf16>)
// CHECK: %[[Y:.*]] = moe.rms_norm %[[X]], %[[W]] epsilon = 9.99999974E-6 : (tensor<4x4096xbf16>, tensor<4096xbf16>) -> tensor<4x4096xbf16>
// CHECK: return %[[Y]]
func.func @rms_norm(%x: tensor<4x4096xbf16>, %w: tensor<4096xbf16>)
    -> tensor<4x4096xbf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-05
      : (tensor<4x4096xbf16>, tensor<4096xbf16>) -> tensor<4x4096xbf16>
  return %y : tensor<4x4096xbf16>
}

// An f32 weight normalizing f16 activations.
// CHECK-LABEL: func.func @rms_norm_f16
// CHECK: moe.rms_norm %{{.*}}, %{{.*}} epsilon = 9.99999997E-7 : (tensor<?x?xf16>, tensor<?xf32>) -> tensor<?x?xf16>
func.func @rms_norm_f16(%x: tensor<?x?xf16>, %w: tensor<?xf32>)
    -> tensor<?x?xf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06
      : (tensor<?x?xf16>, tensor<?xf32>) -> tensor<?x?xf16>
  return %y : tensor<?x?xf16>
}

// Per-type weights (MoT).
// CHECK-LABEL: func.func @rms_norm_per_type
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x3584xbf16>, %[[W:[^:]+]]: tensor<2x3584xbf16>, %[[T:[^:]+]]: tensor<?xi32>)
// CHECK: moe.rms_norm %[[X]], %[[W]] type_ids(%[[T]]) epsilon = 9.99999997E-7 : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>) -> tensor<?x3584xbf16>
func.func @rms_norm_per_type(%x: tensor<?x3584xbf16>, %w: tensor<2x3584xbf16>,
                             %types: tensor<?xi32>) -> tensor<?x3584xbf16> {
  %y = moe.rms_norm %x, %w type_ids(%types) epsilon = 1.0e-06
      : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>)
      -> tensor<?x3584xbf16>
  return %y : tensor<?x3584xbf16>
}

// Fused residual add.
// CHECK-LABEL: func.func @rms_norm_residual
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x64xf32>, %[[W:[^:]+]]: tensor<64xf32>, %[[R:[^:]+]]: tensor<4x64xf32>)
// CHECK: %[[Y:.*]], %[[SUM:.*]] = moe.rms_norm %[[X]], %[[W]] residual(%[[R]]) epsilon = 9.99999997E-7 : (tensor<4x64xf32>, tensor<64xf32>, tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>)
// CHECK: return %[[Y]], %[[SUM]]
func.func @rms_norm_residual(%x: tensor<4x64xf32>, %w: tensor<64xf32>,
                             %res: tensor<4x64xf32>)
    -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %y, %sum = moe.rms_norm %x, %w residual(%res) epsilon = 1.0e-06
      : (tensor<4x64xf32>, tensor<64xf32>, tensor<4x64xf32>)
      -> (tensor<4x64xf32>, tensor<4x64xf32>)
  return %y, %sum : tensor<4x64xf32>, tensor<4x64xf32>
}

// Per-type weights and the residual add together.
// CHECK-LABEL: func.func @rms_norm_per_type_residual
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x3584xbf16>, %[[W:[^:]+]]: tensor<2x3584xbf16>, %[[T:[^:]+]]: tensor<?xi32>, %[[R:[^:]+]]: tensor<?x3584xbf16>)
// CHECK: moe.rms_norm %[[X]], %[[W]] type_ids(%[[T]]) residual(%[[R]]) epsilon = 9.99999997E-7 : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>, tensor<?x3584xbf16>) -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
func.func @rms_norm_per_type_residual(%x: tensor<?x3584xbf16>,
    %w: tensor<2x3584xbf16>, %types: tensor<?xi32>, %res: tensor<?x3584xbf16>)
    -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>) {
  %y, %sum = moe.rms_norm %x, %w type_ids(%types) residual(%res)
      epsilon = 1.0e-06
      : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>,
         tensor<?x3584xbf16>) -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
  return %y, %sum : tensor<?x3584xbf16>, tensor<?x3584xbf16>
}

//===----------------------------------------------------------------------===//
// moe.silu_and_mul
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @silu_and_mul
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x1536xbf16>)
// CHECK: %[[H:.*]] = moe.silu_and_mul %[[X]] : tensor<?x1536xbf16> -> tensor<?x768xbf16>
// CHECK: return %[[H]]
func.func @silu_and_mul(%x: tensor<?x1536xbf16>) -> tensor<?x768xbf16> {
  %h = moe.silu_and_mul %x : tensor<?x1536xbf16> -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// CHECK-LABEL: func.func @silu_and_mul_f32_f16
// CHECK: moe.silu_and_mul %{{.*}} : tensor<3x8xf32> -> tensor<3x4xf32>
// CHECK: moe.silu_and_mul %{{.*}} : tensor<?x?xf16> -> tensor<?x?xf16>
func.func @silu_and_mul_f32_f16(%x: tensor<3x8xf32>, %y: tensor<?x?xf16>)
    -> (tensor<3x4xf32>, tensor<?x?xf16>) {
  %a = moe.silu_and_mul %x : tensor<3x8xf32> -> tensor<3x4xf32>
  %b = moe.silu_and_mul %y : tensor<?x?xf16> -> tensor<?x?xf16>
  return %a, %b : tensor<3x4xf32>, tensor<?x?xf16>
}

//===----------------------------------------------------------------------===//
// moe.fused_moe
//===----------------------------------------------------------------------===//

// Mixtral-8x7B: E=8, k=2, H=4096, I=14336, silu (default, elided).
// CHECK-LABEL: func.func @fused_moe_mixtral
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x4096xbf16>, %[[L:[^:]+]]: tensor<?x8xbf16>, %[[W13:[^:]+]]: tensor<8x28672x4096xbf16>, %[[W2:[^:]+]]: tensor<8x4096x14336xbf16>)
// CHECK: %[[Y:.*]] = moe.fused_moe %[[X]], %[[L]], %[[W13]], %[[W2]] k = 2 scoring = softmax renormalize : (tensor<?x4096xbf16>, tensor<?x8xbf16>, tensor<8x28672x4096xbf16>, tensor<8x4096x14336xbf16>) -> tensor<?x4096xbf16>
// CHECK: return %[[Y]]
func.func @fused_moe_mixtral(%x: tensor<?x4096xbf16>, %logits: tensor<?x8xbf16>,
    %w13: tensor<8x28672x4096xbf16>, %w2: tensor<8x4096x14336xbf16>)
    -> tensor<?x4096xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      renormalize activation = silu
      : (tensor<?x4096xbf16>, tensor<?x8xbf16>, tensor<8x28672x4096xbf16>,
         tensor<8x4096x14336xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// Qwen3-30B-A3B: E=128, k=8, H=2048, I=768.
// CHECK-LABEL: func.func @fused_moe_qwen3
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 8 scoring = softmax renormalize : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x2048xbf16>, tensor<128x2048x768xbf16>) -> tensor<?x2048xbf16>
func.func @fused_moe_qwen3(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
    %w13: tensor<128x1536x2048xbf16>, %w2: tensor<128x2048x768xbf16>)
    -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax
      renormalize
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x2048xbf16>,
         tensor<128x2048x768xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// DeepSeek-V3: E=256 + 1 shared expert, k=8, sigmoid with bias, 8 groups of
// which 4 by top2_sum, scale 2.5, H=7168, I=2048.
// CHECK-LABEL: func.func @fused_moe_deepseek_v3
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x7168xbf16>, %[[L:[^:]+]]: tensor<?x256xf32>, %[[W13:[^:]+]]: tensor<257x4096x7168xbf16>, %[[W2:[^:]+]]: tensor<257x7168x2048xbf16>, %[[B:[^:]+]]: tensor<256xf32>)
// CHECK: moe.fused_moe %[[X]], %[[L]], %[[W13]], %[[W2]] bias(%[[B]]) k = 8 scoring = sigmoid
// CHECK-SAME: num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
// CHECK-SAME: scaling_factor = 2.500000e+00 num_shared_experts = 1
// CHECK-SAME: : (tensor<?x7168xbf16>, tensor<?x256xf32>, tensor<257x4096x7168xbf16>, tensor<257x7168x2048xbf16>, tensor<256xf32>) -> tensor<?x7168xbf16>
func.func @fused_moe_deepseek_v3(%x: tensor<?x7168xbf16>,
    %logits: tensor<?x256xf32>, %w13: tensor<257x4096x7168xbf16>,
    %w2: tensor<257x7168x2048xbf16>, %bias: tensor<256xf32>)
    -> tensor<?x7168xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1
      : (tensor<?x7168xbf16>, tensor<?x256xf32>, tensor<257x4096x7168xbf16>,
         tensor<257x7168x2048xbf16>, tensor<256xf32>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// Kimi-K2: E=384 + 1 shared expert, k=8, sigmoid with bias, a single group,
// scale 2.827, H=7168, I=2048.
// CHECK-LABEL: func.func @fused_moe_kimi_k2
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}}) k = 8 scoring = sigmoid renormalize scaling_factor = 2.827000e+00 num_shared_experts = 1 : (tensor<?x7168xbf16>, tensor<?x384xf32>, tensor<385x4096x7168xbf16>, tensor<385x7168x2048xbf16>, tensor<384xf32>) -> tensor<?x7168xbf16>
func.func @fused_moe_kimi_k2(%x: tensor<?x7168xbf16>,
    %logits: tensor<?x384xf32>, %w13: tensor<385x4096x7168xbf16>,
    %w2: tensor<385x7168x2048xbf16>, %bias: tensor<384xf32>)
    -> tensor<?x7168xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      num_groups = 1 topk_groups = 1 renormalize scaling_factor = 2.827
      num_shared_experts = 1
      : (tensor<?x7168xbf16>, tensor<?x384xf32>, tensor<385x4096x7168xbf16>,
         tensor<385x7168x2048xbf16>, tensor<384xf32>) -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// GELU activation, f16, static T.
// CHECK-LABEL: func.func @fused_moe_gelu_f16
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 1 scoring = softmax activation = gelu : (tensor<3x16xf16>, tensor<3x4xf16>, tensor<4x64x16xf16>, tensor<4x16x32xf16>) -> tensor<3x16xf16>
func.func @fused_moe_gelu_f16(%x: tensor<3x16xf16>, %logits: tensor<3x4xf16>,
    %w13: tensor<4x64x16xf16>, %w2: tensor<4x16x32xf16>) -> tensor<3x16xf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = softmax
      activation = gelu
      : (tensor<3x16xf16>, tensor<3x4xf16>, tensor<4x64x16xf16>,
         tensor<4x16x32xf16>) -> tensor<3x16xf16>
  return %y : tensor<3x16xf16>
}

// Every dimension dynamic, f32, with two shared experts and groups.
// CHECK-LABEL: func.func @fused_moe_dynamic_f32
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 2 scoring = softmax num_groups = 4 topk_groups = 2 num_shared_experts = 2 activation = gelu : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?x?x?xf32>) -> tensor<?x?xf32>
func.func @fused_moe_dynamic_f32(%x: tensor<?x?xf32>, %logits: tensor<?x?xf32>,
    %w13: tensor<?x?x?xf32>, %w2: tensor<?x?x?xf32>) -> tensor<?x?xf32> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      num_groups = 4 topk_groups = 2 num_shared_experts = 2 activation = gelu
      : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?x?xf32>,
         tensor<?x?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
