//===- PermuteKernels.cpp - align, permute, combine on the GPU ------------===//
//
// align and permute share a stable counting sort of the flat slots
// f = t * k + j by expert. A block's "owner" warps each take a contiguous
// chunk of slots; the table of per-warp expert counts lives in workgroup
// memory (in a global temporary when num_experts is too large for it).
//
//   1. count: each owner warp counts the experts of its chunk with integer
//      atomics (counts do not depend on order);
//   2. scan: per expert, an exclusive scan of the counts over the chunks in
//      slot order, and a block-wide exclusive scan of the (block_m-padded)
//      expert totals: the expert starts;
//   3. place: each owner warp walks its chunk in groups of 32 slots in
//      order; a lane's rank among the group's earlier lanes of its expert
//      comes from the mask of `match.any.sync` (one instruction, not 32
//      shuffles), and the first lane of each expert advances the warp's
//      cursor for it. A slot lands at start[e] +
//      the number of slots of e before it: within an expert, the flat order.
//
// Up to one block's worth of slots, one block does all three steps; beyond,
// three launches: per-block counts, a single-block scan over blocks and
// experts, then per-block recount and placement (temporary: the starts and
// per-block counts, a host memref.alloc that moe-device-allocations turns
// into gpu.alloc).
//
// The sort also records each slot's row (-1: dropped) in the op's slot_rows
// out when it has one, else, for permute, in a temporary. permute then
// scatters rows: one block per token reads x[t] once and writes it to its k
// rows (with scale_rows, times the slot's weight, in f32, rounded back), more
// blocks zero the rows without a source; permute_indices stops after the
// sort. combine with slot_rows is one kernel: one block per token sums its k
// rows in increasing j in f32. Without it, two kernels first invert src_index
// into a temporary with integer atomic minimums (the lowest row wins, as in
// the reference).
//
// The row copy and the sum take 16-byte chunks of columns (8 bf16/f16 or 4
// f32), then the rest of the row one column at a time, when every buffer they
// read or write allows 16-byte accesses (checked on the host at run time:
// addresses and row strides; VectorAccess.h); otherwise one column at a time.
//
//===----------------------------------------------------------------------===//

#include "FusedRouting.h"
#include "KernelBuilder.h"
#include "Patterns.h"
#include "VectorAccess.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>
#include <tuple>
#include <type_traits>

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr int64_t kWarpSize = 32;
/// Groups of 32 slots a sort warp loads at once (loads in flight together).
constexpr int64_t kGroupsPerStep = 4;
constexpr int64_t kSlotsPerStep = kWarpSize * kGroupsPerStep;
/// Columns each thread of permute's row copy loads at once.
constexpr int64_t kCopyUnroll = 4;
/// Steps of each owner warp in a block of the multi-block sort.
constexpr int64_t kStepsPerBlockWarp = 2;
/// 32-bit words of static workgroup memory a block may use (CUDA's 48 KiB).
constexpr int64_t kSharedWords = 48 * 1024 / 4;
/// Below this many owner warps, the sort keeps its table in global memory
/// instead, where every warp can own a chunk.
constexpr int64_t kMinSharedOwnerWarps = 8;
/// Largest num_experts the sort handles (its table and i32 keys).
constexpr int64_t kMaxExperts = int64_t(1) << 20;
/// Largest combine k: the block stages k rows and weights in workgroup memory.
constexpr int64_t kMaxCombineK = 2048;
/// Largest combine k whose terms a thread loads all at once (unrolled).
constexpr int64_t kMaxUnrolledCombineK = 16;
/// "No row" in combine's inverse of src_index.
constexpr int32_t kNoRow = std::numeric_limits<int32_t>::max();

//===----------------------------------------------------------------------===//
// IR helpers
//===----------------------------------------------------------------------===//

Value load(KernelBuilder &k, Value memref, ValueRange indices) {
  return memref::LoadOp::create(k.b(), k.getLoc(), memref, indices);
}
void store(KernelBuilder &k, Value value, Value memref, ValueRange indices) {
  memref::StoreOp::create(k.b(), k.getLoc(), value, memref, indices);
}
void barrier(KernelBuilder &k) { gpu::BarrierOp::create(k.b(), k.getLoc()); }

/// Lane `lane`'s (i32) `value`; every lane of the warp must execute it.
Value shuffleIdx(KernelBuilder &k, Value value, Value lane) {
  return gpu::ShuffleOp::create(k.b(), k.getLoc(), value, lane,
                                k.i32(kWarpSize), gpu::ShuffleMode::IDX)
      .getShuffleResult();
}

/// scf.if yielding the `thenBody` value or `elseValue` (of the same type);
/// the then branch may hold accesses that are only valid under `condition`.
Value ifThenElse(KernelBuilder &k, Value condition,
                 function_ref<Value(KernelBuilder &)> thenBody,
                 Value elseValue) {
  return ifThenElseValues(
      k, condition,
      [&](KernelBuilder &k) -> SmallVector<Value> { return {thenBody(k)}; },
      ValueRange{elseValue})[0];
}

/// The `index`-th workgroup buffer of the launch being built.
Value workgroupBuffer(KernelBuilder &k, unsigned index) {
  return getWorkgroupBuffer(k.b(), index);
}

MemRefType workgroupType(MLIRContext *context, int64_t size, Type element) {
  return getWorkgroupBufferType(context, size, element);
}

/// A block size from moe.config: a multiple of the warp size in [32, 1024].
int64_t getBlockSize(Operation *op, StringRef key, int64_t fallback) {
  int64_t threads = getConfigInt(op, key, fallback);
  threads = std::clamp<int64_t>(threads, kWarpSize, 1024);
  return threads / kWarpSize * kWarpSize;
}

/// The slot count `T * k` of ids [T, k], and `k` clamped to at least one so
/// that it can divide (it only divides slots below `T * k`, which exist only
/// when k >= 1).
std::pair<Value, Value> slotShape(KernelBuilder &k, Value ids) {
  Value perRow = k.dim(ids, 1);
  Value numSlots = mul(k, k.dim(ids, 0), perRow);
  return {numSlots, maxU(k, perRow, k.index(1))};
}

//===----------------------------------------------------------------------===//
// Stable counting sort of slots by expert (align, permute)
//===----------------------------------------------------------------------===//

/// Static shape of the sort. The block's table holds the per-owner-warp
/// expert counts [ownerWarps * E] (later the warps' cursors), then, in the
/// single-block kernel, the expert starts [E + 1] (the last: the total).
struct SortPlan {
  int64_t numExperts;
  /// Each expert's run is padded to a multiple of this (1: no padding).
  int64_t blockM;
  /// Threads of a block, a multiple of the warp size.
  int64_t threads;
  /// Warps that own a chunk of slots (the others only help with scans).
  int64_t ownerWarps;
  /// The table lives in workgroup memory (else in a global temporary, and
  /// only the single-block kernel is used).
  bool sharedTable;
  /// permute's optional [G] i32 map of ids to this rank's experts (-1:
  /// elsewhere), applied to every key.
  Value expertMap;
  /// The warp totals and the table in workgroup memory when the caller
  /// (the fused routing kernel) gives them; else the launch's first two
  /// workgroup buffers.
  Value warpTotals, table;

  int64_t numWarps() const { return threads / kWarpSize; }
  int64_t countsSize() const { return ownerWarps * numExperts; }
  int64_t tableSize() const { return countsSize() + numExperts + 1; }
  /// Slots of one block of the multi-block kernels.
  int64_t slotsPerBlock() const {
    return ownerWarps * kStepsPerBlockWarp * kSlotsPerStep;
  }
};

/// Takes as many owner warps as the table leaves room for in workgroup
/// memory (less `reservedWords` 32-bit words used by the rest of the
/// kernel); if that is too few, every warp owns a chunk and the table moves
/// to a global temporary.
SortPlan planSort(int64_t numExperts, int64_t blockM, int64_t threads,
                  int64_t reservedWords = 0) {
  SortPlan plan{numExperts, blockM, threads, 0, true};
  int64_t warps = plan.numWarps();
  int64_t room = kSharedWords - reservedWords - warps - (numExperts + 1);
  int64_t fits = room > 0 ? room / numExperts : 0;
  plan.ownerWarps = std::min(warps, fits);
  if (plan.ownerWarps < std::min(warps, kMinSharedOwnerWarps)) {
    plan.ownerWarps = warps;
    plan.sharedTable = false;
  }
  return plan;
}

/// Workgroup buffers of a sort kernel: the warp totals of the block scan,
/// then, with `table`, the block's table when it is in workgroup memory.
SmallVector<Type> sortWorkgroupTypes(MLIRContext *context, const SortPlan &plan,
                                     bool table) {
  Type i32 = IntegerType::get(context, 32);
  SmallVector<Type> types{workgroupType(context, plan.numWarps(), i32)};
  if (table && plan.sharedTable)
    types.push_back(workgroupType(context, plan.tableSize(), i32));
  return types;
}

/// Values of one sort kernel inside its launch. Sizes are read inside the
/// kernel, so that a static k makes the slot -> (t, j) division a constant
/// one.
struct SortState {
  SortPlan plan;
  Value ids;        ///< [T, k] i32
  Value numSlots;   ///< T * k
  Value perRow;     ///< k, at least 1
  Value counts;     ///< per-owner-warp counts/cursors, at 0
  Value starts;     ///< buffer of the expert starts [E + 1] ...
  Value startsBase; ///< ... from this index
  Value warpTotals; ///< [numWarps] workgroup, for the block scan
  Value threadId, blockId;
  Value lane, warp; ///< index
  Value laneI32;    ///< i32
  // The warp's chunk (counting and placing kernels only).
  Value steps;      ///< steps of kSlotsPerStep slots in a chunk
  Value isOwner;    ///< the warp owns a chunk
  Value chunkBegin; ///< first slot of the warp's chunk
};

/// The values every sort kernel has.
SortState startSort(KernelBuilder &k, const LaunchIds &ids,
                    const SortPlan &plan, Value expertIds) {
  Value warpSize = k.index(kWarpSize);
  SortState s;
  s.plan = plan;
  s.ids = expertIds;
  std::tie(s.numSlots, s.perRow) = slotShape(k, expertIds);
  s.warpTotals = plan.warpTotals ? plan.warpTotals : workgroupBuffer(k, 0);
  s.threadId = ids.threadId;
  s.blockId = ids.blockId;
  s.lane = remU(k, ids.threadId, warpSize);
  s.warp = divU(k, ids.threadId, warpSize);
  s.laneI32 = toI32(k, s.lane);
  s.isOwner =
      cmpI(k, arith::CmpIPredicate::ult, s.warp, k.index(plan.ownerWarps));
  return s;
}

/// Chunks of the single-block kernel: the slots split evenly (in whole
/// steps) over the owner warps.
void splitAllSlots(KernelBuilder &k, SortState &s) {
  s.steps = k.ceilDiv(s.numSlots, k.index(s.plan.ownerWarps * kSlotsPerStep));
  s.chunkBegin = mul(k, s.warp, mul(k, s.steps, k.index(kSlotsPerStep)));
}

/// Chunks of the multi-block kernels: block b owns slotsPerBlock slots from
/// b * slotsPerBlock, kStepsPerBlockWarp steps for each owner warp.
void splitBlockSlots(KernelBuilder &k, SortState &s) {
  s.steps = k.index(kStepsPerBlockWarp);
  Value warpSlots = k.index(kStepsPerBlockWarp * kSlotsPerStep);
  s.chunkBegin = add(k, mul(k, s.blockId, k.index(s.plan.slotsPerBlock())),
                     mul(k, s.warp, warpSlots));
}

/// expert_map[id] for an id in [0, G) of the map [G], else -1.
Value mapExpertId(KernelBuilder &k, Value expertMap, Value id) {
  // One op per statement: the IR must not depend on the order in which
  // the compiler evaluates function arguments.
  Value size = toI32(k, k.dim(expertMap, 0));
  Value nonNegative = cmpI(k, arith::CmpIPredicate::sge, id, k.i32(0));
  Value below = cmpI(k, arith::CmpIPredicate::slt, id, size);
  Value inMap = andI(k, nonNegative, below);
  // The load only where it is in bounds (the map may be empty).
  return ifThenElse(
      k, inMap,
      [&](KernelBuilder &k) { return load(k, expertMap, {toIndex(k, id)}); },
      k.i32(-1));
}

/// The sort key of slot `f`: its expert, or -1 when the warp owns no chunk,
/// `f` is past the slots or its id is outside [0, num_experts) (dropped).
/// The load itself is unconditional (of slot 0 when `f` is out of range, so
/// only valid while there are slots): several can be in flight at once.
Value loadKey(KernelBuilder &k, const SortState &s, Value f) {
  Value inRange =
      andI(k, s.isOwner, cmpI(k, arith::CmpIPredicate::ult, f, s.numSlots));
  Value slot = select(k, inRange, f, k.index(0));
  Value id = load(k, s.ids, {divU(k, slot, s.perRow), remU(k, slot, s.perRow)});
  if (s.plan.expertMap)
    id = mapExpertId(k, s.plan.expertMap, id);
  Value valid =
      andI(k, inRange,
           andI(k, cmpI(k, arith::CmpIPredicate::sge, id, k.i32(0)),
                cmpI(k, arith::CmpIPredicate::slt, id,
                     k.i32(static_cast<int32_t>(s.plan.numExperts)))));
  return select(k, valid, id, k.i32(-1));
}

/// The slots of this lane in step `step` of the warp's chunk (one per group)
/// and their keys, all loads issued before any is used.
std::pair<SmallVector<Value>, SmallVector<Value>>
loadStep(KernelBuilder &k, const SortState &s, Value step) {
  Value first = add(k, s.chunkBegin,
                    add(k, mul(k, step, k.index(kSlotsPerStep)), s.lane));
  SmallVector<Value> slots, keys;
  for (int64_t group = 0; group < kGroupsPerStep; ++group) {
    slots.push_back(add(k, first, k.index(group * kWarpSize)));
    keys.push_back(loadKey(k, s, slots.back()));
  }
  return {slots, keys};
}

/// Index of row `row`, expert `e` of a table of rows of E entries from
/// `base`.
Value tableSlot(KernelBuilder &k, const SortState &s, Value base, Value row,
                Value e) {
  return add(k, base, add(k, mul(k, row, k.index(s.plan.numExperts)), e));
}

/// start[e] (e <= E), i32.
Value loadStart(KernelBuilder &k, const SortState &s, Value e) {
  return load(k, s.starts, {add(k, s.startsBase, e)});
}

/// Zeroes the per-warp counts.
void zeroCounts(KernelBuilder &k, const SortState &s) {
  Value threads = k.index(s.plan.threads);
  k.forLoop(
      s.threadId, k.index(s.plan.countsSize()), threads,
      [&](KernelBuilder &k, Value i) { store(k, k.i32(0), s.counts, i); });
}

/// Each owner warp counts the experts of its chunk (integer atomics: the
/// counts do not depend on their order).
void countExperts(KernelBuilder &k, const SortState &s) {
  k.ifThen(s.isOwner, [&](KernelBuilder &k) {
    k.forLoop(
        k.index(0), s.steps, k.index(1), [&](KernelBuilder &k, Value step) {
          for (Value key : loadStep(k, s, step).second) {
            Value valid = cmpI(k, arith::CmpIPredicate::sge, key, k.i32(0));
            k.ifThen(valid, [&](KernelBuilder &k) {
              Value slot = tableSlot(k, s, k.index(0), s.warp, toIndex(k, key));
              memref::AtomicRMWOp::create(k.b(), k.getLoc(),
                                          arith::AtomicRMWKind::addi, k.i32(1),
                                          s.counts, slot);
            });
          }
        });
  });
}

/// Sum over `rows` rows of expert `e`'s column of a table at `base`.
Value sumColumn(KernelBuilder &k, const SortState &s, Value table, Value base,
                Value rows, Value e) {
  return forLoopCarrying(k, k.index(0), rows, k.index(1), {k.i32(0)},
                         [&](KernelBuilder &k, Value row,
                             ValueRange sum) -> SmallVector<Value> {
                           Value c =
                               load(k, table, tableSlot(k, s, base, row, e));
                           return {add(k, sum[0], c)};
                         })
      .front();
}

/// Replaces expert `e`'s column of a table at `base` by `init` plus its
/// exclusive prefix sums; returns the column's sum.
Value scanColumn(KernelBuilder &k, const SortState &s, Value table, Value base,
                 Value rows, Value e, Value init) {
  Value end = forLoopCarrying(k, k.index(0), rows, k.index(1), {init},
                              [&](KernelBuilder &k, Value row,
                                  ValueRange running) -> SmallVector<Value> {
                                Value slot = tableSlot(k, s, base, row, e);
                                Value c = load(k, table, slot);
                                store(k, running[0], table, slot);
                                return {add(k, running[0], c)};
                              })
                  .front();
  return sub(k, end, init);
}

/// Exclusive scan of one i32 per thread, in thread order; returns the
/// thread's prefix and the block total. Every thread must call it; it ends
/// after reading the warp totals, so their buffer is not reusable without a
/// barrier.
std::pair<Value, Value> blockExclusiveScan(KernelBuilder &k, const SortState &s,
                                           Value value) {
  Value inclusive = value;
  for (int32_t offset = 1; offset < kWarpSize; offset *= 2) {
    Value up =
        gpu::ShuffleOp::create(k.b(), k.getLoc(), inclusive, k.i32(offset),
                               k.i32(kWarpSize), gpu::ShuffleMode::UP)
            .getShuffleResult();
    Value hasUp = cmpI(k, arith::CmpIPredicate::uge, s.lane, k.index(offset));
    inclusive = add(k, inclusive, select(k, hasUp, up, k.i32(0)));
  }
  Value lastLane =
      cmpI(k, arith::CmpIPredicate::eq, s.lane, k.index(kWarpSize - 1));
  k.ifThen(lastLane, [&](KernelBuilder &k) {
    store(k, inclusive, s.warpTotals, s.warp);
  });
  barrier(k);
  SmallVector<Value> sums = forLoopCarrying(
      k, k.index(0), k.index(s.plan.numWarps()), k.index(1),
      {k.i32(0), k.i32(0)},
      [&](KernelBuilder &k, Value w, ValueRange acc) -> SmallVector<Value> {
        Value total = load(k, s.warpTotals, w);
        Value before = cmpI(k, arith::CmpIPredicate::ult, w, s.warp);
        return {add(k, acc[0], select(k, before, total, k.i32(0))),
                add(k, acc[1], total)};
      });
  Value exclusive = sub(k, add(k, sums[0], inclusive), value);
  return {exclusive, sums[1]};
}

/// `count` rounded up to a multiple of block_m.
Value padCount(KernelBuilder &k, const SortState &s, Value count) {
  if (s.plan.blockM == 1)
    return count;
  Value blockM = k.i32(static_cast<int32_t>(s.plan.blockM));
  Value blocks = divU(
      k, add(k, count, k.i32(static_cast<int32_t>(s.plan.blockM - 1))), blockM);
  return mul(k, blocks, blockM);
}

/// Writes the expert starts: exclusive prefix sums of the padded counts
/// `countOf(e)`, then the padded total, which it returns (i32). Each thread
/// handles a contiguous range of experts; one block only.
Value scanExperts(KernelBuilder &k, const SortState &s,
                  function_ref<Value(KernelBuilder &, Value)> countOf) {
  int64_t perThread = llvm::divideCeil(s.plan.numExperts, s.plan.threads);
  Value numExperts = k.index(s.plan.numExperts);
  Value begin = minU(k, mul(k, s.threadId, k.index(perThread)), numExperts);
  Value end = minU(k, add(k, begin, k.index(perThread)), numExperts);
  Value one = k.index(1);
  // The padded run lengths go to the starts for now.
  Value local =
      forLoopCarrying(
          k, begin, end, one, {k.i32(0)},
          [&](KernelBuilder &k, Value e, ValueRange acc) -> SmallVector<Value> {
            Value padded = padCount(k, s, countOf(k, e));
            store(k, padded, s.starts, add(k, s.startsBase, e));
            return {add(k, acc[0], padded)};
          })
          .front();
  Value prefix, total;
  std::tie(prefix, total) = blockExclusiveScan(k, s, local);
  forLoopCarrying(
      k, begin, end, one, {prefix},
      [&](KernelBuilder &k, Value e, ValueRange start) -> SmallVector<Value> {
        Value slot = add(k, s.startsBase, e);
        Value padded = load(k, s.starts, slot);
        store(k, start[0], s.starts, slot);
        return {add(k, start[0], padded)};
      });
  Value first = cmpI(k, arith::CmpIPredicate::eq, s.threadId, k.index(0));
  k.ifThen(first, [&](KernelBuilder &k) {
    store(k, total, s.starts, add(k, s.startsBase, numExperts));
  });
  return total;
}

/// Turns each expert's per-warp counts into the warps' cursors: the position
/// of the first slot of the expert in each warp's chunk, `runStart(e)` for
/// the first owner warp.
void setCursors(KernelBuilder &k, const SortState &s,
                function_ref<Value(KernelBuilder &, Value)> runStart) {
  Value rows = k.index(s.plan.ownerWarps);
  k.forLoop(s.threadId, k.index(s.plan.numExperts), k.index(s.plan.threads),
            [&](KernelBuilder &k, Value e) {
              scanColumn(k, s, s.counts, k.index(0), rows, e, runStart(k, e));
            });
}

/// The lanes of the warp whose key equals this lane's, as a bit mask: one
/// `match.any.sync` (sm_70+) over the full warp; every lane must execute it.
Value matchingLanes(KernelBuilder &k, Value key) {
  return NVVM::MatchSyncOp::create(k.b(), k.getLoc(), k.b().getI32Type(),
                                   k.i32(-1), key, NVVM::MatchSyncKind::any);
}

/// Called for every kept slot `f` (index) at its position `pos` (index) in
/// expert order.
/// What an op adds to the sort; all run in single-block kernels except
/// `place`.
struct SortHooks {
  /// Writes before any slot is placed (e.g. sentinels).
  std::function<void(KernelBuilder &, const SortState &)> prepare;
  /// Outputs of the expert starts; `total` is the padded total (i32).
  std::function<void(KernelBuilder &, const SortState &, Value total)>
      afterScan;
  /// Stores kept slot `f` (index) at position `pos` (index).
  std::function<void(KernelBuilder &, const SortState &, Value pos, Value f)>
      place;
  /// Optional: called once for every slot `f` (index) that is not kept.
  std::function<void(KernelBuilder &, const SortState &, Value f)> drop;
};

/// Places one group of 32 consecutive slots (one per lane) of the warp's
/// chunk: a lane's position is its expert's cursor plus its rank among the
/// group's earlier lanes of that expert.
void placeGroup(KernelBuilder &k, const SortState &s, Value f, Value key,
                const SortHooks &hooks) {
  Location loc = k.getLoc();
  Value mask = matchingLanes(k, key);
  Value below =
      sub(k, arith::ShLIOp::create(k.b(), loc, k.i32(1), s.laneI32), k.i32(1));
  Value rank = math::CtPopOp::create(
      k.b(), loc, arith::AndIOp::create(k.b(), loc, mask, below));
  Value count = math::CtPopOp::create(k.b(), loc, mask);
  // A lane always matches itself, so the mask is never zero.
  Value firstLane = math::CountTrailingZerosOp::create(k.b(), loc, mask);
  Value valid = cmpI(k, arith::CmpIPredicate::sge, key, k.i32(0));
  Value leads =
      andI(k, valid, cmpI(k, arith::CmpIPredicate::eq, rank, k.i32(0)));
  // The leading lane alone reads and advances the warp's cursor.
  Value base = ifThenElse(
      k, leads,
      [&](KernelBuilder &k) {
        Value slot = tableSlot(k, s, k.index(0), s.warp, toIndex(k, key));
        Value cursor = load(k, s.counts, slot);
        store(k, add(k, cursor, count), s.counts, slot);
        return cursor;
      },
      k.i32(0));
  Value groupBase = shuffleIdx(k, base, firstLane);
  k.ifThen(valid, [&](KernelBuilder &k) {
    hooks.place(k, s, toIndex(k, add(k, groupBase, rank)), f);
  });
  if (!hooks.drop)
    return;
  // A slot of this warp's chunk whose id is outside [0, num_experts).
  Value owned =
      andI(k, s.isOwner, cmpI(k, arith::CmpIPredicate::ult, f, s.numSlots));
  Value dropped =
      andI(k, owned, cmpI(k, arith::CmpIPredicate::slt, key, k.i32(0)));
  k.ifThen(dropped, [&](KernelBuilder &k) { hooks.drop(k, s, f); });
}

/// Stable placement. Every warp runs the same steps and groups (a barrier
/// ends each group), owner warps over their chunk in order.
void placeSlots(KernelBuilder &k, const SortState &s, const SortHooks &hooks) {
  k.forLoop(k.index(0), s.steps, k.index(1), [&](KernelBuilder &k, Value step) {
    auto [slots, keys] = loadStep(k, s, step);
    for (int64_t group = 0; group < kGroupsPerStep; ++group) {
      placeGroup(k, s, slots[group], keys[group], hooks);
      // Orders this group's cursor updates before the next group's reads.
      barrier(k);
    }
  });
}

/// The whole sort in the block running it (every thread of a block of
/// plan.threads): count, scan, place. `table` is the global table, or null
/// for a workgroup one.
void buildSingleBlockSortBody(KernelBuilder &k, const LaunchIds &launchIds,
                              const SortPlan &plan, Value ids, Value table,
                              const SortHooks &hooks) {
  SortState s = startSort(k, launchIds, plan, ids);
  splitAllSlots(k, s);
  s.counts = table ? table : plan.table ? plan.table : workgroupBuffer(k, 1);
  s.starts = s.counts;
  s.startsBase = k.index(plan.countsSize());
  zeroCounts(k, s);
  hooks.prepare(k, s);
  barrier(k);
  countExperts(k, s);
  barrier(k);
  Value rows = k.index(plan.ownerWarps);
  Value total = scanExperts(k, s, [&](KernelBuilder &k, Value e) {
    return sumColumn(k, s, s.counts, k.index(0), rows, e);
  });
  barrier(k);
  hooks.afterScan(k, s, total);
  setCursors(k, s,
             [&](KernelBuilder &k, Value e) { return loadStart(k, s, e); });
  barrier(k);
  placeSlots(k, s, hooks);
}

/// The whole sort in a launch of one block.
void buildSingleBlockSort(KernelBuilder &kb, const SortPlan &plan, Value ids,
                          Value table, const SortHooks &hooks) {
  MLIRContext *context = kb.b().getContext();
  kb.launch(
      kb.index(1), plan.threads,
      [&](KernelBuilder &k, const LaunchIds &launchIds) {
        buildSingleBlockSortBody(k, launchIds, plan, ids, table, hooks);
      },
      sortWorkgroupTypes(context, plan, /*table=*/true));
}

/// The sort over `numBlocks` blocks, with `temp` holding the expert starts
/// [E + 1] then the per-block counts [numBlocks * E]: (1) every block counts
/// its slots; (2) one block scans the counts over the blocks (each block's
/// first position in each expert's run) and over the experts (the starts);
/// (3) every block counts again, per warp, and places its slots.
void buildMultiBlockSort(KernelBuilder &kb, const SortPlan &plan, Value ids,
                         Value temp, Value numBlocks, const SortHooks &hooks) {
  MLIRContext *context = kb.b().getContext();
  Value blockCountsBase = kb.index(plan.numExperts + 1);
  auto countBlock = [&](KernelBuilder &k, SortState &s) {
    splitBlockSlots(k, s);
    s.counts = workgroupBuffer(k, 1);
    s.starts = temp;
    s.startsBase = k.index(0);
    zeroCounts(k, s);
    barrier(k);
    countExperts(k, s);
    barrier(k);
  };
  SmallVector<Type> blockTypes =
      sortWorkgroupTypes(context, plan, /*table=*/true);
  kb.launch(
      numBlocks, plan.threads,
      [&](KernelBuilder &k, const LaunchIds &launchIds) {
        SortState s = startSort(k, launchIds, plan, ids);
        countBlock(k, s);
        Value rows = k.index(plan.ownerWarps);
        k.forLoop(s.threadId, k.index(plan.numExperts), k.index(plan.threads),
                  [&](KernelBuilder &k, Value e) {
                    Value slot = tableSlot(k, s, blockCountsBase, s.blockId, e);
                    store(k, sumColumn(k, s, s.counts, k.index(0), rows, e),
                          temp, slot);
                  });
      },
      blockTypes);
  kb.launch(
      kb.index(1), plan.threads,
      [&](KernelBuilder &k, const LaunchIds &launchIds) {
        SortState s = startSort(k, launchIds, plan, ids);
        s.starts = temp;
        s.startsBase = k.index(0);
        hooks.prepare(k, s);
        Value total = scanExperts(k, s, [&](KernelBuilder &k, Value e) {
          return scanColumn(k, s, temp, blockCountsBase, numBlocks, e,
                            k.i32(0));
        });
        barrier(k);
        hooks.afterScan(k, s, total);
      },
      sortWorkgroupTypes(context, plan, /*table=*/false));
  kb.launch(
      numBlocks, plan.threads,
      [&](KernelBuilder &k, const LaunchIds &launchIds) {
        SortState s = startSort(k, launchIds, plan, ids);
        countBlock(k, s);
        setCursors(k, s, [&](KernelBuilder &k, Value e) {
          Value blockStart =
              load(k, temp, tableSlot(k, s, blockCountsBase, s.blockId, e));
          return add(k, loadStart(k, s, e), blockStart);
        });
        barrier(k);
        placeSlots(k, s, hooks);
      },
      blockTypes);
}

/// Builds the sort of `op` (align or permute) at the builder's position:
/// the single-block kernel for up to one block's worth of slots (or when the
/// table needs global memory), else the multi-block kernels; their
/// temporaries are host memref.allocs (gpu.alloc after
/// moe-device-allocations), made at the builder's position. With `enabled`
/// (i1), the kernels run only where it holds, and the temporaries are then
/// empty otherwise.
void buildSort(OpBuilder &rewriter, Operation *op, Value ids,
               int64_t numExperts, int64_t blockM, const SortHooks &hooks,
               Value expertMap = Value(), Value enabled = Value()) {
  Location loc = op->getLoc();
  KernelBuilder kb(rewriter, loc);
  // The kernels, under `enabled` when there is one.
  auto guarded = [&](function_ref<void(KernelBuilder &)> kernels) {
    if (!enabled) {
      kernels(kb);
      return;
    }
    scf::IfOp::create(rewriter, loc, enabled, [&](OpBuilder &b, Location loc) {
      KernelBuilder inner(b, loc);
      kernels(inner);
      scf::YieldOp::create(b, loc);
    });
  };
  SortPlan plan =
      planSort(numExperts, blockM, getBlockSize(op, "threads", 1024));
  plan.expertMap = expertMap;
  if (!plan.sharedTable) {
    auto type = MemRefType::get({plan.tableSize()}, rewriter.getI32Type());
    Value table = memref::AllocOp::create(rewriter, loc, type);
    guarded([&](KernelBuilder &k) {
      buildSingleBlockSort(k, plan, ids, table, hooks);
    });
    return;
  }
  // Static ids of at most one block's worth of slots: one block, no
  // temporary.
  auto idsType = cast<MemRefType>(ids.getType());
  if (idsType.hasStaticShape() &&
      idsType.getNumElements() <= plan.slotsPerBlock()) {
    guarded([&](KernelBuilder &k) {
      buildSingleBlockSort(k, plan, ids, Value(), hooks);
    });
    return;
  }
  Value numSlots = slotShape(kb, ids).first;
  Value blockSlots = kb.index(plan.slotsPerBlock());
  Value numBlocks = kb.ceilDiv(numSlots, blockSlots);
  Value manyBlocks = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::ugt, numSlots, blockSlots);
  // Starts [E + 1] then per-block counts [numBlocks * E]; nothing (no
  // allocation) for the single-block kernel or when disabled.
  Value allocates =
      enabled ? arith::AndIOp::create(rewriter, loc, manyBlocks, enabled)
                    .getResult()
              : manyBlocks;
  Value tempSize = arith::SelectOp::create(
      rewriter, loc, allocates,
      arith::AddIOp::create(
          rewriter, loc,
          arith::MulIOp::create(rewriter, loc, numBlocks, kb.index(numExperts)),
          kb.index(numExperts + 1)),
      kb.index(0));
  Value temp = memref::AllocOp::create(
      rewriter, loc,
      MemRefType::get({ShapedType::kDynamic}, rewriter.getI32Type()),
      ValueRange{tempSize});
  guarded([&](KernelBuilder &k) {
    scf::IfOp::create(
        k.b(), loc, manyBlocks,
        [&](OpBuilder &b, Location loc) {
          KernelBuilder inner(b, loc);
          buildMultiBlockSort(inner, plan, ids, temp, numBlocks, hooks);
          scf::YieldOp::create(b, loc);
        },
        [&](OpBuilder &b, Location loc) {
          KernelBuilder inner(b, loc);
          buildSingleBlockSort(inner, plan, ids, Value(), hooks);
          scf::YieldOp::create(b, loc);
        });
  });
}

//===----------------------------------------------------------------------===//
// align
//===----------------------------------------------------------------------===//

/// The expert whose padded run holds position `pos` (< total): the last e
/// with start[e] <= pos, by binary search over the starts.
Value findRunExpert(KernelBuilder &k, const SortState &s, Value pos) {
  int64_t steps = llvm::Log2_64_Ceil(s.plan.numExperts);
  SmallVector<Value> bounds = forLoopCarrying(
      k, k.index(0), k.index(steps), k.index(1),
      {k.index(0), k.index(s.plan.numExperts)},
      [&](KernelBuilder &k, Value, ValueRange range) -> SmallVector<Value> {
        Value mid = divU(k, add(k, range[0], range[1]), k.index(2));
        Value atOrBefore =
            cmpI(k, arith::CmpIPredicate::sle, loadStart(k, s, mid), pos);
        return {select(k, atOrBefore, mid, range[0]),
                select(k, atOrBefore, range[1], mid)};
      });
  return bounds.front();
}

struct AlignToGPU : OpRewritePattern<AlignOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AlignOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    if (failed(checkPermuteKernelLimits(op)))
      return rewriter.notifyMatchFailure(op, "past the sort's size limits");
    buildSort(rewriter, op, op.getIds(), op.getNumExperts(), op.getBlockM(),
              hooks(op));
    rewriter.eraseOp(op);
    return success();
  }

  /// align's outputs from the sort.
  static SortHooks hooks(AlignOp op) {
    Value sortedIds = op.getSortedIdsInit(), expertIds = op.getExpertIdsInit();
    Value totalOut = op.getNumTokensPostPadInit();
    Value expertMap = op.getExpertMap();
    SortHooks hooks;
    // sorted_ids starts as all sentinels (T * k); kept slots overwrite it.
    hooks.prepare = [=](KernelBuilder &k, const SortState &s) {
      Value sentinel = toI32(k, s.numSlots);
      k.forLoop(
          s.threadId, k.dim(sortedIds, 0), k.index(s.plan.threads),
          [&](KernelBuilder &k, Value i) { store(k, sentinel, sortedIds, i); });
    };
    hooks.afterScan = [=](KernelBuilder &k, const SortState &s, Value total) {
      writeBlockExperts(k, s, total, expertIds, expertMap);
      Value writes = andI(
          k, cmpI(k, arith::CmpIPredicate::ugt, k.dim(totalOut, 0), k.index(0)),
          cmpI(k, arith::CmpIPredicate::eq, s.threadId, k.index(0)));
      k.ifThen(writes, [&](KernelBuilder &k) {
        store(k, total, totalOut, k.index(0));
      });
    };
    hooks.place = [=](KernelBuilder &k, const SortState &s, Value pos,
                      Value f) {
      Value inBounds =
          cmpI(k, arith::CmpIPredicate::ult, pos, k.dim(sortedIds, 0));
      k.ifThen(inBounds, [&](KernelBuilder &k) {
        store(k, toI32(k, f), sortedIds, pos);
      });
    };
    return hooks;
  }

  /// expert_ids[b]: the (mapped) expert of block b, or -1 past the total.
  static void writeBlockExperts(KernelBuilder &k, const SortState &s,
                                Value total, Value expertIds, Value expertMap) {
    Value blockM = k.index(s.plan.blockM);
    Value totalIndex = toIndex(k, total);
    Value mapSize = expertMap ? k.dim(expertMap, 0) : Value();
    Value noExpert = k.i32(-1);
    k.forLoop(
        s.threadId, k.dim(expertIds, 0), k.index(s.plan.threads),
        [&](KernelBuilder &k, Value b) {
          Value pos = mul(k, b, blockM);
          Value used = cmpI(k, arith::CmpIPredicate::ult, pos, totalIndex);
          Value expert = ifThenElse(
              k, used,
              [&](KernelBuilder &k) -> Value {
                Value e = findRunExpert(k, s, toI32(k, pos));
                if (!expertMap)
                  return toI32(k, e);
                Value mapped = cmpI(k, arith::CmpIPredicate::ult, e, mapSize);
                return ifThenElse(
                    k, mapped,
                    [&](KernelBuilder &k) { return load(k, expertMap, e); },
                    k.i32(-1));
              },
              noExpert);
          store(k, expert, expertIds, b);
        });
  }
};

//===----------------------------------------------------------------------===//
// permute
//===----------------------------------------------------------------------===//

/// The [T*k] i32 buffer of each slot's row (-1: none): the op's slot_rows
/// out, or permute's temporary when the op has none.
struct SlotRows {
  Value buffer;
  /// The buffer is the op's out, whose (dynamic) size may be below T * k:
  /// accesses past it are skipped. Not so for the temporary, of exactly
  /// T * k entries, nor for a static out of a static T * k.
  bool bounded = false;

  /// Whether slot `f` (index) is inside the buffer.
  Value holds(KernelBuilder &k, Value f) const {
    return cmpI(k, arith::CmpIPredicate::ult, f, k.dim(buffer, 0));
  }
  /// Stores `row` (i32) as slot `f`'s row.
  void write(KernelBuilder &k, Value row, Value f) const {
    if (!bounded) {
      store(k, row, buffer, f);
      return;
    }
    k.ifThen(holds(k, f), [&](KernelBuilder &k) { store(k, row, buffer, f); });
  }
  /// Slot `f`'s row (i32; -1 past the buffer).
  Value read(KernelBuilder &k, Value f) const {
    if (!bounded)
      return load(k, buffer, f);
    return ifThenElse(
        k, holds(k, f), [&](KernelBuilder &k) { return load(k, buffer, f); },
        k.i32(-1));
  }
};

/// The op's slot_rows out as a SlotRows, or an empty one without it.
template <typename OpT> SlotRows getSlotRowsOut(OpT op) {
  Value out = op.getSlotRowsInit();
  if (!out)
    return {};
  auto idsType = cast<MemRefType>(op.getIds().getType());
  auto outType = cast<MemRefType>(out.getType());
  bool exact = idsType.hasStaticShape() && outType.hasStaticShape() &&
               outType.getDimSize(0) == idsType.getNumElements();
  return {out, !exact};
}

/// permute's temporary of each slot's row, [T*k] for ids [T, k], at the
/// builder's position (a host memref.alloc).
Value allocateSlotRows(OpBuilder &builder, Location loc, Value ids) {
  KernelBuilder kb(builder, loc);
  return memref::AllocOp::create(
      builder, loc,
      MemRefType::get({ShapedType::kDynamic}, builder.getI32Type()),
      ValueRange{slotShape(kb, ids).first});
}

/// The sort's outputs for permute and permute_indices: src_index, offsets
/// and row_weights; with `slotRows` (the op's slot_rows out or permute's
/// [T*k] temporary), also each slot's row, or -1 for a slot that has none
/// (dropped, or placed past src_index).
template <typename OpT>
SortHooks permutationHooks(OpT op, SlotRows slotRows = {}) {
  Value srcIndex = op.getSrcIndexInit(), offsets = op.getOffsetsInit();
  Value weights = op.getWeights(), rowWeights = op.getRowWeightsInit();
  SortHooks hooks;
  hooks.prepare = [](KernelBuilder &, const SortState &) {};
  // Offsets, and the rows of dropped slots (past the total).
  hooks.afterScan = [=](KernelBuilder &k, const SortState &s, Value total) {
    Value threads = k.index(s.plan.threads);
    Value numOffsets =
        minU(k, k.dim(offsets, 0), k.index(s.plan.numExperts + 1));
    k.forLoop(s.threadId, numOffsets, threads, [&](KernelBuilder &k, Value e) {
      store(k, loadStart(k, s, e), offsets, e);
    });
    Value tailBegin = add(k, toIndex(k, total), s.threadId);
    k.forLoop(
        tailBegin, k.dim(srcIndex, 0), threads,
        [&](KernelBuilder &k, Value r) { store(k, k.i32(-1), srcIndex, r); });
    if (rowWeights)
      k.forLoop(tailBegin, k.dim(rowWeights, 0), threads,
                [&](KernelBuilder &k, Value r) {
                  store(k, k.f32(0.0f), rowWeights, r);
                });
  };
  hooks.place = [=](KernelBuilder &k, const SortState &s, Value pos, Value f) {
    Value hasRow = cmpI(k, arith::CmpIPredicate::ult, pos, k.dim(srcIndex, 0));
    k.ifThen(hasRow,
             [&](KernelBuilder &k) { store(k, toI32(k, f), srcIndex, pos); });
    if (slotRows.buffer) {
      Value row = toI32(k, pos);
      Value none = k.i32(-1);
      slotRows.write(k, select(k, hasRow, row, none), f);
    }
    if (!rowWeights)
      return;
    k.ifThen(cmpI(k, arith::CmpIPredicate::ult, pos, k.dim(rowWeights, 0)),
             [&](KernelBuilder &k) {
               Value t = divU(k, f, s.perRow), j = remU(k, f, s.perRow);
               Value inBounds = andI(
                   k, cmpI(k, arith::CmpIPredicate::ult, t, k.dim(weights, 0)),
                   cmpI(k, arith::CmpIPredicate::ult, j, k.dim(weights, 1)));
               Value w = k.ifThenElseF32(
                   inBounds,
                   [&](KernelBuilder &k) {
                     return load(k, weights, {t, j});
                   },
                   0.0f);
               store(k, w, rowWeights, pos);
             });
  };
  if (slotRows.buffer)
    hooks.drop = [=](KernelBuilder &k, const SortState &, Value f) {
      slotRows.write(k, k.i32(-1), f);
    };
  return hooks;
}

/// permute's row scatter. One block per token reads x[t] once and writes it
/// to the rows of the token's k slots (the sort's slot -> row map), and
/// further blocks zero the rows without a source (src_index < 0 or past
/// src_index). Copying row by row in expert order instead read each token
/// row k times, scattered in time, so mostly from DRAM once x outgrows the
/// L2: about twice the compulsory traffic.
struct PermuteRowScatter {
  using ReadFn = function_ref<Value(KernelBuilder &, Value h, int64_t count)>;
  /// `scale` (f32) multiplies the row's values, or is null.
  using RowBody = function_ref<void(KernelBuilder &, Value row, Value scale)>;
  using ForEachRowFn = function_ref<void(KernelBuilder &, RowBody)>;
  using WriteFn = function_ref<void(KernelBuilder &, Value value, Value row,
                                    Value h, Value scale)>;

  /// For the chunks of `count` columns at h in [begin, end) over the block's
  /// threads (end - begin a multiple of count): each thread reads
  /// kCopyUnroll chunks (their loads in flight together), then writes them
  /// to every row `forEachRow` gives.
  static void copyRange(KernelBuilder &k, const LaunchIds &ids, Value begin,
                        Value end, int64_t count, ReadFn read,
                        ForEachRowFn forEachRow, WriteFn write) {
    Value chunkStride = mul(k, ids.blockSize, k.index(count));
    Value stride = mul(k, chunkStride, k.index(kCopyUnroll));
    Value first = add(k, begin, mul(k, ids.threadId, k.index(count)));
    k.forLoop(first, end, stride, [&](KernelBuilder &k, Value h0) {
      SmallVector<Value> columnOf, inside, values;
      for (int64_t u = 0; u < kCopyUnroll; ++u) {
        Value h = add(k, h0, mul(k, chunkStride, k.index(u)));
        columnOf.push_back(h);
        inside.push_back(cmpI(k, arith::CmpIPredicate::ult, h, end));
        // h0 < end: read it in place of a chunk past the end.
        values.push_back(read(k, select(k, inside.back(), h, h0), count));
      }
      forEachRow(k, [&](KernelBuilder &k, Value row, Value scale) {
        for (int64_t u = 0; u < kCopyUnroll; ++u)
          k.ifThen(inside[u], [&](KernelBuilder &k) {
            write(k, values[u], row, columnOf[u], scale);
          });
      });
    });
  }

  /// copyRange over [0, columns): chunks of `width` columns (then single
  /// columns for the rest of the row) when `vectorAligned`, else single
  /// columns. `read(k, h, count)` returns one element (count 1) or a vector
  /// of `count`.
  static void copyColumns(KernelBuilder &k, const LaunchIds &ids, Value columns,
                          Value vectorAligned, int64_t width, ReadFn read,
                          ForEachRowFn forEachRow, WriteFn write) {
    scf::IfOp::create(
        k.b(), k.getLoc(), vectorAligned,
        [&](OpBuilder &b, Location loc) {
          KernelBuilder k(b, loc);
          Value vectorEnd = sub(k, columns, remU(k, columns, k.index(width)));
          copyRange(k, ids, k.index(0), vectorEnd, width, read, forEachRow,
                    write);
          copyRange(k, ids, vectorEnd, columns, 1, read, forEachRow, write);
          scf::YieldOp::create(b, loc);
        },
        [&](OpBuilder &b, Location loc) {
          KernelBuilder k(b, loc);
          copyRange(k, ids, k.index(0), columns, 1, read, forEachRow, write);
          scf::YieldOp::create(b, loc);
        });
  }

  /// With scale_rows, slot j of token t's weight (0 outside `weights`),
  /// else null.
  static Value rowScale(KernelBuilder &k, PermuteOp op, Value t, Value j) {
    if (!op.getScaleRows())
      return Value();
    Value weights = op.getWeights();
    Value tokenInRange =
        cmpI(k, arith::CmpIPredicate::ult, t, k.dim(weights, 0));
    Value slotInRange =
        cmpI(k, arith::CmpIPredicate::ult, j, k.dim(weights, 1));
    Value inBounds = andI(k, tokenInRange, slotInRange);
    return k.ifThenElseF32(
        inBounds,
        [&](KernelBuilder &k) {
          return load(k, weights, {t, j});
        },
        0.0f);
  }

  /// `value` (an element, or a vector of elements) times the f32 `scale`,
  /// each product in f32 rounded back to the element type.
  static Value scaleInF32(KernelBuilder &k, Value value, Value scale) {
    OpBuilder &b = k.b();
    Location loc = k.getLoc();
    auto scaleOne = [&](Value element) -> Value {
      Type type = element.getType();
      Value wide = type.isF32()
                       ? element
                       : arith::ExtFOp::create(b, loc, b.getF32Type(), element)
                             .getResult();
      Value product = arith::MulFOp::create(b, loc, wide, scale);
      if (type.isF32())
        return product;
      return arith::TruncFOp::create(b, loc, type, product);
    };
    auto vectorType = dyn_cast<VectorType>(value.getType());
    if (!vectorType)
      return scaleOne(value);
    SmallVector<Value> elements;
    for (int64_t i = 0; i < vectorType.getNumElements(); ++i) {
      Value element =
          vector::ExtractOp::create(b, loc, value, ArrayRef<int64_t>{i});
      elements.push_back(scaleOne(element));
    }
    return vector::FromElementsOp::create(b, loc, vectorType, elements);
  }

  /// Grid: one block per token of `ids`, then ceil(rows / threads) blocks
  /// that zero the rows without a source.
  static void buildKernel(PermuteOp op, const SlotRows &slotRows,
                          OpBuilder &rewriter) {
    Location loc = op.getLoc();
    KernelBuilder kb(rewriter, loc);
    MLIRContext *context = rewriter.getContext();
    Value x = op.getX(), rows = op.getRowsInit();
    Value srcIndex = op.getSrcIndexInit();
    Value numRows = kb.dim(rows, 0), numSrc = kb.dim(srcIndex, 0);
    Value numTokens = kb.dim(x, 0), idTokens = kb.dim(op.getIds(), 0);
    Value hidden =
        arith::MinUIOp::create(rewriter, loc, kb.dim(x, 1), kb.dim(rows, 1));
    Type elementType = cast<MemRefType>(rows.getType()).getElementType();
    int64_t width = getVectorWidth(elementType);
    auto vectorType = VectorType::get({width}, elementType);
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           rewriter.getZeroAttr(elementType));
    Value zeroVector = arith::ConstantOp::create(
        rewriter, loc, rewriter.getZeroAttr(vectorType));
    // Zero rows only write, but one check for both keeps one kernel shape.
    Value vectorAligned = isVectorAligned(kb, {x, rows});
    int64_t threads = getBlockSize(op, "row_threads", 256);
    Value zeroBlocks = kb.ceilDiv(numRows, kb.index(threads));
    Value grid = add(kb, idTokens, zeroBlocks);
    Type i32 = rewriter.getI32Type();
    SmallVector<Type> workgroupTypes{workgroupType(context, 1, i32),
                                     workgroupType(context, threads, i32)};

    auto write = [&](KernelBuilder &k, Value v, Value row, Value h,
                     Value scale) {
      if (scale)
        v = scaleInF32(k, v, scale);
      if (isa<VectorType>(v.getType()))
        storeVectors(k, v, rows, {row, h});
      else
        store(k, v, rows, {row, h});
    };
    auto readZero = [&](KernelBuilder &, Value, int64_t count) -> Value {
      return count == 1 ? zero : zeroVector;
    };

    kb.launch(
        grid, threads,
        [&](KernelBuilder &k, const LaunchIds &ids) {
          Value perRow = slotShape(k, op.getIds()).second;
          // Taken here: inside the scf.if being built, no launch is found.
          Value count = workgroupBuffer(k, 0), list = workgroupBuffer(k, 1);
          Value isToken =
              cmpI(k, arith::CmpIPredicate::ult, ids.blockId, idTokens);
          scf::IfOp::create(
              k.b(), k.getLoc(), isToken,
              [&](OpBuilder &b, Location loc) {
                KernelBuilder k(b, loc);
                Value t = ids.blockId;
                // ids may name more tokens than x has: their rows are zero.
                Value readable =
                    cmpI(k, arith::CmpIPredicate::ult, t, numTokens);
                Value firstSlot = mul(k, t, perRow);
                Value staged =
                    stageTokenRows(k, ids, slotRows, firstSlot, perRow, list);
                auto forEachRow = [&](KernelBuilder &k, RowBody body) {
                  Value first = k.index(0);
                  Value step = k.index(1);
                  k.forLoop(
                      first, perRow, step, [&](KernelBuilder &k, Value j) {
                        Value row =
                            tokenRow(k, j, staged, list, slotRows, firstSlot);
                        // -1 (no row) is past every row as an unsigned
                        // index.
                        k.ifThen(
                            cmpI(k, arith::CmpIPredicate::ult, row, numRows),
                            [&](KernelBuilder &k) {
                              Value scale = rowScale(k, op, t, j);
                              body(k, row, scale);
                            });
                      });
                };
                auto read = [&](KernelBuilder &k, Value h,
                                int64_t count) -> Value {
                  Value fallback = count == 1 ? zero : zeroVector;
                  return ifThenElse(
                      k, readable,
                      [&](KernelBuilder &k) -> Value {
                        if (count == 1)
                          return load(k, x, {t, h});
                        return loadVectors(k, x, {t, h}, count).front();
                      },
                      fallback);
                };
                copyColumns(k, ids, hidden, vectorAligned, width, read,
                            forEachRow, write);
                scf::YieldOp::create(b, loc);
              },
              [&](OpBuilder &b, Location loc) {
                KernelBuilder k(b, loc);
                buildZeroRows(k, ids, sub(k, ids.blockId, idTokens), count,
                              list, numRows, numSrc, srcIndex, hidden,
                              vectorAligned, width, readZero, write);
                scf::YieldOp::create(b, loc);
              });
        },
        workgroupTypes);
  }

  /// Copies the token's first min(k, threads) slot rows into `list` (one
  /// load per thread, then a barrier) and returns how many. Loaded in the
  /// store loop instead, each would wait for the stores before it.
  static Value stageTokenRows(KernelBuilder &k, const LaunchIds &ids,
                              const SlotRows &slotRows, Value firstSlot,
                              Value perRow, Value list) {
    Value staged = minU(k, perRow, ids.blockSize);
    k.ifThen(cmpI(k, arith::CmpIPredicate::ult, ids.threadId, staged),
             [&](KernelBuilder &k) {
               Value row = slotRows.read(k, add(k, firstSlot, ids.threadId));
               store(k, row, list, ids.threadId);
             });
    barrier(k);
    return staged;
  }

  /// The row of the token's slot j (index; -1 when it has none): staged,
  /// or from global memory past the staged ones.
  static Value tokenRow(KernelBuilder &k, Value j, Value staged, Value list,
                        const SlotRows &slotRows, Value firstSlot) {
    auto ifOp = scf::IfOp::create(
        k.b(), k.getLoc(), cmpI(k, arith::CmpIPredicate::ult, j, staged),
        [&](OpBuilder &b, Location loc) {
          KernelBuilder inner(b, loc);
          scf::YieldOp::create(b, loc, load(inner, list, j));
        },
        [&](OpBuilder &b, Location loc) {
          KernelBuilder inner(b, loc);
          scf::YieldOp::create(b, loc,
                               slotRows.read(inner, add(inner, firstSlot, j)));
        });
    return toIndex(k, ifOp.getResult(0));
  }

  /// Zero block `z`: the rows of [z * threads, (z + 1) * threads) without a
  /// source are listed in workgroup memory (`count`, `list`), then the
  /// block zeroes each.
  /// Layers with every id in range list none.
  static void buildZeroRows(KernelBuilder &k, const LaunchIds &ids, Value z,
                            Value count, Value list, Value numRows,
                            Value numSrc, Value srcIndex, Value hidden,
                            Value vectorAligned, int64_t width, ReadFn readZero,
                            WriteFn write) {
    Location loc = k.getLoc();
    Value r = add(k, mul(k, z, ids.blockSize), ids.threadId);
    k.ifThen(cmpI(k, arith::CmpIPredicate::eq, ids.threadId, k.index(0)),
             [&](KernelBuilder &k) { store(k, k.i32(0), count, k.index(0)); });
    barrier(k);
    Value hasSource = cmpI(k, arith::CmpIPredicate::ult, r, numSrc);
    Value source = ifThenElse(
        k, hasSource, [&](KernelBuilder &k) { return load(k, srcIndex, r); },
        k.i32(-1));
    // One op per statement: the IR must not depend on the order in which
    // the compiler evaluates function arguments.
    Value isRow = cmpI(k, arith::CmpIPredicate::ult, r, numRows);
    Value noSource = cmpI(k, arith::CmpIPredicate::slt, source, k.i32(0));
    Value needsZero = andI(k, isRow, noSource);
    k.ifThen(needsZero, [&](KernelBuilder &k) {
      Value one = k.i32(1);
      Value first = k.index(0);
      Value at = memref::AtomicRMWOp::create(
          k.b(), loc, arith::AtomicRMWKind::addi, one, count, first);
      Value row = toI32(k, r);
      store(k, row, list, toIndex(k, at));
    });
    barrier(k);
    Value listed = toIndex(k, load(k, count, k.index(0)));
    Value firstListed = k.index(0);
    Value step = k.index(1);
    k.forLoop(firstListed, listed, step, [&](KernelBuilder &k, Value i) {
      Value row = toIndex(k, load(k, list, i));
      copyColumns(
          k, ids, hidden, vectorAligned, width, readZero,
          [&](KernelBuilder &k, RowBody body) { body(k, row, Value()); },
          write);
    });
  }
};

/// permute and permute_indices: the sort, then (permute only) the row copy.
template <typename OpT> struct PermutationToGPU : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpT op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    if (failed(checkPermuteKernelLimits(op)))
      return rewriter.notifyMatchFailure(op, "past the sort's size limits");
    SlotRows slotRows = getSlotRowsOut(op);
    if constexpr (std::is_same_v<OpT, PermuteOp>) {
      // Each slot's row, for the scatter: the slot_rows out, else a
      // temporary (gpu.alloc after moe-device-allocations).
      if (!slotRows.buffer)
        slotRows.buffer = allocateSlotRows(rewriter, op.getLoc(), op.getIds());
      buildSort(rewriter, op, op.getIds(), op.getNumExperts(), /*blockM=*/1,
                permutationHooks(op, slotRows), op.getExpertMap());
      PermuteRowScatter::buildKernel(op, slotRows, rewriter);
    } else {
      buildSort(rewriter, op, op.getIds(), op.getNumExperts(), /*blockM=*/1,
                permutationHooks(op, slotRows), op.getExpertMap());
    }
    rewriter.eraseOp(op);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// combine
//===----------------------------------------------------------------------===//

struct CombineToGPU : OpRewritePattern<CombineOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CombineOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    if (failed(checkPermuteKernelLimits(op)))
      return rewriter.notifyMatchFailure(op, "k past the kernel's limit");
    Location loc = op.getLoc();
    KernelBuilder kb(rewriter, loc);
    if (Value slotRows = op.getSlotRows()) {
      // The permutation's own inverse: the sum kernel alone, reading each
      // slot's row (checked against y's rows and slot_rows' size).
      Value positionSize = kb.dim(slotRows, 0);
      Value yRows = kb.dim(op.getY(), 0);
      buildSumKernel(op, kb, slotRows, yRows, positionSize);
      rewriter.eraseOp(op);
      return success();
    }
    Value numSlots = arith::MulIOp::create(
        rewriter, loc, kb.dim(op.getOutInit(), 0), kb.index(op.getK()));
    // position[f]: the lowest row r with src_index[r] == f, or kNoRow. A
    // temporary: moe-device-allocations makes it a gpu.alloc.
    Value position = memref::AllocOp::create(
        rewriter, loc,
        MemRefType::get({ShapedType::kDynamic}, rewriter.getI32Type()),
        ValueRange{numSlots});
    Value srcRows = kb.dim(op.getSrcIndex(), 0);
    Value yRows = kb.dim(op.getY(), 0);
    Value numRows = arith::MinUIOp::create(rewriter, loc, yRows, srcRows);
    buildInitKernel(kb, position, numSlots);
    buildInvertKernel(kb, op.getSrcIndex(), position, numSlots, numRows);
    buildSumKernel(op, kb, position, numRows, /*positionSize=*/Value());
    rewriter.eraseOp(op);
    return success();
  }

  static constexpr int64_t kHelperThreads = 256;

  /// Linear thread index of a one-dimensional launch.
  static Value globalThread(KernelBuilder &k, const LaunchIds &ids) {
    return add(k, mul(k, ids.blockId, ids.blockSize), ids.threadId);
  }

  /// position[f] = kNoRow for every slot.
  static void buildInitKernel(KernelBuilder &kb, Value position,
                              Value numSlots) {
    Value blocks = kb.ceilDiv(numSlots, kb.index(kHelperThreads));
    kb.launch(blocks, kHelperThreads,
              [&](KernelBuilder &k, const LaunchIds &ids) {
                Value f = globalThread(k, ids);
                k.ifThen(cmpI(k, arith::CmpIPredicate::ult, f, numSlots),
                         [&](KernelBuilder &k) {
                           store(k, k.i32(kNoRow), position, f);
                         });
              });
  }

  /// position[src_index[r]] = min(position[...], r) over the rows: integer
  /// atomic minimums, so the result does not depend on their order.
  static void buildInvertKernel(KernelBuilder &kb, Value srcIndex,
                                Value position, Value numSlots, Value numRows) {
    Value blocks = kb.ceilDiv(numRows, kb.index(kHelperThreads));
    kb.launch(
        blocks, kHelperThreads, [&](KernelBuilder &k, const LaunchIds &ids) {
          Value r = globalThread(k, ids);
          k.ifThen(cmpI(k, arith::CmpIPredicate::ult, r, numRows),
                   [&](KernelBuilder &k) {
                     Value f = toIndex(k, load(k, srcIndex, r));
                     Value valid = andI(
                         k, cmpI(k, arith::CmpIPredicate::sge, f, k.index(0)),
                         cmpI(k, arith::CmpIPredicate::slt, f, numSlots));
                     k.ifThen(valid, [&](KernelBuilder &k) {
                       memref::AtomicRMWOp::create(k.b(), k.getLoc(),
                                                   arith::AtomicRMWKind::mins,
                                                   toI32(k, r), position, f);
                     });
                   });
        });
  }

  /// The sum over j < topK of weightOf[j] * y[rowOf[j], h .. h + count)
  /// (terms whose row is not below `numRows` left out), in increasing j as
  /// the loop form adds them, with every term's load issued before the
  /// first add: the k loads of a thread are then in flight together instead
  /// of one DRAM latency after another (rows of y a token's terms come from
  /// are unrelated).
  static SmallVector<Value> sumUnrolled(KernelBuilder &k, Value y, Value rowOf,
                                        Value weightOf, Value numRows, Value h,
                                        int64_t topK, int64_t count) {
    Location loc = k.getLoc();
    SmallVector<Value> zeros(count, k.f32(0.0f));
    // A term without a row reads row 0 and is dropped: y has a row 0
    // whenever numRows > 0, and with no rows every term is dropped.
    Value anyRow = cmpI(k, arith::CmpIPredicate::ugt, numRows, k.index(0));
    return ifThenElseValues(
        k, anyRow,
        [&](KernelBuilder &k) -> SmallVector<Value> {
          SmallVector<Value> found;
          SmallVector<SmallVector<Value>> terms;
          for (int64_t j = 0; j < topK; ++j) {
            Value r = toIndex(k, load(k, rowOf, k.index(j)));
            Value has = cmpI(k, arith::CmpIPredicate::ult, r, numRows);
            Value safe = select(k, has, r, k.index(0));
            found.push_back(has);
            terms.push_back(loadF32s(k, y, {safe, h}, count));
          }
          SmallVector<Value> acc(zeros);
          for (int64_t j = 0; j < topK; ++j) {
            Value w = weightOf ? load(k, weightOf, k.index(j)) : Value();
            for (int64_t i = 0; i < count; ++i) {
              Value term = terms[j][i];
              if (w)
                term = arith::MulFOp::create(k.b(), loc, w, term);
              Value sum = arith::AddFOp::create(k.b(), loc, acc[i], term);
              acc[i] = select(k, found[j], sum, acc[i]);
            }
          }
          return acc;
        },
        zeros);
  }

  /// One block per token: the block stages the k rows (and weights) of the
  /// token, then each thread sums over j, in increasing j, for its columns.
  /// `position[f]` is slot f's row, a term when below `numRows`; with
  /// `positionSize` (the slot_rows operand's size) slots past it have none.
  static void buildSumKernel(CombineOp op, KernelBuilder &kb, Value position,
                             Value numRows, Value positionSize) {
    OpBuilder &b = kb.b();
    Location loc = kb.getLoc();
    Value y = op.getY(), out = op.getOutInit(), weights = op.getWeights();
    int64_t topK = op.getK();
    Value numTokens = kb.dim(out, 0);
    Value hidden = arith::MinUIOp::create(b, loc, kb.dim(y, 1), kb.dim(out, 1));
    Value weightRows = weights ? kb.dim(weights, 0) : Value();
    Value weightCols = weights ? kb.dim(weights, 1) : Value();
    MLIRContext *context = b.getContext();
    SmallVector<Type> workgroupTypes{
        workgroupType(context, topK, b.getI32Type())};
    if (weights)
      workgroupTypes.push_back(workgroupType(context, topK, b.getF32Type()));
    int64_t threads = getBlockSize(op, "threads", 256);
    // Chunks of y's 16 bytes when y and out allow 16-byte accesses.
    Value vectorAligned = isVectorAligned(kb, {y, out});
    int64_t width =
        getVectorWidth(cast<MemRefType>(y.getType()).getElementType());

    kb.launch(
        numTokens, threads,
        [&](KernelBuilder &k, const LaunchIds &ids) {
          Value rowOf = workgroupBuffer(k, 0);
          Value weightOf = weights ? workgroupBuffer(k, 1) : Value();
          Value t = ids.blockId;
          Value kValue = k.index(topK);
          Value isToken = cmpI(k, arith::CmpIPredicate::ult, t, numTokens);
          k.forLoop(
              ids.threadId, kValue, ids.blockSize,
              [&](KernelBuilder &k, Value j) {
                Value hasTerm = isToken;
                if (weights)
                  hasTerm = andI(
                      k, hasTerm,
                      andI(k, cmpI(k, arith::CmpIPredicate::ult, t, weightRows),
                           cmpI(k, arith::CmpIPredicate::ult, j, weightCols)));
                Value f = add(k, mul(k, t, kValue), j);
                Value hasRow = hasTerm;
                if (positionSize) {
                  Value inside =
                      cmpI(k, arith::CmpIPredicate::ult, f, positionSize);
                  hasRow = andI(k, hasTerm, inside);
                }
                Value row = ifThenElse(
                    k, hasRow,
                    [&](KernelBuilder &k) { return load(k, position, f); },
                    k.i32(kNoRow));
                store(k, row, rowOf, j);
                if (weights)
                  store(k,
                        k.ifThenElseF32(
                            hasTerm,
                            [&](KernelBuilder &k) {
                              return load(k, weights, {t, j});
                            },
                            0.0f),
                        weightOf, j);
              });
          barrier(k);
          Value columns = select(k, isToken, hidden, k.index(0));
          forEachColumnChunk(
              k, vectorAligned, columns, ids.threadId, ids.blockSize, width,
              [&](KernelBuilder &k, Value h, int64_t count) {
                SmallVector<Value> zeros(count, k.f32(0.0f));
                if (topK <= kMaxUnrolledCombineK) {
                  storeF32s(k,
                            sumUnrolled(k, y, rowOf, weightOf, numRows, h, topK,
                                        count),
                            out, {t, h});
                  return;
                }
                SmallVector<Value> sums = forLoopCarrying(
                    k, k.index(0), kValue, k.index(1), zeros,
                    [&](KernelBuilder &k, Value j,
                        ValueRange acc) -> SmallVector<Value> {
                      Value r = toIndex(k, load(k, rowOf, j));
                      Value found =
                          cmpI(k, arith::CmpIPredicate::ult, r, numRows);
                      return ifThenElseValues(
                          k, found,
                          [&](KernelBuilder &k) -> SmallVector<Value> {
                            SmallVector<Value> terms =
                                loadF32s(k, y, {r, h}, count);
                            Value w = weights ? load(k, weightOf, j) : Value();
                            SmallVector<Value> next;
                            for (int64_t i = 0; i < count; ++i) {
                              Value term = terms[i];
                              if (weights)
                                term = arith::MulFOp::create(k.b(), k.getLoc(),
                                                             w, term);
                              next.push_back(arith::AddFOp::create(
                                  k.b(), k.getLoc(), acc[i], term));
                            }
                            return next;
                          },
                          acc);
                    });
                storeF32s(k, sums, out, {t, h});
              });
        },
        workgroupTypes);
  }
};

} // namespace

std::optional<FusableSort> mlir::moe::getFusableSort(Operation *op,
                                                     int64_t threads,
                                                     int64_t reservedWords) {
  Value ids, expertMap;
  int64_t numExperts = 0, blockM = 1;
  // The slot_rows out (permute, permute_indices), if any.
  SlotRows slotRowsOut;
  std::function<SortHooks(const SlotRows &)> hooksOf;
  if (auto align = dyn_cast<AlignOp>(op)) {
    ids = align.getIds();
    numExperts = align.getNumExperts();
    blockM = align.getBlockM();
    hooksOf = [align](const SlotRows &) { return AlignToGPU::hooks(align); };
  } else if (auto permute = dyn_cast<PermuteOp>(op)) {
    ids = permute.getIds();
    numExperts = permute.getNumExperts();
    expertMap = permute.getExpertMap();
    slotRowsOut = getSlotRowsOut(permute);
    hooksOf = [permute](const SlotRows &slotRows) {
      return permutationHooks(permute, slotRows);
    };
  } else if (auto permute = dyn_cast<PermuteIndicesOp>(op)) {
    ids = permute.getIds();
    numExperts = permute.getNumExperts();
    expertMap = permute.getExpertMap();
    slotRowsOut = getSlotRowsOut(permute);
    hooksOf = [permute](const SlotRows &slotRows) {
      return permutationHooks(permute, slotRows);
    };
  } else {
    return std::nullopt;
  }
  if (!cast<DestinationStyleOpInterface>(op).hasPureBufferSemantics() ||
      numExperts > kMaxExperts)
    return std::nullopt;
  SortPlan plan = planSort(numExperts, blockM, threads, reservedWords);
  plan.expertMap = expertMap;
  // A table in global memory would need a temporary and a fill per call.
  if (!plan.sharedTable)
    return std::nullopt;

  FusableSort sort;
  sort.ids = ids;
  sort.maxSlots = plan.slotsPerBlock();
  sort.workgroupTypes =
      sortWorkgroupTypes(op->getContext(), plan, /*table=*/true);
  // Each slot's row: the slot_rows out, else (permute) a temporary made by
  // prepare.
  auto slotRows = std::make_shared<SlotRows>(slotRowsOut);
  auto permute = dyn_cast<PermuteOp>(op);
  sort.prepare = [=](OpBuilder &builder) {
    if (permute && !slotRows->buffer)
      slotRows->buffer = allocateSlotRows(builder, op->getLoc(), ids);
  };
  sort.buildInBlock = [=](KernelBuilder &k, const LaunchIds &launchIds,
                          ValueRange buffers) {
    SortPlan inBlock = plan;
    inBlock.warpTotals = buffers[0];
    inBlock.table = buffers[1];
    // The single-block sort as block 0 of its own launch would run it.
    LaunchIds single = launchIds;
    single.blockId = k.index(0);
    single.gridSize = k.index(1);
    buildSingleBlockSortBody(k, single, inBlock, ids, Value(),
                             hooksOf(*slotRows));
  };
  sort.buildSeparate = [=](OpBuilder &builder, Value enabled) {
    buildSort(builder, op, ids, numExperts, blockM, hooksOf(*slotRows),
              expertMap, enabled);
  };
  sort.buildAfter = [=](OpBuilder &builder) {
    if (permute)
      PermuteRowScatter::buildKernel(permute, *slotRows, builder);
  };
  return sort;
}

LogicalResult mlir::moe::checkPermuteKernelLimits(Operation *op) {
  auto checkExperts = [&](int64_t numExperts) -> LogicalResult {
    if (numExperts <= kMaxExperts)
      return success();
    return op->emitOpError()
           << "num_experts = " << numExperts << " exceeds the " << kMaxExperts
           << " experts the GPU counting sort supports (its per-expert "
              "table and i32 sort keys)";
  };
  if (auto align = dyn_cast<AlignOp>(op))
    return checkExperts(align.getNumExperts());
  if (auto permute = dyn_cast<PermuteOp>(op))
    return checkExperts(permute.getNumExperts());
  if (auto permute = dyn_cast<PermuteIndicesOp>(op))
    return checkExperts(permute.getNumExperts());
  if (auto combine = dyn_cast<CombineOp>(op);
      combine && static_cast<int64_t>(combine.getK()) > kMaxCombineK)
    return op->emitOpError()
           << "k = " << combine.getK() << " exceeds the " << kMaxCombineK
           << " rows per token the GPU combine kernel supports (it stages "
              "each token's k rows and weights in workgroup memory)";
  return success();
}

void mlir::moe::populatePermuteKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<AlignToGPU, PermutationToGPU<PermuteOp>,
               PermutationToGPU<PermuteIndicesOp>, CombineToGPU>(
      patterns.getContext());
}
