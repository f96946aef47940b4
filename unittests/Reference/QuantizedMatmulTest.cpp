//===- QuantizedMatmulTest.cpp - Tests for quantized expert GEMMs ---------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

#include <cmath>

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

/// One expert, a = [1, 2, 4], w = [[1, 1, 1], [2, 0, -1]] (N = 2, K = 3).
struct SmallFp8 {
  std::vector<float> a = {1, 2, 4};
  std::vector<float> w = {1, 1, 1, 2, 0, -1};
  std::vector<int32_t> offsets = {0, 1};
  GroupedMatmulArgs args(QuantScheme scheme, const std::vector<float> &aScale,
                         const std::vector<float> &wScale) {
    GroupedMatmulArgs args;
    args.a = a.data();
    args.M = args.R = 1;
    args.K = 3;
    args.w = w.data();
    args.E = 1;
    args.N = 2;
    args.offsets = offsets.data();
    args.quant.scheme = scheme;
    args.quant.groupSize = 2;
    args.quant.aScale = aScale.data();
    args.quant.wScale = wScale.data();
    return args;
  }
};

TEST(QuantizedMatmulTest, Fp8BlockScalesEachKBlock) {
  // K blocks {0, 1} and {2}: a scales [0.5, 0.25], w scales [2, 4] (one N
  // block). n0 = (1 + 2) * (0.5 * 2) + 4 * (0.25 * 4) = 7;
  // n1 = (2 + 0) * 1 + (-4) * 1 = -2.
  SmallFp8 p;
  std::vector<float> aScale = {0.5f, 0.25f}, wScale = {2, 4};
  EXPECT_EQ(groupedMatmul(p.args(QuantScheme::Fp8Block, aScale, wScale)),
            (std::vector<float>{7, -2}));
}

TEST(QuantizedMatmulTest, Fp8ChannelAndTensor) {
  SmallFp8 p;
  // Per channel: (sum) * (0.5 * w_scale[n]): 7 * 1, -2 * 1.5.
  std::vector<float> aScale = {0.5f}, channel = {2, 3};
  EXPECT_EQ(groupedMatmul(p.args(QuantScheme::Fp8Channel, aScale, channel)),
            (std::vector<float>{7, -3}));
  // Per tensor: (sum) * (0.5 * 4).
  std::vector<float> tensor = {4};
  EXPECT_EQ(groupedMatmul(p.args(QuantScheme::Fp8Tensor, aScale, tensor)),
            (std::vector<float>{14, -4}));
}

TEST(QuantizedMatmulTest, Fp8RejectsValuesOutsideTheFormat) {
  SmallFp8 p;
  p.w[4] = 0.3f;
  std::vector<float> aScale = {0.5f, 0.25f}, wScale = {2, 4};
  expectInvalid(
      [&] { groupedMatmul(p.args(QuantScheme::Fp8Block, aScale, wScale)); },
      {"grouped_matmul", "w element 4", "not an f8E4M3FN value"});
  expectInvalid(
      [&] { groupedMatmul(p.args(QuantScheme::Fp8Block, aScale, {})); },
      {"grouped_matmul", "w scale is null"});
}

/// fp8 block GEMM against an f64 computation on the dequantized values, with
/// K and N not multiples of 128, two experts and a gathered A.
TEST(QuantizedMatmulTest, Fp8BlockRaggedKAndN) {
  std::mt19937 rng(3);
  const int64_t M = 5, K = 200, N = 130, E = 2, G = 128;
  std::vector<float> x = randomFloats(rng, M * K, -2.0f, 2.0f);
  Fp8Activations a = quantizeFp8Dynamic(x.data(), M, K, G);
  std::vector<float> w = randomFloats(rng, E * N * K, -448.0f, 448.0f);
  for (float &v : w)
    v = roundToE4m3(v);
  std::vector<float> wScale = randomFloats(rng, E * 2 * 2, 1e-4f, 1e-3f);
  std::vector<int32_t> rowIndex = {4, 0, 3, 1, 2, 2};
  std::vector<int32_t> offsets = {0, 2, 6};
  GroupedMatmulArgs args;
  args.a = a.q.data();
  args.M = M;
  args.K = K;
  args.w = w.data();
  args.E = E;
  args.N = N;
  args.offsets = offsets.data();
  args.rowIndexOrNull = rowIndex.data();
  args.R = 6;
  args.quant.scheme = QuantScheme::Fp8Block;
  args.quant.groupSize = G;
  args.quant.aScale = a.scales.data();
  args.quant.wScale = wScale.data();
  std::vector<float> out = groupedMatmul(args);
  std::vector<float> wReal = dequantizeWeights(args.quant, w.data(), E, N, K);
  for (int64_t r = 0; r < 6; ++r) {
    int64_t e = r < 2 ? 0 : 1, row = rowIndex[r];
    for (int64_t n = 0; n < N; ++n) {
      double sum = 0;
      for (int64_t k = 0; k < K; ++k)
        sum += double(a.q[row * K + k]) * a.scales[row * 2 + k / G] *
               wReal[(e * N + n) * K + k];
      EXPECT_NEAR(out[r * N + n], sum, 1e-5 * std::max(1.0, std::fabs(sum)))
          << "row " << r << " column " << n;
    }
  }
}

TEST(QuantizedMatmulTest, Fp8ZeroActivationGroupAndAllMaxWeights) {
  // x: the first 128 columns zero, the next 128 ones. Weights all 448 with
  // w scale 1/448 (real value 1): every output is 128 (the ones).
  const int64_t K = 256, N = 3, G = 128;
  std::vector<float> x(K, 0.0f);
  std::fill(x.begin() + G, x.end(), 1.0f);
  Fp8Activations a = quantizeFp8Dynamic(x.data(), 1, K, G);
  EXPECT_EQ(a.scales[0], 1e-10f / 448.0f);
  EXPECT_EQ(a.q[0], 0.0f);
  EXPECT_EQ(a.q[G], 448.0f);
  std::vector<float> w(N * K, 448.0f);
  std::vector<float> wScale = {1.0f / 448, 1.0f / 448};
  std::vector<int32_t> offsets = {0, 1};
  GroupedMatmulArgs args;
  args.a = a.q.data();
  args.M = args.R = 1;
  args.K = K;
  args.w = w.data();
  args.E = 1;
  args.N = N;
  args.offsets = offsets.data();
  args.quant.scheme = QuantScheme::Fp8Block;
  args.quant.groupSize = G;
  args.quant.aScale = a.scales.data();
  args.quant.wScale = wScale.data();
  for (float v : groupedMatmul(args))
    EXPECT_NEAR(v, 128.0f, 1e-4f);
}

/// Weight-only GEMMs are the plain GEMM on the dequantized (rounded)
/// weights, bit for bit, for every group size.
TEST(QuantizedMatmulTest, WeightOnlyEqualsPlainOnDequantized) {
  std::mt19937 rng(9);
  const int64_t E = 2, N = 6, R = 4;
  for (QuantScheme scheme :
       {QuantScheme::W4A16, QuantScheme::W4A16Zp, QuantScheme::W8A16}) {
    for (int64_t G : {32, 64, 128}) {
      for (int64_t K : {256, 96}) { // 96: a partial last group for G = 64.
        bool int4 = scheme != QuantScheme::W8A16;
        int64_t groups = int4 ? ceilDiv(K, G) : 1;
        std::vector<float> a = randomFloats(rng, R * K, -1.0f, 1.0f);
        roundAllTo(DType::BF16, a);
        std::vector<int32_t> q =
            randomInts(rng, E * N * K, int4 ? 0 : -128, int4 ? 15 : 127);
        std::vector<float> w(q.begin(), q.end());
        std::vector<float> scale =
            randomFloats(rng, E * N * groups, 0.01f, 0.1f);
        std::vector<int32_t> z = randomInts(rng, E * N * groups, 0, 15);
        std::vector<float> zero(z.begin(), z.end());
        std::vector<int32_t> offsets = {0, 1, 4};
        GroupedMatmulArgs args;
        args.a = a.data();
        args.M = args.R = R;
        args.K = K;
        args.w = w.data();
        args.E = E;
        args.N = N;
        args.offsets = offsets.data();
        args.outType = DType::BF16;
        args.quant.scheme = scheme;
        args.quant.groupSize = int4 ? G : 0;
        args.quant.wScale = scale.data();
        args.quant.wZero = zero.data();
        std::vector<float> out = groupedMatmul(args);

        std::vector<float> deq =
            dequantizeWeights(args.quant, w.data(), E, N, K);
        for (int64_t i = 0; i < E * N * K; ++i) {
          int64_t n = (i / K) % N, e = i / (N * K), k = i % K;
          int64_t group = (e * N + n) * groups + (int4 ? k / G : 0);
          float z0 = scheme == QuantScheme::W4A16     ? 8.0f
                     : scheme == QuantScheme::W4A16Zp ? zero[group]
                                                      : 0.0f;
          ASSERT_EQ(deq[i], roundTo(DType::BF16, (w[i] - z0) * scale[group]));
        }
        GroupedMatmulArgs plain = args;
        plain.w = deq.data();
        plain.quant = GemmQuantization();
        EXPECT_EQ(out, groupedMatmul(plain))
            << quantSchemeName(scheme) << " G " << G << " K " << K;
      }
    }
  }
}

TEST(QuantizedMatmulTest, WeightOnlyInvalid) {
  std::vector<float> a = {1, 1}, w = {16, 0}, scale = {1};
  std::vector<int32_t> offsets = {0, 1};
  GroupedMatmulArgs args;
  args.a = a.data();
  args.M = args.R = 1;
  args.K = 2;
  args.w = w.data();
  args.E = args.N = 1;
  args.offsets = offsets.data();
  args.quant.scheme = QuantScheme::W4A16;
  args.quant.groupSize = 32;
  args.quant.wScale = scale.data();
  expectInvalid([&] { groupedMatmul(args); },
                {"w element 0 (16.0", "not an int4 value in [0, 15]"});
  // Without rows nothing is dequantized, but the operands are still
  // validated (moe-runner validates a whole problem so before it
  // dequantizes the weights once).
  GroupedMatmulArgs noRows = args;
  noRows.M = noRows.R = 0;
  expectInvalid([&] { groupedMatmul(noRows); },
                {"w element 0 (16.0", "not an int4 value in [0, 15]"});
  w[0] = 1;
  EXPECT_TRUE(groupedMatmul(noRows).empty());
  args.quant.computeType = DType::F32;
  expectInvalid([&] { groupedMatmul(args); },
                {"w4a16 needs a bf16 or f16 compute type, not f32"});
  args.quant.computeType = DType::BF16;
  args.quant.groupSize = 0;
  expectInvalid([&] { groupedMatmul(args); }, {"group_size (0)"});
}

//===----------------------------------------------------------------------===//
// fused_moe
//===----------------------------------------------------------------------===//

struct QuantProblem {
  int64_t T = 5, H = 160, E = 4, I = 136, G = 128;
  std::vector<float> x, logits, w13, w2, s13, s2, z13, z2, a1, a2;
  FusedMoeArgs args;

  QuantProblem(std::mt19937 &rng, QuantScheme scheme) {
    x = randomFloats(rng, T * H, -1.0f, 1.0f);
    roundAllTo(DType::BF16, x);
    logits = randomFloats(rng, T * E, -3.0f, 3.0f);
    bool fp8 = isFp8Scheme(scheme);
    auto weights = [&](int64_t count) {
      std::vector<float> w;
      if (fp8) {
        w = randomFloats(rng, count, -448.0f, 448.0f);
        for (float &v : w)
          v = roundToE4m3(v);
      } else {
        std::vector<int32_t> q = randomInts(rng, count, 0, 15);
        w.assign(q.begin(), q.end());
      }
      return w;
    };
    w13 = weights(E * 2 * I * H);
    w2 = weights(E * H * I);
    auto scales = [&](int64_t N, int64_t K) {
      int64_t count =
          scheme == QuantScheme::Fp8Block ? E * ceilDiv(N, G) * ceilDiv(K, G)
          : scheme == QuantScheme::Fp8Channel ? E * N
          : scheme == QuantScheme::Fp8Tensor  ? E
                                              : E * N * ceilDiv(K, G);
      return randomFloats(rng, count, fp8 ? 1e-4f : 0.01f, fp8 ? 1e-3f : 0.05f);
    };
    s13 = scales(2 * I, H);
    s2 = scales(H, I);
    std::vector<int32_t> z = randomInts(rng, s13.size() + s2.size(), 0, 15);
    z13.assign(z.begin(), z.begin() + s13.size());
    z2.assign(z.begin() + s13.size(), z.end());
    a1 = {0.01f};
    a2 = {0.002f};
    args.x = x.data();
    args.T = T;
    args.H = H;
    args.logits = logits.data();
    args.E = E;
    args.w13 = w13.data();
    args.w2 = w2.data();
    args.I = I;
    args.gate.k = 2;
    args.gate.renormalize = true;
    args.dtype = DType::BF16;
    args.quant.scheme = scheme;
    args.quant.groupSize = hasGroups(scheme) ? G : 0;
    args.quant.w13Scale = s13.data();
    args.quant.w2Scale = s2.data();
    args.quant.w13Zero = z13.data();
    args.quant.w2Zero = z2.data();
    args.quant.a1Scale = a1.data();
    args.quant.a2Scale = a2.data();
  }
};

/// The weight-only layer is the bf16 layer on the dequantized weights.
TEST(QuantizedFusedMoeTest, WeightOnlyEqualsBf16OnDequantized) {
  std::mt19937 rng(21);
  for (QuantScheme scheme : {QuantScheme::W4A16, QuantScheme::W4A16Zp}) {
    QuantProblem p(rng, scheme);
    std::vector<float> out = fusedMoe(p.args);
    GemmQuantization q13, q2;
    q13.scheme = q2.scheme = scheme;
    q13.groupSize = q2.groupSize = p.G;
    q13.wScale = p.s13.data();
    q13.wZero = p.z13.data();
    q2.wScale = p.s2.data();
    q2.wZero = p.z2.data();
    std::vector<float> w13 =
        dequantizeWeights(q13, p.w13.data(), p.E, 2 * p.I, p.H);
    std::vector<float> w2 = dequantizeWeights(q2, p.w2.data(), p.E, p.H, p.I);
    FusedMoeArgs plain = p.args;
    plain.w13 = w13.data();
    plain.w2 = w2.data();
    plain.quant = FusedMoeQuantization();
    EXPECT_EQ(out, fusedMoe(plain)) << quantSchemeName(scheme);
  }
}

/// The fp8 layer is the composition the decomposition emits: each GEMM's
/// input quantized (per 128-column group, per token, or statically), the
/// quantized GEMMs, the combine.
TEST(QuantizedFusedMoeTest, Fp8IsTheQuantizedComposition) {
  std::mt19937 rng(22);
  for (QuantScheme scheme : {QuantScheme::Fp8Block, QuantScheme::Fp8Channel,
                             QuantScheme::Fp8Tensor}) {
    QuantProblem p(rng, scheme);
    std::vector<float> out = fusedMoe(p.args);

    const int64_t k = 2, R = p.T * k;
    GateResult routing = gate(p.logits.data(), p.T, p.E, nullptr, p.args.gate);
    PermuteResult perm = permute(p.x.data(), p.T, p.H, routing.ids.data(), k,
                                 p.E, routing.weights.data());
    auto gemm = [&](const std::vector<float> &in, int64_t K, int64_t N,
                    const std::vector<float> &w, const std::vector<float> &s,
                    const float *staticScale, const float *rowScale,
                    Epilogue epilogue) {
      Fp8Activations a;
      if (scheme == QuantScheme::Fp8Tensor)
        a.q = quantizeFp8Static(in.data(), R * K, *staticScale);
      else
        a = quantizeFp8Dynamic(in.data(), R, K,
                               scheme == QuantScheme::Fp8Block ? p.G : K);
      GroupedMatmulArgs args;
      args.a = a.q.data();
      args.M = args.R = R;
      args.K = K;
      args.w = w.data();
      args.E = p.E;
      args.N = N;
      args.offsets = perm.offsets.data();
      args.scaleOrNull = rowScale;
      args.epilogue = epilogue;
      args.outType = DType::BF16;
      args.quant.scheme = scheme;
      args.quant.groupSize = p.args.quant.groupSize;
      args.quant.aScale =
          scheme == QuantScheme::Fp8Tensor ? staticScale : a.scales.data();
      args.quant.wScale = s.data();
      return groupedMatmul(args);
    };
    std::vector<float> h = gemm(perm.rows, p.H, 2 * p.I, p.w13, p.s13,
                                p.a1.data(), nullptr, Epilogue::SiluAndMul);
    std::vector<float> y = gemm(h, p.I, p.H, p.w2, p.s2, p.a2.data(),
                                perm.rowWeights.data(), Epilogue::None);
    std::vector<float> expected = combine(
        y.data(), R, p.H, perm.srcIndex.data(), p.T, k, nullptr, DType::BF16);
    EXPECT_EQ(out, expected) << quantSchemeName(scheme);
    bool anyNonZero = false;
    for (float v : out)
      anyNonZero |= v != 0.0f;
    EXPECT_TRUE(anyNonZero) << quantSchemeName(scheme);
  }
}

} // namespace
