//===- Bits.h - f32 bit patterns and integer rounding -----------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Private helpers of the reference's bit-exact conversions (DType.cpp,
// Fp8.cpp): f32 bit patterns and a right shift that rounds to nearest even,
// in integer arithmetic so no FP rounding mode is involved.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_REFERENCE_BITS_H
#define MOE_LIB_REFERENCE_BITS_H

#include <cstdint>
#include <cstring>

namespace moe {
namespace ref {
namespace detail {

inline uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

inline float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// Shifts \p value right by \p shift bits rounding to nearest, ties to even.
/// Shifts of 32 or more give 0 (callers never pass values >= 2^31 then).
inline uint32_t shiftRightRne(uint32_t value, unsigned shift) {
  if (shift == 0)
    return value;
  if (shift >= 32)
    return 0;
  uint32_t kept = value >> shift;
  uint32_t halfway = 1u << (shift - 1);
  uint32_t rest = value & ((1u << shift) - 1);
  if (rest > halfway || (rest == halfway && (kept & 1)))
    ++kept;
  return kept;
}

} // namespace detail
} // namespace ref
} // namespace moe

#endif // MOE_LIB_REFERENCE_BITS_H
