//===- StreamGroupedMatmul.cpp - grouped_matmul streaming W rows ----------===//
//
// kernel = stream: the decode kernel of grouped_matmul. With a few rows per
// expert a GEMM is a read of the selected experts' weights, and what bounds
// it is how many SMs stream them (docs/performance.md, "Decode"): tiles of
// 64 rows leave most SMs idle when the experts have one row each. Here no
// tensor core, tile or schedule is involved; one launch does it all:
//
//  1. Each block lists the experts with rows (offsets[e] < offsets[e + 1],
//     clamped to [0, R)) and their row ranges in its shared memory, in
//     expert order, with a ballot per warp; and checks that the offsets are
//     monotone. Where they are not (legal IR, meaningless for MoE) every block
//     runs the simple kernel's code instead (buildRowGemmInLaunch) and stops.
//  2. Rows outside [offsets[0], offsets[E]) are zeroed, spread over the grid.
//  3. Units (listed expert, group of output columns) go to the warps of the
//     grid round robin, expert by expert; a warp works alone, with no
//     barrier, so that while some warps add their sums others have loads
//     in flight. The warp's lanes form slots of `lanes` threads (32, or
//     fewer for a small K), one slot per `stream_columns` (configuration)
//     columns of the unit. A thread walks K in 16-byte chunks (lane, lane +
//     lanes, ...): it issues the chunk loads of its W rows (gate and up rows
//     when gated) for `kStepsPerBatch` steps, then multiplies each by up to
//     kRowsPerPass A rows of the expert (through row_index when gathered)
//     in f32. The slot's sums are added by xor shuffles, always in the same
//     order, and each lane applies the epilogue (buildRowEpilogue) to one
//     (row, column) of the slot and stores it. An expert with more rows
//     takes several passes over its W rows (the later ones mostly from
//     L2).
//
// Loads are 16-byte vectors, so the host checks at run time that A and W
// allow them (aligned bases and rows, K a nonzero multiple of one load's
// elements) and otherwise runs the simple kernel.
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

/// Threads of a block: launched with .maxntid 512, so ptxas keeps a thread
/// within 128 registers and a block always fits on an SM.
constexpr int64_t kThreads = 512;
constexpr int64_t kWarpSize = 32;
constexpr int64_t kWarpsPerBlock = kThreads / kWarpSize;
/// A rows of one pass over a unit's W rows.
constexpr int64_t kRowsPerPass = 4;
/// The listed experts live in shared memory, each as (expert, first row,
/// end row): a unit reads its rows there, not from the offsets in global
/// memory.
constexpr int64_t kMaxExperts = 1024;
constexpr int64_t kListEntry = 3;
/// K chunk steps whose W loads a thread issues before their products.
constexpr int64_t kStepsPerBatch = 2;
/// Elements of one 16-byte chunk (bf16, f16).
constexpr int64_t kChunk = 8;
/// K chunk steps of a thread unrolled in the IR (a static K needing more
/// takes an scf.for over batches).
constexpr int64_t kMaxUnrolledSteps = 8;

/// How a unit's threads share K and the columns.
struct StreamShape {
  int64_t lanes; ///< threads per slot, a power of two, at most 32
  int64_t slots; ///< slots per warp: kWarpSize / lanes
  /// Output columns of one slot (the configuration's `stream_columns`):
  /// with gated epilogues, twice that many W rows in flight per thread and
  /// K chunk.
  int64_t columnsPerSlot;
  int64_t columns; ///< output columns per unit (one warp's)
  int64_t steps;   ///< K chunk steps per thread; 0: K is dynamic
  /// Whether every step's chunk is in K for every lane (a static K of
  /// steps * lanes chunks): no guard around the products.
  bool exact;
  int64_t parts; ///< sums per (row, column): 2 gated, else 1
  /// K elements of one 16-byte W load: 8 (16-bit W), 16 (int8), 32 (int4).
  int64_t chunkElements;
};

/// Whether `gemm`'s W is packed int4 (w4a16, w4a16_zp): two values a byte.
bool isInt4(const RowGemm &gemm) {
  return gemm.quant == QuantScheme::w4a16 ||
         gemm.quant == QuantScheme::w4a16_zp;
}

/// K elements of one 16-byte load of `gemm`'s W.
int64_t getChunkElements(const RowGemm &gemm) {
  if (isInt4(gemm))
    return 2 * kVectorBytes;
  if (gemm.quant == QuantScheme::w8a16)
    return kVectorBytes;
  return kChunk;
}

StreamShape getStreamShape(const RowGemm &gemm, int64_t columnsPerSlot) {
  StreamShape shape;
  shape.columnsPerSlot = columnsPerSlot;
  shape.chunkElements = getChunkElements(gemm);
  // W's K in elements: its last dimension, twice that for packed int4.
  int64_t wK = cast<MemRefType>(gemm.w.getType()).getDimSize(2);
  if (!ShapedType::isDynamic(wK) && isInt4(gemm))
    wK *= 2;
  // K as computeGemmSizes clamps it, where every size it is taken from is
  // static: A's and W's, and the int4 scales' (and zero points') groups
  // times the group size.
  SmallVector<int64_t> sizes = {
      cast<MemRefType>(gemm.a.getType()).getDimSize(1), wK};
  if (isInt4(gemm)) {
    for (Value perRow : {gemm.wScale, gemm.wZero}) {
      if (!perRow)
        continue;
      int64_t groups = cast<MemRefType>(perRow.getType()).getDimSize(2);
      sizes.push_back(ShapedType::isDynamic(groups) ? groups
                                                    : groups * gemm.groupSize);
    }
  }
  int64_t k = ShapedType::kDynamic;
  if (llvm::none_of(sizes, ShapedType::isDynamic))
    k = *llvm::min_element(sizes);
  shape.lanes = kWarpSize;
  shape.steps = 0;
  shape.exact = false;
  if (!ShapedType::isDynamic(k)) {
    int64_t chunks =
        std::max<int64_t>(llvm::divideCeil(k, shape.chunkElements), 1);
    shape.lanes = std::min<int64_t>(kWarpSize, llvm::PowerOf2Ceil(chunks));
    shape.steps = llvm::divideCeil(chunks, shape.lanes);
    shape.exact =
        k % shape.chunkElements == 0 && chunks == shape.steps * shape.lanes &&
        (shape.steps <= kMaxUnrolledSteps || shape.steps % kStepsPerBatch == 0);
  }
  shape.slots = kWarpSize / shape.lanes;
  shape.columns = shape.slots * shape.columnsPerSlot;
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

/// Whether the int4 weights of `gemm` dequantize two at a time in 16-bit
/// pairs: where the scales have a's element type, (q - zero) * scale
/// rounded once to that type is the same in a 16-bit multiply as in f32.
bool hasPackedInt4Dequantization(const RowGemm &gemm) {
  Type computeType = cast<MemRefType>(gemm.a.getType()).getElementType();
  return cast<MemRefType>(gemm.wScale.getType()).getElementType() ==
         computeType;
}

/// The 8 dequantized weights (widened to f32) of word `word` of a 16-byte
/// int4 chunk `raw` (vector<16xi8>): elements 8 word .. 8 word + 7, element
/// i in bits [4i, 4i + 4). Two at a time without a conversion instruction:
/// the nibbles of elements i and i + 4 are or-ed into the mantissas of a
/// 16-bit pair whose exponent makes it `magic` + q (128 + q in bf16, 1024 +
/// q in f16: one unit in the last place), then magic + zero is subtracted
/// (exact) and the pair is multiplied by the scale in a's type: one
/// rounding of the exact (q - zero) * scale, as dequantizeWeight does in
/// f32. `zero` is i32, `scale` f32 holding a value of a's type.
SmallVector<Value> dequantizeInt4Word(KernelBuilder &k, Value raw, int64_t word,
                                      Value zero, Value scale,
                                      Type computeType) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Type i32 = b.getI32Type();
  auto pairType = VectorType::get({2}, computeType);
  bool bf16 = computeType.isBF16();
  // The 16-bit pattern of `magic` and its value.
  int32_t magicBits = bf16 ? 0x4300 : 0x6400;
  float magic = bf16 ? 128.0f : 1024.0f;
  Value words = vector::BitCastOp::create(
      b, loc, VectorType::get({kVectorBytes / 4}, i32), raw);
  Value bits =
      vector::ExtractOp::create(b, loc, words, ArrayRef<int64_t>{word});
  // magic + zero and the scale, as 16-bit pairs.
  Value zeroF32 = arith::SIToFPOp::create(b, loc, b.getF32Type(), zero);
  Value offset = arith::AddFOp::create(b, loc, zeroF32, k.f32(magic));
  Value offset16 = arith::TruncFOp::create(b, loc, computeType, offset);
  Value offsetPair = vector::BroadcastOp::create(b, loc, pairType, offset16);
  Value scale16 = arith::TruncFOp::create(b, loc, computeType, scale);
  Value scalePair = vector::BroadcastOp::create(b, loc, pairType, scale16);
  SmallVector<Value> weights(kChunk);
  for (int64_t p = 0; p < kChunk / 2; ++p) {
    Value shifted =
        p == 0 ? bits : arith::ShRUIOp::create(b, loc, bits, k.i32(4 * p));
    Value nibbles = andI(k, shifted, k.i32(0x000F000F));
    Value biased = arith::OrIOp::create(b, loc, nibbles,
                                        k.i32(magicBits | (magicBits << 16)));
    Value word32 =
        vector::BroadcastOp::create(b, loc, VectorType::get({1}, i32), biased);
    Value pair = vector::BitCastOp::create(b, loc, pairType, word32);
    Value centred = arith::SubFOp::create(b, loc, pair, offsetPair);
    Value real = arith::MulFOp::create(b, loc, centred, scalePair);
    for (int64_t half = 0; half < 2; ++half) {
      Value value =
          vector::ExtractOp::create(b, loc, real, ArrayRef<int64_t>{half});
      weights[p + half * kChunk / 2] =
          arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    }
  }
  return weights;
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

  Value list, warpCounts;      ///< workgroup buffers
  Value tid, slot, laneInSlot; ///< index; slot: within the warp
  Value rowsI32;               ///< R as i32
  /// A rows of the pass being built: 1 or kRowsPerPass.
  int64_t passRows = kRowsPerPass;

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
            Value entry = mul(k, toIndex(k, position), k.index(kListEntry));
            for (auto [field, value] :
                 llvm::enumerate(SmallVector<Value>{toI32(k, e), lo, hi})) {
              Value at = add(k, entry, k.index(field));
              memref::StoreOp::create(k.b(), k.getLoc(), value, list, at);
            }
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
    return (c * passRows + i) * shape.parts + p;
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
    bool int4 = isInt4(gemm);
    if (int4 && hasPackedInt4Dequantization(gemm))
      return dequantizeInt4Word(k, loaded.front(), sub, zero, scale,
                                computeType);
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

  /// The loads of one K chunk step of a thread: the 16 bytes of each of
  /// its W rows [column * parts + part] at `kk`, and with an int4 scheme
  /// each row's group scale and zero point. `inK` (i1) is whether the
  /// step's chunk is in K; where it is not, the loads read the last chunk
  /// instead (in bounds) and the products are skipped.
  struct StepLoads {
    Value inK, kk;
    SmallVector<SmallVector<Value>> w;
    SmallVector<Value> zeros, scales;
  };

  /// Issues the loads of K chunk step `step` (index) of the thread's W rows
  /// `wRows` [column][part]; `wScales` [column][part]: the w8a16 row
  /// scales (else empty).
  StepLoads loadStep(KernelBuilder &k, Value step, Value expert,
                     ArrayRef<SmallVector<Value>> wRows,
                     ArrayRef<SmallVector<Value>> wScales, Value numChunks) {
    StepLoads loads;
    Value chunk = add(k, laneInSlot, mul(k, step, k.index(shape.lanes)));
    if (!shape.exact) {
      loads.inK = cmpI(k, arith::CmpIPredicate::ult, chunk, numChunks);
      chunk = minU(k, chunk, sub(k, numChunks, k.index(1)));
    }
    bool weightOnly = isWeightOnlyScheme(gemm.quant);
    bool int4 = isInt4(gemm);
    loads.kk = mul(k, chunk, k.index(shape.chunkElements));
    Value wColumn = int4 ? divU(k, loads.kk, k.index(2)) : loads.kk;
    for (auto [c, rows] : llvm::enumerate(wRows))
      for (auto [p, row] : llvm::enumerate(rows)) {
        if (!weightOnly) {
          loads.w.push_back(
              loadF32s(k, gemm.w, {expert, row, wColumn}, kChunk));
          continue;
        }
        loads.w.push_back(
            loadVectors(k, gemm.w, {expert, row, wColumn}, kVectorBytes));
        if (!int4) {
          loads.zeros.push_back(Value());
          loads.scales.push_back(wScales[c][p]);
          continue;
        }
        Value group = divU(k, loads.kk, k.index(gemm.groupSize));
        loads.scales.push_back(k.loadF32(gemm.wScale, {expert, row, group}));
        if (gemm.quant == QuantScheme::w4a16_zp) {
          Value stored = memref::LoadOp::create(k.b(), k.getLoc(), gemm.wZero,
                                                ValueRange{expert, row, group});
          loads.zeros.push_back(arith::ExtSIOp::create(
              k.b(), k.getLoc(), k.b().getI32Type(), stored));
        } else {
          loads.zeros.push_back(k.i32(kInt4SymmetricZero));
        }
      }
    return loads;
  }

  /// `accs` plus the products of a step's loaded W chunks with the A rows
  /// `aRows`, 8 elements at a time (skipped where the chunk is not in K).
  SmallVector<Value> multiplyStep(KernelBuilder &k, const StepLoads &loads,
                                  ArrayRef<Value> aRows, ValueRange accs) {
    bool weightOnly = isWeightOnlyScheme(gemm.quant);
    auto body = [&](KernelBuilder &k) {
      SmallVector<Value> next(accs);
      for (int64_t sub = 0; sub < shape.chunkElements / kChunk; ++sub) {
        SmallVector<SmallVector<Value>> weights;
        for (auto [index, raw] : llvm::enumerate(loads.w))
          weights.push_back(subChunkWeights(
              k, raw, sub, weightOnly ? loads.zeros[index] : Value(),
              weightOnly ? loads.scales[index] : Value()));
        Value aColumn = add(k, loads.kk, k.index(sub * kChunk));
        next = accumulateRows(k, weights, aRows, aColumn, next);
      }
      return next;
    };
    if (!loads.inK)
      return body(k);
    return ifThenElseValues(k, loads.inK, body, accs);
  }

  /// The steps [first, first + count) of a pass: all their W loads, then
  /// their products.
  SmallVector<Value> batch(KernelBuilder &k, Value first, int64_t count,
                           Value expert, ArrayRef<SmallVector<Value>> wRows,
                           ArrayRef<SmallVector<Value>> wScales,
                           ArrayRef<Value> aRows, Value numChunks,
                           ValueRange accs) {
    SmallVector<StepLoads> loads;
    for (int64_t s = 0; s < count; ++s)
      loads.push_back(loadStep(k, add(k, first, k.index(s)), expert, wRows,
                               wScales, numChunks));
    SmallVector<Value> next(accs);
    for (const StepLoads &step : loads)
      next = multiplyStep(k, step, aRows, next);
    return next;
  }

  /// `accs` plus, for each of the pass's A rows, its 8 elements from
  /// `aColumn` times the 8 `weights` of each W row [column * parts + part].
  /// Rows past the expert's last read a stand-in row and their sums are
  /// never stored: no branch separates one step's loads from the next.
  SmallVector<Value> accumulateRows(KernelBuilder &k,
                                    ArrayRef<SmallVector<Value>> weights,
                                    ArrayRef<Value> aRows, Value aColumn,
                                    ArrayRef<Value> accs) {
    SmallVector<Value> next(accs);
    for (int64_t i = 0; i < passRows; ++i) {
      SmallVector<Value> a = loadF32s(k, gemm.a, {aRows[i], aColumn}, kChunk);
      for (int64_t c = 0; c < shape.columnsPerSlot; ++c)
        for (int64_t p = 0; p < shape.parts; ++p) {
          Value &acc = next[accIndex(c, i, p)];
          ArrayRef<Value> w = weights[c * shape.parts + p];
          for (int64_t j = 0; j < kChunk; ++j)
            acc = math::FmaOp::create(k.b(), k.getLoc(), a[j], w[j], acc);
        }
    }
    return next;
  }

  /// The first output column of the thread's slot in unit column group
  /// `group`.
  Value slotFirstColumn(KernelBuilder &k, Value group) {
    return add(k, mul(k, group, k.index(shape.columns)),
               mul(k, slot, k.index(shape.columnsPerSlot)));
  }

  /// One pass of unit (expert, column group `group`) over A rows [rowBase,
  /// min(rowBase + passRows, hi)).
  void pass(KernelBuilder &k, Value expert, Value group, Value rowBase,
            Value hi) {
    // The pass's A rows, with an in-bounds stand-in (the expert's last row)
    // for rows past hi.
    Value lastRow = sub(k, hi, k.index(1));
    SmallVector<Value> aRows;
    for (int64_t i = 0; i < passRows; ++i) {
      Value row = add(k, rowBase, k.index(i));
      aRows.push_back(sourceRow(k, minU(k, row, lastRow)).first);
    }
    // The thread's columns and their W rows (in bounds for columns past the
    // last: the last column's).
    Value lastCol = sub(k, sizes.outCols, k.index(1));
    Value firstCol = slotFirstColumn(k, group);
    SmallVector<SmallVector<Value>> wRows, wScales;
    for (int64_t c = 0; c < shape.columnsPerSlot; ++c) {
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
    SmallVector<Value> accs(shape.columnsPerSlot * passRows * shape.parts,
                            k.f32(0.0f));
    if (shape.steps > 0 && shape.steps <= kMaxUnrolledSteps) {
      for (int64_t s = 0; s < shape.steps; s += kStepsPerBatch)
        accs = batch(k, k.index(s), std::min(kStepsPerBatch, shape.steps - s),
                     expert, wRows, wScales, aRows, numChunks, accs);
    } else {
      Value steps = shape.steps > 0
                        ? k.index(shape.steps)
                        : k.ceilDiv(numChunks, k.index(shape.lanes));
      accs =
          forLoopCarrying(k, k.index(0), steps, k.index(kStepsPerBatch), accs,
                          [&](KernelBuilder &k, Value s, ValueRange carried) {
                            return batch(k, s, kStepsPerBatch, expert, wRows,
                                         wScales, aRows, numChunks, carried);
                          });
    }
    reduceAndStore(k, accs, expert, group, rowBase, hi);
  }

  /// Adds the slot's partial sums by xor shuffles (every lane of the slot
  /// then holds them all) and stores the slot's outputs, one lane per
  /// (column, row).
  void reduceAndStore(KernelBuilder &k, ArrayRef<Value> accs, Value expert,
                      Value group, Value rowBase, Value hi) {
    Location loc = k.getLoc();
    Value width = k.i32(kWarpSize);
    SmallVector<Value> sums(accs);
    for (Value &sum : sums)
      for (int64_t offset = shape.lanes / 2; offset >= 1; offset /= 2) {
        Value other = gpu::ShuffleOp::create(k.b(), loc, sum, k.i32(offset),
                                             width, gpu::ShuffleMode::XOR)
                          .getShuffleResult();
        sum = arith::AddFOp::create(k.b(), loc, sum, other);
      }
    Value firstCol = slotFirstColumn(k, group);
    int64_t outputs = shape.columnsPerSlot * passRows;
    k.forLoop(laneInSlot, k.index(outputs), k.index(shape.lanes),
              [&](KernelBuilder &k, Value output) {
                Value c = divU(k, output, k.index(passRows));
                Value i = remU(k, output, k.index(passRows));
                Value row = add(k, rowBase, i);
                Value col = add(k, firstCol, c);
                Value inBounds = andI(
                    k, cmpI(k, arith::CmpIPredicate::ult, row, hi),
                    cmpI(k, arith::CmpIPredicate::ult, col, sizes.outCols));
                k.ifThen(inBounds, [&](KernelBuilder &k) {
                  SmallVector<Value> parts;
                  for (int64_t p = 0; p < shape.parts; ++p)
                    parts.push_back(selectOutput(k, sums, output, p));
                  storeOutput(k, expert, row, col, parts);
                });
              });
  }

  /// Sum `p` of slot output `output` (index: column * passRows + row)
  /// picked from the thread's `sums`.
  Value selectOutput(KernelBuilder &k, ArrayRef<Value> sums, Value output,
                     int64_t p) {
    Value picked = sums[accIndex(0, 0, p)];
    for (int64_t o = 1; o < shape.columnsPerSlot * passRows; ++o) {
      Value isThis = cmpI(k, arith::CmpIPredicate::eq, output, k.index(o));
      picked = select(k, isThis, sums[accIndex(o / passRows, o % passRows, p)],
                      picked);
    }
    return picked;
  }

  /// Output (row, col) of the unit from its sums `parts` (gate and up
  /// when gated).
  void storeOutput(KernelBuilder &k, Value expert, Value row, Value col,
                   ArrayRef<Value> parts) {
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
    SmallVector<Type> buffers = {
        getWorkgroupBufferType(context, kMaxExperts * kListEntry, i32),
        getWorkgroupBufferType(context, kThreads / kWarpSize, i32)};
    kb.launch(
        grid, kThreads,
        [&](KernelBuilder &k, const LaunchIds &ids) {
          list = getWorkgroupBuffer(k.b(), 0);
          warpCounts = getWorkgroupBuffer(k.b(), 1);
          tid = ids.threadId;
          Value lane = remU(k, tid, k.index(kWarpSize));
          slot = divU(k, lane, k.index(shape.lanes));
          laneInSlot = remU(k, lane, k.index(shape.lanes));
          rowsI32 = toI32(k, sizes.rows);
          auto [numListed, notMonotone] = listExperts(k);
          Value monotone =
              cmpI(k, arith::CmpIPredicate::eq, notMonotone, k.i32(0));
          k.ifThenElse(
              monotone,
              [&](KernelBuilder &k) {
                zeroRowsOutsideExperts(k, ids);
                runUnits(k, ids, numListed);
              },
              [&](KernelBuilder &k) { buildRowGemmInLaunch(k, gemm, ids); });
        },
        buffers);
  }

  /// The units (listed expert, column group) of the grid's warps, round
  /// robin; every trip count in a warp is the same for all its lanes (the
  /// shuffles need the whole warp).
  void runUnits(KernelBuilder &k, const LaunchIds &ids, Value numListed) {
    Value warp = add(k, mul(k, ids.blockId, k.index(kWarpsPerBlock)),
                     divU(k, tid, k.index(kWarpSize)));
    Value warps = mul(k, ids.gridSize, k.index(kWarpsPerBlock));
    Value groupsPerExpert = k.ceilDiv(sizes.outCols, k.index(shape.columns));
    Value units = mul(k, toIndex(k, numListed), groupsPerExpert);
    k.forLoop(warp, units, warps, [&](KernelBuilder &k, Value unit) {
      Value listed = divU(k, unit, groupsPerExpert);
      Value group = remU(k, unit, groupsPerExpert);
      Value entry = mul(k, listed, k.index(kListEntry));
      Value expert = toIndex(k, loadI32(k, list, entry));
      Value lo = toIndex(k, loadI32(k, list, add(k, entry, k.index(1))));
      Value hiIndex = toIndex(k, loadI32(k, list, add(k, entry, k.index(2))));
      k.forLoop(lo, hiIndex, k.index(kRowsPerPass),
                [&](KernelBuilder &k, Value rowBase) {
                  // A pass of one row (every expert's at T = 1) multiplies
                  // one A row, not a row and three stand-ins.
                  Value oneRow = cmpI(k, arith::CmpIPredicate::eq,
                                      sub(k, hiIndex, rowBase), k.index(1));
                  k.ifThenElse(
                      oneRow,
                      [&](KernelBuilder &k) {
                        passRows = 1;
                        pass(k, expert, group, rowBase, hiIndex);
                      },
                      [&](KernelBuilder &k) {
                        passRows = kRowsPerPass;
                        pass(k, expert, group, rowBase, hiIndex);
                      });
                });
    });
  }
};

} // namespace

bool mlir::moe::canUseStreamGroupedMatmul(const RowGemm &gemm) {
  bool weightOnly = isWeightOnlyScheme(gemm.quant);
  if (!gemm.offsets || gemm.typeIds || gemm.indexDivisor < 1 ||
      (gemm.quant != QuantScheme::none && !weightOnly) || gemm.partials)
    return false;
  // An int4 chunk of 32 elements lies in one group (G = 32, 64 or 128).
  if (isInt4(gemm) && gemm.groupSize % (2 * kVectorBytes) != 0)
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
/// `gemm`: aligned A and W rows, K a nonzero multiple of one load's
/// elements (a chunk past K reads the last one instead), at
/// least one A row (a stand-in row is loaded for rows without one), one
/// expert and at most the list's, rows within i32 (the offsets').
static Value streamApplies(KernelBuilder &kb, const RowGemm &gemm,
                           const GemmSizes &sizes) {
  Value ok = isVectorAligned(kb, {gemm.a, gemm.w});
  Value rest = remU(kb, sizes.reduction, kb.index(getChunkElements(gemm)));
  ok = andI(kb, ok, cmpI(kb, arith::CmpIPredicate::eq, rest, kb.index(0)));
  Value hasK = cmpI(kb, arith::CmpIPredicate::ne, sizes.reduction, kb.index(0));
  ok = andI(kb, ok, hasK);
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
  StreamShape shape = getStreamShape(gemm, config.getStreamColumns());
  // Units (one warp's each): at most every expert's column groups; blocks:
  // enough warps for them, at most `ctas` (one block an SM, all resident at
  // once, so that no second wave of blocks starts after the first has taken
  // its share of the statically dealt units), at least one.
  Value groupsPerExpert = kb.ceilDiv(sizes.outCols, kb.index(shape.columns));
  Value units = mul(kb, sizes.numExperts, groupsPerExpert);
  Value grid = kb.ceilDiv(units, kb.index(kWarpsPerBlock));
  grid = minU(kb, grid, kb.index(config.getCtas()));
  grid = maxU(kb, grid, kb.index(1));
  StreamKernelBuilder kernel(gemm, sizes, shape);
  kernel.build(kb, grid);
  rewriter.setInsertionPointToStart(applies.elseBlock());
  buildRowGemm(rewriter, loc, gemm);
}
