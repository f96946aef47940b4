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

/// A permute whose row_weights result is unused need not gather weights.
struct DropUnusedRowWeights : OpRewritePattern<PermuteOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PermuteOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.getRowWeights() || !op.getRowWeights().use_empty())
      return rewriter.notifyMatchFailure(op, "row_weights absent or used");
    auto replacement =
        PermuteOp::create(rewriter, op.getLoc(), op.getRows().getType(),
                          op.getSrcIndex().getType(), op.getOffsets().getType(),
                          /*row_weights=*/Type(), op.getX(), op.getIds(),
                          /*weights=*/Value(), op.getNumExperts());
    rewriter.replaceOp(op, {replacement.getRows(), replacement.getSrcIndex(),
                            replacement.getOffsets(), Value()});
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
  patterns.add<DropUnusedRowWeights>(context);
}
