//===- DTypeTest.cpp - Tests for bf16/f16 conversions ---------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

#include <cstring>
#include <limits>

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(DTypeTest, Names) {
  EXPECT_STREQ(dtypeName(DType::F32), "f32");
  EXPECT_STREQ(dtypeName(DType::BF16), "bf16");
  EXPECT_STREQ(dtypeName(DType::F16), "f16");
}

TEST(DTypeTest, Bf16ExactValues) {
  EXPECT_EQ(floatToBf16Bits(1.0f), 0x3F80);
  EXPECT_EQ(floatToBf16Bits(-2.0f), 0xC000);
  EXPECT_EQ(floatToBf16Bits(0.0f), 0x0000);
  EXPECT_EQ(floatToBf16Bits(-0.0f), 0x8000);
  EXPECT_EQ(bf16BitsToFloat(0x3F80), 1.0f);
  EXPECT_EQ(bf16BitsToFloat(0x4049), 3.140625f);
}

TEST(DTypeTest, Bf16RoundsToNearestEven) {
  EXPECT_EQ(floatToBf16Bits(fromBits(0x3F808000)), 0x3F80); // Tie -> even.
  EXPECT_EQ(floatToBf16Bits(fromBits(0x3F818000)), 0x3F82); // Tie -> even.
  EXPECT_EQ(floatToBf16Bits(fromBits(0x3F808001)), 0x3F81); // Above half.
  EXPECT_EQ(floatToBf16Bits(fromBits(0x3F807FFF)), 0x3F80); // Below half.
  EXPECT_EQ(floatToBf16Bits(fromBits(0xBF808001)), 0xBF81); // Negative.
  EXPECT_EQ(floatToBf16Bits(3.14159265f), 0x4049);
  // Carry into the exponent.
  EXPECT_EQ(floatToBf16Bits(fromBits(0x3FFFFFFF)), 0x4000);
}

TEST(DTypeTest, Bf16InfAndOverflow) {
  EXPECT_EQ(floatToBf16Bits(kInf), 0x7F80);
  EXPECT_EQ(floatToBf16Bits(-kInf), 0xFF80);
  EXPECT_EQ(floatToBf16Bits(std::numeric_limits<float>::max()), 0x7F80);
  EXPECT_EQ(floatToBf16Bits(fromBits(0x7F7F7FFF)), 0x7F7F); // Largest finite.
  EXPECT_EQ(bf16BitsToFloat(0xFF80), -kInf);
}

TEST(DTypeTest, Bf16NanPreserved) {
  uint16_t quiet = floatToBf16Bits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(std::isnan(bf16BitsToFloat(quiet)));
  // A NaN whose payload lives only in the low bits must not become inf.
  uint16_t low = floatToBf16Bits(fromBits(0x7F800001));
  EXPECT_EQ(low & 0x7F80, 0x7F80);
  EXPECT_NE(low & 0x007F, 0);
  EXPECT_TRUE(std::isnan(bf16BitsToFloat(low)));
  uint16_t negative = floatToBf16Bits(fromBits(0xFFC00000));
  EXPECT_EQ(negative, 0xFFC0);
  EXPECT_TRUE(std::isnan(roundTo(DType::BF16, fromBits(0x7F800001))));
}

TEST(DTypeTest, Bf16Subnormals) {
  // bf16 has f32's exponent range, so f32 subnormals round like others.
  EXPECT_EQ(floatToBf16Bits(fromBits(0x00010000)), 0x0001);
  EXPECT_EQ(floatToBf16Bits(fromBits(0x00008000)), 0x0000); // Tie -> even.
  EXPECT_EQ(floatToBf16Bits(fromBits(0x00018000)), 0x0002); // Tie -> even.
}

TEST(DTypeTest, F16ExactValues) {
  EXPECT_EQ(floatToF16Bits(1.0f), 0x3C00);
  EXPECT_EQ(floatToF16Bits(-2.0f), 0xC000);
  EXPECT_EQ(floatToF16Bits(0.5f), 0x3800);
  EXPECT_EQ(floatToF16Bits(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToF16Bits(-0.0f), 0x8000);
  EXPECT_EQ(f16BitsToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(f16BitsToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(f16BitsToFloat(0x0400), 0x1p-14f);
}

TEST(DTypeTest, F16RoundsToNearestEven) {
  EXPECT_EQ(floatToF16Bits(1.0f + 0x1p-11f), 0x3C00);     // Tie -> even.
  EXPECT_EQ(floatToF16Bits(1.0f + 3 * 0x1p-11f), 0x3C02); // Tie -> even.
  EXPECT_EQ(floatToF16Bits(1.0f + 0x1p-11f + 0x1p-20f), 0x3C01);
  EXPECT_EQ(floatToF16Bits(0.1f), 0x2E66);
  EXPECT_EQ(floatToF16Bits(2047.5f), 0x6800); // Carry: 2048.
}

TEST(DTypeTest, F16InfAndOverflow) {
  EXPECT_EQ(floatToF16Bits(kInf), 0x7C00);
  EXPECT_EQ(floatToF16Bits(-kInf), 0xFC00);
  EXPECT_EQ(floatToF16Bits(65519.0f), 0x7BFF);
  EXPECT_EQ(floatToF16Bits(65520.0f), 0x7C00); // Tie rounds to inf (even).
  EXPECT_EQ(floatToF16Bits(1e6f), 0x7C00);
  EXPECT_EQ(floatToF16Bits(-1e30f), 0xFC00);
  EXPECT_EQ(f16BitsToFloat(0xFC00), -kInf);
}

TEST(DTypeTest, F16NanPreserved) {
  uint16_t bits = floatToF16Bits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(bits & 0x7C00, 0x7C00);
  EXPECT_NE(bits & 0x03FF, 0);
  EXPECT_TRUE(std::isnan(f16BitsToFloat(bits)));
  EXPECT_EQ(floatToF16Bits(fromBits(0xFFC00000)), 0xFE00);
  EXPECT_TRUE(std::isnan(f16BitsToFloat(floatToF16Bits(fromBits(0x7F800001)))));
  EXPECT_TRUE(std::isnan(f16BitsToFloat(0x7C01)));
}

TEST(DTypeTest, F16Subnormals) {
  EXPECT_EQ(floatToF16Bits(0x1p-24f), 0x0001); // Smallest subnormal.
  EXPECT_EQ(floatToF16Bits(0x1p-25f), 0x0000); // Tie -> even (zero).
  EXPECT_EQ(floatToF16Bits(-0x1p-25f), 0x8000);
  EXPECT_EQ(floatToF16Bits(1.5f * 0x1p-25f), 0x0001);     // Above half.
  EXPECT_EQ(floatToF16Bits(3 * 0x1p-25f), 0x0002);        // Tie -> even.
  EXPECT_EQ(floatToF16Bits(5 * 0x1p-25f), 0x0002);        // Tie -> even.
  EXPECT_EQ(floatToF16Bits(1023 * 0x1p-24f), 0x03FF);     // Largest subnormal.
  EXPECT_EQ(floatToF16Bits(0x1p-14f - 0x1p-26f), 0x0400); // Up to normal.
  EXPECT_EQ(floatToF16Bits(1e-10f), 0x0000);
  EXPECT_EQ(floatToF16Bits(fromBits(0x00000001)), 0x0000); // f32 denormal.
  EXPECT_EQ(f16BitsToFloat(0x0001), 0x1p-24f);
  EXPECT_EQ(f16BitsToFloat(0x83FF), -1023 * 0x1p-24f);
}

TEST(DTypeTest, RoundToDispatch) {
  EXPECT_EQ(roundTo(DType::F32, 0.1f), 0.1f);
  EXPECT_EQ(roundTo(DType::BF16, 0.1f), 0.10009765625f);
  EXPECT_EQ(roundTo(DType::F16, 0.1f), 0.0999755859375f);
  std::vector<float> values = {1.0f + 0x1p-8f, 3.0f};
  roundAllTo(DType::BF16, values);
  EXPECT_EQ(values, (std::vector<float>{1.0f, 3.0f}));
  float data[] = {0.1f, 65520.0f};
  EXPECT_EQ(roundedCopy(DType::F16, data, 2),
            (std::vector<float>{0.0999755859375f, kInf}));
}

TEST(DTypeTest, ExhaustiveRoundTrip) {
  for (uint32_t bits = 0; bits <= 0xFFFF; ++bits) {
    uint16_t h = static_cast<uint16_t>(bits);
    float bf = bf16BitsToFloat(h);
    float f16 = f16BitsToFloat(h);
    if (std::isnan(bf))
      EXPECT_TRUE(std::isnan(bf16BitsToFloat(floatToBf16Bits(bf))));
    else
      EXPECT_EQ(floatToBf16Bits(bf), h) << std::hex << bits;
    if (std::isnan(f16))
      EXPECT_TRUE(std::isnan(f16BitsToFloat(floatToF16Bits(f16))));
    else
      EXPECT_EQ(floatToF16Bits(f16), h) << std::hex << bits;
  }
}

/// Checks that \p rounded is the representable neighbour of \p value that is
/// nearest, preferring an even mantissa on ties, using bit-pattern neighbours.
void checkNearest(float value, uint16_t bits, float (*widen)(uint16_t)) {
  float rounded = widen(bits);
  if (std::isinf(rounded))
    return; // Overflow; checked by the Inf/Overflow tests.
  double error = std::fabs(double(rounded) - double(value));
  uint16_t magnitude = bits & 0x7FFF;
  for (int delta : {-1, 1}) {
    int neighbour = magnitude + delta;
    if (neighbour < 0)
      continue;
    float other = widen(static_cast<uint16_t>(neighbour | (bits & 0x8000)));
    if (std::isnan(other) || std::isinf(other))
      continue;
    double otherError = std::fabs(double(other) - double(value));
    EXPECT_LE(error, otherError) << value;
    if (error == otherError) {
      EXPECT_EQ(bits & 1, 0) << "tie not to even for " << value;
    }
  }
}

TEST(DTypeTest, PropertyRandomValuesRoundToNearest) {
  std::mt19937 rng(2718);
  std::uniform_int_distribution<uint32_t> anyBits;
  for (int trial = 0; trial < 20000; ++trial) {
    float value = fromBits(anyBits(rng));
    if (std::isnan(value) || std::isinf(value))
      continue;
    checkNearest(value, floatToBf16Bits(value), bf16BitsToFloat);
    if (std::fabs(value) < 65504.0f)
      checkNearest(value, floatToF16Bits(value), f16BitsToFloat);
  }
  // Values in the f16 range specifically.
  for (int trial = 0; trial < 20000; ++trial) {
    float value = randomFloats(rng, 1, -70000.0f, 70000.0f)[0];
    value = std::ldexp(value, -static_cast<int>(trial % 40));
    if (std::fabs(value) < 65504.0f)
      checkNearest(value, floatToF16Bits(value), f16BitsToFloat);
  }
}

} // namespace
