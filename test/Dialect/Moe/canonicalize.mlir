// RUN: moe-opt %s --canonicalize --split-input-file | FileCheck %s

// Keeping every group is ungrouped routing.
// CHECK-LABEL: func.func @all_groups_kept
//       CHECK: moe.gate %{{.*}} k = 8 scoring = sigmoid renormalize :
func.func @all_groups_kept(%logits: tensor<4x64xf32>) -> (tensor<4x8xf32>, tensor<4x8xi32>) {
  %w, %ids = moe.gate %logits k = 8 scoring = sigmoid num_groups = 8 topk_groups = 8
      group_score = top2_sum renormalize
      : (tensor<4x64xf32>) -> (tensor<4x8xf32>, tensor<4x8xi32>)
  return %w, %ids : tensor<4x8xf32>, tensor<4x8xi32>
}

// -----

// A group score without groups means nothing: it is dropped.
// CHECK-LABEL: func.func @score_without_groups
//       CHECK: moe.gate %{{.*}} k = 2 scoring = softmax :
func.func @score_without_groups(%logits: tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>) {
  %w, %ids = moe.gate %logits k = 2 scoring = softmax group_score = top2_sum
      : (tensor<4x8xf32>) -> (tensor<4x2xf32>, tensor<4x2xi32>)
  return %w, %ids : tensor<4x2xf32>, tensor<4x2xi32>
}

// -----

// Real group limiting stays.
// CHECK-LABEL: func.func @groups_limit_selection
//       CHECK: moe.gate %{{.*}} num_groups = 8 topk_groups = 4 group_score = top2_sum
func.func @groups_limit_selection(%logits: tensor<4x256xf32>) -> (tensor<4x8xf32>, tensor<4x8xi32>) {
  %w, %ids = moe.gate %logits k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4
      group_score = top2_sum : (tensor<4x256xf32>) -> (tensor<4x8xf32>, tensor<4x8xi32>)
  return %w, %ids : tensor<4x8xf32>, tensor<4x8xi32>
}

// -----

// Unused row weights are not gathered.
// CHECK-LABEL: func.func @unused_row_weights
//       CHECK: %[[ROWS:.*]], %[[SRC:.*]], %[[OFF:.*]] = moe.permute %{{.*}}, %{{.*}} num_experts = 8 : (tensor<4x16xbf16>, tensor<4x2xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>)
//       CHECK: return %[[ROWS]], %[[SRC]], %[[OFF]]
func.func @unused_row_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>)
    -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>) {
  %rows, %src, %off, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return %rows, %src, %off : tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>
}

// -----

// Used row weights stay.
// CHECK-LABEL: func.func @used_row_weights
//       CHECK: moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) num_experts = 8
func.func @used_row_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>)
    -> (tensor<8x16xbf16>, tensor<8xf32>) {
  %rows, %src, %off, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return %rows, %rw : tensor<8x16xbf16>, tensor<8xf32>
}
