//===- ActivationTest.cpp - Tests for the expert activation set -----------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

#include <limits>

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

float sigmoidOf(double v) {
  return static_cast<float>(1.0 / (1.0 + std::exp(-v)));
}

/// One gated output of \p activation from (gate, up), split layout.
float gatedOne(Activation activation, float gate, float up,
               ActivationParams params = {}) {
  std::vector<float> x = {gate, up};
  return activate(x.data(), 1, 2, activation, params)[0];
}

float noMulOne(Activation activation, float v) {
  return activate(&v, 1, 1, activation, {})[0];
}

//===----------------------------------------------------------------------===//
// Scalar formulas (double-precision expectations)
//===----------------------------------------------------------------------===//

TEST(ActivationTest, GatedFormulas) {
  EXPECT_NEAR(gatedOne(Activation::Silu, 2.0f, 3.0f), 2.0 * sigmoidOf(2) * 3,
              1e-6);
  EXPECT_NEAR(gatedOne(Activation::Gelu, 1.0f, 2.0f),
              0.5 * (1 + std::erf(1 / std::sqrt(2.0))) * 2, 1e-6);
  double v = 1.5;
  double tanhGelu = 0.5 * v *
                    (1 + std::tanh(std::sqrt(2 / 3.14159265358979323846) *
                                   (v + 0.044715 * v * v * v)));
  EXPECT_NEAR(gatedOne(Activation::GeluTanh, 1.5f, -2.0f), tanhGelu * -2, 1e-6);
  EXPECT_NEAR(geluTanh(1.5f), tanhGelu, 1e-6);
  // gelu_tanh differs from the erf form (by about 1e-4 near 1.5).
  EXPECT_NE(geluTanh(1.5f), gelu(1.5f));
}

TEST(ActivationTest, SwigluOaiClampsAndAddsOne) {
  // Unclamped: (up + 1) * g * sigmoid(1.702 g).
  EXPECT_NEAR(gatedOne(Activation::SwigluOai, 0.5f, 2.0f),
              3.0 * 0.5 * sigmoidOf(1.702 * 0.5), 1e-6);
  // gate 10 -> 7 (max only), up -9 -> -7.
  EXPECT_NEAR(gatedOne(Activation::SwigluOai, 10.0f, -9.0f),
              -6.0 * 7.0 * sigmoidOf(1.702 * 7), 1e-5);
  // A very negative gate is not clamped from below: the output is ~0.
  EXPECT_NEAR(gatedOne(Activation::SwigluOai, -20.0f, 3.0f), 0.0, 1e-6);
  // up 20 -> 7.
  EXPECT_NEAR(gatedOne(Activation::SwigluOai, 1.0f, 20.0f),
              8.0 * 1.0 * sigmoidOf(1.702), 1e-6);
  // clamp_limit and swiglu_alpha replace 7 and 1.702.
  ActivationParams params;
  params.hasClampLimit = true;
  params.clampLimit = 2.0f;
  params.swigluAlpha = 1.0f;
  EXPECT_NEAR(gatedOne(Activation::SwigluOai, 5.0f, 5.0f, params),
              3.0 * 2.0 * sigmoidOf(2.0), 1e-6);
}

TEST(ActivationTest, SwigluStepClampsAfterSilu) {
  // min(silu(gate), 7) * clamp(up, -7, 7).
  EXPECT_NEAR(gatedOne(Activation::SwigluStep, 1.0f, 2.0f),
              sigmoidOf(1.0) * 2.0, 1e-6);
  EXPECT_NEAR(gatedOne(Activation::SwigluStep, 100.0f, -50.0f), 7.0 * -7.0,
              1e-5);
  // silu(8) = 7.997 > 7: clamped after the activation, not before.
  EXPECT_NEAR(gatedOne(Activation::SwigluStep, 8.0f, 1.0f), 7.0, 1e-6);
}

TEST(ActivationTest, ClampLimitOnSilu) {
  ActivationParams params;
  params.hasClampLimit = true;
  params.clampLimit = 1.0f;
  // gate 3 -> 1, up -4 -> -1.
  EXPECT_NEAR(gatedOne(Activation::Silu, 3.0f, -4.0f, params),
              -1.0 * sigmoidOf(1.0), 1e-6);
  // The gate is clamped from above only.
  EXPECT_NEAR(gatedOne(Activation::Silu, -3.0f, 0.5f, params),
              -3.0 * sigmoidOf(-3.0) * 0.5, 1e-6);
  // Without a limit, silu is unclamped.
  EXPECT_NEAR(gatedOne(Activation::Silu, 30.0f, 30.0f), 900.0, 1e-3);
}

TEST(ActivationTest, NoMulForms) {
  EXPECT_NEAR(noMulOne(Activation::SiluNoMul, 2.0f), 2.0 * sigmoidOf(2.0),
              1e-6);
  EXPECT_NEAR(noMulOne(Activation::GeluNoMul, 1.0f), gelu(1.0f), 0.0);
  EXPECT_NEAR(noMulOne(Activation::GeluTanhNoMul, 1.0f), geluTanh(1.0f), 0.0);
  EXPECT_EQ(noMulOne(Activation::Relu2NoMul, 3.0f), 9.0f);
  EXPECT_EQ(noMulOne(Activation::Relu2NoMul, -3.0f), 0.0f);
  // All columns, no halving.
  std::vector<float> x = {1, -2, 3, 4};
  std::vector<float> out = activate(x.data(), 2, 2, Activation::Relu2NoMul, {});
  EXPECT_EQ(out, (std::vector<float>{1, 0, 9, 16}));
}

TEST(ActivationTest, InterleavedEqualsSplitOfDeinterleavedRow) {
  std::mt19937 rng(300);
  const int64_t M = 5, I = 7;
  std::vector<float> interleaved = randomFloats(rng, M * 2 * I, -9.0f, 9.0f);
  std::vector<float> split(M * 2 * I);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t i = 0; i < I; ++i) {
      split[m * 2 * I + i] = interleaved[m * 2 * I + 2 * i];
      split[m * 2 * I + I + i] = interleaved[m * 2 * I + 2 * i + 1];
    }
  ActivationParams params;
  params.layout = GateUpLayout::Interleaved;
  for (Activation a : {Activation::Silu, Activation::Gelu, Activation::GeluTanh,
                       Activation::SwigluOai, Activation::SwigluStep})
    EXPECT_EQ(activate(interleaved.data(), M, 2 * I, a, params),
              activate(split.data(), M, 2 * I, a, {}));
}

TEST(ActivationTest, NaNPropagatesThroughClamps) {
  float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(std::isnan(gatedOne(Activation::SwigluOai, nan, 1.0f)));
  EXPECT_TRUE(std::isnan(gatedOne(Activation::SwigluOai, 1.0f, nan)));
  EXPECT_TRUE(std::isnan(gatedOne(Activation::SwigluStep, 1.0f, nan)));
  EXPECT_TRUE(std::isnan(noMulOne(Activation::Relu2NoMul, nan)));
}

TEST(ActivationTest, RoundsOnceToOutType) {
  std::vector<float> x = {0.3f, 1.7f};
  std::vector<float> f32 = activate(x.data(), 1, 2, Activation::SwigluOai, {});
  std::vector<float> bf16 =
      activate(x.data(), 1, 2, Activation::SwigluOai, {}, DType::BF16);
  EXPECT_EQ(bf16[0], roundTo(DType::BF16, f32[0]));
}

TEST(ActivationTest, InvalidArgumentsThrow) {
  std::vector<float> x(6, 1.0f);
  expectInvalid([&] { activate(x.data(), 1, 3, Activation::Silu, {}); },
                {"cols (3)", "even"});
  ActivationParams limit;
  limit.hasClampLimit = true;
  limit.clampLimit = 0.0f;
  expectInvalid([&] { activate(x.data(), 1, 2, Activation::Silu, limit); },
                {"clamp limit"});
  limit.clampLimit = 1.0f;
  expectInvalid([&] { activate(x.data(), 1, 2, Activation::SiluNoMul, limit); },
                {"gated activation"});
  ActivationParams layout;
  layout.layout = GateUpLayout::Interleaved;
  expectInvalid(
      [&] { activate(x.data(), 1, 2, Activation::Relu2NoMul, layout); },
      {"gated activation"});
}

} // namespace
