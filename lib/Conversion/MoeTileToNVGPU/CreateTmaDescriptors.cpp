//===- CreateTmaDescriptors.cpp - Tile copies to TMA on mbarriers ---------===//
//
// moe-create-tma-descriptors: the tensor maps of the tile copies' sources are
// encoded on the host before each launch; in the kernel every ready ring
// becomes mbarriers, every batch of copies one expect_tx arrival plus one
// cp.async.bulk.tensor per copy (issued by thread 0), and every wait an
// mbarrier parity wait. A signal (`moe.tile_signal`) is one arrival on a
// ring of its own; a tile claim (`moe.tile_claim`, `moe.tile_claimed`) is
// thread 0's atomic add into a workgroup word, read between two block
// barriers.
//
// Copies multicast to a cluster of N blocks: block rank r issues share r
// of the box's outer rows, with its own tensor map of the share's box, to
// every block of the cluster (cp.async.bulk.tensor .multicast::cluster);
// each block's expect_tx still counts the whole box. Releases with
// `cluster = N` arrive on the slot's mbarrier in every block (mapa). Such a
// kernel initializes its mbarriers, fences them and syncs the cluster before
// any copy, and syncs the cluster again before it exits, so no block
// receives a copy or an arrival after its peers have left.
//
// Gathered copies (rows through a row index) are not TMA's: every thread
// that reaches them (the block, or the copy's `threads`, such as a
// warp-specialized producer warpgroup) copies its share of the box's
// 16-byte chunks with cp.async (zero-filling chunks of rows without a valid
// index or past the K edge), at the swizzled position TMA would have used,
// then makes the slot's mbarrier wait for them
// (cp.async.mbarrier.arrive.noinc: the ring's mbarriers then expect one
// arrival per copying thread besides thread 0's expect_tx). Waits on such a
// ring add a proxy fence: the tiles were written by the generic proxy and
// wgmma reads them through the async proxy. A gathered copy that a
// warp-specialized producer issues (`threads`) from a source outside the
// kernel goes instead as one TMA copy a row (a one-row box of the source's
// map at the row's swizzled address; rows without a source read row -1,
// out of bounds, so zeros), counted by the slot's expect_tx like any TMA
// copy: no per-thread arrivals, no proxy fence.
//
//===----------------------------------------------------------------------===//

#include "../MoeToGPU/KernelBuilder.h"
#include "Pointers.h"
#include "moe/Conversion/Passes.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOECREATETMADESCRIPTORS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr int64_t kWarpSize = 32;
/// TMA limits (CUDA driver API, cuTensorMapEncodeTiled).
constexpr int64_t kMaxTmaRank = 5;
constexpr int64_t kMaxBoxExtent = 256;
/// Spin budget of one mbarrier try_wait (the op loops until the phase
/// completes; this only bounds each hardware try).
constexpr int64_t kWaitTicks = 10000000;
/// A gathered copy is unrolled when each thread has at most this many
/// 16-byte chunks (8 for a 128 x 64 bf16 tile over a 128-thread producer).
constexpr int64_t kMaxUnrolledChunks = 16;

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// The box of a copy: dest's shape with leading 1s up to the source rank, as
/// an identity-layout buffer type.
MemRefType boxTypeOf(TileLoadAsyncOp load) {
  MemRefType dest = load.getDest().getType();
  SmallVector<int64_t> shape(
      load.getSource().getType().getRank() - dest.getRank(), 1);
  llvm::append_range(shape, dest.getShape());
  return MemRefType::get(shape, dest.getElementType(),
                         MemRefLayoutAttrInterface(), dest.getMemorySpace());
}

Value mbarrierPointer(OpBuilder &b, Location loc, Value ring, Value slot) {
  return pointerTo(b, loc, ring, slot, /*elementBytes=*/8,
                   static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
}

/// row_index[position] (i32) of a gathered copy, or -1 where `position` is
/// outside row_index (`numIndices` entries).
Value readRowIndex(KernelBuilder &k, Value rowIndex, Value position,
                   Value numIndices) {
  OpBuilder &b = k.b();
  Value inIndex =
      moe::andI(k, cmpI(k, arith::CmpIPredicate::sge, position, k.index(0)),
                cmpI(k, arith::CmpIPredicate::slt, position, numIndices));
  auto readIndex = scf::IfOp::create(
      b, k.getLoc(), inIndex,
      [&](OpBuilder &then, Location l) {
        Value v = memref::LoadOp::create(then, l, rowIndex, position);
        scf::YieldOp::create(then, l, v);
      },
      [&](OpBuilder &otherwise, Location l) {
        Value none = arith::ConstantIntOp::create(otherwise, l, -1, 32);
        scf::YieldOp::create(otherwise, l, none);
      });
  return readIndex.getResult(0);
}

/// Whether `type` has a strided layout whose innermost stride is 1.
bool hasContiguousRows(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

/// What TMA needs of a copy beyond the op's own rules; gathered copies need
/// a contiguous row.
LogicalResult checkCopy(TileLoadAsyncOp load, gpu::LaunchOp launch) {
  if (load.isGathered()) {
    if (!hasContiguousRows(load.getSource().getType()))
      return load.emitOpError(
          "source's innermost dimension must be contiguous (stride 1)");
    return success();
  }
  Value source = load.getSource();
  if (launch.getBody().isAncestor(source.getParentRegion()))
    return load.emitOpError("source must be defined outside the kernel: its "
                            "tensor map is encoded on the host");
  MemRefType sourceType = load.getSource().getType();
  if (sourceType.getRank() > kMaxTmaRank)
    return load.emitOpError("TMA copies tensors of rank ")
           << kMaxTmaRank << " at most, got " << sourceType.getRank();
  if (!hasContiguousRows(sourceType))
    return load.emitOpError(
        "source's innermost dimension must be contiguous (stride 1) for TMA");
  int64_t width = sourceType.getElementTypeBitWidth();
  if (width != 8 && width != 16 && width != 32 && width != 64)
    return load.emitOpError("TMA copies 1-, 2-, 4- or 8-byte elements, got ")
           << sourceType.getElementType();
  for (int64_t extent : boxTypeOf(load).getShape())
    if (extent > kMaxBoxExtent)
      return load.emitOpError("TMA boxes span at most ")
             << kMaxBoxExtent << " elements a dimension, got " << extent;
  return success();
}

/// Lowers the tile ops of one kernel.
class LaunchLowering {
public:
  explicit LaunchLowering(gpu::LaunchOp launch) : launch(launch) {}

  LogicalResult run() {
    SmallVector<TileLoadAsyncOp> loads;
    SmallVector<TileWaitOp> waits;
    SmallVector<TileReleaseOp> releases;
    SmallVector<TileSignalOp> signals;
    SmallVector<TilePublishOp> publishes;
    SmallVector<TileClaimOp> claims;
    SmallVector<TileClaimedOp> claimeds;
    llvm::SetVector<Value> rings;
    launch.getBody().walk([&](Operation *op) {
      if (auto load = dyn_cast<TileLoadAsyncOp>(op)) {
        loads.push_back(load);
        rings.insert(load.getReady());
      } else if (auto wait = dyn_cast<TileWaitOp>(op)) {
        waits.push_back(wait);
        rings.insert(wait.getReady());
      } else if (auto release = dyn_cast<TileReleaseOp>(op)) {
        releases.push_back(release);
        rings.insert(release.getRing());
      } else if (auto signal = dyn_cast<TileSignalOp>(op)) {
        signals.push_back(signal);
        rings.insert(signal.getRing());
      } else if (auto publish = dyn_cast<TilePublishOp>(op)) {
        publishes.push_back(publish);
        rings.insert(publish.getRing());
      } else if (auto claim = dyn_cast<TileClaimOp>(op)) {
        claims.push_back(claim);
      } else if (auto claimed = dyn_cast<TileClaimedOp>(op)) {
        claimeds.push_back(claimed);
      }
    });
    if (failed(collectReleaseRings(loads, releases)) ||
        failed(checkSignalRings(loads, releases, signals, publishes)))
      return failure();
    for (TileLoadAsyncOp load : loads)
      if (failed(checkCopy(load, launch)))
        return failure();
    if (failed(collectGatheredRings(loads)))
      return failure();
    if (failed(readClusterSize(loads, releases)) ||
        failed(checkClusterClaims(claims, claimeds, signals, publishes)))
      return failure();
    for (Value ring : rings)
      if (failed(initializeRing(ring)))
        return failure();
    if (clusterBlocks > 1)
      syncClusterBeforeExit();
    for (TileLoadAsyncOp load : loads)
      if (!load.isGathered())
        tensorMapFor(load, shareBoxTypeOf(load));
    if (failed(lowerBatches(loads)))
      return failure();
    for (TileWaitOp wait : waits)
      lowerWait(wait);
    for (TileReleaseOp release : releases)
      lowerRelease(release);
    for (TileSignalOp signal : signals)
      lowerSignal(signal);
    for (TilePublishOp publish : publishes)
      lowerPublish(publish);
    for (TileClaimOp claim : claims)
      lowerClaim(claim);
    for (TileClaimedOp claimed : claimeds)
      lowerClaimed(claimed);
    return success();
  }

private:
  gpu::LaunchOp launch;
  /// One map per (source, box type, swizzle).
  DenseMap<std::tuple<Value, Type, int64_t>, Value> tensorMaps;
  /// Rings that gathered copies complete on, and the threads that issue
  /// them (each arrives once a phase).
  DenseMap<Value, int64_t> gatheredRings;
  /// Rings of releases and the arrivals that complete a phase of each.
  DenseMap<Value, int64_t> releaseArrivals;
  /// Blocks of the launch's clusters (1 without clusters).
  int64_t clusterBlocks = 1;

  /// Multicast copies and cluster releases need a launch in clusters of
  /// exactly that many blocks (static sizes).
  LogicalResult readClusterSize(ArrayRef<TileLoadAsyncOp> loads,
                                ArrayRef<TileReleaseOp> releases) {
    if (std::optional<gpu::KernelDim3> size =
            launch.getClusterSizeOperandValues()) {
      for (Value extent : {size->x, size->y, size->z}) {
        std::optional<int64_t> constant = getConstantIntValue(extent);
        if (!constant)
          return launch.emitOpError(
              "needs a static cluster size for its tile copies");
        clusterBlocks *= *constant;
      }
    }
    for (TileLoadAsyncOp load : loads)
      if (failed(checkSharedBy(load, load.getMulticast())))
        return failure();
    for (TileReleaseOp release : releases)
      if (failed(checkSharedBy(release, release.getCluster())))
        return failure();
    return success();
  }

  /// An op shared by `blocks` blocks needs clusters of exactly that many.
  LogicalResult checkSharedBy(Operation *op, int64_t blocks) {
    if (blocks == 1 || blocks == clusterBlocks)
      return success();
    return op->emitOpError("is shared by ")
           << blocks << " blocks but the launch's clusters have "
           << clusterBlocks;
  }

  /// Every block of the cluster, all threads: arrive, then wait.
  static void syncCluster(OpBuilder &b, Location loc) {
    NVVM::ClusterArriveOp::create(b, loc, /*aligned=*/nullptr);
    NVVM::ClusterWaitOp::create(b, loc, /*aligned=*/nullptr);
  }

  /// No block leaves while a peer may still copy into its shared memory or
  /// arrive on its mbarriers.
  void syncClusterBeforeExit() {
    Block &body = launch.getBody().front();
    OpBuilder b(body.getTerminator());
    syncCluster(b, launch.getLoc());
  }

  /// This block's rank in its cluster (i32).
  static Value clusterRank(OpBuilder &b, Location loc) {
    return NVVM::ClusterId::create(b, loc, b.getI32Type());
  }

  /// A ring is one of copy batches or one of releases; every release of a
  /// ring names the same arrival count.
  LogicalResult collectReleaseRings(ArrayRef<TileLoadAsyncOp> loads,
                                    ArrayRef<TileReleaseOp> releases) {
    for (TileReleaseOp release : releases) {
      auto [it, inserted] =
          releaseArrivals.try_emplace(release.getRing(), release.getArrivals());
      if (!inserted &&
          it->second != static_cast<int64_t>(release.getArrivals()))
        return release.emitOpError("names ")
               << release.getArrivals() << " arrivals where another release "
               << "of the ring names " << it->second;
    }
    for (TileLoadAsyncOp load : loads)
      if (releaseArrivals.contains(load.getReady()))
        return load.emitOpError("completes on a ring that moe.tile_release "
                                "also arrives on; use one ring for copies "
                                "and another for releases");
    return success();
  }

  /// One arrival per warp (its lane 0): whole warps reach a release, and
  /// 256 arrivals on one mbarrier word per step cost more than 8.
  void lowerRelease(TileReleaseOp release) {
    OpBuilder b(release);
    Location loc = release.getLoc();
    Value lane = gpu::LaneIdOp::create(b, loc, /*upper_bound=*/nullptr);
    Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane,
                                        indexConstant(b, loc, 0));
    auto ifOp = scf::IfOp::create(b, loc, TypeRange(), first,
                                  /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value local = mbarrierPointer(b, loc, release.getRing(), release.getSlot());
    int64_t cluster = release.getCluster();
    if (cluster == 1) {
      NVVM::MBarrierArriveOp::create(b, loc, b.getI64Type(), local);
      release.erase();
      return;
    }
    // The slot's mbarrier in every block of the cluster, ours included.
    // Release at CTA scope, as for a local slot: the arrival publishes no
    // data, only that this warp's reads of the slot (wgmma, waited for)
    // are done. A cluster-scope release makes each arriving thread wait
    // for all its outstanding memory operations to become visible to the
    // cluster (the previous tile's epilogue stores included) at every K
    // step: ncu measured 45% of the cycles stalled on that memory barrier
    // (docs/performance.md, 5k).
    for (int64_t rank = 0; rank < cluster; ++rank) {
      Value remote = inPeerBlock(
          b, loc, local, arith::ConstantIntOp::create(b, loc, rank, 32));
      NVVM::MBarrierArriveOp::create(b, loc, Type(), remote, Value(),
                                     NVVM::MemScopeKind::CTA);
    }
    release.erase();
  }

  /// A signalled ring (one arrival a phase) takes no copies and no
  /// releases: those count their arrivals differently.
  static LogicalResult checkSignalRings(ArrayRef<TileLoadAsyncOp> loads,
                                        ArrayRef<TileReleaseOp> releases,
                                        ArrayRef<TileSignalOp> signals,
                                        ArrayRef<TilePublishOp> publishes) {
    DenseSet<Value> signalled;
    for (TileSignalOp signal : signals)
      signalled.insert(signal.getRing());
    for (TilePublishOp publish : publishes)
      signalled.insert(publish.getRing());
    for (TileLoadAsyncOp load : loads)
      if (signalled.contains(load.getReady()))
        return load.emitOpError("completes on a ring that moe.tile_signal "
                                "also arrives on");
    for (TileReleaseOp release : releases)
      if (signalled.contains(release.getRing()))
        return release.emitOpError("arrives on a ring that moe.tile_signal "
                                   "also arrives on");
    return success();
  }

  /// Claims shared by a cluster, and arrivals or words for a peer block,
  /// need a launch in clusters (of exactly that many blocks for claims).
  LogicalResult checkClusterClaims(ArrayRef<TileClaimOp> claims,
                                   ArrayRef<TileClaimedOp> claimeds,
                                   ArrayRef<TileSignalOp> signals,
                                   ArrayRef<TilePublishOp> publishes) {
    for (TileClaimOp claim : claims)
      if (failed(checkSharedBy(claim, claim.getCluster())))
        return failure();
    for (TileClaimedOp claimed : claimeds)
      if (failed(checkSharedBy(claimed, claimed.getCluster())))
        return failure();
    for (TileSignalOp signal : signals)
      if (signal.getRank() && clusterBlocks == 1)
        return signal.emitOpError("arrives on a peer block's slot but the "
                                  "launch has no clusters");
    for (TilePublishOp publish : publishes)
      if (clusterBlocks == 1)
        return publish.emitOpError("writes into a peer block but the launch "
                                   "has no clusters");
    return success();
  }

  /// `pointer` (shared memory of this block) in block `rank` (i32, or an
  /// index) of the cluster.
  static Value inPeerBlock(OpBuilder &b, Location loc, Value pointer,
                           Value rank) {
    auto clusterPointer = LLVM::LLVMPointerType::get(
        b.getContext(),
        static_cast<unsigned>(NVVM::NVVMMemorySpace::SharedCluster));
    if (rank.getType().isIndex())
      rank = arith::IndexCastUIOp::create(b, loc, b.getI32Type(), rank);
    return NVVM::MapaOp::create(b, loc, clusterPointer, pointer, rank);
  }

  /// One arrival (release semantics: the thread's earlier writes to shared
  /// memory are seen by the threads whose wait returns); on a peer block's
  /// slot at cluster scope with `rank`.
  static void lowerSignal(TileSignalOp signal) {
    OpBuilder b(signal);
    Location loc = signal.getLoc();
    Value local = mbarrierPointer(b, loc, signal.getRing(), signal.getSlot());
    if (!signal.getRank()) {
      NVVM::MBarrierArriveOp::create(b, loc, b.getI64Type(), local);
      signal.erase();
      return;
    }
    Value remote = inPeerBlock(b, loc, local, signal.getRank());
    NVVM::MBarrierArriveOp::create(b, loc, Type(), remote, Value(),
                                   NVVM::MemScopeKind::CLUSTER);
    signal.erase();
  }

  /// The word into the peer block's buffer, then the cluster-scope arrival
  /// on the peer's slot (which releases the store to the peer's waiters).
  static void lowerPublish(TilePublishOp publish) {
    OpBuilder b(publish);
    Location loc = publish.getLoc();
    Value word =
        pointerTo(b, loc, publish.getWords(), publish.getSlot(),
                  /*elementBytes=*/4,
                  static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
    LLVM::StoreOp::create(b, loc, publish.getValue(),
                          inPeerBlock(b, loc, word, publish.getRank()));
    Value barrier =
        mbarrierPointer(b, loc, publish.getRing(), publish.getSlot());
    NVVM::MBarrierArriveOp::create(
        b, loc, Type(), inPeerBlock(b, loc, barrier, publish.getRank()),
        Value(), NVVM::MemScopeKind::CLUSTER);
    publish.erase();
  }

  /// Thread 0 claims: slot[0] = offset + atomic_add(counter[word], 1); in a
  /// cluster, thread 0 of block 0, into the slot of every block.
  void lowerClaim(TileClaimOp claim) {
    OpBuilder b(claim);
    Location loc = claim.getLoc();
    Value claims = isLeader(b, loc);
    int64_t cluster = claim.getCluster();
    if (cluster > 1)
      claims = arith::AndIOp::create(
          b, loc, claims,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                clusterRank(b, loc),
                                arith::ConstantIntOp::create(b, loc, 0, 32)));
    auto ifOp = scf::IfOp::create(b, loc, TypeRange(), claims,
                                  /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value next = claim.createAtomicClaim(b);
    if (cluster == 1) {
      memref::StoreOp::create(b, loc, next, claim.getSlot(),
                              ValueRange{indexConstant(b, loc, 0)});
      claim.erase();
      return;
    }
    Value slot =
        pointerTo(b, loc, claim.getSlot(), Value(),
                  /*elementBytes=*/4,
                  static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
    for (int64_t rank = 0; rank < cluster; ++rank)
      LLVM::StoreOp::create(
          b, loc, next, inPeerBlock(b, loc, slot, indexConstant(b, loc, rank)));
    claim.erase();
  }

  /// The block (the cluster) meets, reads the claim, and meets again so
  /// that nobody still reads the slot when it is claimed into next.
  static void lowerClaimed(TileClaimedOp claimed) {
    OpBuilder b(claimed);
    Location loc = claimed.getLoc();
    bool cluster = claimed.getCluster() > 1;
    auto meet = [&] {
      if (cluster)
        syncCluster(b, loc);
      else
        gpu::BarrierOp::create(b, loc);
    };
    meet();
    Value word = memref::LoadOp::create(b, loc, claimed.getSlot(),
                                        ValueRange{indexConstant(b, loc, 0)});
    meet();
    Value tile = arith::IndexCastOp::create(b, loc, b.getIndexType(), word);
    claimed.replaceAllUsesWith(tile);
    claimed.erase();
  }

  /// Whether a gathered copy goes as one TMA copy a row: when a
  /// warp-specialized producer issues it (`threads`, so the rows spread
  /// over that many threads) and its source has a host-encoded tensor map.
  /// TMA zero-fills rows without a source (a coordinate out of bounds) and
  /// swizzles each row by its shared address, as for a whole box, and the
  /// slot's mbarrier counts the bytes: no per-thread arrivals, no proxy
  /// fence for wgmma. Other gathered copies are per-thread cp.async.
  bool copiesRowsByTma(TileLoadAsyncOp load) {
    return load.isGathered() && load.getThreads() != 0 &&
           !launch.getBody().isAncestor(load.getSource().getParentRegion());
  }

  /// The threads that issue the copies of each ring with gathered copies:
  /// the copies' `threads`, the same for every copy of the ring, or the
  /// whole block (whose size must then be static: it is the mbarriers'
  /// arrival count).
  LogicalResult collectGatheredRings(ArrayRef<TileLoadAsyncOp> loads) {
    DenseMap<Value, int64_t> issuers;
    for (TileLoadAsyncOp load : loads) {
      if (!load.isGathered())
        continue;
      issuers.try_emplace(load.getReady(), load.getThreads());
      if (!copiesRowsByTma(load))
        gatheredRings.try_emplace(load.getReady(), load.getThreads());
    }
    for (TileLoadAsyncOp load : loads) {
      auto it = issuers.find(load.getReady());
      if (it == issuers.end())
        continue;
      if (it->second != load.getThreads())
        return load.emitOpError("is issued by ")
               << load.getThreads() << " threads (0: the block) where a "
               << "gathered copy on the same ring is issued by " << it->second;
    }
    for (auto &[ring, threads] : gatheredRings) {
      if (threads != 0)
        continue;
      threads = 1;
      for (Value size : {launch.getBlockSizeX(), launch.getBlockSizeY(),
                         launch.getBlockSizeZ()}) {
        std::optional<int64_t> constant = getConstantIntValue(size);
        if (!constant)
          return launch.emitOpError(
              "needs a static block size for gathered tile copies");
        threads *= *constant;
      }
    }
    return success();
  }

  /// The thread's index in the block.
  Value linearThreadId(OpBuilder &b, Location loc) {
    gpu::KernelDim3 tid = launch.getThreadIds();
    gpu::KernelDim3 size = launch.getBlockSize();
    Value zy = arith::AddIOp::create(
        b, loc, tid.y, arith::MulIOp::create(b, loc, size.y, tid.z));
    return arith::AddIOp::create(b, loc, tid.x,
                                 arith::MulIOp::create(b, loc, size.x, zy));
  }

  Value isLeader(OpBuilder &b, Location loc) {
    gpu::KernelDim3 tid = launch.getThreadIds();
    Value zero = indexConstant(b, loc, 0);
    Value leader;
    for (Value id : {tid.x, tid.y, tid.z}) {
      Value isZero =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, id, zero);
      leader = leader ? arith::AndIOp::create(b, loc, leader, isZero) : isZero;
    }
    return leader;
  }

  /// Thread 0 initializes every slot's mbarrier right after the ring is
  /// created (one arrival: its own expect_tx; plus one per thread when
  /// gathered copies complete on the ring); a block barrier publishes them.
  LogicalResult initializeRing(Value ring) {
    Operation *def = ring.getDefiningOp();
    if (!def || def->getBlock() != &launch.getBody().front())
      return emitError(ring.getLoc(),
                       "ready ring must be created at the top level of the "
                       "kernel, where it is initialized");
    OpBuilder b(def->getContext());
    b.setInsertionPointAfter(def);
    Location loc = ring.getLoc();
    int64_t slots = cast<MemRefType>(ring.getType()).getDimSize(0);
    auto ifOp = scf::IfOp::create(b, loc, TypeRange(), isLeader(b, loc),
                                  /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      int64_t arrivals = 1 + gatheredRings.lookup(ring);
      if (auto it = releaseArrivals.find(ring); it != releaseArrivals.end())
        arrivals = it->second / kWarpSize;
      Value count = arith::ConstantIntOp::create(b, loc, arrivals, 32);
      for (int64_t slot = 0; slot < slots; ++slot)
        NVVM::MBarrierInitOp::create(
            b, loc, mbarrierPointer(b, loc, ring, indexConstant(b, loc, slot)),
            count, Value());
      // Peers arrive on and copy into these mbarriers.
      if (clusterBlocks > 1)
        NVVM::FenceMbarrierInitOp::create(b, loc);
    }
    if (clusterBlocks > 1)
      syncCluster(b, loc);
    else
      gpu::BarrierOp::create(b, loc);
    return success();
  }

  /// The tensor map of `load`'s source and box, encoded before the launch,
  /// as the `!llvm.ptr` the TMA instructions take.
  Value tensorMapFor(TileLoadAsyncOp load) {
    return tensorMapFor(load, boxTypeOf(load));
  }

  /// `source` as the tensor map encoder should see it. Upstream's
  /// nvgpu.tma.create.descriptor lowering knows no 8-bit float element
  /// type (it passes the bf16 code for f8E4M3FN, and the encoder then
  /// checks a box twice as wide as the kernel's), while the TMA itself only
  /// moves bytes: an 8-bit float memref is encoded as the same memref of
  /// ui8. The cast is between two memref types of one LLVM descriptor
  /// struct, so it folds away in reconcile-unrealized-casts.
  static Value asTensorMapSource(OpBuilder &b, Location loc, Value source) {
    auto type = cast<MemRefType>(source.getType());
    auto floatType = dyn_cast<FloatType>(type.getElementType());
    if (!floatType || floatType.getWidth() != 8)
      return source;
    auto bytesType = MemRefType::get(
        type.getShape(),
        IntegerType::get(b.getContext(), 8, IntegerType::Unsigned),
        type.getLayout(), type.getMemorySpace());
    return UnrealizedConversionCastOp::create(b, loc, bytesType, source)
        .getResult(0);
  }

  Value tensorMapFor(TileLoadAsyncOp load, MemRefType boxType) {
    auto key = std::make_tuple(load.getSource(), Type(boxType),
                               static_cast<int64_t>(load.getSwizzle()));
    Value &map = tensorMaps[key];
    if (map)
      return map;
    OpBuilder b(launch);
    Location loc = load.getLoc();
    Value source = asTensorMapSource(b, loc, load.getSource());
    auto sourceType = cast<MemRefType>(source.getType());
    Value unranked = memref::CastOp::create(
        b, loc,
        UnrankedMemRefType::get(sourceType.getElementType(),
                                sourceType.getMemorySpace()),
        source);
    SmallVector<Value> box;
    for (int64_t extent : boxType.getShape())
      box.push_back(indexConstant(b, loc, extent));
    auto mapType = nvgpu::TensorMapDescriptorType::get(
        b.getContext(), boxType, tensorMapSwizzle(load.getSwizzle()),
        nvgpu::TensorMapL2PromoKind::L2PROMO_256B,
        nvgpu::TensorMapOOBKind::OOB_ZERO,
        nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
    Value descriptor =
        nvgpu::TmaCreateDescriptorOp::create(b, loc, mapType, unranked, box);
    map = UnrealizedConversionCastOp::create(
              b, loc, LLVM::LLVMPointerType::get(b.getContext()), descriptor)
              .getResult(0);
    return map;
  }

  /// Whether `load` continues the batch ending in `last`: same block, same
  /// ring slot, and only side-effect-free ops (views, index math) between.
  static bool continuesBatch(TileLoadAsyncOp last, TileLoadAsyncOp load) {
    if (last->getBlock() != load->getBlock() ||
        last.getReady() != load.getReady() || last.getSlot() != load.getSlot())
      return false;
    for (Operation *op = last->getNextNode(); op && op != load;
         op = op->getNextNode())
      if (!isMemoryEffectFree(op))
        return false;
    return last->isBeforeInBlock(load);
  }

  /// Splits `loads` (in program order) into batches and lowers each.
  LogicalResult lowerBatches(ArrayRef<TileLoadAsyncOp> loads) {
    SmallVector<SmallVector<TileLoadAsyncOp>> batches;
    for (TileLoadAsyncOp load : loads) {
      if (!batches.empty() && continuesBatch(batches.back().back(), load))
        batches.back().push_back(load);
      else
        batches.push_back({load});
    }
    if (failed(checkOneBatchPerWait(batches)))
      return failure();
    for (ArrayRef<TileLoadAsyncOp> batch : batches)
      lowerBatch(batch);
    return success();
  }

  /// Two batches on one ring slot in a block need a wait on the slot between
  /// them: otherwise the slot's mbarrier would see two arrivals in one phase
  /// (a batch split by an op with side effects looks like that too).
  static LogicalResult
  checkOneBatchPerWait(ArrayRef<SmallVector<TileLoadAsyncOp>> batches) {
    DenseSet<Block *> blocks;
    DenseSet<Operation *> batchStarts;
    for (ArrayRef<TileLoadAsyncOp> batch : batches) {
      blocks.insert(batch.front()->getBlock());
      batchStarts.insert(batch.front());
    }
    for (Block *block : blocks) {
      DenseSet<std::pair<Value, Value>> pending;
      for (Operation &op : *block) {
        if (auto wait = dyn_cast<TileWaitOp>(op)) {
          pending.erase({wait.getReady(), wait.getSlot()});
          continue;
        }
        auto load = dyn_cast<TileLoadAsyncOp>(op);
        if (!load || !batchStarts.contains(load))
          continue;
        if (!pending.insert({load.getReady(), load.getSlot()}).second)
          return load.emitOpError(
              "starts a second batch on a ring slot with no moe.tile_wait "
              "on it since the last one (the copies of one batch must not "
              "be split by ops with side effects)");
      }
    }
    return success();
  }

  /// Issues the batch where its last copy is (every operand is defined by
  /// then): thread 0's expect_tx and TMA copies, then every thread's share
  /// of the gathered copies.
  void lowerBatch(ArrayRef<TileLoadAsyncOp> batch) {
    TileLoadAsyncOp first = batch.front();
    OpBuilder b(batch.back());
    Location loc = first.getLoc();
    int64_t tmaBytes = 0;
    for (TileLoadAsyncOp load : batch)
      if (!load.isGathered() || copiesRowsByTma(load))
        tmaBytes += load.getBoxBytes();
    auto ifOp = scf::IfOp::create(b, loc, TypeRange(), isLeader(b, loc),
                                  /*withElseRegion=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    Value barrier = mbarrierPointer(b, loc, first.getReady(), first.getSlot());
    NVVM::MBarrierArriveExpectTxOp::create(
        b, loc, Type(), barrier,
        arith::ConstantIntOp::create(b, loc, tmaBytes, 32),
        NVVM::MemScopeKind::CTA, false, Value());
    for (TileLoadAsyncOp load : batch)
      if (!load.isGathered())
        issueTmaCopy(b, load, barrier);
    b.setInsertionPointAfter(ifOp);
    for (TileLoadAsyncOp load : batch)
      if (copiesRowsByTma(load))
        issueRowTmaCopies(b, load);
    if (gatheredRings.contains(first.getReady())) {
      bool gathered = false;
      for (TileLoadAsyncOp load : batch)
        if (load.isGathered()) {
          issueGatheredCopy(b, load);
          gathered = true;
        }
      // On a ring with gathered copies every thread arrives once a phase:
      // when its copies have landed, or at once in a batch without any.
      Value threadBarrier =
          mbarrierPointer(b, loc, first.getReady(), first.getSlot());
      if (gathered)
        NVVM::CpAsyncMBarrierArriveOp::create(b, loc, threadBarrier,
                                              /*noinc=*/true);
      else
        NVVM::MBarrierArriveOp::create(b, loc, b.getI64Type(), threadBarrier);
    }
    for (TileLoadAsyncOp load : batch)
      load.erase();
  }

  /// The box one block copies: the whole box, or with `multicast = N` its
  /// share of 1/N of the outermost rows of `dest`.
  static MemRefType shareBoxTypeOf(TileLoadAsyncOp load) {
    MemRefType box = boxTypeOf(load);
    int64_t shared = load.getMulticast();
    if (shared == 1)
      return box;
    SmallVector<int64_t> shape(box.getShape());
    shape[shape.size() - load.getDest().getType().getRank()] /= shared;
    return MemRefType::get(shape, box.getElementType(), box.getLayout(),
                           box.getMemorySpace());
  }

  void issueTmaCopy(OpBuilder &b, TileLoadAsyncOp load, Value barrier) {
    Location loc = load.getLoc();
    MemRefType destType = load.getDest().getType();
    int64_t elementBytes = destType.getElementTypeBitWidth() / 8;
    int64_t shared = load.getMulticast();
    MemRefType shareBox = shareBoxTypeOf(load);
    // With multicast, this block's share: rank * rows / N rows further in
    // the source and rank * share bytes further in dest.
    Value rank;
    if (shared > 1)
      rank = arith::IndexCastUIOp::create(b, loc, b.getIndexType(),
                                          clusterRank(b, loc));
    Value destOffset;
    if (rank)
      destOffset = arith::MulIOp::create(
          b, loc, rank,
          indexConstant(b, loc, destType.getNumElements() / shared));
    // The instruction takes a shared::cluster address; our own block's
    // shared::cta address converts to one.
    Value dest = LLVM::AddrSpaceCastOp::create(
        b, loc,
        LLVM::LLVMPointerType::get(
            b.getContext(),
            static_cast<unsigned>(NVVM::NVVMMemorySpace::SharedCluster)),
        pointerTo(b, loc, load.getDest(), destOffset, elementBytes,
                  static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared)));
    // Coordinates go innermost first, as signed 32-bit integers.
    SmallVector<Value> indices(load.getIndices());
    if (rank) {
      size_t outer = indices.size() - destType.getRank();
      Value rows = indexConstant(b, loc, destType.getDimSize(0) / shared);
      indices[outer] = arith::AddIOp::create(
          b, loc, indices[outer], arith::MulIOp::create(b, loc, rank, rows));
    }
    SmallVector<Value> coordinates;
    for (Value index : llvm::reverse(indices))
      coordinates.push_back(
          arith::IndexCastOp::create(b, loc, b.getI32Type(), index));
    Value mask;
    if (shared > 1)
      mask = arith::ConstantIntOp::create(b, loc, (1 << shared) - 1, 16);
    NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
        b, loc, dest, tensorMapFor(load, shareBox), coordinates, barrier,
        ValueRange(), mask, l2Policy(b, loc, load.getL2()),
        NVVM::TMALoadMode::TILE, false, nullptr, Value());
  }

  /// The 64-bit L2 cache policy of `priority` (PTX `createpolicy`, which
  /// NVVM has no op for), or null for `normal`: no hint.
  static Value l2Policy(OpBuilder &b, Location loc, CachePriority priority) {
    if (priority == CachePriority::normal)
      return Value();
    std::string text = "createpolicy.fractional.L2::" +
                       stringifyCachePriority(priority).str() + ".b64 $0, 1.0;";
    return LLVM::InlineAsmOp::create(
               b, loc, b.getI64Type(), ValueRange(), text, "=l",
               /*has_side_effects=*/false, /*is_align_stack=*/false,
               LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
               ArrayAttr())
        .getResult(0);
  }

  /// This thread's rows of a gathered box as TMA copies of one row each:
  /// rows r = thread, thread + T, ... (T = the copy's threads), unrolled
  /// when each thread has the same few rows. Row r comes from source row
  /// row_index[indices[0] + r] / divisor, or from row -1 (out of bounds:
  /// zeros) where there is none.
  void issueRowTmaCopies(OpBuilder &b, TileLoadAsyncOp load) {
    Location loc = load.getLoc();
    MemRefType destType = load.getDest().getType();
    int64_t rows = destType.getDimSize(0);
    int64_t rowElements = destType.getDimSize(1);
    int64_t elementBytes = destType.getElementTypeBitWidth() / 8;
    int64_t threads = load.getThreads();
    KernelBuilder k(b, loc);
    auto c = [&](int64_t v) { return k.index(v); };
    Value map = tensorMapFor(load, MemRefType::get({1, rowElements},
                                                   destType.getElementType(),
                                                   MemRefLayoutAttrInterface(),
                                                   destType.getMemorySpace()));
    Value barrier = mbarrierPointer(b, loc, load.getReady(), load.getSlot());
    Value rowIndex = load.getRowIndex();
    Value numIndices = memref::DimOp::create(b, loc, rowIndex, 0);
    Value column = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                              load.getIndices()[1]);
    auto copyRow = [&](OpBuilder &b, Value row) {
      KernelBuilder k(b, loc);
      Value index = readRowIndex(
          k, rowIndex, moe::add(k, load.getIndices()[0], row), numIndices);
      Value none = arith::ConstantIntOp::create(b, loc, -1, 32);
      // A negative index has no source row (-1 / divisor would be 0).
      Value sourceRow = arith::SelectOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index,
                                arith::ConstantIntOp::create(b, loc, 0, 32)),
          arith::DivSIOp::create(
              b, loc, index,
              arith::ConstantIntOp::create(b, loc, load.getIndexDivisor(), 32)),
          none);
      Value dest = LLVM::AddrSpaceCastOp::create(
          b, loc,
          LLVM::LLVMPointerType::get(
              b.getContext(),
              static_cast<unsigned>(NVVM::NVVMMemorySpace::SharedCluster)),
          pointerTo(b, loc, load.getDest(), moe::mul(k, row, c(rowElements)),
                    elementBytes,
                    static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared)));
      NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
          b, loc, dest, map, ValueRange{column, sourceRow}, barrier,
          ValueRange(), Value(), l2Policy(b, loc, load.getL2()),
          NVVM::TMALoadMode::TILE, false, nullptr, Value());
    };
    Value tid = linearThreadId(b, loc);
    if (rows % threads == 0 && rows / threads <= kMaxUnrolledChunks) {
      for (int64_t j = 0; j < rows / threads; ++j)
        copyRow(b, moe::add(k, tid, c(j * threads)));
      return;
    }
    auto loop = scf::ForOp::create(b, loc, tid, c(rows), c(threads));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    copyRow(b, loop.getInductionVar());
  }

  /// This thread's 16-byte chunks of a gathered box: chunk i (row i / C,
  /// chunk i % C of the row, C chunks a row) for i = thread, thread + T, ...
  /// (T issuing threads). When every thread has the same few chunks, the
  /// loop is unrolled and the row indices are all loaded before the first
  /// copy, so their latencies overlap.
  void issueGatheredCopy(OpBuilder &b, TileLoadAsyncOp load) {
    Location loc = load.getLoc();
    MemRefType destType = load.getDest().getType();
    int64_t elementBytes = destType.getElementTypeBitWidth() / 8;
    int64_t rowBytes = destType.getShape().back() * elementBytes;
    int64_t chunksPerRow = rowBytes / 16;
    int64_t chunks = destType.getDimSize(0) * chunksPerRow;
    int64_t threads = gatheredRings.lookup(load.getReady());
    KernelBuilder k(b, loc);
    GatheredBox box(b, loc, load);
    Value tid = linearThreadId(b, loc);
    if (chunks % threads == 0 && chunks / threads <= kMaxUnrolledChunks) {
      SmallVector<Value> positions, indices;
      for (int64_t j = 0; j < chunks / threads; ++j) {
        positions.push_back(moe::add(k, tid, k.index(j * threads)));
        indices.push_back(box.sourceIndex(b, positions.back()));
      }
      for (auto [i, index] : llvm::zip(positions, indices))
        box.copy(b, i, index);
      return;
    }
    auto loop =
        scf::ForOp::create(b, loc, tid, k.index(chunks), k.index(threads));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value i = loop.getInductionVar();
    box.copy(b, i, box.sourceIndex(b, i));
  }

  /// What every chunk of a gathered box needs: the source's sizes, base
  /// and row stride, the row index, the destination and the box's origin.
  struct GatheredBox {
    GatheredBox(OpBuilder &b, Location loc, TileLoadAsyncOp load)
        : loc(loc), load(load) {
      MemRefType destType = load.getDest().getType();
      elementBytes = destType.getElementTypeBitWidth() / 8;
      rowBytes = destType.getShape().back() * elementBytes;
      chunksPerRow = rowBytes / 16;
      swizzleMask = load.getSwizzle() / 16 - 1;
      KernelBuilder k(b, loc);
      Value source = load.getSource();
      auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, source);
      numRows = metadata.getSizes()[0];
      numCols = metadata.getSizes()[1];
      rowStride = metadata.getStrides()[0];
      sourceBase = moe::add(
          k, memref::ExtractAlignedPointerAsIndexOp::create(b, loc, source),
          moe::mul(k, metadata.getOffset(), k.index(elementBytes)));
      numIndices = memref::DimOp::create(b, loc, load.getRowIndex(), 0);
      destBase =
          pointerTo(b, loc, load.getDest(), Value(), elementBytes,
                    static_cast<unsigned>(NVVM::NVVMMemorySpace::Shared));
    }

    /// row_index[position of chunk i's row] (index type), or -1 where the
    /// position is outside row_index.
    Value sourceIndex(OpBuilder &b, Value i) {
      KernelBuilder k(b, loc);
      Value row = divU(k, i, k.index(chunksPerRow));
      Value position = moe::add(k, load.getIndices()[0], row);
      return toIndex(k,
                     readRowIndex(k, load.getRowIndex(), position, numIndices));
    }

    /// Copies chunk i from source row index / divisor (zeros where there
    /// is none or the chunk is past the source's columns).
    void copy(OpBuilder &b, Value i, Value index) {
      KernelBuilder k(b, loc);
      auto c = [&](int64_t v) { return k.index(v); };
      Value row = divU(k, i, c(chunksPerRow));
      Value chunk = remU(k, i, c(chunksPerRow));
      Value sourceRow =
          arith::DivSIOp::create(b, loc, index, c(load.getIndexDivisor()));
      Value column = moe::add(k, load.getIndices()[1],
                              moe::mul(k, chunk, c(16 / elementBytes)));
      Value valid = moe::andI(
          k,
          moe::andI(k, cmpI(k, arith::CmpIPredicate::sge, index, c(0)),
                    cmpI(k, arith::CmpIPredicate::slt, sourceRow, numRows)),
          moe::andI(k, cmpI(k, arith::CmpIPredicate::sge, column, c(0)),
                    cmpI(k, arith::CmpIPredicate::slt, column, numCols)));
      // Bytes of the chunk inside the row; cp.async zero-fills the rest.
      Value remaining = moe::mul(
          k, arith::SubIOp::create(b, loc, numCols, column), c(elementBytes));
      Value bytes = select(
          k, valid, arith::MinSIOp::create(b, loc, remaining, c(16)), c(0));
      Value sourceAddress = select(
          k, valid,
          moe::add(
              k, sourceBase,
              moe::mul(k,
                       moe::add(k, moe::mul(k, sourceRow, rowStride), column),
                       c(elementBytes))),
          sourceBase);
      // TMA's swizzle: bits [4, 7) of the byte offset in the (1024-byte
      // aligned) tile xor its bits [7, 10), masked to the swizzle span.
      Value offset =
          moe::add(k, moe::mul(k, row, c(rowBytes)), moe::mul(k, chunk, c(16)));
      if (swizzleMask > 0) {
        Value bits = arith::AndIOp::create(
            b, loc, arith::ShRUIOp::create(b, loc, offset, c(7)),
            c(swizzleMask));
        offset = arith::XOrIOp::create(
            b, loc, offset, arith::ShLIOp::create(b, loc, bits, c(4)));
      }
      Value dest = LLVM::GEPOp::create(b, loc, destBase.getType(),
                                       b.getI8Type(), destBase,
                                       ValueRange{arith::IndexCastOp::create(
                                           b, loc, b.getI64Type(), offset)});
      Value src = LLVM::IntToPtrOp::create(
          b, loc,
          LLVM::LLVMPointerType::get(
              b.getContext(),
              static_cast<unsigned>(NVVM::NVVMMemorySpace::Global)),
          Value(arith::IndexCastUIOp::create(b, loc, b.getI64Type(),
                                             sourceAddress)));
      NVVM::CpAsyncOp::create(
          b, loc, dest, src, b.getI32IntegerAttr(16),
          NVVM::LoadCacheModifierKindAttr::get(b.getContext(),
                                               NVVM::LoadCacheModifierKind::CG),
          toI32(k, bytes));
    }

    Location loc;
    TileLoadAsyncOp load;
    int64_t elementBytes, rowBytes, chunksPerRow, swizzleMask;
    Value numRows, numCols, rowStride, sourceBase, numIndices, destBase;
  };

  void lowerWait(TileWaitOp wait) {
    OpBuilder b(wait);
    Location loc = wait.getLoc();
    Value parity =
        arith::IndexCastUIOp::create(b, loc, b.getI32Type(), wait.getParity());
    NVVM::MBarrierTryWaitParityOp::create(
        b, loc, mbarrierPointer(b, loc, wait.getReady(), wait.getSlot()),
        parity, arith::ConstantIntOp::create(b, loc, kWaitTicks, 32));
    // Tiles written by cp.async (generic proxy) are read by wgmma (async
    // proxy).
    if (gatheredRings.contains(wait.getReady()))
      NVVM::FenceProxyOp::create(
          b, loc, NVVM::ProxyKind::async_shared,
          NVVM::SharedSpaceAttr::get(b.getContext(),
                                     NVVM::SharedSpace::shared_cta));
    wait.erase();
  }
};

struct MoeCreateTmaDescriptorsPass
    : mlir::moe::impl::MoeCreateTmaDescriptorsBase<
          MoeCreateTmaDescriptorsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::LaunchOp> launches;
    llvm::SmallPtrSet<Operation *, 8> withTileOps;
    WalkResult result = module.walk([&](Operation *op) {
      if (isa<TileLoadOp>(op)) {
        op->emitOpError("is synchronous: run moe-pipeline-tile-loads first "
                        "to turn it into asynchronous copies");
        return WalkResult::interrupt();
      }
      if (!isa<TileLoadAsyncOp, TileWaitOp, TileReleaseOp, TileSignalOp,
               TilePublishOp, TileClaimOp, TileClaimedOp>(op))
        return WalkResult::advance();
      auto launch = op->getParentOfType<gpu::LaunchOp>();
      if (!launch) {
        op->emitOpError("must be inside a gpu.launch (run "
                        "moe-create-tma-descriptors before "
                        "gpu-kernel-outlining)");
        return WalkResult::interrupt();
      }
      if (withTileOps.insert(launch).second)
        launches.push_back(launch);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (gpu::LaunchOp launch : launches)
      if (failed(LaunchLowering(launch).run()))
        return signalPassFailure();
  }
};

} // namespace
