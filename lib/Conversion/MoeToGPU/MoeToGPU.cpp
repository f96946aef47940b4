//===- MoeToGPU.cpp - Lower buffer-form moe ops to GPU kernels ------------===//

#include "moe/Conversion/MoeToGPU/MoeToGPU.h"
#include "GemmKernels.h"
#include "Patterns.h"
#include "moe/Conversion/Passes.h"
#include "moe/Dialect/Moe/IR/MoeDialect.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_CONVERTMOETOGPU
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

void mlir::moe::populateMoeToGPUPatterns(RewritePatternSet &patterns) {
  populateElementwiseKernelPatterns(patterns);
  populateNormKernelPatterns(patterns);
  populateRoutingKernelPatterns(patterns);
  populatePermuteKernelPatterns(patterns);
  populateGemmKernelPatterns(patterns);
  populateQuantizeKernelPatterns(patterns);
}

namespace {

struct ConvertMoeToGPUPass
    : mlir::moe::impl::ConvertMoeToGPUBase<ConvertMoeToGPUPass> {
  using ConvertMoeToGPUBase::ConvertMoeToGPUBase;

  /// The memory-bound kernels also emit vector.load/store (VectorAccess.h).
  void getDependentDialects(DialectRegistry &registry) const override {
    ConvertMoeToGPUBase::getDependentDialects(registry);
    registry.insert<vector::VectorDialect>();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (fuseRoutingMaxSlots < 1) {
      module.emitError() << "convert-moe-to-gpu: fuse-routing-max-slots = "
                         << static_cast<int64_t>(fuseRoutingMaxSlots)
                         << " must be positive";
      return signalPassFailure();
    }
    // gpu.launch_func needs a container module once kernels are outlined.
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    UnitAttr::get(&getContext()));
    // Size limits first, each reported once with the limit it exceeds
    // (not as an op "with no lowering" after its pattern declined it).
    // So is a #moe.gemm_config no kernel implements yet, though the simple
    // kernel would not read it, and a quantized GEMM.
    bool withinLimits = true;
    module.walk([&](DestinationStyleOpInterface op) {
      if (!isa<MoeDialect>(op->getDialect()) || !op.hasPureBufferSemantics())
        return;
      auto gemm = dyn_cast<GroupedMatmulOp>(op.getOperation());
      if (failed(checkRoutingKernelLimits(op)) ||
          failed(checkPermuteKernelLimits(op)) ||
          (gemm && (failed(checkQuantizationImplemented(gemm)) ||
                    failed(checkGemmConfigImplemented(gemm)))))
        withinLimits = false;
    });
    if (!withinLimits)
      return signalPassFailure();

    // Gates and the sorts of their ids first: fused where they fit.
    if (fuseRouting) {
      auto countGates = [&] {
        int64_t gates = 0;
        module.walk([&](GateOp) { ++gates; });
        return gates;
      };
      int64_t before = countGates();
      RewritePatternSet fusion(&getContext());
      populateFusedRoutingKernelPatterns(fusion, fuseRoutingMaxSlots);
      walkAndApplyPatterns(module, std::move(fusion));
      numFusedRoutings += before - countGates();
    }

    RewritePatternSet patterns(&getContext());
    populateMoeToGPUPatterns(patterns);
    walkAndApplyPatterns(module, std::move(patterns));

    WalkResult remaining = module.walk([](Operation *op) {
      // The tile ops inside kernels are moe-create-tma-descriptors' work.
      auto dstOp = dyn_cast<DestinationStyleOpInterface>(op);
      if (!isa<MoeDialect>(op->getDialect()) || !dstOp)
        return WalkResult::advance();
      if (dstOp.hasPureTensorSemantics())
        op->emitOpError("must be bufferized before convert-moe-to-gpu");
      else
        op->emitOpError("has no GPU lowering yet");
      return WalkResult::interrupt();
    });
    if (remaining.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
