//===- TileGroupedMatmul.cpp - The tiling pass for grouped GEMMs ----------===//
//
// moe-tile-grouped-matmul: picks the grouped_matmul ops the tiled kernel can
// compute and emits it (TiledGroupedMatmul.cpp); the rest are left to
// convert-moe-to-gpu's simple kernel.
//
//===----------------------------------------------------------------------===//

#include "GemmKernels.h"
#include "KernelBuilder.h"
#include "moe/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOETILEGROUPEDMATMUL
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

struct TileGroupedMatmul : OpRewritePattern<GroupedMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GroupedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    if (getConfigInt(op, "tiled", 1) == 0)
      return rewriter.notifyMatchFailure(op, "tiled = 0 in its config");
    if (static_cast<int64_t>(op.getIndexDivisor()) <= 0)
      return rewriter.notifyMatchFailure(op, "index_divisor must be positive");
    RowGemm gemm = getRowGemm(op);
    if (!canUseTiledGroupedMatmul(gemm))
      return rewriter.notifyMatchFailure(op, "types or layouts not tileable");
    buildTiledGroupedMatmul(rewriter, op.getLoc(), gemm, op);
    rewriter.eraseOp(op);
    return success();
  }
};

struct MoeTileGroupedMatmulPass
    : mlir::moe::impl::MoeTileGroupedMatmulBase<MoeTileGroupedMatmulPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    RewritePatternSet patterns(&getContext());
    patterns.add<TileGroupedMatmul>(&getContext());
    walkAndApplyPatterns(module, std::move(patterns));
    // gpu.launch_func needs a container module once kernels are outlined.
    if (module.walk([](gpu::LaunchOp) { return WalkResult::interrupt(); })
            .wasInterrupted())
      module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      UnitAttr::get(&getContext()));
  }
};

} // namespace
