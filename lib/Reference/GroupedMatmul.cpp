//===- GroupedMatmul.cpp - Reference grouped GEMM and activations ---------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// grouped_matmul (contiguous and gathered A, bias, gated epilogues, per-row
// scale), mot_linear (token-type dispatch) and the gated activations.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "QuantizedMatmul.h"
#include "moe/Reference/Reference.h"

#include <algorithm>
#include <cmath>

namespace moe {
namespace ref {

namespace {

bool isGated(Epilogue epilogue) { return isGatedEpilogue(epilogue); }

/// The activation \p epilogue computes (not None): the one epilogueFor
/// maps to it.
Activation activationOf(Epilogue epilogue) {
  for (Activation activation :
       {Activation::Silu, Activation::Gelu, Activation::GeluTanh,
        Activation::SwigluOai, Activation::SwigluStep, Activation::SiluNoMul,
        Activation::GeluNoMul, Activation::GeluTanhNoMul})
    if (epilogueFor(activation) == epilogue)
      return activation;
  return Activation::Relu2NoMul;
}

/// Returns acc[n] = sum_k a[k] * w[n, k] (+ bias[n]) for n < N, in f32 with
/// k increasing.
std::vector<float> rowTimesWeights(const float *a, const float *w, int64_t N,
                                   int64_t K, const float *bias) {
  std::vector<float> acc(N, 0.0f);
  for (int64_t n = 0; n < N; ++n) {
    const float *wRow = w + n * K;
    float sum = 0.0f;
    for (int64_t kk = 0; kk < K; ++kk)
      sum += a[kk] * wRow[kk];
    acc[n] = bias ? sum + bias[n] : sum;
  }
  return acc;
}

/// Applies the (possibly gated) epilogue to \p acc [N], writing N' values.
void applyEpilogue(const std::vector<float> &acc, Epilogue epilogue,
                   const ActivationParams &params, float *out) {
  if (epilogue == Epilogue::None) {
    std::copy(acc.begin(), acc.end(), out);
    return;
  }
  activateRow(acc.data(), static_cast<int64_t>(acc.size()),
              activationOf(epilogue), params, out);
}

/// Assigns each row r in [0, R) to its expert: the lowest e with
/// offsets[e] <= r < offsets[e + 1], provided offsets[0] <= r < offsets[E];
/// -1 when there is none.
std::vector<int64_t> rowOwners(const int32_t *offsets, int64_t E, int64_t R) {
  std::vector<int64_t> owner(R, -1);
  int64_t begin = std::max<int64_t>(offsets[0], 0);
  int64_t end = std::min<int64_t>(offsets[E], R);
  for (int64_t e = 0; e < E; ++e) {
    int64_t lo = std::max<int64_t>(offsets[e], begin);
    int64_t hi = std::min<int64_t>(offsets[e + 1], end);
    for (int64_t r = lo; r < hi; ++r)
      if (owner[r] < 0)
        owner[r] = e;
  }
  return owner;
}

/// Returns the row of `a` that row r of A reads, or -1 when a gathered
/// index is out of range.
int64_t rowIndexOfA(const GroupedMatmulArgs &args, int64_t r) {
  if (!args.rowIndexOrNull)
    return r;
  int64_t index = args.rowIndexOrNull[r];
  if (index < 0)
    return -1;
  int64_t row = index / args.indexDivisor;
  return row < args.M ? row : -1;
}

void validateGroupedMatmul(const GroupedMatmulArgs &args) {
  using namespace detail;
  constexpr const char *kOp = "grouped_matmul";
  requireNonNegative(kOp, "M", args.M);
  requireNonNegative(kOp, "K", args.K);
  requireNonNegative(kOp, "E", args.E);
  requireNonNegative(kOp, "N", args.N);
  requireNonNegative(kOp, "R", args.R);
  requirePositive(kOp, "index_divisor", args.indexDivisor);
  if (isGated(args.epilogue) && args.N % 2 != 0)
    fail(kOp, named("N", args.N) + " must be even with a gated epilogue");
  const ActivationParams &params = args.activationParams;
  if (!isGated(args.epilogue) &&
      (params.hasClampLimit || params.layout != GateUpLayout::Split))
    fail(kOp, "clamp limit and gate/up layout need a gated epilogue");
  if (params.hasClampLimit &&
      !(params.clampLimit > 0.0f && std::isfinite(params.clampLimit)))
    fail(kOp, "clamp limit must be positive and finite");
  if (!args.rowIndexOrNull && args.M != args.R)
    fail(kOp, "contiguous A needs " + named("M", args.M) +
                  " == " + named("R", args.R));
  if (!args.rowIndexOrNull && args.indexDivisor != 1)
    fail(kOp, named("index_divisor", args.indexDivisor) +
                  " must be 1 without row_index");
  requireData(kOp, "a", args.a, checkedMul(kOp, "M * K", args.M, args.K));
  int64_t expertSize = checkedMul(kOp, "N * K", args.N, args.K);
  requireData(kOp, "w", args.w,
              checkedMul(kOp, "E * N * K", args.E, expertSize));
  requireData(kOp, "offsets", args.offsets, args.E + 1);
  checkedMul(kOp, "R * N", args.R, args.N);
  validateGemmQuantization(args);
}

std::vector<float> gatedActivation(const float *x, int64_t M, int64_t twoN,
                                   Epilogue epilogue, DType outType,
                                   const char *op) {
  using namespace detail;
  requireNonNegative(op, "M", M);
  requireNonNegative(op, "2N", twoN);
  if (twoN % 2 != 0)
    fail(op, named("last dimension", twoN) + " must be even");
  requireData(op, "x", x, checkedMul(op, "M * 2N", M, twoN));
  int64_t N = twoN / 2;
  std::vector<float> out(M * N);
  for (int64_t m = 0; m < M; ++m)
    applyEpilogue(std::vector<float>(x + m * twoN, x + (m + 1) * twoN),
                  epilogue, ActivationParams(), out.data() + m * N);
  roundAllTo(outType, out);
  return out;
}

} // namespace

float silu(float v) { return v / (1.0f + std::exp(-v)); }

float gelu(float v) {
  constexpr float kInvSqrt2 = 0.70710678118654752440f;
  return 0.5f * v * (1.0f + std::erf(v * kInvSqrt2));
}

Epilogue epilogueFor(Activation activation) {
  switch (activation) {
  case Activation::Silu:
    return Epilogue::SiluAndMul;
  case Activation::Gelu:
    return Epilogue::GeluAndMul;
  case Activation::GeluTanh:
    return Epilogue::GeluTanhAndMul;
  case Activation::SwigluOai:
    return Epilogue::SwigluOaiAndMul;
  case Activation::SwigluStep:
    return Epilogue::SwigluStepAndMul;
  case Activation::SiluNoMul:
    return Epilogue::Silu;
  case Activation::GeluNoMul:
    return Epilogue::Gelu;
  case Activation::GeluTanhNoMul:
    return Epilogue::GeluTanh;
  case Activation::Relu2NoMul:
    return Epilogue::Relu2;
  }
  return Epilogue::None;
}

bool isGatedEpilogue(Epilogue epilogue) {
  return epilogue != Epilogue::None &&
         isGatedActivation(activationOf(epilogue));
}

int64_t groupedMatmulOutputCols(int64_t N, Epilogue epilogue) {
  return isGated(epilogue) ? N / 2 : N;
}

std::vector<float> groupedMatmul(const GroupedMatmulArgs &args) {
  validateGroupedMatmul(args);
  const int64_t outCols = groupedMatmulOutputCols(args.N, args.epilogue);
  std::vector<float> out(args.R * outCols, 0.0f);
  std::vector<int64_t> owner = rowOwners(args.offsets, args.E, args.R);
  QuantScheme scheme = args.quant.scheme;
  // Weight-only schemes multiply by the dequantized (rounded) weights
  // (none to dequantize without rows: validating the operands is all).
  std::vector<float> dequantized;
  if (isWeightOnlyScheme(scheme) && args.R > 0)
    dequantized = detail::dequantizedWeightOnly(args);
  const float *weights = dequantized.empty() ? args.w : dequantized.data();
  for (int64_t r = 0; r < args.R; ++r) {
    int64_t e = owner[r];
    int64_t aIndex = rowIndexOfA(args, r);
    if (e < 0 || aIndex < 0)
      continue;
    const float *aRow = args.a + aIndex * args.K;
    const float *bias =
        args.biasOrNull ? args.biasOrNull + e * args.N : nullptr;
    std::vector<float> acc;
    if (isFp8Scheme(scheme)) {
      acc = detail::fp8RowTimesWeights(args, aRow, aIndex, e);
      if (bias)
        for (int64_t n = 0; n < args.N; ++n)
          acc[n] += bias[n];
    } else {
      acc = rowTimesWeights(aRow, weights + e * args.N * args.K, args.N, args.K,
                            bias);
    }
    float *outRow = out.data() + r * outCols;
    applyEpilogue(acc, args.epilogue, args.activationParams, outRow);
    if (args.scaleOrNull)
      for (int64_t n = 0; n < outCols; ++n)
        outRow[n] *= args.scaleOrNull[r];
  }
  roundAllTo(args.outType, out);
  return out;
}

std::vector<float> motLinear(const float *x, int64_t T, int64_t K,
                             const float *w, int64_t G, int64_t N,
                             const int32_t *typeIds, const float *biasOrNull,
                             DType outType) {
  using namespace detail;
  constexpr const char *kOp = "mot_linear";
  requireNonNegative(kOp, "T", T);
  requireNonNegative(kOp, "K", K);
  requireNonNegative(kOp, "G", G);
  requireNonNegative(kOp, "N", N);
  requireData(kOp, "x", x, checkedMul(kOp, "T * K", T, K));
  requireData(kOp, "w", w,
              checkedMul(kOp, "G * N * K", G, checkedMul(kOp, "N * K", N, K)));
  requireData(kOp, "type_ids", typeIds, T);
  std::vector<float> out(checkedMul(kOp, "T * N", T, N), 0.0f);
  for (int64_t t = 0; t < T; ++t) {
    int64_t type = typeIds[t];
    if (type < 0 || type >= G)
      continue;
    std::vector<float> acc =
        rowTimesWeights(x + t * K, w + type * N * K, N, K,
                        biasOrNull ? biasOrNull + type * N : nullptr);
    std::copy(acc.begin(), acc.end(), out.begin() + t * N);
  }
  roundAllTo(outType, out);
  return out;
}

std::vector<float> siluAndMul(const float *x, int64_t M, int64_t twoN,
                              DType outType) {
  return gatedActivation(x, M, twoN, Epilogue::SiluAndMul, outType,
                         "silu_and_mul");
}

std::vector<float> geluAndMul(const float *x, int64_t M, int64_t twoN,
                              DType outType) {
  return gatedActivation(x, M, twoN, Epilogue::GeluAndMul, outType,
                         "gelu_and_mul");
}

} // namespace ref
} // namespace moe
