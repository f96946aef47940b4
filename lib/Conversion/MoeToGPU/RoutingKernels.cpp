//===- RoutingKernels.cpp - gate on the GPU -------------------------------===//
//
// moe.gate with one block per token row, mirroring lib/Reference/Gate.cpp
// step by step (docs/Semantics.md, "gate"). Block t routes token t (blocks
// past T do nothing), with the row's arrays in workgroup memory:
//
//   1. Scores: one strided pass reads logits[t, :] (NaN -> -inf).
//      softmax: m = block max; p_e = (l_e == m) ? 1 : exp(l_e - m);
//               sum = sum of p_e in increasing e (orderedSum);
//               score_e = (m == -inf) ? 0 : p_e / sum.
//      sigmoid: score_e = 1 / (1 + exp(-l_e)).
//      Selection s_e = nan_to_neg_inf(score_e + bias_e). Scores are never
//      NaN, so without bias s_e is score_e and one array holds both.
//   2. Groups (only when 1 < num_groups and topk_groups < num_groups):
//      thread g scores group g (max or top2 sum of its s_e), ranks it among
//      the groups, and if it is not one of the topk_groups best, sets its
//      experts' s_e to NaN: not eligible.
//   3. Top-k: k rounds of block-wide argmax over the experts whose key
//      (s_e, -e) is below the previous pick's key (a NaN never is). Keys are
//      distinct and totally ordered, so round j picks the j-th largest s_e,
//      ties to the lower index, and picks need no marking. The key is packed
//      in an i64 (selectionKey), so each round is a single block-wide max
//      (gpu.all_reduce maxui). Thread 0 records the picks.
//   4. Weights: w_j = score[id_j] (NaN -> 0), renormalized by their sum in
//      increasing j (which the rounds accumulate), times scaling_factor.
//   5. Shared slots: id E + s, weight sigmoid(shared_logits[t, s]) (NaN ->
//      -inf) when the op has shared logits, else 1 (shared_weight = one) or
//      (sum of the final w_j in increasing j) / scaling_factor.
//
// Global memory: the logits row is read once, the k + S outputs written
// once. Workgroup memory is swept three times for softmax scores (once for
// sigmoid), once for the groups and once per top-k round.
//
// Ids must match the CPU reference bit for bit, so the scores that order
// them must too: exp is evaluated in f64 and rounded once to f32, which is
// the correctly rounded expf (what glibc's expf returns but in rare
// near-halfway cases), instead of the few-ulp ex2.approx of math.exp; and
// every sum the reference forms sequentially is formed in the same order.
//
// The row's arrays are workgroup attributions sized by the static E, k and
// num_groups: 4 bytes per expert (8 with a bias), 4 per pick and per group,
// and 128 for softmax, which must fit the 48 KiB of static shared memory of a
// block (E up to about 6000 with a bias, 12000 without). Dynamic shared memory
// would lift that bound, but LLVM 22's NVPTX backend demotes the `[0 x i8]`
// global that gpu.dynamic_shared_memory lowers to into a static variable that
// overlaps the all_reduce buffers. A dynamic E is rejected with an error.
//
// Another LLVM 22 NVPTX issue shapes the loops: see rotatedIndex.
//
//===----------------------------------------------------------------------===//

#include "FusedRouting.h"
#include "KernelBuilder.h"
#include "Patterns.h"
#include "moe/Dialect/Moe/IR/MoeOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/Support/MathExtras.h"

#include <limits>
#include <memory>

using namespace mlir;
using namespace mlir::moe;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kWarpSize = 32;

//===----------------------------------------------------------------------===//
// Small IR helpers
//===----------------------------------------------------------------------===//

/// Size `dim` of `memref`: a constant when static, so that the kernel's
/// loop bounds are compile-time constants rather than kernel arguments.
Value dimOf(KernelBuilder &k, Value memref, int64_t dim) {
  int64_t size = cast<MemRefType>(memref.getType()).getDimSize(dim);
  return ShapedType::isDynamic(size) ? k.dim(memref, dim) : k.index(size);
}

/// NaN -> -inf, as the reference's nanToNegInf.
Value nanToNegInf(KernelBuilder &k, Value value) {
  Value isNaN = cmpF(k, arith::CmpFPredicate::UNO, value, value);
  return select(k, isNaN, k.f32(-kInf), value);
}

/// 1 / (1 + exp(-v)) with NaN -> -inf (so 0), exp as exactExp: the
/// reference's sigmoid score.
Value sigmoidScore(KernelBuilder &k, Value logit);

/// NaN -> 0 (a NaN score gives weight 0).
Value nanToZero(KernelBuilder &k, Value value) {
  Value isNaN = cmpF(k, arith::CmpFPredicate::UNO, value, value);
  return select(k, isNaN, k.f32(0.0f), value);
}

/// Block-wide reduction of `value`; every thread of the block must reach it.
Value blockReduce(KernelBuilder &k, Value value,
                  gpu::AllReduceOperation operation) {
  OpBuilder &b = k.b();
  return gpu::AllReduceOp::create(
      b, k.getLoc(), value,
      gpu::AllReduceOperationAttr::get(b.getContext(), operation),
      /*uniform=*/b.getUnitAttr());
}

/// (i + start) mod size, to visit [0, size) from a thread-dependent start.
///
/// Needed by the per-thread loops over workgroup memory whose order does not
/// matter: from a fixed start, LLVM 22's NVPTX load/store vectorizer merges
/// the unrolled loads into ld.shared.v4 after raising the buffer's alignment
/// to 16 bytes, but the buffer was already emitted with `.align 4`, so the
/// vector load can fault (CUDA_ERROR_MISALIGNED_ADDRESS). `size` is not 0
/// when the loop runs.
Value rotatedIndex(KernelBuilder &k, Value i, Value start, Value size) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  return arith::RemUIOp::create(b, loc, arith::AddIOp::create(b, loc, i, start),
                                size);
}

/// exp(x) for f32 `x`, computed in f64 and rounded once to f32.
///
/// x is clamped to [-110, 100] (exp underflows to 0 below -103.98 and
/// overflows to +inf above 88.73, so the f32 result is unchanged), then
/// x = n ln2 + r with n = round(x / ln2) and |r| <= ln2/2 (Cody-Waite with
/// the fdlibm split of ln2, exact for |n| < 2^20), exp(r) is the degree-12
/// Taylor polynomial (truncation < 2e-16 relative), and 2^n is built from
/// its exponent bits (n in [-159, 145], a normal double). The f64 result is
/// within a few 1e-16 of exp(x), so rounding it to f32 gives the correctly
/// rounded value except when exp(x) lies that close to a halfway point.
/// Only arith ops: no libdevice, no approximate instructions.
Value exactExp(KernelBuilder &k, Value x) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Type f64 = b.getF64Type();
  Type i64 = b.getI64Type();
  auto f64Const = [&](double value) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(value));
  };
  auto i64Const = [&](int64_t value) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
  };
  Value clamped = arith::MinNumFOp::create(
      b, loc, arith::MaxNumFOp::create(b, loc, x, k.f32(-110.0f)),
      k.f32(100.0f));
  Value xd = arith::ExtFOp::create(b, loc, f64, clamped);
  // n = round-to-nearest-even(x / ln2) with the 1.5 * 2^52 shift trick.
  Value shifter = f64Const(6755399441055744.0);
  Value scaled =
      arith::MulFOp::create(b, loc, xd, f64Const(1.4426950408889634));
  Value n = arith::SubFOp::create(
      b, loc, arith::AddFOp::create(b, loc, scaled, shifter), shifter);
  Value r = arith::SubFOp::create(
      b, loc,
      arith::SubFOp::create(
          b, loc, xd,
          arith::MulFOp::create(b, loc, n,
                                f64Const(6.93147180369123816490e-01))),
      arith::MulFOp::create(b, loc, n, f64Const(1.90821492927058770002e-10)));
  // exp(r) = sum_{i <= 12} r^i / i!, by Horner's rule.
  constexpr int kDegree = 12;
  double inverseFactorials[kDegree + 1];
  inverseFactorials[0] = 1.0;
  for (int i = 1; i <= kDegree; ++i)
    inverseFactorials[i] = inverseFactorials[i - 1] / i;
  Value poly = f64Const(inverseFactorials[kDegree]);
  for (int i = kDegree - 1; i >= 0; --i)
    poly = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, poly, r),
                                 f64Const(inverseFactorials[i]));
  // 2^n from the biased exponent.
  Value nInt = arith::FPToSIOp::create(b, loc, i64, n);
  Value biased = arith::AddIOp::create(b, loc, nInt, i64Const(1023));
  Value bits = arith::ShLIOp::create(b, loc, biased, i64Const(52));
  Value power = arith::BitcastOp::create(b, loc, f64, bits);
  Value result = arith::MulFOp::create(b, loc, poly, power);
  return arith::TruncFOp::create(b, loc, b.getF32Type(), result);
}

//===----------------------------------------------------------------------===//
// The gate kernel
//===----------------------------------------------------------------------===//

/// The row's workgroup buffers (f32 unless noted).
struct RowBuffers {
  Value selection;   ///< s_e, [E]
  Value scores;      ///< score_e, [E]; the selection buffer without bias
  Value chosen;      ///< i32 ids of the k picks, [k]
  Value groupScores; ///< [num_groups], when groups are selected
  Value sums;        ///< warp 0's sums (orderedSum), [32], with softmax
};

/// Per-thread values of the row being routed.
struct RowIds {
  Value row;       ///< token = block id
  Value threadId;  ///< thread in the block
  Value blockSize; ///< threads in the block
  RowBuffers buffers;
};

/// Builds the kernel of one buffer-form moe.gate: the workgroup buffer types
/// and T before the launch, the other sizes at the top of the kernel, then
/// one member function per step.
class GateKernelBuilder {
public:
  explicit GateKernelBuilder(GateOp op) : op(op) {
    softmax = op.getScoring() == ScoringFunc::softmax;
    numRouted = static_cast<int64_t>(op.getK());
    numShared = static_cast<int64_t>(op.getNumSharedExperts());
    numGroups = static_cast<int64_t>(op.getNumGroups());
    topkGroups = static_cast<int64_t>(op.getTopkGroups());
    selectsGroups = numGroups > 1 && topkGroups < numGroups;
    top2Sum = op.getGroupScore() == GroupScore::top2_sum;
    renormalize = op.getRenormalize();
    scalingFactor = op.getScalingFactor().convertToFloat();
  }

  /// Types of the workgroup buffers for `numExperts` experts, in the order
  /// of RowBuffers.
  SmallVector<Type> getWorkgroupTypes(MLIRContext *context, int64_t numExperts);
  /// Launches the kernel; the op is left for the caller to erase.
  void build(KernelBuilder &kb, int64_t threads, ArrayRef<Type> workgroupTypes);
  /// The kernel's body in a launch of any number of blocks, each of at least
  /// a warp: block b < `rows` routes row b. The launch's workgroup buffers
  /// from `firstBuffer` are those of getWorkgroupTypes.
  void buildRow(KernelBuilder &k, const LaunchIds &ids, Value rows,
                unsigned firstBuffer);
  /// T, clamped to the outputs; built before the launch.
  Value computeRows(KernelBuilder &kb);

private:
  /// The other sizes, built in the kernel so that static ones are constants.
  void computeSizes(KernelBuilder &k);
  /// The launch's workgroup attributions from `first`, from inside its
  /// body.
  RowBuffers getBuffers(KernelBuilder &k, unsigned first);

  // Step 1: scores and selection scores.
  void buildScores(KernelBuilder &k, const RowIds &r);
  void buildSoftmaxScores(KernelBuilder &k, const RowIds &r);
  void buildSigmoidScores(KernelBuilder &k, const RowIds &r);
  Value orderedSum(KernelBuilder &k, const RowIds &r, Value values);
  void storeScore(KernelBuilder &k, const RowIds &r, Value e, Value score);
  // Step 2: group selection.
  void buildGroupScores(KernelBuilder &k, const RowIds &r);
  void buildDroppedGroups(KernelBuilder &k, const RowIds &r);
  // Step 3: top-k.
  Value buildTopK(KernelBuilder &k, const RowIds &r);
  // Steps 4 and 5: weights and shared slots.
  Value routedScore(KernelBuilder &k, const RowIds &r, Value id);
  Value finalWeight(KernelBuilder &k, const RowIds &r, Value j,
                    Value routedSum);
  void buildRoutedSlots(KernelBuilder &k, const RowIds &r, Value routedSum);
  void buildSharedSlots(KernelBuilder &k, const RowIds &r, Value routedSum);
  Value routedMass(KernelBuilder &k, const RowIds &r, Value routedSum);
  Value sharedWeight(KernelBuilder &k, const RowIds &r, Value s,
                     Value routedMass);

  void barrier(KernelBuilder &k) { gpu::BarrierOp::create(k.b(), k.getLoc()); }

  GateOp op;
  bool softmax, selectsGroups, top2Sum, renormalize;
  int64_t numRouted, numShared, numGroups, topkGroups;
  float scalingFactor;

  // Sizes (index unless noted), computed at the start of the kernel.
  Value experts;       ///< E, limited by the bias size
  Value expertsI32;    ///< experts as i32
  Value firstSharedId; ///< E of logits as i32: the first shared id
  Value weightCols, idCols;
  Value groupSize; ///< experts / num_groups
};

Value GateKernelBuilder::computeRows(KernelBuilder &kb) {
  OpBuilder &b = kb.b();
  Location loc = kb.getLoc();
  Value weights = op.getWeightsInit(), ids = op.getIdsInit();
  Value rows = b.createOrFold<arith::MinUIOp>(
      loc, dimOf(kb, op.getLogits(), 0),
      b.createOrFold<arith::MinUIOp>(loc, dimOf(kb, weights, 0),
                                     dimOf(kb, ids, 0)));
  if (Value sharedLogits = op.getSharedLogits())
    rows =
        b.createOrFold<arith::MinUIOp>(loc, rows, dimOf(kb, sharedLogits, 0));
  return rows;
}

void GateKernelBuilder::computeSizes(KernelBuilder &k) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value bias = op.getBias();
  Value weights = op.getWeightsInit(), ids = op.getIdsInit();
  // E is static and fits the i32 ids (checked by the pattern); a shorter
  // bias limits the experts read.
  Value logitsExperts = dimOf(k, op.getLogits(), 1);
  experts = bias ? b.createOrFold<arith::MinUIOp>(loc, logitsExperts,
                                                  dimOf(k, bias, 0))
                 : logitsExperts;
  expertsI32 = b.createOrFold<arith::IndexCastOp>(loc, b.getI32Type(), experts);
  firstSharedId =
      b.createOrFold<arith::IndexCastOp>(loc, b.getI32Type(), logitsExperts);
  weightCols = dimOf(k, weights, 1);
  idCols = dimOf(k, ids, 1);
  groupSize = b.createOrFold<arith::DivUIOp>(loc, experts, k.index(numGroups));
}

SmallVector<Type> GateKernelBuilder::getWorkgroupTypes(MLIRContext *context,
                                                       int64_t numExperts) {
  auto workgroup =
      gpu::AddressSpaceAttr::get(context, gpu::AddressSpace::Workgroup);
  auto buffer = [&](int64_t size, Type elementType) -> Type {
    return MemRefType::get({size}, elementType, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  Type f32 = Float32Type::get(context);
  Type i32 = IntegerType::get(context, 32);
  SmallVector<Type> types = {buffer(numExperts, f32)};
  if (op.getBias())
    types.push_back(buffer(numExperts, f32));
  types.push_back(buffer(numRouted, i32));
  if (selectsGroups)
    types.push_back(buffer(numGroups, f32));
  if (softmax)
    types.push_back(buffer(kWarpSize, f32));
  return types;
}

RowBuffers GateKernelBuilder::getBuffers(KernelBuilder &k, unsigned first) {
  auto launch = cast<gpu::LaunchOp>(k.b().getInsertionBlock()->getParentOp());
  ArrayRef<BlockArgument> attributions = launch.getWorkgroupAttributions();
  RowBuffers buffers;
  unsigned next = first;
  buffers.selection = attributions[next++];
  buffers.scores =
      op.getBias() ? Value(attributions[next++]) : buffers.selection;
  buffers.chosen = attributions[next++];
  if (selectsGroups)
    buffers.groupScores = attributions[next++];
  if (softmax)
    buffers.sums = attributions[next++];
  return buffers;
}

void GateKernelBuilder::build(KernelBuilder &kb, int64_t threads,
                              ArrayRef<Type> workgroupTypes) {
  Value rows = computeRows(kb);
  kb.launch(
      rows, threads,
      [&](KernelBuilder &k, const LaunchIds &ids) {
        buildRow(k, ids, rows, /*firstBuffer=*/0);
      },
      workgroupTypes);
}

void GateKernelBuilder::buildRow(KernelBuilder &k, const LaunchIds &ids,
                                 Value rows, unsigned firstBuffer) {
  RowBuffers buffers = getBuffers(k, firstBuffer);
  computeSizes(k);
  Value inRange = cmpI(k, arith::CmpIPredicate::ult, ids.blockId, rows);
  // Uniform per block: every thread of a row reaches the reductions.
  k.ifThen(inRange, [&](KernelBuilder &k) {
    RowIds r{ids.blockId, ids.threadId, ids.blockSize, buffers};
    buildScores(k, r);
    barrier(k);
    if (selectsGroups) {
      buildGroupScores(k, r);
      barrier(k);
      buildDroppedGroups(k, r);
      barrier(k);
    }
    Value routedSum = buildTopK(k, r);
    barrier(k);
    buildRoutedSlots(k, r, routedSum);
    if (numShared > 0)
      buildSharedSlots(k, r, routedSum);
  });
}

//===----------------------------------------------------------------------===//
// Step 1: scores
//===----------------------------------------------------------------------===//

void GateKernelBuilder::buildScores(KernelBuilder &k, const RowIds &r) {
  if (softmax)
    buildSoftmaxScores(k, r);
  else
    buildSigmoidScores(k, r);
}

/// Three passes over the thread's own experts: logits in, then p_e, then
/// score_e and s_e; between the last two, the ordered sum of p_e.
void GateKernelBuilder::buildSoftmaxScores(KernelBuilder &k, const RowIds &r) {
  Location loc = k.getLoc();
  Value buffer = r.buffers.scores;
  Value logits = op.getLogits();
  Value localMax = k.forLoopF32(
      r.threadId, experts, r.blockSize, k.f32(-kInf),
      [&](KernelBuilder &k, Value e, Value acc) -> Value {
        Value logit = nanToNegInf(k, k.loadF32(logits, {r.row, e}));
        memref::StoreOp::create(k.b(), loc, logit, buffer, e);
        return arith::MaxNumFOp::create(k.b(), loc, acc, logit);
      });
  Value maxLogit = blockReduce(k, localMax, gpu::AllReduceOperation::MAXNUMF);
  k.forLoop(r.threadId, experts, r.blockSize, [&](KernelBuilder &k, Value e) {
    OpBuilder &b = k.b();
    Value logit = memref::LoadOp::create(b, loc, buffer, e);
    Value isMax = cmpF(k, arith::CmpFPredicate::OEQ, logit, maxLogit);
    Value p =
        select(k, isMax, k.f32(1.0f),
               exactExp(k, arith::SubFOp::create(b, loc, logit, maxLogit)));
    memref::StoreOp::create(b, loc, p, buffer, e);
  });
  barrier(k);
  Value sum = orderedSum(k, r, buffer);
  Value allNegInf = cmpF(k, arith::CmpFPredicate::OEQ, maxLogit, k.f32(-kInf));
  k.forLoop(r.threadId, experts, r.blockSize, [&](KernelBuilder &k, Value e) {
    OpBuilder &b = k.b();
    Value p = memref::LoadOp::create(b, loc, buffer, e);
    Value score = select(k, allNegInf, k.f32(0.0f),
                         arith::DivFOp::create(b, loc, p, sum));
    storeScore(k, r, e, score);
  });
}

/// sum_e values[e] in increasing e, rounded after each addition as the
/// reference's loop is (a tree reduction drifts from it by more than 1e-5
/// for a few thousand experts); returned to every thread.
///
/// Lane l of warp 0 adds values[j ^ l] for j = 0, 1, ...: lane 0 forms the
/// ordered sum, while the other lanes' loads keep the addresses unknown at
/// compile time (see rotatedIndex) and fall in distinct banks. Every lane
/// stores its sum, so that the loop cannot be specialized to lane 0; the
/// block reads lane 0's.
Value GateKernelBuilder::orderedSum(KernelBuilder &k, const RowIds &r,
                                    Value values) {
  Location loc = k.getLoc();
  Value inFirstWarp =
      cmpI(k, arith::CmpIPredicate::ult, r.threadId, k.index(kWarpSize));
  k.ifThen(inFirstWarp, [&](KernelBuilder &k) {
    Value sum = k.forLoopF32(
        k.index(0), experts, k.index(1), k.f32(0.0f),
        [&](KernelBuilder &k, Value j, Value acc) -> Value {
          OpBuilder &b = k.b();
          Value e = arith::XOrIOp::create(b, loc, j, r.threadId);
          Value inRange = cmpI(k, arith::CmpIPredicate::ult, e, experts);
          Value value = memref::LoadOp::create(
              b, loc, values, ValueRange{select(k, inRange, e, k.index(0))});
          return select(k, inRange, arith::AddFOp::create(b, loc, acc, value),
                        acc);
        });
    memref::StoreOp::create(k.b(), loc, sum, r.buffers.sums, r.threadId);
  });
  barrier(k);
  return memref::LoadOp::create(k.b(), loc, r.buffers.sums, k.index(0));
}

Value sigmoidScore(KernelBuilder &k, Value logit) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value expNeg =
      exactExp(k, arith::NegFOp::create(b, loc, nanToNegInf(k, logit)));
  return arith::DivFOp::create(
      b, loc, k.f32(1.0f), arith::AddFOp::create(b, loc, k.f32(1.0f), expNeg));
}

void GateKernelBuilder::buildSigmoidScores(KernelBuilder &k, const RowIds &r) {
  Value logits = op.getLogits();
  k.forLoop(r.threadId, experts, r.blockSize, [&](KernelBuilder &k, Value e) {
    storeScore(k, r, e, sigmoidScore(k, k.loadF32(logits, {r.row, e})));
  });
}

/// Stores score_e and s_e = nan_to_neg_inf(score_e + bias_e). Scores are
/// never NaN (softmax: p_e in [0, 1] over a sum in [1, E]; sigmoid: 1 over
/// [1, inf]), so without bias s_e is score_e itself.
void GateKernelBuilder::storeScore(KernelBuilder &k, const RowIds &r, Value e,
                                   Value score) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value bias = op.getBias();
  if (!bias) {
    memref::StoreOp::create(b, loc, score, r.buffers.selection, e);
    return;
  }
  memref::StoreOp::create(b, loc, score, r.buffers.scores, e);
  Value selection = nanToNegInf(
      k, arith::AddFOp::create(b, loc, score, k.loadF32(bias, {e})));
  memref::StoreOp::create(b, loc, selection, r.buffers.selection, e);
}

//===----------------------------------------------------------------------===//
// Step 2: group selection
//===----------------------------------------------------------------------===//

/// Thread g scans group g with the reference's best/second update. The
/// largest and second largest values do not depend on the scan order (but
/// for the sign of zeros, which compare equal), so the scan starts at a
/// thread-dependent member: see rotatedIndex.
void GateKernelBuilder::buildGroupScores(KernelBuilder &k, const RowIds &r) {
  Location loc = k.getLoc();
  Value selection = r.buffers.selection;
  k.forLoop(
      r.threadId, k.index(numGroups), r.blockSize,
      [&](KernelBuilder &k, Value g) {
        OpBuilder &b = k.b();
        Value begin = arith::MulIOp::create(b, loc, g, groupSize);
        SmallVector<Value> top2 = forLoopCarrying(
            k, k.index(0), groupSize, k.index(1), {k.f32(-kInf), k.f32(-kInf)},
            [&](KernelBuilder &k, Value i,
                ValueRange args) -> SmallVector<Value> {
              OpBuilder &b = k.b();
              Value e = arith::AddIOp::create(b, loc, begin,
                                              rotatedIndex(k, i, g, groupSize));
              Value value = memref::LoadOp::create(b, loc, selection, e);
              Value best = args[0], second = args[1];
              Value aboveBest = cmpF(k, arith::CmpFPredicate::OGT, value, best);
              Value aboveSecond =
                  cmpF(k, arith::CmpFPredicate::OGT, value, second);
              Value newSecond = select(k, aboveBest, best,
                                       select(k, aboveSecond, value, second));
              return {select(k, aboveBest, value, best), newSecond};
            });
        Value score = top2[0];
        if (top2Sum) {
          // +inf + -inf ranks as -inf; a group of one is its expert.
          Value sum =
              nanToNegInf(k, arith::AddFOp::create(b, loc, top2[0], top2[1]));
          Value single =
              cmpI(k, arith::CmpIPredicate::eq, groupSize, k.index(1));
          score = select(k, single, top2[0], sum);
        }
        memref::StoreOp::create(b, loc, score, r.buffers.groupScores, g);
      });
}

/// Group g is kept iff its rank (the groups with a higher score, or an equal
/// score and a lower index) is below topk_groups: the first topk_groups of
/// the reference's stable descending sort (group scores are never NaN). The
/// thread of a dropped group sets its experts' selection scores to NaN,
/// which no candidate test of the top-k accepts.
void GateKernelBuilder::buildDroppedGroups(KernelBuilder &k, const RowIds &r) {
  Location loc = k.getLoc();
  Value groupScores = r.buffers.groupScores;
  Value groups = k.index(numGroups);
  k.forLoop(r.threadId, groups, r.blockSize, [&](KernelBuilder &k, Value g) {
    OpBuilder &b = k.b();
    Value mine = memref::LoadOp::create(b, loc, groupScores, g);
    // A count: any order works, and a rotated one keeps the loads apart.
    SmallVector<Value> rank = forLoopCarrying(
        k, k.index(0), groups, k.index(1), {k.index(0)},
        [&](KernelBuilder &k, Value i, ValueRange args) -> SmallVector<Value> {
          OpBuilder &b = k.b();
          Value h = rotatedIndex(k, i, g, groups);
          Value other = memref::LoadOp::create(b, loc, groupScores, h);
          Value higher = cmpF(k, arith::CmpFPredicate::OGT, other, mine);
          Value tied = arith::AndIOp::create(
              b, loc, cmpF(k, arith::CmpFPredicate::OEQ, other, mine),
              cmpI(k, arith::CmpIPredicate::ult, h, g));
          Value ahead = arith::OrIOp::create(b, loc, higher, tied);
          Value step = select(k, ahead, k.index(1), k.index(0));
          return {arith::AddIOp::create(b, loc, args[0], step)};
        });
    Value dropped =
        cmpI(k, arith::CmpIPredicate::uge, rank[0], k.index(topkGroups));
    k.ifThen(dropped, [&](KernelBuilder &k) {
      OpBuilder &b = k.b();
      Value begin = arith::MulIOp::create(b, loc, g, groupSize);
      Value nan = k.f32(std::numeric_limits<float>::quiet_NaN());
      k.forLoop(
          k.index(0), groupSize, k.index(1), [&](KernelBuilder &k, Value i) {
            Value e = arith::AddIOp::create(k.b(), loc, begin,
                                            rotatedIndex(k, i, g, groupSize));
            memref::StoreOp::create(k.b(), loc, nan, r.buffers.selection, e);
          });
    });
  });
}

//===----------------------------------------------------------------------===//
// Step 3: top-k
//===----------------------------------------------------------------------===//

/// Sort key of expert `e` with selection score `value`, as an i64 whose
/// unsigned order is the selection order: the score's bits mapped to an
/// order-preserving unsigned integer in the high half (-0 counted as +0, so
/// that equal scores tie) and 2^32 - 1 - e in the low half (ties go to the
/// lower index). Keys are distinct; a NaN (dropped group) gets 0, below
/// every expert's key.
Value selectionKey(KernelBuilder &k, Value value, Value e) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  Value canonical = arith::AddFOp::create(b, loc, value, k.f32(0.0f));
  Value bits = arith::BitcastOp::create(b, loc, i32, canonical);
  Value negative = cmpI(k, arith::CmpIPredicate::slt, bits, k.i32(0));
  Value ordered =
      select(k, negative, arith::XOrIOp::create(b, loc, bits, k.i32(-1)),
             arith::OrIOp::create(b, loc, bits,
                                  k.i32(std::numeric_limits<int32_t>::min())));
  Value high = arith::ShLIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, i64, ordered),
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32)));
  Value low = arith::ExtUIOp::create(
      b, loc, i64, arith::XOrIOp::create(b, loc, toI32(k, e), k.i32(-1)));
  Value key = arith::OrIOp::create(b, loc, high, low);
  Value isNaN = cmpF(k, arith::CmpFPredicate::UNO, value, value);
  return select(k, isNaN,
                arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0)), key);
}

/// The k argmax rounds; records the picks in `chosen` (thread 0) and returns
/// the sum of their weights before renormalization, in pick order.
Value GateKernelBuilder::buildTopK(KernelBuilder &k, const RowIds &r) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value selection = r.buffers.selection;
  Value zeroKey = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  // Round j takes the largest key below the previous pick's; round 0 any:
  // all ones is above every key.
  Value aboveAll = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(-1));
  SmallVector<Value> results = forLoopCarrying(
      k, k.index(0), k.index(numRouted), k.index(1), {aboveAll, k.f32(0.0f)},
      [&](KernelBuilder &k, Value j, ValueRange args) -> SmallVector<Value> {
        OpBuilder &b = k.b();
        Value lastKey = args[0], sum = args[1];
        Value localBest = forLoopCarrying(
            k, r.threadId, experts, r.blockSize, {zeroKey},
            [&](KernelBuilder &k, Value e,
                ValueRange best) -> SmallVector<Value> {
              OpBuilder &b = k.b();
              Value key = selectionKey(
                  k, memref::LoadOp::create(b, loc, selection, e), e);
              Value below = cmpI(k, arith::CmpIPredicate::ult, key, lastKey);
              Value larger = arith::MaxUIOp::create(b, loc, key, best[0]);
              return {select(k, below, larger, best[0])};
            })[0];
        Value key = blockReduce(k, localBest, gpu::AllReduceOperation::MAXUI);
        // Key 0: no candidate left, only when a run-time bias shorter than E
        // leaves fewer than k experts; record expert 0, not an invalid id.
        Value found = cmpI(k, arith::CmpIPredicate::ne, key, zeroKey);
        Value index = arith::XOrIOp::create(
            b, loc, arith::TruncIOp::create(b, loc, b.getI32Type(), key),
            k.i32(-1));
        Value id = select(k, found, index, k.i32(0));
        Value isFirst =
            cmpI(k, arith::CmpIPredicate::eq, r.threadId, k.index(0));
        k.ifThen(isFirst, [&](KernelBuilder &k) {
          memref::StoreOp::create(k.b(), loc, id, r.buffers.chosen, j);
        });
        Value weight = routedScore(k, r, id);
        return {key, arith::AddFOp::create(b, loc, sum, weight)};
      });
  return results[1];
}

//===----------------------------------------------------------------------===//
// Steps 4 and 5: weights and shared slots
//===----------------------------------------------------------------------===//

/// score[id] with NaN -> 0; 0 for an id past the experts read (only when a
/// run-time bias of size 0 leaves none).
Value GateKernelBuilder::routedScore(KernelBuilder &k, const RowIds &r,
                                     Value id) {
  Value valid = cmpI(k, arith::CmpIPredicate::ult, id, expertsI32);
  Value score = k.ifThenElseF32(
      valid,
      [&](KernelBuilder &k) -> Value {
        return memref::LoadOp::create(k.b(), k.getLoc(), r.buffers.scores,
                                      toIndex(k, id));
      },
      0.0f);
  return nanToZero(k, score);
}

/// Final weight of pick `j`: renormalized by `routedSum` when asked (zero
/// for a sum that is not positive), then scaled.
Value GateKernelBuilder::finalWeight(KernelBuilder &k, const RowIds &r, Value j,
                                     Value routedSum) {
  OpBuilder &b = k.b();
  Location loc = k.getLoc();
  Value id = memref::LoadOp::create(b, loc, r.buffers.chosen, j);
  Value weight = routedScore(k, r, id);
  if (renormalize) {
    Value positive = cmpF(k, arith::CmpFPredicate::OGT, routedSum, k.f32(0.0f));
    weight =
        select(k, positive, arith::DivFOp::create(b, loc, weight, routedSum),
               k.f32(0.0f));
  }
  return arith::MulFOp::create(b, loc, weight, k.f32(scalingFactor));
}

void GateKernelBuilder::buildRoutedSlots(KernelBuilder &k, const RowIds &r,
                                         Value routedSum) {
  Location loc = k.getLoc();
  k.forLoop(r.threadId, k.index(numRouted), r.blockSize,
            [&](KernelBuilder &k, Value j) {
              Value weight = finalWeight(k, r, j, routedSum);
              k.ifThen(cmpI(k, arith::CmpIPredicate::ult, j, weightCols),
                       [&](KernelBuilder &k) {
                         k.storeF32(weight, op.getWeightsInit(), {r.row, j});
                       });
              k.ifThen(cmpI(k, arith::CmpIPredicate::ult, j, idCols),
                       [&](KernelBuilder &k) {
                         Value id = memref::LoadOp::create(k.b(), loc,
                                                           r.buffers.chosen, j);
                         memref::StoreOp::create(k.b(), loc, id,
                                                 op.getIdsInit(),
                                                 ValueRange{r.row, j});
                       });
            });
}

/// The routed mass: every thread sums the final routed weights in
/// increasing j (as the reference does) and divides by scaling_factor. The
/// order matters here, so rather than rotating the loop (see rotatedIndex)
/// a barrier after each load keeps the loads of `chosen` from being merged;
/// the loop is uniform, so every thread reaches the barriers.
Value GateKernelBuilder::routedMass(KernelBuilder &k, const RowIds &r,
                                    Value routedSum) {
  Location loc = k.getLoc();
  Value finalSum =
      k.forLoopF32(k.index(0), k.index(numRouted), k.index(1), k.f32(0.0f),
                   [&](KernelBuilder &k, Value j, Value acc) -> Value {
                     Value weight = finalWeight(k, r, j, routedSum);
                     barrier(k);
                     return arith::AddFOp::create(k.b(), loc, acc, weight);
                   });
  return arith::DivFOp::create(k.b(), loc, finalSum, k.f32(scalingFactor));
}

/// Shared slot `s`'s weight: sigmoid(shared_logits[t, s]) (0 past the
/// shared logits' columns), else 1 or `routedMass`.
Value GateKernelBuilder::sharedWeight(KernelBuilder &k, const RowIds &r,
                                      Value s, Value routedMass) {
  Value sharedLogits = op.getSharedLogits();
  if (!sharedLogits)
    return routedMass ? routedMass : k.f32(1.0f);
  Value inRange =
      cmpI(k, arith::CmpIPredicate::ult, s, dimOf(k, sharedLogits, 1));
  return k.ifThenElseF32(
      inRange,
      [&](KernelBuilder &k) -> Value {
        return sigmoidScore(k, k.loadF32(sharedLogits, {r.row, s}));
      },
      0.0f);
}

/// Threads write the shared slots: ids E + s and their weights.
void GateKernelBuilder::buildSharedSlots(KernelBuilder &k, const RowIds &r,
                                         Value routedSum) {
  Location loc = k.getLoc();
  bool byMass = !op.getSharedLogits() &&
                op.getSharedWeight() == SharedWeight::routed_mass;
  Value mass = byMass ? routedMass(k, r, routedSum) : Value();
  k.forLoop(
      r.threadId, k.index(numShared), r.blockSize,
      [&](KernelBuilder &k, Value s) {
        OpBuilder &b = k.b();
        Value column = arith::AddIOp::create(b, loc, s, k.index(numRouted));
        Value weight = sharedWeight(k, r, s, mass);
        k.ifThen(cmpI(k, arith::CmpIPredicate::ult, column, weightCols),
                 [&](KernelBuilder &k) {
                   k.storeF32(weight, op.getWeightsInit(), {r.row, column});
                 });
        k.ifThen(cmpI(k, arith::CmpIPredicate::ult, column, idCols),
                 [&](KernelBuilder &k) {
                   Value id = arith::AddIOp::create(k.b(), loc, firstSharedId,
                                                    toI32(k, s));
                   memref::StoreOp::create(k.b(), loc, id, op.getIdsInit(),
                                           ValueRange{r.row, column});
                 });
      });
}

//===----------------------------------------------------------------------===//
// Pattern
//===----------------------------------------------------------------------===//

/// Static shared memory of a block is 48 KiB; leave 1 KiB for the
/// all_reduce buffers.
constexpr int64_t kMaxWorkgroupBytes = 47 * 1024;

/// The gate kernel's block size. By default a thread per 4 experts, in
/// whole warps, at most 256: the k block-wide reductions are latency-bound,
/// so smaller blocks (more rows in flight per SM) are faster; on an H200
/// this roughly halves the time of one thread per expert for E = 256..512. A
/// configured size is clamped to [32, 1024]: at least a full warp for
/// orderedSum, and so that no loop walks workgroup memory from a start known
/// at compile time (see rotatedIndex).
int64_t gateThreads(GateOp op) {
  int64_t numExperts = cast<ShapedType>(op.getLogits().getType()).getDimSize(1);
  int64_t defaultThreads = std::min<int64_t>(
      llvm::alignTo(llvm::divideCeil(numExperts, 4), kWarpSize), 256);
  return std::clamp<int64_t>(getConfigInt(op, "threads", defaultThreads),
                             kWarpSize, 1024);
}

struct GateToGPU : OpRewritePattern<GateOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(GateOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs the buffer form");
    if (failed(checkRoutingKernelLimits(op)))
      return rewriter.notifyMatchFailure(op, "past the kernel's size limits");
    int64_t numExperts =
        cast<MemRefType>(op.getLogits().getType()).getDimSize(1);
    GateKernelBuilder gate(op);
    SmallVector<Type> workgroupTypes =
        gate.getWorkgroupTypes(rewriter.getContext(), numExperts);
    KernelBuilder kb(rewriter, op.getLoc());
    gate.build(kb, gateThreads(op), workgroupTypes);
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

FusableGate mlir::moe::getFusableGate(GateOp op) {
  int64_t numExperts = cast<ShapedType>(op.getLogits().getType()).getDimSize(1);
  auto gate = std::make_shared<GateKernelBuilder>(op);
  FusableGate fusable;
  fusable.threads = gateThreads(op);
  fusable.workgroupTypes = gate->getWorkgroupTypes(op.getContext(), numExperts);
  fusable.workgroupBytes = 0;
  for (Type type : fusable.workgroupTypes)
    fusable.workgroupBytes += cast<MemRefType>(type).getNumElements() * 4;
  fusable.computeRows = [gate](KernelBuilder &kb) {
    return gate->computeRows(kb);
  };
  fusable.buildRow = [gate](KernelBuilder &k, const LaunchIds &ids, Value rows,
                            unsigned firstBuffer) {
    gate->buildRow(k, ids, rows, firstBuffer);
  };
  fusable.buildSeparate = [gate, threads = fusable.threads,
                           types = fusable.workgroupTypes](KernelBuilder &kb) {
    gate->build(kb, threads, types);
  };
  return fusable;
}

LogicalResult mlir::moe::checkRoutingKernelLimits(Operation *operation) {
  auto op = dyn_cast<GateOp>(operation);
  if (!op)
    return success();
  int64_t numExperts = cast<ShapedType>(op.getLogits().getType()).getDimSize(1);
  if (ShapedType::isDynamic(numExperts))
    return op.emitOpError()
           << "needs a static number of experts E for its GPU kernel (the "
              "row's scores live in workgroup memory sized by E)";
  int64_t numShared = static_cast<int64_t>(op.getNumSharedExperts());
  if (numExperts > kInt32Max - numShared)
    return op.emitOpError() << "E + num_shared_experts (" << numExperts << " + "
                            << numShared << ") does not fit the i32 expert ids";
  int64_t workgroupBytes = 0;
  for (Type type :
       GateKernelBuilder(op).getWorkgroupTypes(op.getContext(), numExperts))
    workgroupBytes += cast<MemRefType>(type).getNumElements() * 4;
  if (workgroupBytes > kMaxWorkgroupBytes)
    return op.emitOpError()
           << "needs " << workgroupBytes
           << " bytes of workgroup memory for E = " << numExperts
           << " (at most " << kMaxWorkgroupBytes << " are supported)";
  return success();
}

void mlir::moe::populateRoutingKernelPatterns(RewritePatternSet &patterns) {
  patterns.add<GateToGPU>(patterns.getContext());
}
