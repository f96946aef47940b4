//===- PipelineTileLoads.cpp - Tile loads of a loop onto a ring -----------===//
//
// moe-pipeline-tile-loads: software pipelining of a loop of synchronous tile
// loads (`moe.tile_load`) and the tile MMAs that read them. Each buffer the
// loads write becomes a ring of `stages` buffers; the loads become
// asynchronous copies (`moe.tile_load_async`) issued up to `stages` steps
// ahead, completing on a "full" ring of the same depth, and every slot is
// released on an "empty" ring once the MMAs that read it are done:
//
//   step0 = counter                          (steps of all earlier loops)
//   for j < min(stages, n): fill(step0 + j, j)
//   for i < n:
//     s = (step0 + i) % stages
//     moe.tile_wait full[s] parity (step0 + i) / stages % 2
//     ... the body, on slot s's buffers, tile MMAs with pending = 1 ...
//     if i >= 1:
//       moe.tile_release empty[(step0 + i - 1) % stages]
//       if i - 1 + stages < n: fill(step0 + i - 1 + stages, i - 1 + stages)
//   moe.tile_mma_wait (pending = 0); release the last step's slot
//   counter = step0 + n
//
//   fill(step, i): moe.tile_wait empty[step % stages] parity
//                  (step / stages + 1) % 2, then the body's loads of
//                  iteration i into slot step % stages
//
// The step counter (a per-thread scalar) carries the ring position from one
// run of the loop to the next, e.g. across the tiles of a persistent kernel.
//
// Loads multicast to a cluster of N blocks (`multicast = N`) write every
// block's slot, so a slot is free only once all N blocks are done with it:
// the releases then arrive in every block of the cluster (`cluster = N`).
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/Moe/IR/MoeOps.h"
#include "moe/Dialect/Moe/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEPIPELINETILELOADS
#include "moe/Dialect/Moe/Transforms/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

namespace {

MemRefType workgroupType(ArrayRef<int64_t> shape, Type element,
                         Attribute space) {
  return MemRefType::get(shape, element, MemRefLayoutAttrInterface(), space);
}

/// The tile_alloc that `buffer` is a view of (through memref.subview).
TileAllocOp findTileAlloc(Value buffer) {
  while (auto subview = buffer.getDefiningOp<memref::SubViewOp>())
    buffer = subview.getSource();
  return buffer.getDefiningOp<TileAllocOp>();
}

/// Index arithmetic at a builder's insertion point.
struct Ix {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value rem(Value x, int64_t y) {
    return arith::RemUIOp::create(b, loc, x, c(y));
  }
  Value div(Value x, int64_t y) {
    return arith::DivUIOp::create(b, loc, x, c(y));
  }
  Value ult(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
};

/// `op` cloned with `mapping`; a subview whose source changed type is
/// rebuilt so that its result type follows (the ring slot views have a
/// dynamic offset where the single buffer had none).
Operation *cloneRebased(OpBuilder &b, Operation &op, IRMapping &mapping) {
  auto subview = dyn_cast<memref::SubViewOp>(op);
  if (!subview || mapping.lookupOrDefault(subview.getSource()).getType() ==
                      subview.getSource().getType())
    return b.clone(op, mapping);
  auto offsets = llvm::map_to_vector(subview.getMixedOffsets(),
                                     [&](OpFoldResult ofr) -> OpFoldResult {
                                       if (auto v = dyn_cast<Value>(ofr))
                                         return mapping.lookupOrDefault(v);
                                       return ofr;
                                     });
  auto rebuilt = memref::SubViewOp::create(
      b, op.getLoc(), mapping.lookupOrDefault(subview.getSource()), offsets,
      subview.getMixedSizes(), subview.getMixedStrides());
  mapping.map(subview.getResult(), rebuilt.getResult());
  return rebuilt;
}

/// Replaces the uses of `from` inside `region` by `to`, rebuilding the
/// subviews on the way (their result types change with their source's).
void rebaseUses(Value from, Value to, Region &region) {
  for (OpOperand &use : llvm::make_early_inc_range(from.getUses())) {
    Operation *user = use.getOwner();
    if (!region.isAncestor(user->getParentRegion()))
      continue;
    auto subview = dyn_cast<memref::SubViewOp>(user);
    if (!subview) {
      use.set(to);
      continue;
    }
    OpBuilder b(subview);
    auto rebuilt = memref::SubViewOp::create(
        b, subview.getLoc(), to, subview.getMixedOffsets(),
        subview.getMixedSizes(), subview.getMixedStrides());
    rebaseUses(subview.getResult(), rebuilt.getResult(), region);
    if (subview->use_empty())
      subview->erase();
  }
}

class LoopPipeliner {
public:
  LoopPipeliner(scf::ForOp loop, int64_t stages) : loop(loop), stages(stages) {}

  LogicalResult run();

private:
  scf::ForOp loop;
  int64_t stages;
  gpu::LaunchOp launch;
  SmallVector<TileLoadOp> loads;
  /// The single buffers the loads write, and their rings.
  SmallVector<TileAllocOp> buffers;
  SmallVector<Value> rings;
  Value full, empty, counter;
  int64_t blockThreads = 1;
  /// Blocks that share the copies (their `multicast`); each releases a slot
  /// in all of them.
  int64_t cluster = 1;
  /// Pure ops of the body the loads depend on, in body order.
  SmallVector<Operation *> slice;

  LogicalResult collect();
  void createRings();
  /// The loads of iteration `iteration` into the slot of `step`.
  void fill(OpBuilder &b, Location loc, Value step, Value iteration);
  SmallVector<Value> slotViews(OpBuilder &b, Location loc, Value slot);
};

LogicalResult LoopPipeliner::collect() {
  launch = loop->getParentOfType<gpu::LaunchOp>();
  if (!launch)
    return loop.emitOpError("with tile loads must be inside a gpu.launch");
  std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (lower != 0 || step != 1)
    return loop.emitOpError("with tile loads must run from 0 by 1 to be "
                            "pipelined (normalize it first)");
  for (Value size : {launch.getBlockSizeX(), launch.getBlockSizeY(),
                     launch.getBlockSizeZ()}) {
    std::optional<int64_t> constant = getConstantIntValue(size);
    if (!constant)
      return launch.emitOpError(
          "needs a static block size to pipeline its tile loads");
    blockThreads *= *constant;
  }
  Block *body = loop.getBody();
  for (auto load : body->getOps<TileLoadOp>()) {
    loads.push_back(load);
    TileAllocOp alloc = findTileAlloc(load.getDest());
    if (!alloc || alloc->getParentRegion() != &launch.getBody())
      return load.emitOpError("must write a moe.tile_alloc buffer (or a "
                              "subview of one) created at the top level of "
                              "the kernel to be pipelined");
    if (!llvm::is_contained(buffers, alloc))
      buffers.push_back(alloc);
    if (load.getMulticast() > 1) {
      if (cluster > 1 && cluster != static_cast<int64_t>(load.getMulticast()))
        return load.emitOpError("multicast = ")
               << load.getMulticast() << " differs from another load's "
               << cluster << " in the same loop";
      cluster = load.getMulticast();
    }
  }
  // The body's ops that the loads depend on; they are cloned into every
  // fill, so they must be free of side effects.
  llvm::SetVector<Operation *> needed;
  SmallVector<Value> worklist;
  for (TileLoadOp load : loads)
    llvm::append_range(worklist, load->getOperands());
  while (!worklist.empty()) {
    Operation *def = worklist.pop_back_val().getDefiningOp();
    if (!def || def->getBlock() != body || !needed.insert(def))
      continue;
    if (!isMemoryEffectFree(def))
      return def->emitOpError("feeds a pipelined tile load but has side "
                              "effects; only pure ops may compute a tile "
                              "load's operands in its loop");
    llvm::append_range(worklist, def->getOperands());
  }
  for (Operation &op : *body)
    if (needed.contains(&op))
      slice.push_back(&op);
  return success();
}

void LoopPipeliner::createRings() {
  OpBuilder b = OpBuilder::atBlockBegin(&launch.getBody().front());
  Location loc = loop.getLoc();
  for (TileAllocOp buffer : buffers) {
    MemRefType type = buffer.getType();
    SmallVector<int64_t> shape = {stages};
    llvm::append_range(shape, type.getShape());
    rings.push_back(TileAllocOp::create(
        b, buffer.getLoc(),
        workgroupType(shape, type.getElementType(), type.getMemorySpace())));
  }
  Attribute space = buffers.front().getType().getMemorySpace();
  MemRefType ringType = workgroupType({stages}, b.getI64Type(), space);
  full = TileAllocOp::create(b, loc, ringType);
  empty = TileAllocOp::create(b, loc, ringType);
  // The ring position, carried from one run of the loop to the next.
  counter =
      memref::AllocaOp::create(b, loc, MemRefType::get({}, b.getIndexType()));
  memref::StoreOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, 0),
                          counter);
}

SmallVector<Value> LoopPipeliner::slotViews(OpBuilder &b, Location loc,
                                            Value slot) {
  SmallVector<Value> views;
  for (Value ring : rings) {
    auto type = cast<MemRefType>(ring.getType());
    SmallVector<OpFoldResult> offsets = {slot};
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    for (int64_t extent : type.getShape().drop_front()) {
      offsets.push_back(b.getIndexAttr(0));
      sizes.push_back(b.getIndexAttr(extent));
    }
    auto viewType = memref::SubViewOp::inferRankReducedResultType(
        type.getShape().drop_front(), type, offsets, sizes, strides);
    views.push_back(memref::SubViewOp::create(
        b, loc, cast<MemRefType>(viewType), ring, offsets, sizes, strides));
  }
  return views;
}

void LoopPipeliner::fill(OpBuilder &b, Location loc, Value step,
                         Value iteration) {
  Ix x{b, loc};
  Value slot = x.rem(step, stages);
  // The slot's previous use must be released; for a fresh ring the wait
  // for parity 1 (the phase before the first) returns at once.
  Value parity = x.rem(x.add(x.div(step, stages), x.c(1)), 2);
  TileWaitOp::create(b, loc, empty, slot, parity);
  IRMapping mapping;
  mapping.map(loop.getInductionVar(), iteration);
  for (auto [buffer, view] : llvm::zip(buffers, slotViews(b, loc, slot)))
    mapping.map(buffer.getResult(), view);
  for (Operation *op : slice)
    cloneRebased(b, *op, mapping);
  // The loads last, one after the other: one batch on the slot.
  for (TileLoadOp load : loads) {
    auto indices = llvm::map_to_vector(
        load.getIndices(), [&](Value v) { return mapping.lookupOrDefault(v); });
    Value rowIndex = load.getRowIndex()
                         ? mapping.lookupOrDefault(load.getRowIndex())
                         : Value();
    TileLoadAsyncOp::create(
        b, load.getLoc(), mapping.lookupOrDefault(load.getSource()), indices,
        mapping.lookupOrDefault(load.getDest()), full, slot, load.getSwizzle(),
        rowIndex, load.getIndexDivisor(), load.getMulticast(),
        /*threads=*/0, load.getL2());
  }
}

LogicalResult LoopPipeliner::run() {
  if (failed(collect()))
    return failure();
  createRings();
  Location loc = loop.getLoc();
  Value numIterations = loop.getUpperBound();

  // Prologue: the first `stages` steps in flight.
  OpBuilder b(loop);
  Ix x{b, loc};
  Value step0 = memref::LoadOp::create(b, loc, counter);
  Value prologue = arith::MinUIOp::create(b, loc, numIterations, x.c(stages));
  scf::ForOp::create(b, loc, x.c(0), prologue, x.c(1), ValueRange(),
                     [&](OpBuilder &nested, Location l, Value j, ValueRange) {
                       Ix y{nested, l};
                       fill(nested, l, y.add(step0, j), j);
                       scf::YieldOp::create(nested, l);
                     });

  // The body on slot s, after the wait for it.
  Block *body = loop.getBody();
  b.setInsertionPointToStart(body);
  Value iv = loop.getInductionVar();
  Value step = x.add(step0, iv);
  Value slot = x.rem(step, stages);
  TileWaitOp::create(b, loc, full, slot, x.rem(x.div(step, stages), 2));
  SmallVector<Value> views = slotViews(b, loc, slot);

  // Release the previous step's slot and refill it `stages` steps ahead.
  b.setInsertionPoint(body->getTerminator());
  Value hasPrevious =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, iv, x.c(1));
  auto ifPrevious = scf::IfOp::create(b, loc, hasPrevious, false);
  b.setInsertionPointToStart(ifPrevious.thenBlock());
  Value previous = x.sub(step, x.c(1));
  TileReleaseOp::create(b, loc, empty, x.rem(previous, stages),
                        blockThreads * cluster, cluster);
  Value ahead = x.add(x.sub(iv, x.c(1)), x.c(stages));
  auto ifRefill = scf::IfOp::create(b, loc, x.ult(ahead, numIterations), false);
  b.setInsertionPointToStart(ifRefill.thenBlock());
  fill(b, loc, x.add(previous, x.c(stages)), ahead);

  // The body reads the slot's buffers; the loads are gone.
  for (TileLoadOp load : loads)
    load.erase();
  for (auto [buffer, view] : llvm::zip(buffers, views))
    rebaseUses(buffer.getResult(), view, loop.getRegion());
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isOpTriviallyDead(&op))
      op.erase();
  // One step's MMAs stay in flight: the previous step's are done.
  int64_t mmasPerStep = 0;
  for (auto mma : body->getOps<TileMmaOp>()) {
    (void)mma;
    ++mmasPerStep;
  }
  if (mmasPerStep > 2)
    return loop.emitOpError("has ")
           << mmasPerStep << " tile MMAs a step; at most 2 can be pipelined";
  for (auto mma : body->getOps<TileMmaOp>())
    mma.setPending(mmasPerStep);

  // After the loop: every MMA done, then the last slot released.
  b.setInsertionPointAfter(loop);
  Operation *lastWait = loop;
  for (auto [index, result] : llvm::enumerate(loop.getResults())) {
    Value yielded = body->getTerminator()->getOperand(index);
    if (!yielded.getDefiningOp<TileMmaOp>())
      continue;
    TileMmaWaitOp wait;
    if (result.hasOneUse())
      wait = dyn_cast<TileMmaWaitOp>(*result.getUsers().begin());
    if (!wait || wait.getPending() != 0) {
      wait = TileMmaWaitOp::create(b, loc, result.getType(), result, 0);
      result.replaceAllUsesExcept(wait.getResult(), wait);
    }
    if (lastWait->isBeforeInBlock(wait))
      lastWait = wait;
  }
  b.setInsertionPointAfter(lastWait);
  Value end = x.add(step0, numIterations);
  memref::StoreOp::create(b, loc, end, counter);
  auto ifAny = scf::IfOp::create(b, loc, x.ult(x.c(0), numIterations), false);
  b.setInsertionPointToStart(ifAny.thenBlock());
  TileReleaseOp::create(b, loc, empty, x.rem(x.sub(end, x.c(1)), stages),
                        blockThreads * cluster, cluster);
  loop->removeAttr(kPipelineStagesAttr);
  // The single buffers, now unused, would take shared memory.
  for (TileAllocOp buffer : buffers)
    if (buffer->use_empty())
      buffer.erase();
  return success();
}

struct MoePipelineTileLoadsPass
    : mlir::moe::impl::MoePipelineTileLoadsBase<MoePipelineTileLoadsPass> {
  using MoePipelineTileLoadsBase::MoePipelineTileLoadsBase;

  void runOnOperation() override {
    SmallVector<scf::ForOp> loops;
    WalkResult result = getOperation()->walk([&](TileLoadOp load) {
      auto loop = dyn_cast<scf::ForOp>(load->getParentOp());
      if (!loop) {
        load.emitOpError("must be at the top level of an scf.for body to be "
                         "pipelined");
        return WalkResult::interrupt();
      }
      if (!llvm::is_contained(loops, loop))
        loops.push_back(loop);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (scf::ForOp loop : loops) {
      int64_t depth = stages;
      if (auto attr = loop->getAttrOfType<IntegerAttr>(kPipelineStagesAttr))
        depth = attr.getInt();
      if (depth < 2 || depth > 16) {
        loop.emitOpError("pipeline depth must be in [2, 16], got ") << depth;
        return signalPassFailure();
      }
      if (failed(LoopPipeliner(loop, depth).run()))
        return signalPassFailure();
    }
  }
};

} // namespace
