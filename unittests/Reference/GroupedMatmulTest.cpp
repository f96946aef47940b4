//===- GroupedMatmulTest.cpp - Tests for reference grouped GEMMs ----------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

#include <cmath>
#include <stdexcept>

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

// Two experts with K = 2, N = 2: w0 = [[1, 0], [0, 1]], w1 = [[1, 1], [2, -1]].
const std::vector<float> kW = {1, 0, 0, 1, 1, 1, 2, -1};

GroupedMatmulArgs contiguousArgs(const std::vector<float> &a,
                                 const std::vector<int32_t> &offsets,
                                 int64_t R) {
  GroupedMatmulArgs args;
  args.a = a.data();
  args.M = R;
  args.K = 2;
  args.w = kW.data();
  args.E = 2;
  args.N = 2;
  args.offsets = offsets.data();
  args.R = R;
  return args;
}

TEST(GroupedMatmulTest, Contiguous) {
  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  std::vector<int32_t> offsets = {0, 2, 3};
  std::vector<float> out = groupedMatmul(contiguousArgs(a, offsets, 3));
  // Rows 0, 1 use w0 (identity); row 2 uses w1: {5 + 6, 10 - 6}.
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 4, 11, 4}));
}

TEST(GroupedMatmulTest, GatheredWithIndexDivisor) {
  std::vector<float> a = {1, 2, 3, 4}; // M = 2 tokens.
  std::vector<int32_t> offsets = {0, 1, 3};
  // Flat indices t*k + j with k = 2: rows read tokens 1, 0, 1.
  std::vector<int32_t> rowIndex = {3, 1, 2};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 3);
  args.M = 2;
  args.rowIndexOrNull = rowIndex.data();
  args.indexDivisor = 2;
  std::vector<float> out = groupedMatmul(args);
  EXPECT_EQ(out, (std::vector<float>{3, 4, 3, 0, 7, 2}));
}

TEST(GroupedMatmulTest, GatheredOutOfRangeGivesZeroRow) {
  std::vector<float> a = {1, 2};
  std::vector<int32_t> offsets = {0, 3, 3};
  std::vector<int32_t> rowIndex = {-1, 0, 5};
  std::vector<float> bias = {0.5f, -0.5f, 0, 0};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 3);
  args.M = 1;
  args.rowIndexOrNull = rowIndex.data();
  args.biasOrNull = bias.data();
  std::vector<float> out = groupedMatmul(args);
  // Rows gathered through an out-of-range index (vLLM's padding sentinel)
  // are zero: no bias, no epilogue.
  EXPECT_EQ(out, (std::vector<float>{0, 0, 1.5f, 1.5f, 0, 0}));
}

TEST(GroupedMatmulTest, Bias) {
  std::vector<float> a = {1, 2, 3, 4};
  std::vector<int32_t> offsets = {0, 1, 2};
  std::vector<float> bias = {10, 20, 30, 40};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 2);
  args.biasOrNull = bias.data();
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{11, 22, 37, 42}));
}

TEST(GroupedMatmulTest, PerRowScale) {
  std::vector<float> a = {1, 2, 3, 4};
  std::vector<int32_t> offsets = {0, 1, 2};
  std::vector<float> scale = {2.0f, -0.5f};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 2);
  args.scaleOrNull = scale.data();
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{2, 4, -3.5f, -1}));
}

TEST(GroupedMatmulTest, SiluAndMulEpilogue) {
  // Row 0 on w0 gives acc {1, 2}: silu(1) * 2.
  std::vector<float> a = {1, 2, -1, 3};
  std::vector<int32_t> offsets = {0, 1, 2};
  std::vector<float> scale = {1.0f, 0.5f};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 2);
  args.epilogue = Epilogue::SiluAndMul;
  args.scaleOrNull = scale.data();
  std::vector<float> out = groupedMatmul(args);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NEAR(out[0], 2.0f * 0.7310585786f, 1e-6f);
  // Row 1 on w1 gives acc {2, -5}: silu(2) * -5 * 0.5.
  EXPECT_NEAR(out[1], 2.0f * 0.8807970780f * -5.0f * 0.5f, 1e-5f);
}

TEST(GroupedMatmulTest, GeluAndMulEpilogue) {
  std::vector<float> a = {1, 2, -2, 3};
  std::vector<int32_t> offsets = {0, 2, 2};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 2);
  args.epilogue = Epilogue::GeluAndMul;
  std::vector<float> out = groupedMatmul(args);
  EXPECT_NEAR(out[0], 0.8413447461f * 2.0f, 1e-6f);
  EXPECT_NEAR(out[1], -0.0455002639f * 3.0f, 1e-6f);
}

/// One expert whose weights `w` are 4 x 4 (K = N = 4), one row.
GroupedMatmulArgs identityArgs(const std::vector<float> &a,
                               const std::vector<float> &w,
                               const std::vector<int32_t> &offsets) {
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 1);
  args.K = 4;
  args.w = w.data();
  args.E = 1;
  args.N = 4;
  return args;
}

const std::vector<float> kIdentity4 = {1, 0, 0, 0, 0, 1, 0, 0,
                                       0, 0, 1, 0, 0, 0, 0, 1};

// Every activation's epilogue computes activate() on the accumulator
// (with the bias added first): the GEMM and fused_moe share the formulas.
TEST(GroupedMatmulTest, ActivationEpiloguesMatchActivate) {
  std::vector<float> a = {1.5f, -9.0f, 8.0f, -0.25f};
  std::vector<float> bias = {0.5f, 0.25f, -1.0f, 2.0f};
  std::vector<int32_t> offsets = {0, 1};
  std::vector<float> acc = {2.0f, -8.75f, 7.0f, 1.75f};
  for (Activation activation :
       {Activation::Silu, Activation::Gelu, Activation::GeluTanh,
        Activation::SwigluOai, Activation::SwigluStep, Activation::SiluNoMul,
        Activation::GeluNoMul, Activation::GeluTanhNoMul,
        Activation::Relu2NoMul}) {
    for (GateUpLayout layout :
         {GateUpLayout::Split, GateUpLayout::Interleaved}) {
      bool gated = isGatedActivation(activation);
      if (!gated && layout == GateUpLayout::Interleaved)
        continue;
      ActivationParams params;
      params.layout = layout;
      params.hasClampLimit = gated;
      params.clampLimit = 3.0f;
      params.swigluAlpha = 1.25f;
      GroupedMatmulArgs args = identityArgs(a, kIdentity4, offsets);
      args.biasOrNull = bias.data();
      args.epilogue = epilogueFor(activation);
      args.activationParams = params;
      EXPECT_EQ(isGatedEpilogue(args.epilogue), gated);
      std::vector<float> out = groupedMatmul(args);
      std::vector<float> expected =
          activate(acc.data(), 1, 4, activation, params);
      EXPECT_EQ(out, expected) << static_cast<int>(activation);
    }
  }
}

TEST(GroupedMatmulTest, InterleavedSwigluOai) {
  // acc = {gate0, up0, gate1, up1} = {1, 2, 9, -9}, L = 7, alpha = 1.702.
  std::vector<float> a = {1, 2, 9, -9};
  std::vector<int32_t> offsets = {0, 1};
  GroupedMatmulArgs args = identityArgs(a, kIdentity4, offsets);
  args.epilogue = Epilogue::SwigluOaiAndMul;
  args.activationParams.layout = GateUpLayout::Interleaved;
  std::vector<float> out = groupedMatmul(args);
  ASSERT_EQ(out.size(), 2u);
  auto sigmoid = [](float v) { return 1.0f / (1.0f + std::exp(-v)); };
  EXPECT_FLOAT_EQ(out[0], (2.0f + 1.0f) * (1.0f * sigmoid(1.702f)));
  // gate 9 -> 7, up -9 -> -7.
  EXPECT_FLOAT_EQ(out[1], (-7.0f + 1.0f) * (7.0f * sigmoid(1.702f * 7.0f)));
}

TEST(GroupedMatmulTest, Relu2KeepsAllColumns) {
  std::vector<float> a = {-1, 2, 0.5f, -0.0f};
  std::vector<int32_t> offsets = {0, 1};
  GroupedMatmulArgs args = identityArgs(a, kIdentity4, offsets);
  args.epilogue = Epilogue::Relu2;
  EXPECT_EQ(groupedMatmulOutputCols(4, Epilogue::Relu2), 4);
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{0, 4, 0.25f, 0}));
}

TEST(GroupedMatmulTest, ActivationParamsNeedAGatedEpilogue) {
  std::vector<float> a = {1, 2, 3, 4};
  std::vector<int32_t> offsets = {0, 1};
  GroupedMatmulArgs args = identityArgs(a, kIdentity4, offsets);
  args.epilogue = Epilogue::Silu;
  args.activationParams.hasClampLimit = true;
  EXPECT_THROW(groupedMatmul(args), std::invalid_argument);
  args.activationParams.hasClampLimit = false;
  args.activationParams.layout = GateUpLayout::Interleaved;
  EXPECT_THROW(groupedMatmul(args), std::invalid_argument);
  args.epilogue = Epilogue::SiluAndMul;
  args.activationParams.hasClampLimit = true;
  args.activationParams.clampLimit = -1.0f;
  EXPECT_THROW(groupedMatmul(args), std::invalid_argument);
}

TEST(GroupedMatmulTest, EmptyExperts) {
  // Four experts, the middle two empty.
  std::vector<float> w = {1, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9, 0, 1, 1, 0};
  std::vector<float> a = {1, 2, 3, 4};
  std::vector<int32_t> offsets = {0, 1, 1, 1, 2};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 2);
  args.w = w.data();
  args.E = 4;
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{1, 2, 4, 3}));
}

TEST(GroupedMatmulTest, RowsOutsideOffsetsAreZero) {
  std::vector<float> a = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<int32_t> offsets = {1, 2, 3};
  std::vector<float> bias = {1, 1, 1, 1};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 4);
  args.biasOrNull = bias.data();
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{0, 0, 4, 5, 12, 5, 0, 0}));
}

TEST(GroupedMatmulTest, WildOffsetsStayInBounds) {
  std::vector<float> a = {1, 2, 3, 4};
  // Decreasing and out-of-range offsets: only rows in [offsets[0], offsets[E])
  // and inside some expert range are computed.
  std::vector<int32_t> offsets = {-5, 100, 1};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 2);
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{1, 2, 0, 0}));
  offsets = {1, -7, 50};
  args.offsets = offsets.data();
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{0, 0, 7, 2}));
}

TEST(GroupedMatmulTest, RoundsToBf16) {
  std::vector<float> a = {1.0f, 1.0f / 512.0f};
  std::vector<int32_t> offsets = {0, 1, 1};
  std::vector<float> w = {1, 1, 3, 3, 0, 0, 0, 0};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 1);
  args.w = w.data();
  args.outType = DType::BF16;
  // 1 + 2^-9 -> 1; 3 + 3*2^-9 = 3.005859375 -> 3 (bf16 ulp at 3 is 2^-6).
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{1.0f, 3.0f}));
  a[1] = 1.0f / 64.0f;
  // 1 + 2^-6 is exact; 3 + 3*2^-6 = 3.046875 -> 3.046875 (exact).
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{1.015625f, 3.046875f}));
  args.outType = DType::F16;
  a[1] = 1.0f / 4096.0f; // 1 + 2^-12 -> 1 in f16.
  EXPECT_EQ(groupedMatmul(args), (std::vector<float>{1.0f, 3.0f}));
}

TEST(GroupedMatmulTest, InvalidArgumentsThrow) {
  std::vector<float> a = {1, 2, 3, 4};
  std::vector<int32_t> offsets = {0, 1, 2};
  GroupedMatmulArgs args = contiguousArgs(a, offsets, 2);
  args.N = 3;
  args.epilogue = Epilogue::SiluAndMul;
  expectInvalid([&] { groupedMatmul(args); }, {"N (3)", "even"});
  args = contiguousArgs(a, offsets, 2);
  args.M = 1;
  expectInvalid([&] { groupedMatmul(args); }, {"M (1)", "R (2)"});
  args = contiguousArgs(a, offsets, 2);
  args.indexDivisor = 0;
  expectInvalid([&] { groupedMatmul(args); }, {"index_divisor (0)"});
  args = contiguousArgs(a, offsets, 2);
  args.offsets = nullptr;
  expectInvalid([&] { groupedMatmul(args); }, {"offsets"});
}

TEST(GroupedMatmulTest, PropertyEqualsPerExpertLoop) {
  std::mt19937 rng(31337);
  for (int trial = 0; trial < 300; ++trial) {
    int64_t E = randomInt(rng, 1, 5), K = randomInt(rng, 1, 6);
    int64_t N = 2 * randomInt(rng, 1, 3), M = randomInt(rng, 1, 6);
    std::vector<int32_t> counts = randomInts(rng, E, 0, 4);
    std::vector<int32_t> offsets(E + 1, 0);
    for (int64_t e = 0; e < E; ++e)
      offsets[e + 1] = offsets[e] + counts[e];
    int64_t R = offsets[E];
    std::vector<float> a = randomFloats(rng, M * K, -1.0f, 1.0f);
    std::vector<float> w = randomFloats(rng, E * N * K, -1.0f, 1.0f);
    std::vector<float> bias = randomFloats(rng, E * N, -1.0f, 1.0f);
    std::vector<float> scale = randomFloats(rng, R, 0.0f, 2.0f);
    std::vector<int32_t> rowIndex =
        randomInts(rng, R, 0, static_cast<int32_t>(2 * M - 1));
    // One spare entry keeps data() non-null (gathered form) when R == 0.
    rowIndex.push_back(0);
    Epilogue epilogue = static_cast<Epilogue>(trial % 3);

    GroupedMatmulArgs args;
    args.a = a.data();
    args.M = M;
    args.K = K;
    args.w = w.data();
    args.E = E;
    args.N = N;
    args.offsets = offsets.data();
    args.rowIndexOrNull = rowIndex.data();
    args.R = R;
    args.indexDivisor = 2;
    args.scaleOrNull = scale.data();
    args.biasOrNull = bias.data();
    args.epilogue = epilogue;
    std::vector<float> out = groupedMatmul(args);

    int64_t outCols = groupedMatmulOutputCols(N, epilogue);
    ASSERT_EQ(static_cast<int64_t>(out.size()), R * outCols);
    for (int64_t e = 0; e < E; ++e) {
      // Gather the expert's rows and run a plain matmul.
      std::vector<float> rows;
      for (int32_t r = offsets[e]; r < offsets[e + 1]; ++r)
        rows.insert(rows.end(), a.begin() + (rowIndex[r] / 2) * K,
                    a.begin() + (rowIndex[r] / 2 + 1) * K);
      int64_t count = offsets[e + 1] - offsets[e];
      std::vector<float> acc =
          plainLinear(rows.data(), count, K, w.data() + e * N * K, N);
      for (int64_t i = 0; i < count; ++i) {
        int64_t r = offsets[e] + i;
        for (int64_t n = 0; n < outCols; ++n) {
          float v = acc[i * N + n] + bias[e * N + n];
          if (epilogue != Epilogue::None) {
            float up = acc[i * N + n + N / 2] + bias[e * N + n + N / 2];
            v = (epilogue == Epilogue::SiluAndMul ? silu(v) : gelu(v)) * up;
          }
          EXPECT_NEAR(out[r * outCols + n], v * scale[r], 1e-5f);
        }
      }
    }
  }
}

TEST(MotLinearTest, DispatchesByType) {
  // G = 2, N = 2, K = 2: type 0 identity, type 1 swap.
  std::vector<float> w = {1, 0, 0, 1, 0, 1, 1, 0};
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<int32_t> types = {1, 0, 1};
  EXPECT_EQ(motLinear(x.data(), 3, 2, w.data(), 2, 2, types.data(), nullptr),
            (std::vector<float>{2, 1, 3, 4, 6, 5}));
}

TEST(MotLinearTest, BiasAndOutOfRangeTypes) {
  std::vector<float> w = {1, 0, 0, 1, 0, 1, 1, 0};
  std::vector<float> bias = {100, 200, 300, 400};
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<int32_t> types = {1, -1, 2, 0};
  EXPECT_EQ(
      motLinear(x.data(), 4, 2, w.data(), 2, 2, types.data(), bias.data()),
      (std::vector<float>{302, 401, 0, 0, 0, 0, 107, 208}));
}

TEST(MotLinearTest, PropertySingleTypeIsPlainLinear) {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    int64_t T = randomInt(rng, 0, 8), K = randomInt(rng, 1, 8);
    int64_t N = randomInt(rng, 1, 8);
    std::vector<float> x = randomFloats(rng, T * K, -1.0f, 1.0f);
    std::vector<float> w = randomFloats(rng, N * K, -1.0f, 1.0f);
    std::vector<int32_t> types(T, 0);
    EXPECT_EQ(motLinear(x.data(), T, K, w.data(), 1, N, types.data(), nullptr),
              plainLinear(x.data(), T, K, w.data(), N));
  }
}

TEST(ActivationTest, ScalarValues) {
  EXPECT_NEAR(silu(1.0f), 0.7310585786f, 1e-7f);
  EXPECT_NEAR(silu(-2.0f), -0.2384058440f, 1e-7f);
  EXPECT_EQ(silu(0.0f), 0.0f);
  EXPECT_NEAR(gelu(1.0f), 0.8413447461f, 1e-7f);
  EXPECT_NEAR(gelu(0.5f), 0.3457312306f, 1e-7f);
  EXPECT_NEAR(gelu(-2.0f), -0.0455002639f, 1e-7f);
  // Large magnitudes do not produce NaN.
  EXPECT_EQ(silu(-200.0f), 0.0f);
  EXPECT_EQ(silu(200.0f), 200.0f);
}

TEST(ActivationTest, SiluAndMul) {
  std::vector<float> x = {1, -2, 2, 3, /*row 1*/ 0, 4, 5, 6};
  std::vector<float> out = siluAndMul(x.data(), 2, 4);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_NEAR(out[0], 0.7310585786f * 2.0f, 1e-6f);
  EXPECT_NEAR(out[1], -0.2384058440f * 3.0f, 1e-6f);
  EXPECT_EQ(out[2], 0.0f);
  EXPECT_NEAR(out[3], 4.0f * 0.9820137900f * 6.0f, 1e-5f);
}

TEST(ActivationTest, GeluAndMul) {
  std::vector<float> x = {1, 0.5f, -2, 4};
  std::vector<float> out = geluAndMul(x.data(), 1, 4);
  EXPECT_NEAR(out[0], -0.8413447461f * 2.0f, 1e-6f);
  EXPECT_NEAR(out[1], 0.3457312306f * 4.0f, 1e-6f);
}

TEST(ActivationTest, RoundingAndValidation) {
  std::vector<float> x = {1, 3};
  std::vector<float> out = siluAndMul(x.data(), 1, 2, DType::BF16);
  // silu(1) * 3 = 2.19317573... -> bf16 2.1875.
  EXPECT_EQ(out, (std::vector<float>{2.1875f}));
  expectInvalid([&] { siluAndMul(x.data(), 1, 3); }, {"(3)", "even"});
  expectInvalid([&] { geluAndMul(x.data(), 1, 5); }, {"(5)", "even"});
}

} // namespace
