//===- ElementwiseKernels.cpp - silu_and_mul on the GPU -------------------===//
//
// One thread per output element, f32 math, bounds taken from both buffers
// so a run-time shape mismatch cannot read or write out of bounds.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "Patterns.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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
    KernelBuilder kb(rewriter, op.getLoc());
    Value x = op.getX(), out = op.getOutInit();
    Value two = kb.index(2);
    Value rows = arith::MinUIOp::create(rewriter, op.getLoc(), kb.dim(x, 0),
                                        kb.dim(out, 0));
    // x is [M, 2N]: gate half then up half.
    Value half =
        arith::DivUIOp::create(rewriter, op.getLoc(), kb.dim(x, 1), two);
    Value cols =
        arith::MinUIOp::create(rewriter, op.getLoc(), half, kb.dim(out, 1));
    Value total = arith::MulIOp::create(rewriter, op.getLoc(), rows, cols);
    int64_t threads = getConfigInt(op, "threads", 256);
    Value blocks = kb.ceilDiv(total, kb.index(threads));
    kb.launch(blocks, threads, [&](KernelBuilder &k, const LaunchIds &ids) {
      OpBuilder &b = k.b();
      Location loc = k.getLoc();
      Value linear = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, ids.blockId, ids.blockSize),
          ids.threadId);
      Value inBounds = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                             linear, total);
      k.ifThen(inBounds, [&](KernelBuilder &k) {
        OpBuilder &b = k.b();
        Value row = arith::DivUIOp::create(b, loc, linear, cols);
        Value col = arith::RemUIOp::create(b, loc, linear, cols);
        Value upCol = arith::AddIOp::create(b, loc, col, half);
        Value gate = k.loadF32(x, {row, col});
        Value up = k.loadF32(x, {row, upCol});
        Value result = arith::MulFOp::create(b, loc, k.silu(gate), up);
        k.storeF32(result, out, {row, col});
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
