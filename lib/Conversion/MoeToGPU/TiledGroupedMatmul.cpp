//===- TiledGroupedMatmul.cpp - grouped_matmul as a tiled wgmma kernel ----===//
//
// The tiled path of grouped_matmul (expert-contiguous A, bf16 or f16 A and
// W, or the fp8 schemes' e4m3 A and W with their scales; f32
// accumulation), emitted by moe-tile-grouped-matmul: three launches in
// stream order, no host sync:
//
//  1. Tile schedule (one block). From the expert offsets it writes one entry
//     (expert, row start, row count) per tileM rows of every expert, plus
//     "zero" entries (expert -1) for the rows outside [offsets[0],
//     offsets[E]), which the reference defines as zero. Experts with no rows
//     get no entry, so no block ever works on padding. Offsets that are not
//     monotone (legal IR, meaningless for MoE) give an empty schedule and
//     set the fallback flag.
//  2. The persistent GEMM kernel, written in tile IR (MoeTileOps.td):
//     min(ctas, #tiles) blocks of one warpgroup per 64 rows stride over the
//     tiles (m-tile, n-block). Per tile a K loop in 64-wide steps loads the
//     A and W tiles (`moe.tile_load`, 128-byte swizzle, zero-filled past
//     the K, N and row edges) and accumulates `moe.tile_mma` into a
//     register tile; `moe.tile_store` then runs the epilogue (bias,
//     activation, row scale, rounding) and stores each element
//     under the row-count and column bounds, so partial tiles at expert
//     boundaries and N edges write nothing out of bounds. For fp8_block a
//     K step is one 128-element fp8 row, i.e. one scale block: its tile MMA
//     sums from zero, is waited for, and `moe.tile_scale_accumulate` adds
//     it times a_scale[row, kb] * w_scale[e, n / 128, kb] to the f32
//     accumulator (docs/Rationale.md); fp8_channel and fp8_tensor
//     accumulate across K steps and scale in `moe.tile_store`'s dequant.
//     The K loop carries the ring depth for moe-pipeline-tile-loads; the later
//     passes make the ring, the producer and the PTX (docs/Pipeline.md).
//  3. The simple kernel, gated on the device flag (runs only for
//     non-monotone offsets), with a bounded grid.
//
// A host check of the TMA rules (16-byte aligned base addresses and row
// strides, non-empty dimensions) picks the simple kernel for inputs the
// hardware cannot take.
//
// Gated epilogues load the gate rows [n0, n0 + tileN/2) and the up rows
// [N/2 + n0, ...) of W into the two halves of one shared-memory tile (W
// seen as [E, 2, N/2, K], so each half is bounds-checked on its own), so
// the thread holding gate column c also holds up column c. Interleaved W
// rows (gate 2i, up 2i + 1) are picked apart by the same view's strides:
// the TMA loads do the permutation (docs/Rationale.md).
//
//===----------------------------------------------------------------------===//

#include "GemmKernels.h"
#include "KernelBuilder.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

/// A K step is one 128-byte swizzled row: 64 16-bit or 128 fp8 elements
/// (#moe.gemm_config's tile_k, checked against a's type by the op).
constexpr int64_t kRowBytes = 128;
constexpr int64_t kScheduleThreads = 512;
/// Dimensions at or past 2^31 - 4096 fall back: entries, row counts and
/// TMA coordinates (a tile may start up to one tile past an edge) are i32.
constexpr int64_t kMaxTiledExtent = (int64_t(1) << 31) - 4096;
/// Schedule layout (i32): [0] number of m-tiles, [1] fallback flag, [2]
/// tiles handed out past the first grid's (the dynamic tile counter), [3]
/// the number of K splits, [4] whether the split-K reduction runs, then
/// one (expert, row start, row count, first m-tile of its segment, m-tiles
/// of its segment) entry per m-tile.
constexpr int64_t kHeaderWords = 5;
constexpr int64_t kTileCounterWord = 2;
constexpr int64_t kSplitsWord = 3;
constexpr int64_t kReduceFlagWord = 4;
constexpr int64_t kEntryWords = 5;
/// Split K only while the (m-tile, n-block) tiles number fewer than this
/// many per persistent block, into just enough splits to reach it (at
/// most split_k, and at least kMinKStepsPerSplit K steps each): at decode
/// a few tiles would leave most SMs without weights to stream.
constexpr int64_t kSplitTilesPerBlock = 2;
constexpr int64_t kMinKStepsPerSplit = 4;

struct TileConfig {
  int64_t warpgroups; ///< 64-row slabs per tile, one warpgroup each
  int64_t tileM;
  int64_t tileN; ///< accumulator columns (gate + up halves when gated)
  int64_t tileK; ///< K elements per step: one 128-byte row
  int64_t stages;
  int64_t ctas; ///< persistent blocks at most
  /// Blocks of a cluster: they take the row tiles of one schedule entry
  /// (scheduleM() rows) and share the W tile (TMA multicast).
  int64_t clusterM;
  /// The most blocks one tile's K may be split over.
  int64_t splitK;
  /// Whether moe-warp-specialize gives the kernel a producer warpgroup.
  bool warpSpecialize;
  /// Whether the epilogue stores 16-bit outputs through shared memory.
  bool stagedEpilogue;
  /// Whether the tile copies carry L2 priorities (A kept, W evicted first).
  bool l2Hints;

  /// Rows of a schedule entry: one row tile per block of a cluster.
  int64_t scheduleM() const { return tileM * clusterM; }
};

/// The op's #moe.gemm_config as it is: its verifier has checked every
/// range, tile_m = 64 * warpgroups, that the ring fits shared memory, and
/// the op's that tile_k is one 128-byte row of a's elements, so nothing is
/// adjusted here.
TileConfig readTileConfig(GemmConfigAttr config) {
  TileConfig c;
  c.warpgroups = config.getWarpgroups();
  c.tileM = config.getTileM();
  c.tileN = config.getTileN();
  c.tileK = config.getTileK();
  c.stages = config.getStages();
  c.ctas = config.getCtas();
  c.clusterM = config.getClusterM();
  c.splitK = config.getSplitK();
  c.warpSpecialize = config.getWarpSpecialize();
  c.stagedEpilogue = config.getStagedEpilogue();
  c.l2Hints = config.getL2Hints();
  return c;
}

/// Index arithmetic at the builder's insertion point: the shared one-op
/// helpers of KernelBuilder.h bound to `k`, plus index constants.
struct Ix {
  KernelBuilder &k;
  Value c(int64_t v) { return k.index(v); }
  Value add(Value x, Value y) { return moe::add(k, x, y); }
  Value sub(Value x, Value y) { return moe::sub(k, x, y); }
  Value mul(Value x, Value y) { return moe::mul(k, x, y); }
  Value div(Value x, Value y) { return divU(k, x, y); }
  Value rem(Value x, Value y) { return remU(k, x, y); }
  Value min(Value x, Value y) { return minU(k, x, y); }
  Value lt(Value x, Value y) {
    return cmpI(k, arith::CmpIPredicate::ult, x, y);
  }
  Value andI(Value x, Value y) { return moe::andI(k, x, y); }
  Value i32(Value index) { return toI32(k, index); }
  Value fromI32(Value v) { return toIndex(k, v); }
};

Value loadI32(KernelBuilder &k, Value memref, Value index) {
  return memref::LoadOp::create(k.b(), k.getLoc(), memref, index);
}

void storeI32(KernelBuilder &k, Value value, Value memref, Value index) {
  memref::StoreOp::create(k.b(), k.getLoc(), value, memref, index);
}

Value addressOf(KernelBuilder &k, Value memref) {
  return memref::ExtractAlignedPointerAsIndexOp::create(k.b(), k.getLoc(),
                                                        memref);
}

//===----------------------------------------------------------------------===//
// 1. Tile schedule
//===----------------------------------------------------------------------===//

/// Inclusive Hillis-Steele scan of `buffer[0, kScheduleThreads)` in place.
void blockInclusiveScan(KernelBuilder &k, Value buffer, Value tid) {
  Ix x{k};
  for (int64_t d = 1; d < kScheduleThreads; d *= 2) {
    Value mine = loadI32(k, buffer, tid);
    Value hasLeft = cmpI(k, arith::CmpIPredicate::uge, tid, x.c(d));
    Value leftIndex = arith::SelectOp::create(k.b(), k.getLoc(), hasLeft,
                                              x.sub(tid, x.c(d)), tid);
    Value left = loadI32(k, buffer, leftIndex);
    Value sum = arith::AddIOp::create(k.b(), k.getLoc(), mine, left);
    Value next = select(k, hasLeft, sum, mine);
    gpu::BarrierOp::create(k.b(), k.getLoc());
    storeI32(k, next, buffer, tid);
    gpu::BarrierOp::create(k.b(), k.getLoc());
  }
}

/// How the tiles of one call may split K (host values).
struct SplitPlan {
  Value allowed;    ///< index, 1 where the workspace has room for the splits
  Value target;     ///< index, the fewest tiles that need no split
  Value numNBlocks; ///< index
  Value numK;       ///< index, K steps of a whole tile
};

/// The number of K splits of this call, from the number of m-tiles
/// `mTiles` (index): 1, or enough splits to give `plan.target` tiles, at
/// most split_k and at least kMinKStepsPerSplit K steps each.
Value computeSplits(KernelBuilder &k, const TileConfig &config,
                    const SplitPlan &plan, Value mTiles) {
  Ix x{k};
  Value one = x.c(1);
  Value tiles = x.mul(mTiles, plan.numNBlocks);
  Value atLeastOne = arith::MaxUIOp::create(k.b(), k.getLoc(), tiles, one);
  Value wanted = k.ceilDiv(plan.target, atLeastOne);
  Value byK = arith::MaxUIOp::create(
      k.b(), k.getLoc(), x.div(plan.numK, x.c(kMinKStepsPerSplit)), one);
  Value splits = x.min(x.min(wanted, x.c(config.splitK)), byK);
  splits = arith::MaxUIOp::create(k.b(), k.getLoc(), splits, one);
  Value allowed = cmpI(k, arith::CmpIPredicate::ne, plan.allowed, x.c(0));
  return select(k, allowed, splits, one);
}

void buildScheduleKernel(KernelBuilder &kb, const RowGemm &gemm,
                         const GemmSizes &sizes, const TileConfig &config,
                         const SplitPlan &plan, Value schedule) {
  MLIRContext *context = kb.b().getContext();
  Type i32 = kb.b().getI32Type();
  SmallVector<Type> buffers = {
      getWorkgroupBufferType(context, kScheduleThreads, i32),
      getWorkgroupBufferType(context, 1, i32)};
  kb.launch(
      kb.index(1), kScheduleThreads,
      [&](KernelBuilder &k, const LaunchIds &ids) {
        Ix x{k};
        Location loc = k.getLoc();
        Value scan = getWorkgroupBuffer(k.b(), 0);
        Value flag = getWorkgroupBuffer(k.b(), 1);
        Value tid = ids.threadId;
        Value zero = k.i32(0), one = k.i32(1), minusOne = k.i32(-1);
        Value numExperts = sizes.numExperts;
        Value rows = x.i32(sizes.rows);

        // Monotone offsets?
        k.ifThen(
            cmpI(k, arith::CmpIPredicate::eq, tid, x.c(0)),
            [&](KernelBuilder &k) { storeI32(k, zero, flag, k.index(0)); });
        gpu::BarrierOp::create(k.b(), loc);
        k.forLoop(tid, numExperts, ids.blockSize,
                  [&](KernelBuilder &k, Value e) {
                    Ix x{k};
                    Value lo = loadI32(k, gemm.offsets, e);
                    Value hi = loadI32(k, gemm.offsets, x.add(e, x.c(1)));
                    k.ifThen(cmpI(k, arith::CmpIPredicate::sgt, lo, hi),
                             [&](KernelBuilder &k) {
                               storeI32(k, one, flag, k.index(0));
                             });
                  });
        gpu::BarrierOp::create(k.b(), loc);
        Value notMonotone =
            cmpI(k, arith::CmpIPredicate::ne, loadI32(k, flag, x.c(0)), zero);

        // Segments: [0] rows before offsets[0], [1 + e] expert e, [E + 1]
        // rows from offsets[E] on; each clamped to [0, R).
        auto clampRow = [&](KernelBuilder &k, Value v) -> Value {
          Value low = arith::MaxSIOp::create(k.b(), loc, v, zero);
          return arith::MinSIOp::create(k.b(), loc, low, rows);
        };
        Value numSegments = x.add(numExperts, x.c(2));
        Value tileM = k.i32(config.scheduleM());
        SmallVector<Value> total = forLoopCarrying(
            k, x.c(0), numSegments, x.c(kScheduleThreads), ValueRange{zero},
            [&](KernelBuilder &k, Value base,
                ValueRange carried) -> SmallVector<Value> {
              Ix x{k};
              OpBuilder &b = k.b();
              Value s = x.add(base, tid);
              Value valid = x.lt(s, numSegments);
              Value isFirst = cmpI(k, arith::CmpIPredicate::eq, s, x.c(0));
              Value isLast = cmpI(k, arith::CmpIPredicate::eq, s,
                                  x.add(numExperts, x.c(1)));
              // Offsets index of the segment's start and end (clamped so
              // the loads stay in bounds for s outside the range).
              Value e = x.min(
                  x.sub(arith::MaxUIOp::create(b, loc, s, x.c(1)), x.c(1)),
                  numExperts);
              Value eNext = x.min(x.add(e, x.c(1)), numExperts);
              Value loOffset = clampRow(k, loadI32(k, gemm.offsets, e));
              Value hiOffset = clampRow(k, loadI32(k, gemm.offsets, eNext));
              Value lo = select(k, isFirst, zero,
                                select(k, isLast, hiOffset, loOffset));
              Value hi = select(k, isFirst, loOffset,
                                select(k, isLast, rows, hiOffset));
              Value expert =
                  select(k, arith::OrIOp::create(b, loc, isFirst, isLast),
                         minusOne, x.i32(e));
              Value length = arith::MaxSIOp::create(
                  b, loc, arith::SubIOp::create(b, loc, hi, lo), zero);
              Value tiles = arith::DivSIOp::create(
                  b, loc,
                  arith::AddIOp::create(
                      b, loc, length,
                      arith::SubIOp::create(b, loc, tileM, one)),
                  tileM);
              Value counted = arith::AndIOp::create(
                  b, loc, valid,
                  arith::XOrIOp::create(
                      b, loc, notMonotone,
                      arith::ConstantOp::create(b, loc, b.getBoolAttr(true))));
              tiles = select(k, counted, tiles, zero);

              storeI32(k, tiles, scan, tid);
              gpu::BarrierOp::create(b, loc);
              blockInclusiveScan(k, scan, tid);
              Value inclusive = loadI32(k, scan, tid);
              Value first = arith::AddIOp::create(
                  b, loc, arith::SubIOp::create(b, loc, inclusive, tiles),
                  carried[0]);
              k.forLoop(x.c(0), x.fromI32(tiles), x.c(1),
                        [&](KernelBuilder &k, Value j) {
                          Ix x{k};
                          OpBuilder &b = k.b();
                          Value entry = x.add(x.c(kHeaderWords),
                                              x.mul(x.add(x.fromI32(first), j),
                                                    x.c(kEntryWords)));
                          Value start = arith::AddIOp::create(
                              b, loc, lo,
                              arith::MulIOp::create(b, loc, x.i32(j), tileM));
                          Value count = arith::MinSIOp::create(
                              b, loc, tileM,
                              arith::SubIOp::create(b, loc, hi, start));
                          storeI32(k, expert, schedule, entry);
                          storeI32(k, start, schedule, x.add(entry, x.c(1)));
                          storeI32(k, count, schedule, x.add(entry, x.c(2)));
                          storeI32(k, first, schedule, x.add(entry, x.c(3)));
                          storeI32(k, tiles, schedule, x.add(entry, x.c(4)));
                        });
              Value chunkTotal = loadI32(k, scan, x.c(kScheduleThreads - 1));
              gpu::BarrierOp::create(b, loc);
              return {arith::AddIOp::create(b, loc, carried[0], chunkTotal)};
            });
        k.ifThen(
            cmpI(k, arith::CmpIPredicate::eq, tid, x.c(0)),
            [&](KernelBuilder &k) {
              storeI32(k, total[0], schedule, k.index(0));
              storeI32(k, zero, schedule, k.index(kTileCounterWord));
              storeI32(k, arith::ExtUIOp::create(k.b(), loc, i32, notMonotone),
                       schedule, k.index(1));
              // Splits (1 for a configuration without split_k) and
              // whether the reduction kernel runs.
              Ix x{k};
              Value splits = x.c(1);
              if (config.splitK > 1)
                splits = computeSplits(k, config, plan, x.fromI32(total[0]));
              Value split = cmpI(k, arith::CmpIPredicate::ugt, splits, x.c(1));
              Value monotone = arith::XOrIOp::create(
                  k.b(), loc, notMonotone,
                  arith::ConstantOp::create(k.b(), loc,
                                            k.b().getBoolAttr(true)));
              Value reduce = arith::AndIOp::create(k.b(), loc, split, monotone);
              storeI32(k, x.i32(splits), schedule, k.index(kSplitsWord));
              storeI32(k, arith::ExtUIOp::create(k.b(), loc, i32, reduce),
                       schedule, k.index(kReduceFlagWord));
            });
      },
      buffers);
}

//===----------------------------------------------------------------------===//
// 2. The persistent GEMM kernel, in tile IR
//===----------------------------------------------------------------------===//

/// The global operands the tiles come from.
struct TileSources {
  Value a;        ///< A [R, K], or [M, K] gathered through rowIndex
  Value rowIndex; ///< [R] i32, optional
  int64_t indexDivisor;
  Value w; ///< W [E, N, K], or its view [E, 2, N/2, K] when gated
};

MemRefType workgroupType(ArrayRef<int64_t> shape, Type elementType) {
  MLIRContext *context = elementType.getContext();
  return MemRefType::get(
      shape, elementType, MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup));
}

/// Rows [first, first + count) of a rank-2 workgroup tile.
Value tileRows(KernelBuilder &k, Value tile, int64_t first, int64_t count) {
  OpBuilder &b = k.b();
  auto type = cast<MemRefType>(tile.getType());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(first),
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(count),
                                     b.getIndexAttr(type.getDimSize(1))};
  SmallVector<OpFoldResult> strides = {b.getIndexAttr(1), b.getIndexAttr(1)};
  return memref::SubViewOp::create(b, k.getLoc(), tile, offsets, sizes,
                                   strides);
}

struct GemmKernelBuilder {
  const RowGemm &gemm;
  const GemmSizes &sizes;
  const TileConfig &config;
  TileSources sources;
  Value schedule;
  Value numNBlocks;
  bool gated;
  Type elementType;
  bool dynamicTiles;
  /// Split K (config.splitK > 1): the f32 partial sums [splits * R, nBlocks
  /// * tileN], split s of row r at row s * partialRows + r.
  Value workspace;
  Value partialRows;
  /// The epilogue's staging buffer (moe.tile_store staging), or null.
  Value staging;

  int64_t outTileN() const { return gated ? config.tileN / 2 : config.tileN; }

  /// The K blocks of one tile, [first, first + count), and for a split
  /// tile its split and the call's number of splits (null without split_k).
  struct KRange {
    Value first, count;
    Value split, splits;
  };

  /// The tile loads of K block `kBlock`: the A rows into `aTile`, the W
  /// columns into `wTile` (gate rows into its first half and up rows into
  /// its second when gated). The blocks of a cluster load the same W tile,
  /// multicast.
  void loadTiles(KernelBuilder &k, Value aTile, Value wTile, Value kBlock,
                 Value expert, Value rowStart, Value nBlock) {
    Ix x{k};
    Value kCoord = x.mul(kBlock, x.c(config.tileK));
    // With l2_hints: an expert's A rows are read again by each of its
    // column blocks, over the whole time its tiles run; a W tile only by
    // the row tiles of its column block, which run together.
    CachePriority aPriority =
        config.l2Hints ? CachePriority::evict_last : CachePriority::normal;
    CachePriority wPriority =
        config.l2Hints ? CachePriority::evict_first : CachePriority::normal;
    TileLoadOp::create(k.b(), k.getLoc(), sources.a,
                       ValueRange{rowStart, kCoord}, aTile, kRowBytes,
                       sources.rowIndex, sources.indexDivisor, 1, aPriority);
    if (!gated) {
      Value n = x.mul(nBlock, x.c(config.tileN));
      TileLoadOp::create(k.b(), k.getLoc(), sources.w,
                         ValueRange{expert, n, kCoord}, wTile, kRowBytes,
                         Value(), 1, config.clusterM, wPriority);
      return;
    }
    int64_t half = config.tileN / 2;
    Value n = x.mul(nBlock, x.c(half));
    for (int64_t part = 0; part < 2; ++part)
      TileLoadOp::create(k.b(), k.getLoc(), sources.w,
                         ValueRange{expert, x.c(part), n, kCoord},
                         tileRows(k, wTile, part * half, half), kRowBytes,
                         Value(), 1, config.clusterM, wPriority);
  }

  /// quant = fp8_block: `acc` plus the K block `kBlock`'s partial sums
  /// `partial` times their scales. The weight rows of the accumulator's
  /// columns: n0 on (the tile's column block), or for a gated tile the
  /// gate rows n0 on and the up rows N/2 + n0 on (split), 2 n0 and
  /// 2 n0 + 1 on by twos (interleaved), n0 = nBlock * tileN / 2.
  Value promote(KernelBuilder &k, Value partial, Value acc, Value warpgroup,
                Value rowCount, Value rowStart, Value kBlock, Value expert,
                Value nBlock) {
    Ix x{k};
    Value n0 = x.mul(nBlock, x.c(outTileN()));
    Value wRow = n0, upRow;
    int64_t stride = 1;
    if (gated && gemm.gateUpLayout == GateUpLayout::interleaved) {
      stride = 2;
      wRow = x.mul(n0, x.c(2));
      upRow = x.add(wRow, x.c(1));
    } else if (gated) {
      upRow = x.add(sizes.upOffset, n0);
    }
    return TileScaleAccumulateOp::create(
        k.b(), k.getLoc(), partial.getType(), partial, acc, warpgroup, rowCount,
        gemm.aScale, rowStart, kBlock, gemm.wScale, expert, wRow, upRow,
        stride);
  }

  /// One output tile: the K loop of tile loads and MMAs, then the epilogue
  /// (or, for one split of several, the partial sums into the workspace).
  void computeTile(KernelBuilder &k, Value aTile, Value wTile, Value warpgroup,
                   const KRange &range, Value expert, Value rowStart,
                   Value rowCount, Value nBlock) {
    Ix x{k};
    OpBuilder &b = k.b();
    Location loc = k.getLoc();
    // The epilogue's per-row values, toward the SM while the K loop runs.
    for (Value rows : {gemm.scale, gemm.rowIndex})
      if (rows)
        TilePrefetchOp::create(b, loc, rows, rowStart, rowCount);
    auto accType =
        VectorType::get({config.tileM, config.tileN}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
    auto loop = scf::ForOp::create(
        b, loc, x.c(0), range.count, x.c(1), ValueRange{zero},
        [&](OpBuilder &nested, Location nestedLoc, Value step,
            ValueRange carried) {
          KernelBuilder k(nested, nestedLoc);
          Value kBlock = range.first ? Ix{k}.add(range.first, step) : step;
          loadTiles(k, aTile, wTile, kBlock, expert, rowStart, nBlock);
          // A warpgroup whose rows are all past the expert's skips its
          // MMAs: the last tile of an expert often has 64 rows or fewer.
          if (gemm.quant != QuantScheme::fp8_block) {
            Value acc = TileMmaOp::create(nested, nestedLoc, accType, aTile,
                                          wTile, carried[0], warpgroup,
                                          rowCount, kRowBytes, /*pending=*/0);
            scf::YieldOp::create(nested, nestedLoc, ValueRange{acc});
            return;
          }
          // fp8_block: the step is one 128-wide K block, summed on its own
          // and promoted into the f32 accumulator with its scales.
          Value partial =
              TileMmaOp::create(nested, nestedLoc, accType, aTile, wTile, zero,
                                warpgroup, rowCount, kRowBytes, /*pending=*/0);
          Value done =
              TileMmaWaitOp::create(nested, nestedLoc, accType, partial, 0);
          Value acc = promote(k, done, carried[0], warpgroup, rowCount,
                              rowStart, kBlock, expert, nBlock);
          scf::YieldOp::create(nested, nestedLoc, ValueRange{acc});
        });
    // The pipelining pass reads the ring depth off the loop.
    loop->setAttr(kPipelineStagesAttr, b.getI64IntegerAttr(config.stages));
    Value done = TileMmaWaitOp::create(b, loc, accType, loop.getResult(0), 0);
    auto storeOutput = [&](KernelBuilder &k) {
      Ix x{k};
      Value bias = gemm.bias, scale = gemm.scale, rowIndex = gemm.rowIndex;
      // fp8_channel / fp8_tensor: the scales once, in the epilogue.
      bool dequant = gemm.quant == QuantScheme::fp8_channel ||
                     gemm.quant == QuantScheme::fp8_tensor;
      Value aScale = dequant ? gemm.aScale : Value();
      Value wScale = dequant ? gemm.wScale : Value();
      TileStoreOp::create(
          k.b(), loc, done, warpgroup, gemm.out, rowStart,
          x.mul(nBlock, x.c(outTileN())), rowCount, gemm.epilogue, bias,
          bias || dequant ? expert : Value(), scale, rowIndex,
          gemm.indexDivisor, rowIndex ? sizes.numARows : Value(), aScale,
          wScale, gemm.gateUpLayout, gemm.clampLimit, gemm.swigluAlpha,
          staging);
    };
    if (!range.splits) {
      storeOutput(k);
      return;
    }
    // One split of several: the raw accumulator, for the reduction kernel
    // to add up and finish.
    Value isSplit = x.lt(x.c(1), range.splits);
    k.ifThenElse(
        isSplit,
        [&](KernelBuilder &k) {
          Ix x{k};
          Value splitRows = x.mul(range.split, partialRows);
          Value row = x.add(splitRows, rowStart);
          Value col = x.mul(nBlock, x.c(config.tileN));
          TileStoreOp::create(k.b(), loc, done, warpgroup, workspace, row, col,
                              rowCount, Epilogue::none, Value(), Value(),
                              Value(), Value(), 1, Value(), Value(), Value(),
                              GateUpLayout::split, FloatAttr(), FloatAttr(),
                              Value());
        },
        storeOutput);
  }

  /// Rows outside every expert: a zero tile.
  void zeroTile(KernelBuilder &k, Value warpgroup, Value rowStart,
                Value rowCount, Value nBlock) {
    Ix x{k};
    OpBuilder &b = k.b();
    auto zeroType = VectorType::get({config.tileM, outTileN()}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, k.getLoc(),
        DenseElementsAttr::get(zeroType, b.getF32FloatAttr(0.0f)));
    TileStoreOp::create(b, k.getLoc(), zero, warpgroup, gemm.out, rowStart,
                        x.mul(nBlock, x.c(outTileN())), rowCount,
                        Epilogue::none, Value(), Value(), Value(), Value(), 1,
                        Value(), Value(), Value(), GateUpLayout::split,
                        FloatAttr(), FloatAttr(), Value());
  }

  /// The tile `tile` of the persistent loop; `splits` is the call's number
  /// of K splits (null without split_k), the split varying fastest.
  void buildTile(KernelBuilder &k, Value aTile, Value wTile, Value warpgroup,
                 Value numK, Value splits, Value tile, Value rank) {
    Ix x{k};
    Location loc = k.getLoc();
    KRange range{Value(), numK, Value(), Value()};
    if (splits) {
      range.split = x.rem(tile, splits);
      range.splits = splits;
      tile = x.div(tile, splits);
      Value perSplit = k.ceilDiv(numK, splits);
      Value first = x.min(x.mul(range.split, perSplit), numK);
      range.first = first;
      range.count = x.min(perSplit, x.sub(numK, first));
    }
    // L2-aware raster: the tiles of one segment (expert) are consecutive,
    // column block by column block, so the blocks running at once share a
    // few W column blocks and the expert's A rows instead of streaming all
    // of W once per row tile. Tile t lies in the segment of m-tile
    // t / numNBlocks.
    Value probe = x.add(x.c(kHeaderWords),
                        x.mul(x.div(tile, numNBlocks), x.c(kEntryWords)));
    Value groupFirst = x.fromI32(loadI32(k, schedule, x.add(probe, x.c(3))));
    Value groupTiles = x.fromI32(loadI32(k, schedule, x.add(probe, x.c(4))));
    Value local = x.sub(tile, x.mul(groupFirst, numNBlocks));
    Value nBlock = x.div(local, groupTiles);
    Value mTile = x.add(groupFirst, x.rem(local, groupTiles));
    Value entry = x.add(x.c(kHeaderWords), x.mul(mTile, x.c(kEntryWords)));
    Value expert = loadI32(k, schedule, entry);
    Value rowStart = x.fromI32(loadI32(k, schedule, x.add(entry, x.c(1))));
    Value rowCount = x.fromI32(loadI32(k, schedule, x.add(entry, x.c(2))));
    if (config.clusterM > 1) {
      // This block's row tile of the entry: rows rank * tileM on, possibly
      // none (it still takes part in the cluster's shared W loads).
      // One op per statement: the IR must not depend on the order in which
      // the compiler evaluates function arguments.
      Value skipped = x.mul(rank, x.c(config.tileM));
      rowStart = x.add(rowStart, skipped);
      Value hasRows = x.lt(skipped, rowCount);
      Value rest = x.sub(rowCount, skipped);
      Value none = x.c(0);
      Value left = select(k, hasRows, rest, none);
      rowCount = x.min(left, x.c(config.tileM));
    }
    Value hasExpert = cmpI(k, arith::CmpIPredicate::sge, expert, k.i32(0));
    auto ifOp = scf::IfOp::create(k.b(), loc, TypeRange(), hasExpert,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(k.b());
    k.b().setInsertionPointToStart(ifOp.thenBlock());
    computeTile(k, aTile, wTile, warpgroup, range, x.fromI32(expert), rowStart,
                rowCount, nBlock);
    k.b().setInsertionPointToStart(ifOp.elseBlock());
    if (!splits) {
      zeroTile(k, warpgroup, rowStart, rowCount, nBlock);
      return;
    }
    // Split calls leave the rows outside every expert to the reduction.
    k.ifThen(cmpI(k, arith::CmpIPredicate::eq, splits, x.c(1)),
             [&](KernelBuilder &k) {
               zeroTile(k, warpgroup, rowStart, rowCount, nBlock);
             });
  }

  /// Tiles from the schedule's counter: walker b (a block, or a cluster of
  /// blocks that share the claims) starts with tile b; as a tile starts, it
  /// claims the next one (walkers + the counter's old value) into `slot` and
  /// reads the claim after the tile. Tiles thus start
  /// in order whatever each costs (a tile whose second warpgroup has no
  /// rows takes half the MMA time), which keeps the tiles in flight, and
  /// the W blocks and A rows they share, close together.
  void dynamicTileLoop(KernelBuilder &k, Value first, Value walkers,
                       Value numTiles, Value slot,
                       function_ref<void(KernelBuilder &, Value)> body) {
    OpBuilder &b = k.b();
    Location loc = k.getLoc();
    Type index = b.getIndexType();
    auto loop =
        scf::WhileOp::create(b, loc, TypeRange{index}, ValueRange{first});
    OpBuilder::InsertionGuard guard(b);
    Block *before = b.createBlock(&loop.getBefore(), {}, {index}, {loc});
    Ix x{k};
    scf::ConditionOp::create(b, loc, x.lt(before->getArgument(0), numTiles),
                             before->getArguments());
    Block *after = b.createBlock(&loop.getAfter(), {}, {index}, {loc});
    TileClaimOp::create(b, loc, schedule, x.c(kTileCounterWord), walkers, slot,
                        config.clusterM);
    body(k, after->getArgument(0));
    Value next = TileClaimedOp::create(b, loc, index, slot, config.clusterM);
    scf::YieldOp::create(b, loc, next);
  }

  void build(KernelBuilder &kb, Value grid) {
    int64_t threads = kWarpgroupThreads * config.warpgroups;
    gpu::LaunchOp launch = kb.launch(
        grid, threads, config.clusterM,
        [&](KernelBuilder &k, const LaunchIds &ids) {
          Ix x{k};
          OpBuilder &b = k.b();
          Location loc = k.getLoc();
          Value warpgroup = x.div(ids.threadId, x.c(kWarpgroupThreads));
          Value aTile = TileAllocOp::create(
              b, loc, workgroupType({config.tileM, config.tileK}, elementType));
          Value wTile = TileAllocOp::create(
              b, loc, workgroupType({config.tileN, config.tileK}, elementType));
          Type outElement =
              cast<MemRefType>(gemm.out.getType()).getElementType();
          if (config.stagedEpilogue && outElement.getIntOrFloatBitWidth() == 16)
            staging = TileAllocOp::create(
                b, loc,
                workgroupType({config.tileM / kStagingRows, kStagingRows,
                               kStagingRowElements},
                              outElement));

          Value numMTiles = x.fromI32(loadI32(k, schedule, x.c(0)));
          Value numTiles = x.mul(numMTiles, numNBlocks);
          Value numK = k.ceilDiv(sizes.reduction, x.c(config.tileK));
          Value splits;
          if (config.splitK > 1) {
            splits = x.fromI32(loadI32(k, schedule, x.c(kSplitsWord)));
            numTiles = x.mul(numTiles, splits);
          }
          // Blocks b and b + 1 of a 1-D grid in clusters of 2 form
          // cluster b / 2, ranks 0 and 1.
          Value rank = x.rem(ids.blockId, x.c(config.clusterM));
          auto body = [&](KernelBuilder &k, Value tile) {
            buildTile(k, aTile, wTile, warpgroup, numK, splits, tile, rank);
          };
          // The blocks of a cluster walk the same tiles in the same order
          // (their copies are shared): tiles count per cluster.
          Value first = ids.blockId, walkers = ids.gridSize;
          if (config.clusterM > 1) {
            first = x.div(ids.blockId, x.c(config.clusterM));
            walkers = x.div(ids.gridSize, x.c(config.clusterM));
          }
          if (!dynamicTiles) {
            k.forLoop(first, numTiles, walkers, body);
            return;
          }
          // A tile buffer like the others: the tile buffers take the
          // kernel's shared memory from its start.
          Value slot =
              TileAllocOp::create(b, loc, workgroupType({1}, b.getI32Type()));
          dynamicTileLoop(k, first, walkers, numTiles, slot, body);
        });
    if (config.warpSpecialize)
      launch->setAttr(kWarpSpecializeAttr, UnitAttr::get(launch.getContext()));
  }
};

//===----------------------------------------------------------------------===//
// Host side
//===----------------------------------------------------------------------===//

/// W [E, N, K] seen as [E, 2, N/2, K]: gate rows then up rows. With
/// interleaved rows (gate 2i, up 2i + 1) the view's strides pick them
/// apart, so the tile loads and the epilogue are those of split rows.
Value gatedWeightView(KernelBuilder &kb, Value w, Value half,
                      GateUpLayout layout) {
  OpBuilder &b = kb.b();
  Location loc = kb.getLoc();
  auto metadata = memref::ExtractStridedMetadataOp::create(b, loc, w);
  Value k = kb.dim(w, 2);
  Ix x{kb};
  SmallVector<OpFoldResult> sizes = {kb.dim(w, 0), b.getIndexAttr(2), half, k};
  Value rowStride = metadata.getStrides()[1];
  bool interleaved = layout == GateUpLayout::interleaved;
  // Split: the up half starts N/2 rows on; interleaved: one row on, and
  // consecutive gate (or up) rows are two rows apart.
  Value partStride = interleaved ? rowStride : x.mul(half, rowStride);
  Value nStride = interleaved ? x.mul(x.c(2), rowStride) : rowStride;
  SmallVector<OpFoldResult> strides = {metadata.getStrides()[0], partStride,
                                       nStride, b.getIndexAttr(1)};
  auto type = cast<MemRefType>(w.getType());
  int64_t dyn = ShapedType::kDynamic;
  auto viewType = MemRefType::get(
      {dyn, 2, dyn, dyn}, type.getElementType(),
      StridedLayoutAttr::get(b.getContext(), dyn, {dyn, dyn, dyn, 1}));
  return memref::ReinterpretCastOp::create(
      b, loc, viewType, w, OpFoldResult(metadata.getOffset()), sizes, strides);
}

/// Whether the address of `memref`'s first element is a multiple of 16.
Value isAligned16(KernelBuilder &kb, Value memref) {
  Ix x{kb};
  auto metadata =
      memref::ExtractStridedMetadataOp::create(kb.b(), kb.getLoc(), memref);
  auto type = cast<MemRefType>(memref.getType());
  int64_t bytes = type.getElementTypeBitWidth() / 8;
  // One op per statement: the order of function arguments is unspecified,
  // and the IR must not depend on the compiler that built moe-opt.
  Value base = addressOf(kb, memref);
  Value offset = x.mul(metadata.getOffset(), x.c(bytes));
  Value address = x.add(base, offset);
  return cmpI(kb, arith::CmpIPredicate::eq, x.rem(address, x.c(16)), x.c(0));
}

} // namespace

bool mlir::moe::canUseTiledGroupedMatmul(const RowGemm &gemm) {
  if (!gemm.offsets || gemm.typeIds || gemm.indexDivisor < 1)
    return false;
  auto aType = cast<MemRefType>(gemm.a.getType());
  auto wType = cast<MemRefType>(gemm.w.getType());
  Type element = aType.getElementType();
  if (element != wType.getElementType())
    return false;
  // The fp8 schemes read a_scale by the tile's rows (fp8_block in the
  // promotion, fp8_channel and fp8_tensor in the epilogue), so A must be
  // contiguous: a gathered fp8 GEMM takes the simple kernel.
  bool fp8 = isa<Float8E4M3FNType>(element) && gemm.aScale && !gemm.rowIndex;
  if (!(element.isBF16() || element.isF16() || fp8))
    return false;
  // TMA reads rows of contiguous elements; row strides are checked at run
  // time through the identity layout's K.
  return aType.getLayout().isIdentity() && wType.getLayout().isIdentity();
}

void mlir::moe::buildTiledGroupedMatmul(PatternRewriter &rewriter, Location loc,
                                        const RowGemm &gemm,
                                        ArrayRef<GemmConfigAttr> gemmConfigs,
                                        bool dynamicTiles) {
  KernelBuilder kb(rewriter, loc);
  Ix x{kb};
  SmallVector<TileConfig> configs =
      llvm::map_to_vector(gemmConfigs, readTileConfig);
  GemmSizes sizes = computeGemmSizes(kb, gemm);
  bool gated = isGatedEpilogue(gemm.epilogue);

  // Schedule buffer, allocated unconditionally (moe-device-allocations
  // frees it at the function's end), large enough for the most schedule
  // entries of any tiled configuration (the stream kernel has none).
  SmallVector<Value> maxMTiles;
  Value scheduleWords;
  for (auto [index, config] : llvm::enumerate(configs)) {
    maxMTiles.push_back(x.add(kb.ceilDiv(sizes.rows, x.c(config.scheduleM())),
                              x.add(sizes.numExperts, x.c(2))));
    if (gemmConfigs[index].getKernel() != GemmKernel::tiled)
      continue;
    Value entries = x.mul(maxMTiles.back(), x.c(kEntryWords));
    Value words = x.add(x.c(kHeaderWords), entries);
    scheduleWords = scheduleWords ? arith::MaxUIOp::create(rewriter, loc,
                                                           scheduleWords, words)
                                  : words;
  }
  Value schedule;
  if (scheduleWords)
    schedule = memref::AllocOp::create(
        rewriter, loc,
        MemRefType::get({ShapedType::kDynamic}, rewriter.getI32Type()),
        ValueRange{scheduleWords});

  // The TMA rules: 16-byte aligned bases and row strides (K % 8 == 0 for
  // 16-bit elements, K % 16 == 0 for fp8), no empty dimension.
  auto nonZero = [&](Value v) {
    return cmpI(kb, arith::CmpIPredicate::ne, v, x.c(0));
  };
  auto isMultiple = [&](Value v, int64_t of) {
    Value rest = x.rem(v, x.c(of));
    Value zero = x.c(0);
    return cmpI(kb, arith::CmpIPredicate::eq, rest, zero);
  };
  auto aType = cast<MemRefType>(gemm.a.getType());
  int64_t rowElements = 16 / (aType.getElementTypeBitWidth() / 8);
  Value kA = kb.dim(gemm.a, 1), kW = kb.dim(gemm.w, 2);
  Value aAligned = isAligned16(kb, gemm.a);
  Value wAligned = isAligned16(kb, gemm.w);
  Value ok = x.andI(aAligned, wAligned);
  for (Value k : {kA, kW})
    ok = x.andI(ok, isMultiple(k, rowElements));
  // fp8_block with split gate/up rows: the up rows start at N/2, and the
  // promotion reads one weight scale per 8 accumulator columns, so N/2
  // must be a multiple of 8 (moe.tile_scale_accumulate's up_row).
  if (gemm.quant == QuantScheme::fp8_block && gated &&
      gemm.gateUpLayout == GateUpLayout::split)
    ok = x.andI(ok, isMultiple(sizes.upOffset, 8));
  // The schedule and the copy coordinates are 32-bit: larger dimensions
  // take the simple kernel.
  for (Value v : {sizes.rows, sizes.numARows, sizes.reduction, sizes.outCols,
                  sizes.numExperts}) {
    ok = x.andI(ok, nonZero(v));
    ok = x.andI(ok, x.lt(v, x.c(kMaxTiledExtent)));
  }

  // Per configuration: its column blocks, its grid and how it may split K.
  // The split-K workspace is sized here, in the function's body (where
  // moe-device-allocations takes temporaries), for the configuration the
  // rows select, and only where that configuration may split.
  struct ConfigPlan {
    Value numNBlocks, grid;
    SplitPlan split;
  };
  SmallVector<ConfigPlan> plans;
  Value workspaceRows = x.c(1), workspaceCols = x.c(1);
  bool anySplit = false;
  for (auto [index, config] : llvm::enumerate(configs)) {
    int64_t outTileN = gated ? config.tileN / 2 : config.tileN;
    Value numNBlocks = kb.ceilDiv(sizes.outCols, x.c(outTileN));
    Value numK = kb.ceilDiv(sizes.reduction, x.c(config.tileK));
    // Whole clusters: at least one, at most ctas blocks.
    Value allTiles = x.mul(maxMTiles[index], numNBlocks);
    if (config.splitK > 1)
      allTiles = x.mul(allTiles, x.c(config.splitK));
    Value maxClusters =
        x.c(std::max<int64_t>(config.ctas / config.clusterM, 1));
    Value clusters = x.min(allTiles, maxClusters);
    Value one = x.c(1);
    clusters = arith::MaxUIOp::create(rewriter, loc, clusters, one);
    Value grid = x.mul(clusters, x.c(config.clusterM));
    ConfigPlan plan{numNBlocks, grid, {}};
    if (config.splitK > 1) {
      anySplit = true;
      // The device splits only below `target` tiles, and a call has at
      // least ceil(R / tileM) m-tiles: more rows never split.
      Value target = x.mul(grid, x.c(kSplitTilesPerBlock));
      Value leastMTiles = kb.ceilDiv(sizes.rows, x.c(config.tileM));
      Value leastTiles = x.mul(leastMTiles, numNBlocks);
      Value allowed = x.lt(leastTiles, target);
      if (int64_t least = gemmConfigs[index].getMinRows())
        allowed = x.andI(allowed, cmpI(kb, arith::CmpIPredicate::uge,
                                       sizes.rows, x.c(least)));
      if (index + 1 < configs.size()) {
        Value nextMinRows = x.c(gemmConfigs[index + 1].getMinRows());
        allowed = x.andI(allowed, x.lt(sizes.rows, nextMinRows));
      }
      Value zero = x.c(0);
      plan.split = {select(kb, allowed, one, zero), target, numNBlocks, numK};
      Value rows = x.mul(sizes.rows, x.c(config.splitK));
      Value cols = x.mul(numNBlocks, x.c(config.tileN));
      workspaceRows = arith::MaxUIOp::create(rewriter, loc, workspaceRows,
                                             select(kb, allowed, rows, one));
      workspaceCols = arith::MaxUIOp::create(rewriter, loc, workspaceCols,
                                             select(kb, allowed, cols, one));
    }
    plans.push_back(plan);
  }
  Value workspace;
  if (anySplit) {
    int64_t dynamic = ShapedType::kDynamic;
    workspace = memref::AllocOp::create(
        rewriter, loc,
        MemRefType::get({dynamic, dynamic}, rewriter.getF32Type()),
        ValueRange{workspaceRows, workspaceCols});
  }

  // One header word of the schedule as a buffer of its own (a device flag).
  auto scheduleWord = [&](int64_t word) -> Value {
    return memref::SubViewOp::create(
        rewriter, loc, schedule,
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(word)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
  };

  // The schedule kernel, the persistent kernel of configuration `index`,
  // its device-gated fallback and, with split_k, the device-gated
  // reduction of the splits, at the rewriter's insertion point.
  auto emitTiledKernels = [&](size_t index) {
    if (gemmConfigs[index].getKernel() == GemmKernel::stream) {
      buildStreamOrSimpleGroupedMatmul(rewriter, loc, gemm, gemmConfigs[index]);
      return;
    }
    const TileConfig &config = configs[index];
    const ConfigPlan &plan = plans[index];
    KernelBuilder tb(rewriter, loc);
    buildScheduleKernel(tb, gemm, sizes, config, plan.split, schedule);

    TileSources sources{
        gemm.a, gemm.rowIndex, gemm.indexDivisor,
        gated ? gatedWeightView(tb, gemm.w, sizes.upOffset, gemm.gateUpLayout)
              : gemm.w};
    GemmKernelBuilder kernel{
        gemm,
        sizes,
        config,
        sources,
        schedule,
        plan.numNBlocks,
        gated,
        cast<MemRefType>(gemm.a.getType()).getElementType(),
        dynamicTiles,
        config.splitK > 1 ? workspace : Value(),
        config.splitK > 1 ? sizes.rows : Value()};
    kernel.build(tb, plan.grid);

    RowGemm fallback = gemm;
    fallback.enableFlag = scheduleWord(1);
    fallback.maxBlocks = config.ctas;
    buildRowGemm(rewriter, loc, fallback);

    if (config.splitK == 1)
      return;
    RowGemm reduction = gemm;
    reduction.enableFlag = scheduleWord(kReduceFlagWord);
    reduction.maxBlocks = config.ctas;
    reduction.partials = workspace;
    reduction.partialRows = sizes.rows;
    reduction.splitCount = scheduleWord(kSplitsWord);
    reduction.partialTileN = config.tileN;
    buildRowGemm(rewriter, loc, reduction);
  };

  auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange(), ok,
                                /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(ifOp.thenBlock());
  // Several configurations: the last whose min_rows the rows reach, tested
  // from the largest min_rows down.
  for (size_t i = configs.size() - 1; i > 0; --i) {
    Value minRows = x.c(gemmConfigs[i].getMinRows());
    Value enough = cmpI(kb, arith::CmpIPredicate::uge, sizes.rows, minRows);
    auto pick = scf::IfOp::create(rewriter, loc, TypeRange(), enough,
                                  /*withElseRegion=*/true);
    rewriter.setInsertionPointToStart(pick.thenBlock());
    emitTiledKernels(i);
    rewriter.setInsertionPointToStart(pick.elseBlock());
  }
  emitTiledKernels(0);

  rewriter.setInsertionPointToStart(ifOp.elseBlock());
  buildRowGemm(rewriter, loc, gemm);
}
