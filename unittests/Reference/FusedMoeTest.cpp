//===- FusedMoeTest.cpp - Tests for the reference fused_moe ---------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

/// Naive per-token fused MoE: for each token and each selected (or shared)
/// expert, weight * w2(act(w13_gate x) * w13_up x), all in f32.
std::vector<float> naiveFusedMoe(const FusedMoeArgs &args) {
  GateResult routing =
      gate(args.logits, args.T, args.E, args.gateBiasOrNull, args.gate);
  const int64_t slots = args.gate.k + args.gate.numSharedExperts;
  const int64_t H = args.H, I = args.I;
  std::vector<float> out(args.T * H, 0.0f);
  for (int64_t t = 0; t < args.T; ++t) {
    const float *x = args.x + t * H;
    for (int64_t j = 0; j < slots; ++j) {
      int64_t e = routing.ids[t * slots + j];
      float weight = routing.weights[t * slots + j];
      const float *w13 = args.w13 + e * 2 * I * H;
      const float *w2 = args.w2 + e * H * I;
      std::vector<float> gateUp = plainLinear(x, 1, H, w13, 2 * I);
      std::vector<float> hidden(I);
      for (int64_t i = 0; i < I; ++i)
        hidden[i] = (args.activation == Activation::Silu ? silu(gateUp[i])
                                                         : gelu(gateUp[i])) *
                    gateUp[I + i];
      std::vector<float> down = plainLinear(hidden.data(), 1, I, w2, H);
      for (int64_t h = 0; h < H; ++h)
        out[t * H + h] += weight * down[h];
    }
  }
  return out;
}

/// Random problem data kept alive for FusedMoeArgs.
struct Problem {
  std::vector<float> x, logits, w13, w2, bias;
  FusedMoeArgs args;
};

Problem randomProblem(std::mt19937 &rng, int64_t T, int64_t H, int64_t E,
                      int64_t I, const GateOptions &gateOptions,
                      DType dtype = DType::F32) {
  Problem p;
  int64_t experts = E + gateOptions.numSharedExperts;
  p.x = randomFloats(rng, T * H, -1.0f, 1.0f);
  p.logits = randomFloats(rng, T * E, -3.0f, 3.0f);
  p.w13 = randomFloats(rng, experts * 2 * I * H, -0.5f, 0.5f);
  p.w2 = randomFloats(rng, experts * H * I, -0.5f, 0.5f);
  p.bias = randomFloats(rng, E, -0.2f, 0.2f);
  for (std::vector<float> *v : {&p.x, &p.w13, &p.w2})
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
  return p;
}

TEST(FusedMoeTest, HandComputedSingleToken) {
  std::vector<float> x = {1};
  std::vector<float> logits = {0, 1};
  // Expert 0: gate 1, up 1; expert 1: gate 2, up 3. w2: {7}, {0.5}.
  std::vector<float> w13 = {1, 1, 2, 3};
  std::vector<float> w2 = {7, 0.5f};
  FusedMoeArgs args;
  args.x = x.data();
  args.T = 1;
  args.H = 1;
  args.logits = logits.data();
  args.E = 2;
  args.w13 = w13.data();
  args.w2 = w2.data();
  args.I = 1;
  args.gate.k = 1;
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
  FusedMoeArgs args;
  args.x = x.data();
  args.T = 1;
  args.H = 1;
  args.logits = logits.data();
  args.E = 2;
  args.w13 = w13.data();
  args.w2 = w2.data();
  args.I = 1;
  args.gate.k = 1;
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

} // namespace
