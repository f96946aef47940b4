//===- MoeCanonicalize.cpp - Canonicalization patterns of moe ops ---------===//
//
// Only rewrites whose result is equal on every input: no value-dependent
// folds (ids and offsets are run-time data).
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/IR/PatternMatch.h"

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

/// A permute (on tensors) whose row_weights result is unused need not gather
/// weights.
struct DropUnusedRowWeights : OpRewritePattern<PermuteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PermuteOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || !op.getRowWeightsInit() ||
        !op->getResult(3).use_empty())
      return rewriter.notifyMatchFailure(op, "row_weights absent or used");
    auto replacement = PermuteOp::create(
        rewriter, op.getLoc(), TypeRange(op->getResultTypes()).take_front(3),
        op.getX(), op.getIds(), /*weights=*/Value(), op.getNumExperts(),
        op.getRowsInit(), op.getSrcIndexInit(), op.getOffsetsInit(),
        /*row_weights_init=*/Value());
    SmallVector<Value> results(replacement->getResults());
    results.push_back(Value());
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// A permute (on tensors) whose rows are unused moves no rows: the index
/// part alone, moe.permute_indices.
struct DropUnusedRows : OpRewritePattern<PermuteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PermuteOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || !op->getResult(0).use_empty())
      return rewriter.notifyMatchFailure(op, "buffer form or rows used");
    auto replacement = PermuteIndicesOp::create(
        rewriter, op.getLoc(), TypeRange(op->getResultTypes()).drop_front(),
        op.getIds(), op.getWeights(), op.getNumExperts(), op.getSrcIndexInit(),
        op.getOffsetsInit(), op.getRowWeightsInit());
    SmallVector<Value> results = {Value()};
    llvm::append_range(results, replacement->getResults());
    rewriter.replaceOp(op, results);
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
  patterns.add<DropUnusedRowWeights, DropUnusedRows>(context);
}
