//===- StreamGroupedMatmul.cpp - grouped_matmul streaming W rows ----------===//
//
// kernel = stream: the decode kernel of grouped_matmul. With a few rows per
// expert a GEMM is a read of the selected experts' weights, and what bounds
// it is how many SMs stream them (docs/performance.md, "Decode"): tiles of
// 64 rows leave most SMs idle when the experts have one row each. Here no
// tensor core, tile or schedule is involved; one launch does it all:
//
//  1. Each block lists the experts with rows (offsets[e] < offsets[e + 1],
//     clamped to [0, R)) in its shared memory, in expert order, with a
//     ballot per warp; and checks that the offsets are monotone. Where they
//     are not (legal IR, meaningless for MoE) every block runs the simple
//     kernel's code instead (buildRowGemmInLaunch) and stops.
//  2. Rows outside [offsets[0], offsets[E]) are zeroed, spread over the grid.
//  3. Units (listed expert, group of `columns` output columns), listed
//     expert by expert, go to the blocks round robin. A unit's threads split
//     into slots of `lanes` threads, one slot per `kColumnsPerSlot` columns;
//     a thread walks K in 16-byte chunks (lane, lane + lanes, ...), loads
//     the chunk of each of its W rows (gate and up rows when gated) and of
//     up to kRowsPerPass A rows of the expert (through row_index when
//     gathered), and accumulates the products in f32. The slot's partial
//     sums are added by xor shuffles and then in shared memory, always in
//     the same order, and one thread per (row, column) applies the
//     epilogue (buildRowEpilogue) and stores. An expert with more rows
//     takes several passes over its W rows (the later ones mostly from L2).
//
// Loads are 16-byte vectors, so the host checks at run time that A and W
// allow them (aligned bases and rows, K a multiple of 8) and otherwise runs
// the simple kernel.
//
//===----------------------------------------------------------------------===//

#include "EpilogueMath.h"
#include "GemmKernels.h"
#include "KernelBuilder.h"
#include "VectorAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr int64_t kThreads = 256;
constexpr int64_t kWarpSize = 32;
/// A rows of one pass over a unit's W rows.
constexpr int64_t kRowsPerPass = 4;
/// Output columns of one slot of threads: with gated epilogues, four W
/// rows in flight per thread and K chunk.
constexpr int64_t kColumnsPerSlot = 2;
/// The listed experts live in shared memory.
constexpr int64_t kMaxExperts = 1024;
/// The grid is at most this many blocks per `ctas`.
constexpr int64_t kBlocksPerCta = 4;
/// Elements of one 16-byte chunk (bf16, f16).
constexpr int64_t kChunk = 8;
/// K chunk steps of a thread unrolled in the IR (a static K needing more
/// takes an scf.for).
constexpr int64_t kMaxUnrolledSteps = 8;

/// How a unit's threads share K and the columns.
struct StreamShape {
  int64_t lanes;      ///< threads per slot, a power of two
  int64_t slots;      ///< kThreads / lanes
  int64_t columns;    ///< output columns per unit
  int64_t steps;      ///< K chunk steps per thread; 0: K is dynamic
  int64_t groupLanes; ///< lanes added by shuffles: min(lanes, 32)
  int64_t parts;      ///< sums per (row, column): 2 gated, else 1
  /// K elements of one 16-byte W load: 8 (16-bit W), 16 (int8), 32 (int4).
  int64_t chunkElements;
  /// Accumulators per thread.
  int64_t values() const { return kColumnsPerSlot * kRowsPerPass * parts; }
  int64_t groupsPerSlot() const { return lanes / groupLanes; }
};

/// K elements of one 16-byte load of `gemm`'s W.
int64_t getChunkElements(const RowGemm &gemm) {
  if (gemm.quant == QuantScheme::w4a16 || gemm.quant == QuantScheme::w4a16_zp)
    return 2 * kVectorBytes;
  if (gemm.quant == QuantScheme::w8a16)
    return kVectorBytes;
  return kChunk;
}

StreamShape getStreamShape(const RowGemm &gemm) {
  StreamShape shape;
  shape.chunkElements = getChunkElements(gemm);
  // W's K in elements: its last dimension, twice that for packed int4.
  int64_t wK = cast<MemRefType>(gemm.w.getType()).getDimSize(2);
  if (!ShapedType::isDynamic(wK) && shape.chunkElements == 2 * kVectorBytes)
    wK *= 2;
  int64_t k = ShapedType::kDynamic;
  for (int64_t size : {cast<MemRefType>(gemm.a.getType()).getDimSize(1), wK}) {
    if (!ShapedType::isDynamic(size))
      k = ShapedType::isDynamic(k) ? size : std::min(k, size);
  }
  shape.lanes = kThreads;
  shape.steps = 0;
  if (!ShapedType::isDynamic(k)) {
    int64_t chunks =
        std::max<int64_t>(llvm::divideCeil(k, shape.chunkElements), 1);
    shape.lanes = std::min<int64_t>(kThreads, llvm::PowerOf2Ceil(chunks));
    shape.steps = llvm::divideCeil(chunks, shape.lanes);
  }
  shape.slots = kThreads / shape.lanes;
  shape.columns = shape.slots * kColumnsPerSlot;
  shape.groupLanes = std::min(shape.lanes, kWarpSize);
  shape.parts = isGatedEpilogue(gemm.epilogue) ? 2 : 1;
  return shape;
}

Value clampRow(KernelBuilder &k, Value offset, Value rows) {
  Value low = arith::MaxSIOp::create(k.b(), k.getLoc(), offset, k.i32(0));
  return arith::MinSIOp::create(k.b(), k.getLoc(), low, rows);
}

Value loadI32(KernelBuilder &k, Value memref, Value index) {
  return memref::LoadOp::create(k.b(), k.getLoc(), memref, index);
}

/// The rows [lo, hi) of expert `e` (index), clamped to [0, rows) (`rows`
/// i32), as i32.
std::pair<Value, Value> expertRows(KernelBuilder &k, Value offsets, Value e,
                                   Value rows) {
  Value next = add(k, e, k.index(1));
  Value lo = clampRow(k, loadI32(k, offsets, e), rows);
  Value hi = clampRow(k, loadI32(k, offsets, next), rows);
  return {lo, hi};
}

struct StreamKernelBuilder {
  StreamKernelBuilder(const RowGemm &gemm, const GemmSizes &sizes,
                      const StreamShape &shape)
      : gemm(gemm), sizes(sizes), shape(shape),
        activation(getEpilogueActivation(gemm.epilogue, gemm.gateUpLayout,
                                         gemm.clampLimit, gemm.swigluAlpha)) {}

  const RowGemm &gemm;
  const GemmSizes &sizes;
  const StreamShape &shape;
  EpilogueActivation activation;

  Value list, warpCounts, partials; ///< workgroup buffers
  Value tid, slot, laneInSlot;      ///< index
  Value rowsI32;                    ///< R as i32

  /// Lists the experts with rows into `list`; returns their number (i32)
  /// and whether some offsets decrease (i32, 0 or 1, the block's maximum).
  std::pair<Value, Value> listExperts(KernelBuilder &k) {
    Location loc = k.getLoc();
    Value lane = remU(k, tid, k.index(kWarpSize));
    Value warp = divU(k, tid, k.index(kWarpSize));
    Value laneI32 = toI32(k, lane);
    Value below =
        sub(k, arith::ShLIOp::create(k.b(), loc, k.i32(1), laneI32), k.i32(1));
    Value lastExpert = sub(k, sizes.numExperts, k.index(1));
    SmallVector<Value> result = forLoopCarrying(
        k, k.index(0), sizes.numExperts, k.index(kThreads),
        ValueRange{k.i32(0), k.i32(0)},
        [&](KernelBuilder &k, Value base, ValueRange carried) {
          Location loc = k.getLoc();
          Value e = add(k, base, tid);
          Value inRange =
              cmpI(k, arith::CmpIPredicate::ult, e, sizes.numExperts);
          Value safe = minU(k, e, lastExpert);
          Value next = add(k, safe, k.index(1));
          Value loRaw = loadI32(k, gemm.offsets, safe);
          Value hiRaw = loadI32(k, gemm.offsets, next);
          Value decreasing = andI(
              k, inRange, cmpI(k, arith::CmpIPredicate::sgt, loRaw, hiRaw));
          Value lo = clampRow(k, loRaw, rowsI32);
          Value hi = clampRow(k, hiRaw, rowsI32);
          Value hasRows =
              andI(k, inRange, cmpI(k, arith::CmpIPredicate::sgt, hi, lo));
          Value ballot = NVVM::VoteSyncOp::create(
              k.b(), loc, k.b().getI32Type(), k.i32(-1), hasRows,
              NVVM::VoteSyncKind::ballot);
          Value earlier = arith::AndIOp::create(k.b(), loc, ballot, below);
          Value rank = math::CtPopOp::create(k.b(), loc, earlier);
          Value count = math::CtPopOp::create(k.b(), loc, ballot);
          k.ifThen(cmpI(k, arith::CmpIPredicate::eq, lane, k.index(0)),
                   [&](KernelBuilder &k) {
                     memref::StoreOp::create(k.b(), k.getLoc(), count,
                                             warpCounts, warp);
                   });
          gpu::BarrierOp::create(k.b(), loc);
          Value before = k.i32(0), total = k.i32(0);
          for (int64_t w = 0; w < kThreads / kWarpSize; ++w) {
            Value counted = loadI32(k, warpCounts, k.index(w));
            Value isBefore =
                cmpI(k, arith::CmpIPredicate::ult, k.index(w), warp);
            Value part = select(k, isBefore, counted, k.i32(0));
            before = add(k, before, part);
            total = add(k, total, counted);
          }
          k.ifThen(hasRows, [&](KernelBuilder &k) {
            Value position = add(k, add(k, carried[0], before), rank);
            memref::StoreOp::create(k.b(), k.getLoc(), toI32(k, e), list,
                                    toIndex(k, position));
          });
          // The counts are read before the next chunk writes them.
          gpu::BarrierOp::create(k.b(), loc);
          Value decreasingI32 = arith::ExtUIOp::create(
              k.b(), loc, k.b().getI32Type(), decreasing);
          Value anyDecreasing =
              arith::MaxUIOp::create(k.b(), loc, carried[1], decreasingI32);
          return SmallVector<Value>{add(k, carried[0], total), anyDecreasing};
        });
    Value notMonotone = gpu::AllReduceOp::create(
        k.b(), loc, result[1],
        gpu::AllReduceOperationAttr::get(k.b().getContext(),
                                         gpu::AllReduceOperation::MAXUI),
        /*uniform=*/k.b().getUnitAttr());
    return {result[0], notMonotone};
  }

  /// Zeroes the rows outside [offsets[0], offsets[E]) (within [0, R)),
  /// spread over the grid's threads.
  void zeroRowsOutsideExperts(KernelBuilder &k, const LaunchIds &ids) {
    Value first =
        toIndex(k, clampRow(k, loadI32(k, gemm.offsets, k.index(0)), rowsI32));
    Value last = toIndex(
        k, clampRow(k, loadI32(k, gemm.offsets, sizes.numExperts), rowsI32));
    last = arith::MaxUIOp::create(k.b(), k.getLoc(), last, first);
    // Rows [0, first) then [last, R): `outside` of them, row i of them at
    // i, or last + (i - first) from the first's end on.
    Value outside = add(k, first, sub(k, sizes.rows, last));
    Value elements = mul(k, outside, sizes.outCols);
    Value thread = add(k, mul(k, ids.blockId, k.index(kThreads)), tid);
    Value threads = mul(k, ids.gridSize, k.index(kThreads));
    k.forLoop(thread, elements, threads, [&](KernelBuilder &k, Value i) {
      Value row = divU(k, i, sizes.outCols);
      Value col = remU(k, i, sizes.outCols);
      Value beyond = cmpI(k, arith::CmpIPredicate::uge, row, first);
      Value shifted = add(k, sub(k, row, first), last);
      Value outRow = select(k, beyond, shifted, row);
      k.storeF32(k.f32(0.0f), gemm.out, {outRow, col});
    });
  }

  /// W's row of output column `col` (index) for part 0 (the gate, or the
  /// only row) or 1 (the up row).
  Value weightRow(KernelBuilder &k, Value col, int64_t part) {
    if (activation.layout == GateUpLayout::interleaved && activation.isGated())
      return add(k, mul(k, col, k.index(2)), k.index(part));
    if (part == 1)
      return add(k, col, sizes.upOffset);
    return col;
  }

  /// A's row of output row `row` (index) and whether it has one: `row`
  /// itself, or row_index[row] / index_divisor when that is in range (0
  /// otherwise, a row that is always in bounds).
  std::pair<Value, Value> sourceRow(KernelBuilder &k, Value row) {
    if (!gemm.rowIndex)
      return {row, arith::ConstantOp::create(k.b(), k.getLoc(),
                                             k.b().getBoolAttr(true))};
    auto [source, valid] = gatheredSourceRow(k, gemm, row, sizes.numARows);
    return {select(k, valid, source, k.index(0)), valid};
  }

  /// Accumulator index of (column c of the slot, row i, part p).
  int64_t accIndex(int64_t c, int64_t i, int64_t p) const {
    return (c * kRowsPerPass + i) * shape.parts + p;
  }

  /// The 8 f32 weights of sub-chunk `sub` (elements 8 sub .. 8 sub + 7 of
  /// the chunk) of one W row: from its 16-bit values, or dequantized from
  /// its 16 loaded bytes `raw` (two int4 values a byte, element 2j in the
  /// low nibble, or one int8) with `zero` (i32, null for none) and `scale`.
  SmallVector<Value> subChunkWeights(KernelBuilder &k, ArrayRef<Value> loaded,
                                     int64_t sub, Value zero, Value scale) {
    if (!isWeightOnlyScheme(gemm.quant))
      return SmallVector<Value>(loaded.begin(), loaded.end());
    Location loc = k.getLoc();
    Type i32 = k.b().getI32Type();
    Type computeType = cast<MemRefType>(gemm.a.getType()).getElementType();
    bool int4 = gemm.quant != QuantScheme::w8a16;
    SmallVector<Value> weights;
    for (int64_t j = 0; j < kChunk; ++j) {
      int64_t byte = int4 ? (kChunk * sub + j) / 2 : kChunk * sub + j;
      Value raw = vector::ExtractOp::create(k.b(), loc, loaded.front(),
                                            ArrayRef<int64_t>{byte});
      Value q;
      if (int4) {
        Value bits = arith::ExtUIOp::create(k.b(), loc, i32, raw);
        if (j % 2)
          bits = arith::ShRUIOp::create(k.b(), loc, bits, k.i32(4));
        q = andI(k, bits, k.i32(15));
      } else {
        q = arith::ExtSIOp::create(k.b(), loc, i32, raw);
      }
      weights.push_back(dequantizeWeight(k, q, zero, scale, computeType));
    }
    return weights;
  }

  /// One K chunk step `step` (index) of a pass: the thread's chunk (16
  /// bytes of each of its W rows `wRows` [column][part], shape.chunkElements
  /// K elements), if in K, times the live A rows, 8 elements at a time.
  /// `wScales` [column][part]: the w8a16 row scales (else empty).
  SmallVector<Value> chunkStep(KernelBuilder &k, Value step, Value expert,
                               ArrayRef<SmallVector<Value>> wRows,
                               ArrayRef<SmallVector<Value>> wScales,
                               ArrayRef<Value> aRows, ArrayRef<Value> live,
                               Value numChunks, ValueRange accs) {
    Value chunk = add(k, laneInSlot, mul(k, step, k.index(shape.lanes)));
    Value inK = cmpI(k, arith::CmpIPredicate::ult, chunk, numChunks);
    bool weightOnly = isWeightOnlyScheme(gemm.quant);
    bool int4 = weightOnly && gemm.quant != QuantScheme::w8a16;
    return ifThenElseValues(
        k, inK,
        [&](KernelBuilder &k) {
          Value kk = mul(k, chunk, k.index(shape.chunkElements));
          // The W chunks first, so that their loads are all in flight
          // before the first product waits; with an int4 scheme the
          // chunk's group scale (and zero point) of each row.
          Value wColumn = int4 ? divU(k, kk, k.index(2)) : kk;
          SmallVector<SmallVector<Value>> loaded;
          SmallVector<Value> zeros, scales;
          for (auto [c, rows] : llvm::enumerate(wRows))
            for (auto [p, row] : llvm::enumerate(rows)) {
              if (!weightOnly) {
                loaded.push_back(
                    loadF32s(k, gemm.w, {expert, row, kk}, kChunk));
                continue;
              }
              loaded.push_back(
                  loadVectors(k, gemm.w, {expert, row, wColumn}, kVectorBytes));
              if (!int4) {
                zeros.push_back(Value());
                scales.push_back(wScales[c][p]);
                continue;
              }
              Value group = divU(k, kk, k.index(gemm.groupSize));
              scales.push_back(k.loadF32(gemm.wScale, {expert, row, group}));
              if (gemm.quant == QuantScheme::w4a16_zp) {
                Value stored =
                    memref::LoadOp::create(k.b(), k.getLoc(), gemm.wZero,
                                           ValueRange{expert, row, group});
                zeros.push_back(arith::ExtSIOp::create(
                    k.b(), k.getLoc(), k.b().getI32Type(), stored));
              } else {
                zeros.push_back(k.i32(kInt4SymmetricZero));
              }
            }
          SmallVector<Value> next(accs);
          for (int64_t sub = 0; sub < shape.chunkElements / kChunk; ++sub) {
            SmallVector<SmallVector<Value>> weights;
            for (auto [index, raw] : llvm::enumerate(loaded))
              weights.push_back(subChunkWeights(
                  k, raw, sub, weightOnly ? zeros[index] : Value(),
                  weightOnly ? scales[index] : Value()));
            Value aColumn = add(k, kk, k.index(sub * kChunk));
            next = accumulateRows(k, weights, aRows, live, aColumn, next);
          }
          return next;
        },
        accs);
  }

  /// `accs` plus, for each live A row, its 8 elements from `aColumn` times
  /// the 8 `weights` of each W row [column * parts + part].
  SmallVector<Value> accumulateRows(KernelBuilder &k,
                                    ArrayRef<SmallVector<Value>> weights,
                                    ArrayRef<Value> aRows, ArrayRef<Value> live,
                                    Value aColumn, ArrayRef<Value> accs) {
    SmallVector<Value> next(accs);
    for (int64_t i = 0; i < kRowsPerPass; ++i) {
      SmallVector<Value> rowAccs;
      for (int64_t c = 0; c < kColumnsPerSlot; ++c)
        for (int64_t p = 0; p < shape.parts; ++p)
          rowAccs.push_back(next[accIndex(c, i, p)]);
      SmallVector<Value> updated = ifThenElseValues(
          k, live[i],
          [&](KernelBuilder &k) {
            SmallVector<Value> a =
                loadF32s(k, gemm.a, {aRows[i], aColumn}, kChunk);
            SmallVector<Value> out;
            for (int64_t c = 0; c < kColumnsPerSlot; ++c)
              for (int64_t p = 0; p < shape.parts; ++p) {
                Value acc = rowAccs[c * shape.parts + p];
                ArrayRef<Value> w = weights[c * shape.parts + p];
                for (int64_t j = 0; j < kChunk; ++j)
                  acc = math::FmaOp::create(k.b(), k.getLoc(), a[j], w[j], acc);
                out.push_back(acc);
              }
            return out;
          },
          rowAccs);
      for (int64_t c = 0; c < kColumnsPerSlot; ++c)
        for (int64_t p = 0; p < shape.parts; ++p)
          next[accIndex(c, i, p)] = updated[c * shape.parts + p];
    }
    return next;
  }

  /// One pass of unit (expert, column group `group`) over A rows [rowBase,
  /// min(rowBase + kRowsPerPass, hi)).
  void pass(KernelBuilder &k, Value expert, Value group, Value rowBase,
            Value hi) {
    // The pass's rows: live ones and, for the loads, an in-bounds stand-in
    // for the others (the expert's last row).
    Value lastRow = sub(k, hi, k.index(1));
    SmallVector<Value> live, aRows;
    for (int64_t i = 0; i < kRowsPerPass; ++i) {
      Value row = add(k, rowBase, k.index(i));
      live.push_back(cmpI(k, arith::CmpIPredicate::ult, row, hi));
      aRows.push_back(sourceRow(k, minU(k, row, lastRow)).first);
    }
    // The thread's columns and their W rows (in bounds for columns past the
    // last: the last column's).
    Value lastCol = sub(k, sizes.outCols, k.index(1));
    Value firstCol = add(k, mul(k, group, k.index(shape.columns)),
                         mul(k, slot, k.index(kColumnsPerSlot)));
    SmallVector<SmallVector<Value>> wRows, wScales;
    for (int64_t c = 0; c < kColumnsPerSlot; ++c) {
      Value col = minU(k, add(k, firstCol, k.index(c)), lastCol);
      SmallVector<Value> rows, scales;
      for (int64_t p = 0; p < shape.parts; ++p) {
        rows.push_back(weightRow(k, col, p));
        // w8a16: the W row's scale, once a pass.
        if (gemm.quant == QuantScheme::w8a16)
          scales.push_back(k.loadF32(gemm.wScale, {expert, rows.back()}));
      }
      wRows.push_back(rows);
      wScales.push_back(scales);
    }
    Value numChunks = divU(k, sizes.reduction, k.index(shape.chunkElements));
    SmallVector<Value> accs(shape.values(), k.f32(0.0f));
    auto step = [&](KernelBuilder &k, Value s, ValueRange carried) {
      return chunkStep(k, s, expert, wRows, wScales, aRows, live, numChunks,
                       carried);
    };
    if (shape.steps > 0 && shape.steps <= kMaxUnrolledSteps) {
      for (int64_t s = 0; s < shape.steps; ++s)
        accs = step(k, k.index(s), accs);
    } else {
      Value steps = shape.steps > 0
                        ? k.index(shape.steps)
                        : k.ceilDiv(numChunks, k.index(shape.lanes));
      accs = forLoopCarrying(k, k.index(0), steps, k.index(1), accs, step);
    }
    reduceAndStore(k, accs, expert, group, rowBase, hi);
  }

  /// Adds the slot's partial sums (xor shuffles within groups of
  /// groupLanes, then the groups in order through shared memory) and
  /// stores the unit's outputs, one thread per (column, row).
  void reduceAndStore(KernelBuilder &k, ArrayRef<Value> accs, Value expert,
                      Value group, Value rowBase, Value hi) {
    Location loc = k.getLoc();
    Value width = k.i32(kWarpSize);
    SmallVector<Value> sums(accs);
    for (Value &sum : sums)
      for (int64_t offset = shape.groupLanes / 2; offset >= 1; offset /= 2) {
        Value other = gpu::ShuffleOp::create(k.b(), loc, sum, k.i32(offset),
                                             width, gpu::ShuffleMode::XOR)
                          .getShuffleResult();
        sum = arith::AddFOp::create(k.b(), loc, sum, other);
      }
    int64_t values = shape.values();
    Value groupId = divU(k, tid, k.index(shape.groupLanes));
    Value leads = cmpI(k, arith::CmpIPredicate::eq,
                       remU(k, tid, k.index(shape.groupLanes)), k.index(0));
    k.ifThen(leads, [&](KernelBuilder &k) {
      Value base = mul(k, groupId, k.index(values));
      for (int64_t v = 0; v < values; ++v)
        memref::StoreOp::create(k.b(), k.getLoc(), sums[v], partials,
                                add(k, base, k.index(v)));
    });
    gpu::BarrierOp::create(k.b(), loc);
    Value outputs = k.index(shape.columns * kRowsPerPass);
    k.forLoop(
        tid, outputs, k.index(kThreads), [&](KernelBuilder &k, Value output) {
          Value columnInUnit = divU(k, output, k.index(kRowsPerPass));
          Value i = remU(k, output, k.index(kRowsPerPass));
          Value row = add(k, rowBase, i);
          Value col =
              add(k, mul(k, group, k.index(shape.columns)), columnInUnit);
          Value inBounds =
              andI(k, cmpI(k, arith::CmpIPredicate::ult, row, hi),
                   cmpI(k, arith::CmpIPredicate::ult, col, sizes.outCols));
          k.ifThen(inBounds, [&](KernelBuilder &k) {
            storeOutput(k, expert, row, col, columnInUnit, i);
          });
        });
    // The partial sums are read before the next pass writes them.
    gpu::BarrierOp::create(k.b(), loc);
  }

  /// Output (row, col) of the unit from the partial sums of its slot.
  void storeOutput(KernelBuilder &k, Value expert, Value row, Value col,
                   Value columnInUnit, Value i) {
    Value slotOf = divU(k, columnInUnit, k.index(kColumnsPerSlot));
    Value c = remU(k, columnInUnit, k.index(kColumnsPerSlot));
    Value firstGroup = mul(k, slotOf, k.index(shape.groupsPerSlot()));
    Value valueBase = mul(k, add(k, mul(k, c, k.index(kRowsPerPass)), i),
                          k.index(shape.parts));
    SmallVector<Value> parts;
    for (int64_t p = 0; p < shape.parts; ++p) {
      Value sum = k.f32(0.0f);
      for (int64_t g = 0; g < shape.groupsPerSlot(); ++g) {
        Value groupBase =
            mul(k, add(k, firstGroup, k.index(g)), k.index(shape.values()));
        Value index = add(k, groupBase, add(k, valueBase, k.index(p)));
        Value partial =
            memref::LoadOp::create(k.b(), k.getLoc(), partials, index);
        sum = arith::AddFOp::create(k.b(), k.getLoc(), sum, partial);
      }
      parts.push_back(sum);
    }
    Value valid = sourceRow(k, row).second;
    Value gateRow = weightRow(k, col, 0);
    Value upRow = shape.parts == 2 ? weightRow(k, col, 1) : Value();
    Value result = k.ifThenElseF32(
        valid,
        [&](KernelBuilder &k) {
          return buildRowEpilogue(k, gemm, activation, expert, row, gateRow,
                                  upRow, parts[0],
                                  shape.parts == 2 ? parts[1] : Value());
        },
        0.0f);
    k.storeF32(result, gemm.out, {row, col});
  }

  void build(KernelBuilder &kb, Value grid) {
    MLIRContext *context = kb.b().getContext();
    Type i32 = kb.b().getI32Type();
    int64_t groups = kThreads / shape.groupLanes;
    SmallVector<Type> buffers = {
        getWorkgroupBufferType(context, kMaxExperts, i32),
        getWorkgroupBufferType(context, kThreads / kWarpSize, i32),
        getWorkgroupBufferType(context, groups * shape.values(),
                               kb.b().getF32Type())};
    kb.launch(
        grid, kThreads,
        [&](KernelBuilder &k, const LaunchIds &ids) {
          list = getWorkgroupBuffer(k.b(), 0);
          warpCounts = getWorkgroupBuffer(k.b(), 1);
          partials = getWorkgroupBuffer(k.b(), 2);
          tid = ids.threadId;
          slot = divU(k, tid, k.index(shape.lanes));
          laneInSlot = remU(k, tid, k.index(shape.lanes));
          rowsI32 = toI32(k, sizes.rows);
          auto [numListed, notMonotone] = listExperts(k);
          Value monotone =
              cmpI(k, arith::CmpIPredicate::eq, notMonotone, k.i32(0));
          k.ifThenElse(
              monotone,
              [&](KernelBuilder &k) {
                zeroRowsOutsideExperts(k, ids);
                Value groupsPerExpert =
                    k.ceilDiv(sizes.outCols, k.index(shape.columns));
                Value units = mul(k, toIndex(k, numListed), groupsPerExpert);
                k.forLoop(ids.blockId, units, ids.gridSize,
                          [&](KernelBuilder &k, Value unit) {
                            Value listed = divU(k, unit, groupsPerExpert);
                            Value group = remU(k, unit, groupsPerExpert);
                            Value expert = toIndex(k, loadI32(k, list, listed));
                            auto [lo, hi] =
                                expertRows(k, gemm.offsets, expert, rowsI32);
                            Value hiIndex = toIndex(k, hi);
                            k.forLoop(
                                toIndex(k, lo), hiIndex, k.index(kRowsPerPass),
                                [&](KernelBuilder &k, Value rowBase) {
                                  pass(k, expert, group, rowBase, hiIndex);
                                });
                          });
              },
              [&](KernelBuilder &k) { buildRowGemmInLaunch(k, gemm, ids); });
        },
        buffers);
  }
};

} // namespace

bool mlir::moe::canUseStreamGroupedMatmul(const RowGemm &gemm) {
  bool weightOnly = isWeightOnlyScheme(gemm.quant);
  if (!gemm.offsets || gemm.typeIds || gemm.indexDivisor < 1 ||
      (gemm.quant != QuantScheme::none && !weightOnly) || gemm.partials)
    return false;
  // An int4 chunk of 32 elements lies in one group (G = 32, 64 or 128).
  if (weightOnly && gemm.quant != QuantScheme::w8a16 &&
      gemm.groupSize % (2 * kVectorBytes) != 0)
    return false;
  auto aType = cast<MemRefType>(gemm.a.getType());
  auto wType = cast<MemRefType>(gemm.w.getType());
  Type element = aType.getElementType();
  if (!element.isBF16() && !element.isF16())
    return false;
  return weightOnly ? wType.getElementType().isInteger(8)
                    : element == wType.getElementType();
}

/// i1, true at run time where the stream kernel's 16-byte loads apply to
/// `gemm`: aligned A and W rows, K a multiple of one load's elements, at
/// least one A row (a stand-in row is loaded for rows without one), one
/// expert and at most the list's, rows within i32 (the offsets').
static Value streamApplies(KernelBuilder &kb, const RowGemm &gemm,
                           const GemmSizes &sizes) {
  Value ok = isVectorAligned(kb, {gemm.a, gemm.w});
  Value rest = remU(kb, sizes.reduction, kb.index(getChunkElements(gemm)));
  ok = andI(kb, ok, cmpI(kb, arith::CmpIPredicate::eq, rest, kb.index(0)));
  Value hasARows =
      cmpI(kb, arith::CmpIPredicate::ne, sizes.numARows, kb.index(0));
  ok = andI(kb, ok, hasARows);
  Value hasExperts =
      cmpI(kb, arith::CmpIPredicate::ne, sizes.numExperts, kb.index(0));
  ok = andI(kb, ok, hasExperts);
  Value fewExperts = cmpI(kb, arith::CmpIPredicate::ule, sizes.numExperts,
                          kb.index(kMaxExperts));
  ok = andI(kb, ok, fewExperts);
  Value rowsFit = cmpI(kb, arith::CmpIPredicate::ult, sizes.rows,
                       kb.index(int64_t(1) << 31));
  return andI(kb, ok, rowsFit);
}

void mlir::moe::buildStreamOrSimpleGroupedMatmul(PatternRewriter &rewriter,
                                                 Location loc,
                                                 const RowGemm &gemm,
                                                 GemmConfigAttr config) {
  KernelBuilder kb(rewriter, loc);
  GemmSizes sizes = computeGemmSizes(kb, gemm);
  auto applies = scf::IfOp::create(rewriter, loc, TypeRange(),
                                   streamApplies(kb, gemm, sizes),
                                   /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToStart(applies.thenBlock());
  StreamShape shape = getStreamShape(gemm);
  // Units: at most every expert's column groups; blocks: at most
  // kBlocksPerCta per `ctas`, at least one.
  Value groupsPerExpert = kb.ceilDiv(sizes.outCols, kb.index(shape.columns));
  Value units = mul(kb, sizes.numExperts, groupsPerExpert);
  Value grid = minU(kb, units, kb.index(config.getCtas() * kBlocksPerCta));
  grid = maxU(kb, grid, kb.index(1));
  StreamKernelBuilder kernel(gemm, sizes, shape);
  kernel.build(kb, grid);
  rewriter.setInsertionPointToStart(applies.elseBlock());
  buildRowGemm(rewriter, loc, gemm);
}
