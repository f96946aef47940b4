//===- GateTest.cpp - Tests for the reference router ----------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

#include <limits>
#include <set>

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

constexpr float kNan = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

float sigmoidOf(float v) { return 1.0f / (1.0f + std::exp(-v)); }

GateOptions options(int64_t k, Scoring scoring) {
  GateOptions opts;
  opts.k = k;
  opts.scoring = scoring;
  return opts;
}

TEST(GateTest, SoftmaxTop2) {
  std::vector<float> logits = {1, 2, 3, 0};
  GateResult r =
      gate(logits.data(), 1, 4, nullptr, options(2, Scoring::Softmax));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{2, 1}));
  ASSERT_EQ(r.weights.size(), 2u);
  EXPECT_NEAR(r.weights[0], 0.6439142599f, 1e-6f);
  EXPECT_NEAR(r.weights[1], 0.2368828181f, 1e-6f);
}

TEST(GateTest, SoftmaxScoresSumToOne) {
  std::vector<float> logits = {1, 2, 3, 0};
  std::vector<float> scores = gateScores(logits.data(), 4, Scoring::Softmax);
  EXPECT_NEAR(scores[0], 0.0871443187f, 1e-6f);
  EXPECT_NEAR(scores[1], 0.2368828181f, 1e-6f);
  EXPECT_NEAR(scores[2], 0.6439142599f, 1e-6f);
  EXPECT_NEAR(scores[3], 0.0320586033f, 1e-6f);
}

TEST(GateTest, SigmoidTop2) {
  std::vector<float> logits = {0, 2, -1, 1};
  GateResult r =
      gate(logits.data(), 1, 4, nullptr, options(2, Scoring::Sigmoid));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 3}));
  EXPECT_NEAR(r.weights[0], 0.8807970780f, 1e-6f);
  EXPECT_NEAR(r.weights[1], 0.7310585786f, 1e-6f);
}

TEST(GateTest, SigmoidRenormalize) {
  std::vector<float> logits = {0, 2, -1, 1};
  GateOptions opts = options(2, Scoring::Sigmoid);
  opts.renormalize = true;
  GateResult r = gate(logits.data(), 1, 4, nullptr, opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 3}));
  EXPECT_NEAR(r.weights[0], 0.5464491032f, 1e-6f);
  EXPECT_NEAR(r.weights[1], 0.4535508968f, 1e-6f);
}

TEST(GateTest, ScalingFactorAfterRenormalize) {
  std::vector<float> logits = {0, 2, -1, 1};
  GateOptions opts = options(2, Scoring::Sigmoid);
  opts.renormalize = true;
  opts.scalingFactor = 2.5f;
  GateResult r = gate(logits.data(), 1, 4, nullptr, opts);
  EXPECT_NEAR(r.weights[0], 1.3661227579f, 1e-6f);
  EXPECT_NEAR(r.weights[1], 2.5f - 1.3661227579f, 1e-6f);
}

TEST(GateTest, ScalingFactorWithoutRenormalize) {
  std::vector<float> logits = {0, 2, -1, 1};
  GateOptions opts = options(1, Scoring::Sigmoid);
  opts.scalingFactor = 2.0f;
  GateResult r = gate(logits.data(), 1, 4, nullptr, opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1}));
  EXPECT_FLOAT_EQ(r.weights[0], 2.0f * sigmoidOf(2.0f));
}

TEST(GateTest, BiasChangesSelectionNotWeights) {
  std::vector<float> logits = {0, 0, 0, 0};
  std::vector<float> bias = {0.0f, 0.1f, -0.1f, 0.2f};
  GateResult r =
      gate(logits.data(), 1, 4, bias.data(), options(2, Scoring::Sigmoid));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{3, 1}));
  EXPECT_FLOAT_EQ(r.weights[0], 0.5f);
  EXPECT_FLOAT_EQ(r.weights[1], 0.5f);
}

TEST(GateTest, BiasOverridesLargerScoreWithSoftmax) {
  // Scores 0.6439 (e2) and 0.2369 (e1); a bias of +0.5 on e1 moves it first.
  std::vector<float> logits = {1, 2, 3, 0};
  std::vector<float> bias = {0.0f, 0.5f, 0.0f, 0.0f};
  GateResult r =
      gate(logits.data(), 1, 4, bias.data(), options(1, Scoring::Softmax));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1}));
  EXPECT_NEAR(r.weights[0], 0.2368828181f, 1e-6f);
}

TEST(GateTest, NanBiasMakesExpertRankLast) {
  std::vector<float> logits = {3, 0, 0};
  std::vector<float> bias = {kNan, 0, 0};
  GateResult r =
      gate(logits.data(), 1, 3, bias.data(), options(3, Scoring::Sigmoid));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2, 0}));
  // The weight is still the unbiased score.
  EXPECT_FLOAT_EQ(r.weights[2], sigmoidOf(3.0f));
}

// Logits of 4 groups of 2 experts used by the group tests. Sigmoid scores:
// g0 {0.9933, 0.0067}, g1 {0.9820, 0.9820}, g2 {0.9890, 0.0067}, g3 tiny.
std::vector<float> groupedLogits() { return {5, -5, 4, 4, 4.5f, -5, -5, -5}; }

TEST(GateTest, GroupsByMax) {
  std::vector<float> logits = groupedLogits();
  GateOptions opts = options(3, Scoring::Sigmoid);
  opts.numGroups = 4;
  opts.topkGroups = 2;
  opts.groupScore = GroupScore::Max;
  GateResult r = gate(logits.data(), 1, 8, nullptr, opts);
  // Kept groups 0 (max 0.9933) and 2 (0.9890); global top-3 would be 0,4,2.
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 4, 1}));
  EXPECT_FLOAT_EQ(r.weights[0], sigmoidOf(5.0f));
  EXPECT_FLOAT_EQ(r.weights[1], sigmoidOf(4.5f));
  EXPECT_FLOAT_EQ(r.weights[2], sigmoidOf(-5.0f));
}

TEST(GateTest, GroupsByTop2Sum) {
  std::vector<float> logits = groupedLogits();
  GateOptions opts = options(3, Scoring::Sigmoid);
  opts.numGroups = 4;
  opts.topkGroups = 2;
  opts.groupScore = GroupScore::Top2Sum;
  GateResult r = gate(logits.data(), 1, 8, nullptr, opts);
  // Group sums: g1 1.964 > g0 1.0 > g2 0.996: experts 0..3 are eligible.
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 2, 3}));
  EXPECT_FLOAT_EQ(r.weights[1], sigmoidOf(4.0f));
}

TEST(GateTest, Top2SumWithSingletonGroups) {
  // Groups of one expert: the group score is that expert's score.
  std::vector<float> logits = {1, 3, 2, 0};
  GateOptions opts = options(2, Scoring::Sigmoid);
  opts.numGroups = 4;
  opts.topkGroups = 2;
  opts.groupScore = GroupScore::Top2Sum;
  GateResult r = gate(logits.data(), 1, 4, nullptr, opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2}));
}

TEST(GateTest, NanGroupScoreRanksLast) {
  // Group 0's top-2 sum is +inf + -inf = NaN, which ranks as -inf.
  std::vector<float> logits = {0, 0, 0, 0};
  std::vector<float> bias = {kInf, -kInf, -0.4f, -0.4f};
  GateOptions opts = options(2, Scoring::Sigmoid);
  opts.numGroups = 2;
  opts.topkGroups = 1;
  opts.groupScore = GroupScore::Top2Sum;
  GateResult r = gate(logits.data(), 1, 4, bias.data(), opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(r.weights, (std::vector<float>{0.5f, 0.5f}));
  // With max scoring group 0 wins (+inf) and its -inf expert still comes
  // second.
  opts.groupScore = GroupScore::Max;
  r = gate(logits.data(), 1, 4, bias.data(), opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 1}));
}

TEST(GateTest, GroupTiesGoToLowerGroup) {
  std::vector<float> logits(8, 0.0f);
  GateOptions opts = options(4, Scoring::Softmax);
  opts.numGroups = 4;
  opts.topkGroups = 2;
  GateResult r = gate(logits.data(), 1, 8, nullptr, opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 1, 2, 3}));
  for (float w : r.weights)
    EXPECT_FLOAT_EQ(w, 0.125f);
}

TEST(GateTest, ExpertTiesGoToLowerIndex) {
  std::vector<float> logits = {1, 2, 2, 1, 2};
  GateResult r =
      gate(logits.data(), 1, 5, nullptr, options(4, Scoring::Sigmoid));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2, 4, 0}));
}

TEST(GateTest, NanLogitsRankLastWithZeroWeight) {
  std::vector<float> logits = {kNan, 1, kNan, 0};
  GateResult r =
      gate(logits.data(), 1, 4, nullptr, options(4, Scoring::Softmax));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 3, 0, 2}));
  EXPECT_NEAR(r.weights[0], 0.7310585786f, 1e-6f);
  EXPECT_NEAR(r.weights[1], 0.2689414214f, 1e-6f);
  EXPECT_EQ(r.weights[2], 0.0f);
  EXPECT_EQ(r.weights[3], 0.0f);
}

TEST(GateTest, NanLogitsWithSigmoid) {
  std::vector<float> logits = {kNan, -1};
  GateResult r =
      gate(logits.data(), 1, 2, nullptr, options(2, Scoring::Sigmoid));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 0}));
  EXPECT_FLOAT_EQ(r.weights[0], sigmoidOf(-1.0f));
  EXPECT_EQ(r.weights[1], 0.0f);
}

TEST(GateTest, AllNanRowGivesZeroWeights) {
  std::vector<float> logits = {kNan, kNan, kNan};
  for (Scoring scoring : {Scoring::Softmax, Scoring::Sigmoid}) {
    GateOptions opts = options(2, scoring);
    opts.renormalize = true;
    opts.numSharedExperts = 1;
    GateResult r = gate(logits.data(), 1, 3, nullptr, opts);
    EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 1, 3}));
    EXPECT_EQ(r.weights, (std::vector<float>{0.0f, 0.0f, 0.0f}));
  }
}

TEST(GateTest, RenormalizeZeroSumGivesZeros) {
  float negInf = -kInf;
  std::vector<float> logits = {negInf, negInf, negInf, negInf};
  GateOptions opts = options(2, Scoring::Sigmoid);
  opts.renormalize = true;
  opts.scalingFactor = 3.0f;
  GateResult r = gate(logits.data(), 1, 4, nullptr, opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(r.weights, (std::vector<float>{0.0f, 0.0f}));
}

TEST(GateTest, PlusInfLogitsShareSoftmaxEqually) {
  std::vector<float> logits = {kInf, 0, kInf, 1};
  GateResult r =
      gate(logits.data(), 1, 4, nullptr, options(4, Scoring::Softmax));
  // Finite logits all get exp(-inf) = 0 and tie, so they go by index.
  EXPECT_EQ(r.ids, (std::vector<int32_t>{0, 2, 1, 3}));
  EXPECT_EQ(r.weights, (std::vector<float>{0.5f, 0.5f, 0.0f, 0.0f}));
}

TEST(GateTest, InfLogitsWithSigmoid) {
  std::vector<float> logits = {-kInf, kInf, 0};
  GateResult r =
      gate(logits.data(), 1, 3, nullptr, options(3, Scoring::Sigmoid));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 2, 0}));
  EXPECT_EQ(r.weights, (std::vector<float>{1.0f, 0.5f, 0.0f}));
}

TEST(GateTest, SharedExpertsRenormalized) {
  std::vector<float> logits = {0, 2, -1, 1};
  GateOptions opts = options(2, Scoring::Sigmoid);
  opts.renormalize = true;
  opts.scalingFactor = 2.0f;
  opts.numSharedExperts = 2;
  GateResult r = gate(logits.data(), 1, 4, nullptr, opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 3, 4, 5}));
  EXPECT_NEAR(r.weights[0] + r.weights[1], 2.0f, 1e-6f);
  EXPECT_NEAR(r.weights[2], 1.0f, 1e-6f);
  EXPECT_NEAR(r.weights[3], 1.0f, 1e-6f);
}

TEST(GateTest, SharedExpertsWithoutRenormalize) {
  std::vector<float> logits = {0, 2, -1, 1};
  GateOptions opts = options(2, Scoring::Sigmoid);
  opts.scalingFactor = 4.0f;
  opts.numSharedExperts = 1;
  GateResult r = gate(logits.data(), 1, 4, nullptr, opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 3, 4}));
  EXPECT_FLOAT_EQ(r.weights[0], 4.0f * sigmoidOf(2.0f));
  // Sum of final routed weights divided by the scaling factor.
  EXPECT_FLOAT_EQ(r.weights[2], (r.weights[0] + r.weights[1]) / 4.0f);
  EXPECT_NEAR(r.weights[2], 0.8807970780f + 0.7310585786f, 1e-6f);
}

TEST(GateTest, SharedLogitsGiveSigmoidWeights) {
  std::vector<float> logits = {0, 2, -1, 1, /*t1*/ 3, 0, 0, 0};
  std::vector<float> shared = {0.0f, kNan, /*t1*/ 2.0f, -kInf};
  GateOptions opts = options(2, Scoring::Softmax);
  opts.renormalize = true;
  opts.scalingFactor = 2.5f; // Routed weights only.
  opts.numSharedExperts = 2;
  GateResult r = gate(logits.data(), 2, 4, nullptr, opts, shared.data());
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 3, 4, 5, 0, 1, 4, 5}));
  EXPECT_NEAR(r.weights[0] + r.weights[1], 2.5f, 1e-6f);
  EXPECT_FLOAT_EQ(r.weights[2], 0.5f);
  EXPECT_EQ(r.weights[3], 0.0f); // A NaN logit counts as -inf.
  EXPECT_FLOAT_EQ(r.weights[6], sigmoidOf(2.0f));
  EXPECT_EQ(r.weights[7], 0.0f);
}

TEST(GateTest, UnitSharedWeight) {
  // Llama-4: top-1 sigmoid of the largest logit, shared expert weight 1.
  std::vector<float> logits = {-0.5f, 1.25f, 0.75f};
  GateOptions opts = options(1, Scoring::Sigmoid);
  opts.numSharedExperts = 1;
  opts.sharedWeight = SharedWeight::One;
  GateResult r = gate(logits.data(), 1, 3, nullptr, opts);
  EXPECT_EQ(r.ids, (std::vector<int32_t>{1, 3}));
  EXPECT_FLOAT_EQ(r.weights[0], sigmoidOf(1.25f));
  EXPECT_EQ(r.weights[1], 1.0f);
}

TEST(GateTest, SharedWeightOptionsThrow) {
  std::vector<float> logits = {0, 1}, shared = {0};
  GateOptions opts = options(1, Scoring::Sigmoid);
  expectInvalid(
      [&] { gate(logits.data(), 1, 2, nullptr, opts, shared.data()); },
      {"num_shared_experts >= 1"});
  opts.sharedWeight = SharedWeight::One;
  expectInvalid([&] { gate(logits.data(), 1, 2, nullptr, opts); },
                {"num_shared_experts >= 1"});
  opts.numSharedExperts = 1;
  expectInvalid(
      [&] { gate(logits.data(), 1, 2, nullptr, opts, shared.data()); },
      {"unit"});
}

TEST(GateTest, TokensAreIndependent) {
  std::vector<float> logits = {0, 1, 2, /*t1*/ 2, 1, 0};
  GateResult r =
      gate(logits.data(), 2, 3, nullptr, options(1, Scoring::Sigmoid));
  EXPECT_EQ(r.ids, (std::vector<int32_t>{2, 0}));
  EXPECT_FLOAT_EQ(r.weights[0], r.weights[1]);
}

TEST(GateTest, ZeroTokens) {
  GateResult r = gate(nullptr, 0, 4, nullptr, options(2, Scoring::Softmax));
  EXPECT_TRUE(r.ids.empty());
  EXPECT_TRUE(r.weights.empty());
}

TEST(GateTest, InvalidOptionsThrow) {
  std::vector<float> logits(8, 0.0f);
  auto run = [&](GateOptions opts) {
    return [&logits, opts] { gate(logits.data(), 1, 8, nullptr, opts); };
  };
  expectInvalid(run(options(9, Scoring::Softmax)), {"k (9)", "8"});
  expectInvalid(run(options(0, Scoring::Softmax)), {"k (0)"});
  GateOptions opts = options(2, Scoring::Softmax);
  opts.numGroups = 3;
  expectInvalid(run(opts), {"num_groups (3)", "E (8)"});
  opts.numGroups = 4;
  opts.topkGroups = 5;
  expectInvalid(run(opts), {"topk_groups (5)", "num_groups (4)"});
  opts.topkGroups = 1;
  opts.k = 3;
  expectInvalid(run(opts), {"k (3)", "(2)"});
  opts.k = 2;
  opts.scalingFactor = 0.0f;
  expectInvalid(run(opts), {"scaling_factor"});
  opts.scalingFactor = 1.0f;
  opts.numSharedExperts = -1;
  expectInvalid(run(opts), {"num_shared_experts (-1)"});
  expectInvalid(
      [] { gate(nullptr, 2, 4, nullptr, options(1, Scoring::Softmax)); },
      {"logits"});
}

/// Checks ids distinct/valid, selection order and weights of one token row.
void checkRow(const float *logits, int64_t E, const float *bias,
              const GateOptions &opts, const float *weights,
              const int32_t *ids) {
  std::vector<float> scores = gateScores(logits, E, opts.scoring);
  std::set<int32_t> seen;
  float routedSum = 0.0f;
  for (int64_t j = 0; j < opts.k; ++j) {
    ASSERT_GE(ids[j], 0);
    ASSERT_LT(ids[j], E);
    EXPECT_TRUE(seen.insert(ids[j]).second) << "duplicate id " << ids[j];
    routedSum += weights[j];
    EXPECT_GE(weights[j], 0.0f);
    if (j > 0) {
      float prev = scores[ids[j - 1]] + (bias ? bias[ids[j - 1]] : 0.0f);
      float cur = scores[ids[j]] + (bias ? bias[ids[j]] : 0.0f);
      EXPECT_TRUE(prev > cur || (prev == cur && ids[j - 1] < ids[j]));
    }
  }
  if (opts.renormalize) {
    EXPECT_NEAR(routedSum, opts.scalingFactor, 1e-4f * opts.scalingFactor);
  }
  for (int64_t s = 0; s < opts.numSharedExperts; ++s) {
    EXPECT_EQ(ids[opts.k + s], E + s);
    EXPECT_NEAR(weights[opts.k + s], routedSum / opts.scalingFactor, 1e-5f);
  }
}

/// Returns the groups that a row's selected experts must lie in, computed
/// independently of the implementation (sort groups by score, then index).
std::set<int64_t> keptGroups(const float *logits, int64_t E, const float *bias,
                             const GateOptions &opts) {
  std::vector<float> scores = gateScores(logits, E, opts.scoring);
  int64_t size = E / opts.numGroups;
  std::vector<std::pair<float, int64_t>> groups;
  for (int64_t g = 0; g < opts.numGroups; ++g) {
    std::vector<float> sel;
    for (int64_t e = g * size; e < (g + 1) * size; ++e)
      sel.push_back(scores[e] + (bias ? bias[e] : 0.0f));
    std::sort(sel.rbegin(), sel.rend());
    float score = opts.groupScore == GroupScore::Max || size == 1
                      ? sel[0]
                      : sel[0] + sel[1];
    groups.push_back({-score, g});
  }
  std::sort(groups.begin(), groups.end());
  std::set<int64_t> kept;
  for (int64_t i = 0; i < opts.topkGroups; ++i)
    kept.insert(groups[i].second);
  return kept;
}

void runConfig(const GateOptions &opts, int64_t E, bool withBias,
               unsigned seed) {
  std::mt19937 rng(seed);
  const int64_t T = 16, width = opts.k + opts.numSharedExperts;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> logits = randomFloats(rng, T * E, -4.0f, 4.0f);
    std::vector<float> bias = randomFloats(rng, E, -0.5f, 0.5f);
    const float *biasPtr = withBias ? bias.data() : nullptr;
    GateResult r = gate(logits.data(), T, E, biasPtr, opts);
    ASSERT_EQ(r.ids.size(), static_cast<size_t>(T * width));
    for (int64_t t = 0; t < T; ++t) {
      checkRow(logits.data() + t * E, E, biasPtr, opts,
               r.weights.data() + t * width, r.ids.data() + t * width);
      std::set<int64_t> kept =
          keptGroups(logits.data() + t * E, E, biasPtr, opts);
      for (int64_t j = 0; j < opts.k; ++j)
        EXPECT_TRUE(kept.count(r.ids[t * width + j] / (E / opts.numGroups)));
    }
  }
}

TEST(GateTest, PropertyRandomSoftmax) {
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 300; ++trial) {
    int64_t E = randomInt(rng, 1, 32);
    GateOptions opts = options(randomInt(rng, 1, E), Scoring::Softmax);
    opts.renormalize = trial % 2;
    opts.scalingFactor = trial % 3 ? 1.0f : 1.5f;
    opts.numSharedExperts = randomInt(rng, 0, 2);
    std::vector<float> logits = randomFloats(rng, 3 * E, -6.0f, 6.0f);
    GateResult r = gate(logits.data(), 3, E, nullptr, opts);
    int64_t width = opts.k + opts.numSharedExperts;
    for (int64_t t = 0; t < 3; ++t)
      checkRow(logits.data() + t * E, E, nullptr, opts,
               r.weights.data() + t * width, r.ids.data() + t * width);
  }
}

TEST(GateTest, PropertyRandomGroupedSigmoid) {
  std::mt19937 rng(99);
  for (int trial = 0; trial < 300; ++trial) {
    int64_t groups = randomInt(rng, 1, 8), size = randomInt(rng, 1, 6);
    int64_t E = groups * size;
    GateOptions opts = options(1, Scoring::Sigmoid);
    opts.numGroups = groups;
    opts.topkGroups = randomInt(rng, 1, groups);
    opts.k = randomInt(rng, 1, opts.topkGroups * size);
    opts.groupScore = trial % 2 ? GroupScore::Max : GroupScore::Top2Sum;
    opts.renormalize = trial % 3 == 0;
    std::vector<float> logits = randomFloats(rng, E, -4.0f, 4.0f);
    std::vector<float> bias = randomFloats(rng, E, -0.3f, 0.3f);
    GateResult r = gate(logits.data(), 1, E, bias.data(), opts);
    checkRow(logits.data(), E, bias.data(), opts, r.weights.data(),
             r.ids.data());
    std::set<int64_t> kept = keptGroups(logits.data(), E, bias.data(), opts);
    for (int64_t j = 0; j < opts.k; ++j)
      EXPECT_TRUE(kept.count(r.ids[j] / size));
  }
}

TEST(GateTest, DeepSeekV3Config) {
  GateOptions opts = options(8, Scoring::Sigmoid);
  opts.numGroups = 8;
  opts.topkGroups = 4;
  opts.groupScore = GroupScore::Top2Sum;
  opts.renormalize = true;
  opts.scalingFactor = 2.5f;
  opts.numSharedExperts = 1;
  runConfig(opts, 256, /*withBias=*/true, 2024);
}

TEST(GateTest, KimiK2Config) {
  GateOptions opts = options(8, Scoring::Sigmoid);
  opts.renormalize = true;
  opts.scalingFactor = 2.827f;
  opts.numSharedExperts = 1;
  runConfig(opts, 384, /*withBias=*/true, 2025);
}

TEST(GateTest, MixtralLikeSoftmaxConfig) {
  GateOptions opts = options(2, Scoring::Softmax);
  opts.renormalize = true;
  runConfig(opts, 8, /*withBias=*/false, 7);
}

} // namespace
