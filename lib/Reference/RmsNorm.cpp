//===- RmsNorm.cpp - Reference RMS normalization --------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// rms_norm with a single weight or per-token-type weights and an optional
// fused residual add.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "moe/Reference/Reference.h"

#include <algorithm>
#include <cmath>

namespace moe {
namespace ref {

namespace {

constexpr const char *kOp = "rms_norm";

void validateRmsNorm(const float *x, int64_t T, int64_t H, const float *weight,
                     int64_t numTypes, const int32_t *typeIds, float epsilon) {
  using namespace detail;
  requireNonNegative(kOp, "T", T);
  requireNonNegative(kOp, "H", H);
  requireNonNegative(kOp, "num_types", numTypes);
  if (!(epsilon > 0.0f) || std::isinf(epsilon))
    fail(kOp,
         "epsilon (" + std::to_string(epsilon) + ") must be finite and > 0");
  requireData(kOp, "x", x, checkedMul(kOp, "T * H", T, H));
  requireData(
      kOp, "weight", weight,
      checkedMul(kOp, "num_types * H", std::max<int64_t>(numTypes, 1), H));
  if (numTypes > 0)
    requireData(kOp, "type_ids", typeIds, T);
}

/// Returns the weight row of token \p t, or nullptr when its type id is out
/// of range.
const float *weightRow(const float *weight, int64_t H, int64_t numTypes,
                       const int32_t *typeIds, int64_t t) {
  if (numTypes == 0)
    return weight;
  int64_t type = typeIds[t];
  if (type < 0 || type >= numTypes)
    return nullptr;
  return weight + type * H;
}

/// Normalizes one row \p s [H] into \p out with \p w [H].
void normalizeRow(const float *s, int64_t H, const float *w, float epsilon,
                  float *out) {
  float sumSquares = 0.0f;
  for (int64_t h = 0; h < H; ++h)
    sumSquares += s[h] * s[h];
  float mean = sumSquares / static_cast<float>(H);
  float inverseRms = 1.0f / std::sqrt(mean + epsilon);
  for (int64_t h = 0; h < H; ++h)
    out[h] = s[h] * inverseRms * w[h];
}

} // namespace

RmsNormResult rmsNorm(const float *x, int64_t T, int64_t H, const float *weight,
                      int64_t numTypes, const int32_t *typeIdsOrNull,
                      const float *residualOrNull, float epsilon, DType dtype) {
  validateRmsNorm(x, T, H, weight, numTypes, typeIdsOrNull, epsilon);
  const int64_t size = T * H;
  RmsNormResult result;
  std::vector<float> s(x, x + size);
  if (residualOrNull) {
    for (int64_t i = 0; i < size; ++i)
      s[i] = roundTo(dtype, s[i] + residualOrNull[i]);
    result.residualOut = s;
  }
  result.out.assign(size, 0.0f);
  for (int64_t t = 0; t < T; ++t) {
    const float *w = weightRow(weight, H, numTypes, typeIdsOrNull, t);
    if (w)
      normalizeRow(s.data() + t * H, H, w, epsilon, result.out.data() + t * H);
  }
  roundAllTo(dtype, result.out);
  return result;
}

} // namespace ref
} // namespace moe
