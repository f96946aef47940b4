//===- DecomposeMotLinear.cpp - MoT ops through the grouped GEMM ----------===//
//
// mot_linear (top-1 routing by token type, weight 1) as
//   permute (rows grouped by type) -> grouped_matmul (+ bias) -> combine k=1
// and mot_mlp as
//   permute -> grouped_matmul (w13, + b13, the activation epilogue)
//           -> grouped_matmul (w2, + b2) -> combine k=1
// (with gather-token-rows: permute_indices and a first GEMM reading
// x[src_index], token rows read in place; combine reads the permutation's
// slot_rows, each token's row), so they take the tiled TMA/wgmma grouped GEMM.
// Exact with respect to the ops: tokens whose type is outside [0, G) get no row
// (combine gives zeros), and combine's single term 1 * y is exact in f32, so
// the GEMMs' roundings to x's type are the only ones.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEDECOMPOSEMOTLINEAR
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

/// Whether the grouped GEMM's tiled kernel can take these operands: 16-bit
/// x and w of one element type (otherwise the simple mot_linear kernel is
/// as good and needs no permutation).
bool isTileable(MotLinearOp op) {
  Type x = cast<ShapedType>(op.getX().getType()).getElementType();
  Type w = cast<ShapedType>(op.getW().getType()).getElementType();
  return x == w && (x.isBF16() || x.isF16());
}

/// Size `d` of `v`: an attribute when static.
OpFoldResult dimOf(PatternRewriter &rewriter, Location loc, Value v,
                   int64_t d) {
  auto type = cast<ShapedType>(v.getType());
  if (!type.isDynamicDim(d))
    return rewriter.getIndexAttr(type.getDimSize(d));
  return tensor::DimOp::create(rewriter, loc, v, d).getResult();
}

Value emptyTensor(PatternRewriter &rewriter, Location loc,
                  ArrayRef<OpFoldResult> sizes, Type element) {
  return tensor::EmptyOp::create(rewriter, loc, sizes, element);
}

/// The tokens of `x` grouped by their type: the first GEMM's A operand and
/// row index (x and src_index when gathering), the permutation's src_index,
/// the type offsets [G + 1] and each token's row (slot_rows, for combine).
struct TypePermutation {
  OpFoldResult tokens;
  Value gemmInput, gemmRowIndex, src, offsets, slotRows;
};

/// Permutes the rows of `x` by `typeIds` [T] over `numTypes` types: ids
/// [T, 1], then permute (rows copied) or, with `gatherTokenRows`,
/// permute_indices (the GEMM reads x[src_index]).
TypePermutation permuteByType(PatternRewriter &rewriter, Location loc, Value x,
                              Value typeIds, int64_t numTypes,
                              bool gatherTokenRows) {
  Type i32 = rewriter.getI32Type();
  TypePermutation result;
  result.tokens = dimOf(rewriter, loc, typeIds, 0);
  // type_ids [T] -> ids [T, 1].
  auto idsType = RankedTensorType::get(
      {cast<ShapedType>(typeIds.getType()).getDimSize(0), 1}, i32);
  Value ids = tensor::ExpandShapeOp::create(
      rewriter, loc, idsType, typeIds, ArrayRef<ReassociationIndices>{{0, 1}},
      ArrayRef<OpFoldResult>{result.tokens, rewriter.getIndexAttr(1)});
  Value srcIndex = emptyTensor(rewriter, loc, {result.tokens}, i32);
  Value offsets =
      emptyTensor(rewriter, loc, {rewriter.getIndexAttr(numTypes + 1)}, i32);
  Value slotRows = emptyTensor(rewriter, loc, {result.tokens}, i32);
  IntegerAttr numExperts = rewriter.getI64IntegerAttr(numTypes);
  if (gatherTokenRows) {
    auto permute = PermuteIndicesOp::create(
        rewriter, loc,
        TypeRange{srcIndex.getType(), offsets.getType(), slotRows.getType()},
        ids, /*weights=*/Value(), /*expert_map=*/Value(), numExperts, srcIndex,
        offsets, /*row_weights_init=*/Value(), slotRows);
    result.gemmInput = x;
    result.src = result.gemmRowIndex = permute->getResult(0);
    result.offsets = permute->getResult(1);
    result.slotRows = permute.getSlotRowsResult();
    return result;
  }
  Type xElement = cast<ShapedType>(x.getType()).getElementType();
  Value rows = emptyTensor(
      rewriter, loc, {result.tokens, dimOf(rewriter, loc, x, 1)}, xElement);
  auto permute = PermuteOp::create(
      rewriter, loc,
      TypeRange{rows.getType(), srcIndex.getType(), offsets.getType(),
                slotRows.getType()},
      x, ids, /*weights=*/Value(), /*expert_map=*/Value(), numExperts, rows,
      srcIndex, offsets, /*row_weights_init=*/Value(), slotRows);
  result.gemmInput = permute->getResult(0);
  result.src = permute->getResult(1);
  result.offsets = permute->getResult(2);
  result.slotRows = permute.getSlotRowsResult();
  return result;
}

/// An unquantized grouped GEMM into a new [rows, cols] tensor of `element`
/// type with `epilogue`, its gate/up layout, clamp and alpha (null attributes
/// for none) and no row scale.
Value createGemm(PatternRewriter &rewriter, Location loc, Value a,
                 Value rowIndex, Value w, Value offsets, Value bias,
                 ArrayRef<OpFoldResult> sizes, Type element, Epilogue epilogue,
                 GateUpLayoutAttr layout = {}, FloatAttr clampLimit = {},
                 FloatAttr swigluAlpha = {}) {
  Value init = emptyTensor(rewriter, loc, sizes, element);
  auto gemm = GroupedMatmulOp::create(
      rewriter, loc, init.getType(), a, rowIndex, w, offsets, /*scale=*/Value(),
      bias, EpilogueAttr::get(rewriter.getContext(), epilogue),
      rewriter.getI64IntegerAttr(1), /*a_scale=*/Value(), /*w_scale=*/Value(),
      /*w_zero=*/Value(), /*quant=*/QuantSchemeAttr(),
      /*group_size=*/IntegerAttr(), init, layout, clampLimit, swigluAlpha);
  return gemm->getResult(0);
}

/// The number of token types, dim 0 of `w`, or failure when it is dynamic
/// (permute needs it as an attribute).
FailureOr<int64_t> staticTypes(PatternRewriter &rewriter, Operation *op,
                               Value w) {
  int64_t numTypes = cast<ShapedType>(w.getType()).getDimSize(0);
  if (ShapedType::isDynamic(numTypes))
    return rewriter.notifyMatchFailure(op, "dynamic number of types");
  return numTypes;
}

struct DecomposeMotLinear : OpRewritePattern<MotLinearOp> {
  DecomposeMotLinear(MLIRContext *context, bool gatherTokenRows)
      : OpRewritePattern(context), gatherTokenRows(gatherTokenRows) {}

  LogicalResult matchAndRewrite(MotLinearOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "expands the tensor form only");
    if (!isTileable(op))
      return rewriter.notifyMatchFailure(op, "operands the tiled GEMM skips");
    FailureOr<int64_t> numTypes = staticTypes(rewriter, op, op.getW());
    if (failed(numTypes))
      return failure();
    Location loc = op.getLoc();
    TypePermutation p = permuteByType(rewriter, loc, op.getX(), op.getTypeIds(),
                                      *numTypes, gatherTokenRows);
    Value out = op.getOutInit();
    Value product = createGemm(
        rewriter, loc, p.gemmInput, p.gemmRowIndex, op.getW(), p.offsets,
        op.getBias(), {p.tokens, dimOf(rewriter, loc, out, 1)},
        cast<ShapedType>(out.getType()).getElementType(), Epilogue::none);
    rewriter.replaceOpWithNewOp<CombineOp>(
        op, op->getResultTypes(), product, p.src, p.slotRows,
        /*weights=*/Value(), rewriter.getI64IntegerAttr(1), out);
    return success();
  }

private:
  bool gatherTokenRows;
};

/// mot_mlp: fused_moe's two expert GEMMs over the rows grouped by type.
struct DecomposeMotMlp : OpRewritePattern<MotMlpOp> {
  DecomposeMotMlp(MLIRContext *context, bool gatherTokenRows)
      : OpRewritePattern(context), gatherTokenRows(gatherTokenRows) {}

  LogicalResult matchAndRewrite(MotMlpOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "expands the tensor form only");
    FailureOr<int64_t> numTypes = staticTypes(rewriter, op, op.getW13());
    if (failed(numTypes))
      return failure();
    Location loc = op.getLoc();
    Value x = op.getX();
    Type element = cast<ShapedType>(x.getType()).getElementType();
    TypePermutation p = permuteByType(rewriter, loc, x, op.getTypeIds(),
                                      *numTypes, gatherTokenRows);
    OpFoldResult intermediate = dimOf(rewriter, loc, op.getW2(), 2);
    Value hidden =
        createGemm(rewriter, loc, p.gemmInput, p.gemmRowIndex, op.getW13(),
                   p.offsets, op.getB13(), {p.tokens, intermediate}, element,
                   getEpilogueFor(op.getActivation()), op.getGateUpLayoutAttr(),
                   op.getClampLimitAttr(), op.getSwigluAlphaAttr());
    Value down = createGemm(rewriter, loc, hidden, /*rowIndex=*/Value(),
                            op.getW2(), p.offsets, op.getB2(),
                            {p.tokens, dimOf(rewriter, loc, x, 1)}, element,
                            Epilogue::none);
    rewriter.replaceOpWithNewOp<CombineOp>(
        op, op->getResultTypes(), down, p.src, p.slotRows,
        /*weights=*/Value(), rewriter.getI64IntegerAttr(1), op.getOutInit());
    return success();
  }

private:
  bool gatherTokenRows;
};

struct MoeDecomposeMotLinearPass
    : mlir::moe::impl::MoeDecomposeMotLinearBase<MoeDecomposeMotLinearPass> {
  using MoeDecomposeMotLinearBase::MoeDecomposeMotLinearBase;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeMotLinear, DecomposeMotMlp>(&getContext(),
                                                      gatherTokenRows);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // mot_linear has a kernel of its own; mot_mlp has none.
    WalkResult left = getOperation()->walk([](MotMlpOp op) {
      op.emitError("could not be decomposed: only the tensor form with a "
                   "static number of token types (w13 dim 0) is expanded");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
