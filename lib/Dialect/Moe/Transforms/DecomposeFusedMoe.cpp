//===- DecomposeFusedMoe.cpp - Expand moe.fused_moe -----------------------===//
//
// fused_moe -> gate -> permute (rows copied in expert order)
//           -> grouped_matmul (+ b13, the activation epilogue)
//           -> grouped_matmul (+ b2, scale = routed weights) -> combine
//              (reading the permutation's slot_rows, each slot's row),
// or, with gather-token-rows, permute_indices and a first GEMM that reads
// each row's token from x in place (grouped_matmul x[src_index]). With
// router_weight_on_input the weights scale the copied rows instead (permute
// scale_rows, also with gather-token-rows) and the second GEMM has no row
// scale. With an fp8 scheme each GEMM's input is quantized right before it
// (moe.quantize); the quantized GEMMs carry the weights' scales and zero
// points.
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

static bool isFp8(QuantScheme scheme) {
  return scheme == QuantScheme::fp8_block ||
         scheme == QuantScheme::fp8_channel ||
         scheme == QuantScheme::fp8_tensor;
}

struct DecomposeFusedMoe : OpRewritePattern<FusedMoeOp> {
  DecomposeFusedMoe(MLIRContext *context, bool gatherTokenRows)
      : OpRewritePattern(context), gatherTokenRows(gatherTokenRows) {}

  LogicalResult matchAndRewrite(FusedMoeOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "expands the tensor form only");
    int64_t numShared = op.getNumSharedExperts();
    // permute/align need the expert count as an attribute: take it from the
    // weights or, when that is dynamic, from the logits (not with an expert
    // map: the weights then hold this rank's experts only).
    int64_t numExperts = cast<ShapedType>(op.getW13().getType()).getDimSize(0);
    if (ShapedType::isDynamic(numExperts) && op.getExpertMap())
      return rewriter.notifyMatchFailure(
          op, "with an expert_map the number of local experts (w13 dim 0) "
              "must be static");
    if (ShapedType::isDynamic(numExperts)) {
      int64_t routed = cast<ShapedType>(op.getLogits().getType()).getDimSize(1);
      if (ShapedType::isDynamic(routed))
        return rewriter.notifyMatchFailure(
            op, "the number of experts is dynamic in both logits and w13");
      numExperts = routed + numShared;
    }

    // fp8 activations are quantized per group of a static number of
    // columns (group_size, or the whole row for fp8_channel).
    QuantScheme scheme = op.getQuant();
    int64_t hiddenSize = cast<ShapedType>(op.getX().getType()).getDimSize(1);
    int64_t interSize = cast<ShapedType>(op.getW2().getType()).getDimSize(2);
    if (isFp8(scheme) &&
        (ShapedType::isDynamic(hiddenSize) || ShapedType::isDynamic(interSize)))
      return rewriter.notifyMatchFailure(
          op, "fp8 activations need a static H and I to be quantized");
    // int4 weights hold two values a byte along K: w2's K is I / 2.
    bool int4 = scheme == QuantScheme::w4a16 || scheme == QuantScheme::w4a16_zp;
    if (int4 && ShapedType::isDynamic(interSize))
      return rewriter.notifyMatchFailure(
          op, "packed int4 w2 needs a static I (w2 dim 2 = I / 2)");
    if (int4)
      interSize *= 2;

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
    OpFoldResult intermediate =
        int4 ? rewriter.getIndexAttr(interSize) : sizeOf(op.getW2(), 2);
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
        op.getSharedLogits(), op.getKAttr(), op.getScoringAttr(),
        op.getNumGroupsAttr(), op.getTopkGroupsAttr(), op.getGroupScoreAttr(),
        op.getRenormalizeAttr(), op.getScalingFactorAttr(),
        op.getNumSharedExpertsAttr(), op.getSharedWeightAttr(), weights, ids);

    // The permutation; with gatherTokenRows gemm1 reads each row's token
    // straight from x, otherwise permute copies the rows in expert order
    // (scaled by their weights with router_weight_on_input: no row_weights
    // then, and no scale on gemm2).
    bool weightOnInput = op.getRouterWeightOnInput();
    bool gather = gatherTokenRows && !weightOnInput;
    Value srcIndex = empty({numRows}, i32);
    Value offsets = empty({rewriter.getIndexAttr(numExperts + 1)}, i32);
    Value rowWeights = weightOnInput ? Value() : empty({numRows}, f32);
    // Each slot's row, from the sort: combine reads it instead of inverting
    // src_index (one kernel instead of three on the GPU).
    Value slotRows = empty({numRows}, i32);
    Value gemm1Input, gemm1RowIndex, permutedSrc, expertOffsets, routedWeights,
        slotRowsOfSort;
    if (gather) {
      auto permute = PermuteIndicesOp::create(
          rewriter, loc, typesOf({srcIndex, offsets, rowWeights, slotRows}),
          gate->getResult(1), gate->getResult(0), op.getExpertMap(),
          rewriter.getI64IntegerAttr(numExperts), srcIndex, offsets, rowWeights,
          slotRows);
      gemm1Input = op.getX();
      permutedSrc = gemm1RowIndex = permute->getResult(0);
      expertOffsets = permute->getResult(1);
      routedWeights = permute.getRowWeightsResult();
      slotRowsOfSort = permute.getSlotRowsResult();
    } else {
      Value rows = empty({numRows, hidden}, elementType);
      SmallVector<Type> types = typesOf({rows, srcIndex, offsets});
      if (rowWeights)
        types.push_back(rowWeights.getType());
      types.push_back(slotRows.getType());
      auto permute = PermuteOp::create(
          rewriter, loc, types, op.getX(), gate->getResult(1),
          gate->getResult(0), op.getExpertMap(),
          rewriter.getI64IntegerAttr(numExperts), rows, srcIndex, offsets,
          rowWeights, slotRows, op.getRouterWeightOnInputAttr());
      gemm1Input = permute->getResult(0);
      permutedSrc = permute->getResult(1);
      expertOffsets = permute->getResult(2);
      routedWeights = permute.getRowWeightsResult();
      slotRowsOfSort = permute.getSlotRowsResult();
    }

    // An fp8 GEMM's input: `input` [rows, cols] quantized per token group
    // (dynamic) or with the static scale; returns it and its a_scale.
    auto quantize = [&](Value input, OpFoldResult rows, int64_t cols,
                        Value staticScale) -> std::pair<Value, Value> {
      if (!isFp8(scheme))
        return {input, Value()};
      Type f8 = rewriter.getType<Float8E4M3FNType>();
      Value q = empty({rows, rewriter.getIndexAttr(cols)}, f8);
      if (scheme == QuantScheme::fp8_tensor) {
        auto quantized =
            QuantizeOp::create(rewriter, loc, TypeRange{q.getType()}, input,
                               staticScale, IntegerAttr(), q, Value());
        return {quantized->getResult(0), staticScale};
      }
      int64_t group = scheme == QuantScheme::fp8_block
                          ? static_cast<int64_t>(*op.getGroupSize())
                          : cols;
      Value scales = empty(
          {rows, rewriter.getIndexAttr(llvm::divideCeil(cols, group))}, f32);
      auto quantized = QuantizeOp::create(
          rewriter, loc, typesOf({q, scales}), input, /*scale=*/Value(),
          rewriter.getI64IntegerAttr(group), q, scales);
      return {quantized->getResult(0), quantized->getResult(1)};
    };

    // gemm1 reads x itself when gathering, so x is what gets quantized.
    auto [gemm1A, gemm1AScale] = quantize(
        gemm1Input, gather ? numTokens : numRows, hiddenSize, op.getA1Scale());
    Value hiddenActs = empty({numRows, intermediate}, elementType);
    // The activation, its clamp and the gate/up layout go to the first
    // GEMM's epilogue; the biases to each GEMM's accumulator.
    auto gateUp = GroupedMatmulOp::create(
        rewriter, loc, hiddenActs.getType(), gemm1A, gemm1RowIndex, op.getW13(),
        expertOffsets, /*scale=*/Value(), /*bias=*/op.getB13(),
        EpilogueAttr::get(getContext(), getEpilogueFor(op.getActivation())),
        rewriter.getI64IntegerAttr(gather ? slots : 1), gemm1AScale,
        op.getW13Scale(), op.getW13Zero(), op.getQuantAttr(),
        op.getGroupSizeAttr(), hiddenActs, op.getGateUpLayoutAttr(),
        op.getClampLimitAttr(), op.getSwigluAlphaAttr());

    auto [gemm2A, gemm2AScale] =
        quantize(gateUp->getResult(0), numRows, interSize, op.getA2Scale());
    Value expertOut = empty({numRows, hidden}, elementType);
    auto down = GroupedMatmulOp::create(
        rewriter, loc, expertOut.getType(), gemm2A,
        /*row_index=*/Value(), op.getW2(), expertOffsets,
        /*scale=*/routedWeights, /*bias=*/op.getB2(),
        EpilogueAttr::get(getContext(), Epilogue::none),
        rewriter.getI64IntegerAttr(1), gemm2AScale, op.getW2Scale(),
        op.getW2Zero(), op.getQuantAttr(), op.getGroupSizeAttr(), expertOut,
        /*gate_up_layout=*/GateUpLayoutAttr(), /*clamp_limit=*/FloatAttr(),
        /*swiglu_alpha=*/FloatAttr());

    rewriter.replaceOpWithNewOp<CombineOp>(
        op, op->getResultTypes(), down->getResult(0), permutedSrc,
        slotRowsOfSort, /*weights=*/Value(), rewriter.getI64IntegerAttr(slots),
        op.getOutInit());
    return success();
  }

private:
  bool gatherTokenRows;
};

struct MoeDecomposeFusedMoePass
    : mlir::moe::impl::MoeDecomposeFusedMoeBase<MoeDecomposeFusedMoePass> {
  using MoeDecomposeFusedMoeBase::MoeDecomposeFusedMoeBase;
  void runOnOperation() override {
    int64_t before = 0;
    getOperation()->walk([&](FusedMoeOp) { ++before; });
    RewritePatternSet patterns(&getContext());
    populateDecomposeFusedMoePatterns(patterns, gatherTokenRows);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    int64_t after = 0;
    getOperation()->walk([&](FusedMoeOp op) {
      ++after;
      op.emitError("could not be decomposed: only the tensor form with a "
                   "static number of experts (in logits or w13; in w13 with "
                   "an expert_map) is expanded (and, with an fp8 scheme, a "
                   "static H and I; with int4 weights, a static I)");
    });
    numDecomposed += before - after;
    if (after != 0)
      signalPassFailure();
  }
};

} // namespace

void mlir::moe::populateDecomposeFusedMoePatterns(RewritePatternSet &patterns,
                                                  bool gatherTokenRows) {
  patterns.add<DecomposeFusedMoe>(patterns.getContext(), gatherTokenRows);
}
