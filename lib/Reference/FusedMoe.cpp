//===- FusedMoe.cpp - Reference fused MoE layer ---------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// fused_moe composed from the other reference ops: gate -> permute ->
// grouped_matmul(w13, activation epilogue) -> grouped_matmul(w2, row weights)
// -> combine, each GEMM's input quantized first under an fp8 scheme (or,
// with the router weight on the input, permute scaling the rows and no row
// scale on the second GEMM). mot_mlp is the same expert MLP with each
// token's type as its one expert.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "moe/Reference/Reference.h"

#include <algorithm>

namespace moe {
namespace ref {

namespace {

constexpr const char *kOp = "fused_moe";

/// The number of experts w13 and w2 hold: E + S, or L with an expert map.
int64_t localExperts(const FusedMoeArgs &args) {
  return args.expertMapOrNull ? args.numLocalExperts
                              : args.E + args.gate.numSharedExperts;
}

/// w13's rows per expert: 2I for a gated activation, I otherwise.
int64_t gateUpRows(const FusedMoeArgs &args) {
  return isGatedActivation(args.activation) ? 2 * args.I : args.I;
}

void validateFusedMoe(const FusedMoeArgs &args) {
  using namespace detail;
  requireNonNegative(kOp, "T", args.T);
  requireNonNegative(kOp, "H", args.H);
  requirePositive(kOp, "E", args.E);
  requireNonNegative(kOp, "I", args.I);
  requireNonNegative(kOp, "num_shared_experts", args.gate.numSharedExperts);
  int64_t experts = localExperts(args);
  requireNonNegative(kOp, "number of local experts", experts);
  int64_t matrix = checkedMul(kOp, "I * H", args.I, args.H);
  int64_t rows13 = gateUpRows(args);
  requireData(kOp, "x", args.x, checkedMul(kOp, "T * H", args.T, args.H));
  requireData(kOp, "w13", args.w13,
              checkedMul(kOp, "L * (2I or I) * H", experts,
                         checkedMul(kOp, "(2I or I) * H", rows13, args.H)));
  requireData(kOp, "w2", args.w2,
              checkedMul(kOp, "L * H * I", experts, matrix));
  const ActivationParams &params = args.activationParams;
  if (!isGatedActivation(args.activation) &&
      (params.hasClampLimit || params.layout != GateUpLayout::Split))
    fail(kOp, "clamp limit and gate/up layout need a gated activation");
  if (args.b13OrNull)
    requireData(kOp, "b13", args.b13OrNull, experts * rows13);
  if (args.b2OrNull)
    requireData(kOp, "b2", args.b2OrNull, experts * args.H);
  if (args.expertMapOrNull)
    requireData(kOp, "expert_map", args.expertMapOrNull,
                args.E + args.gate.numSharedExperts);
  if (args.routerWeightOnInput && args.gate.k != 1)
    fail(kOp, named("k", args.gate.k) +
                  " must be 1 with the router weight on the input");
}

/// The activations of one expert GEMM: the rows as given (no fp8 scheme)
/// or quantized to f8E4M3FN as moe.quantize does, with their scales.
struct GemmInput {
  std::vector<float> rows;
  std::vector<float> scales;
  const float *aScale = nullptr;
};

/// Quantizes \p rows [R, K] for an fp8 scheme: per token group of G columns
/// (fp8_block), per token (fp8_channel, one group of K columns) or with the
/// static scale (fp8_tensor).
GemmInput quantizeInput(std::vector<float> rows, int64_t R, int64_t K,
                        const FusedMoeQuantization &quant,
                        const float *staticScale) {
  GemmInput input;
  switch (quant.scheme) {
  case QuantScheme::Fp8Block:
  case QuantScheme::Fp8Channel: {
    int64_t group = quant.scheme == QuantScheme::Fp8Block ? quant.groupSize : K;
    Fp8Activations q =
        quantizeFp8Dynamic(rows.data(), R, K, std::max<int64_t>(group, 1));
    input.rows = std::move(q.q);
    input.scales = std::move(q.scales);
    input.aScale = input.scales.data();
    return input;
  }
  case QuantScheme::Fp8Tensor:
    detail::requireData(kOp, "static activation scale", staticScale, 1);
    input.rows = quantizeFp8Static(rows.data(), R * K, *staticScale);
    input.aScale = staticScale;
    return input;
  default:
    input.rows = std::move(rows);
    return input;
  }
}

/// Runs one expert GEMM over the permuted rows.
std::vector<float>
expertGemm(const GemmInput &a, int64_t R, int64_t K, const float *w,
           int64_t experts, int64_t N, const std::vector<int32_t> &offsets,
           const float *scale, const float *bias, Epilogue epilogue,
           const ActivationParams &activationParams, DType dtype, DType outType,
           const FusedMoeQuantization &quant, const float *wScale,
           const float *wZero) {
  GroupedMatmulArgs args;
  args.a = a.rows.data();
  args.M = R;
  args.K = K;
  args.w = w;
  args.E = experts;
  args.N = N;
  args.offsets = offsets.data();
  args.R = R;
  args.scaleOrNull = scale;
  args.biasOrNull = bias;
  args.epilogue = epilogue;
  args.activationParams = activationParams;
  args.outType = outType;
  args.quant.scheme = quant.scheme;
  args.quant.groupSize = quant.groupSize;
  args.quant.aScale = a.aScale;
  args.quant.wScale = wScale;
  args.quant.wZero = wZero;
  args.quant.computeType = dtype;
  return groupedMatmul(args);
}

/// The expert MLP of every slot of \p ids [T, slots] over \p experts
/// experts (ids outside [0, experts) contribute nothing), weighted by
/// \p weightsOrNull [T, slots] (1 when null): permute -> the two expert
/// GEMMs -> combine, as fusedMoe describes; the sizes, weights, activation,
/// dtype, quantization and routerWeightOnInput come from \p args.
std::vector<float> expertMlp(const FusedMoeArgs &args, int64_t experts,
                             const int32_t *ids, const float *weightsOrNull,
                             int64_t slots) {
  const bool onInput = args.routerWeightOnInput;
  // x is already representable in dtype, so the permuted rows are too
  // (rows scaled by their weights are rounded to it).
  PermuteResult permuted = permute(args.x, args.T, args.H, ids, slots, experts,
                                   weightsOrNull, onInput, args.dtype);
  const int64_t R = args.T * slots;
  const float *rowScale =
      onInput || !weightsOrNull ? nullptr : permuted.rowWeights.data();

  const FusedMoeQuantization &quant = args.quant;
  GemmInput gemm1Input =
      quantizeInput(std::move(permuted.rows), R, args.H, quant, quant.a1Scale);
  // The first GEMM's epilogue computes the activation (+ b13 first).
  std::vector<float> hidden =
      expertGemm(gemm1Input, R, args.H, args.w13, experts, gateUpRows(args),
                 permuted.offsets, nullptr, args.b13OrNull,
                 epilogueFor(args.activation), args.activationParams,
                 args.dtype, args.dtype, quant, quant.w13Scale, quant.w13Zero);
  std::vector<float> down = expertGemm(
      quantizeInput(std::move(hidden), R, args.I, quant, quant.a2Scale), R,
      args.I, args.w2, experts, args.H, permuted.offsets, rowScale,
      args.b2OrNull, Epilogue::None, ActivationParams(), args.dtype, args.dtype,
      quant, quant.w2Scale, quant.w2Zero);
  return combine(down.data(), R, args.H, permuted.srcIndex.data(), args.T,
                 slots, nullptr, args.dtype);
}

} // namespace

std::vector<float> fusedMoe(const FusedMoeArgs &args) {
  validateFusedMoe(args);
  const int64_t slots = args.gate.k + args.gate.numSharedExperts;
  const int64_t experts = localExperts(args);
  GateResult routing = gate(args.logits, args.T, args.E, args.gateBiasOrNull,
                            args.gate, args.sharedLogitsOrNull);

  // Expert parallelism: global ids become local indices; a slot whose
  // expert is not local gets an out-of-range id, which permute drops (its
  // row is zero and combine finds no term for it).
  if (const int32_t *map = args.expertMapOrNull) {
    for (int32_t &id : routing.ids) {
      int32_t local = map[id];
      id = local >= 0 && local < experts ? local : -1;
    }
  }
  return expertMlp(args, experts, routing.ids.data(), routing.weights.data(),
                   slots);
}

std::vector<float> motMlp(const MotMlpArgs &args) {
  using namespace detail;
  constexpr const char *kMotOp = "mot_mlp";
  requirePositive(kMotOp, "G", args.G);
  requireData(kMotOp, "type_ids", args.typeIds, args.T);
  // The expert MLP's arguments, validated as fused_moe's with G experts.
  FusedMoeArgs mlp;
  static_cast<ExpertMlpArgs &>(mlp) = args;
  mlp.E = args.G;
  validateFusedMoe(mlp);
  return expertMlp(mlp, args.G, args.typeIds, /*weightsOrNull=*/nullptr,
                   /*slots=*/1);
}

} // namespace ref
} // namespace moe
