//===- Fp8Test.cpp - Tests for f8E4M3FN and activation quantization -------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

#include <cmath>
#include <limits>

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

TEST(Fp8Test, EncodeExactValues) {
  EXPECT_EQ(floatToE4m3Bits(1.0f), 0x38);
  EXPECT_EQ(floatToE4m3Bits(-2.0f), 0xC0);
  EXPECT_EQ(floatToE4m3Bits(448.0f), 0x7E);
  EXPECT_EQ(floatToE4m3Bits(-448.0f), 0xFE);
  EXPECT_EQ(floatToE4m3Bits(0x1p-6f), 0x08); // Smallest normal.
  EXPECT_EQ(floatToE4m3Bits(0x1p-9f), 0x01); // Smallest subnormal.
  EXPECT_EQ(floatToE4m3Bits(0x7p-9f), 0x07); // Largest subnormal.
  EXPECT_EQ(floatToE4m3Bits(0.0f), 0x00);
  EXPECT_EQ(floatToE4m3Bits(-0.0f), 0x80);
}

TEST(Fp8Test, EncodeSaturates) {
  EXPECT_EQ(floatToE4m3Bits(449.0f), 0x7E);
  EXPECT_EQ(floatToE4m3Bits(464.0f), 0x7E); // Would round to 480 (NaN code).
  EXPECT_EQ(floatToE4m3Bits(1e9f), 0x7E);
  EXPECT_EQ(floatToE4m3Bits(kInf), 0x7E);
  EXPECT_EQ(floatToE4m3Bits(-kInf), 0xFE);
  EXPECT_EQ(floatToE4m3Bits(std::numeric_limits<float>::max()), 0x7E);
}

TEST(Fp8Test, EncodeRoundsToNearestEven) {
  EXPECT_EQ(floatToE4m3Bits(1.0625f), 0x38); // Tie 1 | 1.125 -> 1.
  EXPECT_EQ(floatToE4m3Bits(1.1875f), 0x3A); // Tie 1.125 | 1.25 -> 1.25.
  EXPECT_EQ(floatToE4m3Bits(1.0626f), 0x39); // Above the tie.
  EXPECT_EQ(floatToE4m3Bits(1.9375f), 0x40); // Tie 1.875 | 2: carry.
  EXPECT_EQ(floatToE4m3Bits(17.0f), 0x58);   // Tie 16 | 18 -> 16.
  EXPECT_EQ(floatToE4m3Bits(3.3f), 0x45);    // 3.25.
  // Subnormals: ties between multiples of 2^-9.
  EXPECT_EQ(floatToE4m3Bits(0x1p-10f), 0x00);   // Tie 0 | 1 -> 0.
  EXPECT_EQ(floatToE4m3Bits(0x1.2p-10f), 0x01); // Above it.
  EXPECT_EQ(floatToE4m3Bits(0x3p-10f), 0x02);   // Tie 1 | 2 -> 2.
  EXPECT_EQ(floatToE4m3Bits(0x5p-10f), 0x02);   // Tie 2 | 3 -> 2.
  EXPECT_EQ(floatToE4m3Bits(0xFp-10f), 0x08);   // Tie 7 | 2^-6 -> 2^-6.
  EXPECT_EQ(floatToE4m3Bits(-0x1p-11f), 0x80);  // Negative zero.
  EXPECT_EQ(floatToE4m3Bits(0x1p-140f), 0x00);  // f32 subnormal input.
}

TEST(Fp8Test, NaN) {
  EXPECT_EQ(floatToE4m3Bits(kNaN), kE4m3NaN);
  EXPECT_EQ(floatToE4m3Bits(-kNaN), kE4m3NaN);
  EXPECT_TRUE(std::isnan(e4m3BitsToFloat(0x7F)));
  EXPECT_TRUE(std::isnan(e4m3BitsToFloat(0xFF)));
  EXPECT_TRUE(std::isnan(roundToE4m3(kNaN)));
}

TEST(Fp8Test, Decode) {
  EXPECT_EQ(e4m3BitsToFloat(0x7E), 448.0f);
  EXPECT_EQ(e4m3BitsToFloat(0xFE), -448.0f);
  EXPECT_EQ(e4m3BitsToFloat(0x01), 0x1p-9f);
  EXPECT_EQ(e4m3BitsToFloat(0x08), 0x1p-6f);
  EXPECT_EQ(e4m3BitsToFloat(0x38), 1.0f);
  EXPECT_EQ(e4m3BitsToFloat(0x80), 0.0f);
  EXPECT_TRUE(std::signbit(e4m3BitsToFloat(0x80)));
}

TEST(Fp8Test, EveryCodeRoundTrips) {
  for (int code = 0; code < 256; ++code) {
    if ((code & 0x7F) == 0x7F)
      continue;
    float value = e4m3BitsToFloat(static_cast<uint8_t>(code));
    EXPECT_EQ(floatToE4m3Bits(value), code) << "code " << code;
    EXPECT_TRUE(isE4m3Value(value));
  }
  EXPECT_FALSE(isE4m3Value(0.3f));
  EXPECT_FALSE(isE4m3Value(500.0f));
}

/// Nearest finite e4m3 code to |value| by exhaustive search (ties to the
/// even code), saturating: an independent oracle for the encoder.
uint8_t bruteForceMagnitude(double magnitude) {
  int best = 0;
  double bestDistance = kInf;
  for (int code = 0; code <= 0x7E; ++code) {
    double distance = std::fabs(e4m3BitsToFloat(code) - magnitude);
    if (distance < bestDistance ||
        (distance == bestDistance && code % 2 == 0)) {
      best = code;
      bestDistance = distance;
    }
  }
  return static_cast<uint8_t>(best);
}

TEST(Fp8Test, EncodeMatchesExhaustiveSearch) {
  std::mt19937 rng(11);
  std::vector<float> values = randomFloats(rng, 4000, -500.0f, 500.0f);
  for (float v : randomFloats(rng, 2000, -0.02f, 0.02f))
    values.push_back(v);
  // Every midpoint between neighbouring codes (the ties).
  for (int code = 0; code < 0x7E; ++code)
    values.push_back(0.5f *
                     (e4m3BitsToFloat(code) + e4m3BitsToFloat(code + 1)));
  for (float v : values) {
    uint8_t expected = bruteForceMagnitude(std::fabs(v)) | (v < 0 ? 0x80 : 0);
    EXPECT_EQ(floatToE4m3Bits(v), expected) << "value " << v;
  }
}

TEST(Fp8Test, GroupScale) {
  EXPECT_EQ(fp8GroupScale(448.0f), 1.0f);
  EXPECT_EQ(fp8GroupScale(2.0f), 2.0f / 448.0f);
  // A zero group (and any amax below the floor) gets the floor's scale.
  EXPECT_EQ(fp8GroupScale(0.0f), 1e-10f / 448.0f);
  EXPECT_EQ(fp8GroupScale(1e-20f), 1e-10f / 448.0f);
  EXPECT_GT(fp8GroupScale(0.0f), 0.0f);
}

TEST(Fp8Test, QuantizeDynamicPerGroup) {
  // T = 2, K = 4, groups of 2: row 0 = [1, -2 | 0, 0] (a zero group),
  // row 1 = [448, 3.3 | -0.3, 17] scaled by amax/448 per group.
  std::vector<float> x = {1, -2, 0, 0, 448, 3.3f, -0.3f, 17};
  Fp8Activations q = quantizeFp8Dynamic(x.data(), 2, 4, 2);
  float s0 = 2.0f / 448.0f, s3 = 17.0f / 448.0f;
  EXPECT_EQ(q.scales, (std::vector<float>{s0, 1e-10f / 448.0f, 1.0f, s3}));
  EXPECT_EQ(q.q[0], roundToE4m3(1.0f / s0));
  EXPECT_EQ(q.q[1], -448.0f);
  EXPECT_EQ(q.q[2], 0.0f);
  EXPECT_EQ(q.q[3], 0.0f);
  EXPECT_EQ(q.q[4], 448.0f);
  EXPECT_EQ(q.q[5], 3.25f);
  EXPECT_EQ(q.q[6], roundToE4m3(-0.3f / s3));
  EXPECT_EQ(q.q[7], 448.0f);
  // 1 / (2/448) = 224.00002 in f32: rounds to 224.
  EXPECT_EQ(q.q[0], 224.0f);
}

TEST(Fp8Test, QuantizeDynamicRaggedLastGroupAndPerToken) {
  std::vector<float> x = {1, 2, 3, 4, 8};
  Fp8Activations groups = quantizeFp8Dynamic(x.data(), 1, 5, 2);
  EXPECT_EQ(groups.scales,
            (std::vector<float>{2.0f / 448, 4.0f / 448, 8.0f / 448}));
  EXPECT_EQ(groups.q[4], 448.0f); // The one-column last group.
  // A group at least as wide as the row: one scale per token.
  Fp8Activations token = quantizeFp8Dynamic(x.data(), 1, 5, 128);
  EXPECT_EQ(token.scales, (std::vector<float>{8.0f / 448}));
  EXPECT_EQ(token.q[4], 448.0f);
  EXPECT_EQ(token.q[0], 56.0f);
}

TEST(Fp8Test, QuantizeDynamicNaNAndInf) {
  // NaN is skipped by amax and stays NaN.
  std::vector<float> x = {kNaN, 2, kInf, 1};
  Fp8Activations q = quantizeFp8Dynamic(x.data(), 1, 4, 2);
  EXPECT_EQ(q.scales[0], 2.0f / 448.0f);
  EXPECT_TRUE(std::isnan(q.q[0]));
  EXPECT_EQ(q.q[1], 448.0f);
  // An infinity makes the scale infinite: inf/inf is NaN, 1/inf is 0.
  EXPECT_EQ(q.scales[1], kInf);
  EXPECT_TRUE(std::isnan(q.q[2]));
  EXPECT_EQ(q.q[3], 0.0f);
}

TEST(Fp8Test, QuantizeStatic) {
  std::vector<float> x = {1, 1000, -3, 0.3f};
  EXPECT_EQ(quantizeFp8Static(x.data(), 4, 0.5f),
            (std::vector<float>{2, 448, -6, 0.625f}));
}

TEST(Fp8Test, QuantizeInvalid) {
  std::vector<float> x = {1, 2};
  expectInvalid([&] { quantizeFp8Dynamic(x.data(), 1, 2, 0); },
                {"quantize", "group_size (0)"});
  expectInvalid([&] { quantizeFp8Dynamic(nullptr, 1, 2, 2); },
                {"quantize", "x is null"});
}

} // namespace
