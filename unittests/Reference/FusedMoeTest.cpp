//===- FusedMoeTest.cpp - Tests for the reference fused_moe ---------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

/// Naive per-token fused MoE with biases, an expert map, shared logits and
/// any activation: for each slot whose expert is local, weight * (w2 .
/// act(w13 . x + b13) + b2), all in f32; with the router weight on the
/// input, w2 . act(w13 . round(weight * x) + b13) + b2.
std::vector<float> naiveFusedMoe(const FusedMoeArgs &args) {
  GateResult routing = gate(args.logits, args.T, args.E, args.gateBiasOrNull,
                            args.gate, args.sharedLogitsOrNull);
  const int64_t slots = args.gate.k + args.gate.numSharedExperts;
  const int64_t H = args.H, I = args.I;
  const int64_t rows13 = isGatedActivation(args.activation) ? 2 * I : I;
  const int64_t local = args.expertMapOrNull
                            ? args.numLocalExperts
                            : args.E + args.gate.numSharedExperts;
  std::vector<float> out(args.T * H, 0.0f);
  for (int64_t t = 0; t < args.T; ++t) {
    for (int64_t j = 0; j < slots; ++j) {
      int64_t e = routing.ids[t * slots + j];
      if (args.expertMapOrNull)
        e = args.expertMapOrNull[e];
      if (e < 0 || e >= local)
        continue;
      float weight = routing.weights[t * slots + j];
      std::vector<float> row(args.x + t * H, args.x + (t + 1) * H);
      if (args.routerWeightOnInput)
        for (float &value : row)
          value = roundTo(args.dtype, value * weight);
      std::vector<float> acc =
          plainLinear(row.data(), 1, H, args.w13 + e * rows13 * H, rows13);
      if (args.b13OrNull)
        for (int64_t n = 0; n < rows13; ++n)
          acc[n] += args.b13OrNull[e * rows13 + n];
      std::vector<float> hidden = activate(
          acc.data(), 1, rows13, args.activation, args.activationParams);
      std::vector<float> down =
          plainLinear(hidden.data(), 1, I, args.w2 + e * H * I, H);
      for (int64_t h = 0; h < H; ++h) {
        float value = down[h] + (args.b2OrNull ? args.b2OrNull[e * H + h] : 0);
        out[t * H + h] += args.routerWeightOnInput ? value : weight * value;
      }
    }
  }
  return out;
}

/// Random problem data kept alive for FusedMoeArgs.
struct Problem {
  std::vector<float> x, logits, w13, w2, bias, b13, b2;
  FusedMoeArgs args;
};

/// A random layer with \p local experts in w13, w2 and the biases (E + S
/// without an expert map); x, the weights and biases rounded to \p dtype.
Problem randomProblem(std::mt19937 &rng, int64_t T, int64_t H, int64_t E,
                      int64_t I, const GateOptions &gateOptions,
                      DType dtype = DType::F32,
                      Activation activation = Activation::Silu,
                      int64_t local = -1) {
  Problem p;
  if (local < 0)
    local = E + gateOptions.numSharedExperts;
  int64_t rows13 = isGatedActivation(activation) ? 2 * I : I;
  p.x = randomFloats(rng, T * H, -1.0f, 1.0f);
  p.logits = randomFloats(rng, T * E, -3.0f, 3.0f);
  p.w13 = randomFloats(rng, local * rows13 * H, -0.5f, 0.5f);
  p.w2 = randomFloats(rng, local * H * I, -0.5f, 0.5f);
  p.bias = randomFloats(rng, E, -0.2f, 0.2f);
  p.b13 = randomFloats(rng, local * rows13, -1.0f, 1.0f);
  p.b2 = randomFloats(rng, local * H, -1.0f, 1.0f);
  for (std::vector<float> *v : {&p.x, &p.w13, &p.w2, &p.b13, &p.b2})
    roundAllTo(dtype, *v);
  p.args.x = p.x.data();
  p.args.T = T;
  p.args.H = H;
  p.args.logits = p.logits.data();
  p.args.E = E;
  p.args.w13 = p.w13.data();
  p.args.w2 = p.w2.data();
  p.args.I = I;
  p.args.gate = gateOptions;
  p.args.dtype = dtype;
  p.args.activation = activation;
  return p;
}

/// A one-token layer with H = I = 1 over E = logits.size() routed experts,
/// k = 1 (the vectors must outlive the result).
FusedMoeArgs singleTokenArgs(const std::vector<float> &x,
                             const std::vector<float> &logits,
                             const std::vector<float> &w13,
                             const std::vector<float> &w2) {
  FusedMoeArgs args;
  args.x = x.data();
  args.T = 1;
  args.H = 1;
  args.logits = logits.data();
  args.E = static_cast<int64_t>(logits.size());
  args.w13 = w13.data();
  args.w2 = w2.data();
  args.I = 1;
  args.gate.k = 1;
  return args;
}

TEST(FusedMoeTest, HandComputedSingleToken) {
  std::vector<float> x = {1};
  std::vector<float> logits = {0, 1};
  // Expert 0: gate 1, up 1; expert 1: gate 2, up 3. w2: {7}, {0.5}.
  std::vector<float> w13 = {1, 1, 2, 3};
  std::vector<float> w2 = {7, 0.5f};
  FusedMoeArgs args = singleTokenArgs(x, logits, w13, w2);
  std::vector<float> out = fusedMoe(args);
  // softmax weight e/(1+e) * 0.5 * silu(2) * 3.
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0], 1.9317427797f, 1e-6f);
}

TEST(FusedMoeTest, SharedExpertUsesTrailingWeights) {
  std::vector<float> x = {1};
  std::vector<float> logits = {5, 0};
  // Experts 0, 1 routed; expert 2 shared.
  std::vector<float> w13 = {1, 1, 1, 1, 2, 2};
  std::vector<float> w2 = {0, 0, 10};
  FusedMoeArgs args = singleTokenArgs(x, logits, w13, w2);
  args.gate.renormalize = true;
  args.gate.numSharedExperts = 1;
  // Routed expert 0 contributes 0; the shared one weight 1 * 10 * silu(2) * 2.
  std::vector<float> out = fusedMoe(args);
  EXPECT_NEAR(out[0], 10.0f * 2.0f * 0.8807970780f * 2.0f, 1e-5f);
}

TEST(FusedMoeTest, PropertyMatchesNaiveLoopSoftmax) {
  std::mt19937 rng(100);
  for (int trial = 0; trial < 100; ++trial) {
    int64_t E = randomInt(rng, 1, 8);
    GateOptions opts;
    opts.k = randomInt(rng, 1, std::min<int64_t>(E, 3));
    opts.renormalize = trial % 2;
    opts.numSharedExperts = randomInt(rng, 0, 1);
    Problem p = randomProblem(rng, randomInt(rng, 0, 6), randomInt(rng, 1, 8),
                              E, randomInt(rng, 1, 6), opts);
    expectAllNear(fusedMoe(p.args), naiveFusedMoe(p.args), 1e-5f);
  }
}

TEST(FusedMoeTest, PropertyMatchesNaiveLoopGroupedSigmoidBias) {
  std::mt19937 rng(101);
  for (int trial = 0; trial < 100; ++trial) {
    GateOptions opts;
    opts.scoring = Scoring::Sigmoid;
    opts.numGroups = 4;
    opts.topkGroups = 2;
    opts.groupScore = trial % 2 ? GroupScore::Top2Sum : GroupScore::Max;
    opts.k = randomInt(rng, 1, 4);
    opts.renormalize = true;
    opts.scalingFactor = 2.5f;
    opts.numSharedExperts = 1;
    Problem p = randomProblem(rng, randomInt(rng, 1, 5), randomInt(rng, 1, 8),
                              8, randomInt(rng, 1, 6), opts);
    p.args.gateBiasOrNull = p.bias.data();
    p.args.activation = trial % 3 ? Activation::Silu : Activation::Gelu;
    expectAllNear(fusedMoe(p.args), naiveFusedMoe(p.args), 1e-5f);
  }
}

TEST(FusedMoeTest, Bf16IntermediatesStayClose) {
  std::mt19937 rng(102);
  for (int trial = 0; trial < 50; ++trial) {
    GateOptions opts;
    opts.k = 2;
    opts.renormalize = true;
    Problem p = randomProblem(rng, 4, 16, 6, 8, opts, DType::BF16);
    std::vector<float> out = fusedMoe(p.args);
    for (float v : out)
      EXPECT_EQ(roundTo(DType::BF16, v), v) << "not a bf16 value";
    expectAllNear(out, naiveFusedMoe(p.args), 2e-2f);
  }
}

TEST(FusedMoeTest, DeepSeekLikeConfigIsFinite) {
  std::mt19937 rng(103);
  GateOptions opts;
  opts.k = 8;
  opts.scoring = Scoring::Sigmoid;
  opts.numGroups = 8;
  opts.topkGroups = 4;
  opts.groupScore = GroupScore::Top2Sum;
  opts.renormalize = true;
  opts.scalingFactor = 2.5f;
  opts.numSharedExperts = 1;
  Problem p = randomProblem(rng, 3, 16, 256, 4, opts);
  p.args.gateBiasOrNull = p.bias.data();
  std::vector<float> out = fusedMoe(p.args);
  ASSERT_EQ(out.size(), 48u);
  for (float v : out)
    EXPECT_TRUE(std::isfinite(v));
  expectAllNear(out, naiveFusedMoe(p.args), 1e-5f);
}

TEST(FusedMoeTest, InvalidArgumentsThrow) {
  std::vector<float> x = {1}, logits = {0, 1};
  FusedMoeArgs args;
  args.x = x.data();
  args.T = 1;
  args.H = 1;
  args.logits = logits.data();
  args.E = 2;
  args.I = 1;
  args.gate.k = 1;
  expectInvalid([&] { fusedMoe(args); }, {"w13"});
  std::vector<float> w(4, 0.0f);
  args.w13 = w.data();
  args.w2 = w.data();
  args.gate.k = 3;
  expectInvalid([&] { fusedMoe(args); }, {"k (3)"});
}

TEST(FusedMoeTest, PropertyMatchesNaiveLoopEveryForm) {
  std::mt19937 rng(301);
  const Activation all[] = {
      Activation::Silu,      Activation::Gelu,          Activation::GeluTanh,
      Activation::SwigluOai, Activation::SwigluStep,    Activation::SiluNoMul,
      Activation::GeluNoMul, Activation::GeluTanhNoMul, Activation::Relu2NoMul};
  for (int trial = 0; trial < 90; ++trial) {
    Activation activation = all[trial % 9];
    int64_t E = randomInt(rng, 2, 8);
    Problem p =
        randomProblem(rng, randomInt(rng, 0, 5), randomInt(rng, 1, 8), E,
                      randomInt(rng, 1, 6), {}, DType::F32, activation);
    p.args.gate.k = randomInt(rng, 1, 2);
    p.args.gate.renormalize = true;
    if (trial % 2) {
      p.args.b13OrNull = p.b13.data();
      p.args.b2OrNull = p.b2.data();
    }
    if (isGatedActivation(activation)) {
      if (trial % 3 == 0)
        p.args.activationParams.layout = GateUpLayout::Interleaved;
      if (trial % 4 == 1) {
        p.args.activationParams.hasClampLimit = true;
        p.args.activationParams.clampLimit = 0.75f;
      }
    }
    expectAllNear(fusedMoe(p.args), naiveFusedMoe(p.args), 1e-5f);
  }
}

TEST(FusedMoeTest, GptOssLikeLayer) {
  std::mt19937 rng(302);
  Problem p =
      randomProblem(rng, 4, 16, 8, 8, {}, DType::BF16, Activation::SwigluOai);
  p.args.gate.k = 4;
  p.args.gate.renormalize = true;
  p.args.activationParams.layout = GateUpLayout::Interleaved;
  p.args.b13OrNull = p.b13.data();
  p.args.b2OrNull = p.b2.data();
  std::vector<float> out = fusedMoe(p.args);
  for (float v : out)
    EXPECT_EQ(roundTo(DType::BF16, v), v) << "not a bf16 value";
  expectAllNear(out, naiveFusedMoe(p.args), 2e-2f);
}

TEST(FusedMoeTest, BiasesAreAddedBeforeTheRoutedWeight) {
  // One token, one expert of weight 1/2 (two equal logits, k = 1 picks
  // expert 0 with weight 0.5 without renormalization).
  std::vector<float> x = {1}, logits = {0, 0};
  std::vector<float> w13 = {1, 1, 1, 1}, w2 = {2, 2};
  std::vector<float> b13 = {1, -1, 0, 0}, b2 = {3, 0};
  FusedMoeArgs args = singleTokenArgs(x, logits, w13, w2);
  args.b13OrNull = b13.data();
  args.b2OrNull = b2.data();
  // gate = 1 + 1, up = 1 - 1 = 0: hidden 0; out = 0.5 * (2 * 0 + 3).
  EXPECT_NEAR(fusedMoe(args)[0], 1.5f, 1e-6f);
}

TEST(FusedMoeTest, ExpertMapDropsRemoteExperts) {
  std::mt19937 rng(303);
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t E = 8, T = randomInt(rng, 1, 6), H = 6, I = 4;
    Problem whole = randomProblem(rng, T, H, E, I, {});
    whole.args.gate.k = 3;
    whole.args.gate.renormalize = trial % 2;
    whole.args.b13OrNull = whole.b13.data();
    whole.args.b2OrNull = whole.b2.data();
    // This rank holds the odd experts (local 0..3), in order.
    std::vector<float> w13, w2, b13, b2;
    std::vector<int32_t> map(E, -1);
    for (int64_t e = 1; e < E; e += 2) {
      map[e] = static_cast<int32_t>(e / 2);
      w13.insert(w13.end(), whole.w13.begin() + e * 2 * I * H,
                 whole.w13.begin() + (e + 1) * 2 * I * H);
      w2.insert(w2.end(), whole.w2.begin() + e * H * I,
                whole.w2.begin() + (e + 1) * H * I);
      b13.insert(b13.end(), whole.b13.begin() + e * 2 * I,
                 whole.b13.begin() + (e + 1) * 2 * I);
      b2.insert(b2.end(), whole.b2.begin() + e * H,
                whole.b2.begin() + (e + 1) * H);
    }
    FusedMoeArgs local = whole.args;
    local.w13 = w13.data();
    local.w2 = w2.data();
    local.b13OrNull = b13.data();
    local.b2OrNull = b2.data();
    local.expertMapOrNull = map.data();
    local.numLocalExperts = E / 2;
    // The even experts' rank, with the complementary map.
    std::vector<int32_t> evenMap(E, -1);
    for (int64_t e = 0; e < E; e += 2)
      evenMap[e] = static_cast<int32_t>(e);
    FusedMoeArgs even = whole.args;
    even.expertMapOrNull = evenMap.data();
    even.numLocalExperts = E;
    std::vector<float> odd = fusedMoe(local), rest = fusedMoe(even);
    expectAllNear(odd, naiveFusedMoe(local), 1e-5f);
    // The two ranks' partial sums add up to the whole layer.
    std::vector<float> sum(odd.size());
    for (size_t i = 0; i < sum.size(); ++i)
      sum[i] = odd[i] + rest[i];
    expectAllNear(sum, fusedMoe(whole.args), 1e-5f);
  }
}

TEST(FusedMoeTest, ExpertMapAllRemoteGivesZeros) {
  std::mt19937 rng(304);
  Problem p = randomProblem(rng, 3, 4, 4, 2, {}, DType::F32, Activation::Silu,
                            /*local=*/1);
  p.args.gate.k = 2;
  std::vector<int32_t> map = {-1, -1, 5, -7}; // 5 is out of [0, 1): remote
  p.args.expertMapOrNull = map.data();
  p.args.numLocalExperts = 1;
  p.args.b2OrNull = p.b2.data();
  for (float v : fusedMoe(p.args))
    EXPECT_EQ(v, 0.0f);
}

TEST(FusedMoeTest, InvalidActivationArgumentsThrow) {
  std::mt19937 rng(305);
  Problem p =
      randomProblem(rng, 1, 2, 2, 2, {}, DType::F32, Activation::SiluNoMul);
  p.args.gate.k = 1;
  p.args.activationParams.hasClampLimit = true;
  expectInvalid([&] { fusedMoe(p.args); }, {"gated activation"});
  std::vector<int32_t> map = {0, 0};
  p.args.activationParams = {};
  p.args.expertMapOrNull = map.data();
  p.args.numLocalExperts = -1;
  expectInvalid([&] { fusedMoe(p.args); }, {"local experts"});
}

//===----------------------------------------------------------------------===//
// gpt-oss routing: softmax over the top-k logits
//===----------------------------------------------------------------------===//

TEST(FusedMoeTest, SoftmaxRenormalizeIsSoftmaxAfterTopK) {
  std::mt19937 rng(306);
  for (int trial = 0; trial < 200; ++trial) {
    const int64_t E = randomInt(rng, 2, 32), k = randomInt(rng, 1, E);
    std::vector<float> logits = randomFloats(rng, E, -20.0f, 20.0f);
    GateOptions opts;
    opts.k = k;
    opts.renormalize = true;
    GateResult result = gate(logits.data(), 1, E, nullptr, opts);
    // Top-k of the raw logits (ties: lower index), then softmax over them.
    std::vector<int32_t> order(E);
    for (int64_t e = 0; e < E; ++e)
      order[e] = static_cast<int32_t>(e);
    std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      return logits[a] > logits[b];
    });
    double top = logits[order[0]], sum = 0;
    for (int64_t j = 0; j < k; ++j)
      sum += std::exp(double(logits[order[j]]) - top);
    for (int64_t j = 0; j < k; ++j) {
      EXPECT_EQ(result.ids[j], order[j]);
      EXPECT_NEAR(result.weights[j],
                  std::exp(double(logits[order[j]]) - top) / sum, 1e-6);
    }
  }
}

} // namespace

namespace {

//===----------------------------------------------------------------------===//
// Shared-expert gates, the router weight on the input, mot_mlp
//===----------------------------------------------------------------------===//

TEST(FusedMoeTest, SharedExpertScaledByItsSigmoidGate) {
  std::vector<float> x = {1};
  std::vector<float> logits = {5, 0};
  std::vector<float> sharedLogits = {-1.5f};
  // Experts 0, 1 routed (expert 0 gives 0); expert 2 shared.
  std::vector<float> w13 = {1, 1, 1, 1, 2, 2};
  std::vector<float> w2 = {0, 0, 10};
  FusedMoeArgs args = singleTokenArgs(x, logits, w13, w2);
  args.gate.renormalize = true;
  args.gate.scalingFactor = 3.0f; // Routed weights only.
  args.gate.numSharedExperts = 1;
  args.sharedLogitsOrNull = sharedLogits.data();
  std::vector<float> out = fusedMoe(args);
  float gateWeight = 1.0f / (1.0f + std::exp(1.5f));
  EXPECT_NEAR(out[0], gateWeight * 10.0f * 2.0f * 0.8807970780f * 2.0f, 1e-5f);
  expectAllNear(out, naiveFusedMoe(args), 1e-6f);
}

TEST(FusedMoeTest, RouterWeightOnInputScalesTheRowFirst) {
  std::vector<float> x = {2};
  std::vector<float> logits = {0.5f, -1};
  // Expert 0: gate 1, up 1; expert 1 unused; w2 {3}.
  std::vector<float> w13 = {1, 1, 0, 0};
  std::vector<float> w2 = {3, 0};
  FusedMoeArgs args = singleTokenArgs(x, logits, w13, w2);
  args.gate.scoring = Scoring::Sigmoid;
  args.routerWeightOnInput = true;
  float w = 1.0f / (1.0f + std::exp(-0.5f));
  float row = w * 2.0f;
  std::vector<float> out = fusedMoe(args);
  EXPECT_NEAR(out[0], 3.0f * row / (1.0f + std::exp(-row)) * row, 1e-5f);
  // On the output instead: w * 3 * silu(2) * 2, a different value.
  args.routerWeightOnInput = false;
  EXPECT_GT(std::fabs(fusedMoe(args)[0] - out[0]), 0.1f);
}

TEST(FusedMoeTest, Llama4LikeLayerMatchesNaiveLoop) {
  std::mt19937 rng(303);
  for (int trial = 0; trial < 30; ++trial) {
    GateOptions opts;
    opts.k = 1;
    opts.scoring = Scoring::Sigmoid;
    opts.numSharedExperts = 1;
    opts.sharedWeight = SharedWeight::One;
    Problem p = randomProblem(rng, randomInt(rng, 0, 6), randomInt(rng, 1, 8),
                              randomInt(rng, 1, 8), randomInt(rng, 1, 6), opts,
                              trial % 2 ? DType::BF16 : DType::F32);
    p.args.routerWeightOnInput = true;
    expectAllNear(fusedMoe(p.args), naiveFusedMoe(p.args),
                  trial % 2 ? 2e-2f : 1e-5f);
  }
}

TEST(FusedMoeTest, Qwen3NextLikeLayerMatchesNaiveLoop) {
  std::mt19937 rng(304);
  for (int trial = 0; trial < 30; ++trial) {
    GateOptions opts;
    opts.k = randomInt(rng, 1, 3);
    opts.renormalize = trial % 2;
    opts.numSharedExperts = randomInt(rng, 1, 2);
    int64_t T = randomInt(rng, 0, 6);
    Problem p = randomProblem(rng, T, randomInt(rng, 1, 8), 8,
                              randomInt(rng, 1, 6), opts);
    std::vector<float> shared =
        randomFloats(rng, T * opts.numSharedExperts, -4.0f, 4.0f);
    p.args.sharedLogitsOrNull = shared.data();
    expectAllNear(fusedMoe(p.args), naiveFusedMoe(p.args), 1e-5f);
  }
}

TEST(FusedMoeTest, RouterWeightOnInputNeedsKOne) {
  std::vector<float> x = {1}, logits = {0, 1}, w(4, 0.0f);
  FusedMoeArgs args = singleTokenArgs(x, logits, w, w);
  args.gate.k = 2;
  args.routerWeightOnInput = true;
  expectInvalid([&] { fusedMoe(args); }, {"k (2)", "router weight"});
}

/// mot_mlp's naive loop: out[t] = w2[g] . act(w13[g] . x[t] + b13[g]) +
/// b2[g] (the activation rounded to dtype), zero for a type outside [0, G).
std::vector<float> naiveMotMlp(const MotMlpArgs &args) {
  const int64_t H = args.H, I = args.I;
  const int64_t rows13 = isGatedActivation(args.activation) ? 2 * I : I;
  std::vector<float> out(args.T * H, 0.0f);
  for (int64_t t = 0; t < args.T; ++t) {
    int64_t g = args.typeIds[t];
    if (g < 0 || g >= args.G)
      continue;
    std::vector<float> acc =
        plainLinear(args.x + t * H, 1, H, args.w13 + g * rows13 * H, rows13);
    if (args.b13OrNull)
      for (int64_t n = 0; n < rows13; ++n)
        acc[n] += args.b13OrNull[g * rows13 + n];
    std::vector<float> hidden = activate(acc.data(), 1, rows13, args.activation,
                                         args.activationParams, args.dtype);
    std::vector<float> down =
        plainLinear(hidden.data(), 1, I, args.w2 + g * H * I, H);
    for (int64_t h = 0; h < H; ++h)
      out[t * H + h] = roundTo(
          args.dtype, down[h] + (args.b2OrNull ? args.b2OrNull[g * H + h] : 0));
  }
  return out;
}

TEST(MotMlpTest, MatchesNaiveLoop) {
  std::mt19937 rng(305);
  const Activation forms[] = {Activation::Silu, Activation::GeluTanh,
                              Activation::Relu2NoMul};
  for (int trial = 0; trial < 60; ++trial) {
    int64_t T = randomInt(rng, 0, 7), H = randomInt(rng, 1, 8);
    int64_t G = randomInt(rng, 1, 3), I = randomInt(rng, 1, 6);
    Activation activation = forms[trial % 3];
    int64_t rows13 = isGatedActivation(activation) ? 2 * I : I;
    DType dtype = trial % 2 ? DType::BF16 : DType::F32;
    std::vector<float> x = randomFloats(rng, T * H, -1.0f, 1.0f);
    std::vector<float> w13 = randomFloats(rng, G * rows13 * H, -0.5f, 0.5f);
    std::vector<float> w2 = randomFloats(rng, G * H * I, -0.5f, 0.5f);
    std::vector<float> b13 = randomFloats(rng, G * rows13, -1.0f, 1.0f);
    std::vector<float> b2 = randomFloats(rng, G * H, -1.0f, 1.0f);
    for (std::vector<float> *v : {&x, &w13, &w2, &b13, &b2})
      roundAllTo(dtype, *v);
    // Type ids in [-1, G]: the out-of-range ones give zero rows.
    std::vector<int32_t> types =
        randomInts(rng, T, -1, static_cast<int32_t>(G));
    MotMlpArgs args;
    args.x = x.data();
    args.T = T;
    args.H = H;
    args.typeIds = types.data();
    args.G = G;
    args.I = I;
    args.w13 = w13.data();
    args.w2 = w2.data();
    if (trial % 4 == 1) {
      args.b13OrNull = b13.data();
      args.b2OrNull = b2.data();
    }
    args.activation = activation;
    args.dtype = dtype;
    expectAllNear(motMlp(args), naiveMotMlp(args),
                  dtype == DType::BF16 ? 2e-2f : 1e-5f);
  }
}

TEST(MotMlpTest, InvalidArgumentsThrow) {
  std::vector<float> x = {1}, w(4, 0.0f);
  std::vector<int32_t> types = {0};
  MotMlpArgs args;
  args.x = x.data();
  args.T = 1;
  args.H = 1;
  args.typeIds = types.data();
  args.I = 1;
  args.w13 = w.data();
  args.w2 = w.data();
  expectInvalid([&] { motMlp(args); }, {"G (0)"});
  args.G = 1;
  args.typeIds = nullptr;
  expectInvalid([&] { motMlp(args); }, {"type_ids"});
}

} // namespace
