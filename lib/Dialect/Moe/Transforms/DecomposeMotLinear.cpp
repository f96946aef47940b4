//===- DecomposeMotLinear.cpp - mot_linear through the grouped GEMM -------===//
//
// mot_linear (top-1 routing by token type, weight 1) as
//   permute (rows grouped by type) -> grouped_matmul (+ bias) -> combine k=1
// (with gather-token-rows: permute_indices and grouped_matmul x[src_index],
// token rows read in place),
// so it takes the tiled TMA/wgmma grouped GEMM. Exact with respect to the
// op: tokens whose type is outside [0, G) get no row (combine gives zeros),
// and combine's single term 1 * y is exact in f32, so the GEMM's rounding
// to the result type is the only one.
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

struct DecomposeMotLinear : OpRewritePattern<MotLinearOp> {
  DecomposeMotLinear(MLIRContext *context, bool gatherTokenRows)
      : OpRewritePattern(context), gatherTokenRows(gatherTokenRows) {}

  LogicalResult matchAndRewrite(MotLinearOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "expands the tensor form only");
    if (!isTileable(op))
      return rewriter.notifyMatchFailure(op, "operands the tiled GEMM skips");
    // permute needs the number of types as an attribute.
    int64_t numTypes = cast<ShapedType>(op.getW().getType()).getDimSize(0);
    if (ShapedType::isDynamic(numTypes))
      return rewriter.notifyMatchFailure(op, "dynamic number of types");

    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    Value x = op.getX(), typeIds = op.getTypeIds();
    auto dimOf = [&](Value v, int64_t d) -> OpFoldResult {
      auto type = cast<ShapedType>(v.getType());
      if (!type.isDynamicDim(d))
        return rewriter.getIndexAttr(type.getDimSize(d));
      return tensor::DimOp::create(rewriter, loc, v, d).getResult();
    };
    auto empty = [&](ArrayRef<OpFoldResult> sizes, Type element) -> Value {
      return tensor::EmptyOp::create(rewriter, loc, sizes, element);
    };
    OpFoldResult tokens = dimOf(typeIds, 0);

    // type_ids [T] -> ids [T, 1].
    auto idsType = RankedTensorType::get(
        {cast<ShapedType>(typeIds.getType()).getDimSize(0), 1}, i32);
    Value ids = tensor::ExpandShapeOp::create(
        rewriter, loc, idsType, typeIds, ArrayRef<ReassociationIndices>{{0, 1}},
        ArrayRef<OpFoldResult>{tokens, rewriter.getIndexAttr(1)});

    // The permutation; with gatherTokenRows the GEMM reads each row's token
    // from x in place, otherwise permute copies the rows grouped by type.
    Value srcIndex = empty({tokens}, i32);
    Value offsets = empty({rewriter.getIndexAttr(numTypes + 1)}, i32);
    Value gemmInput, gemmRowIndex, permutedSrc, typeOffsets;
    if (gatherTokenRows) {
      auto permute = PermuteIndicesOp::create(
          rewriter, loc, TypeRange{srcIndex.getType(), offsets.getType()}, ids,
          /*weights=*/Value(), /*expert_map=*/Value(),
          rewriter.getI64IntegerAttr(numTypes), srcIndex, offsets,
          /*row_weights_init=*/Value());
      gemmInput = x;
      permutedSrc = gemmRowIndex = permute->getResult(0);
      typeOffsets = permute->getResult(1);
    } else {
      Type xElement = cast<ShapedType>(x.getType()).getElementType();
      Value rows = empty({tokens, dimOf(x, 1)}, xElement);
      auto permute = PermuteOp::create(
          rewriter, loc,
          TypeRange{rows.getType(), srcIndex.getType(), offsets.getType()}, x,
          ids, /*weights=*/Value(), /*expert_map=*/Value(),
          rewriter.getI64IntegerAttr(numTypes), rows, srcIndex, offsets,
          /*row_weights_init=*/Value());
      gemmInput = permute->getResult(0);
      permutedSrc = permute->getResult(1);
      typeOffsets = permute->getResult(2);
    }

    auto outType = cast<RankedTensorType>(op.getOutInit().getType());
    Value product =
        empty({tokens, dimOf(op.getOutInit(), 1)}, outType.getElementType());
    auto gemm = GroupedMatmulOp::create(
        rewriter, loc, product.getType(), gemmInput, gemmRowIndex, op.getW(),
        typeOffsets, /*scale=*/Value(), op.getBias(),
        EpilogueAttr::get(getContext(), Epilogue::none),
        rewriter.getI64IntegerAttr(1), /*a_scale=*/Value(),
        /*w_scale=*/Value(), /*w_zero=*/Value(), /*quant=*/QuantSchemeAttr(),
        /*group_size=*/IntegerAttr(), product,
        /*gate_up_layout=*/GateUpLayoutAttr(), /*clamp_limit=*/FloatAttr(),
        /*swiglu_alpha=*/FloatAttr());
    rewriter.replaceOpWithNewOp<CombineOp>(
        op, op->getResultTypes(), gemm->getResult(0), permutedSrc,
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
    patterns.add<DecomposeMotLinear>(&getContext(), gatherTokenRows);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
