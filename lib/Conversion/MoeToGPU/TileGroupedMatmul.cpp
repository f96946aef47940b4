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
  TileGroupedMatmul(MLIRContext *context, bool dynamicTiles)
      : OpRewritePattern(context), dynamicTiles(dynamicTiles) {}

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
    buildTiledGroupedMatmul(rewriter, op.getLoc(), gemm, op, dynamicTiles);
    rewriter.eraseOp(op);
    return success();
  }

  bool dynamicTiles;
};

struct MoeTileGroupedMatmulPass
    : mlir::moe::impl::MoeTileGroupedMatmulBase<MoeTileGroupedMatmulPass> {
  using MoeTileGroupedMatmulBase::MoeTileGroupedMatmulBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Each thread holds tile_n / 2 accumulator registers, and a block of
    // kWarpgroupThreads * warpgroups threads gets at most 65536 / threads
    // registers each.
    WalkResult tooLarge = module.walk([](GroupedMatmulOp op) {
      int64_t warpgroups = getConfigInt(op, "warpgroups", 2);
      int64_t tileN = getConfigInt(op, "tile_n", 256);
      if (getConfigInt(op, "tiled", 1) == 0 || warpgroups * tileN <= 512)
        return WalkResult::advance();
      op.emitOpError("moe.config warpgroups = ")
          << warpgroups << " with tile_n = " << tileN << " needs " << tileN / 2
          << " accumulator registers per thread in a block of "
          << kWarpgroupThreads * warpgroups << " threads, which gets at most "
          << 65536 / (kWarpgroupThreads * warpgroups)
          << " registers each: keep warpgroups * tile_n <= 512";
      return WalkResult::interrupt();
    });
    if (tooLarge.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<TileGroupedMatmul>(&getContext(), dynamicTiles);
    walkAndApplyPatterns(module, std::move(patterns));
    // gpu.launch_func needs a container module once kernels are outlined.
    if (module.walk([](gpu::LaunchOp) { return WalkResult::interrupt(); })
            .wasInterrupted())
      module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      UnitAttr::get(&getContext()));
  }
};

} // namespace
