//===- Reference.h - CPU reference for moe ops ------------------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The CPU reference library: a direct, unoptimized implementation of every op
// described in docs/Semantics.md. It is the oracle that every lowering is
// checked against, so it favors clarity and determinism over speed.
//
// Conventions:
//  - Tensors are plain row-major arrays with explicit dimensions.
//  - Inputs are f32 values (bf16/f16 inputs are passed already widened to f32).
//  - All arithmetic is done in f32 in a fixed order.
//  - Results documented as "rounded" are f32 values already rounded (to
//    nearest even) to the requested result element type.
//  - Invalid arguments (bad sizes or attributes) throw std::invalid_argument
//    whose message names the argument and the offending numbers.
//  - Data-dependent indices (ids, offsets, type ids, row indices) are never
//    trusted: out-of-range values follow the spec (dropped entries, zero
//    rows) and never cause out-of-bounds accesses.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_REFERENCE_REFERENCE_H
#define MOE_REFERENCE_REFERENCE_H

#include "moe/Reference/DType.h"
#include "moe/Reference/Quant.h"

#include <cstdint>
#include <vector>

namespace moe {
namespace ref {

//===----------------------------------------------------------------------===//
// gate
//===----------------------------------------------------------------------===//

/// How router logits become scores.
enum class Scoring { Softmax, Sigmoid };

/// How a group of experts is scored for group-limited routing.
enum class GroupScore { Max, Top2Sum };

/// The weight of the shared-expert slots when no shared logits give it: the
/// unscaled routed mass (sum of the final routed weights / scaling factor)
/// or 1.
enum class SharedWeight { RoutedMass, One };

/// Attributes of the gate (router) op.
struct GateOptions {
  /// Number of routed experts selected per token (>= 1).
  int64_t k = 1;
  /// Softmax or sigmoid scoring.
  Scoring scoring = Scoring::Softmax;
  /// Number of contiguous expert groups (>= 1, divides E).
  int64_t numGroups = 1;
  /// Number of groups kept per token (1..numGroups).
  int64_t topkGroups = 1;
  /// Group scoring rule.
  GroupScore groupScore = GroupScore::Max;
  /// Whether the selected weights are divided by their sum.
  bool renormalize = false;
  /// Multiplier applied to the routed weights (> 0).
  float scalingFactor = 1.0f;
  /// Number of shared experts S appended after the routed ones (>= 0).
  int64_t numSharedExperts = 0;
  /// The shared slots' weight without shared logits (One needs S >= 1).
  SharedWeight sharedWeight = SharedWeight::RoutedMass;
};

/// Output of the gate op: both arrays are [T, k + S], row-major.
struct GateResult {
  std::vector<float> weights;
  std::vector<int32_t> ids;
};

/// Routes each of the \p T tokens given its \p E logits (\p logits is [T, E]).
/// \p biasOrNull is the optional [E] correction bias that only affects
/// selection. \p sharedLogitsOrNull is the optional [T, S] logits of the
/// shared experts' sigmoid gates: shared slot s of token t then weighs
/// sigmoid(sharedLogits[t, s]) (a NaN logit counts as -inf: weight 0)
/// instead of what options.sharedWeight says. Throws std::invalid_argument
/// on invalid options.
GateResult gate(const float *logits, int64_t T, int64_t E,
                const float *biasOrNull, const GateOptions &options,
                const float *sharedLogitsOrNull = nullptr);

/// Computes the per-expert scores of one token row (step 1 of the gate):
/// softmax or sigmoid with NaN logits treated as -inf.
std::vector<float> gateScores(const float *logitsRow, int64_t E,
                              Scoring scoring);

//===----------------------------------------------------------------------===//
// align
//===----------------------------------------------------------------------===//

/// Output of the align op.
struct AlignResult {
  /// [P] flat indices grouped by expert and padded with the sentinel T*k.
  std::vector<int32_t> sortedIds;
  /// [P / blockM] expert (mapped through the expert map) of each block; -1
  /// past the padded total.
  std::vector<int32_t> expertIds;
  /// Number of valid (padded) entries of sortedIds.
  int32_t numTokensPostPad = 0;
};

/// Returns P = T*k + numExperts*(blockM-1) rounded up to a multiple of blockM,
/// the size of AlignResult::sortedIds. Throws on invalid sizes.
int64_t alignPaddedSize(int64_t T, int64_t k, int64_t numExperts,
                        int64_t blockM);

/// vLLM's moe_align_block_size on \p ids [T, k]. \p expertMapOrNull is an
/// optional [numExperts] map from expert to local expert (-1: not local).
/// Ids outside [0, numExperts) are dropped.
AlignResult align(const int32_t *ids, int64_t T, int64_t k, int64_t numExperts,
                  int64_t blockM, const int32_t *expertMapOrNull);

//===----------------------------------------------------------------------===//
// permute / combine
//===----------------------------------------------------------------------===//

/// Output of the permute op.
struct PermuteResult {
  /// [T*k, H] rows of x grouped by expert (zero past offsets[numExperts]).
  std::vector<float> rows;
  /// [T*k] flat index t*k+j of each row, -1 past offsets[numExperts].
  std::vector<int32_t> srcIndex;
  /// [numExperts + 1] first row of each expert; the last is the valid count.
  std::vector<int32_t> offsets;
  /// [T*k] routing weight of each row (0 past the valid rows); empty when no
  /// weights were given.
  std::vector<float> rowWeights;
  /// [T*k] the inverse of srcIndex: the row r with srcIndex[r] == f for each
  /// flat index f, or -1 when f has no row (its id is out of range).
  std::vector<int32_t> slotRows;
};

/// Groups the rows of \p x [T, H] by the experts in \p ids [T, k]. Ids outside
/// [0, numExperts) are dropped. \p weightsOrNull is the optional [T, k] routing
/// weights, permuted alongside into PermuteResult::rowWeights. With
/// \p scaleRows (weights required), each row is x[t] * weights[t, j] in f32,
/// rounded to \p rowType.
PermuteResult permute(const float *x, int64_t T, int64_t H, const int32_t *ids,
                      int64_t k, int64_t numExperts, const float *weightsOrNull,
                      bool scaleRows = false, DType rowType = DType::F32);

/// Un-permutes and reduces \p y [R, H]: out[t] = sum_j w[t,j] * y[pos(t*k+j)],
/// summed in increasing j, where pos(f) is the first row r with
/// srcIndex[r] == f (no term when there is none). \p weightsOrNull is the
/// optional [T, k] weights (1 when absent). The result [T, H] is rounded to
/// \p outType.
std::vector<float> combine(const float *y, int64_t R, int64_t H,
                           const int32_t *srcIndex, int64_t T, int64_t k,
                           const float *weightsOrNull,
                           DType outType = DType::F32);

/// combine with the permutation's \p slotRows [T*k] (PermuteResult::slotRows)
/// in place of src_index: pos(f) = slotRows[f], no term when it is outside
/// [0, R). The same sum, order and rounding as combine().
std::vector<float> combineSlotRows(const float *y, int64_t R, int64_t H,
                                   const int32_t *slotRows, int64_t T,
                                   int64_t k, const float *weightsOrNull,
                                   DType outType = DType::F32);

//===----------------------------------------------------------------------===//
// grouped_matmul, mot_linear, activations
//===----------------------------------------------------------------------===//

/// Activation of the fused MoE expert MLP (docs/Semantics.md, "Expert
/// activations"). The gated forms take [2I] GEMM outputs (gate, up) to [I];
/// the *NoMul forms apply the function to each of the I outputs.
enum class Activation {
  Silu,
  Gelu,
  GeluTanh,
  SwigluOai,
  SwigluStep,
  SiluNoMul,
  GeluNoMul,
  GeluTanhNoMul,
  Relu2NoMul
};

/// Where a gated activation's gate and up values lie in a row of 2I: Split
/// (gate [0, I), up [I, 2I)) or Interleaved (gate 2i, up 2i+1).
enum class GateUpLayout { Split, Interleaved };

/// Parameters of the expert MLP's activation.
struct ActivationParams {
  GateUpLayout layout = GateUpLayout::Split;
  /// Optional clamp limit L > 0 of a gated activation (gate <= L, up in
  /// [-L, L]); SwigluOai and SwigluStep use 7 when absent.
  bool hasClampLimit = false;
  float clampLimit = 7.0f;
  /// SwigluOai's alpha.
  float swigluAlpha = 1.702f;
};

/// Whether \p activation is gated (its input has 2I columns).
bool isGatedActivation(Activation activation);

/// tanh-approximated GELU: 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3))).
float geluTanh(float v);

/// Applies \p activation with \p params to \p x [M, cols] (cols = 2I gated, I
/// otherwise) in f32; the result [M, I] is rounded to \p outType. Throws on an
/// odd cols with a gated activation, a non-positive or non-finite clamp limit,
/// or options that apply only to gated activations given with a NoMul one.
/// activate() on one row: writes the I (gated: cols / 2) values of \p row
/// [cols] to \p out, unrounded. Does not validate.
void activateRow(const float *row, int64_t cols, Activation activation,
                 const ActivationParams &params, float *out);

std::vector<float> activate(const float *x, int64_t M, int64_t cols,
                            Activation activation,
                            const ActivationParams &params,
                            DType outType = DType::F32);

/// Epilogue applied to the f32 accumulator of a grouped matmul: one per
/// activation (epilogueFor), the gated `*AndMul` forms halving N.
enum class Epilogue {
  None,
  SiluAndMul,
  GeluAndMul,
  GeluTanhAndMul,
  SwigluOaiAndMul,
  SwigluStepAndMul,
  Silu,
  Gelu,
  GeluTanh,
  Relu2
};

/// The grouped matmul epilogue that computes \p activation.
Epilogue epilogueFor(Activation activation);

/// Whether \p epilogue is gated (halves N).
bool isGatedEpilogue(Epilogue epilogue);

/// Operands and attributes of grouped_matmul. Pointers are not owned.
struct GroupedMatmulArgs {
  /// A operand: [R, K] (contiguous, rowIndex == nullptr) or [M, K] (gathered).
  const float *a = nullptr;
  /// Number of rows of `a` (must equal R in the contiguous form).
  int64_t M = 0;
  /// Reduction size.
  int64_t K = 0;
  /// Expert weights [E, N, K].
  const float *w = nullptr;
  /// Number of experts.
  int64_t E = 0;
  /// Output size of each expert (before a gated epilogue halves it).
  int64_t N = 0;
  /// [E + 1] first row of each expert; offsets[E] ends the last expert.
  const int32_t *offsets = nullptr;
  /// Optional [R] gather indices into `a` (divided by indexDivisor).
  const int32_t *rowIndexOrNull = nullptr;
  /// Number of result rows.
  int64_t R = 0;
  /// Divisor applied to gather indices (>= 1; must be 1 when not gathered).
  int64_t indexDivisor = 1;
  /// Optional [R] per-row scale applied after the epilogue.
  const float *scaleOrNull = nullptr;
  /// Optional [E, N] per-expert bias added to the accumulator.
  const float *biasOrNull = nullptr;
  /// Epilogue applied to the f32 accumulator.
  Epilogue epilogue = Epilogue::None;
  /// The gated epilogues' gate/up layout, clamp limit and swiglu alpha
  /// (as activate() takes them; only a gated epilogue may set them).
  ActivationParams activationParams;
  /// Element type the result is rounded to.
  DType outType = DType::F32;
  /// Quantized operands (Quant.h). With a scheme other than None, `a` and
  /// `w` hold quantized values widened to f32 (f8E4M3FN values for the fp8
  /// schemes and a; int4 values in [0, 15] or int8 values for w of the
  /// weight-only schemes) and the accumulator is, per row r and column n:
  ///  - fp8_block: sum over K blocks b (increasing) of
  ///    (sum_{k in b} a[k] * w[n, k]) * (aScale[r, b] * wScale[e, n/G, b]);
  ///  - fp8_channel / fp8_tensor: (sum_k a[k] * w[n, k]) * (aScale * wScale);
  ///  - weight-only: sum_k a[k] * dequantizeWeight(e, n, k).
  /// Every sum runs in increasing k in f32; the epilogue follows as above.
  /// A value that is not of its format (e.g. 0.3 as f8E4M3FN, 16 as int4)
  /// throws std::invalid_argument.
  GemmQuantization quant;
};

/// Returns the number of output columns of a grouped matmul: N, or N/2 with a
/// gated epilogue.
int64_t groupedMatmulOutputCols(int64_t N, Epilogue epilogue);

/// Computes grouped_matmul; the result is [R, N'] rounded to args.outType.
/// Rows outside [offsets[0], offsets[E]) or not covered by any expert range
/// are zero; when ranges overlap, the lowest expert owns the row.
std::vector<float> groupedMatmul(const GroupedMatmulArgs &args);

/// Token-type dispatched linear: out[t] = x[t] . w[typeIds[t]]^T (+ bias)
/// with \p x [T, K], \p w [G, N, K], \p typeIds [T], \p biasOrNull [G, N].
/// Rows with a type id outside [0, G) are zero. Rounded to \p outType.
std::vector<float> motLinear(const float *x, int64_t T, int64_t K,
                             const float *w, int64_t G, int64_t N,
                             const int32_t *typeIds, const float *biasOrNull,
                             DType outType = DType::F32);

/// silu(v) = v / (1 + exp(-v)), in f32.
float silu(float v);

/// Exact (erf) GELU: 0.5 * v * (1 + erf(v / sqrt(2))), in f32.
float gelu(float v);

/// out[m, n] = silu(x[m, n]) * x[m, n + N] for \p x [M, twoN], N = twoN / 2.
/// Throws when \p twoN is odd. Rounded to \p outType.
std::vector<float> siluAndMul(const float *x, int64_t M, int64_t twoN,
                              DType outType = DType::F32);

/// As siluAndMul with exact GELU in place of silu.
std::vector<float> geluAndMul(const float *x, int64_t M, int64_t twoN,
                              DType outType = DType::F32);

//===----------------------------------------------------------------------===//
// rms_norm
//===----------------------------------------------------------------------===//

/// Output of rms_norm: both [T, H]; residualOut is empty without a residual.
struct RmsNormResult {
  std::vector<float> out;
  std::vector<float> residualOut;
};

/// RMS normalization of \p x [T, H]. \p weight is [H] when \p numTypes == 0
/// (typeIdsOrNull ignored), else [numTypes, H] indexed by \p typeIdsOrNull
/// [T] (required). With \p residualOrNull [T, H], s = round(x + residual) is
/// normalized and returned as residualOut. Rows whose type id is out of range
/// have a zero `out` row (residualOut still holds s). Results are rounded to
/// \p dtype (x's element type).
RmsNormResult rmsNorm(const float *x, int64_t T, int64_t H, const float *weight,
                      int64_t numTypes, const int32_t *typeIdsOrNull,
                      const float *residualOrNull, float epsilon,
                      DType dtype = DType::F32);

//===----------------------------------------------------------------------===//
// fused_moe
//===----------------------------------------------------------------------===//

/// Quantized weights of fused_moe (pointers not owned; shapes as in
/// GemmQuantization with w13 [E+S, 2I, H] and w2 [E+S, H, I]).
struct FusedMoeQuantization {
  QuantScheme scheme = QuantScheme::None;
  /// G: the block edge of fp8_block, the K group of w4a16 / w4a16_zp.
  int64_t groupSize = 0;
  const float *w13Scale = nullptr;
  const float *w2Scale = nullptr;
  /// w4a16_zp: zero points of w13 and w2.
  const float *w13Zero = nullptr;
  const float *w2Zero = nullptr;
  /// fp8_tensor: the static [1] scales of the activations of the first and
  /// the second GEMM (vLLM's a1_scale, a2_scale).
  const float *a1Scale = nullptr;
  const float *a2Scale = nullptr;
};

/// The expert MLP every token slot computes (fused_moe, mot_mlp): the
/// tokens, the per-expert (per-type) weights and the activation. Pointers
/// are not owned.
struct ExpertMlpArgs {
  /// Hidden states [T, H].
  const float *x = nullptr;
  int64_t T = 0;
  int64_t H = 0;
  /// Gate/up weights [L, 2I, H] (gated activation; rows as
  /// activationParams.layout says) or [L, I, H] (NoMul), L = E + S without an
  /// expert map (fused_moe) or G (mot_mlp).
  const float *w13 = nullptr;
  /// Down weights [L, H, I].
  const float *w2 = nullptr;
  /// Optional per-expert biases [L, 2I or I] and [L, H], added to each
  /// GEMM's f32 accumulator.
  const float *b13OrNull = nullptr;
  const float *b2OrNull = nullptr;
  /// Intermediate size.
  int64_t I = 0;
  /// Expert activation.
  Activation activation = Activation::Silu;
  /// Layout, clamp limit and alpha of the activation.
  ActivationParams activationParams;
  /// Element type of x, the intermediates and the result.
  DType dtype = DType::F32;
};

/// Operands and attributes of fused_moe. Pointers are not owned.
struct FusedMoeArgs : ExpertMlpArgs {
  /// Router logits [T, E].
  const float *logits = nullptr;
  /// Number of routed experts.
  int64_t E = 0;
  /// Optional [E + S] map from global expert id to local expert in [0, L)
  /// or -1; slots whose id maps outside [0, L) contribute nothing.
  const int32_t *expertMapOrNull = nullptr;
  /// Number of local experts L (dim 0 of w13, w2); used only with
  /// expertMapOrNull.
  int64_t numLocalExperts = 0;
  /// Optional [E] correction bias of the gate.
  const float *gateBiasOrNull = nullptr;
  /// Optional [T, S] logits of the shared experts' sigmoid gates (the shared
  /// slots' weights, as gate() takes them).
  const float *sharedLogitsOrNull = nullptr;
  /// vLLM's apply_router_weight_on_input (k = 1): each slot's weight scales
  /// its permuted row (rounded to dtype) before the first GEMM, and the
  /// second GEMM has no row scale.
  bool routerWeightOnInput = false;
  /// Gate attributes (S = gate.numSharedExperts).
  GateOptions gate;
  /// Quantized weights; with a scheme, w13 and w2 hold quantized values
  /// widened to f32, as GroupedMatmulArgs::quant says.
  FusedMoeQuantization quant;
};

/// fused_moe as the composition gate -> permute (with weights) ->
/// grouped_matmul(w13, *_and_mul) -> grouped_matmul(w2, scale = row weights)
/// -> combine(k + S). Intermediates and the [T, H] result are rounded to
/// args.dtype. With an fp8 scheme, the input of each GEMM (the permuted rows,
/// then the activation's output) is quantized first: per token group of G
/// columns (fp8_block), per token (fp8_channel) or with the static a1/a2
/// scale (fp8_tensor), as moe.quantize and the decomposition do.
std::vector<float> fusedMoe(const FusedMoeArgs &args);

//===----------------------------------------------------------------------===//
// mot_mlp
//===----------------------------------------------------------------------===//

/// Operands and attributes of mot_mlp (the weights per token type, L = G).
/// Pointers are not owned.
struct MotMlpArgs : ExpertMlpArgs {
  /// Token type of each row [T]; rows of a type outside [0, G) are zero.
  const int32_t *typeIds = nullptr;
  /// Number of token types.
  int64_t G = 0;
};

/// mot_mlp: fused_moe's expert MLP with each token's type as its one expert
/// and weight 1 (permute by type -> grouped_matmul(w13, activation) ->
/// grouped_matmul(w2) -> combine(1)); the [T, H] result rounded to
/// args.dtype.
std::vector<float> motMlp(const MotMlpArgs &args);

} // namespace ref
} // namespace moe

#endif // MOE_REFERENCE_REFERENCE_H
