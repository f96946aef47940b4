//===- QuantizeKernels.cpp - moe.quantize on the GPU ----------------------===//
//
// fp8 e4m3 activation quantization (docs/Semantics.md, "Activation
// quantization"), a memory-bound kernel: it reads x once from memory and
// writes q (one byte an element) and one f32 scale per token group.
//
// A team of L lanes of one warp quantizes one (row, group): L is the number
// of 16-byte chunks of x a group spans, rounded up to a power of two and at
// most 32 (G = 128: 16 lanes for bf16/f16, 32 for f32), so a warp handles
// 32 / L groups side by side. Pass 1 takes each lane's amax over its chunks
// (arith.maxnumf: NaNs skipped), a butterfly of shuffles within the team
// combines them, and the team's first lane stores the scale. Pass 2 re-reads
// the group (from L1: the same warp just loaded it) and stores q = e4m3(x /
// scale): an IEEE f32 division, then PTX cvt.rn.satfinite.e4m3x2.f32 on
// pairs of values (nvvm.convert.f32x2.to.f8x2), packed into one vector
// store per chunk. When x and q allow 16-byte accesses (checked at run time,
// VectorAccess.h; for q this needs K a multiple of 16) and G is a multiple
// of the chunk width, every group is made of whole chunks; otherwise each
// lane takes single columns. The static form is the same kernel with one
// group per row, no amax and the scale loaded from its operand.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "Patterns.h"
#include "VectorAccess.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr int64_t kWarpSize = 32;
/// The largest finite f8E4M3FN value, and the floor of a group's amax
/// (docs/Semantics.md; the reference's kE4m3Max and kFp8AmaxFloor).
constexpr float kE4m3Max = 448.0f;
constexpr float kAmaxFloor = 1e-10f;

/// Lanes of the team that quantizes a group of `groupSize` columns taken in
/// chunks of `width`: one chunk a lane, a power of two, at most a warp.
int64_t getTeamLanes(int64_t groupSize, int64_t width) {
  int64_t chunks =
      std::min<int64_t>(llvm::divideCeil(groupSize, width), kWarpSize);
  return static_cast<int64_t>(llvm::PowerOf2Ceil(chunks));
}

/// The largest `value` over each aligned team of `lanes` lanes (a power of
/// two); every lane of the warp must execute it.
Value teamMax(KernelBuilder &k, Value value, int64_t lanes) {
  Value warp = k.i32(kWarpSize);
  for (int64_t offset = lanes / 2; offset >= 1; offset /= 2) {
    Value mask = k.i32(offset);
    Value other = gpu::ShuffleOp::create(k.b(), k.getLoc(), value, mask, warp,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    value = arith::MaxNumFOp::create(k.b(), k.getLoc(), value, other);
  }
  return value;
}

/// `value` with any NaN replaced by the positive quiet NaN, so that its e4m3
/// encoding is 0x7F whatever the NaN's sign (the reference's kE4m3NaN).
Value canonicalizeNaN(KernelBuilder &k, Value value) {
  Value isNaN = cmpF(k, arith::CmpFPredicate::UNO, value, value);
  Value nan = k.f32(std::numeric_limits<float>::quiet_NaN());
  return select(k, isNaN, nan, value);
}

/// The e4m3 encodings of f32 `high` and `low` (round to nearest even,
/// saturating to +-448: cvt.rn.satfinite.e4m3x2.f32), `high` in the upper
/// byte of the i16.
Value convertPairToE4m3(KernelBuilder &k, Value high, Value low) {
  Value a = canonicalizeNaN(k, high);
  Value b = canonicalizeNaN(k, low);
  return NVVM::ConvertF32x2ToF8x2Op::create(
      k.b(), k.getLoc(), k.b().getI16Type(), a, b, NVVM::FPRoundingMode::RN,
      NVVM::SaturationMode::SATFINITE, /*relu=*/false,
      k.b().getType<Float8E4M3FNType>());
}

/// Encodes the f32 `values` as f8E4M3FN and stores them to consecutive
/// elements of `memref` from `indices`: one element, or an even count
/// packed two a conversion into one vector store (VectorAccess.h's rules).
void storeE4m3(KernelBuilder &k, ArrayRef<Value> values, Value memref,
               ValueRange indices) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Type f8 = b.getType<Float8E4M3FNType>();
  if (values.size() == 1) {
    Value pair = convertPairToE4m3(k, k.f32(0.0f), values.front());
    Value byte = arith::TruncIOp::create(b, loc, b.getI8Type(), pair);
    Value element = arith::BitcastOp::create(b, loc, f8, byte);
    memref::StoreOp::create(b, loc, element, memref, indices);
    return;
  }
  int64_t count = static_cast<int64_t>(values.size());
  SmallVector<Value> pairs;
  for (int64_t i = 0; i < count; i += 2)
    pairs.push_back(convertPairToE4m3(k, values[i + 1], values[i]));
  auto pairsType = VectorType::get({count / 2}, b.getI16Type());
  Value packed = vector::FromElementsOp::create(b, loc, pairsType, pairs);
  Value bytes =
      vector::BitCastOp::create(b, loc, VectorType::get({count}, f8), packed);
  storeVectors(k, {bytes}, memref, indices);
}

struct QuantizeToGPU : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    Location loc = op.getLoc();
    KernelBuilder kb(rewriter, loc);
    Value x = op.getX(), q = op.getQInit();
    Value scales = op.getScalesInit(), staticScale = op.getScale();
    Type xType = cast<MemRefType>(x.getType()).getElementType();
    int64_t width = getVectorWidth(xType);
    bool dynamic = static_cast<bool>(scales);

    // Sizes, clamped to every buffer the kernel touches.
    Value xRows = kb.dim(x, 0), xCols = kb.dim(x, 1);
    Value rows = minU(kb, xRows, kb.dim(q, 0));
    Value cols = minU(kb, xCols, kb.dim(q, 1));
    // Static: one group of K columns a row.
    Value groupSize = cols, groups = kb.index(1);
    int64_t lanes = kWarpSize;
    bool wholeChunks = true;
    if (dynamic) {
      int64_t group = static_cast<int64_t>(*op.getGroupSize());
      groupSize = kb.index(group);
      rows = minU(kb, rows, kb.dim(scales, 0));
      Value perRow = kb.ceilDiv(cols, groupSize);
      groups = minU(kb, perRow, kb.dim(scales, 1));
      lanes = getTeamLanes(group, width);
      wholeChunks = group % width == 0;
    }
    Value vectorAligned =
        wholeChunks ? isVectorAligned(kb, {x, q})
                    : arith::ConstantOp::create(rewriter, loc,
                                                rewriter.getBoolAttr(false));
    int64_t threads = getConfigInt(op, "threads", 256);
    int64_t teamsPerBlock = threads / lanes;
    Value units = mul(kb, rows, groups);
    Value blocks = kb.ceilDiv(units, kb.index(teamsPerBlock));
    // Unit u is row u / groups, group u % groups (no division by zero when
    // there are no columns).
    Value groupsDivisor = maxU(kb, groups, kb.index(1));

    kb.launch(blocks, threads, [&](KernelBuilder &k, const LaunchIds &ids) {
      Value lanesValue = k.index(lanes);
      Value lane = remU(k, ids.threadId, lanesValue);
      Value team = divU(k, ids.threadId, lanesValue);
      Value firstTeam = mul(k, ids.blockId, k.index(teamsPerBlock));
      Value unit = add(k, firstTeam, team);
      Value active = cmpI(k, arith::CmpIPredicate::ult, unit, units);
      Value row = divU(k, unit, groupsDivisor);
      Value group = remU(k, unit, groupsDivisor);
      Value begin = mul(k, group, groupSize);
      // Columns of the group; none for the lanes of a team past the last
      // unit, which still take part in the shuffles.
      Value rest = sub(k, cols, minU(k, begin, cols));
      Value groupLength = minU(k, groupSize, rest);
      Value length = select(k, active, groupLength, k.index(0));
      Value scale;
      if (dynamic) {
        // Pass 1: the group's amax, NaNs skipped.
        Value laneMax =
            forEachColumnChunk(
                k, vectorAligned, length, lane, lanesValue, width,
                {k.f32(0.0f)},
                [&](KernelBuilder &k, Value column, int64_t count,
                    ValueRange acc) -> SmallVector<Value> {
                  Value amax = acc.front();
                  for (Value v :
                       loadF32s(k, x, {row, add(k, begin, column)}, count)) {
                    Value magnitude = math::AbsFOp::create(k.b(), loc, v);
                    amax =
                        arith::MaxNumFOp::create(k.b(), loc, amax, magnitude);
                  }
                  return {amax};
                })
                .front();
        Value amax = teamMax(k, laneMax, lanes);
        Value floored =
            arith::MaxNumFOp::create(k.b(), loc, amax, k.f32(kAmaxFloor));
        Value maxValue = k.f32(kE4m3Max);
        scale = arith::DivFOp::create(k.b(), loc, floored, maxValue);
        Value first = cmpI(k, arith::CmpIPredicate::eq, lane, k.index(0));
        k.ifThen(andI(k, active, first), [&](KernelBuilder &k) {
          memref::StoreOp::create(k.b(), loc, scale, scales, {row, group});
        });
      } else {
        scale = memref::LoadOp::create(k.b(), loc, staticScale,
                                       ValueRange{k.index(0)});
      }
      // Pass 2: q = e4m3(x / scale), re-reading the lane's own chunks.
      forEachColumnChunk(k, vectorAligned, length, lane, lanesValue, width,
                         [&](KernelBuilder &k, Value column, int64_t count) {
                           Value first = add(k, begin, column);
                           SmallVector<Value> quotients;
                           for (Value v : loadF32s(k, x, {row, first}, count))
                             quotients.push_back(
                                 arith::DivFOp::create(k.b(), loc, v, scale));
                           storeE4m3(k, quotients, q, {row, first});
                         });
    });
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::moe::populateQuantizeKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizeToGPU>(patterns.getContext());
}
