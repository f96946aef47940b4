// RUN: moe-opt %s --canonicalize --split-input-file | FileCheck %s

// Keeping every group is ungrouped routing.
// CHECK-LABEL: func.func @all_groups_kept
//       CHECK: moe.gate %{{.*}} k = 8 scoring = sigmoid renormalize outs(
func.func @all_groups_kept(%logits: tensor<4x64xf32>, %w: tensor<4x8xf32>, %ids: tensor<4x8xi32>)
    -> (tensor<4x8xf32>, tensor<4x8xi32>) {
  %rw, %rids = moe.gate %logits k = 8 scoring = sigmoid num_groups = 8 topk_groups = 8
      group_score = top2_sum renormalize outs(%w, %ids)
      : (tensor<4x64xf32>, tensor<4x8xf32>, tensor<4x8xi32>) -> (tensor<4x8xf32>, tensor<4x8xi32>)
  return %rw, %rids : tensor<4x8xf32>, tensor<4x8xi32>
}

// -----

// A group score without groups means nothing: it is dropped, on buffers too.
// CHECK-LABEL: func.func @score_without_groups
//       CHECK: moe.gate %{{.*}} k = 2 scoring = softmax outs(
func.func @score_without_groups(%logits: memref<4x8xf32>, %w: memref<4x2xf32>, %ids: memref<4x2xi32>) {
  moe.gate %logits k = 2 scoring = softmax group_score = top2_sum outs(%w, %ids)
      : (memref<4x8xf32>, memref<4x2xf32>, memref<4x2xi32>) -> ()
  return
}

// -----

// Real group limiting stays.
// CHECK-LABEL: func.func @groups_limit_selection
//       CHECK: moe.gate %{{.*}} num_groups = 8 topk_groups = 4 group_score = top2_sum
func.func @groups_limit_selection(%logits: tensor<4x256xf32>, %w: tensor<4x8xf32>, %ids: tensor<4x8xi32>)
    -> (tensor<4x8xf32>, tensor<4x8xi32>) {
  %rw, %rids = moe.gate %logits k = 8 scoring = sigmoid num_groups = 8 topk_groups = 4
      group_score = top2_sum outs(%w, %ids)
      : (tensor<4x256xf32>, tensor<4x8xf32>, tensor<4x8xi32>) -> (tensor<4x8xf32>, tensor<4x8xi32>)
  return %rw, %rids : tensor<4x8xf32>, tensor<4x8xi32>
}

// -----

// Unused row weights are not gathered.
// CHECK-LABEL: func.func @unused_row_weights
//       CHECK: %[[P:.*]]:3 = moe.permute %{{.*}}, %{{.*}} num_experts = 8 outs(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>)
//       CHECK: return %[[P]]#0, %[[P]]#1, %[[P]]#2
func.func @unused_row_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>,
                              %r0: tensor<8x16xbf16>, %s0: tensor<8xi32>, %o0: tensor<9xi32>,
                              %w0: tensor<8xf32>)
    -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>) {
  %rows, %src, %off, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r0, %s0, %o0, %w0)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return %rows, %src, %off : tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>
}

// -----

// A permute whose rows are unused moves none: the permutation alone.
// CHECK-LABEL: func.func @unused_rows
//  CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xbf16>, %[[IDS:[^:]+]]: tensor<4x2xi32>, %[[W:[^:]+]]: tensor<4x2xf32>, %{{[^:]+}}: tensor<8x16xbf16>, %[[S:[^:]+]]: tensor<8xi32>, %[[O:[^:]+]]: tensor<9xi32>, %[[RW:[^:]+]]: tensor<8xf32>)
//       CHECK: %[[P:.*]]:3 = moe.permute_indices %[[IDS]] weights(%[[W]]) num_experts = 8 outs(%[[S]], %[[O]], %[[RW]])
//       CHECK: return %[[P]]#0, %[[P]]#1, %[[P]]#2
//   CHECK-NOT: moe.permute 
func.func @unused_rows(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>,
                       %r0: tensor<8x16xbf16>, %s0: tensor<8xi32>, %o0: tensor<9xi32>,
                       %w0: tensor<8xf32>)
    -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>) {
  %rows, %src, %off, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r0, %s0, %o0, %w0)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return %src, %off, %rw : tensor<8xi32>, tensor<9xi32>, tensor<8xf32>
}

// -----

// The same for permute_indices.
// CHECK-LABEL: func.func @unused_row_weights_indices
//       CHECK: %[[P:.*]]:2 = moe.permute_indices %{{.*}} num_experts = 8 outs(%{{.*}}, %{{.*}}) : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>) -> (tensor<8xi32>, tensor<9xi32>)
//       CHECK: return %[[P]]#0, %[[P]]#1
func.func @unused_row_weights_indices(%ids: tensor<4x2xi32>, %w: tensor<4x2xf32>,
                                      %s0: tensor<8xi32>, %o0: tensor<9xi32>,
                                      %w0: tensor<8xf32>) -> (tensor<8xi32>, tensor<9xi32>) {
  %src, %off, %rw = moe.permute_indices %ids weights(%w) num_experts = 8
      outs(%s0, %o0, %w0)
      : (tensor<4x2xi32>, tensor<4x2xf32>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  return %src, %off : tensor<8xi32>, tensor<9xi32>
}

// -----

// A permute whose rows are unused keeps its slot_rows as permute_indices;
// an unused row_weights is dropped around it (slot_rows, the last result,
// stays in place).
// CHECK-LABEL: func.func @unused_rows_slot_rows
//  CHECK-SAME: (%[[X:[^:]+]]: tensor<4x16xbf16>, %[[IDS:[^:]+]]: tensor<4x2xi32>, %[[W:[^:]+]]: tensor<4x2xf32>, %{{[^:]+}}: tensor<8x16xbf16>, %[[S:[^:]+]]: tensor<8xi32>, %[[O:[^:]+]]: tensor<9xi32>, %[[RW:[^:]+]]: tensor<8xf32>, %[[SR:[^:]+]]: tensor<8xi32>)
//       CHECK: %[[P:.*]]:3 = moe.permute_indices %[[IDS]] num_experts = 8 outs(%[[S]], %[[O]]) slot_rows_outs(%[[SR]]) : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>, tensor<8xi32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
//       CHECK: return %[[P]]#0, %[[P]]#2
//   CHECK-NOT: moe.permute 
func.func @unused_rows_slot_rows(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>,
                                 %r0: tensor<8x16xbf16>, %s0: tensor<8xi32>, %o0: tensor<9xi32>,
                                 %w0: tensor<8xf32>, %p0: tensor<8xi32>)
    -> (tensor<8xi32>, tensor<8xi32>) {
  %rows, %src, %off, %rw, %slots = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r0, %s0, %o0, %w0) slot_rows_outs(%p0)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>)
  return %src, %slots : tensor<8xi32>, tensor<8xi32>
}

// -----

// An unused slot_rows is not written; row_weights (used) stays.
// CHECK-LABEL: func.func @unused_slot_rows
//       CHECK: %[[P:.*]]:4 = moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) num_experts = 8 outs(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>) -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
//       CHECK: %[[Q:.*]]:2 = moe.permute_indices %{{.*}} num_experts = 8 outs(%{{.*}}, %{{.*}}) : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>) -> (tensor<8xi32>, tensor<9xi32>)
//       CHECK: return %[[P]]#0, %[[P]]#3, %[[Q]]#0
func.func @unused_slot_rows(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>,
                            %r0: tensor<8x16xbf16>, %s0: tensor<8xi32>, %o0: tensor<9xi32>,
                            %w0: tensor<8xf32>, %p0: tensor<8xi32>)
    -> (tensor<8x16xbf16>, tensor<8xf32>, tensor<8xi32>) {
  %rows, %src, %off, %rw, %slots = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r0, %s0, %o0, %w0) slot_rows_outs(%p0)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>)
  %src2, %off2, %slots2 = moe.permute_indices %ids num_experts = 8
      outs(%s0, %o0) slot_rows_outs(%p0)
      : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
      -> (tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
  return %rows, %rw, %src2 : tensor<8x16xbf16>, tensor<8xf32>, tensor<8xi32>
}

// -----

// An unused row_weights of a permute_indices with a used slot_rows: the
// row_weights result (not the last one) is the one dropped.
// CHECK-LABEL: func.func @unused_row_weights_slot_rows_indices
//       CHECK: %[[P:.*]]:3 = moe.permute_indices %{{.*}} num_experts = 8 outs(%{{.*}}, %{{.*}}) slot_rows_outs(%{{.*}}) : (tensor<4x2xi32>, tensor<8xi32>, tensor<9xi32>, tensor<8xi32>) -> (tensor<8xi32>, tensor<9xi32>, tensor<8xi32>)
//       CHECK: return %[[P]]#1, %[[P]]#2
func.func @unused_row_weights_slot_rows_indices(%ids: tensor<4x2xi32>, %w: tensor<4x2xf32>,
                                                %s0: tensor<8xi32>, %o0: tensor<9xi32>,
                                                %w0: tensor<8xf32>, %p0: tensor<8xi32>)
    -> (tensor<9xi32>, tensor<8xi32>) {
  %src, %off, %rw, %slots = moe.permute_indices %ids weights(%w) num_experts = 8
      outs(%s0, %o0, %w0) slot_rows_outs(%p0)
      : (tensor<4x2xi32>, tensor<4x2xf32>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>)
      -> (tensor<8xi32>, tensor<9xi32>, tensor<8xf32>, tensor<8xi32>)
  return %off, %slots : tensor<9xi32>, tensor<8xi32>
}

// -----

// Used row weights stay; so do the writes of the buffer form.
// CHECK-LABEL: func.func @used_row_weights
//       CHECK: moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) num_experts = 8
//       CHECK: moe.permute %{{.*}}, %{{.*}} weights(%{{.*}}) num_experts = 8
func.func @used_row_weights(%x: tensor<4x16xbf16>, %ids: tensor<4x2xi32>, %w: tensor<4x2xf32>,
                            %r0: tensor<8x16xbf16>, %s0: tensor<8xi32>, %o0: tensor<9xi32>,
                            %w0: tensor<8xf32>,
                            %bx: memref<4x16xbf16>, %bids: memref<4x2xi32>, %bw: memref<4x2xf32>,
                            %br: memref<8x16xbf16>, %bs: memref<8xi32>, %bo: memref<9xi32>,
                            %bw0: memref<8xf32>)
    -> (tensor<8x16xbf16>, tensor<8xf32>) {
  %rows, %src, %off, %rw = moe.permute %x, %ids weights(%w) num_experts = 8
      outs(%r0, %s0, %o0, %w0)
      : (tensor<4x16xbf16>, tensor<4x2xi32>, tensor<4x2xf32>, tensor<8x16xbf16>,
         tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
      -> (tensor<8x16xbf16>, tensor<8xi32>, tensor<9xi32>, tensor<8xf32>)
  moe.permute %bx, %bids weights(%bw) num_experts = 8 outs(%br, %bs, %bo, %bw0)
      : (memref<4x16xbf16>, memref<4x2xi32>, memref<4x2xf32>, memref<8x16xbf16>,
         memref<8xi32>, memref<9xi32>, memref<8xf32>) -> ()
  return %rows, %rw : tensor<8x16xbf16>, tensor<8xf32>
}

// -----

// Unused tensor results of the pure tensor form are erased; the buffer form
// stays because it writes memory.
// CHECK-LABEL: func.func @dead_ops
//   CHECK-NOT: moe.silu_and_mul %{{.*}} outs(%{{.*}}) : (tensor
//       CHECK: moe.silu_and_mul %{{.*}} outs(%{{.*}}) : (memref
func.func @dead_ops(%x: tensor<4x16xf32>, %o: tensor<4x8xf32>, %bx: memref<4x16xf32>, %bo: memref<4x8xf32>) {
  %h = moe.silu_and_mul %x outs(%o) : (tensor<4x16xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  moe.silu_and_mul %bx outs(%bo) : (memref<4x16xf32>, memref<4x8xf32>) -> ()
  return
}
