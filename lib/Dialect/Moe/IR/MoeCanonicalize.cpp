//===- MoeCanonicalize.cpp - Canonicalization patterns of moe ops ---------===//
//
// Only rewrites whose result is equal on every input: no value-dependent
// folds (ids and offsets are run-time data).
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/IR/PatternMatch.h"

#include <type_traits>

using namespace mlir;
using namespace mlir::moe;

namespace {

/// Group-limited routing that keeps every group (`topk_groups ==
/// num_groups`) selects from all experts, as ungrouped routing does: drop the
/// group attributes so later passes see the simple form.
struct DropTrivialExpertGroups : OpRewritePattern<GateOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GateOp op,
                                PatternRewriter &rewriter) const override {
    bool allGroupsKept = op.getTopkGroups() == op.getNumGroups();
    bool defaultScore = op.getGroupScore() == GroupScore::max;
    if (!allGroupsKept || (op.getNumGroups() == 1 && defaultScore))
      return rewriter.notifyMatchFailure(op, "group selection is not trivial");
    rewriter.modifyOpInPlace(op, [&] {
      op.setNumGroups(1);
      op.setTopkGroups(1);
      op.setGroupScore(GroupScore::max);
    });
    return success();
  }
};

/// `op` (a permute or permute_indices on tensors) rebuilt with `weights`,
/// `rowWeightsInit` and `slotRowsInit` (null for none) and the same other
/// operands; its results are those of `op` without the dropped outs.
template <typename OpT>
OpT rebuildPermutation(PatternRewriter &rewriter, OpT op, Value weights,
                       Value rowWeightsInit, Value slotRowsInit) {
  // On tensors, one result per out, of its type.
  SmallVector<Type> types;
  if constexpr (std::is_same_v<OpT, PermuteOp>)
    types.push_back(op.getRowsInit().getType());
  types.push_back(op.getSrcIndexInit().getType());
  types.push_back(op.getOffsetsInit().getType());
  for (Value init : {rowWeightsInit, slotRowsInit})
    if (init)
      types.push_back(init.getType());
  if constexpr (std::is_same_v<OpT, PermuteOp>)
    return PermuteOp::create(rewriter, op.getLoc(), types, op.getX(),
                             op.getIds(), weights, op.getExpertMap(),
                             op.getNumExperts(), op.getRowsInit(),
                             op.getSrcIndexInit(), op.getOffsetsInit(),
                             rowWeightsInit, slotRowsInit, op.getScaleRows());
  else
    return PermuteIndicesOp::create(
        rewriter, op.getLoc(), types, op.getIds(), weights, op.getExpertMap(),
        op.getNumExperts(), op.getSrcIndexInit(), op.getOffsetsInit(),
        rowWeightsInit, slotRowsInit);
}

/// Replaces `op` by `replacement`, which lacks the results `dropped` (unused)
/// of `op`.
void replacePermutation(PatternRewriter &rewriter, Operation *op,
                        Operation *replacement, ArrayRef<Value> dropped) {
  SmallVector<Value> results;
  auto next = replacement->result_begin();
  for (Value result : op->getResults())
    results.push_back(llvm::is_contained(dropped, result) ? Value() : *next++);
  rewriter.replaceOp(op, results);
}

/// The optional outs of permute and permute_indices.
enum class OptionalOut { RowWeights, SlotRows };

/// A permute or permute_indices (on tensors) whose row_weights or slot_rows
/// result (`Out`) is unused need not write it; without row_weights it need
/// not read the weights either (a permute with scale_rows keeps them for its
/// rows).
template <typename OpT, OptionalOut Out>
struct DropUnusedOut : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    constexpr bool rowWeightsOut = Out == OptionalOut::RowWeights;
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "buffer form");
    Value result =
        rowWeightsOut ? op.getRowWeightsResult() : op.getSlotRowsResult();
    if (!result || !result.use_empty())
      return rewriter.notifyMatchFailure(op, "the out is absent or used");
    Value weights = op.getWeights();
    Value rowWeightsInit = op.getRowWeightsInit();
    Value slotRowsInit = op.getSlotRowsInit();
    if constexpr (rowWeightsOut) {
      rowWeightsInit = Value();
      bool scalesRows = false;
      if constexpr (std::is_same_v<OpT, PermuteOp>)
        scalesRows = op.getScaleRows();
      if (!scalesRows)
        weights = Value();
    } else {
      slotRowsInit = Value();
    }
    OpT replacement =
        rebuildPermutation(rewriter, op, weights, rowWeightsInit, slotRowsInit);
    replacePermutation(rewriter, op, replacement, {result});
    return success();
  }
};

/// A permute (on tensors) whose rows are unused moves no rows: the index
/// part alone, moe.permute_indices (whose weights only give row_weights),
/// with the same slot_rows.
struct DropUnusedRows : OpRewritePattern<PermuteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PermuteOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || !op->getResult(0).use_empty())
      return rewriter.notifyMatchFailure(op, "buffer form or rows used");
    Value weights = op.getRowWeightsInit() ? op.getWeights() : Value();
    auto replacement = PermuteIndicesOp::create(
        rewriter, op.getLoc(), TypeRange(op->getResultTypes()).drop_front(),
        op.getIds(), weights, op.getExpertMap(), op.getNumExperts(),
        op.getSrcIndexInit(), op.getOffsetsInit(), op.getRowWeightsInit(),
        op.getSlotRowsInit());
    replacePermutation(rewriter, op, replacement, {op->getResult(0)});
    return success();
  }
};

} // namespace

void GateOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                         MLIRContext *context) {
  patterns.add<DropTrivialExpertGroups>(context);
}

void PermuteOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                            MLIRContext *context) {
  patterns.add<DropUnusedOut<PermuteOp, OptionalOut::RowWeights>,
               DropUnusedOut<PermuteOp, OptionalOut::SlotRows>, DropUnusedRows>(
      context);
}

void PermuteIndicesOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                   MLIRContext *context) {
  patterns.add<DropUnusedOut<PermuteIndicesOp, OptionalOut::RowWeights>,
               DropUnusedOut<PermuteIndicesOp, OptionalOut::SlotRows>>(context);
}
