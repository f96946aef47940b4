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
// Gathered copies (A rows through a row index, per-thread cp.async) need
// more than one thread: the whole producer warpgroup runs the body (no
// `tid == 0` guard) and the copies say `threads = 128`; thread 0 still
// issues the TMA copies (the TMA lowering picks it), and the 128 threads
// split the gathered rows. So the consumers never copy rows themselves,
// which is what made the gathered kernel slower than a separate permute
// (docs/performance.md, 5f).
//
// Tiles claimed from a counter (`moe.tile_claim` / `moe.tile_claimed`, a
// block-wide handoff) go through a queue instead: the producer's thread
// claims, and hands each claim to the consumers through a ring of
// `kQueueDepth` words with a full ring (`moe.tile_signal`) and an empty one
// (`moe.tile_release`), so neither side waits at a block barrier:
//
//   producer:  claim: c = counter++ + offset; wait empty[q]; word[q] = c;
//                     signal full[q];  claimed: c
//   consumers: claimed: wait full[q]; c = word[q]; release empty[q]
//
// With gathered copies, thread 0 alone claims and pushes; every producer
// thread pops each claim from the queue as the consumers do (the queue's
// slots are then released by the consumers and the producer warpgroup).
//
// Claims shared by a 2-block cluster (`cluster = 2`): block 0's producer
// claims and publishes each claim into block 1's mailbox (a word ring of
// the same kind, `moe.tile_publish` into the peer, acknowledged with a
// `moe.tile_signal` on block 0's empty ring); block 1's producer takes it
// from there. Each producer then feeds its own consumers as above.
// Multicast copies need nothing more: each producer issues its block's
// share and waits on the empty ring that both blocks' consumers release.
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

/// Claims the queue holds before the producer waits for the consumers.
constexpr int64_t kQueueDepth = 4;

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
  if (isa<TileMmaOp, TileMmaWaitOp, TileScaleAccumulateOp, TileStoreOp,
          TilePrefetchOp, TileReleaseOp>(op))
    return true;
  auto wait = dyn_cast<TileWaitOp>(op);
  return wait && rings.full.contains(wait.getReady());
}

/// Removes the other side's ops from `region`; results of removed MMAs, MMA
/// waits and promotions are their accumulator operands (the producer
/// computes none).
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
    else if (auto promote = dyn_cast<TileScaleAccumulateOp>(op))
      promote.getResult().replaceAllUsesWith(promote.getAcc());
    op->erase();
  }
}

/// Words handed from one side to another: the words, their full ring
/// (signalled) and empty ring, and this thread's positions.
struct WordRing {
  Value words, full, empty;
  /// The number of words this thread has pushed, and popped (a thread may
  /// do both: the gathering producer's thread 0 pushes each claim and pops
  /// it like every other producer thread).
  Value pushed, popped;

  static WordRing create(OpBuilder &b, Location loc, Attribute space) {
    auto type = [&](Type element) {
      return MemRefType::get({kQueueDepth}, element,
                             MemRefLayoutAttrInterface(), space);
    };
    WordRing ring;
    ring.words = TileAllocOp::create(b, loc, type(b.getI32Type()));
    ring.full = TileAllocOp::create(b, loc, type(b.getI64Type()));
    ring.empty = TileAllocOp::create(b, loc, type(b.getI64Type()));
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    for (Value *count : {&ring.pushed, &ring.popped}) {
      *count = memref::AllocaOp::create(b, loc,
                                        MemRefType::get({}, b.getIndexType()));
      memref::StoreOp::create(b, loc, zero, *count);
    }
    return ring;
  }

  /// The slot of this thread's next push or pop and the parity of the
  /// slot's phase it completes (the pusher waits for the phase before: a
  /// fresh slot's "previous" phase counts as complete); advances.
  std::pair<Value, Value> next(OpBuilder &b, Location loc, bool pusher) {
    auto c = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    Value position = pusher ? pushed : popped;
    Value n = memref::LoadOp::create(b, loc, position);
    Value slot = arith::RemUIOp::create(b, loc, n, c(kQueueDepth));
    Value round = arith::DivUIOp::create(b, loc, n, c(kQueueDepth));
    if (pusher)
      round = arith::AddIOp::create(b, loc, round, c(1));
    Value parity = arith::RemUIOp::create(b, loc, round, c(2));
    memref::StoreOp::create(b, loc, arith::AddIOp::create(b, loc, n, c(1)),
                            position);
    return {slot, parity};
  }
};

/// The handoff of claimed tiles: to this block's consumers through a queue;
/// in a 2-block cluster, also from block 0's producer to block 1's through
/// a mailbox in block 1 (acknowledged on block 0's empty ring).
struct ClaimQueue {
  WordRing queue;
  std::optional<WordRing> mailbox;
  /// The producer's last claim, for its moe.tile_claimed.
  Value lastClaim;

  static ClaimQueue create(OpBuilder &b, Location loc, Attribute space,
                           bool cluster) {
    ClaimQueue claims;
    claims.queue = WordRing::create(b, loc, space);
    if (cluster)
      claims.mailbox = WordRing::create(b, loc, space);
    claims.lastClaim =
        memref::AllocaOp::create(b, loc, MemRefType::get({}, b.getIndexType()));
    return claims;
  }
};

/// Block 0's producer claims and sends the claim to block 1's; block 1's
/// takes it from its mailbox and acknowledges it. Returns the claim (i32).
Value claimInCluster(OpBuilder &b, Location loc, TileClaimOp claim,
                     WordRing &mailbox, Value blockId) {
  auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
  Value rank = arith::RemUIOp::create(b, loc, blockId, c(2));
  Value first =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rank, c(0));
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{b.getI32Type()}, first,
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  Value word = claim.createAtomicClaim(b);
  auto [sendSlot, sendParity] = mailbox.next(b, loc, /*pusher=*/true);
  TileWaitOp::create(b, loc, mailbox.empty, sendSlot, sendParity);
  TilePublishOp::create(b, loc, word, mailbox.words, sendSlot, mailbox.full,
                        c(1));
  scf::YieldOp::create(b, loc, word);
  b.setInsertionPointToStart(ifOp.elseBlock());
  auto [takeSlot, takeParity] = mailbox.next(b, loc, /*pusher=*/false);
  TileWaitOp::create(b, loc, mailbox.full, takeSlot, takeParity);
  Value taken =
      memref::LoadOp::create(b, loc, mailbox.words, ValueRange{takeSlot});
  TileSignalOp::create(b, loc, mailbox.empty, takeSlot, c(0));
  scf::YieldOp::create(b, loc, taken);
  return ifOp.getResult(0);
}

/// Pops the next claim from `queue` (waits for it, reads it, releases the
/// slot for `arrivals` threads) in place of `claimed`.
void popClaim(TileClaimedOp claimed, WordRing &queue, int64_t arrivals) {
  OpBuilder b(claimed);
  Location loc = claimed.getLoc();
  auto [slot, parity] = queue.next(b, loc, /*pusher=*/false);
  TileWaitOp::create(b, loc, queue.full, slot, parity);
  Value word = memref::LoadOp::create(b, loc, queue.words, ValueRange{slot});
  TileReleaseOp::create(b, loc, queue.empty, slot,
                        b.getI64IntegerAttr(arrivals));
  claimed.replaceAllUsesWith(
      arith::IndexCastOp::create(b, loc, b.getIndexType(), word).getResult());
  claimed.erase();
}

/// The producer's thread 0 claims (in a cluster: block 0's claims for both)
/// and pushes the claim to the consumers. When only thread 0 produces, its
/// moe.tile_claimed reads its own last claim; when the whole producer
/// warpgroup copies (gathered rows), every producer thread pops the claim
/// from the queue as the consumers do, and the queue's slots are released
/// by `queueArrivals` threads.
void rewriteProducerClaims(Region &region, ClaimQueue &claims, Value blockId,
                           Value tid, bool wholeWarpgroup,
                           int64_t queueArrivals) {
  SmallVector<Operation *> ops;
  region.walk([&](Operation *op) {
    if (isa<TileClaimOp, TileClaimedOp>(op))
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    if (auto claimed = dyn_cast<TileClaimedOp>(op)) {
      if (wholeWarpgroup) {
        popClaim(claimed, claims.queue, queueArrivals);
        continue;
      }
      OpBuilder b(op);
      claimed.replaceAllUsesWith(
          memref::LoadOp::create(b, op->getLoc(), claims.lastClaim)
              .getResult());
      claimed.erase();
      continue;
    }
    OpBuilder b(op);
    Location loc = op->getLoc();
    if (wholeWarpgroup) {
      Value first =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid,
                                arith::ConstantIndexOp::create(b, loc, 0));
      auto only = scf::IfOp::create(b, loc, first, /*withElse=*/false);
      b.setInsertionPoint(only.thenBlock()->getTerminator());
    }
    auto claim = cast<TileClaimOp>(op);
    Value word = claims.mailbox
                     ? claimInCluster(b, loc, claim, *claims.mailbox, blockId)
                     : claim.createAtomicClaim(b);
    // Only a lone producer thread reads its own last claim back.
    if (!wholeWarpgroup)
      memref::StoreOp::create(
          b, loc, arith::IndexCastOp::create(b, loc, b.getIndexType(), word),
          claims.lastClaim);
    WordRing &queue = claims.queue;
    auto [slot, parity] = queue.next(b, loc, /*pusher=*/true);
    TileWaitOp::create(b, loc, queue.empty, slot, parity);
    memref::StoreOp::create(b, loc, word, queue.words, ValueRange{slot});
    TileSignalOp::create(b, loc, queue.full, slot, Value());
    claim.erase();
  }
}

/// The consumers pop each claim from the queue.
void rewriteConsumerClaims(Region &region, WordRing &queue,
                           int64_t queueArrivals) {
  SmallVector<Operation *> claims;
  region.walk([&](Operation *op) {
    if (isa<TileClaimOp, TileClaimedOp>(op))
      claims.push_back(op);
  });
  for (Operation *op : claims) {
    if (auto claimed = dyn_cast<TileClaimedOp>(op))
      popClaim(claimed, queue, queueArrivals);
    else
      op->erase();
  }
}

/// Every moe.tile_claimed reads the claim of a moe.tile_claim on its slot
/// earlier in its own block (the producer keeps its claim in a register).
LogicalResult checkClaims(gpu::LaunchOp launch) {
  WalkResult result = launch.getBody().walk([](TileClaimedOp claimed) {
    for (Operation *op = claimed->getPrevNode(); op; op = op->getPrevNode())
      if (auto claim = dyn_cast<TileClaimOp>(op))
        if (claim.getSlot() == claimed.getSlot())
          return WalkResult::advance();
    claimed.emitOpError("needs a moe.tile_claim on its slot earlier in its "
                        "block to be warp-specialized");
    return WalkResult::interrupt();
  });
  return failure(result.wasInterrupted());
}

LogicalResult specialize(gpu::LaunchOp launch, const Rings &rings,
                         bool gathered) {
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
  if (barriers.wasInterrupted() || failed(checkClaims(launch)))
    return failure();
  // Claims are the block's or, in 2-block clusters, the cluster's.
  bool claimsTiles = false, clusterClaims = false;
  WalkResult unsupported = launch.getBody().walk([&](TileClaimOp claim) {
    claimsTiles = true;
    clusterClaims |= claim.getCluster() > 1;
    if (claim.getCluster() <= 2)
      return WalkResult::advance();
    claim.emitOpError("is shared by ")
        << claim.getCluster()
        << " blocks; warp-specialized kernels share claims in clusters of "
           "2 at most";
    return WalkResult::interrupt();
  });
  if (unsupported.wasInterrupted())
    return failure();

  // Allocations stay shared; the rest of the body is split. A tile_alloc
  // has no operands, so those written further down move to the top.
  Block &body = launch.getBody().front();
  SmallVector<TileAllocOp> allocs(body.getOps<TileAllocOp>());
  for (TileAllocOp alloc : llvm::reverse(allocs))
    alloc->moveBefore(&body, body.begin());
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
  std::optional<ClaimQueue> queue;
  if (claimsTiles)
    queue = ClaimQueue::create(
        b, loc,
        cast<MemRefType>((*rings.full.begin()).getType()).getMemorySpace(),
        clusterClaims);
  Value isProducer = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           tid, c(kWarpgroupThreads));
  auto split = scf::IfOp::create(b, loc, isProducer, /*withElse=*/true);
  Block *consumer = split.elseBlock();
  while (split->getNextNode() != body.getTerminator())
    split->getNextNode()->moveBefore(consumer->getTerminator());

  // Producer: one thread issues every copy, or with gathered rows the
  // whole warpgroup does (the row copies are per-thread cp.async; thread 0
  // still issues the TMA copies), which then also takes each claim.
  b.setInsertionPointToStart(split.thenBlock());
  NVVM::SetMaxRegisterOp::create(b, loc, kProducerRegisters,
                                 NVVM::SetMaxRegisterAction::decrease);
  Region *producer = &split.getThenRegion();
  if (!gathered) {
    Value isIssuer =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, c(0));
    auto issuer = scf::IfOp::create(b, loc, isIssuer, /*withElse=*/false);
    b.setInsertionPoint(issuer.thenBlock()->getTerminator());
    producer = &issuer.getThenRegion();
  } else {
    b.setInsertionPoint(split.thenBlock()->getTerminator());
  }
  IRMapping mapping;
  for (Operation &op : consumer->without_terminator())
    b.clone(op, mapping);
  keepOneSide(*producer,
              [&](Operation *op) { return isConsumerOp(op, rings); });
  if (gathered)
    producer->walk(
        [&](TileLoadAsyncOp load) { load.setThreads(kWarpgroupThreads); });
  // Consumers, and with gathered rows the producer warpgroup, release each
  // claim's queue slot.
  int64_t queueArrivals = *threads + (gathered ? kWarpgroupThreads : 0);
  if (queue)
    rewriteProducerClaims(*producer, *queue, launch.getBlockIds().x, tid,
                          gathered, queueArrivals);

  // Consumers: thread ids from 0 again.
  b.setInsertionPointToStart(consumer);
  NVVM::SetMaxRegisterOp::create(b, loc,
                                 warpSpecializedConsumerRegisters(*threads),
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
  if (queue) {
    rewriteConsumerClaims(split.getElseRegion(), queue->queue, queueArrivals);
    // The block-wide claim slot is no longer read.
    launch.getBody().walk([](TileAllocOp alloc) {
      if (alloc->use_empty())
        alloc->erase();
    });
  }

  OpBuilder outside(launch);
  launch.getBlockSizeXMutable().assign(arith::ConstantIndexOp::create(
      outside, loc, *threads + kWarpgroupThreads));
  return success();
}

struct MoeWarpSpecializePass
    : mlir::moe::impl::MoeWarpSpecializeBase<MoeWarpSpecializePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::tuple<gpu::LaunchOp, Rings, bool>> launches;
    getOperation()->walk([&](gpu::LaunchOp launch) {
      bool marked = launch->hasAttr(kWarpSpecializeAttr);
      launch->removeAttr(kWarpSpecializeAttr);
      if (onlyMarked && !marked)
        return;
      Rings rings;
      bool gathered = false;
      launch.getBody().walk([&](Operation *op) {
        if (auto load = dyn_cast<TileLoadAsyncOp>(op)) {
          rings.full.insert(load.getReady());
          gathered |= load.isGathered();
        } else if (auto release = dyn_cast<TileReleaseOp>(op)) {
          rings.empty.insert(release.getRing());
        }
      });
      // Multicast copies need nothing more: the producer's thread issues
      // its block's share and waits on the empty ring that the consumers of
      // every block of the cluster release.
      if (!rings.full.empty() && !rings.empty.empty())
        launches.push_back({launch, rings, gathered});
    });
    for (auto &[launch, rings, gathered] : launches)
      if (failed(specialize(launch, rings, gathered)))
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
      if (failed(applyPatternsGreedily(std::get<0>(entry).getBody(), frozen,
                                       config)))
        return signalPassFailure();
  }
};

} // namespace
