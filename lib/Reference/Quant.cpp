//===- Quant.cpp - Quantization schemes, int4 packing, dequantization -----===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "moe/Reference/Quant.h"
#include "Checks.h"

#include <string>

namespace moe {
namespace ref {

const char *quantSchemeName(QuantScheme scheme) {
  switch (scheme) {
  case QuantScheme::None:
    return "none";
  case QuantScheme::Fp8Block:
    return "fp8_block";
  case QuantScheme::Fp8Channel:
    return "fp8_channel";
  case QuantScheme::Fp8Tensor:
    return "fp8_tensor";
  case QuantScheme::W4A16:
    return "w4a16";
  case QuantScheme::W4A16Zp:
    return "w4a16_zp";
  case QuantScheme::W8A16:
    return "w8a16";
  }
  return "?";
}

bool isFp8Scheme(QuantScheme scheme) {
  return scheme == QuantScheme::Fp8Block || scheme == QuantScheme::Fp8Channel ||
         scheme == QuantScheme::Fp8Tensor;
}

bool isWeightOnlyScheme(QuantScheme scheme) {
  return scheme == QuantScheme::W4A16 || scheme == QuantScheme::W4A16Zp ||
         scheme == QuantScheme::W8A16;
}

bool hasGroups(QuantScheme scheme) {
  return scheme == QuantScheme::Fp8Block || scheme == QuantScheme::W4A16 ||
         scheme == QuantScheme::W4A16Zp;
}

int64_t ceilDiv(int64_t a, int64_t b) { return a / b + (a % b != 0); }

namespace {

/// Checks the sizes of an int4 tensor of [rows, K] values (K even, two a
/// byte) for \p op and returns rows * K.
int64_t int4Count(const char *op, int64_t rows, int64_t K) {
  using namespace detail;
  requireNonNegative(op, "rows", rows);
  requireNonNegative(op, "K", K);
  if (K % 2 != 0)
    fail(op, named("K", K) + " must be even: two values per byte");
  return checkedMul(op, "rows * K", rows, K);
}

} // namespace

std::vector<uint8_t> packInt4(const uint8_t *values, int64_t rows, int64_t K) {
  using namespace detail;
  constexpr const char *kOp = "pack_int4";
  int64_t count = int4Count(kOp, rows, K);
  requireData(kOp, "values", values, count);
  std::vector<uint8_t> packed(count / 2);
  for (int64_t i = 0; i < count; ++i) {
    if (values[i] > 15)
      fail(kOp, named("value", values[i]) + " at element " + std::to_string(i) +
                    " is not an int4 value in [0, 15]");
    packed[i / 2] |= static_cast<uint8_t>(values[i] << (4 * (i % 2)));
  }
  return packed;
}

std::vector<uint8_t> unpackInt4(const uint8_t *packed, int64_t rows,
                                int64_t K) {
  int64_t count = int4Count("unpack_int4", rows, K);
  detail::requireData("unpack_int4", "packed", packed, count / 2);
  std::vector<uint8_t> values(count);
  for (int64_t i = 0; i < count; ++i)
    values[i] = (packed[i / 2] >> (4 * (i % 2))) & 0xf;
  return values;
}

float dequantizeWeight(const GemmQuantization &quant, const float *w, int64_t E,
                       int64_t N, int64_t K, int64_t e, int64_t n, int64_t k) {
  (void)E;
  float q = w[(e * N + n) * K + k];
  int64_t G = quant.groupSize;
  switch (quant.scheme) {
  case QuantScheme::None:
    return q;
  case QuantScheme::Fp8Block: {
    int64_t kBlocks = ceilDiv(K, G);
    return q * quant.wScale[(e * ceilDiv(N, G) + n / G) * kBlocks + k / G];
  }
  case QuantScheme::Fp8Channel:
    return q * quant.wScale[e * N + n];
  case QuantScheme::Fp8Tensor:
    return q * quant.wScale[e];
  case QuantScheme::W4A16:
  case QuantScheme::W4A16Zp: {
    int64_t group = (e * N + n) * ceilDiv(K, G) + k / G;
    float zero = quant.scheme == QuantScheme::W4A16
                     ? static_cast<float>(kInt4SymmetricZero)
                     : quant.wZero[group];
    return roundTo(quant.computeType, (q - zero) * quant.wScale[group]);
  }
  case QuantScheme::W8A16:
    return roundTo(quant.computeType, q * quant.wScale[e * N + n]);
  }
  return q;
}

std::vector<float> dequantizeWeights(const GemmQuantization &quant,
                                     const float *w, int64_t E, int64_t N,
                                     int64_t K) {
  using namespace detail;
  constexpr const char *kOp = "dequantize";
  requireNonNegative(kOp, "E", E);
  requireNonNegative(kOp, "N", N);
  requireNonNegative(kOp, "K", K);
  if (hasGroups(quant.scheme))
    requirePositive(kOp, "group_size", quant.groupSize);
  int64_t count =
      checkedMul(kOp, "E * N * K", E, checkedMul(kOp, "N * K", N, K));
  requireData(kOp, "w", w, count);
  if (quant.scheme != QuantScheme::None)
    requireData(kOp, "w scale", quant.wScale, count);
  if (quant.scheme == QuantScheme::W4A16Zp)
    requireData(kOp, "w zero", quant.wZero, count);
  std::vector<float> out(count);
  for (int64_t e = 0; e < E; ++e)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k)
        out[(e * N + n) * K + k] = dequantizeWeight(quant, w, E, N, K, e, n, k);
  return out;
}

} // namespace ref
} // namespace moe
