//===- DecomposeFusedMoe.cpp - Expand moe.fused_moe -----------------------===//
//
// fused_moe -> gate -> permute_indices
//           -> grouped_matmul x[src_index] (act_and_mul; token rows read in
//              place, index_divisor = slots per token)
//           -> grouped_matmul (scale = routed weights) -> combine.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
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

struct DecomposeFusedMoe : OpRewritePattern<FusedMoeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(FusedMoeOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "expands the tensor form only");
    int64_t numShared = op.getNumSharedExperts();
    // permute/align need the expert count as an attribute: take it from the
    // weights or, when that is dynamic, from the logits.
    int64_t numExperts = cast<ShapedType>(op.getW13().getType()).getDimSize(0);
    if (ShapedType::isDynamic(numExperts)) {
      int64_t routed = cast<ShapedType>(op.getLogits().getType()).getDimSize(1);
      if (ShapedType::isDynamic(routed))
        return rewriter.notifyMatchFailure(
            op, "the number of experts is dynamic in both logits and w13");
      numExperts = routed + numShared;
    }

    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    Type i32 = rewriter.getI32Type();
    Type elementType = cast<ShapedType>(op.getX().getType()).getElementType();
    int64_t slots = static_cast<int64_t>(op.getK()) + numShared;

    // Sizes of the intermediates, static where the operands' are.
    auto sizeOf = [&](Value shaped, int64_t dim) -> OpFoldResult {
      int64_t size = cast<ShapedType>(shaped.getType()).getDimSize(dim);
      if (!ShapedType::isDynamic(size))
        return rewriter.getIndexAttr(size);
      return tensor::DimOp::create(rewriter, loc, shaped, dim).getResult();
    };
    OpFoldResult numTokens = sizeOf(op.getX(), 0);
    OpFoldResult hidden = sizeOf(op.getX(), 1);
    OpFoldResult intermediate = sizeOf(op.getW2(), 2);
    OpFoldResult numSlots = rewriter.getIndexAttr(slots);
    OpFoldResult numRows = numSlots;
    if (std::optional<int64_t> tokens = getConstantIntValue(numTokens))
      numRows = rewriter.getIndexAttr(*tokens * slots);
    else
      numRows = arith::MulIOp::create(
                    rewriter, loc, cast<Value>(numTokens),
                    arith::ConstantIndexOp::create(rewriter, loc, slots))
                    .getResult();
    auto empty = [&](ArrayRef<OpFoldResult> sizes, Type type) -> Value {
      return tensor::EmptyOp::create(rewriter, loc, sizes, type);
    };
    auto typesOf = [](ValueRange values) {
      return llvm::to_vector(values.getTypes());
    };

    Value weights = empty({numTokens, numSlots}, f32);
    Value ids = empty({numTokens, numSlots}, i32);
    auto gate = GateOp::create(
        rewriter, loc, typesOf({weights, ids}), op.getLogits(), op.getBias(),
        op.getKAttr(), op.getScoringAttr(), op.getNumGroupsAttr(),
        op.getTopkGroupsAttr(), op.getGroupScoreAttr(), op.getRenormalizeAttr(),
        op.getScalingFactorAttr(), op.getNumSharedExpertsAttr(), weights, ids);

    // Only the permutation: gemm1 reads each row's token straight from x.
    Value srcIndex = empty({numRows}, i32);
    Value offsets = empty({rewriter.getIndexAttr(numExperts + 1)}, i32);
    Value rowWeights = empty({numRows}, f32);
    auto permute = PermuteIndicesOp::create(
        rewriter, loc, typesOf({srcIndex, offsets, rowWeights}),
        gate->getResult(1), gate->getResult(0),
        rewriter.getI64IntegerAttr(numExperts), srcIndex, offsets, rowWeights);
    Value permutedSrc = permute->getResult(0);
    Value expertOffsets = permute->getResult(1);

    Value hiddenActs = empty({numRows, intermediate}, elementType);
    auto gateUp = GroupedMatmulOp::create(
        rewriter, loc, hiddenActs.getType(), op.getX(), permutedSrc,
        op.getW13(), expertOffsets, /*scale=*/Value(), /*bias=*/Value(),
        EpilogueAttr::get(getContext(), epilogueFor(op.getActivation())),
        rewriter.getI64IntegerAttr(slots), hiddenActs);

    Value expertOut = empty({numRows, hidden}, elementType);
    auto down = GroupedMatmulOp::create(
        rewriter, loc, expertOut.getType(), gateUp->getResult(0),
        /*row_index=*/Value(), op.getW2(), expertOffsets,
        /*scale=*/permute->getResult(2), /*bias=*/Value(),
        EpilogueAttr::get(getContext(), Epilogue::none),
        rewriter.getI64IntegerAttr(1), expertOut);

    rewriter.replaceOpWithNewOp<CombineOp>(
        op, op->getResultTypes(), down->getResult(0), permutedSrc,
        /*weights=*/Value(), rewriter.getI64IntegerAttr(slots),
        op.getOutInit());
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
      op.emitError("could not be decomposed: only the tensor form with a "
                   "static number of experts (in logits or w13) is expanded");
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
