//===- ElementwiseKernels.cpp - silu_and_mul on the GPU -------------------===//
//
// f32 math, bounds taken from both buffers so a run-time shape mismatch
// cannot read or write out of bounds. When every access of the launch can be
// 16 bytes wide (checked on the host at run time: buffer addresses, row
// strides and the offset N of the up half; VectorAccess.h), each thread
// handles one 16-byte chunk of a row (8 bf16/f16 or 4 f32 columns), the last
// chunk of a row finishing its columns one at a time; otherwise one thread
// per output element.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "Patterns.h"
#include "VectorAccess.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

struct SiluAndMulToGPU : OpRewritePattern<SiluAndMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(SiluAndMulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    Location loc = op.getLoc();
    KernelBuilder kb(rewriter, loc);
    Value x = op.getX(), out = op.getOutInit();
    Value rows =
        arith::MinUIOp::create(rewriter, loc, kb.dim(x, 0), kb.dim(out, 0));
    // x is [M, 2N]: gate half then up half.
    Value half =
        arith::DivUIOp::create(rewriter, loc, kb.dim(x, 1), kb.index(2));
    Value cols = arith::MinUIOp::create(rewriter, loc, half, kb.dim(out, 1));
    // Chunks of `width` columns (x's 16 bytes) when the buffers and the up
    // half's offset allow 16-byte accesses, else single columns.
    Type xType = cast<MemRefType>(x.getType()).getElementType();
    int64_t width = getVectorWidth(xType);
    Value widthValue = kb.index(width);
    Value halfAligned = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq,
        arith::RemUIOp::create(rewriter, loc, half, widthValue), kb.index(0));
    Value vectorAligned = arith::AndIOp::create(
        rewriter, loc, isVectorAligned(kb, {x, out}), halfAligned);
    Value unitsPerRow = arith::SelectOp::create(
        rewriter, loc, vectorAligned, kb.ceilDiv(cols, widthValue), cols);
    Value total = arith::MulIOp::create(rewriter, loc, rows, unitsPerRow);
    int64_t threads = getConfigInt(op, "threads", 256);
    Value blocks = kb.ceilDiv(total, kb.index(threads));
    // out[row, col .. col + count) from x's two halves.
    auto compute = [&](KernelBuilder &k, Value row, Value col, int64_t count) {
      OpBuilder &b = k.b();
      Value upCol = arith::AddIOp::create(b, loc, col, half);
      SmallVector<Value> gate = loadF32s(k, x, {row, col}, count);
      SmallVector<Value> up = loadF32s(k, x, {row, upCol}, count);
      SmallVector<Value> results;
      for (int64_t i = 0; i < count; ++i)
        results.push_back(
            arith::MulFOp::create(b, loc, k.silu(gate[i]), up[i]));
      storeF32s(k, results, out, {row, col});
    };
    kb.launch(blocks, threads, [&](KernelBuilder &k, const LaunchIds &ids) {
      OpBuilder &b = k.b();
      Value linear = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, ids.blockId, ids.blockSize),
          ids.threadId);
      Value inBounds = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                             linear, total);
      k.ifThen(inBounds, [&](KernelBuilder &k) {
        OpBuilder &b = k.b();
        Value row = arith::DivUIOp::create(b, loc, linear, unitsPerRow);
        Value unit = arith::RemUIOp::create(b, loc, linear, unitsPerRow);
        scf::IfOp::create(
            b, loc, vectorAligned,
            [&](OpBuilder &nested, Location) {
              KernelBuilder k(nested, loc);
              Value col = arith::MulIOp::create(nested, loc, unit, widthValue);
              Value chunkEnd =
                  arith::AddIOp::create(nested, loc, col, widthValue);
              Value whole = arith::CmpIOp::create(
                  nested, loc, arith::CmpIPredicate::ule, chunkEnd, cols);
              scf::IfOp::create(
                  nested, loc, whole,
                  [&](OpBuilder &b, Location) {
                    KernelBuilder k(b, loc);
                    compute(k, row, col, width);
                    scf::YieldOp::create(b, loc);
                  },
                  [&](OpBuilder &b, Location) {
                    // The row's last, partial chunk.
                    KernelBuilder k(b, loc);
                    k.forLoop(col, cols, k.index(1),
                              [&](KernelBuilder &k, Value c) {
                                compute(k, row, c, 1);
                              });
                    scf::YieldOp::create(b, loc);
                  });
              scf::YieldOp::create(nested, loc);
            },
            [&](OpBuilder &nested, Location) {
              KernelBuilder k(nested, loc);
              compute(k, row, unit, 1);
              scf::YieldOp::create(nested, loc);
            });
      });
    });
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::moe::populateElementwiseKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<SiluAndMulToGPU>(patterns.getContext());
}
