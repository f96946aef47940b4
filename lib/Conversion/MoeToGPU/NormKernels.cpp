//===- NormKernels.cpp - rms_norm on the GPU ------------------------------===//
//
// One block per token row: a strided pass forms s = x (+ residual), rounded
// to x's type (and stored as residual_out), and sums s^2; a block-wide
// reduction gives the row's 1/rms; a second pass scales by the weight (of
// the row's type for MoT norms). Rows whose type id is out of range are zero.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "Patterns.h"
#include "VectorAccess.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

struct RmsNormToGPU : OpRewritePattern<RmsNormOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RmsNormOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    Location loc = op.getLoc();
    KernelBuilder kb(rewriter, loc);
    Value x = op.getX(), weight = op.getWeight(), out = op.getOutInit();
    Value residual = op.getResidual(), residualOut = op.getResidualOutInit();
    Value typeIds = op.getTypeIds();
    Type xType = cast<MemRefType>(x.getType()).getElementType();
    bool perType = static_cast<bool>(typeIds);

    // Sizes, clamped to every buffer the kernel touches.
    auto minOf = [&](Value a, Value b) -> Value {
      return arith::MinUIOp::create(rewriter, loc, a, b);
    };
    Value rows = minOf(kb.dim(x, 0), kb.dim(out, 0));
    Value hidden = minOf(kb.dim(x, 1), kb.dim(out, 1));
    hidden = minOf(hidden, kb.dim(weight, perType ? 1 : 0));
    if (residual) {
      rows = minOf(rows, minOf(kb.dim(residual, 0), kb.dim(residualOut, 0)));
      hidden =
          minOf(hidden, minOf(kb.dim(residual, 1), kb.dim(residualOut, 1)));
    }
    if (perType)
      rows = minOf(rows, kb.dim(typeIds, 0));
    Value numTypes = perType ? kb.dim(weight, 0) : Value();
    Value hiddenF32 = arith::UIToFPOp::create(
        rewriter, loc, rewriter.getF32Type(),
        arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                     hidden));
    Value epsilon =
        arith::ConstantOp::create(rewriter, loc, op.getEpsilonAttr());
    int64_t threads = getConfigInt(op, "threads", 256);
    SmallVector<Value> buffers{x, out, weight};
    if (residual)
      buffers.append({residual, residualOut});
    Value vectorAligned = isVectorAligned(kb, buffers);
    int64_t width = getVectorWidth(xType);

    kb.launch(rows, threads, [&](KernelBuilder &outer, const LaunchIds &ids) {
      // The launch has at least one block: with no rows it does nothing. The
      // condition is uniform over the block, so the reduction inside is too.
      Value row = ids.blockId;
      Value hasRow = arith::CmpIOp::create(
          outer.b(), loc, arith::CmpIPredicate::ult, row, rows);
      outer.ifThen(hasRow, [&](KernelBuilder &k) {
        OpBuilder &b = k.b();
        // Row type for per-type weights, and whether it is in range.
        Value typeIndex = k.index(0);
        Value validType =
            arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
        if (perType) {
          Value typeId = memref::LoadOp::create(b, loc, typeIds, row);
          Value zero = k.i32(0);
          Value numTypesI32 =
              arith::IndexCastOp::create(b, loc, b.getI32Type(), numTypes);
          validType = arith::AndIOp::create(
              b, loc,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, typeId,
                                    zero),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, typeId,
                                    numTypesI32));
          Value clamped =
              arith::SelectOp::create(b, loc, validType, typeId, zero);
          typeIndex =
              arith::IndexCastOp::create(b, loc, b.getIndexType(), clamped);
        }
        // s of columns [h, h + count).
        auto sumOf = [&](KernelBuilder &k, Value h,
                         int64_t count) -> SmallVector<Value> {
          SmallVector<Value> s = loadF32s(k, x, {row, h}, count);
          if (residual) {
            SmallVector<Value> r = loadF32s(k, residual, {row, h}, count);
            for (int64_t i = 0; i < count; ++i)
              s[i] = k.roundTo(arith::AddFOp::create(k.b(), loc, s[i], r[i]),
                               xType);
          }
          return s;
        };
        // Pass 1: s and sum of squares.
        Value partial =
            forEachColumnChunk(
                k, vectorAligned, hidden, ids.threadId, ids.blockSize, width,
                {k.f32(0.0f)},
                [&](KernelBuilder &k, Value h, int64_t count,
                    ValueRange acc) -> SmallVector<Value> {
                  SmallVector<Value> s = sumOf(k, h, count);
                  if (residualOut)
                    storeF32s(k, s, residualOut, {row, h});
                  Value sum = acc.front();
                  for (Value v : s) {
                    Value square = arith::MulFOp::create(k.b(), loc, v, v);
                    sum = arith::AddFOp::create(k.b(), loc, sum, square);
                  }
                  return {sum};
                })
                .front();
        Value total = gpu::AllReduceOp::create(
            b, loc, partial,
            gpu::AllReduceOperationAttr::get(b.getContext(),
                                             gpu::AllReduceOperation::ADD),
            /*uniform=*/b.getUnitAttr());
        Value mean = arith::DivFOp::create(b, loc, total, hiddenF32);
        Value inverseRms = arith::DivFOp::create(
            b, loc, k.f32(1.0f),
            k.sqrt(arith::AddFOp::create(b, loc, mean, epsilon)));
        // Pass 2: scale. Each thread re-reads only the elements it formed.
        forEachColumnChunk(
            k, vectorAligned, hidden, ids.threadId, ids.blockSize, width,
            [&](KernelBuilder &k, Value h, int64_t count) {
              SmallVector<Value> zeros(count, k.f32(0.0f));
              SmallVector<Value> result = ifThenElseValues(
                  k, validType,
                  [&](KernelBuilder &k) -> SmallVector<Value> {
                    OpBuilder &b = k.b();
                    SmallVector<Value> s = sumOf(k, h, count);
                    SmallVector<Value> w =
                        perType ? loadF32s(k, weight, {typeIndex, h}, count)
                                : loadF32s(k, weight, {h}, count);
                    SmallVector<Value> scaled;
                    for (int64_t i = 0; i < count; ++i)
                      scaled.push_back(arith::MulFOp::create(
                          b, loc,
                          arith::MulFOp::create(b, loc, s[i], inverseRms),
                          w[i]));
                    return scaled;
                  },
                  zeros);
              storeF32s(k, result, out, {row, h});
            });
      });
    });
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::moe::populateNormKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<RmsNormToGPU>(patterns.getContext());
}
