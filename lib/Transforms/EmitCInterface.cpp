//===- EmitCInterface.cpp - C entry points for host functions -------------===//

#include "moe/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEEMITCINTERFACE
#include "moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;

namespace {

/// Drops the results of `func` that return one of its own arguments.
LogicalResult dropReturnedArguments(func::FuncOp func) {
  if (func.getNumResults() == 0)
    return success();
  for (Block &block : func.getBody()) {
    auto returnOp = dyn_cast<func::ReturnOp>(block.getTerminator());
    if (!returnOp)
      continue;
    for (Value value : returnOp.getOperands()) {
      auto arg = dyn_cast<BlockArgument>(value);
      if (!arg || arg.getOwner() != &func.getBody().front())
        return returnOp->emitError()
               << "entry point '" << func.getName()
               << "' returns a value that is not one of its arguments: an "
                  "entry point writes its results into out arguments";
    }
    returnOp->setOperands({});
  }
  llvm::BitVector allResults(func.getNumResults(), true);
  return func.eraseResults(allResults);
}

struct MoeEmitCInterfacePass
    : mlir::moe::impl::MoeEmitCInterfaceBase<MoeEmitCInterfacePass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      if (failed(dropReturnedArguments(func)))
        return signalPassFailure();
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(&getContext()));
    }
  }
};

} // namespace
