//===- DeviceAllocations.cpp - Host temporaries in GPU memory -------------===//

#include "moe/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEDEVICEALLOCATIONS
#include "moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

struct MoeDeviceAllocationsPass
    : mlir::moe::impl::MoeDeviceAllocationsBase<MoeDeviceAllocationsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<memref::AllocOp> allocs;
    func.walk([&](memref::AllocOp alloc) {
      if (!alloc->getParentOfType<gpu::LaunchOp>() &&
          !alloc->getParentOfType<gpu::GPUModuleOp>())
        allocs.push_back(alloc);
    });
    if (allocs.empty())
      return;
    // Temporaries are freed at every return: bufferization leaves them live
    // to the end of the function.
    if (!llvm::hasSingleElement(func.getBody())) {
      func.emitOpError("moe-device-allocations expects a single-block body");
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    SmallVector<Value> buffers;
    for (memref::AllocOp alloc : allocs) {
      if (!alloc->getParentRegion()->isAncestor(&func.getBody())) {
        alloc.emitOpError("in nested control flow is not supported by "
                          "moe-device-allocations");
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(alloc);
      auto deviceAlloc = gpu::AllocOp::create(
          rewriter, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/false);
      rewriter.replaceOp(alloc, deviceAlloc.getMemref());
      buffers.push_back(deviceAlloc.getMemref());
    }
    Operation *terminator = func.getBody().front().getTerminator();
    rewriter.setInsertionPoint(terminator);
    for (Value buffer : llvm::reverse(buffers))
      gpu::DeallocOp::create(rewriter, terminator->getLoc(), Type(),
                             ValueRange(), buffer);
  }
};

} // namespace
