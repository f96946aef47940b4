//===- Fp8.cpp - f8E4M3FN conversions and activation quantization ---------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Bit-exact f32 <-> f8E4M3FN conversions (round to nearest even, saturating,
// as PTX cvt.rn.satfinite.e4m3x2.f32), done with integer arithmetic so they
// do not depend on the FP rounding mode, and moe.quantize's per-token-group
// and static activation quantization.
//
//===----------------------------------------------------------------------===//

#include "Bits.h"
#include "Checks.h"
#include "moe/Reference/Quant.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moe {
namespace ref {

namespace {

/// The largest finite e4m3 magnitude: exponent field 15, mantissa 6.
constexpr uint8_t kE4m3MaxBits = 0x7E;

} // namespace

uint8_t floatToE4m3Bits(float value) {
  uint32_t bits = detail::floatBits(value);
  uint8_t sign = static_cast<uint8_t>((bits >> 24) & 0x80u);
  uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u)
    return kE4m3NaN;
  // Everything above 448 rounds to 448 or past it (480 would be the NaN
  // pattern): saturate, infinities included.
  if (std::fabs(value) >= kE4m3Max)
    return sign | kE4m3MaxBits;
  // value = mantissa * 2^(exponent - 23), exactly (f32 subnormals too).
  int exponent = static_cast<int>(abs >> 23) - 127;
  uint32_t mantissa = abs & 0x007fffffu;
  if (exponent == -127)
    exponent = -126;
  else
    mantissa |= 0x00800000u;
  // The e4m3 exponent of the result: subnormals share the smallest, -6.
  // Its unit is 2^(e - 3), so the value is `units` of them.
  int e = std::max(exponent, -6);
  unsigned shift = static_cast<unsigned>(e - exponent + 20);
  uint32_t units = detail::shiftRightRne(mantissa, shift);
  if (e == -6 && units < 8)
    return sign | static_cast<uint8_t>(units); // Subnormal (or zero).
  int biased = e + 7;
  if (units == 16) { // Rounding carried into the next binade.
    ++biased;
    units = 8;
  }
  uint32_t code = (static_cast<uint32_t>(biased) << 3) | (units - 8);
  return sign | static_cast<uint8_t>(std::min<uint32_t>(code, kE4m3MaxBits));
}

float e4m3BitsToFloat(uint8_t bits) {
  int exponent = (bits >> 3) & 0xf;
  int mantissa = bits & 0x7;
  if (exponent == 0xf && mantissa == 0x7)
    return std::numeric_limits<float>::quiet_NaN();
  float magnitude = exponent == 0 ? std::ldexp(static_cast<float>(mantissa), -9)
                                  : std::ldexp(static_cast<float>(8 + mantissa),
                                               exponent - 7 - 3);
  return (bits & 0x80) ? -magnitude : magnitude;
}

float roundToE4m3(float value) {
  return e4m3BitsToFloat(floatToE4m3Bits(value));
}

bool isE4m3Value(float value) {
  if (std::isnan(value))
    return true;
  float rounded = roundToE4m3(value);
  return rounded == value && std::signbit(rounded) == std::signbit(value);
}

float fp8GroupScale(float amax) {
  return std::max(amax, kFp8AmaxFloor) / kE4m3Max;
}

Fp8Activations quantizeFp8Dynamic(const float *x, int64_t T, int64_t K,
                                  int64_t groupSize) {
  using namespace detail;
  constexpr const char *kOp = "quantize";
  requireNonNegative(kOp, "T", T);
  requireNonNegative(kOp, "K", K);
  requirePositive(kOp, "group_size", groupSize);
  int64_t count = checkedMul(kOp, "T * K", T, K);
  requireData(kOp, "x", x, count);
  int64_t groups = ceilDiv(K, groupSize);
  Fp8Activations result;
  result.q.resize(count);
  result.scales.resize(checkedMul(kOp, "T * groups", T, groups));
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t g = 0; g < groups; ++g) {
      int64_t begin = g * groupSize;
      int64_t end = std::min(K, begin + groupSize);
      const float *row = x + t * K;
      float amax = 0.0f;
      for (int64_t k = begin; k < end; ++k)
        amax = std::max(amax, std::fabs(row[k])); // NaN: comparison fails.
      float scale = fp8GroupScale(amax);
      result.scales[t * groups + g] = scale;
      for (int64_t k = begin; k < end; ++k)
        result.q[t * K + k] = roundToE4m3(row[k] / scale);
    }
  }
  return result;
}

std::vector<float> quantizeFp8Static(const float *x, int64_t count,
                                     float scale) {
  detail::requireNonNegative("quantize", "count", count);
  detail::requireData("quantize", "x", x, count);
  std::vector<float> q(count);
  for (int64_t i = 0; i < count; ++i)
    q[i] = roundToE4m3(x[i] / scale);
  return q;
}

} // namespace ref
} // namespace moe
