//===- WarpSpecialize.cpp - A producer warpgroup for pipelined kernels ----===//
//
// moe-warp-specialize: a kernel pipelined by moe-pipeline-tile-loads has
// every thread both issue the copies of a ring slot and compute on it, so
// every refill waits for the whole block. This pass gives the copies a
// warpgroup of their own:
//
//   gpu.launch ... threads(T + 128)
//     <ring and buffer allocations, unchanged>
//     scf.if tid < 128 {                       // producer warpgroup
//       nvvm.setmaxregister decrease 40
//       scf.if tid == 0 { <the body: waits on the empty rings, copies> }
//     } else {                                 // T / 128 consumer warpgroups
//       nvvm.setmaxregister increase 232
//       <the body, tid - 128: waits on the full rings, MMAs, releases,
//        epilogue>
//     }
//
// Both sides walk the same tile loop, so they meet at every ring slot in
// the same order; the producer runs up to a ring ahead, across tiles.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEWARPSPECIALIZE
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

/// Register budgets per thread (64K registers per SM, one block): the
/// producer warpgroup only issues copies; the consumers, which hold the
/// accumulators, share the rest (at most 232 each, a multiple of 8 as
/// setmaxnreg requires): 232 for one or two consumer warpgroups, 152 for
/// three, 112 for four. More than the SM has would make setmaxnreg wait
/// forever.
constexpr int32_t kProducerRegisters = 40;
constexpr int32_t kMaxConsumerRegisters = 232;
constexpr int32_t kRegistersPerSM = 65536;

int32_t consumerRegisters(int64_t consumerThreads) {
  int64_t share = (kRegistersPerSM - kWarpgroupThreads * kProducerRegisters) /
                  consumerThreads;
  return static_cast<int32_t>(
      std::min<int64_t>(share / 8 * 8, kMaxConsumerRegisters));
}

/// The rings the copies complete on (full) and the rings released (empty).
struct Rings {
  DenseSet<Value> full, empty;
};

/// Ops that belong to the producer only: the copies and the waits for a
/// slot's release.
bool isProducerOp(Operation *op, const Rings &rings) {
  if (isa<TileLoadAsyncOp>(op))
    return true;
  auto wait = dyn_cast<TileWaitOp>(op);
  return wait && rings.empty.contains(wait.getReady());
}

/// Ops that belong to the consumers only.
bool isConsumerOp(Operation *op, const Rings &rings) {
  if (isa<TileMmaOp, TileMmaWaitOp, TileStoreOp, TileReleaseOp>(op))
    return true;
  auto wait = dyn_cast<TileWaitOp>(op);
  return wait && rings.full.contains(wait.getReady());
}

/// Removes the other side's ops from `region`; results of removed MMAs and
/// MMA waits are their accumulator operands (the producer computes none).
void keepOneSide(Region &region, function_ref<bool(Operation *)> isOther) {
  SmallVector<Operation *> doomed;
  region.walk([&](Operation *op) {
    if (isOther(op))
      doomed.push_back(op);
  });
  for (Operation *op : doomed) {
    if (auto mma = dyn_cast<TileMmaOp>(op))
      mma.getResult().replaceAllUsesWith(mma.getAcc());
    else if (auto wait = dyn_cast<TileMmaWaitOp>(op))
      wait.getResult().replaceAllUsesWith(wait.getAcc());
    op->erase();
  }
}

LogicalResult specialize(gpu::LaunchOp launch, const Rings &rings) {
  Location loc = launch.getLoc();
  std::optional<int64_t> threads = getConstantIntValue(launch.getBlockSizeX());
  if (!threads || *threads % kWarpgroupThreads != 0 ||
      !matchPattern(launch.getBlockSizeY(), m_One()) ||
      !matchPattern(launch.getBlockSizeZ(), m_One()))
    return launch.emitOpError("needs a static one-dimensional block of whole "
                              "warpgroups to be warp-specialized");
  if (*threads + kWarpgroupThreads > 1024)
    return launch.emitOpError("has ")
           << *threads << " threads: no room for a producer warpgroup";
  WalkResult barriers = launch.getBody().walk([](gpu::BarrierOp barrier) {
    barrier.emitOpError("in a kernel to warp-specialize: producer and "
                        "consumers would not meet there");
    return WalkResult::interrupt();
  });
  if (barriers.wasInterrupted())
    return failure();

  // Allocations stay shared; the rest of the body is split.
  Block &body = launch.getBody().front();
  Operation *first = &body.front();
  while (
      first != body.getTerminator() &&
      (isa<TileAllocOp, memref::AllocaOp>(first) ||
       (isa<memref::StoreOp>(first) && cast<memref::StoreOp>(first)
                                           .getMemRef()
                                           .getDefiningOp<memref::AllocaOp>())))
    first = first->getNextNode();

  OpBuilder b(first);
  Value tid = launch.getThreadIds().x;
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value isProducer = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           tid, c(kWarpgroupThreads));
  auto split = scf::IfOp::create(b, loc, isProducer, /*withElse=*/true);
  Block *consumer = split.elseBlock();
  while (split->getNextNode() != body.getTerminator())
    split->getNextNode()->moveBefore(consumer->getTerminator());

  // Producer: one thread issues every copy.
  b.setInsertionPointToStart(split.thenBlock());
  NVVM::SetMaxRegisterOp::create(b, loc, kProducerRegisters,
                                 NVVM::SetMaxRegisterAction::decrease);
  Value isIssuer =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, c(0));
  auto issuer = scf::IfOp::create(b, loc, isIssuer, /*withElse=*/false);
  b.setInsertionPoint(issuer.thenBlock()->getTerminator());
  IRMapping mapping;
  for (Operation &op : consumer->without_terminator())
    b.clone(op, mapping);
  keepOneSide(issuer.getThenRegion(),
              [&](Operation *op) { return isConsumerOp(op, rings); });

  // Consumers: thread ids from 0 again.
  b.setInsertionPointToStart(consumer);
  NVVM::SetMaxRegisterOp::create(b, loc, consumerRegisters(*threads),
                                 NVVM::SetMaxRegisterAction::increase);
  Value consumerTid = arith::SubIOp::create(b, loc, tid, c(kWarpgroupThreads));
  tid.replaceUsesWithIf(consumerTid, [&](OpOperand &use) {
    return split.getElseRegion().isAncestor(
               use.getOwner()->getParentRegion()) &&
           use.getOwner() != consumerTid.getDefiningOp();
  });
  launch.getBlockSizeX().replaceUsesWithIf(c(*threads), [&](OpOperand &use) {
    return split.getElseRegion().isAncestor(use.getOwner()->getParentRegion());
  });
  keepOneSide(split.getElseRegion(),
              [&](Operation *op) { return isProducerOp(op, rings); });

  OpBuilder outside(launch);
  launch.getBlockSizeXMutable().assign(arith::ConstantIndexOp::create(
      outside, loc, *threads + kWarpgroupThreads));
  return success();
}

struct MoeWarpSpecializePass
    : mlir::moe::impl::MoeWarpSpecializeBase<MoeWarpSpecializePass> {
  void runOnOperation() override {
    SmallVector<std::pair<gpu::LaunchOp, Rings>> launches;
    bool rejected = false;
    getOperation()->walk([&](gpu::LaunchOp launch) {
      Rings rings;
      bool gathered = false, multicast = false;
      launch.getBody().walk([&](Operation *op) {
        if (auto load = dyn_cast<TileLoadAsyncOp>(op)) {
          rings.full.insert(load.getReady());
          gathered |= load.isGathered();
          multicast |= load.getMulticast() > 1;
        } else if (auto release = dyn_cast<TileReleaseOp>(op)) {
          rings.empty.insert(release.getRing());
        }
      });
      // Gathered copies are per-thread cp.async over the whole block: such
      // kernels stay as they are.
      if (multicast) {
        launch.emitOpError("has tile copies multicast to a cluster; its "
                           "blocks are not warp-specialized yet");
        rejected = true;
        return;
      }
      if (!rings.full.empty() && !rings.empty.empty() && !gathered)
        launches.push_back({launch, rings});
    });
    if (rejected)
      return signalPassFailure();
    for (auto &[launch, rings] : launches)
      if (failed(specialize(launch, rings)))
        return signalPassFailure();
    // The producer keeps the loops but not the accumulators they carried:
    // simplify the specialized kernels (only those). No folding: it would
    // hoist the kernels' tile constants out of their gpu.launch (not
    // isolated from above).
    RewritePatternSet patterns(&getContext());
    scf::ForOp::getCanonicalizationPatterns(patterns, &getContext());
    scf::IfOp::getCanonicalizationPatterns(patterns, &getContext());
    FrozenRewritePatternSet frozen(std::move(patterns));
    GreedyRewriteConfig config;
    config.enableFolding(false).enableConstantCSE(false);
    for (auto &entry : launches)
      if (failed(applyPatternsGreedily(entry.first.getBody(), frozen, config)))
        return signalPassFailure();
  }
};

} // namespace
