// RUN: moe-opt %s | moe-opt | FileCheck %s
// RUN: moe-opt %s --mlir-print-op-generic | moe-opt | FileCheck %s

// Round-trip of every moe op in its custom and generic forms, with every
// attribute and optional operand, the model shapes the dialect targets and
// f32/bf16/f16 element types.
//
// Every op is in destination-passing style: the trailing `outs(...)` operands
// are the destinations of its results. On tensors the op returns one result
// per out, of the same type (the outs are function arguments here, or
// tensor.empty in the dynamic-shape case at the end); in the buffer form
// (`*_buffer` cases) the outs are memrefs and the op has no results.

//===----------------------------------------------------------------------===//
// moe.gate
//===----------------------------------------------------------------------===//

// Attributes spelled at their default values are elided on printing.
// CHECK-LABEL: func.func @gate_defaults_elided
// CHECK-SAME: (%[[L:[^:]+]]: tensor<4x8xf32>, %[[WEIGHTS_INIT:[^:]+]]: tensor<4x2xf32>, %[[IDS_INIT:[^:]+]]: tensor<4x2xi32>)
// CHECK: %[[G:.*]]:2 = moe.gate %[[L]] k = 2 scoring = softmax outs(%[[WEIGHTS_INIT]], %[[IDS_INIT]]) : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
// CHECK: return %[[G]]#0, %[[G]]#1
func.func @gate_defaults_elided(%logits: tensor<4x8xf32>,
    %weights_init: tensor<4x2xf32>, %ids_init: tensor<4x2xi32>)
    -> (tensor<4x2xf32>, tensor<4x2xi32>) {
  %weights, %ids = moe.gate %logits k = 2 scoring = softmax
      num_groups = 1 topk_groups = 1 group_score = max
      scaling_factor = 1.0 num_shared_experts = 0 outs(%weights_init, %ids_init)
      : (tensor<4x8xf32>, tensor<4x2xf32>, tensor<4x2xi32>)
      -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return %weights, %ids : tensor<4x2xf32>, tensor<4x2xi32>
}

// Mixtral-8x7B: E=8, k=2, softmax, renormalized.
// CHECK-LABEL: func.func @gate_mixtral
// CHECK-SAME: (%[[L:[^:]+]]: tensor<?x8xbf16>, %[[WEIGHTS_INIT:[^:]+]]: tensor<?x2xf32>, %[[IDS_INIT:[^:]+]]: tensor<?x2xi32>)
// CHECK: moe.gate %[[L]] k = 2 scoring = softmax renormalize outs(%[[WEIGHTS_INIT]], %[[IDS_INIT]]) : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
func.func @gate_mixtral(%logits: tensor<?x8xbf16>,
    %weights_init: tensor<?x2xf32>, %ids_init: tensor<?x2xi32>)
    -> (tensor<?x2xf32>, tensor<?x2xi32>) {
  %weights, %ids = moe.gate %logits k = 2 scoring = softmax renormalize
      outs(%weights_init, %ids_init)
      : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>)
      -> (tensor<?x2xf32>, tensor<?x2xi32>)
  return %weights, %ids : tensor<?x2xf32>, tensor<?x2xi32>
}

// Qwen3-30B-A3B: E=128, k=8, softmax, renormalized.
// CHECK-LABEL: func.func @gate_qwen3
// CHECK-SAME: (%[[L:[^:]+]]: tensor<?x128xbf16>, %[[WEIGHTS_INIT:[^:]+]]: tensor<?x8xf32>, %[[IDS_INIT:[^:]+]]: tensor<?x8xi32>)
// CHECK: moe.gate %[[L]] k = 8 scoring = softmax renormalize outs(%[[WEIGHTS_INIT]], %[[IDS_INIT]]) : (tensor<?x128xbf16>, tensor<?x8xf32>, tensor<?x8xi32>) -> (tensor<?x8xf32>, tensor<?x8xi32>)
func.func @gate_qwen3(%logits: tensor<?x128xbf16>,
    %weights_init: tensor<?x8xf32>, %ids_init: tensor<?x8xi32>)
    -> (tensor<?x8xf32>, tensor<?x8xi32>) {
  %weights, %ids = moe.gate %logits k = 8 scoring = softmax renormalize
      outs(%weights_init, %ids_init)
      : (tensor<?x128xbf16>, tensor<?x8xf32>, tensor<?x8xi32>)
      -> (tensor<?x8xf32>, tensor<?x8xi32>)
  return %weights, %ids : tensor<?x8xf32>, tensor<?x8xi32>
}

// DeepSeek-V3: E=256 + 1 shared, k=8, sigmoid with correction bias, 8 groups
// of which 4 are kept by top2_sum, renormalized, scaled by 2.5.
// CHECK-LABEL: func.func @gate_deepseek_v3
// CHECK-SAME: (%[[L:[^:]+]]: tensor<?x256xbf16>, %[[B:[^:]+]]: tensor<256xf32>, %[[WEIGHTS_INIT:[^:]+]]: tensor<?x9xf32>, %[[IDS_INIT:[^:]+]]: tensor<?x9xi32>)
// CHECK: %[[G:.*]]:2 = moe.gate %[[L]] bias(%[[B]]) k = 8 scoring = sigmoid
// CHECK-SAME: num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
// CHECK-SAME: scaling_factor = 2.500000e+00 num_shared_experts = 1
// CHECK-SAME: outs(%[[WEIGHTS_INIT]], %[[IDS_INIT]])
// CHECK-SAME: : (tensor<?x256xbf16>, tensor<256xf32>, tensor<?x9xf32>, tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
// CHECK: return %[[G]]#0, %[[G]]#1
func.func @gate_deepseek_v3(%logits: tensor<?x256xbf16>, %bias: tensor<256xf32>,
    %weights_init: tensor<?x9xf32>, %ids_init: tensor<?x9xi32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>) {
  %weights, %ids = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1 outs(%weights_init, %ids_init)
      : (tensor<?x256xbf16>, tensor<256xf32>, tensor<?x9xf32>, tensor<?x9xi32>)
      -> (tensor<?x9xf32>, tensor<?x9xi32>)
  return %weights, %ids : tensor<?x9xf32>, tensor<?x9xi32>
}

// Kimi-K2: E=384 + 1 shared, k=8, sigmoid with bias, a single group, scaled
// by 2.827.
// CHECK-LABEL: func.func @gate_kimi_k2
// CHECK-SAME: (%[[L:[^:]+]]: tensor<?x384xbf16>, %[[B:[^:]+]]: tensor<384xf32>, %[[WEIGHTS_INIT:[^:]+]]: tensor<?x9xf32>, %[[IDS_INIT:[^:]+]]: tensor<?x9xi32>)
// CHECK: moe.gate %[[L]] bias(%[[B]]) k = 8 scoring = sigmoid renormalize scaling_factor = 2.827000e+00 num_shared_experts = 1 outs(%[[WEIGHTS_INIT]], %[[IDS_INIT]]) : (tensor<?x384xbf16>, tensor<384xf32>, tensor<?x9xf32>, tensor<?x9xi32>) -> (tensor<?x9xf32>, tensor<?x9xi32>)
func.func @gate_kimi_k2(%logits: tensor<?x384xbf16>, %bias: tensor<384xf32>,
    %weights_init: tensor<?x9xf32>, %ids_init: tensor<?x9xi32>)
    -> (tensor<?x9xf32>, tensor<?x9xi32>) {
  %weights, %ids = moe.gate %logits bias(%bias) k = 8 scoring = sigmoid
      num_groups = 1 topk_groups = 1 renormalize scaling_factor = 2.827
      num_shared_experts = 1 outs(%weights_init, %ids_init)
      : (tensor<?x384xbf16>, tensor<384xf32>, tensor<?x9xf32>, tensor<?x9xi32>)
      -> (tensor<?x9xf32>, tensor<?x9xi32>)
  return %weights, %ids : tensor<?x9xf32>, tensor<?x9xi32>
}

// Sigmoid scoring without bias, f16 logits.
// CHECK-LABEL: func.func @gate_sigmoid_f16
// CHECK: moe.gate %{{.*}} k = 1 scoring = sigmoid outs(%{{.*}}, %{{.*}}) : (tensor<3x16xf16>, tensor<3x1xf32>, tensor<3x1xi32>) -> (tensor<3x1xf32>, tensor<3x1xi32>)
func.func @gate_sigmoid_f16(%logits: tensor<3x16xf16>,
    %weights_init: tensor<3x1xf32>, %ids_init: tensor<3x1xi32>)
    -> (tensor<3x1xf32>, tensor<3x1xi32>) {
  %weights, %ids = moe.gate %logits k = 1 scoring = sigmoid
      outs(%weights_init, %ids_init)
      : (tensor<3x16xf16>, tensor<3x1xf32>, tensor<3x1xi32>)
      -> (tensor<3x1xf32>, tensor<3x1xi32>)
  return %weights, %ids : tensor<3x1xf32>, tensor<3x1xi32>
}

// Group-limited routing with the default `max` group score (elided), k equal
// to the number of eligible experts (2 of 4 groups of 4).
// CHECK-LABEL: func.func @gate_groups_max
// CHECK: moe.gate %{{.*}} k = 8 scoring = softmax num_groups = 4 topk_groups = 2 outs(%{{.*}}, %{{.*}}) : (tensor<2x16xf32>, tensor<2x8xf32>, tensor<2x8xi32>)
// CHECK-NOT: group_score
func.func @gate_groups_max(%logits: tensor<2x16xf32>,
    %weights_init: tensor<2x8xf32>, %ids_init: tensor<2x8xi32>)
    -> (tensor<2x8xf32>, tensor<2x8xi32>) {
  %weights, %ids = moe.gate %logits k = 8 scoring = softmax
      num_groups = 4 topk_groups = 2 group_score = max
      outs(%weights_init, %ids_init)
      : (tensor<2x16xf32>, tensor<2x8xf32>, tensor<2x8xi32>)
      -> (tensor<2x8xf32>, tensor<2x8xi32>)
  return %weights, %ids : tensor<2x8xf32>, tensor<2x8xi32>
}

// top2_sum without groups, a scaling factor without renormalization, and
// several shared experts.
// CHECK-LABEL: func.func @gate_top2_sum_scale_shared
// CHECK: moe.gate %{{.*}} k = 2 scoring = softmax group_score = top2_sum scaling_factor = 5.000000e-01 num_shared_experts = 2 outs(%{{.*}}, %{{.*}}) : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xi32>) -> (tensor<2x4xf32>, tensor<2x4xi32>)
func.func @gate_top2_sum_scale_shared(%logits: tensor<2x4xf32>,
    %weights_init: tensor<2x4xf32>, %ids_init: tensor<2x4xi32>)
    -> (tensor<2x4xf32>, tensor<2x4xi32>) {
  %weights, %ids = moe.gate %logits k = 2 scoring = softmax
      group_score = top2_sum scaling_factor = 0.5 num_shared_experts = 2
      outs(%weights_init, %ids_init)
      : (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xi32>)
      -> (tensor<2x4xf32>, tensor<2x4xi32>)
  return %weights, %ids : tensor<2x4xf32>, tensor<2x4xi32>
}

// Every dimension dynamic: only the attribute-only rules apply.
// CHECK-LABEL: func.func @gate_dynamic
// CHECK: moe.gate %{{.*}} bias(%{{.*}}) k = 4 scoring = sigmoid num_groups = 2 topk_groups = 1 outs(%{{.*}}, %{{.*}}) : (tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?x?xi32>) -> (tensor<?x?xf32>, tensor<?x?xi32>)
func.func @gate_dynamic(%logits: tensor<?x?xf32>, %bias: tensor<?xf32>,
    %weights_init: tensor<?x?xf32>, %ids_init: tensor<?x?xi32>)
    -> (tensor<?x?xf32>, tensor<?x?xi32>) {
  %weights, %ids = moe.gate %logits bias(%bias) k = 4 scoring = sigmoid
      num_groups = 2 topk_groups = 1 outs(%weights_init, %ids_init)
      : (tensor<?x?xf32>, tensor<?xf32>, tensor<?x?xf32>, tensor<?x?xi32>)
      -> (tensor<?x?xf32>, tensor<?x?xi32>)
  return %weights, %ids : tensor<?x?xf32>, tensor<?x?xi32>
}

// Buffer form (after bufferization): the outs are memrefs, the op reads its
// inputs, writes its outs and has no results.
// CHECK-LABEL: func.func @gate_buffer
// CHECK-SAME: (%[[L:[^:]+]]: memref<4x8xf32>, %[[W:[^:]+]]: memref<4x2xf32>, %[[I:[^:]+]]: memref<4x2xi32>)
// CHECK-NEXT: {{^ *}}moe.gate %[[L]] k = 2 scoring = softmax outs(%[[W]], %[[I]]) : (memref<4x8xf32>, memref<4x2xf32>, memref<4x2xi32>) -> ()
// CHECK-NEXT: return
func.func @gate_buffer(%logits: memref<4x8xf32>, %weights: memref<4x2xf32>,
                       %ids: memref<4x2xi32>) {
  moe.gate %logits k = 2 scoring = softmax outs(%weights, %ids)
      : (memref<4x8xf32>, memref<4x2xf32>, memref<4x2xi32>) -> ()
  return
}

// Buffer form with every routing attribute and an out with a strided layout
// (e.g. a subview of a larger buffer).
// CHECK-LABEL: func.func @gate_buffer_deepseek_v3
// CHECK-SAME: (%[[L:[^:]+]]: memref<?x256xbf16>, %[[B:[^:]+]]: memref<256xf32>, %[[W:[^:]+]]: memref<?x9xf32, strided<[16, 1], offset: ?>>, %[[I:[^:]+]]: memref<?x9xi32>)
// CHECK-NEXT: {{^ *}}moe.gate %[[L]] bias(%[[B]]) k = 8 scoring = sigmoid
// CHECK-SAME: num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
// CHECK-SAME: scaling_factor = 2.500000e+00 num_shared_experts = 1 outs(%[[W]], %[[I]])
// CHECK-SAME: : (memref<?x256xbf16>, memref<256xf32>, memref<?x9xf32, strided<[16, 1], offset: ?>>, memref<?x9xi32>) -> ()
// CHECK-NEXT: return
func.func @gate_buffer_deepseek_v3(%logits: memref<?x256xbf16>,
    %bias: memref<256xf32>,
    %weights: memref<?x9xf32, strided<[16, 1], offset: ?>>,
    %ids: memref<?x9xi32>) {
  moe.gate %logits bias(%bias) k = 8 scoring = sigmoid num_groups = 8
      topk_groups = 4 group_score = top2_sum renormalize scaling_factor = 2.5
      num_shared_experts = 1 outs(%weights, %ids)
      : (memref<?x256xbf16>, memref<256xf32>,
         memref<?x9xf32, strided<[16, 1], offset: ?>>, memref<?x9xi32>) -> ()
  return
}

//===----------------------------------------------------------------------===//
// moe.align
//===----------------------------------------------------------------------===//

// T*k = 64 slots, P = 64 + 8*63 = 568 rounded up to 576 = 9 blocks of 64.
// CHECK-LABEL: func.func @align
// CHECK-SAME: (%[[IDS:[^:]+]]: tensor<32x2xi32>, %[[SORTED_INIT:[^:]+]]: tensor<576xi32>, %[[EXPERTS_INIT:[^:]+]]: tensor<9xi32>, %[[TOTAL_INIT:[^:]+]]: tensor<1xi32>)
// CHECK: %[[A:.*]]:3 = moe.align %[[IDS]] num_experts = 8 block_m = 64 outs(%[[SORTED_INIT]], %[[EXPERTS_INIT]], %[[TOTAL_INIT]]) : (tensor<32x2xi32>, tensor<576xi32>, tensor<9xi32>, tensor<1xi32>) -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>)
// CHECK: return %[[A]]#0, %[[A]]#1, %[[A]]#2
func.func @align(%ids: tensor<32x2xi32>, %sorted_init: tensor<576xi32>,
    %experts_init: tensor<9xi32>, %total_init: tensor<1xi32>)
    -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>) {
  %sorted, %experts, %total = moe.align %ids num_experts = 8 block_m = 64
      outs(%sorted_init, %experts_init, %total_init)
      : (tensor<32x2xi32>, tensor<576xi32>, tensor<9xi32>, tensor<1xi32>)
      -> (tensor<576xi32>, tensor<9xi32>, tensor<1xi32>)
  return %sorted, %experts, %total
      : tensor<576xi32>, tensor<9xi32>, tensor<1xi32>
}

// With an expert map (expert parallelism), num_experts counting the fused
// shared expert of DeepSeek-V3: 4*9 + 257*15 = 3891 -> 3904 = 244 blocks.
// CHECK-LABEL: func.func @align_expert_map
// CHECK-SAME: (%[[IDS:[^:]+]]: tensor<4x9xi32>, %[[MAP:[^:]+]]: tensor<257xi32>, %[[SORTED_INIT:[^:]+]]: tensor<3904xi32>, %[[EXPERTS_INIT:[^:]+]]: tensor<244xi32>, %[[TOTAL_INIT:[^:]+]]: tensor<1xi32>)
// CHECK: moe.align %[[IDS]] expert_map(%[[MAP]]) num_experts = 257 block_m = 16 outs(%[[SORTED_INIT]], %[[EXPERTS_INIT]], %[[TOTAL_INIT]]) : (tensor<4x9xi32>, tensor<257xi32>, tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>) -> (tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>)
func.func @align_expert_map(%ids: tensor<4x9xi32>, %map: tensor<257xi32>,
    %sorted_init: tensor<3904xi32>, %experts_init: tensor<244xi32>,
    %total_init: tensor<1xi32>)
    -> (tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>) {
  %sorted, %experts, %total = moe.align %ids expert_map(%map)
      num_experts = 257 block_m = 16
      outs(%sorted_init, %experts_init, %total_init)
      : (tensor<4x9xi32>, tensor<257xi32>, tensor<3904xi32>, tensor<244xi32>,
         tensor<1xi32>) -> (tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>)
  return %sorted, %experts, %total
      : tensor<3904xi32>, tensor<244xi32>, tensor<1xi32>
}

// block_m = 1 needs no padding; dynamic T leaves P dynamic.
// CHECK-LABEL: func.func @align_dynamic
// CHECK: moe.align %{{.*}} num_experts = 128 block_m = 1 outs(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?x8xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
func.func @align_dynamic(%ids: tensor<?x8xi32>, %sorted_init: tensor<?xi32>,
    %experts_init: tensor<?xi32>, %total_init: tensor<1xi32>)
    -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>) {
  %sorted, %experts, %total = moe.align %ids num_experts = 128 block_m = 1
      outs(%sorted_init, %experts_init, %total_init)
      : (tensor<?x8xi32>, tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
      -> (tensor<?xi32>, tensor<?xi32>, tensor<1xi32>)
  return %sorted, %experts, %total
      : tensor<?xi32>, tensor<?xi32>, tensor<1xi32>
}

// Buffer form, with and without an expert map; two ops may share an out.
// CHECK-LABEL: func.func @align_buffer
// CHECK-SAME: (%[[IDS:[^:]+]]: memref<32x2xi32>, %[[MAP:[^:]+]]: memref<8xi32>, %[[S:[^:]+]]: memref<576xi32>, %[[E:[^:]+]]: memref<9xi32>, %[[N:[^:]+]]: memref<1xi32>, %[[IDS2:[^:]+]]: memref<?x8xi32>, %[[S2:[^:]+]]: memref<?xi32>, %[[E2:[^:]+]]: memref<?xi32>)
// CHECK-NEXT: {{^ *}}moe.align %[[IDS]] expert_map(%[[MAP]]) num_experts = 8 block_m = 64 outs(%[[S]], %[[E]], %[[N]]) : (memref<32x2xi32>, memref<8xi32>, memref<576xi32>, memref<9xi32>, memref<1xi32>) -> ()
// CHECK-NEXT: {{^ *}}moe.align %[[IDS2]] num_experts = 128 block_m = 1 outs(%[[S2]], %[[E2]], %[[N]]) : (memref<?x8xi32>, memref<?xi32>, memref<?xi32>, memref<1xi32>) -> ()
// CHECK-NEXT: return
func.func @align_buffer(%ids: memref<32x2xi32>, %map: memref<8xi32>,
    %sorted: memref<576xi32>, %experts: memref<9xi32>, %total: memref<1xi32>,
    %ids_dyn: memref<?x8xi32>, %sorted_dyn: memref<?xi32>,
    %experts_dyn: memref<?xi32>) {
  moe.align %ids expert_map(%map) num_experts = 8 block_m = 64
      outs(%sorted, %experts, %total)
      : (memref<32x2xi32>, memref<8xi32>, memref<576xi32>, memref<9xi32>,
         memref<1xi32>) -> ()
  moe.align %ids_dyn num_experts = 128 block_m = 1
      outs(%sorted_dyn, %experts_dyn, %total)
      : (memref<?x8xi32>, memref<?xi32>, memref<?xi32>, memref<1xi32>) -> ()
  return
}

//===----------------------------------------------------------------------===//
// moe.permute
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @permute
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xbf16>, %[[IDS:[^:]+]]: tensor<4x2xi32>, %[[ROWS_INIT:[^:]+]]: tensor<8x16xbf16>, %[[SRC_INIT:[^:]+]]: tensor<8xi32>, %[[OFFSETS_INIT:[^:]+]]: tensor<9xi32>)
// CHECK: %[[P:.*]]:3 = moe.permute %[[X]], %[[IDS]] num_experts = 8 outs(%[[ROWS_INIT]], %[[SRC_INIT]], %[[OFFSETS_INIT]]) : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>)
// CHECK: return %[[P]]#0, %[[P]]#1, %[[P]]#2
func.func @permute(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>,
    %rows_init: tensor<8x16xbf16>, %src_init: tensor<8xi32>,
    %offsets_init: tensor<9xi32>)
    -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>) {
  %rows, %src, %offsets = moe.permute %x, %ids num_experts = 8
      outs(%rows_init, %src_init, %offsets_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>,
         tensor<9xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>)
  return %rows, %src, %offsets
      : tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>
}

// CHECK-LABEL: func.func @permute_weights
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xbf16>, %[[IDS:[^:]+]]: tensor<4x2xi32>, %[[W:[^:]+]]: tensor<4x2xf32>, %[[ROWS_INIT:[^:]+]]: tensor<8x16xbf16>, %[[SRC_INIT:[^:]+]]: tensor<8xi32>, %[[OFFSETS_INIT:[^:]+]]: tensor<9xi32>, %[[RW_INIT:[^:]+]]: tensor<8xf32>)
// CHECK: %[[P:.*]]:4 = moe.permute %[[X]], %[[IDS]] weights(%[[W]]) num_experts = 8 outs(%[[ROWS_INIT]], %[[SRC_INIT]], %[[OFFSETS_INIT]], %[[RW_INIT]]) : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
// CHECK: return %[[P]]#3
func.func @permute_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>,
    %w: tensor<4x2xf32>, %rows_init: tensor<8x16xbf16>,
    %src_init: tensor<8xi32>, %offsets_init: tensor<9xi32>,
    %rw_init: tensor<8xf32>) -> tensor<8xf32> {
  %rows, %src, %offsets, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%rows_init, %src_init, %offsets_init, %rw_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return %rw : tensor<8xf32>
}

// CHECK-LABEL: func.func @permute_dynamic_f16
// CHECK: moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) num_experts = 257 outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?x?xf16>, tensor<?x9xi32>, tensor<?x9xf32>, tensor<?x?xf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>) -> (tensor<?x?xf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
func.func @permute_dynamic_f16(%x: tensor<?x?xf16>, %ids: tensor<?x9xi32>,
    %w: tensor<?x9xf32>, %rows_init: tensor<?x?xf16>, %src_init: tensor<?xi32>,
    %offsets_init: tensor<258xi32>, %rw_init: tensor<?xf32>)
    -> tensor<?x?xf16> {
  %rows, %src, %offsets, %rw = moe.permute %x, %ids weights(%w)
      num_experts = 257 outs(%rows_init, %src_init, %offsets_init, %rw_init)
      : (tensor<?x?xf16>, tensor<?x9xi32>, tensor<?x9xf32>, tensor<?x?xf16>,
         tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
      -> (tensor<?x?xf16>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>)
  return %rows : tensor<?x?xf16>
}

// An expert map (expert parallelism): 256 global ids, 128 local experts.
// CHECK-LABEL: func.func @permute_expert_map
// CHECK: moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) expert_map(%{{.*}}) num_experts = 128 outs(
// CHECK: moe.permute_indices %{{.*}} expert_map(%{{.*}}) num_experts = 128 outs(
func.func @permute_expert_map(%x: tensor<?x64xbf16>, %ids: tensor<?x8xi32>,
    %w: tensor<?x8xf32>, %map: tensor<256xi32>, %rows_init: tensor<?x64xbf16>,
    %src_init: tensor<?xi32>, %offsets_init: tensor<129xi32>, %rw_init: tensor<?xf32>)
    -> (tensor<?x64xbf16>, tensor<?xi32>) {
  %rows, %src, %offsets, %rw = moe.permute %x, %ids weights(%w) expert_map(%map)
      num_experts = 128 outs(%rows_init, %src_init, %offsets_init, %rw_init)
      : (tensor<?x64xbf16>, tensor<?x8xi32>, tensor<?x8xf32>, tensor<256xi32>,
         tensor<?x64xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
      -> (tensor<?x64xbf16>, tensor<?xi32>, tensor<129xi32>, tensor<?xf32>)
  %src2, %offsets2 = moe.permute_indices %ids expert_map(%map) num_experts = 128
      outs(%src_init, %offsets_init)
      : (tensor<?x8xi32>, tensor<256xi32>, tensor<?xi32>, tensor<129xi32>)
      -> (tensor<?xi32>, tensor<129xi32>)
  return %rows, %src2 : tensor<?x64xbf16>, tensor<?xi32>
}

// Buffer form: the row_weights out comes with the weights operand.
// CHECK-LABEL: func.func @permute_buffer
// CHECK-SAME: (%[[X:[^:]+]]: memref<4x16xbf16>, %[[IDS:[^:]+]]: memref<4x2xi32>, %[[W:[^:]+]]: memref<4x2xf32>, %[[R:[^:]+]]: memref<8x16xbf16>, %[[S:[^:]+]]: memref<8xi32>, %[[O:[^:]+]]: memref<9xi32>, %[[RW:[^:]+]]: memref<8xf32>)
// CHECK-NEXT: {{^ *}}moe.permute %[[X]], %[[IDS]] num_experts = 8 outs(%[[R]], %[[S]], %[[O]]) : (memref<4x16xbf16>, memref<4x2xi32>, memref<8x16xbf16>, memref<8xi32>, memref<9xi32>) -> ()
// CHECK-NEXT: {{^ *}}moe.permute %[[X]], %[[IDS]] weights(%[[W]]) num_experts = 8 outs(%[[R]], %[[S]], %[[O]], %[[RW]]) : (memref<4x16xbf16>, memref<4x2xi32>, memref<4x2xf32>, memref<8x16xbf16>, memref<8xi32>, memref<9xi32>, memref<8xf32>) -> ()
// CHECK-NEXT: return
func.func @permute_buffer(%x: memref<4x16xbf16>, %ids: memref<4x2xi32>,
    %w: memref<4x2xf32>, %rows: memref<8x16xbf16>, %src: memref<8xi32>,
    %offsets: memref<9xi32>, %rw: memref<8xf32>) {
  moe.permute %x, %ids num_experts = 8 outs(%rows, %src, %offsets)
      : (memref<4x16xbf16>, memref<4x2xi32>, memref<8x16xbf16>, memref<8xi32>,
         memref<9xi32>) -> ()
  moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%rows, %src, %offsets, %rw)
      : (memref<4x16xbf16>, memref<4x2xi32>, memref<4x2xf32>,
         memref<8x16xbf16>, memref<8xi32>, memref<9xi32>, memref<8xf32>) -> ()
  return
}

// slot_rows: the optional inverse of src_index, after row_weights, in
// tensor and buffer form.
// CHECK-LABEL: func.func @permute_slot_rows
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xbf16>, %[[IDS:[^:]+]]: tensor<4x2xi32>, %[[W:[^:]+]]: tensor<4x2xf32>, %[[R:[^:]+]]: tensor<8x16xbf16>, %[[S:[^:]+]]: tensor<8xi32>, %[[O:[^:]+]]: tensor<9xi32>, %[[RW:[^:]+]]: tensor<8xf32>, %[[SR:[^:]+]]: tensor<8xi32>)
// CHECK: %[[P:.*]]:5 = moe.permute %[[X]], %[[IDS]] weights(%[[W]]) num_experts = 8 outs(%[[R]], %[[S]], %[[O]], %[[RW]]) slot_rows_outs(%[[SR]]) : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>)
// CHECK: %[[Q:.*]]:4 = moe.permute %[[X]], %[[IDS]] weights(%[[W]]) scale_rows num_experts = 8 outs(%[[R]], %[[S]], %[[O]]) slot_rows_outs(%[[SR]]) : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
// CHECK: return %[[P]]#4, %[[Q]]#3
func.func @permute_slot_rows(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>,
    %w: tensor<4x2xf32>, %rows_init: tensor<8x16xbf16>,
    %src_init: tensor<8xi32>, %offsets_init: tensor<9xi32>,
    %rw_init: tensor<8xf32>, %slots_init: tensor<8xi32>)
    -> (tensor<8xi32>, tensor<8xi32>) {
  %rows, %src, %offsets, %rw, %slots = moe.permute %x, %ids weights(%w)
      num_experts = 8 outs(%rows_init, %src_init, %offsets_init, %rw_init)
      slot_rows_outs(%slots_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>,
          tensor<8xi32>)
  %rows2, %src2, %offsets2, %slots2 = moe.permute %x, %ids weights(%w)
      scale_rows num_experts = 8 outs(%rows_init, %src_init, %offsets_init)
      slot_rows_outs(%slots_init)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
  return %slots, %slots2 : tensor<8xi32>, tensor<8xi32>
}

// CHECK-LABEL: func.func @permute_slot_rows_buffer
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x16xbf16>, %[[IDS:[^:]+]]: memref<?x2xi32>, %[[MAP:[^:]+]]: memref<16xi32>, %[[R:[^:]+]]: memref<?x16xbf16>, %[[S:[^:]+]]: memref<?xi32>, %[[O:[^:]+]]: memref<9xi32>, %[[SR:[^:]+]]: memref<?xi32>)
// CHECK-NEXT: {{^ *}}moe.permute %[[X]], %[[IDS]] expert_map(%[[MAP]]) num_experts = 8 outs(%[[R]], %[[S]], %[[O]]) slot_rows_outs(%[[SR]]) : (memref<?x16xbf16>, memref<?x2xi32>, memref<16xi32>, memref<?x16xbf16>, memref<?xi32>, memref<9xi32>, memref<?xi32>) -> ()
// CHECK-NEXT: return
func.func @permute_slot_rows_buffer(%x: memref<?x16xbf16>, %ids: memref<?x2xi32>,
    %map: memref<16xi32>, %rows: memref<?x16xbf16>, %src: memref<?xi32>,
    %offsets: memref<9xi32>, %slots: memref<?xi32>) {
  moe.permute %x, %ids expert_map(%map) num_experts = 8
      outs(%rows, %src, %offsets) slot_rows_outs(%slots)
      : (memref<?x16xbf16>, memref<?x2xi32>, memref<16xi32>, memref<?x16xbf16>,
         memref<?xi32>, memref<9xi32>, memref<?xi32>) -> ()
  return
}

//===----------------------------------------------------------------------===//
// moe.permute_indices
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @permute_indices
// CHECK-SAME: (%[[IDS:[^:]+]]: tensor<4x2xi32>, %[[W:[^:]+]]: tensor<4x2xf32>, %[[S:[^:]+]]: tensor<8xi32>, %[[O:[^:]+]]: tensor<9xi32>, %[[RW:[^:]+]]: tensor<8xf32>)
// CHECK: %[[P:.*]]:3 = moe.permute_indices %[[IDS]] weights(%[[W]]) num_experts = 8 outs(%[[S]], %[[O]], %[[RW]]) : (tensor<4x2xi32>, tensor<4x2xf32>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
// CHECK: %[[Q:.*]]:2 = moe.permute_indices %[[IDS]] num_experts = 8 outs(%[[S]], %[[O]]) : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>) -> (tensor<8xi32>, tensor<9xi32>)
func.func @permute_indices(%ids: tensor<4x2xi32>, %w: tensor<4x2xf32>,
    %src_init: tensor<8xi32>, %offsets_init: tensor<9xi32>,
    %rw_init: tensor<8xf32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>) {
  %src, %offsets, %rw = moe.permute_indices %ids weights(%w) num_experts = 8
      outs(%src_init, %offsets_init, %rw_init)
      : (tensor<4x2xi32>, tensor<4x2xf32>, tensor<8xi32>, tensor<9xi32>,
         tensor<8xf32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  %src2, %offsets2 = moe.permute_indices %ids num_experts = 8
      outs(%src_init, %offsets_init)
      : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>) -> (tensor<8xi32>, tensor<9xi32>)
  return %src, %offsets, %rw, %src2 : tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>
}

// Dynamic T, and the buffer form.
// CHECK-LABEL: func.func @permute_indices_dynamic_buffer
// CHECK: moe.permute_indices %{{.*}} weights(%{{.*}}) num_experts = 257 outs(%{{.*}}, %{{.*}}, %{{.*}}) : (memref<?x9xi32>, memref<?x9xf32>, memref<?xi32>, memref<258xi32>, memref<?xf32>) -> ()
func.func @permute_indices_dynamic_buffer(%ids: memref<?x9xi32>, %w: memref<?x9xf32>,
    %src: memref<?xi32>, %offsets: memref<258xi32>, %rw: memref<?xf32>) {
  moe.permute_indices %ids weights(%w) num_experts = 257 outs(%src, %offsets, %rw)
      : (memref<?x9xi32>, memref<?x9xf32>, memref<?xi32>, memref<258xi32>,
         memref<?xf32>) -> ()
  return
}

// CHECK-LABEL: func.func @permute_indices_slot_rows
// CHECK-SAME: (%[[IDS:[^:]+]]: tensor<?x9xi32>, %[[W:[^:]+]]: tensor<?x9xf32>, %[[S:[^:]+]]: tensor<?xi32>, %[[O:[^:]+]]: tensor<258xi32>, %[[RW:[^:]+]]: tensor<?xf32>, %[[SR:[^:]+]]: tensor<?xi32>)
// CHECK: %[[P:.*]]:4 = moe.permute_indices %[[IDS]] weights(%[[W]]) num_experts = 257 outs(%[[S]], %[[O]], %[[RW]]) slot_rows_outs(%[[SR]]) : (tensor<?x9xi32>, tensor<?x9xf32>, tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>) -> (tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>)
// CHECK: %[[Q:.*]]:3 = moe.permute_indices %[[IDS]] num_experts = 257 outs(%[[S]], %[[O]]) slot_rows_outs(%[[SR]]) : (tensor<?x9xi32>, tensor<?xi32>, tensor<258xi32>, tensor<?xi32>) -> (tensor<?xi32>, tensor<258xi32>, tensor<?xi32>)
// CHECK: return %[[P]]#3, %[[Q]]#2
func.func @permute_indices_slot_rows(%ids: tensor<?x9xi32>, %w: tensor<?x9xf32>,
    %src_init: tensor<?xi32>, %offsets_init: tensor<258xi32>,
    %rw_init: tensor<?xf32>, %slots_init: tensor<?xi32>)
    -> (tensor<?xi32>, tensor<?xi32>) {
  %src, %offsets, %rw, %slots = moe.permute_indices %ids weights(%w)
      num_experts = 257 outs(%src_init, %offsets_init, %rw_init)
      slot_rows_outs(%slots_init)
      : (tensor<?x9xi32>, tensor<?x9xf32>, tensor<?xi32>, tensor<258xi32>,
         tensor<?xf32>, tensor<?xi32>)
      -> (tensor<?xi32>, tensor<258xi32>, tensor<?xf32>, tensor<?xi32>)
  %src2, %offsets2, %slots2 = moe.permute_indices %ids num_experts = 257
      outs(%src_init, %offsets_init) slot_rows_outs(%slots_init)
      : (tensor<?x9xi32>, tensor<?xi32>, tensor<258xi32>, tensor<?xi32>)
      -> (tensor<?xi32>, tensor<258xi32>, tensor<?xi32>)
  return %slots, %slots2 : tensor<?xi32>, tensor<?xi32>
}

//===----------------------------------------------------------------------===//
// moe.combine
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @combine
// CHECK-SAME: (%[[Y:[^:]+]]: tensor<8x16xbf16>, %[[S:[^:]+]]: tensor<8xi32>, %[[OUT_INIT:[^:]+]]: tensor<4x16xbf16>)
// CHECK: %[[OUT:.*]] = moe.combine %[[Y]], %[[S]] k = 2 outs(%[[OUT_INIT]]) : (tensor<8x16xbf16>, tensor<8xi32>, tensor<4x16xbf16>) -> tensor<4x16xbf16>
// CHECK: return %[[OUT]]
func.func @combine(%y: tensor<8x16xbf16>, %src: tensor<8xi32>,
    %out_init: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
  %out = moe.combine %y, %src k = 2 outs(%out_init)
      : (tensor<8x16xbf16>, tensor<8xi32>, tensor<4x16xbf16>)
      -> tensor<4x16xbf16>
  return %out : tensor<4x16xbf16>
}

// CHECK-LABEL: func.func @combine_weights
// CHECK-SAME: (%[[Y:[^:]+]]: tensor<8x16xf32>, %[[S:[^:]+]]: tensor<8xi32>, %[[W:[^:]+]]: tensor<4x2xf32>, %[[OUT_INIT:[^:]+]]: tensor<4x16xf32>)
// CHECK: moe.combine %[[Y]], %[[S]] weights(%[[W]]) k = 2 outs(%[[OUT_INIT]]) : (tensor<8x16xf32>, tensor<8xi32>, tensor<4x2xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
func.func @combine_weights(%y: tensor<8x16xf32>, %src: tensor<8xi32>,
    %w: tensor<4x2xf32>, %out_init: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %out = moe.combine %y, %src weights(%w) k = 2 outs(%out_init)
      : (tensor<8x16xf32>, tensor<8xi32>, tensor<4x2xf32>, tensor<4x16xf32>)
      -> tensor<4x16xf32>
  return %out : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @combine_dynamic_f16
// CHECK: moe.combine %{{.*}}, %{{.*}} weights(%{{.*}}) k = 9 outs(%{{.*}}) : (tensor<?x7168xf16>, tensor<?xi32>, tensor<?x9xf32>, tensor<?x7168xf16>) -> tensor<?x7168xf16>
func.func @combine_dynamic_f16(%y: tensor<?x7168xf16>, %src: tensor<?xi32>,
    %w: tensor<?x9xf32>, %out_init: tensor<?x7168xf16>) -> tensor<?x7168xf16> {
  %out = moe.combine %y, %src weights(%w) k = 9 outs(%out_init)
      : (tensor<?x7168xf16>, tensor<?xi32>, tensor<?x9xf32>, tensor<?x7168xf16>)
      -> tensor<?x7168xf16>
  return %out : tensor<?x7168xf16>
}

// slot_rows: each slot's row, from the permutation (before the weights).
// CHECK-LABEL: func.func @combine_slot_rows
// CHECK-SAME: (%[[Y:[^:]+]]: tensor<?x7168xbf16>, %[[S:[^:]+]]: tensor<?xi32>, %[[SR:[^:]+]]: tensor<?xi32>, %[[W:[^:]+]]: tensor<?x9xf32>, %[[OUT_INIT:[^:]+]]: tensor<?x7168xbf16>)
// CHECK: moe.combine %[[Y]], %[[S]] slot_rows(%[[SR]]) k = 9 outs(%[[OUT_INIT]]) : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
// CHECK: moe.combine %[[Y]], %[[S]] slot_rows(%[[SR]]) weights(%[[W]]) k = 9 outs(%[[OUT_INIT]]) : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x9xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
func.func @combine_slot_rows(%y: tensor<?x7168xbf16>, %src: tensor<?xi32>,
    %slots: tensor<?xi32>, %w: tensor<?x9xf32>, %out_init: tensor<?x7168xbf16>)
    -> (tensor<?x7168xbf16>, tensor<?x7168xbf16>) {
  %out = moe.combine %y, %src slot_rows(%slots) k = 9 outs(%out_init)
      : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x7168xbf16>)
      -> tensor<?x7168xbf16>
  %out2 = moe.combine %y, %src slot_rows(%slots) weights(%w) k = 9
      outs(%out_init)
      : (tensor<?x7168xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<?x9xf32>,
         tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
  return %out, %out2 : tensor<?x7168xbf16>, tensor<?x7168xbf16>
}

// CHECK-LABEL: func.func @combine_slot_rows_buffer
// CHECK: moe.combine %{{.*}}, %{{.*}} slot_rows(%{{.*}}) k = 2 outs(%{{.*}}) : (memref<8x16xf32>, memref<8xi32>, memref<8xi32>, memref<4x16xf32>) -> ()
func.func @combine_slot_rows_buffer(%y: memref<8x16xf32>, %src: memref<8xi32>,
    %slots: memref<8xi32>, %out: memref<4x16xf32>) {
  moe.combine %y, %src slot_rows(%slots) k = 2 outs(%out)
      : (memref<8x16xf32>, memref<8xi32>, memref<8xi32>, memref<4x16xf32>) -> ()
  return
}

// CHECK-LABEL: func.func @combine_buffer
// CHECK-SAME: (%[[Y:[^:]+]]: memref<?x7168xbf16>, %[[S:[^:]+]]: memref<?xi32>, %[[W:[^:]+]]: memref<?x9xf32>, %[[OUT:[^:]+]]: memref<?x7168xbf16>, %[[Y4:[^:]+]]: memref<8x16xf16>, %[[S4:[^:]+]]: memref<8xi32>, %[[OUT4:[^:]+]]: memref<4x16xf16>)
// CHECK-NEXT: {{^ *}}moe.combine %[[Y]], %[[S]] weights(%[[W]]) k = 9 outs(%[[OUT]]) : (memref<?x7168xbf16>, memref<?xi32>, memref<?x9xf32>, memref<?x7168xbf16>) -> ()
// CHECK-NEXT: {{^ *}}moe.combine %[[Y4]], %[[S4]] k = 2 outs(%[[OUT4]]) : (memref<8x16xf16>, memref<8xi32>, memref<4x16xf16>) -> ()
// CHECK-NEXT: return
func.func @combine_buffer(%y: memref<?x7168xbf16>, %src: memref<?xi32>,
    %w: memref<?x9xf32>, %out: memref<?x7168xbf16>, %y4: memref<8x16xf16>,
    %src4: memref<8xi32>, %out4: memref<4x16xf16>) {
  moe.combine %y, %src weights(%w) k = 9 outs(%out)
      : (memref<?x7168xbf16>, memref<?xi32>, memref<?x9xf32>,
         memref<?x7168xbf16>) -> ()
  moe.combine %y4, %src4 k = 2 outs(%out4)
      : (memref<8x16xf16>, memref<8xi32>, memref<4x16xf16>) -> ()
  return
}

//===----------------------------------------------------------------------===//
// moe.grouped_matmul
//===----------------------------------------------------------------------===//

// Contiguous A, no epilogue (elided when spelled explicitly).
// The activation epilogues (fused_moe's activations) with their
// parameters; swigluoai's defaults are not written.
// CHECK-LABEL: func.func @grouped_matmul_activations
// CHECK: epilogue = swigluoai_and_mul gate_up_layout = interleaved clamp_limit = 7.000000e+00 swiglu_alpha = 1.702000e+00 outs(
// CHECK: epilogue = gelu_tanh_and_mul clamp_limit = 1.000000e+01 outs(
// CHECK: epilogue = swiglustep_and_mul outs(
// CHECK: epilogue = relu2 outs(
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} outs(
func.func @grouped_matmul_activations(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>,
                                      %offsets: tensor<3xi32>, %half: tensor<8x16xbf16>,
                                      %full: tensor<8x32xbf16>) -> tensor<8x32xbf16> {
  %0 = moe.grouped_matmul %a, %w, %offsets epilogue = swigluoai_and_mul
      gate_up_layout = interleaved clamp_limit = 7.0 swiglu_alpha = 1.702 outs(%half)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>) -> tensor<8x16xbf16>
  %1 = moe.grouped_matmul %0, %w, %offsets epilogue = gelu_tanh_and_mul
      gate_up_layout = split clamp_limit = 10.0 outs(%half)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>) -> tensor<8x16xbf16>
  %2 = moe.grouped_matmul %1, %w, %offsets epilogue = swiglustep_and_mul outs(%half)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>) -> tensor<8x16xbf16>
  %3 = moe.grouped_matmul %2, %w, %offsets epilogue = relu2 outs(%full)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x32xbf16>) -> tensor<8x32xbf16>
  %4 = moe.grouped_matmul %2, %w, %offsets epilogue = none outs(%full)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x32xbf16>) -> tensor<8x32xbf16>
  return %4 : tensor<8x32xbf16>
}

// CHECK-LABEL: func.func @grouped_matmul
// CHECK-SAME: (%[[A:[^:]+]]: tensor<8x16xbf16>, %[[W:[^:]+]]: tensor<2x32x16xbf16>, %[[O:[^:]+]]: tensor<3xi32>, %[[Y_INIT:[^:]+]]: tensor<8x32xbf16>)
// CHECK: %[[Y:.*]] = moe.grouped_matmul %[[A]], %[[W]], %[[O]] outs(%[[Y_INIT]]) : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x32xbf16>) -> tensor<8x32xbf16>
// CHECK: return %[[Y]]
func.func @grouped_matmul(%a: tensor<8x16xbf16>, %w: tensor<2x32x16xbf16>,
    %offsets: tensor<3xi32>, %y_init: tensor<8x32xbf16>) -> tensor<8x32xbf16> {
  %y = moe.grouped_matmul %a, %w, %offsets epilogue = none outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>,
         tensor<8x32xbf16>) -> tensor<8x32xbf16>
  return %y : tensor<8x32xbf16>
}

// CHECK-LABEL: func.func @grouped_matmul_silu_and_mul
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} epilogue = silu_and_mul outs(%{{.*}}) : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<8x16xbf16>) -> tensor<8x16xbf16>
func.func @grouped_matmul_silu_and_mul(%a: tensor<8x16xbf16>,
    %w: tensor<2x32x16xbf16>, %offsets: tensor<3xi32>,
    %y_init: tensor<8x16xbf16>) -> tensor<8x16xbf16> {
  %y = moe.grouped_matmul %a, %w, %offsets epilogue = silu_and_mul outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>,
         tensor<8x16xbf16>) -> tensor<8x16xbf16>
  return %y : tensor<8x16xbf16>
}

// CHECK-LABEL: func.func @grouped_matmul_gelu_and_mul
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} epilogue = gelu_and_mul outs(%{{.*}}) : (tensor<8x16xf16>, tensor<2x32x16xf16>, tensor<3xi32>, tensor<8x16xf16>) -> tensor<8x16xf16>
func.func @grouped_matmul_gelu_and_mul(%a: tensor<8x16xf16>,
    %w: tensor<2x32x16xf16>, %offsets: tensor<3xi32>, %y_init: tensor<8x16xf16>)
    -> tensor<8x16xf16> {
  %y = moe.grouped_matmul %a, %w, %offsets epilogue = gelu_and_mul outs(%y_init)
      : (tensor<8x16xf16>, tensor<2x32x16xf16>, tensor<3xi32>, tensor<8x16xf16>)
      -> tensor<8x16xf16>
  return %y : tensor<8x16xf16>
}

// Second expert GEMM of Qwen3: per-row scale (routed weights), dynamic R.
// CHECK-LABEL: func.func @grouped_matmul_scale
// CHECK-SAME: (%[[H:[^:]+]]: tensor<?x768xbf16>, %[[W:[^:]+]]: tensor<128x2048x768xbf16>, %[[O:[^:]+]]: tensor<129xi32>, %[[RW:[^:]+]]: tensor<?xf32>, %[[Y_INIT:[^:]+]]: tensor<?x2048xbf16>)
// CHECK: moe.grouped_matmul %[[H]], %[[W]], %[[O]] scale(%[[RW]]) outs(%[[Y_INIT]]) : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>, tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
func.func @grouped_matmul_scale(%h: tensor<?x768xbf16>,
    %w2: tensor<128x2048x768xbf16>, %offsets: tensor<129xi32>,
    %rw: tensor<?xf32>, %y_init: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.grouped_matmul %h, %w2, %offsets scale(%rw) outs(%y_init)
      : (tensor<?x768xbf16>, tensor<128x2048x768xbf16>, tensor<129xi32>,
         tensor<?xf32>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// Bias (full N, added before the gated epilogue) and an f32 result of bf16
// operands.
// CHECK-LABEL: func.func @grouped_matmul_bias_f32_out
// CHECK-SAME: (%[[A:[^:]+]]: tensor<8x16xbf16>, %[[W:[^:]+]]: tensor<2x32x16xbf16>, %[[O:[^:]+]]: tensor<3xi32>, %[[B:[^:]+]]: tensor<2x32xbf16>, %[[Y_INIT:[^:]+]]: tensor<8x16xf32>)
// CHECK: moe.grouped_matmul %[[A]], %[[W]], %[[O]] bias(%[[B]]) epilogue = silu_and_mul outs(%[[Y_INIT]]) : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>, tensor<2x32xbf16>, tensor<8x16xf32>) -> tensor<8x16xf32>
func.func @grouped_matmul_bias_f32_out(%a: tensor<8x16xbf16>,
    %w: tensor<2x32x16xbf16>, %offsets: tensor<3xi32>,
    %bias: tensor<2x32xbf16>, %y_init: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %y = moe.grouped_matmul %a, %w, %offsets bias(%bias) epilogue = silu_and_mul
      outs(%y_init)
      : (tensor<8x16xbf16>, tensor<2x32x16xbf16>, tensor<3xi32>,
         tensor<2x32xbf16>, tensor<8x16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// Gathered A with the default index_divisor (elided).
// CHECK-LABEL: func.func @grouped_matmul_gathered
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xf32>, %[[RI:[^:]+]]: tensor<6xi32>, %[[W:[^:]+]]: tensor<3x8x16xf32>, %[[O:[^:]+]]: tensor<4xi32>, %[[Y_INIT:[^:]+]]: tensor<6x8xf32>)
// CHECK: moe.grouped_matmul %[[X]][%[[RI]]], %[[W]], %[[O]] outs(%[[Y_INIT]]) : (tensor<4x16xf32>, tensor<6xi32>, tensor<3x8x16xf32>, tensor<4xi32>, tensor<6x8xf32>) -> tensor<6x8xf32>
// CHECK-NOT: index_divisor
func.func @grouped_matmul_gathered(%x: tensor<4x16xf32>,
    %row_index: tensor<6xi32>, %w: tensor<3x8x16xf32>,
    %offsets: tensor<4xi32>, %y_init: tensor<6x8xf32>) -> tensor<6x8xf32> {
  %y = moe.grouped_matmul %x[%row_index], %w, %offsets
      outs(%y_init) {index_divisor = 1}
      : (tensor<4x16xf32>, tensor<6xi32>, tensor<3x8x16xf32>, tensor<4xi32>,
         tensor<6x8xf32>) -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// The vLLM layout: the first GEMM of Mixtral reads token rows straight from
// flat slot indices (index_divisor = k = 2), every optional operand present.
// CHECK-LABEL: func.func @grouped_matmul_gathered_mixtral
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x4096xbf16>, %[[SRC:[^:]+]]: tensor<?xi32>, %[[W:[^:]+]]: tensor<8x28672x4096xbf16>, %[[O:[^:]+]]: tensor<9xi32>, %[[RW:[^:]+]]: tensor<?xf32>, %[[B:[^:]+]]: tensor<8x28672xf32>, %[[Y_INIT:[^:]+]]: tensor<?x14336xbf16>)
// CHECK: moe.grouped_matmul %[[X]][%[[SRC]]], %[[W]], %[[O]] scale(%[[RW]]) bias(%[[B]]) epilogue = silu_and_mul outs(%[[Y_INIT]]) {index_divisor = 2 : i64} : (tensor<?x4096xbf16>, tensor<?xi32>, tensor<8x28672x4096xbf16>, tensor<9xi32>, tensor<?xf32>, tensor<8x28672xf32>, tensor<?x14336xbf16>) -> tensor<?x14336xbf16>
func.func @grouped_matmul_gathered_mixtral(%x: tensor<?x4096xbf16>,
    %src: tensor<?xi32>, %w13: tensor<8x28672x4096xbf16>,
    %offsets: tensor<9xi32>, %rw: tensor<?xf32>, %bias: tensor<8x28672xf32>,
    %y_init: tensor<?x14336xbf16>) -> tensor<?x14336xbf16> {
  %y = moe.grouped_matmul %x[%src], %w13, %offsets scale(%rw) bias(%bias)
      epilogue = silu_and_mul outs(%y_init) {index_divisor = 2 : i64}
      : (tensor<?x4096xbf16>, tensor<?xi32>, tensor<8x28672x4096xbf16>,
         tensor<9xi32>, tensor<?xf32>, tensor<8x28672xf32>,
         tensor<?x14336xbf16>) -> tensor<?x14336xbf16>
  return %y : tensor<?x14336xbf16>
}

// Every dimension dynamic; an empty expert set (E = 0) and N = K = 0 are
// valid too.
// CHECK-LABEL: func.func @grouped_matmul_dynamic
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} epilogue = gelu_and_mul outs(%{{.*}}) : (tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?xi32>, tensor<?x?xf32>) -> tensor<?x?xf32>
// CHECK: moe.grouped_matmul %{{.*}}, %{{.*}}, %{{.*}} outs(%{{.*}}) : (tensor<0x0xf32>, tensor<0x0x0xf32>, tensor<1xi32>, tensor<0x0xf32>) -> tensor<0x0xf32>
func.func @grouped_matmul_dynamic(%a: tensor<?x?xf32>, %w: tensor<?x?x?xf32>,
    %offsets: tensor<?xi32>, %a0: tensor<0x0xf32>, %w0: tensor<0x0x0xf32>,
    %offsets0: tensor<1xi32>, %y_init: tensor<?x?xf32>,
    %y0_init: tensor<0x0xf32>) -> (tensor<?x?xf32>, tensor<0x0xf32>) {
  %y = moe.grouped_matmul %a, %w, %offsets epilogue = gelu_and_mul outs(%y_init)
      : (tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?xi32>, tensor<?x?xf32>)
      -> tensor<?x?xf32>
  %y0 = moe.grouped_matmul %a0, %w0, %offsets0 outs(%y0_init)
      : (tensor<0x0xf32>, tensor<0x0x0xf32>, tensor<1xi32>, tensor<0x0xf32>)
      -> tensor<0x0xf32>
  return %y, %y0 : tensor<?x?xf32>, tensor<0x0xf32>
}

// Buffer form: the gathered vLLM layout with every optional operand, then a
// plain GEMM. The attribute dictionary follows the outs.
// CHECK-LABEL: func.func @grouped_matmul_buffer
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x4096xbf16>, %[[SRC:[^:]+]]: memref<?xi32>, %[[W13:[^:]+]]: memref<8x28672x4096xbf16>, %[[O:[^:]+]]: memref<9xi32>, %[[RW:[^:]+]]: memref<?xf32>, %[[B:[^:]+]]: memref<8x28672xf32>, %[[H:[^:]+]]: memref<?x14336xbf16>, %[[A:[^:]+]]: memref<8x16xf32>, %[[W:[^:]+]]: memref<2x32x16xf32>, %[[O2:[^:]+]]: memref<3xi32>, %[[Y:[^:]+]]: memref<8x32xf32>)
// CHECK-NEXT: {{^ *}}moe.grouped_matmul %[[X]][%[[SRC]]], %[[W13]], %[[O]] scale(%[[RW]]) bias(%[[B]]) epilogue = silu_and_mul outs(%[[H]]) {index_divisor = 2 : i64} : (memref<?x4096xbf16>, memref<?xi32>, memref<8x28672x4096xbf16>, memref<9xi32>, memref<?xf32>, memref<8x28672xf32>, memref<?x14336xbf16>) -> ()
// CHECK-NEXT: {{^ *}}moe.grouped_matmul %[[A]], %[[W]], %[[O2]] outs(%[[Y]]) : (memref<8x16xf32>, memref<2x32x16xf32>, memref<3xi32>, memref<8x32xf32>) -> ()
// CHECK-NEXT: return
func.func @grouped_matmul_buffer(%x: memref<?x4096xbf16>, %src: memref<?xi32>,
    %w13: memref<8x28672x4096xbf16>, %offsets: memref<9xi32>,
    %rw: memref<?xf32>, %bias: memref<8x28672xf32>,
    %h: memref<?x14336xbf16>, %a: memref<8x16xf32>, %w: memref<2x32x16xf32>,
    %offsets2: memref<3xi32>, %y: memref<8x32xf32>) {
  moe.grouped_matmul %x[%src], %w13, %offsets scale(%rw) bias(%bias)
      epilogue = silu_and_mul outs(%h) {index_divisor = 2 : i64}
      : (memref<?x4096xbf16>, memref<?xi32>, memref<8x28672x4096xbf16>,
         memref<9xi32>, memref<?xf32>, memref<8x28672xf32>,
         memref<?x14336xbf16>) -> ()
  moe.grouped_matmul %a, %w, %offsets2 outs(%y)
      : (memref<8x16xf32>, memref<2x32x16xf32>, memref<3xi32>,
         memref<8x32xf32>) -> ()
  return
}

//===----------------------------------------------------------------------===//
// moe.mot_linear
//===----------------------------------------------------------------------===//

// Bagel QKV projection: two token types with bias.
// CHECK-LABEL: func.func @mot_linear_bias
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x3584xbf16>, %[[W:[^:]+]]: tensor<2x4608x3584xbf16>, %[[T:[^:]+]]: tensor<?xi32>, %[[B:[^:]+]]: tensor<2x4608xbf16>, %[[QKV_INIT:[^:]+]]: tensor<?x4608xbf16>)
// CHECK: %[[Y:.*]] = moe.mot_linear %[[X]], %[[W]], %[[T]] bias(%[[B]]) outs(%[[QKV_INIT]]) : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>, tensor<2x4608xbf16>, tensor<?x4608xbf16>) -> tensor<?x4608xbf16>
// CHECK: return %[[Y]]
func.func @mot_linear_bias(%x: tensor<?x3584xbf16>,
    %w: tensor<2x4608x3584xbf16>, %types: tensor<?xi32>,
    %b: tensor<2x4608xbf16>, %qkv_init: tensor<?x4608xbf16>)
    -> tensor<?x4608xbf16> {
  %qkv = moe.mot_linear %x, %w, %types bias(%b) outs(%qkv_init)
      : (tensor<?x3584xbf16>, tensor<2x4608x3584xbf16>, tensor<?xi32>,
         tensor<2x4608xbf16>, tensor<?x4608xbf16>) -> tensor<?x4608xbf16>
  return %qkv : tensor<?x4608xbf16>
}

// CHECK-LABEL: func.func @mot_linear
// CHECK: moe.mot_linear %{{.*}}, %{{.*}}, %{{.*}} outs(%{{.*}}) : (tensor<5x8xf16>, tensor<3x4x8xf16>, tensor<5xi32>, tensor<5x4xf32>) -> tensor<5x4xf32>
func.func @mot_linear(%x: tensor<5x8xf16>, %w: tensor<3x4x8xf16>,
    %types: tensor<5xi32>, %y_init: tensor<5x4xf32>) -> tensor<5x4xf32> {
  %y = moe.mot_linear %x, %w, %types outs(%y_init)
      : (tensor<5x8xf16>, tensor<3x4x8xf16>, tensor<5xi32>, tensor<5x4xf32>)
      -> tensor<5x4xf32>
  return %y : tensor<5x4xf32>
}

// CHECK-LABEL: func.func @mot_linear_buffer
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x3584xbf16>, %[[W:[^:]+]]: memref<2x4608x3584xbf16>, %[[T:[^:]+]]: memref<?xi32>, %[[B:[^:]+]]: memref<2x4608xbf16>, %[[QKV:[^:]+]]: memref<?x4608xbf16>, %[[X5:[^:]+]]: memref<5x8xf16>, %[[W5:[^:]+]]: memref<3x4x8xf16>, %[[T5:[^:]+]]: memref<5xi32>, %[[Y5:[^:]+]]: memref<5x4xf32>)
// CHECK-NEXT: {{^ *}}moe.mot_linear %[[X]], %[[W]], %[[T]] bias(%[[B]]) outs(%[[QKV]]) : (memref<?x3584xbf16>, memref<2x4608x3584xbf16>, memref<?xi32>, memref<2x4608xbf16>, memref<?x4608xbf16>) -> ()
// CHECK-NEXT: {{^ *}}moe.mot_linear %[[X5]], %[[W5]], %[[T5]] outs(%[[Y5]]) : (memref<5x8xf16>, memref<3x4x8xf16>, memref<5xi32>, memref<5x4xf32>) -> ()
// CHECK-NEXT: return
func.func @mot_linear_buffer(%x: memref<?x3584xbf16>,
    %w: memref<2x4608x3584xbf16>, %types: memref<?xi32>,
    %b: memref<2x4608xbf16>, %qkv: memref<?x4608xbf16>, %x5: memref<5x8xf16>,
    %w5: memref<3x4x8xf16>, %types5: memref<5xi32>, %y5: memref<5x4xf32>) {
  moe.mot_linear %x, %w, %types bias(%b) outs(%qkv)
      : (memref<?x3584xbf16>, memref<2x4608x3584xbf16>, memref<?xi32>,
         memref<2x4608xbf16>, memref<?x4608xbf16>) -> ()
  moe.mot_linear %x5, %w5, %types5 outs(%y5)
      : (memref<5x8xf16>, memref<3x4x8xf16>, memref<5xi32>, memref<5x4xf32>)
      -> ()
  return
}

//===----------------------------------------------------------------------===//
// moe.rms_norm
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @rms_norm
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x4096xbf16>, %[[W:[^:]+]]: tensor<4096xbf16>, %[[Y_INIT:[^:]+]]: tensor<4x4096xbf16>)
// CHECK: %[[Y:.*]] = moe.rms_norm %[[X]], %[[W]] epsilon = 9.99999974E-6 outs(%[[Y_INIT]]) : (tensor<4x4096xbf16>, tensor<4096xbf16>, tensor<4x4096xbf16>) -> tensor<4x4096xbf16>
// CHECK: return %[[Y]]
func.func @rms_norm(%x: tensor<4x4096xbf16>, %w: tensor<4096xbf16>,
    %y_init: tensor<4x4096xbf16>) -> tensor<4x4096xbf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-05 outs(%y_init)
      : (tensor<4x4096xbf16>, tensor<4096xbf16>, tensor<4x4096xbf16>)
      -> tensor<4x4096xbf16>
  return %y : tensor<4x4096xbf16>
}

// An f32 weight normalizing f16 activations.
// CHECK-LABEL: func.func @rms_norm_f16
// CHECK: moe.rms_norm %{{.*}}, %{{.*}} epsilon = 9.99999997E-7 outs(%{{.*}}) : (tensor<?x?xf16>, tensor<?xf32>, tensor<?x?xf16>) -> tensor<?x?xf16>
func.func @rms_norm_f16(%x: tensor<?x?xf16>, %w: tensor<?xf32>,
    %y_init: tensor<?x?xf16>) -> tensor<?x?xf16> {
  %y = moe.rms_norm %x, %w epsilon = 1.0e-06 outs(%y_init)
      : (tensor<?x?xf16>, tensor<?xf32>, tensor<?x?xf16>) -> tensor<?x?xf16>
  return %y : tensor<?x?xf16>
}

// Per-type weights (MoT).
// CHECK-LABEL: func.func @rms_norm_per_type
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x3584xbf16>, %[[W:[^:]+]]: tensor<2x3584xbf16>, %[[T:[^:]+]]: tensor<?xi32>, %[[Y_INIT:[^:]+]]: tensor<?x3584xbf16>)
// CHECK: moe.rms_norm %[[X]], %[[W]] type_ids(%[[T]]) epsilon = 9.99999997E-7 outs(%[[Y_INIT]]) : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>, tensor<?x3584xbf16>) -> tensor<?x3584xbf16>
func.func @rms_norm_per_type(%x: tensor<?x3584xbf16>, %w: tensor<2x3584xbf16>,
    %types: tensor<?xi32>, %y_init: tensor<?x3584xbf16>)
    -> tensor<?x3584xbf16> {
  %y = moe.rms_norm %x, %w type_ids(%types) epsilon = 1.0e-06 outs(%y_init)
      : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>,
         tensor<?x3584xbf16>) -> tensor<?x3584xbf16>
  return %y : tensor<?x3584xbf16>
}

// Fused residual add.
// CHECK-LABEL: func.func @rms_norm_residual
// CHECK-SAME: (%[[X:[^:]+]]: tensor<4x64xf32>, %[[W:[^:]+]]: tensor<64xf32>, %[[R:[^:]+]]: tensor<4x64xf32>, %[[Y_INIT:[^:]+]]: tensor<4x64xf32>, %[[SUM_INIT:[^:]+]]: tensor<4x64xf32>)
// CHECK: %[[N:.*]]:2 = moe.rms_norm %[[X]], %[[W]] residual(%[[R]]) epsilon = 9.99999997E-7 outs(%[[Y_INIT]], %[[SUM_INIT]]) : (tensor<4x64xf32>, tensor<64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>)
// CHECK: return %[[N]]#0, %[[N]]#1
func.func @rms_norm_residual(%x: tensor<4x64xf32>, %w: tensor<64xf32>,
    %res: tensor<4x64xf32>, %y_init: tensor<4x64xf32>,
    %sum_init: tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %y, %sum = moe.rms_norm %x, %w residual(%res) epsilon = 1.0e-06
      outs(%y_init, %sum_init)
      : (tensor<4x64xf32>, tensor<64xf32>, tensor<4x64xf32>, tensor<4x64xf32>,
         tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>)
  return %y, %sum : tensor<4x64xf32>, tensor<4x64xf32>
}

// Per-type weights and the residual add together.
// CHECK-LABEL: func.func @rms_norm_per_type_residual
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x3584xbf16>, %[[W:[^:]+]]: tensor<2x3584xbf16>, %[[T:[^:]+]]: tensor<?xi32>, %[[R:[^:]+]]: tensor<?x3584xbf16>, %[[Y_INIT:[^:]+]]: tensor<?x3584xbf16>, %[[SUM_INIT:[^:]+]]: tensor<?x3584xbf16>)
// CHECK: moe.rms_norm %[[X]], %[[W]] type_ids(%[[T]]) residual(%[[R]]) epsilon = 9.99999997E-7 outs(%[[Y_INIT]], %[[SUM_INIT]]) : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>, tensor<?x3584xbf16>, tensor<?x3584xbf16>, tensor<?x3584xbf16>) -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
func.func @rms_norm_per_type_residual(%x: tensor<?x3584xbf16>,
    %w: tensor<2x3584xbf16>, %types: tensor<?xi32>, %res: tensor<?x3584xbf16>,
    %y_init: tensor<?x3584xbf16>, %sum_init: tensor<?x3584xbf16>)
    -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>) {
  %y, %sum = moe.rms_norm %x, %w type_ids(%types) residual(%res)
      epsilon = 1.0e-06 outs(%y_init, %sum_init)
      : (tensor<?x3584xbf16>, tensor<2x3584xbf16>, tensor<?xi32>,
         tensor<?x3584xbf16>, tensor<?x3584xbf16>, tensor<?x3584xbf16>)
      -> (tensor<?x3584xbf16>, tensor<?x3584xbf16>)
  return %y, %sum : tensor<?x3584xbf16>, tensor<?x3584xbf16>
}

// Buffer form: the residual_out out comes with the residual operand.
// CHECK-LABEL: func.func @rms_norm_buffer
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x3584xbf16>, %[[W:[^:]+]]: memref<2x3584xbf16>, %[[T:[^:]+]]: memref<?xi32>, %[[R:[^:]+]]: memref<?x3584xbf16>, %[[Y:[^:]+]]: memref<?x3584xbf16>, %[[SUM:[^:]+]]: memref<?x3584xbf16>, %[[X4:[^:]+]]: memref<4x64xf32>, %[[W4:[^:]+]]: memref<64xf32>, %[[Y4:[^:]+]]: memref<4x64xf32>)
// CHECK-NEXT: {{^ *}}moe.rms_norm %[[X]], %[[W]] type_ids(%[[T]]) residual(%[[R]]) epsilon = 9.99999997E-7 outs(%[[Y]], %[[SUM]]) : (memref<?x3584xbf16>, memref<2x3584xbf16>, memref<?xi32>, memref<?x3584xbf16>, memref<?x3584xbf16>, memref<?x3584xbf16>) -> ()
// CHECK-NEXT: {{^ *}}moe.rms_norm %[[X4]], %[[W4]] epsilon = 9.99999974E-6 outs(%[[Y4]]) : (memref<4x64xf32>, memref<64xf32>, memref<4x64xf32>) -> ()
// CHECK-NEXT: return
func.func @rms_norm_buffer(%x: memref<?x3584xbf16>, %w: memref<2x3584xbf16>,
    %types: memref<?xi32>, %res: memref<?x3584xbf16>, %y: memref<?x3584xbf16>,
    %sum: memref<?x3584xbf16>, %x4: memref<4x64xf32>, %w4: memref<64xf32>,
    %y4: memref<4x64xf32>) {
  moe.rms_norm %x, %w type_ids(%types) residual(%res) epsilon = 1.0e-06
      outs(%y, %sum)
      : (memref<?x3584xbf16>, memref<2x3584xbf16>, memref<?xi32>,
         memref<?x3584xbf16>, memref<?x3584xbf16>, memref<?x3584xbf16>) -> ()
  moe.rms_norm %x4, %w4 epsilon = 1.0e-05 outs(%y4)
      : (memref<4x64xf32>, memref<64xf32>, memref<4x64xf32>) -> ()
  return
}

//===----------------------------------------------------------------------===//
// moe.silu_and_mul
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @silu_and_mul
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x1536xbf16>, %[[H_INIT:[^:]+]]: tensor<?x768xbf16>)
// CHECK: %[[H:.*]] = moe.silu_and_mul %[[X]] outs(%[[H_INIT]]) : (tensor<?x1536xbf16>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
// CHECK: return %[[H]]
func.func @silu_and_mul(%x: tensor<?x1536xbf16>, %h_init: tensor<?x768xbf16>)
    -> tensor<?x768xbf16> {
  %h = moe.silu_and_mul %x outs(%h_init)
      : (tensor<?x1536xbf16>, tensor<?x768xbf16>) -> tensor<?x768xbf16>
  return %h : tensor<?x768xbf16>
}

// CHECK-LABEL: func.func @silu_and_mul_f32_f16
// CHECK: moe.silu_and_mul %{{.*}} outs(%{{.*}}) : (tensor<3x8xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
// CHECK: moe.silu_and_mul %{{.*}} outs(%{{.*}}) : (tensor<?x?xf16>, tensor<?x?xf16>) -> tensor<?x?xf16>
func.func @silu_and_mul_f32_f16(%x: tensor<3x8xf32>, %y: tensor<?x?xf16>,
    %a_init: tensor<3x4xf32>, %b_init: tensor<?x?xf16>)
    -> (tensor<3x4xf32>, tensor<?x?xf16>) {
  %a = moe.silu_and_mul %x outs(%a_init)
      : (tensor<3x8xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
  %b = moe.silu_and_mul %y outs(%b_init)
      : (tensor<?x?xf16>, tensor<?x?xf16>) -> tensor<?x?xf16>
  return %a, %b : tensor<3x4xf32>, tensor<?x?xf16>
}

// Buffer form, writing into a strided view (the first half of a wider row).
// CHECK-LABEL: func.func @silu_and_mul_buffer
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x1536xbf16>, %[[H:[^:]+]]: memref<?x768xbf16, strided<[1536, 1], offset: ?>>)
// CHECK-NEXT: {{^ *}}moe.silu_and_mul %[[X]] outs(%[[H]]) : (memref<?x1536xbf16>, memref<?x768xbf16, strided<[1536, 1], offset: ?>>) -> ()
// CHECK-NEXT: return
func.func @silu_and_mul_buffer(%x: memref<?x1536xbf16>,
    %h: memref<?x768xbf16, strided<[1536, 1], offset: ?>>) {
  moe.silu_and_mul %x outs(%h)
      : (memref<?x1536xbf16>, memref<?x768xbf16, strided<[1536, 1], offset: ?>>)
      -> ()
  return
}

//===----------------------------------------------------------------------===//
// moe.fused_moe
//===----------------------------------------------------------------------===//

// Mixtral-8x7B: E=8, k=2, H=4096, I=14336, silu (default, elided).
// CHECK-LABEL: func.func @fused_moe_mixtral
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x4096xbf16>, %[[L:[^:]+]]: tensor<?x8xbf16>, %[[W13:[^:]+]]: tensor<8x28672x4096xbf16>, %[[W2:[^:]+]]: tensor<8x4096x14336xbf16>, %[[Y_INIT:[^:]+]]: tensor<?x4096xbf16>)
// CHECK: %[[Y:.*]] = moe.fused_moe %[[X]], %[[L]], %[[W13]], %[[W2]] k = 2 scoring = softmax renormalize outs(%[[Y_INIT]]) : (tensor<?x4096xbf16>, tensor<?x8xbf16>, tensor<8x28672x4096xbf16>, tensor<8x4096x14336xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
// CHECK: return %[[Y]]
func.func @fused_moe_mixtral(%x: tensor<?x4096xbf16>, %logits: tensor<?x8xbf16>,
    %w13: tensor<8x28672x4096xbf16>, %w2: tensor<8x4096x14336xbf16>,
    %y_init: tensor<?x4096xbf16>) -> tensor<?x4096xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      renormalize activation = silu outs(%y_init)
      : (tensor<?x4096xbf16>, tensor<?x8xbf16>, tensor<8x28672x4096xbf16>,
         tensor<8x4096x14336xbf16>, tensor<?x4096xbf16>) -> tensor<?x4096xbf16>
  return %y : tensor<?x4096xbf16>
}

// Qwen3-30B-A3B: E=128, k=8, H=2048, I=768.
// CHECK-LABEL: func.func @fused_moe_qwen3
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 8 scoring = softmax renormalize outs(%{{.*}}) : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x2048xbf16>, tensor<128x2048x768xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
func.func @fused_moe_qwen3(%x: tensor<?x2048xbf16>, %logits: tensor<?x128xbf16>,
    %w13: tensor<128x1536x2048xbf16>, %w2: tensor<128x2048x768xbf16>,
    %y_init: tensor<?x2048xbf16>) -> tensor<?x2048xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 8 scoring = softmax
      renormalize outs(%y_init)
      : (tensor<?x2048xbf16>, tensor<?x128xbf16>, tensor<128x1536x2048xbf16>,
         tensor<128x2048x768xbf16>, tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y : tensor<?x2048xbf16>
}

// DeepSeek-V3: E=256 + 1 shared expert, k=8, sigmoid with bias, 8 groups of
// which 4 by top2_sum, scale 2.5, H=7168, I=2048.
// CHECK-LABEL: func.func @fused_moe_deepseek_v3
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x7168xbf16>, %[[L:[^:]+]]: tensor<?x256xf32>, %[[W13:[^:]+]]: tensor<257x4096x7168xbf16>, %[[W2:[^:]+]]: tensor<257x7168x2048xbf16>, %[[B:[^:]+]]: tensor<256xf32>, %[[Y_INIT:[^:]+]]: tensor<?x7168xbf16>)
// CHECK: moe.fused_moe %[[X]], %[[L]], %[[W13]], %[[W2]] bias(%[[B]]) k = 8 scoring = sigmoid
// CHECK-SAME: num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
// CHECK-SAME: scaling_factor = 2.500000e+00 num_shared_experts = 1
// CHECK-SAME: outs(%[[Y_INIT]])
// CHECK-SAME: : (tensor<?x7168xbf16>, tensor<?x256xf32>, tensor<257x4096x7168xbf16>, tensor<257x7168x2048xbf16>, tensor<256xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
func.func @fused_moe_deepseek_v3(%x: tensor<?x7168xbf16>,
    %logits: tensor<?x256xf32>, %w13: tensor<257x4096x7168xbf16>,
    %w2: tensor<257x7168x2048xbf16>, %bias: tensor<256xf32>,
    %y_init: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1 outs(%y_init)
      : (tensor<?x7168xbf16>, tensor<?x256xf32>, tensor<257x4096x7168xbf16>,
         tensor<257x7168x2048xbf16>, tensor<256xf32>, tensor<?x7168xbf16>)
      -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// Kimi-K2: E=384 + 1 shared expert, k=8, sigmoid with bias, a single group,
// scale 2.827, H=7168, I=2048.
// CHECK-LABEL: func.func @fused_moe_kimi_k2
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias(%{{.*}}) k = 8 scoring = sigmoid renormalize scaling_factor = 2.827000e+00 num_shared_experts = 1 outs(%{{.*}}) : (tensor<?x7168xbf16>, tensor<?x384xf32>, tensor<385x4096x7168xbf16>, tensor<385x7168x2048xbf16>, tensor<384xf32>, tensor<?x7168xbf16>) -> tensor<?x7168xbf16>
func.func @fused_moe_kimi_k2(%x: tensor<?x7168xbf16>,
    %logits: tensor<?x384xf32>, %w13: tensor<385x4096x7168xbf16>,
    %w2: tensor<385x7168x2048xbf16>, %bias: tensor<384xf32>,
    %y_init: tensor<?x7168xbf16>) -> tensor<?x7168xbf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      num_groups = 1 topk_groups = 1 renormalize scaling_factor = 2.827
      num_shared_experts = 1 outs(%y_init)
      : (tensor<?x7168xbf16>, tensor<?x384xf32>, tensor<385x4096x7168xbf16>,
         tensor<385x7168x2048xbf16>, tensor<384xf32>, tensor<?x7168xbf16>)
      -> tensor<?x7168xbf16>
  return %y : tensor<?x7168xbf16>
}

// GELU activation, f16, static T.
// CHECK-LABEL: func.func @fused_moe_gelu_f16
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 1 scoring = softmax activation = gelu outs(%{{.*}}) : (tensor<3x16xf16>, tensor<3x4xf16>, tensor<4x64x16xf16>, tensor<4x16x32xf16>, tensor<3x16xf16>) -> tensor<3x16xf16>
func.func @fused_moe_gelu_f16(%x: tensor<3x16xf16>, %logits: tensor<3x4xf16>,
    %w13: tensor<4x64x16xf16>, %w2: tensor<4x16x32xf16>,
    %y_init: tensor<3x16xf16>) -> tensor<3x16xf16> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = softmax
      activation = gelu outs(%y_init)
      : (tensor<3x16xf16>, tensor<3x4xf16>, tensor<4x64x16xf16>,
         tensor<4x16x32xf16>, tensor<3x16xf16>) -> tensor<3x16xf16>
  return %y : tensor<3x16xf16>
}

// Every dimension dynamic, f32, with two shared experts and groups.
// CHECK-LABEL: func.func @fused_moe_dynamic_f32
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 2 scoring = softmax num_groups = 4 topk_groups = 2 num_shared_experts = 2 activation = gelu outs(%{{.*}}) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?x?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
func.func @fused_moe_dynamic_f32(%x: tensor<?x?xf32>, %logits: tensor<?x?xf32>,
    %w13: tensor<?x?x?xf32>, %w2: tensor<?x?x?xf32>, %y_init: tensor<?x?xf32>)
    -> tensor<?x?xf32> {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 2 scoring = softmax
      num_groups = 4 topk_groups = 2 num_shared_experts = 2 activation = gelu
      outs(%y_init)
      : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?x?x?xf32>,
         tensor<?x?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// Buffer form: DeepSeek-V3 routing with bias, then GELU with f16.
// CHECK-LABEL: func.func @fused_moe_buffer
// CHECK-SAME: (%[[X:[^:]+]]: memref<?x7168xbf16>, %[[L:[^:]+]]: memref<?x256xf32>, %[[W13:[^:]+]]: memref<257x4096x7168xbf16>, %[[W2:[^:]+]]: memref<257x7168x2048xbf16>, %[[B:[^:]+]]: memref<256xf32>, %[[Y:[^:]+]]: memref<?x7168xbf16>, %[[X3:[^:]+]]: memref<3x16xf16>, %[[L3:[^:]+]]: memref<3x4xf16>, %[[W13_3:[^:]+]]: memref<4x64x16xf16>, %[[W2_3:[^:]+]]: memref<4x16x32xf16>, %[[Y3:[^:]+]]: memref<3x16xf16>)
// CHECK-NEXT: {{^ *}}moe.fused_moe %[[X]], %[[L]], %[[W13]], %[[W2]] bias(%[[B]]) k = 8 scoring = sigmoid
// CHECK-SAME: num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
// CHECK-SAME: scaling_factor = 2.500000e+00 num_shared_experts = 1 outs(%[[Y]])
// CHECK-SAME: : (memref<?x7168xbf16>, memref<?x256xf32>, memref<257x4096x7168xbf16>, memref<257x7168x2048xbf16>, memref<256xf32>, memref<?x7168xbf16>) -> ()
// CHECK-NEXT: {{^ *}}moe.fused_moe %[[X3]], %[[L3]], %[[W13_3]], %[[W2_3]] k = 1 scoring = softmax activation = gelu outs(%[[Y3]]) : (memref<3x16xf16>, memref<3x4xf16>, memref<4x64x16xf16>, memref<4x16x32xf16>, memref<3x16xf16>) -> ()
// CHECK-NEXT: return
func.func @fused_moe_buffer(%x: memref<?x7168xbf16>, %logits: memref<?x256xf32>,
    %w13: memref<257x4096x7168xbf16>, %w2: memref<257x7168x2048xbf16>,
    %bias: memref<256xf32>, %y: memref<?x7168xbf16>, %x3: memref<3x16xf16>,
    %logits3: memref<3x4xf16>, %w13_3: memref<4x64x16xf16>,
    %w2_3: memref<4x16x32xf16>, %y3: memref<3x16xf16>) {
  moe.fused_moe %x, %logits, %w13, %w2 bias(%bias) k = 8 scoring = sigmoid
      num_groups = 8 topk_groups = 4 group_score = top2_sum renormalize
      scaling_factor = 2.5 num_shared_experts = 1 outs(%y)
      : (memref<?x7168xbf16>, memref<?x256xf32>, memref<257x4096x7168xbf16>,
         memref<257x7168x2048xbf16>, memref<256xf32>, memref<?x7168xbf16>) -> ()
  moe.fused_moe %x3, %logits3, %w13_3, %w2_3 k = 1 scoring = softmax
      activation = gelu outs(%y3)
      : (memref<3x16xf16>, memref<3x4xf16>, memref<4x64x16xf16>,
         memref<4x16x32xf16>, memref<3x16xf16>) -> ()
  return
}

// Qwen3-Next: the shared expert weighted by its own sigmoid gate.
// CHECK-LABEL: func.func @fused_moe_shared_gate
// CHECK: moe.gate %{{.*}} shared_logits(%{{.*}}) k = 10 scoring = softmax renormalize num_shared_experts = 1 outs(
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} shared_logits(%{{.*}}) k = 10 scoring = softmax renormalize num_shared_experts = 1 outs(
func.func @fused_moe_shared_gate(%x: tensor<?x2048xbf16>, %logits: tensor<?x512xbf16>,
    %shared: tensor<?x1xbf16>, %w13: tensor<513x1024x2048xbf16>,
    %w2: tensor<513x2048x512xbf16>, %y_init: tensor<?x2048xbf16>,
    %w_init: tensor<?x11xf32>, %i_init: tensor<?x11xi32>)
    -> (tensor<?x2048xbf16>, tensor<?x11xf32>, tensor<?x11xi32>) {
  %w, %i = moe.gate %logits shared_logits(%shared) k = 10 scoring = softmax
      renormalize num_shared_experts = 1 outs(%w_init, %i_init)
      : (tensor<?x512xbf16>, tensor<?x1xbf16>, tensor<?x11xf32>, tensor<?x11xi32>)
      -> (tensor<?x11xf32>, tensor<?x11xi32>)
  %y = moe.fused_moe %x, %logits, %w13, %w2 shared_logits(%shared) k = 10
      scoring = softmax renormalize num_shared_experts = 1 outs(%y_init)
      : (tensor<?x2048xbf16>, tensor<?x512xbf16>, tensor<513x1024x2048xbf16>,
         tensor<513x2048x512xbf16>, tensor<?x1xbf16>,
         tensor<?x2048xbf16>) -> tensor<?x2048xbf16>
  return %y, %w, %i : tensor<?x2048xbf16>, tensor<?x11xf32>, tensor<?x11xi32>
}

// Llama-4: top-1 sigmoid, the weight on the input rows, a shared expert of
// weight 1; permute's row scale, with and without row_weights.
// CHECK-LABEL: func.func @fused_moe_weight_on_input
// CHECK: moe.fused_moe %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} k = 1 scoring = sigmoid num_shared_experts = 1 shared_weight = one router_weight_on_input outs(
// CHECK: moe.gate %{{.*}} k = 1 scoring = sigmoid num_shared_experts = 1 shared_weight = one outs(
// CHECK: moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) scale_rows num_experts = 17 outs(%{{[^,]*}}, %{{[^,]*}}, %{{[^,)]*}})
// CHECK: moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) scale_rows num_experts = 17 outs(%{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,)]*}})
func.func @fused_moe_weight_on_input(%x: tensor<?x5120xbf16>, %logits: tensor<?x16xbf16>,
    %w13: tensor<17x16384x5120xbf16>, %w2: tensor<17x5120x8192xbf16>,
    %y_init: tensor<?x5120xbf16>, %w_init: tensor<?x2xf32>, %i_init: tensor<?x2xi32>,
    %r_init: tensor<?x5120xbf16>, %s_init: tensor<?xi32>, %o_init: tensor<18xi32>,
    %rw_init: tensor<?xf32>) -> (tensor<?x5120xbf16>, tensor<?x5120xbf16>, tensor<?x5120xbf16>) {
  %y = moe.fused_moe %x, %logits, %w13, %w2 k = 1 scoring = sigmoid
      num_shared_experts = 1 shared_weight = one router_weight_on_input outs(%y_init)
      : (tensor<?x5120xbf16>, tensor<?x16xbf16>, tensor<17x16384x5120xbf16>,
         tensor<17x5120x8192xbf16>, tensor<?x5120xbf16>) -> tensor<?x5120xbf16>
  %w, %i = moe.gate %logits k = 1 scoring = sigmoid num_shared_experts = 1
      shared_weight = one outs(%w_init, %i_init)
      : (tensor<?x16xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
  %r, %s, %o = moe.permute %x, %i weights(%w) scale_rows num_experts = 17
      outs(%r_init, %s_init, %o_init)
      : (tensor<?x5120xbf16>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<?x5120xbf16>,
         tensor<?xi32>, tensor<18xi32>) -> (tensor<?x5120xbf16>, tensor<?xi32>, tensor<18xi32>)
  %r2, %s2, %o2, %rw = moe.permute %x, %i weights(%w) scale_rows num_experts = 17
      outs(%r_init, %s_init, %o_init, %rw_init)
      : (tensor<?x5120xbf16>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<?x5120xbf16>,
         tensor<?xi32>, tensor<18xi32>, tensor<?xf32>)
      -> (tensor<?x5120xbf16>, tensor<?xi32>, tensor<18xi32>, tensor<?xf32>)
  return %y, %r, %r2 : tensor<?x5120xbf16>, tensor<?x5120xbf16>, tensor<?x5120xbf16>
}

//===----------------------------------------------------------------------===//
// moe.mot_mlp
//===----------------------------------------------------------------------===//

// Bagel's MLP block, and every optional part in the buffer form.
// CHECK-LABEL: func.func @mot_mlp
// CHECK: moe.mot_mlp %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} outs(%{{.*}}) : (tensor<?x3584xbf16>, tensor<2x37888x3584xbf16>, tensor<2x3584x18944xbf16>, tensor<?xi32>, tensor<?x3584xbf16>) -> tensor<?x3584xbf16>
// CHECK: moe.mot_mlp %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} b13(%{{.*}}) b2(%{{.*}}) activation = swigluoai gate_up_layout = interleaved clamp_limit = 7.000000e+00 swiglu_alpha = 1.702000e+00 outs(%{{.*}}) : (memref<3x16xf16>, memref<2x64x16xf16>, memref<2x16x32xf16>, memref<3xi32>, memref<2x64xf16>, memref<2x16xf16>, memref<3x16xf16>) -> ()
func.func @mot_mlp(%x: tensor<?x3584xbf16>, %w13: tensor<2x37888x3584xbf16>,
    %w2: tensor<2x3584x18944xbf16>, %types: tensor<?xi32>, %y_init: tensor<?x3584xbf16>,
    %xb: memref<3x16xf16>, %w13b: memref<2x64x16xf16>, %w2b: memref<2x16x32xf16>,
    %tb: memref<3xi32>, %b13: memref<2x64xf16>, %b2: memref<2x16xf16>,
    %yb: memref<3x16xf16>) -> tensor<?x3584xbf16> {
  %y = moe.mot_mlp %x, %w13, %w2, %types outs(%y_init)
      : (tensor<?x3584xbf16>, tensor<2x37888x3584xbf16>, tensor<2x3584x18944xbf16>,
         tensor<?xi32>, tensor<?x3584xbf16>) -> tensor<?x3584xbf16>
  moe.mot_mlp %xb, %w13b, %w2b, %tb b13(%b13) b2(%b2) activation = swigluoai
      gate_up_layout = interleaved clamp_limit = 7.0 swiglu_alpha = 1.702 outs(%yb)
      : (memref<3x16xf16>, memref<2x64x16xf16>, memref<2x16x32xf16>, memref<3xi32>,
         memref<2x64xf16>, memref<2x16xf16>, memref<3x16xf16>) -> ()
  return %y : tensor<?x3584xbf16>
}

//===----------------------------------------------------------------------===//
// Dynamic shapes: outs from tensor.empty
//===----------------------------------------------------------------------===//

// Dynamic shapes end to end, the outs from tensor.empty sized with tensor.dim
// (the decomposed MoE layer: gate -> permute -> two expert GEMMs -> combine).
// Each result is a new SSA value of its out's type and feeds the next op.
// CHECK-LABEL: func.func @moe_layer_dynamic_tensor_empty
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x?xbf16>, %[[L:[^:]+]]: tensor<?x8xbf16>, %[[W13:[^:]+]]: tensor<8x?x?xbf16>, %[[W2:[^:]+]]: tensor<8x?x?xbf16>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %[[C0]] : tensor<?x?xbf16>
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %[[C1]] : tensor<?x?xbf16>
// CHECK: %[[R:.*]] = arith.muli %[[T]], %[[C2]] : index
// CHECK: %[[N:.*]] = tensor.dim %[[W13]], %[[C1]] : tensor<8x?x?xbf16>
// CHECK: %[[I:.*]] = arith.divui %[[N]], %[[C2]] : index
// CHECK: %[[WI:.*]] = tensor.empty(%[[T]]) : tensor<?x2xf32>
// CHECK: %[[II:.*]] = tensor.empty(%[[T]]) : tensor<?x2xi32>
// CHECK: %[[G:.*]]:2 = moe.gate %[[L]] k = 2 scoring = softmax renormalize outs(%[[WI]], %[[II]]) : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> (tensor<?x2xf32>, tensor<?x2xi32>)
// CHECK: %[[RI:.*]] = tensor.empty(%[[R]], %[[H]]) : tensor<?x?xbf16>
// CHECK: %[[SI:.*]] = tensor.empty(%[[R]]) : tensor<?xi32>
// CHECK: %[[OI:.*]] = tensor.empty() : tensor<9xi32>
// CHECK: %[[RWI:.*]] = tensor.empty(%[[R]]) : tensor<?xf32>
// CHECK: %[[P:.*]]:4 = moe.permute %[[X]], %[[G]]#1 weights(%[[G]]#0) num_experts = 8 outs(%[[RI]], %[[SI]], %[[OI]], %[[RWI]]) : (tensor<?x?xbf16>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<?x?xbf16>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>) -> (tensor<?x?xbf16>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
// CHECK: %[[AI:.*]] = tensor.empty(%[[R]], %[[I]]) : tensor<?x?xbf16>
// CHECK: %[[ACT:.*]] = moe.grouped_matmul %[[P]]#0, %[[W13]], %[[P]]#2 epilogue = silu_and_mul outs(%[[AI]]) : (tensor<?x?xbf16>, tensor<8x?x?xbf16>, tensor<9xi32>, tensor<?x?xbf16>) -> tensor<?x?xbf16>
// CHECK: %[[DI:.*]] = tensor.empty(%[[R]], %[[H]]) : tensor<?x?xbf16>
// CHECK: %[[DOWN:.*]] = moe.grouped_matmul %[[ACT]], %[[W2]], %[[P]]#2 scale(%[[P]]#3) outs(%[[DI]]) : (tensor<?x?xbf16>, tensor<8x?x?xbf16>, tensor<9xi32>, tensor<?xf32>, tensor<?x?xbf16>) -> tensor<?x?xbf16>
// CHECK: %[[OUTI:.*]] = tensor.empty(%[[T]], %[[H]]) : tensor<?x?xbf16>
// CHECK: %[[OUT:.*]] = moe.combine %[[DOWN]], %[[P]]#1 k = 2 outs(%[[OUTI]]) : (tensor<?x?xbf16>, tensor<?xi32>, tensor<?x?xbf16>) -> tensor<?x?xbf16>
// CHECK: return %[[OUT]] : tensor<?x?xbf16>
func.func @moe_layer_dynamic_tensor_empty(%x: tensor<?x?xbf16>,
    %logits: tensor<?x8xbf16>, %w13: tensor<8x?x?xbf16>,
    %w2: tensor<8x?x?xbf16>) -> tensor<?x?xbf16> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %t = tensor.dim %x, %c0 : tensor<?x?xbf16>
  %h = tensor.dim %x, %c1 : tensor<?x?xbf16>
  %r = arith.muli %t, %c2 : index
  %n = tensor.dim %w13, %c1 : tensor<8x?x?xbf16>
  %i = arith.divui %n, %c2 : index
  %weights_init = tensor.empty(%t) : tensor<?x2xf32>
  %ids_init = tensor.empty(%t) : tensor<?x2xi32>
  %weights, %ids = moe.gate %logits k = 2 scoring = softmax renormalize
      outs(%weights_init, %ids_init)
      : (tensor<?x8xbf16>, tensor<?x2xf32>, tensor<?x2xi32>)
      -> (tensor<?x2xf32>, tensor<?x2xi32>)
  %rows_init = tensor.empty(%r, %h) : tensor<?x?xbf16>
  %src_init = tensor.empty(%r) : tensor<?xi32>
  %offsets_init = tensor.empty() : tensor<9xi32>
  %rw_init = tensor.empty(%r) : tensor<?xf32>
  %rows, %src, %offsets, %rw = moe.permute %x, %ids weights(%weights)
      num_experts = 8 outs(%rows_init, %src_init, %offsets_init, %rw_init)
      : (tensor<?x?xbf16>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<?x?xbf16>,
         tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
      -> (tensor<?x?xbf16>, tensor<?xi32>, tensor<9xi32>, tensor<?xf32>)
  %act_init = tensor.empty(%r, %i) : tensor<?x?xbf16>
  %act = moe.grouped_matmul %rows, %w13, %offsets epilogue = silu_and_mul
      outs(%act_init)
      : (tensor<?x?xbf16>, tensor<8x?x?xbf16>, tensor<9xi32>, tensor<?x?xbf16>)
      -> tensor<?x?xbf16>
  %down_init = tensor.empty(%r, %h) : tensor<?x?xbf16>
  %down = moe.grouped_matmul %act, %w2, %offsets scale(%rw) outs(%down_init)
      : (tensor<?x?xbf16>, tensor<8x?x?xbf16>, tensor<9xi32>, tensor<?xf32>,
         tensor<?x?xbf16>) -> tensor<?x?xbf16>
  %out_init = tensor.empty(%t, %h) : tensor<?x?xbf16>
  %out = moe.combine %down, %src k = 2 outs(%out_init)
      : (tensor<?x?xbf16>, tensor<?xi32>, tensor<?x?xbf16>) -> tensor<?x?xbf16>
  return %out : tensor<?x?xbf16>
}

// Device-side tile ops (inside kernels, between moe-tile-grouped-matmul and
// moe-create-tma-descriptors).
// CHECK-LABEL: func.func @tile_ops
//       CHECK: moe.tile_load_async %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}} ready %{{.*}}[%{{.*}}] swizzle = 128 : memref<?x?xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>, memref<4xi64, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_load_async %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] into %{{.*}} ready %{{.*}}[%{{.*}}] : memref<8x?x?xf32, strided<[?, ?, 1], offset: ?>>, memref<1x16x4xf32, 3>, memref<4xi64, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_load_async %{{.*}}[%{{.*}}, %{{.*}}] gather(%{{.*}} : memref<?xi32>) divisor = 8 into %{{.*}} ready %{{.*}}[%{{.*}}] swizzle = 128 : memref<?x?xbf16>
//       CHECK: moe.tile_load_async %{{.*}}[%{{.*}}, %{{.*}}] gather(%{{.*}} : memref<?xi32>) into %{{.*}} ready %{{.*}}[%{{.*}}] swizzle = 128 threads = 128 : memref<?x?xbf16>
//       CHECK: moe.tile_load_async %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}} ready %{{.*}}[%{{.*}}] swizzle = 128 l2 = evict_last : memref<?x?xbf16>
//       CHECK: moe.tile_load_async %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] into %{{.*}} ready %{{.*}}[%{{.*}}] l2 = evict_first : memref<8x?x?xf32
//       CHECK: moe.tile_load_async %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}} ready %{{.*}}[%{{.*}}] : memref<?x?xbf16>
//       CHECK: moe.tile_wait %{{.*}}[%{{.*}}] parity %{{.*}} : memref<4xi64, #gpu.address_space<workgroup>>
func.func @tile_ops(%a: memref<?x?xbf16>, %w: memref<8x?x?xf32, strided<[?, ?, 1], offset: ?>>,
                    %slot_a: memref<128x64xbf16, #gpu.address_space<workgroup>>,
                    %slot_w: memref<1x16x4xf32, 3>,
                    %ring: memref<4xi64, #gpu.address_space<workgroup>>,
                    %i: index, %j: index, %s: index, %p: index,
                    %slots: memref<?xi32>) {
  moe.tile_load_async %a[%i, %j] into %slot_a ready %ring[%s] swizzle = 128
      : memref<?x?xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
        memref<4xi64, #gpu.address_space<workgroup>>
  moe.tile_load_async %w[%i, %i, %j] into %slot_w ready %ring[%s]
      : memref<8x?x?xf32, strided<[?, ?, 1], offset: ?>>, memref<1x16x4xf32, 3>,
        memref<4xi64, #gpu.address_space<workgroup>>
  moe.tile_load_async %a[%i, %j] gather(%slots : memref<?xi32>) divisor = 8
      into %slot_a ready %ring[%s] swizzle = 128
      : memref<?x?xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
        memref<4xi64, #gpu.address_space<workgroup>>
  moe.tile_load_async %a[%i, %j] gather(%slots : memref<?xi32>)
      into %slot_a ready %ring[%s] swizzle = 128 threads = 128
      : memref<?x?xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
        memref<4xi64, #gpu.address_space<workgroup>>
  // L2 priorities; `normal` is the default and not printed.
  moe.tile_load_async %a[%i, %j] into %slot_a ready %ring[%s] swizzle = 128 l2 = evict_last
      : memref<?x?xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
        memref<4xi64, #gpu.address_space<workgroup>>
  moe.tile_load_async %w[%i, %i, %j] into %slot_w ready %ring[%s] l2 = evict_first
      : memref<8x?x?xf32, strided<[?, ?, 1], offset: ?>>, memref<1x16x4xf32, 3>,
        memref<4xi64, #gpu.address_space<workgroup>>
  moe.tile_load_async %a[%i, %j] into %slot_a ready %ring[%s] l2 = normal
      : memref<?x?xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>,
        memref<4xi64, #gpu.address_space<workgroup>>
  moe.tile_wait %ring[%s] parity %p : memref<4xi64, #gpu.address_space<workgroup>>
  return
}

// A tile shared by a cluster of two blocks, and a release in both.
// CHECK-LABEL: func.func @tile_ops_cluster
//       CHECK: moe.tile_load_async %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}} ready %{{.*}}[%{{.*}}] swizzle = 128 multicast = 2 :
//       CHECK: moe.tile_load %{{.*}}[%{{.*}}, %{{.*}}] into %{{.*}} swizzle = 128 multicast = 2 :
//       CHECK: moe.tile_release %{{.*}}[%{{.*}}] arrivals = 512 cluster = 2 :
func.func @tile_ops_cluster(%w: memref<?x?xbf16>,
                            %slot_w: memref<256x64xbf16, #gpu.address_space<workgroup>>,
                            %ring: memref<4xi64, #gpu.address_space<workgroup>>,
                            %empty: memref<4xi64, #gpu.address_space<workgroup>>,
                            %i: index, %j: index, %s: index) {
  moe.tile_load_async %w[%i, %j] into %slot_w ready %ring[%s] swizzle = 128 multicast = 2
      : memref<?x?xbf16>, memref<256x64xbf16, #gpu.address_space<workgroup>>,
        memref<4xi64, #gpu.address_space<workgroup>>
  moe.tile_load %w[%i, %j] into %slot_w swizzle = 128 multicast = 2
      : memref<?x?xbf16>, memref<256x64xbf16, #gpu.address_space<workgroup>>
  moe.tile_release %empty[%s] arrivals = 512 cluster = 2
      : memref<4xi64, #gpu.address_space<workgroup>>
  return
}

// The tile_store epilogue's activation parameters.
// CHECK-LABEL: func.func @tile_store_activations
//       CHECK: moe.tile_store %{{.*}} rows %{{.*}} epilogue = swigluoai_and_mul gate_up_layout = interleaved clamp_limit = 7.000000e+00 swiglu_alpha = 1.702000e+00 bias(
//       CHECK: moe.tile_store %{{.*}} rows %{{.*}} epilogue = gelu_tanh :
func.func @tile_store_activations(%acc: vector<64x128xf32>, %o: memref<?x?xbf16>,
                                  %b: memref<4x256xbf16>, %i: index) {
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i
      epilogue = swigluoai_and_mul gate_up_layout = interleaved clamp_limit = 7.0
      swiglu_alpha = 1.702 bias(%b : memref<4x256xbf16>) expert %i
      : vector<64x128xf32>, memref<?x?xbf16>
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i epilogue = gelu_tanh
      : vector<64x128xf32>, memref<?x?xbf16>
  return
}

// A hint for the epilogue's per-row values.
// CHECK-LABEL: func.func @tile_prefetch
//       CHECK: moe.tile_prefetch %{{.*}}[%{{.*}}] rows %{{.*}} : memref<?xf32>
//       CHECK: moe.tile_prefetch %{{.*}}[%{{.*}}] rows %{{.*}} : memref<?xi32>
func.func @tile_prefetch(%s: memref<?xf32>, %r: memref<?xi32>, %i: index, %n: index) {
  moe.tile_prefetch %s[%i] rows %n : memref<?xf32>
  moe.tile_prefetch %r[%i] rows %n : memref<?xi32>
  return
}

// The staged epilogue: a 16 x 72 slice of shared memory for each of the
// tile's 8 warps.
// CHECK-LABEL: func.func @tile_store_staging
//       CHECK: moe.tile_store %{{.*}} rows %{{.*}} epilogue = silu_and_mul scale(%{{.*}} : memref<?xf32>) staging(%{{.*}} : memref<8x16x72xbf16, #gpu.address_space<workgroup>>) :
func.func @tile_store_staging(%acc: vector<128x256xf32>, %o: memref<?x?xbf16>, %s: memref<?xf32>,
                              %buf: memref<8x16x72xbf16, #gpu.address_space<workgroup>>, %i: index) {
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i epilogue = silu_and_mul
      scale(%s : memref<?xf32>) staging(%buf : memref<8x16x72xbf16, #gpu.address_space<workgroup>>)
      : vector<128x256xf32>, memref<?x?xbf16>
  return
}

// The fp8 dequant of the epilogue: per channel and per tensor.
// CHECK-LABEL: func.func @tile_store_dequant
//       CHECK: moe.tile_store %{{.*}} rows %{{.*}} epilogue = silu_and_mul dequant(%{{.*}} : memref<?x1xf32>, %{{.*}} : memref<4x256xf32>) expert %{{.*}} :
//       CHECK: moe.tile_store %{{.*}} rows %{{.*}} bias(%{{.*}} : memref<4x256xbf16>) dequant(%{{.*}} : memref<1xf32>, %{{.*}} : memref<4xf32>) expert %{{.*}} :
func.func @tile_store_dequant(%acc: vector<64x128xf32>, %o: memref<?x?xbf16>, %as: memref<?x1xf32>,
                              %ws: memref<4x256xf32>, %as1: memref<1xf32>, %ws1: memref<4xf32>,
                              %b: memref<4x256xbf16>, %i: index) {
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i epilogue = silu_and_mul
      dequant(%as : memref<?x1xf32>, %ws : memref<4x256xf32>) expert %i
      : vector<64x128xf32>, memref<?x?xbf16>
  moe.tile_store %acc warpgroup %i into %o[%i, %i] rows %i bias(%b : memref<4x256xbf16>)
      dequant(%as1 : memref<1xf32>, %ws1 : memref<4xf32>) expert %i
      : vector<64x128xf32>, memref<?x?xbf16>
  return
}

// A tile claimed from a counter and handed through a signalled ring.
// CHECK-LABEL: func.func @tile_claims
//       CHECK: moe.tile_claim %{{.*}}[%{{.*}}] offset %{{.*}} into %{{.*}} : memref<?xi32>, memref<1xi32, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_signal %{{.*}}[%{{.*}}] : memref<4xi64, #gpu.address_space<workgroup>>
//       CHECK: %{{.*}} = moe.tile_claimed %{{.*}} : memref<1xi32, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_claim %{{.*}}[%{{.*}}] offset %{{.*}} into %{{.*}} cluster = 2 : memref<?xi32>, memref<1xi32, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_publish %{{.*}} into %{{.*}}[%{{.*}}] ready %{{.*}} rank %{{.*}} : memref<4xi32, #gpu.address_space<workgroup>>, memref<4xi64, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_signal %{{.*}}[%{{.*}}] rank %{{.*}} : memref<4xi64, #gpu.address_space<workgroup>>
//       CHECK: %{{.*}} = moe.tile_claimed %{{.*}} cluster = 2 : memref<1xi32, #gpu.address_space<workgroup>>
func.func @tile_claims(%counter: memref<?xi32>, %i: index, %grid: index, %word: i32) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1) {
    %slot = moe.tile_alloc : memref<1xi32, #gpu.address_space<workgroup>>
    %ring = moe.tile_alloc : memref<4xi64, #gpu.address_space<workgroup>>
    moe.tile_claim %counter[%i] offset %grid into %slot
        : memref<?xi32>, memref<1xi32, #gpu.address_space<workgroup>>
    moe.tile_signal %ring[%i] : memref<4xi64, #gpu.address_space<workgroup>>
    %next = moe.tile_claimed %slot : memref<1xi32, #gpu.address_space<workgroup>>
    %words = moe.tile_alloc : memref<4xi32, #gpu.address_space<workgroup>>
    moe.tile_claim %counter[%i] offset %grid into %slot cluster = 2
        : memref<?xi32>, memref<1xi32, #gpu.address_space<workgroup>>
    moe.tile_publish %word into %words[%i] ready %ring rank %i
        : memref<4xi32, #gpu.address_space<workgroup>>, memref<4xi64, #gpu.address_space<workgroup>>
    moe.tile_signal %ring[%i] rank %i : memref<4xi64, #gpu.address_space<workgroup>>
    %shared = moe.tile_claimed %slot cluster = 2 : memref<1xi32, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// The tile IR of a GEMM kernel (moe-tile-grouped-matmul's output, then the
// pipelining pass's release): buffers, a synchronous tile load into part
// of a buffer, an MMA left in flight, the wait, a gated epilogue with
// every optional operand, and a release.
// CHECK-LABEL: func.func @tile_program
//       CHECK: moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] into %{{.*}} swizzle = 128 : memref<4x?x64xbf16>, memref<128x64xbf16, strided<[64, 1], offset: 8192>, #gpu.address_space<workgroup>>
//       CHECK: moe.tile_load %{{.*}}[%{{.*}}, %{{.*}}] gather(%{{.*}} : memref<?xi32>) divisor = 8 into %{{.*}} swizzle = 128 : memref<?x64xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>
//       CHECK: %[[R:.*]] = moe.tile_mma %{{.*}}, %{{.*}}, %{{.*}} warpgroup %{{.*}} rows %{{.*}} pending = 1 : memref<128x64xbf16, #gpu.address_space<workgroup>>, memref<256x64xbf16, #gpu.address_space<workgroup>> -> vector<128x256xf32>
//       CHECK: %[[D:.*]] = moe.tile_mma_wait %[[R]] : vector<128x256xf32>
//       CHECK: moe.tile_store %[[D]] warpgroup %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] rows %{{.*}} epilogue = gelu_and_mul bias(%{{.*}} : memref<4x256xf32>) expert %{{.*}} scale(%{{.*}} : memref<?xf32>) gather(%{{.*}} : memref<?xi32>) a_rows %{{.*}} divisor = 8 : vector<128x256xf32>, memref<?x128xbf16>
//       CHECK: moe.tile_release %{{.*}}[%{{.*}}] arrivals = 256 : memref<4xi64, #gpu.address_space<workgroup>>
func.func @tile_program(%x: memref<?x64xbf16>, %w: memref<4x?x64xbf16>, %slots: memref<?xi32>,
                        %bias: memref<4x256xf32>, %scale: memref<?xf32>, %out: memref<?x128xbf16>,
                        %i: index, %e: index, %wg: index, %rows: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : memref<128x64xbf16, #gpu.address_space<workgroup>>
    %tw = moe.tile_alloc : memref<256x64xbf16, #gpu.address_space<workgroup>>
    %ring = moe.tile_alloc : memref<4xi64, #gpu.address_space<workgroup>>
    %up = memref.subview %tw[128, 0] [128, 64] [1, 1]
        : memref<256x64xbf16, #gpu.address_space<workgroup>>
          to memref<128x64xbf16, strided<[64, 1], offset: 8192>, #gpu.address_space<workgroup>>
    moe.tile_load %w[%e, %i, %i] into %up swizzle = 128
        : memref<4x?x64xbf16>, memref<128x64xbf16, strided<[64, 1], offset: 8192>, #gpu.address_space<workgroup>>
    moe.tile_load %x[%i, %i] gather(%slots : memref<?xi32>) divisor = 8 into %ta swizzle = 128
        : memref<?x64xbf16>, memref<128x64xbf16, #gpu.address_space<workgroup>>
    %zero = arith.constant dense<0.0> : vector<128x256xf32>
    %r = moe.tile_mma %ta, %tw, %zero warpgroup %wg rows %rows pending = 1
        : memref<128x64xbf16, #gpu.address_space<workgroup>>,
          memref<256x64xbf16, #gpu.address_space<workgroup>> -> vector<128x256xf32>
    %d = moe.tile_mma_wait %r : vector<128x256xf32>
    moe.tile_store %d warpgroup %wg into %out[%i, %i] rows %rows epilogue = gelu_and_mul
        bias(%bias : memref<4x256xf32>) expert %e scale(%scale : memref<?xf32>)
        gather(%slots : memref<?xi32>) a_rows %rows divisor = 8
        : vector<128x256xf32>, memref<?x128xbf16>
    moe.tile_release %ring[%i] arrivals = 256 : memref<4xi64, #gpu.address_space<workgroup>>
    gpu.terminator
  }
  return
}

// fp8 operands (e4m3 x e5m2 here): a 128-byte K row is 128 elements.
// CHECK-LABEL: func.func @tile_mma_fp8
//       CHECK: moe.tile_mma %{{.*}}, %{{.*}}, %{{.*}} warpgroup %{{.*}} : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>, memref<128x128xf8E5M2, #gpu.address_space<workgroup>> -> vector<64x128xf32>
func.func @tile_mma_fp8(%wg: index) {
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %t = %c1) {
    %ta = moe.tile_alloc : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>
    %tw = moe.tile_alloc : memref<128x128xf8E5M2, #gpu.address_space<workgroup>>
    %zero = arith.constant dense<0.0> : vector<64x128xf32>
    %r = moe.tile_mma %ta, %tw, %zero warpgroup %wg
        : memref<64x128xf8E4M3FN, #gpu.address_space<workgroup>>,
          memref<128x128xf8E5M2, #gpu.address_space<workgroup>> -> vector<64x128xf32>
    gpu.terminator
  }
  return
}

// The fp8 block-scale promotion: plain, and a gated tile with interleaved
// gate/up rows (the up rows one on, both by twos).
// CHECK-LABEL: func.func @tile_scale_accumulate
//       CHECK: %[[P:.*]] = moe.tile_scale_accumulate %{{.*}}, %{{.*}} warpgroup %{{.*}} rows %{{.*}} a_scale(%{{.*}} : memref<?x?xf32>) [%{{.*}}, %{{.*}}] w_scale(%{{.*}} : memref<?x?x?xf32>) [%{{.*}}] w_row %{{.*}} : vector<128x128xf32>
//       CHECK: moe.tile_scale_accumulate %{{.*}}, %[[P]] warpgroup %{{.*}} rows %{{.*}} a_scale(%{{.*}} : memref<?x?xf32>) [%{{.*}}, %{{.*}}] w_scale(%{{.*}} : memref<?x?x?xf32>) [%{{.*}}] w_row %{{.*}} up_row %{{.*}} w_row_stride = 2 : vector<128x128xf32>
func.func @tile_scale_accumulate(%partial: vector<128x128xf32>, %acc: vector<128x128xf32>,
                                 %as: memref<?x?xf32>, %ws: memref<?x?x?xf32>,
                                 %wg: index, %rows: index, %row: index, %kb: index,
                                 %e: index, %n0: index, %n1: index) {
  %p = moe.tile_scale_accumulate %partial, %acc warpgroup %wg rows %rows
      a_scale(%as : memref<?x?xf32>) [%row, %kb] w_scale(%ws : memref<?x?x?xf32>) [%e]
      w_row %n0 : vector<128x128xf32>
  %q = moe.tile_scale_accumulate %partial, %p warpgroup %wg rows %rows
      a_scale(%as : memref<?x?xf32>) [%row, %kb] w_scale(%ws : memref<?x?x?xf32>) [%e]
      w_row %n0 up_row %n1 w_row_stride = 2 : vector<128x128xf32>
  return
}
