//===- GemmKernels.cpp - grouped_matmul, mot_linear on the GPU
//--------------===//
//
// The simple, correct path (the TMA/wgmma path is separate work): one thread
// per output element. Blocks are laid out chunk-major over (output row r,
// chunk of blockDim output columns): block b handles row b % R and columns
// (b / R) * blockDim + [0, blockDim), so consecutive blocks share the same
// weight columns (L2 reuse across the rows of an expert). Each thread runs
// the K loop for its column in f32 with k increasing, as the CPU reference
// does (separate multiply and add: the same rounding as the reference), two
// accumulators (acc[n], acc[n + N/2]) for the gated epilogues.
//
// The row's expert follows docs/Semantics.md and lib/Reference exactly:
// grouped_matmul takes the lowest e with offsets[e] <= r < offsets[e+1],
// provided offsets[0] <= r < offsets[E] (any offsets, monotone or not); the
// threads of the block split the scan over e and a block-wide min reduction
// picks the lowest match. mot_linear takes type_ids[r], zero rows for types
// outside [0, G). A gathered A row a[row_index[r] / index_divisor] whose
// index is negative or out of range gives a zero row (no bias).
//
// The fp8 schemes: a and w are decoded from f8E4M3FN exactly. fp8_block
// scales each 128-wide K block's f32 partial sum by a_scale * w_scale and
// adds them in increasing block order; fp8_channel and fp8_tensor scale the
// whole-K sum once; both as the reference does.
//
// The weight-only schemes (w4a16, w4a16_zp, w8a16; only this kernel takes
// them): each weight is dequantized where it is read, (q - zero) * scale in
// f32 rounded once to a's 16-bit type, and multiplied by a's element into
// one running f32 sum, k increasing: the reference's dequantizeWeight and
// its order, so the result equals the reference's up to the epilogue's
// math. int4 values are unpacked from their byte (element 2j in the low
// nibble of byte j, 2j + 1 in the high one); K is walked by groups of
// group_size columns so that each group's scale and zero point are read
// once (the last group may be shorter: K need not be a multiple of it).
//
// Epilogue order: + bias[e, n] -> act(acc[n]) * acc[n + N/2] (gated; the
// gate and up rows are 2n and 2n + 1 for interleaved weights) or act(acc[n])
// (elementwise) -> * scale[r] -> one rounding to the output element type.
//
// Every size is read at run time and clamped to every buffer that carries
// it, so mismatched dynamic shapes cannot read or write out of bounds.
//
//===----------------------------------------------------------------------===//

#include "GemmKernels.h"
#include "EpilogueMath.h"
#include "KernelBuilder.h"
#include "Patterns.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

//===----------------------------------------------------------------------===//
// erf and exact GELU from fma and exp
//===----------------------------------------------------------------------===//
//
// erf is built here from math.fma / math.exp / arith rather than with
// math.erf (a libdevice __nv_erff call in the NVVM lowering), so that its
// accuracy is known and stated here:
//   |x| <= 0.921875:  erf(x) = x + x * p(x^2),           p of degree 5;
//   |x| >  0.921875:  erf(x) = sign(x) * (1 - exp(t * q(t) - t)),
//                     t = min(|x|, 4),                   q of degree 6.
// p and q are weighted near-minimax fits (Lawson iterations in 40-digit
// arithmetic) of erf(x)/x - 1 and log(erfc(t))/t + 1, weighted for the
// relative error of erf; their own error is below 1.6e-8 (p) and 1e-9 (q)
// relative to erf. Evaluated in f32 with FMA Horner steps, the result
// (simulated bit-exactly in f32 over [-7, 7] and special values) is within
// 1 ulp of erf with a correctly rounded exp, and within 2 ulp (2.4e-7
// relative) with exp's 2-ulp error. erf(+-inf) = +-1, erf(NaN) = NaN
// (NaN fails the |x| > threshold test and takes the polynomial branch).
// Beyond t = 4, erf rounds to 1 in f32, hence the clamp (which also keeps
// q away from overflow).

constexpr float kErfThreshold = 0.921875f;
constexpr float kErfSmall[] = {1.28379151e-01f, -3.76124948e-01f,
                               1.12818159e-01f, -2.67666150e-02f,
                               4.99317888e-03f, -5.99084771e-04f};
constexpr float kErfLarge[] = {
    -1.28649563e-01f, -6.35146916e-01f, -1.06244132e-01f, 2.37683132e-02f,
    -3.64541658e-03f, 3.23531771e-04f,  -1.13040796e-05f};

Value fma(KernelBuilder &k, Value a, Value b, Value c) {
  return math::FmaOp::create(k.b(), k.getLoc(), a, b, c);
}

/// Horner evaluation of sum_i coefficients[i] * x^i.
Value polynomial(KernelBuilder &k, ArrayRef<float> coefficients, Value x) {
  Value result = k.f32(coefficients.back());
  for (float c : llvm::reverse(coefficients.drop_back()))
    result = fma(k, result, x, k.f32(c));
  return result;
}

Value buildErf(KernelBuilder &k, Value x) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value t = math::AbsFOp::create(b, loc, x);
  // Small arguments.
  Value square = arith::MulFOp::create(b, loc, x, x);
  Value small = fma(k, polynomial(k, kErfSmall, square), x, x);
  // Large arguments: 1 - erfc(t), erfc(t) = exp(t * q(t) - t).
  Value tc = arith::MinimumFOp::create(b, loc, t, k.f32(4.0f));
  Value negTc = arith::NegFOp::create(b, loc, tc);
  Value logErfc = fma(k, polynomial(k, kErfLarge, tc), tc, negTc);
  Value erfc = math::ExpOp::create(b, loc, logErfc);
  Value large = math::CopySignOp::create(
      b, loc, arith::SubFOp::create(b, loc, k.f32(1.0f), erfc), x);
  Value isLarge = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, t,
                                        k.f32(kErfThreshold));
  return arith::SelectOp::create(b, loc, isLarge, large, small);
}

/// Exact GELU, 0.5 * v * (1 + erf(v / sqrt(2))), in the reference's f32
/// formula. For very negative v, 1 + erf cancels in both: a 1-ulp erf
/// difference moves the result by up to 2^-25 * |v| (a large relative
/// difference on a tiny value); elsewhere the result is within a few f32
/// ulps of the reference.
} // namespace

Value mlir::moe::buildGelu(KernelBuilder &k, Value v) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value scaled =
      arith::MulFOp::create(b, loc, v, k.f32(0.70710678118654752440f));
  Value erf = buildErf(k, scaled);
  Value onePlusErf = arith::AddFOp::create(b, loc, k.f32(1.0f), erf);
  Value halfV = arith::MulFOp::create(b, loc, k.f32(0.5f), v);
  return arith::MulFOp::create(b, loc, halfV, onePlusErf);
}

namespace {

//===----------------------------------------------------------------------===//
// Row-times-weights kernel shared by grouped_matmul and mot_linear
//===----------------------------------------------------------------------===//

/// In a block whose row `row` is in range: the lowest e < numExperts with
/// offsets[e] <= row < offsets[e + 1] and whether there is one (and row
/// lies in [offsets[0], offsets[numExperts])). The threads split the scan
/// and agree through a block-wide min, so every thread of the block must
/// call this (row is uniform in the block).
std::pair<Value, Value> findExpert(KernelBuilder &k, const LaunchIds &ids,
                                   Value offsets, Value numExperts, Value row) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto loadOffset = [&](KernelBuilder &k, Value e) -> Value {
    Value value = memref::LoadOp::create(k.b(), loc, offsets, e);
    return arith::ExtSIOp::create(k.b(), loc, i64, value);
  };
  // lo <= r < hi, for the offsets of entries `lo` and `hi`.
  auto contains = [&](KernelBuilder &k, Value lo, Value hi, Value r) -> Value {
    OpBuilder &b = k.b();
    Value loValue = loadOffset(k, lo);
    Value hiValue = loadOffset(k, hi);
    Value above =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, loValue, r);
    Value below =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, hiValue);
    return arith::AndIOp::create(b, loc, above, below);
  };
  Value r = arith::IndexCastUIOp::create(b, loc, i64, row);
  Value inRange = contains(k, k.index(0), numExperts, r);
  Value none = arith::IndexCastUIOp::create(b, loc, i32, numExperts);
  auto scan = scf::ForOp::create(
      b, loc, ids.threadId, numExperts, ids.blockSize, ValueRange{none},
      [&](OpBuilder &nested, Location nestedLoc, Value e, ValueRange args) {
        KernelBuilder inner(nested, nestedLoc);
        Value next = arith::AddIOp::create(nested, loc, e, inner.index(1));
        Value match = contains(inner, e, next, r);
        Value candidate = arith::SelectOp::create(
            nested, loc, match,
            arith::IndexCastUIOp::create(nested, loc, i32, e), none);
        scf::YieldOp::create(nested, nestedLoc,
                             ValueRange{arith::MinUIOp::create(
                                 nested, loc, args.front(), candidate)});
      });
  Value lowest = gpu::AllReduceOp::create(
      b, loc, scan.getResult(0),
      gpu::AllReduceOperationAttr::get(b.getContext(),
                                       gpu::AllReduceOperation::MINUI),
      /*uniform=*/b.getUnitAttr());
  Value found = arith::AndIOp::create(
      b, loc, inRange,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lowest, none));
  Value expert = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), lowest);
  return {expert, found};
}

} // namespace

static void buildRowGemmBlock(KernelBuilder &k, Location loc,
                              const RowGemm &gemm, const LaunchIds &ids,
                              Value block, Value rowsOrOne, Value rows,
                              Value numARows, Value reduction, Value numExperts,
                              Value upOffset, Value outCols);

GemmSizes mlir::moe::computeGemmSizes(KernelBuilder &kb, const RowGemm &gemm) {
  OpBuilder &rewriter = kb.b();
  Location loc = kb.getLoc();
  auto minOf = [&](Value a, Value b) -> Value {
    return arith::MinUIOp::create(rewriter, loc, a, b);
  };
  bool gated = isGatedEpilogue(gemm.epilogue);

  // Sizes, clamped to every buffer that carries them.
  Value numARows = kb.dim(gemm.a, 0);
  Value aCols = kb.dim(gemm.a, 1);
  bool int4 =
      gemm.quant == QuantScheme::w4a16 || gemm.quant == QuantScheme::w4a16_zp;
  Value wCols = kb.dim(gemm.w, 2);
  if (int4) // Two int4 values a byte along K.
    wCols = arith::MulIOp::create(rewriter, loc, wCols, kb.index(2));
  Value reduction = minOf(aCols, wCols);
  Value cols = kb.dim(gemm.w, 1);
  Value numExperts = kb.dim(gemm.w, 0);
  if (gemm.bias) {
    cols = minOf(cols, kb.dim(gemm.bias, 1));
    numExperts = minOf(numExperts, kb.dim(gemm.bias, 0));
  }
  // The weight-only scales [E, N] (w8a16) or [E, N, ceil(K/G)] and zero
  // points: E and N clamped to theirs, K to their groups times G.
  if (isWeightOnlyScheme(gemm.quant)) {
    for (Value perRow : {gemm.wScale, gemm.wZero}) {
      if (!perRow)
        continue;
      numExperts = minOf(numExperts, kb.dim(perRow, 0));
      cols = minOf(cols, kb.dim(perRow, 1));
      if (!int4)
        continue;
      Value groups = kb.dim(perRow, 2);
      Value covered = arith::MulIOp::create(rewriter, loc, groups,
                                            kb.index(gemm.groupSize));
      reduction = minOf(reduction, covered);
    }
  }
  // Gated: output column n reads acc[n] and acc[n + N/2] (N/2 rounded down
  // for an odd dynamic N, as the reference does).
  Value upOffset =
      gated
          ? arith::DivUIOp::create(rewriter, loc, cols, kb.index(2)).getResult()
          : Value();
  Value outCols = minOf(gated ? upOffset : cols, kb.dim(gemm.out, 1));
  Value rows = kb.dim(gemm.rowIndex ? gemm.rowIndex : gemm.a, 0);
  rows = minOf(rows, kb.dim(gemm.out, 0));
  if (gemm.scale)
    rows = minOf(rows, kb.dim(gemm.scale, 0));
  if (gemm.typeIds)
    rows = minOf(rows, kb.dim(gemm.typeIds, 0));
  if (gemm.offsets) {
    // E = min(E, |offsets| - 1); without any offset no row has an expert.
    Value numOffsets = kb.dim(gemm.offsets, 0);
    Value one = kb.index(1);
    numExperts =
        minOf(numExperts,
              arith::SubIOp::create(
                  rewriter, loc,
                  arith::MaxUIOp::create(rewriter, loc, numOffsets, one), one));
    Value noOffsets = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::eq, numOffsets, kb.index(0));
    rows = arith::SelectOp::create(rewriter, loc, noOffsets, kb.index(0), rows);
  }

  return {numARows, reduction, cols, numExperts, upOffset, outCols, rows};
}

void mlir::moe::buildRowGemm(PatternRewriter &rewriter, Location loc,
                             const RowGemm &gemm) {
  KernelBuilder kb(rewriter, loc);
  auto minOf = [&](Value a, Value b) -> Value {
    return arith::MinUIOp::create(rewriter, loc, a, b);
  };
  auto [numARows, reduction, cols, numExperts, upOffset, outCols, rows] =
      computeGemmSizes(kb, gemm);
  Value one = kb.index(1);
  Value chunks = arith::MaxUIOp::create(
      rewriter, loc, kb.ceilDiv(outCols, kb.index(gemm.threads)), one);
  Value rowsOrOne = arith::MaxUIOp::create(rewriter, loc, rows, one);
  Value blocks = arith::MulIOp::create(rewriter, loc, rows, chunks);

  // Gated by a device flag: a bounded grid whose blocks stride over the
  // virtual blocks, so a fallback that does not run costs one short launch.
  Value grid = blocks;
  if (gemm.enableFlag)
    grid = minOf(blocks, kb.index(gemm.maxBlocks));
  kb.launch(grid, gemm.threads, [&](KernelBuilder &k, const LaunchIds &ids) {
    if (!gemm.enableFlag) {
      buildRowGemmBlock(k, loc, gemm, ids, ids.blockId, rowsOrOne, rows,
                        numARows, reduction, numExperts, upOffset, outCols);
      return;
    }
    Value flag = memref::LoadOp::create(k.b(), loc, gemm.enableFlag,
                                        ValueRange{k.index(0)});
    Value enabled = arith::CmpIOp::create(
        k.b(), loc, arith::CmpIPredicate::ne, flag,
        arith::ConstantOp::create(k.b(), loc, k.b().getI32IntegerAttr(0)));
    k.ifThen(enabled,
             [&](KernelBuilder &k) { buildRowGemmInLaunch(k, gemm, ids); });
  });
}

void mlir::moe::buildRowGemmInLaunch(KernelBuilder &k, const RowGemm &gemm,
                                     const LaunchIds &ids) {
  Location loc = k.getLoc();
  auto [numARows, reduction, cols, numExperts, upOffset, outCols, rows] =
      computeGemmSizes(k, gemm);
  Value one = k.index(1);
  Value chunks = arith::MaxUIOp::create(k.b(), loc,
                                        k.ceilDiv(outCols, ids.blockSize), one);
  Value rowsOrOne = arith::MaxUIOp::create(k.b(), loc, rows, one);
  Value blocks = arith::MulIOp::create(k.b(), loc, rows, chunks);
  k.forLoop(ids.blockId, blocks, ids.gridSize,
            [&](KernelBuilder &k, Value virtualBlock) {
              buildRowGemmBlock(k, loc, gemm, ids, virtualBlock, rowsOrOne,
                                rows, numARows, reduction, numExperts, upOffset,
                                outCols);
              // The next virtual block's expert search (a block-wide
              // all-reduce) reuses the shared scratch this one's result
              // is still being read from.
              gpu::BarrierOp::create(k.b(), loc);
            });
}

/// Sums over an scf.for from 0 to `upper` by 1, in order, in f32 from 0:
/// one sum, or two when `gated` (acc[n] and acc[n + N/2]); `terms` gives
/// each step's addends.
static std::pair<Value, Value>
sumInOrder(KernelBuilder &k, Value upper, bool gated,
           function_ref<SmallVector<Value>(KernelBuilder &, Value)> terms) {
  Value zero = k.f32(0.0f);
  SmallVector<Value> init = {zero};
  if (gated)
    init.push_back(zero);
  Value lower = k.index(0);
  Value step = k.index(1);
  auto loop = scf::ForOp::create(
      k.b(), k.getLoc(), lower, upper, step, init,
      [&](OpBuilder &nested, Location nestedLoc, Value i, ValueRange acc) {
        KernelBuilder inner(nested, nestedLoc);
        SmallVector<Value> next;
        for (auto [sum, term] : llvm::zip_equal(acc, terms(inner, i)))
          next.push_back(arith::AddFOp::create(nested, nestedLoc, sum, term));
        scf::YieldOp::create(nested, nestedLoc, next);
      });
  return {loop.getResult(0), gated ? loop.getResult(1) : Value()};
}

/// The W rows a thread of the simple kernel reads: its gate row and, when
/// gated, its up row.
static SmallVector<Value> weightRows(Value gateCol, Value upCol, bool gated) {
  SmallVector<Value> rows = {gateCol};
  if (gated)
    rows.push_back(upCol);
  return rows;
}

/// [begin, end) of K block (or group) `block` of `size` columns, the last
/// one cut at `reduction`.
static std::pair<Value, Value> blockBounds(KernelBuilder &k, Value block,
                                           Value size, Value reduction) {
  Value begin = mul(k, block, size);
  Value next = add(k, begin, size);
  Value end = minU(k, next, reduction);
  return {begin, end};
}

/// a[aRow, kk] times w[expert, n, kk] in f32 for each W row n of `rows`.
static SmallVector<Value> rowProducts(KernelBuilder &k, const RowGemm &gemm,
                                      Value aRow, Value expert, Value kk,
                                      ArrayRef<Value> rows) {
  Value av = k.loadF32(gemm.a, {aRow, kk});
  SmallVector<Value> products;
  for (Value n : rows) {
    Value wv = k.loadF32(gemm.w, {expert, n, kk});
    products.push_back(arith::MulFOp::create(k.b(), k.getLoc(), av, wv));
  }
  return products;
}

/// acc[n] (and acc[n + N/2]) of the simple kernel's thread, k increasing:
/// W's rows `gateCol` (and `upCol`) times A's row `aRow`.
static std::pair<Value, Value> dotProduct(KernelBuilder &k, const RowGemm &gemm,
                                          Value aRow, Value expert,
                                          Value reduction, Value gateCol,
                                          Value upCol, bool gated) {
  SmallVector<Value> rows = weightRows(gateCol, upCol, gated);
  return sumInOrder(k, reduction, gated,
                    [&](KernelBuilder &inner, Value kk) -> SmallVector<Value> {
                      return rowProducts(inner, gemm, aRow, expert, kk, rows);
                    });
}

/// quant = fp8_block: acc[n] (and acc[n + N/2]) is the sum, in increasing
/// K block b, of p_b * (a_scale[aRow, b] * w_scale[expert, n / 128, b]),
/// p_b the f32 sum of the block's products in increasing k: the
/// reference's order exactly (docs/Semantics.md, the accumulation order
/// contract), with fp8 decoded exactly.
static std::pair<Value, Value>
fp8BlockDotProduct(KernelBuilder &k, const RowGemm &gemm, Value aRow,
                   Value expert, Value reduction, Value gateCol, Value upCol,
                   bool gated) {
  SmallVector<Value> rows = weightRows(gateCol, upCol, gated);
  Value blockSize = k.index(kFp8BlockSize);
  Value numBlocks = k.ceilDiv(reduction, blockSize);
  return sumInOrder(
      k, numBlocks, gated,
      [&](KernelBuilder &inner, Value block) -> SmallVector<Value> {
        OpBuilder &b = inner.b();
        Location loc = inner.getLoc();
        Value begin, end;
        std::tie(begin, end) = blockBounds(inner, block, blockSize, reduction);
        Value count = sub(inner, end, begin);
        auto [gate, up] =
            sumInOrder(inner, count, gated,
                       [&](KernelBuilder &leaf, Value i) -> SmallVector<Value> {
                         Value kk = add(leaf, begin, i);
                         return rowProducts(leaf, gemm, aRow, expert, kk, rows);
                       });
        Value aScale = inner.loadF32(gemm.aScale, {aRow, block});
        SmallVector<Value> partials = {gate, up};
        SmallVector<Value> terms;
        for (auto [partial, n] : llvm::zip(partials, rows)) {
          Value rowBlock = divU(inner, n, blockSize);
          Value wScale = inner.loadF32(gemm.wScale, {expert, rowBlock, block});
          Value scale = arith::MulFOp::create(b, loc, aScale, wScale);
          terms.push_back(arith::MulFOp::create(b, loc, partial, scale));
        }
        return terms;
      });
}

//===----------------------------------------------------------------------===//
// Weight-only schemes (w4a16, w4a16_zp, w8a16)
//===----------------------------------------------------------------------===//

/// The dequantized weight of one integer `q` (i32: the unsigned nibble or
/// the signed byte) minus its zero point `zero` (i32; null for none): the
/// exact integer q - zero in f32, times `scale` in f32, rounded once to
/// a's element type `computeType` and widened back (the value the 16-bit
/// MMA would consume; lib/Reference/Quant.cpp dequantizeWeight).
Value mlir::moe::dequantizeWeight(KernelBuilder &k, Value q, Value zero,
                                  Value scale, Type computeType) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value centred = zero ? arith::SubIOp::create(b, loc, q, zero) : q;
  Value exact = arith::SIToFPOp::create(b, loc, b.getF32Type(), centred);
  Value real = arith::MulFOp::create(b, loc, exact, scale);
  return k.roundTo(real, computeType);
}

/// The unsigned int4 value of element `kk` of W row (expert, n): byte
/// kk / 2 of the row holds element 2j in its low nibble and 2j + 1 in its
/// high nibble (docs/Semantics.md, "int4 packing"). Returned as an i32 in
/// [0, 15].
static Value loadInt4(KernelBuilder &k, Value w, Value expert, Value n,
                      Value kk) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value byteIndex = divU(k, kk, k.index(2));
  Value byte =
      memref::LoadOp::create(b, loc, w, ValueRange{expert, n, byteIndex});
  Value bits = arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
  Value position = toI32(k, kk);
  Value odd = andI(k, position, k.i32(1));
  Value shift = arith::ShLIOp::create(b, loc, odd, k.i32(2));
  Value shifted = arith::ShRUIOp::create(b, loc, bits, shift);
  return andI(k, shifted, k.i32(15));
}

/// quant = w4a16 / w4a16_zp / w8a16: acc[n] (and acc[n + N/2]) is
/// sum_k a[aRow, k] * wd[expert, n, k] in f32, k increasing, one running
/// sum from 0 (the reference's order exactly: docs/Semantics.md, the
/// accumulation order contract), with wd the weight dequantized and rounded
/// to a's element type (`dequantizeWeight`). w8a16 reads the row's scale
/// w_scale[expert, n] once; the int4 schemes walk K by groups of
/// `groupSize` columns, loading each group's scale (and zero point:
/// w_zero[expert, n, k / G] sign-extended, or 8 for w4a16) once, the last
/// group possibly shorter.
static std::pair<Value, Value>
weightOnlyDotProduct(KernelBuilder &k, const RowGemm &gemm, Value aRow,
                     Value expert, Value reduction, Value gateCol, Value upCol,
                     bool gated) {
  SmallVector<Value> rows = weightRows(gateCol, upCol, gated);
  Type computeType = cast<MemRefType>(gemm.a.getType()).getElementType();
  if (gemm.quant == QuantScheme::w8a16) {
    SmallVector<Value> scales;
    for (Value n : rows)
      scales.push_back(k.loadF32(gemm.wScale, {expert, n}));
    return sumInOrder(
        k, reduction, gated,
        [&](KernelBuilder &inner, Value kk) -> SmallVector<Value> {
          OpBuilder &b = inner.b();
          Location loc = inner.getLoc();
          Value av = inner.loadF32(gemm.a, {aRow, kk});
          SmallVector<Value> products;
          for (auto [n, scale] : llvm::zip_equal(rows, scales)) {
            Value byte = memref::LoadOp::create(b, loc, gemm.w,
                                                ValueRange{expert, n, kk});
            Value q = arith::ExtSIOp::create(b, loc, b.getI32Type(), byte);
            Value wd = dequantizeWeight(inner, q, Value(), scale, computeType);
            products.push_back(arith::MulFOp::create(b, loc, av, wd));
          }
          return products;
        });
  }

  Value groupSize = k.index(gemm.groupSize);
  Value numGroups = k.ceilDiv(reduction, groupSize);
  Value zero = k.f32(0.0f);
  Value first = k.index(0);
  Value step = k.index(1);
  SmallVector<Value> init(rows.size(), zero);
  SmallVector<Value> sums = forLoopCarrying(
      k, first, numGroups, step, init,
      [&](KernelBuilder &inner, Value group,
          ValueRange acc) -> SmallVector<Value> {
        OpBuilder &b = inner.b();
        Value begin, end;
        std::tie(begin, end) = blockBounds(inner, group, groupSize, reduction);
        // Each row's scale and zero point of this group.
        SmallVector<Value> scales, zeros;
        for (Value n : rows) {
          scales.push_back(inner.loadF32(gemm.wScale, {expert, n, group}));
          if (gemm.quant == QuantScheme::w4a16_zp) {
            Value stored = memref::LoadOp::create(b, inner.getLoc(), gemm.wZero,
                                                  ValueRange{expert, n, group});
            zeros.push_back(arith::ExtSIOp::create(b, inner.getLoc(),
                                                   b.getI32Type(), stored));
          } else {
            zeros.push_back(inner.i32(kInt4SymmetricZero));
          }
        }
        return forLoopCarrying(
            inner, begin, end, step, acc,
            [&](KernelBuilder &leaf, Value kk,
                ValueRange sum) -> SmallVector<Value> {
              OpBuilder &b = leaf.b();
              Location loc = leaf.getLoc();
              Value av = leaf.loadF32(gemm.a, {aRow, kk});
              SmallVector<Value> next;
              for (auto [n, scale, zeroPoint, partial] :
                   llvm::zip_equal(rows, scales, zeros, sum)) {
                Value q = loadInt4(leaf, gemm.w, expert, n, kk);
                Value wd =
                    dequantizeWeight(leaf, q, zeroPoint, scale, computeType);
                Value product = arith::MulFOp::create(b, loc, av, wd);
                next.push_back(arith::AddFOp::create(b, loc, partial, product));
              }
              return next;
            });
      });
  return {sums.front(), gated ? sums.back() : Value()};
}

/// quant = fp8_channel / fp8_tensor: the whole-K sums `gate` (and `up`)
/// times (a_scale * w_scale), a_scale[aRow, 0] and w_scale[expert, n] per
/// channel, a_scale[0] and w_scale[expert] per tensor: the reference's
/// order (docs/Semantics.md, the accumulation order contract). The sums
/// are the kernel's own or, after a split K, the splits' added up.
static std::pair<Value, Value>
applyFp8Scales(KernelBuilder &k, const RowGemm &gemm, Value aRow, Value expert,
               Value gate, Value up, Value gateCol, Value upCol, bool gated) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  bool perChannel = gemm.quant == QuantScheme::fp8_channel;
  Value aScale = perChannel ? k.loadF32(gemm.aScale, {aRow, k.index(0)})
                            : k.loadF32(gemm.aScale, {k.index(0)});
  auto scaled = [&](Value sum, Value n) {
    Value wScale = perChannel ? k.loadF32(gemm.wScale, {expert, n})
                              : k.loadF32(gemm.wScale, {expert});
    Value scale = arith::MulFOp::create(b, loc, aScale, wScale);
    return arith::MulFOp::create(b, loc, sum, scale).getResult();
  };
  gate = scaled(gate, gateCol);
  if (gated)
    up = scaled(up, upCol);
  return {gate, up};
}

/// acc[n] (and acc[n + N/2]) of output column `col` from the split-K
/// partial sums, added in the order of the splits (deterministic whatever
/// order the GEMM's blocks ran in). The accumulator tiles hold the gate
/// columns of an output block in their first half and its up columns in
/// the second, whatever W's layout (the tile loads put them there).
static std::pair<Value, Value> sumPartials(KernelBuilder &k,
                                           const RowGemm &gemm, Value row,
                                           Value col, bool gated) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value gateCol = col, upCol;
  if (gated) {
    int64_t half = gemm.partialTileN / 2;
    Value block = arith::DivUIOp::create(b, loc, col, k.index(half));
    Value within = arith::RemUIOp::create(b, loc, col, k.index(half));
    Value blockStart =
        arith::MulIOp::create(b, loc, block, k.index(gemm.partialTileN));
    gateCol = arith::AddIOp::create(b, loc, blockStart, within);
    upCol = arith::AddIOp::create(b, loc, gateCol, k.index(half));
  }
  Value splits = arith::IndexCastUIOp::create(
      b, loc, b.getIndexType(),
      memref::LoadOp::create(b, loc, gemm.splitCount, ValueRange{k.index(0)}));
  return sumInOrder(
      k, splits, gated,
      [&](KernelBuilder &inner, Value split) -> SmallVector<Value> {
        OpBuilder &b = inner.b();
        Value base =
            arith::MulIOp::create(b, inner.getLoc(), split, gemm.partialRows);
        Value partialRow = arith::AddIOp::create(b, inner.getLoc(), base, row);
        SmallVector<Value> parts;
        for (Value c : gated ? SmallVector<Value>{gateCol, upCol}
                             : SmallVector<Value>{gateCol})
          parts.push_back(inner.loadF32(gemm.partials, {partialRow, c}));
        return parts;
      });
}

/// One (virtual) block of the simple kernel: row `block % R`, column chunk
/// `block / R`.
static void buildRowGemmBlock(KernelBuilder &k, Location loc,
                              const RowGemm &gemm, const LaunchIds &ids,
                              Value block, Value rowsOrOne, Value rows,
                              Value numARows, Value reduction, Value numExperts,
                              Value upOffset, Value outCols) {
  EpilogueActivation activation = getEpilogueActivation(
      gemm.epilogue, gemm.gateUpLayout, gemm.clampLimit, gemm.swigluAlpha);
  bool gated = activation.isGated();
  bool interleaved = activation.layout == GateUpLayout::interleaved;
  Type i64 = k.b().getI64Type();
  OpBuilder &b = k.b();
  Value row = arith::RemUIOp::create(b, loc, block, rowsOrOne);
  Value chunk = arith::DivUIOp::create(b, loc, block, rowsOrOne);
  Value col = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, chunk, ids.blockSize),
      ids.threadId);
  Value rowInBounds =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row, rows);
  // Block-uniform: every thread of the block takes the same branch.
  k.ifThen(rowInBounds, [&](KernelBuilder &k) {
    OpBuilder &b = k.b();
    // The row's expert (or token type) and whether it has one.
    Value expert, valid;
    if (gemm.offsets) {
      std::tie(expert, valid) =
          findExpert(k, ids, gemm.offsets, numExperts, row);
    } else {
      Value type = arith::ExtSIOp::create(
          b, loc, i64, memref::LoadOp::create(b, loc, gemm.typeIds, row));
      Value numTypes = arith::IndexCastUIOp::create(b, loc, i64, numExperts);
      Value nonNegative = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::sge, type,
          arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0)));
      Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                            type, numTypes);
      valid = arith::AndIOp::create(b, loc, nonNegative, inRange);
      expert = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), type);
    }
    // A's row: r, or row_index[r] / index_divisor when that is in range.
    Value aRow = row;
    if (gemm.rowIndex) {
      auto [source, hasSource] = gatheredSourceRow(k, gemm, row, numARows);
      valid = arith::AndIOp::create(b, loc, valid, hasSource);
      aRow = source;
    }

    Value colInBounds =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, col, outCols);
    k.ifThen(colInBounds, [&](KernelBuilder &k) {
      Value result = k.ifThenElseF32(
          valid,
          [&](KernelBuilder &k) -> Value {
            OpBuilder &b = k.b();
            // W's gate row of output column col and its up row: col and
            // col + N/2, or 2 col and 2 col + 1 for interleaved rows.
            Value gateCol = col;
            Value upCol;
            if (interleaved) {
              gateCol = arith::MulIOp::create(b, loc, col, k.index(2));
              upCol = arith::AddIOp::create(b, loc, gateCol, k.index(1));
            } else if (gated) {
              upCol = arith::AddIOp::create(b, loc, col, upOffset);
            }
            auto [gate, up] =
                gemm.partials ? sumPartials(k, gemm, row, col, gated)
                : gemm.quant == QuantScheme::fp8_block
                    ? fp8BlockDotProduct(k, gemm, aRow, expert, reduction,
                                         gateCol, upCol, gated)
                : isWeightOnlyScheme(gemm.quant)
                    ? weightOnlyDotProduct(k, gemm, aRow, expert, reduction,
                                           gateCol, upCol, gated)
                    : dotProduct(k, gemm, aRow, expert, reduction, gateCol,
                                 upCol, gated);
            if (gemm.quant == QuantScheme::fp8_channel ||
                gemm.quant == QuantScheme::fp8_tensor)
              std::tie(gate, up) = applyFp8Scales(k, gemm, aRow, expert, gate,
                                                  up, gateCol, upCol, gated);
            return buildRowEpilogue(k, gemm, activation, expert, row, gateCol,
                                    upCol, gate, up);
          },
          0.0f);
      k.storeF32(result, gemm.out, {row, col});
    });
  });
}

std::pair<Value, Value> mlir::moe::gatheredSourceRow(KernelBuilder &k,
                                                     const RowGemm &gemm,
                                                     Value row,
                                                     Value numARows) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Type i64 = b.getI64Type();
  Value stored = memref::LoadOp::create(b, loc, gemm.rowIndex, row);
  Value index = arith::ExtSIOp::create(b, loc, i64, stored);
  Value divisor =
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(gemm.indexDivisor));
  Value source = arith::DivUIOp::create(b, loc, index, divisor);
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value nonNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index, zero);
  Value rows = arith::IndexCastUIOp::create(b, loc, i64, numARows);
  Value inRange =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, source, rows);
  Value valid = arith::AndIOp::create(b, loc, nonNegative, inRange);
  Value sourceIndex =
      arith::IndexCastUIOp::create(b, loc, b.getIndexType(), source);
  return {sourceIndex, valid};
}

Value mlir::moe::buildRowEpilogue(KernelBuilder &k, const RowGemm &gemm,
                                  const EpilogueActivation &activation,
                                  Value expert, Value row, Value gateCol,
                                  Value upCol, Value gate, Value up) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  bool gated = activation.isGated();
  if (gemm.bias) {
    gate = arith::AddFOp::create(b, loc, gate,
                                 k.loadF32(gemm.bias, {expert, gateCol}));
    if (gated)
      up = arith::AddFOp::create(b, loc, up,
                                 k.loadF32(gemm.bias, {expert, upCol}));
  }
  Value value = gated ? buildGatedActivation(k, activation, gate, up)
                      : buildElementwiseActivation(k, activation.kind, gate);
  if (gemm.scale)
    value = arith::MulFOp::create(
        b, loc, value, memref::LoadOp::create(b, loc, gemm.scale, row));
  return value;
}

/// The parameters of `config` that no kernel implements yet, as an error at
/// `op`.
static LogicalResult checkConfigImplemented(GroupedMatmulOp op,
                                            GemmConfigAttr config) {
  if (config.getClusterN() != 1)
    return op.emitOpError("#moe.gemm_config cluster_n = ")
           << config.getClusterN()
           << " is not supported yet: the tiled kernel's clusters share W "
              "tiles along M (cluster_m), not A tiles along N";
  if (config.getClusterM() != 1 && config.getClusterM() != 2)
    return op.emitOpError("#moe.gemm_config cluster_m = ")
           << config.getClusterM()
           << " is not supported yet: the tiled kernel runs in clusters of "
              "1 or 2 blocks along M";
  if (config.getRaster() != GemmRaster::along_m)
    return op.emitOpError("#moe.gemm_config raster = ")
           << stringifyGemmRaster(config.getRaster())
           << " is not supported yet: the tiled kernel walks each expert's "
              "tiles along_m";
  if (config.getSwapAb())
    return op.emitOpError(
        "#moe.gemm_config swap_ab = true is not supported yet: the tiled "
        "kernel puts A's rows on wgmma's M");
  if (config.getSplitK() != 1 && config.getKernel() != GemmKernel::tiled)
    return op.emitOpError("#moe.gemm_config split_k = ")
           << config.getSplitK() << " needs kernel = tiled: the "
           << stringifyGemmKernel(config.getKernel())
           << " kernel does not split K";
  if (config.getKernel() == GemmKernel::stream && op.isFp8Quantized())
    return op.emitOpError("#moe.gemm_config kernel = stream is not supported "
                          "yet with quant = ")
           << stringifyQuantScheme(op.getQuant())
           << ": the stream kernel reads bf16 or f16 A and 16-bit or "
              "weight-only integer W";
  if (config.getSplitK() != 1 && config.getClusterM() != 1)
    return op.emitOpError("#moe.gemm_config split_k = ")
           << config.getSplitK() << " with cluster_m = " << config.getClusterM()
           << " is not supported yet: the tiled kernel splits K only for "
              "blocks outside clusters";
  return success();
}

LogicalResult mlir::moe::checkGemmConfigImplemented(GroupedMatmulOp op) {
  for (GemmConfigAttr config : op.getGemmConfigs())
    if (failed(checkConfigImplemented(op, config)))
      return failure();
  return success();
}

bool mlir::moe::isWeightOnlyScheme(QuantScheme scheme) {
  return scheme == QuantScheme::w4a16 || scheme == QuantScheme::w4a16_zp ||
         scheme == QuantScheme::w8a16;
}

LogicalResult mlir::moe::checkQuantizationImplemented(GroupedMatmulOp op) {
  // No default: a new scheme is a -Wswitch warning here until it is lowered.
  switch (op.getQuant()) {
  case QuantScheme::none:
  case QuantScheme::fp8_block:
  case QuantScheme::fp8_channel:
  case QuantScheme::fp8_tensor:
  case QuantScheme::w4a16:
  case QuantScheme::w4a16_zp:
  case QuantScheme::w8a16:
    return success();
  }
  return op.emitOpError("quantized grouped_matmul (quant = ")
         << stringifyQuantScheme(op.getQuant()) << ") is not lowered yet";
}

RowGemm mlir::moe::getRowGemm(GroupedMatmulOp op) {
  RowGemm gemm;
  gemm.a = op.getA();
  gemm.rowIndex = op.getRowIndex();
  gemm.indexDivisor = static_cast<int64_t>(op.getIndexDivisor());
  gemm.w = op.getW();
  gemm.offsets = op.getOffsets();
  gemm.scale = op.getScale();
  gemm.bias = op.getBias();
  gemm.out = op.getOutInit();
  gemm.epilogue = op.getEpilogue();
  gemm.gateUpLayout = op.getGateUpLayout();
  gemm.clampLimit = op.getClampLimitAttr();
  gemm.swigluAlpha = op.getSwigluAlphaAttr();
  if (op.isQuantized()) {
    gemm.quant = op.getQuant();
    gemm.aScale = op.getAScale();
    gemm.wScale = op.getWScale();
    gemm.wZero = op.getWZero();
    gemm.groupSize = static_cast<int64_t>(op.getGroupSize().value_or(0));
  }
  gemm.threads = op.getGemmConfig().getSimpleThreads();
  return gemm;
}

namespace {

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

struct GroupedMatmulToGPU : OpRewritePattern<GroupedMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  /// The simple kernel; moe-tile-grouped-matmul has already taken the ops
  /// the tiled kernel can compute.
  LogicalResult matchAndRewrite(GroupedMatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    if (static_cast<int64_t>(op.getIndexDivisor()) <= 0)
      return rewriter.notifyMatchFailure(op, "index_divisor must be positive");
    buildRowGemm(rewriter, op.getLoc(), getRowGemm(op));
    rewriter.eraseOp(op);
    return success();
  }
};

struct MotLinearToGPU : OpRewritePattern<MotLinearOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MotLinearOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    RowGemm gemm;
    gemm.a = op.getX();
    gemm.w = op.getW();
    gemm.typeIds = op.getTypeIds();
    gemm.bias = op.getBias();
    gemm.out = op.getOutInit();
    gemm.threads = getConfigInt(op, "threads", 256);
    buildRowGemm(rewriter, op.getLoc(), gemm);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::moe::populateGemmKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<GroupedMatmulToGPU, MotLinearToGPU>(patterns.getContext());
}
