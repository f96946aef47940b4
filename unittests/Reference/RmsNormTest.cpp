//===- RmsNormTest.cpp - Tests for the reference rms_norm -----------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

constexpr float kEps = 1e-6f;

TEST(RmsNormTest, SingleWeight) {
  std::vector<float> x = {3, 4, 1, -1};
  std::vector<float> weight = {1, 2};
  RmsNormResult r =
      rmsNorm(x.data(), 2, 2, weight.data(), 0, nullptr, nullptr, kEps);
  ASSERT_EQ(r.out.size(), 4u);
  EXPECT_TRUE(r.residualOut.empty());
  EXPECT_NEAR(r.out[0], 0.8485281035f, 1e-6f);
  EXPECT_NEAR(r.out[1], 2.0f * 1.1313708046f, 1e-6f);
  EXPECT_NEAR(r.out[2], 0.9999995f, 1e-6f);
  EXPECT_NEAR(r.out[3], -2.0f * 0.9999995f, 1e-6f);
}

TEST(RmsNormTest, ZeroRowStaysZero) {
  std::vector<float> x = {0, 0, 0};
  std::vector<float> weight = {1, 1, 1};
  RmsNormResult r =
      rmsNorm(x.data(), 1, 3, weight.data(), 0, nullptr, nullptr, kEps);
  EXPECT_EQ(r.out, (std::vector<float>{0, 0, 0}));
}

TEST(RmsNormTest, PerTypeWeights) {
  std::vector<float> x = {3, 4, 1, -1};
  std::vector<float> weight = {1, 1, 2, 3};
  std::vector<int32_t> types = {1, 0};
  RmsNormResult r =
      rmsNorm(x.data(), 2, 2, weight.data(), 2, types.data(), nullptr, kEps);
  EXPECT_NEAR(r.out[0], 1.6970562070f, 1e-6f);
  EXPECT_NEAR(r.out[1], 3.3941124139f, 1e-6f);
  EXPECT_NEAR(r.out[2], 0.9999995f, 1e-6f);
  EXPECT_NEAR(r.out[3], -0.9999995f, 1e-6f);
}

TEST(RmsNormTest, ResidualAdd) {
  std::vector<float> x = {1, 2};
  std::vector<float> residual = {2, 2};
  std::vector<float> weight = {1, 1};
  RmsNormResult r =
      rmsNorm(x.data(), 1, 2, weight.data(), 0, nullptr, residual.data(), kEps);
  EXPECT_EQ(r.residualOut, (std::vector<float>{3, 4}));
  EXPECT_NEAR(r.out[0], 0.8485281035f, 1e-6f);
  EXPECT_NEAR(r.out[1], 1.1313708046f, 1e-6f);
}

TEST(RmsNormTest, OutOfRangeTypeGivesZeroRow) {
  std::vector<float> x = {3, 4, 3, 4, 3, 4};
  std::vector<float> residual = {1, 1, 1, 1, 1, 1};
  std::vector<float> weight = {1, 1, 2, 2};
  std::vector<int32_t> types = {2, -1, 1};
  RmsNormResult r = rmsNorm(x.data(), 3, 2, weight.data(), 2, types.data(),
                            residual.data(), kEps);
  EXPECT_EQ(r.out[0], 0.0f);
  EXPECT_EQ(r.out[1], 0.0f);
  EXPECT_EQ(r.out[2], 0.0f);
  EXPECT_EQ(r.out[3], 0.0f);
  // s = {4, 5}: rms = sqrt(20.5).
  EXPECT_NEAR(r.out[4], 2.0f * 4.0f / std::sqrt(20.5f), 1e-6f);
  // The residual stream does not depend on the type id.
  EXPECT_EQ(r.residualOut, (std::vector<float>{4, 5, 4, 5, 4, 5}));
}

TEST(RmsNormTest, RoundsResidualAndOutputToBf16) {
  std::vector<float> x = {1.0f, 3.0f};
  std::vector<float> residual = {1.0f / 256.0f, 0.0f};
  std::vector<float> weight = {1, 1};
  RmsNormResult r = rmsNorm(x.data(), 1, 2, weight.data(), 0, nullptr,
                            residual.data(), kEps, DType::BF16);
  // 1 + 2^-8 ties to 1 in bf16, so s = {1, 3} and rms = sqrt(5).
  EXPECT_EQ(r.residualOut, (std::vector<float>{1.0f, 3.0f}));
  // 0.44721355 -> 0.447265625 and 1.34164065 -> 1.34375 in bf16.
  EXPECT_EQ(r.out, (std::vector<float>{0.447265625f, 1.34375f}));
}

TEST(RmsNormTest, EpsilonMatters) {
  std::vector<float> x = {1, 1};
  std::vector<float> weight = {1, 1};
  RmsNormResult r =
      rmsNorm(x.data(), 1, 2, weight.data(), 0, nullptr, nullptr, 3.0f);
  EXPECT_FLOAT_EQ(r.out[0], 0.5f); // 1 / sqrt(1 + 3).
}

TEST(RmsNormTest, InvalidArgumentsThrow) {
  std::vector<float> x = {1, 2};
  std::vector<float> weight = {1, 1};
  expectInvalid(
      [&] {
        rmsNorm(x.data(), 1, 2, weight.data(), 0, nullptr, nullptr, 0.0f);
      },
      {"epsilon"});
  expectInvalid(
      [&] {
        rmsNorm(x.data(), 1, 2, weight.data(), 1, nullptr, nullptr, kEps);
      },
      {"type_ids"});
  expectInvalid(
      [&] { rmsNorm(x.data(), 1, 2, nullptr, 0, nullptr, nullptr, kEps); },
      {"weight"});
  expectInvalid(
      [&] {
        rmsNorm(x.data(), 1, 2, weight.data(), -1, nullptr, nullptr, kEps);
      },
      {"num_types (-1)"});
}

TEST(RmsNormTest, PropertyUnitRms) {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    int64_t T = randomInt(rng, 1, 6), H = randomInt(rng, 1, 64);
    std::vector<float> x = randomFloats(rng, T * H, -3.0f, 3.0f);
    std::vector<float> weight(H, 1.0f);
    RmsNormResult r =
        rmsNorm(x.data(), T, H, weight.data(), 0, nullptr, nullptr, 1e-12f);
    for (int64_t t = 0; t < T; ++t) {
      double sumSquares = 0.0;
      for (int64_t h = 0; h < H; ++h)
        sumSquares += double(r.out[t * H + h]) * r.out[t * H + h];
      EXPECT_NEAR(sumSquares / H, 1.0, 1e-4);
      for (int64_t h = 0; h < H; ++h)
        EXPECT_GE(r.out[t * H + h] * x[t * H + h], 0.0f); // Same sign.
    }
  }
}

} // namespace
