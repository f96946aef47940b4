//===- ElideWgmmaFences.cpp - one fence per wgmma chain -------------------===//
//
// Upstream's nvgpu.warpgroup.mma lowering fences, commits and waits around
// every wgmma, and the tile MMA lowering emits one per 16-element K slice:
// four fences and four waits per K step where PTX needs one fence (before
// the chain) and one wait (for the ring slot's release). This pass erases
// the fences and waits between consecutive wgmmas of one accumulator chain
// (docs/Passes.md, moe-elide-wgmma-fences).
//
//===----------------------------------------------------------------------===//

#include "moe/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEELIDEWGMMAFENCES
#include "moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

/// The wgmma whose result `acc` is, looking through the accumulator structs
/// upstream's lowering wraps around it (extractvalue [i] of insertvalue [i]),
/// or null.
NVVM::WgmmaMmaAsyncOp chainSource(Value acc) {
  while (auto extract = acc.getDefiningOp<LLVM::ExtractValueOp>()) {
    auto insert = extract.getContainer().getDefiningOp<LLVM::InsertValueOp>();
    if (!insert || insert.getPosition() != extract.getPosition())
      return {};
    acc = insert.getValue();
  }
  return acc.getDefiningOp<NVVM::WgmmaMmaAsyncOp>();
}

/// Whether `next` continues the accumulator chain of `prev` in the same
/// block: same shape and element types.
bool continuesChain(NVVM::WgmmaMmaAsyncOp prev, NVVM::WgmmaMmaAsyncOp next) {
  return prev->getBlock() == next->getBlock() &&
         prev.getShape() == next.getShape() &&
         prev.getTypeA() == next.getTypeA() &&
         prev.getTypeB() == next.getTypeB() &&
         prev.getTypeD() == next.getTypeD() &&
         prev.getResult().getType() == next.getInouts().getType();
}

/// The fences and waits strictly between `prev` and `next`, or nothing when
/// an op there may touch memory or synchronize, or reads `prev`'s
/// accumulator other than to pass it on (then a fence or wait may order
/// something else).
SmallVector<Operation *> redundantSyncsBetween(NVVM::WgmmaMmaAsyncOp prev,
                                               NVVM::WgmmaMmaAsyncOp next) {
  SmallVector<Operation *> syncs;
  llvm::SmallPtrSet<Value, 4> chain = {prev.getResult()};
  for (Operation *op = prev->getNextNode(); op != next;
       op = op->getNextNode()) {
    if (isa<NVVM::WgmmaFenceAlignedOp, NVVM::WgmmaWaitGroupSyncOp>(op)) {
      syncs.push_back(op);
      continue;
    }
    if (isa<NVVM::WgmmaGroupSyncAlignedOp>(op))
      continue;
    if (!isPure(op))
      return {};
    bool readsChain = llvm::any_of(op->getOperands(), [&](Value operand) {
      return chain.contains(operand);
    });
    if (!readsChain)
      continue;
    // Only the wrapping and unwrapping of the whole accumulator struct
    // passes it on; taking out one register is a read of it.
    bool passesOn = isa<LLVM::InsertValueOp, LLVM::ExtractValueOp>(op) &&
                    isa<LLVM::LLVMStructType>(op->getResult(0).getType());
    if (!passesOn)
      return {};
    chain.insert(op->getResult(0));
  }
  return syncs;
}

struct ElideWgmmaFencesPass
    : mlir::moe::impl::MoeElideWgmmaFencesBase<ElideWgmmaFencesPass> {
  void runOnOperation() override {
    SmallVector<Operation *> erased;
    getOperation()->walk([&](NVVM::WgmmaMmaAsyncOp next) {
      NVVM::WgmmaMmaAsyncOp prev = chainSource(next.getInouts());
      if (!prev || !continuesChain(prev, next))
        return;
      llvm::append_range(erased, redundantSyncsBetween(prev, next));
    });
    for (Operation *op : erased)
      op->erase();
  }
};

} // namespace
