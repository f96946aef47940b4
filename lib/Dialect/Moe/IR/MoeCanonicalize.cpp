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

/// A permute or permute_indices (on tensors) whose row_weights result (the
/// last) is unused need not gather weights (a permute with scale_rows keeps
/// them for its rows).
template <typename OpT> struct DropUnusedRowWeights : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || !op.getRowWeightsInit() ||
        !op->getResults().back().use_empty())
      return rewriter.notifyMatchFailure(op, "row_weights absent or used");
    // The same op without weights and the row_weights out.
    TypeRange types = TypeRange(op->getResultTypes()).drop_back();
    OpT replacement;
    if constexpr (std::is_same_v<OpT, PermuteOp>) {
      Value weights = op.getScaleRows() ? op.getWeights() : Value();
      replacement = PermuteOp::create(rewriter, op.getLoc(), types, op.getX(),
                                      op.getIds(), weights, op.getExpertMap(),
                                      op.getNumExperts(), op.getRowsInit(),
                                      op.getSrcIndexInit(), op.getOffsetsInit(),
                                      Value(), op.getScaleRows());
    } else {
      replacement = PermuteIndicesOp::create(
          rewriter, op.getLoc(), types, op.getIds(), /*weights=*/Value(),
          op.getExpertMap(), op.getNumExperts(), op.getSrcIndexInit(),
          op.getOffsetsInit(), Value());
    }
    SmallVector<Value> results(replacement->getResults());
    results.push_back(Value());
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// A permute (on tensors) whose rows are unused moves no rows: the index
/// part alone, moe.permute_indices (whose weights only give row_weights).
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
        op.getSrcIndexInit(), op.getOffsetsInit(), op.getRowWeightsInit());
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
  patterns.add<DropUnusedRowWeights<PermuteOp>, DropUnusedRows>(context);
}

void PermuteIndicesOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                                   MLIRContext *context) {
  patterns.add<DropUnusedRowWeights<PermuteIndicesOp>>(context);
}
