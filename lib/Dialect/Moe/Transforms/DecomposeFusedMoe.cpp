//===- DecomposeFusedMoe.cpp - Expand moe.fused_moe -----------------------===//
//
// fused_moe -> gate -> permute -> grouped_matmul (act_and_mul)
//           -> grouped_matmul (scale = routed weights) -> combine.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEDECOMPOSEFUSEDMOE
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

static Epilogue epilogueFor(Activation activation) {
  switch (activation) {
  case Activation::silu:
    return Epilogue::silu_and_mul;
  case Activation::gelu:
    return Epilogue::gelu_and_mul;
  }
  llvm_unreachable("unknown activation");
}

/// Product of two sizes, dynamic if either is.
static int64_t mulSizes(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b)
             ? ShapedType::kDynamic
             : a * b;
}

struct DecomposeFusedMoe : OpRewritePattern<FusedMoeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FusedMoeOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = cast<RankedTensorType>(op.getX().getType());
    auto w13Type = cast<RankedTensorType>(op.getW13().getType());
    auto w2Type = cast<RankedTensorType>(op.getW2().getType());
    int64_t numShared = op.getNumSharedExperts();
    // permute/align need the expert count as an attribute: take it from the
    // logits or, when that is dynamic, from the weights.
    int64_t numExperts = w13Type.getDimSize(0);
    if (ShapedType::isDynamic(numExperts)) {
      int64_t routed =
          cast<RankedTensorType>(op.getLogits().getType()).getDimSize(1);
      if (ShapedType::isDynamic(routed))
        return rewriter.notifyMatchFailure(
            op, "the number of experts is dynamic in both logits and w13");
      numExperts = routed + numShared;
    }

    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    Type i32 = rewriter.getI32Type();
    Type elementType = xType.getElementType();
    int64_t numTokens = xType.getDimSize(0);
    int64_t hidden = xType.getDimSize(1);
    int64_t slots = static_cast<int64_t>(op.getK()) + numShared;
    int64_t numRows = mulSizes(numTokens, slots);
    int64_t intermediate = w2Type.getDimSize(2);

    auto gate = GateOp::create(
        rewriter, loc, RankedTensorType::get({numTokens, slots}, f32),
        RankedTensorType::get({numTokens, slots}, i32), op.getLogits(),
        op.getBias(), op.getKAttr(), op.getScoringAttr(), op.getNumGroupsAttr(),
        op.getTopkGroupsAttr(), op.getGroupScoreAttr(), op.getRenormalizeAttr(),
        op.getScalingFactorAttr(), op.getNumSharedExpertsAttr());

    auto permute = PermuteOp::create(
        rewriter, loc, RankedTensorType::get({numRows, hidden}, elementType),
        RankedTensorType::get({numRows}, i32),
        RankedTensorType::get({numExperts + 1}, i32),
        RankedTensorType::get({numRows}, f32), op.getX(), gate.getIds(),
        gate.getWeights(), rewriter.getI64IntegerAttr(numExperts));

    auto gateUp = GroupedMatmulOp::create(
        rewriter, loc,
        RankedTensorType::get({numRows, intermediate}, elementType),
        permute.getRows(), /*row_index=*/Value(), op.getW13(),
        permute.getOffsets(), /*scale=*/Value(), /*bias=*/Value(),
        EpilogueAttr::get(getContext(), epilogueFor(op.getActivation())),
        rewriter.getI64IntegerAttr(1));

    auto down = GroupedMatmulOp::create(
        rewriter, loc, RankedTensorType::get({numRows, hidden}, elementType),
        gateUp.getOut(), /*row_index=*/Value(), op.getW2(),
        permute.getOffsets(), permute.getRowWeights(), /*bias=*/Value(),
        EpilogueAttr::get(getContext(), Epilogue::none),
        rewriter.getI64IntegerAttr(1));

    rewriter.replaceOpWithNewOp<CombineOp>(
        op, op.getType(), down.getOut(), permute.getSrcIndex(),
        /*weights=*/Value(), rewriter.getI64IntegerAttr(slots));
    return success();
  }
};

struct MoeDecomposeFusedMoePass
    : mlir::moe::impl::MoeDecomposeFusedMoeBase<MoeDecomposeFusedMoePass> {
  void runOnOperation() override {
    int64_t before = 0;
    getOperation()->walk([&](FusedMoeOp) { ++before; });
    RewritePatternSet patterns(&getContext());
    populateDecomposeFusedMoePatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    int64_t after = 0;
    getOperation()->walk([&](FusedMoeOp op) {
      ++after;
      op.emitError("could not be decomposed: the number of experts is "
                   "dynamic in both logits and w13");
    });
    numDecomposed += before - after;
    if (after != 0)
      signalPassFailure();
  }
};

} // namespace

void mlir::moe::populateDecomposeFusedMoePatterns(RewritePatternSet &patterns) {
  patterns.add<DecomposeFusedMoe>(patterns.getContext());
}
