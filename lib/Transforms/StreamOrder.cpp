//===- StreamOrder.cpp - A host function's GPU work on one stream ---------===//
//
// Replaces upstream `gpu-async-region` in the pipeline. That pass gives the
// host a `gpu.wait` (stream synchronize and destroy) before every op with
// side effects, so a function whose launches sit inside `scf.if` or next to
// host calls creates and synchronizes a stream per kernel. Here the GPU ops
// of a host function descend from one token created at the entry (a chain at
// the top level; nested ops depend on the chain's token before their region
// op), and the host waits once, for the chain's last token, before every
// return. `gpu-to-llvm` maps each op's token to its dependency's stream, so
// all allocations, launches, copies and frees go to the one stream that
// `gpu.wait async` creates, in host program order.
//
// Tokens do not cross region boundaries: as scf results they become block
// arguments, which `convert-nvgpu-to-nvvm` cannot type-convert and which
// `gpu-to-llvm` lowers a wait for to an event synchronization. Nor does the
// final wait use the entry token itself: the canonicalizer drops a wait for
// a dependency-free `gpu.wait async`, which leaves the stream unsynchronized.
//
//===----------------------------------------------------------------------===//

#include "moe/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOESTREAMORDER
#include "moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

/// The GPU ops that go to the function's stream.
bool isStreamOp(Operation *op) {
  return isa<gpu::LaunchFuncOp, gpu::AllocOp, gpu::DeallocOp, gpu::MemcpyOp,
             gpu::MemsetOp>(op);
}

/// Region ops whose regions run on the host, at most one at a time and in
/// the order the host reaches them, so that the entry token is valid inside
/// them and their GPU ops keep host program order.
bool isSequentialRegionOp(Operation *op) {
  return isa<scf::IfOp, scf::ForOp, scf::WhileOp, scf::IndexSwitchOp,
             scf::ExecuteRegionOp>(op);
}

/// Checks `op` (a stream op of `func`) and returns failure with an error if
/// the pass cannot order it.
LogicalResult checkStreamOp(Operation *op, func::FuncOp func) {
  auto asyncOp = cast<gpu::AsyncOpInterface>(op);
  if (asyncOp.getAsyncToken() || !asyncOp.getAsyncDependencies().empty())
    return op->emitOpError(
        "is already asynchronous; moe-stream-order expects synchronous GPU "
        "ops and orders them itself");
  if (auto alloc = dyn_cast<gpu::AllocOp>(op); alloc && alloc.getHostShared())
    return op->emitOpError("host_shared allocations cannot be stream-ordered "
                           "by moe-stream-order");
  for (Operation *parent = op->getParentOp(); parent != func.getOperation();
       parent = parent->getParentOp())
    if (!isSequentialRegionOp(parent))
      return op->emitOpError("inside '")
             << parent->getName()
             << "' is not supported by moe-stream-order (GPU ops may only "
                "be nested in scf.if, scf.for, scf.while, scf.index_switch "
                "and scf.execute_region)";
  return success();
}

/// Whether `op`, a host op of a function with GPU work, would need the
/// host to wait for the GPU (which this pass never does before the return):
/// a call, whose callee may run GPU work on a stream of its own or read
/// device memory, or a read or write of a memref that is not host stack or
/// global memory (every other memref of a host function is a device buffer).
bool needsHostSynchronization(Operation *op) {
  if (isa<CallOpInterface>(op))
    return true;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return false;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [](MemoryEffects::EffectInstance &effect) {
    if (!isa<MemoryEffects::Read, MemoryEffects::Write>(effect.getEffect()))
      return false;
    Value value = effect.getValue();
    if (!value || !isa<BaseMemRefType>(value.getType()))
      return false;
    Operation *def = value.getDefiningOp();
    return !def || !isa<memref::AllocaOp, memref::GetGlobalOp>(def);
  });
}

/// Replaces `op`, whose only async dependency is already set, by a clone that
/// also returns an async token (the last result of every stream op); returns
/// the token.
Value addAsyncToken(Operation *op, OpBuilder &builder) {
  SmallVector<Type> resultTypes(op->getResultTypes());
  resultTypes.push_back(builder.getType<gpu::AsyncTokenType>());
  builder.setInsertionPoint(op);
  Operation *newOp = Operation::create(
      op->getLoc(), op->getName(), resultTypes, op->getOperands(),
      op->getDiscardableAttrDictionary(), op->getPropertiesStorage(),
      op->getSuccessors(), op->getNumRegions());
  builder.insert(newOp);
  op->replaceAllUsesWith(newOp->getResults().drop_back());
  op->erase();
  return newOp->getResults().back();
}

struct MoeStreamOrderPass
    : mlir::moe::impl::MoeStreamOrderBase<MoeStreamOrderPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;

    SmallVector<Operation *> streamOps;
    Operation *hazard = nullptr;
    WalkResult walk = func.walk([&](Operation *op) {
      if (isStreamOp(op)) {
        if (failed(checkStreamOp(op, func)))
          return WalkResult::interrupt();
        streamOps.push_back(op);
        return WalkResult::advance();
      }
      if (isa<gpu::LaunchOp>(op)) {
        op->emitOpError("must be outlined (gpu-kernel-outlining) before "
                        "moe-stream-order");
        return WalkResult::interrupt();
      }
      if (isa<gpu::WaitOp>(op) || isa<gpu::AsyncOpInterface>(op)) {
        op->emitOpError("is not supported by moe-stream-order, which expects "
                        "synchronous launches, allocations, frees, copies "
                        "and sets only");
        return WalkResult::interrupt();
      }
      if (!hazard && needsHostSynchronization(op))
        hazard = op;
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (streamOps.empty())
      return;
    if (hazard) {
      hazard->emitOpError(
          "in a function with GPU work is not supported by moe-stream-order: "
          "the host does not wait for the function's stream before it (calls "
          "and host accesses to device buffers would race with the GPU)");
      return signalPassFailure();
    }

    // The host waits before every way out of the function.
    SmallVector<func::ReturnOp> returns;
    for (Block &block : func.getBody()) {
      Operation *terminator = block.getTerminator();
      if (auto ret = dyn_cast<func::ReturnOp>(terminator)) {
        returns.push_back(ret);
        continue;
      }
      if (terminator->getNumSuccessors() == 0) {
        terminator->emitOpError("leaves a function with GPU work other than "
                                "through func.return; moe-stream-order "
                                "cannot synchronize there");
        return signalPassFailure();
      }
    }

    OpBuilder builder(&getContext());
    Type tokenType = builder.getType<gpu::AsyncTokenType>();
    Block &entry = func.getBody().front();
    builder.setInsertionPointToStart(&entry);
    Value stream =
        gpu::WaitOp::create(builder, func.getLoc(), tokenType, ValueRange())
            .getAsyncToken();

    // Top-level ops form a chain of tokens; ops nested in a region op
    // depend on the token before it. Every token stands for the one stream.
    auto order = [&](Operation *op, Value token) {
      cast<gpu::AsyncOpInterface>(op).addAsyncDependency(token);
      return addAsyncToken(op, builder);
    };
    auto orderBlock = [&](Block &block, Value token) {
      for (Operation &op : llvm::make_early_inc_range(block)) {
        if (isStreamOp(&op)) {
          token = order(&op, token);
          continue;
        }
        if (op.getNumRegions() == 0)
          continue;
        SmallVector<Operation *> nested;
        op.walk([&](Operation *inner) {
          if (isStreamOp(inner))
            nested.push_back(inner);
        });
        for (Operation *inner : nested)
          order(inner, token);
      }
      return token;
    };
    // The entry block dominates the others, so its last token is valid in
    // all of them.
    Value entryToken = orderBlock(entry, stream);
    DenseMap<Block *, Value> blockTokens;
    blockTokens[&entry] = entryToken;
    for (Block &block : llvm::drop_begin(func.getBody()))
      blockTokens[&block] = orderBlock(block, entryToken);

    for (func::ReturnOp ret : returns) {
      builder.setInsertionPoint(ret);
      Value token = blockTokens.lookup(ret->getBlock());
      // The canonicalizer drops a wait for the token of a `gpu.wait async`
      // without dependencies (it completes at once, by the dialect's rules),
      // which would leave the stream unsynchronized: with no GPU op at the
      // top level before the return, anchor the wait on an empty allocation
      // (mgpuMemAlloc of 0 bytes returns null without touching the driver).
      if (token == stream)
        token = gpu::AllocOp::create(builder, ret.getLoc(),
                                     MemRefType::get({0}, builder.getI8Type()),
                                     tokenType, ValueRange(stream),
                                     ValueRange(), ValueRange(),
                                     /*hostShared=*/false)
                    .getAsyncToken();
      gpu::WaitOp::create(builder, ret.getLoc(), Type(), ValueRange(token));
    }
  }
};

} // namespace
