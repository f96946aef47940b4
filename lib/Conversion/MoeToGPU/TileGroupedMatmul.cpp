//===- TileGroupedMatmul.cpp - The tiling pass for grouped GEMMs ----------===//
//
// moe-tile-grouped-matmul: picks the grouped_matmul ops the tiled kernel can
// compute and emits it (TiledGroupedMatmul.cpp); the rest are left to
// convert-moe-to-gpu's simple kernel. A #moe.gemm_config asking for what no
// kernel implements yet, or a quantized GEMM, is an error here, never
// silently dropped.
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
    SmallVector<GemmConfigAttr> configs = op.getGemmConfigs();
    if (configs.front().getKernel() == GemmKernel::simple)
      return rewriter.notifyMatchFailure(op, "kernel = simple in its config");
    if (static_cast<int64_t>(op.getIndexDivisor()) <= 0)
      return rewriter.notifyMatchFailure(op, "index_divisor must be positive");
    RowGemm gemm = getRowGemm(op);
    auto isStream = [](GemmConfigAttr config) {
      return config.getKernel() == GemmKernel::stream;
    };
    bool anyStream = llvm::any_of(configs, isStream);
    if (anyStream && !canUseStreamGroupedMatmul(gemm))
      return rewriter.notifyMatchFailure(op, "types not streamable");
    if (llvm::all_of(configs, isStream)) {
      // Stream entries compile to one kernel whatever their min_rows.
      buildStreamOrSimpleGroupedMatmul(rewriter, op.getLoc(), gemm,
                                       configs.front());
      rewriter.eraseOp(op);
      return success();
    }
    if (!canUseTiledGroupedMatmul(gemm))
      return rewriter.notifyMatchFailure(op, "types or layouts not tileable");
    buildTiledGroupedMatmul(rewriter, op.getLoc(), gemm, configs, dynamicTiles);
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
    // Every op, whichever kernel it gets, before any is rewritten.
    bool unsupported = false;
    module.walk([&](GroupedMatmulOp op) {
      unsupported |= failed(checkQuantizationImplemented(op)) ||
                     failed(checkGemmConfigImplemented(op));
    });
    if (unsupported)
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
