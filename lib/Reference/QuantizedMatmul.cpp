//===- QuantizedMatmul.cpp - Quantized grouped GEMM rows ------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The accumulation order contract of docs/Semantics.md: fp8 partial sums per
// K block in f32, each scaled by a_scale * w_scale and added in increasing
// block order; weight-only weights dequantized to a's 16-bit type first.
//
//===----------------------------------------------------------------------===//

#include "QuantizedMatmul.h"
#include "Checks.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace moe {
namespace ref {
namespace detail {

namespace {

constexpr const char *kOp = "grouped_matmul";

/// Throws unless every one of \p values[0, count) passes \p isValid.
template <typename Pred>
void requireFormat(const char *name, const float *values, int64_t count,
                   const char *format, Pred isValid) {
  for (int64_t i = 0; i < count; ++i)
    if (!isValid(values[i]))
      fail(kOp, std::string(name) + " element " + std::to_string(i) + " (" +
                    std::to_string(values[i]) + ") is not " + format);
}

bool isIntegerIn(float value, float lo, float hi) {
  return value >= lo && value <= hi && std::floor(value) == value;
}

} // namespace

void validateGemmQuantization(const GroupedMatmulArgs &args) {
  const GemmQuantization &quant = args.quant;
  QuantScheme scheme = quant.scheme;
  if (scheme == QuantScheme::None)
    return;
  int64_t G = quant.groupSize;
  if (hasGroups(scheme))
    requirePositive(kOp, "group_size", G);
  int64_t weights = args.E * args.N * args.K; // validateGroupedMatmul checked.
  int64_t groupsK = hasGroups(scheme) ? ceilDiv(args.K, G) : 1;
  if (isFp8Scheme(scheme)) {
    int64_t aScales = scheme == QuantScheme::Fp8Block     ? args.M * groupsK
                      : scheme == QuantScheme::Fp8Channel ? args.M
                                                          : 1;
    int64_t wScales = scheme == QuantScheme::Fp8Block
                          ? args.E * ceilDiv(args.N, G) * groupsK
                      : scheme == QuantScheme::Fp8Channel ? args.E * args.N
                                                          : args.E;
    requireData(kOp, "a scale", quant.aScale, aScales);
    requireData(kOp, "w scale", quant.wScale, wScales);
    requireFormat("a", args.a, args.M * args.K, "an f8E4M3FN value",
                  isE4m3Value);
    requireFormat("w", args.w, weights, "an f8E4M3FN value", isE4m3Value);
    return;
  }
  if (quant.computeType != DType::BF16 && quant.computeType != DType::F16)
    fail(kOp, std::string("weight-only scheme ") + quantSchemeName(scheme) +
                  " needs a bf16 or f16 compute type, not " +
                  dtypeName(quant.computeType));
  int64_t scales = scheme == QuantScheme::W8A16 ? args.E * args.N
                                                : args.E * args.N * groupsK;
  requireData(kOp, "w scale", quant.wScale, scales);
  if (scheme == QuantScheme::W8A16) {
    requireFormat("w", args.w, weights, "an int8 value",
                  [](float v) { return isIntegerIn(v, -128, 127); });
    return;
  }
  requireFormat("w", args.w, weights, "an int4 value in [0, 15]",
                [](float v) { return isIntegerIn(v, 0, 15); });
  if (scheme == QuantScheme::W4A16Zp) {
    requireData(kOp, "w zero", quant.wZero, scales);
    requireFormat("w zero", quant.wZero, scales, "an int8 value",
                  [](float v) { return isIntegerIn(v, -128, 127); });
  }
}

std::vector<float> dequantizedWeightOnly(const GroupedMatmulArgs &args) {
  return dequantizeWeights(args.quant, args.w, args.E, args.N, args.K);
}

std::vector<float> fp8RowTimesWeights(const GroupedMatmulArgs &args,
                                      const float *aRow, int64_t aIndex,
                                      int64_t e) {
  const GemmQuantization &quant = args.quant;
  const int64_t N = args.N, K = args.K;
  const float *w = args.w + e * N * K;
  std::vector<float> acc(N, 0.0f);
  if (quant.scheme != QuantScheme::Fp8Block) {
    for (int64_t n = 0; n < N; ++n) {
      float sum = 0.0f;
      for (int64_t k = 0; k < K; ++k)
        sum += aRow[k] * w[n * K + k];
      float scale = quant.scheme == QuantScheme::Fp8Channel
                        ? quant.aScale[aIndex] * quant.wScale[e * N + n]
                        : quant.aScale[0] * quant.wScale[e];
      acc[n] = sum * scale;
    }
    return acc;
  }
  const int64_t G = quant.groupSize;
  const int64_t blocksK = ceilDiv(K, G), blocksN = ceilDiv(N, G);
  for (int64_t n = 0; n < N; ++n) {
    float total = 0.0f;
    for (int64_t b = 0; b < blocksK; ++b) {
      float partial = 0.0f;
      for (int64_t k = b * G; k < std::min(K, (b + 1) * G); ++k)
        partial += aRow[k] * w[n * K + k];
      float scale = quant.aScale[aIndex * blocksK + b] *
                    quant.wScale[(e * blocksN + n / G) * blocksK + b];
      total += partial * scale;
    }
    acc[n] = total;
  }
  return acc;
}

} // namespace detail
} // namespace ref
} // namespace moe
