//===- DType.cpp - bf16/f16 conversions -----------------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Bit-exact f32 <-> bf16/f16 conversions with round-to-nearest-even, done with
// integer arithmetic so that they do not depend on the FP rounding mode.
//
//===----------------------------------------------------------------------===//

#include "moe/Reference/DType.h"
#include "Bits.h"

namespace moe {
namespace ref {

using detail::bitsToFloat;
using detail::floatBits;
using detail::shiftRightRne;

namespace {

constexpr uint32_t kF32AbsMask = 0x7fffffffu;
constexpr uint32_t kF32ExpMask = 0x7f800000u;

bool isNanBits(uint32_t bits) { return (bits & kF32AbsMask) > kF32ExpMask; }

} // namespace

const char *dtypeName(DType type) {
  switch (type) {
  case DType::F32:
    return "f32";
  case DType::BF16:
    return "bf16";
  case DType::F16:
    return "f16";
  }
  return "?";
}

uint16_t floatToBf16Bits(float value) {
  uint32_t bits = floatBits(value);
  if (isNanBits(bits))
    return static_cast<uint16_t>((bits >> 16) | 0x0040u); // Quiet NaN.
  // Rounding the low 16 bits may carry into the exponent, which correctly
  // produces the next binade or infinity.
  return static_cast<uint16_t>(shiftRightRne(bits & kF32AbsMask, 16) |
                               ((bits >> 16) & 0x8000u));
}

float bf16BitsToFloat(uint16_t bits) {
  return bitsToFloat(static_cast<uint32_t>(bits) << 16);
}

uint16_t floatToF16Bits(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  uint32_t abs = bits & kF32AbsMask;
  if (abs > kF32ExpMask) // NaN: keep the top payload bits, force quiet.
    return static_cast<uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x03ffu));
  if (abs == kF32ExpMask)
    return static_cast<uint16_t>(sign | 0x7c00u);

  int exponent = static_cast<int>(abs >> 23) - 127;
  if (exponent < -25) // Below half the smallest f16 subnormal (or f32 denorm).
    return sign;
  uint32_t mantissa = (abs & 0x007fffffu) | 0x00800000u; // 24 bits.
  if (exponent < -14) {
    // f16 subnormal: value = mantissa * 2^(exponent - 23), unit 2^-24.
    unsigned shift = static_cast<unsigned>(-exponent - 1); // 14..24.
    return static_cast<uint16_t>(sign | shiftRightRne(mantissa, shift));
  }
  if (exponent > 15)
    return static_cast<uint16_t>(sign | 0x7c00u);
  // Normal: the rounding carry may bump the exponent, up to infinity.
  uint32_t biased =
      (static_cast<uint32_t>(exponent + 15) << 23) | (mantissa & 0x007fffffu);
  return static_cast<uint16_t>(sign | shiftRightRne(biased, 13));
}

float f16BitsToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x03ffu;
  if (exponent == 0x1f) // Inf or NaN.
    return bitsToFloat(sign | kF32ExpMask | (mantissa << 13));
  if (exponent != 0)
    return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  // Zero or subnormal: mantissa * 2^-24, exact in f32.
  float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
  return sign ? -magnitude : magnitude;
}

float roundTo(DType type, float value) {
  switch (type) {
  case DType::F32:
    return value;
  case DType::BF16:
    return bf16BitsToFloat(floatToBf16Bits(value));
  case DType::F16:
    return f16BitsToFloat(floatToF16Bits(value));
  }
  return value;
}

void roundAllTo(DType type, std::vector<float> &values) {
  if (type == DType::F32)
    return;
  for (float &value : values)
    value = roundTo(type, value);
}

std::vector<float> roundedCopy(DType type, const float *data, size_t count) {
  std::vector<float> copy(data, data + count);
  roundAllTo(type, copy);
  return copy;
}

} // namespace ref
} // namespace moe
