//===- ProgrammaticLaunch.cpp - kernels that overlap their launch ---------===//
//
// Opens every outlined kernel with griddepcontrol.wait and
// griddepcontrol.launch_dependents and marks its gpu.module for the runtime,
// which then launches the module's kernels with programmatic stream
// serialization (include/moe/Transforms/Passes.td says why this keeps the
// stream order).
//
//===----------------------------------------------------------------------===//

#include "moe/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Builders.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEPROGRAMMATICLAUNCH
#include "moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;

namespace {

/// The global the runtime looks up (cuModuleGetGlobal) to know that every
/// kernel of a module waits on its grid dependencies first.
constexpr llvm::StringLiteral kMarkerName = "__moe_programmatic_launch";
/// NVPTX's global address space (`.global`).
constexpr unsigned kGlobalAddressSpace = 1;

void openWithGridDependencyControl(gpu::GPUFuncOp kernel) {
  OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
  Location loc = kernel.getLoc();
  NVVM::GriddepcontrolOp::create(b, loc, NVVM::GridDepActionKind::wait);
  NVVM::GriddepcontrolOp::create(b, loc,
                                 NVVM::GridDepActionKind::launch_dependents);
}

void addMarker(gpu::GPUModuleOp module) {
  if (module.lookupSymbol(kMarkerName))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Type i32 = b.getI32Type();
  LLVM::GlobalOp::create(b, module.getLoc(), i32, /*isConstant=*/true,
                         LLVM::Linkage::External, kMarkerName,
                         b.getI32IntegerAttr(1), /*alignment=*/4,
                         kGlobalAddressSpace);
}

struct MoeProgrammaticLaunchPass
    : mlir::moe::impl::MoeProgrammaticLaunchBase<MoeProgrammaticLaunchPass> {
  void runOnOperation() override {
    getOperation().walk([](gpu::GPUModuleOp module) {
      bool hasKernels = false;
      for (auto func : module.getOps<gpu::GPUFuncOp>()) {
        if (!func.isKernel() || func.getBody().empty())
          continue;
        openWithGridDependencyControl(func);
        hasKernels = true;
      }
      if (hasKernels)
        addMarker(module);
    });
  }
};

} // namespace
