//===- DType.h - Reference element types and rounding -----------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Element types understood by the CPU reference library and the conversions
// between f32 and the 16-bit float formats (bf16, f16). Every conversion to a
// 16-bit format rounds to nearest, ties to even, and preserves infinities and
// NaNs (a NaN stays a quiet NaN with the same sign).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_REFERENCE_DTYPE_H
#define MOE_REFERENCE_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace moe {
namespace ref {

/// Element type of a tensor. All reference arithmetic is done in f32; the
/// element type only says how values are rounded when they are stored.
enum class DType { F32, BF16, F16 };

/// Returns a short lowercase name for \p type ("f32", "bf16", "f16").
const char *dtypeName(DType type);

/// Converts \p value to the bit pattern of the nearest bf16 (ties to even).
/// Overflow gives an infinity; NaN gives a quiet NaN of the same sign.
uint16_t floatToBf16Bits(float value);

/// Widens the bf16 bit pattern \p bits to f32 (exact).
float bf16BitsToFloat(uint16_t bits);

/// Converts \p value to the bit pattern of the nearest IEEE binary16 (ties to
/// even), producing subnormals where needed. Values of magnitude >= 65520
/// become infinities; NaN gives a quiet NaN of the same sign.
uint16_t floatToF16Bits(float value);

/// Widens the binary16 bit pattern \p bits to f32 (exact, subnormals
/// included).
float f16BitsToFloat(uint16_t bits);

/// Rounds \p value to the nearest value representable in \p type and returns
/// it as f32. Identity for DType::F32.
float roundTo(DType type, float value);

/// Rounds every element of \p values in place to \p type.
void roundAllTo(DType type, std::vector<float> &values);

/// Returns a copy of \p data[0, count) with every element rounded to \p type.
std::vector<float> roundedCopy(DType type, const float *data, size_t count);

} // namespace ref
} // namespace moe

#endif // MOE_REFERENCE_DTYPE_H
