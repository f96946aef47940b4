//===- Gate.cpp - Reference router ----------------------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The gate (router) op: scoring, group-limited top-k selection, weight
// renormalization/scaling and shared-expert slots, one token row at a time.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "moe/Reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace moe {
namespace ref {

namespace {

constexpr const char *kOp = "gate";
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

float nanToNegInf(float value) { return std::isnan(value) ? kNegInf : value; }

void validateGate(const float *logits, int64_t T, int64_t E,
                  const GateOptions &options, const float *sharedLogits) {
  using namespace detail;
  requireNonNegative(kOp, "T", T);
  requirePositive(kOp, "E", E);
  requirePositive(kOp, "k", options.k);
  requirePositive(kOp, "num_groups", options.numGroups);
  requireNonNegative(kOp, "num_shared_experts", options.numSharedExperts);
  if (E % options.numGroups != 0)
    fail(kOp, named("num_groups", options.numGroups) + " does not divide " +
                  named("E", E));
  if (options.topkGroups < 1 || options.topkGroups > options.numGroups)
    fail(kOp, named("topk_groups", options.topkGroups) + " must be in [1, " +
                  named("num_groups", options.numGroups) + "]");
  int64_t eligible = options.topkGroups * (E / options.numGroups);
  if (options.k > eligible)
    fail(kOp, named("k", options.k) +
                  " must be <= topk_groups * E / num_groups (" +
                  std::to_string(eligible) + ")");
  if (!(options.scalingFactor > 0.0f) || std::isinf(options.scalingFactor))
    fail(kOp, "scaling_factor (" + std::to_string(options.scalingFactor) +
                  ") must be finite and > 0");
  requireInt32(kOp, "E + num_shared_experts", E + options.numSharedExperts);
  requireData(kOp, "logits", logits, checkedMul(kOp, "T * E", T, E));
  bool unitShared = options.sharedWeight == SharedWeight::One;
  if ((sharedLogits || unitShared) && options.numSharedExperts < 1)
    fail(kOp, "shared logits and a unit shared weight need "
              "num_shared_experts >= 1");
  if (sharedLogits && unitShared)
    fail(kOp, "shared logits give the shared weights: not with a unit one");
  if (sharedLogits)
    requireData(kOp, "shared_logits", sharedLogits,
                checkedMul(kOp, "T * S", T, options.numSharedExperts));
  checkedMul(kOp, "T * (k + num_shared_experts)", T,
             options.k + options.numSharedExperts);
}

std::vector<float> softmaxScores(const float *row, int64_t E) {
  std::vector<float> scores(E, 0.0f);
  float maxLogit = kNegInf;
  for (int64_t e = 0; e < E; ++e)
    maxLogit = std::max(maxLogit, nanToNegInf(row[e]));
  if (maxLogit == kNegInf)
    return scores;
  float sum = 0.0f;
  for (int64_t e = 0; e < E; ++e) {
    float logit = nanToNegInf(row[e]);
    scores[e] = logit == maxLogit ? 1.0f : std::exp(logit - maxLogit);
    sum += scores[e];
  }
  for (float &score : scores)
    score /= sum;
  return scores;
}

/// sigmoid(v) in f32 with NaN as -inf (so 0).
float sigmoidScore(float value) {
  return 1.0f / (1.0f + std::exp(-nanToNegInf(value)));
}

std::vector<float> sigmoidScores(const float *row, int64_t E) {
  std::vector<float> scores(E);
  for (int64_t e = 0; e < E; ++e)
    scores[e] = sigmoidScore(row[e]);
  return scores;
}

/// Returns the indices of the \p count largest \p values (which must not be
/// NaN) in descending order, ties broken by lower index, considering only the
/// indices for which \p eligible is true.
std::vector<int64_t> topIndices(const std::vector<float> &values,
                                const std::vector<bool> &eligible,
                                int64_t count) {
  std::vector<int64_t> order;
  for (int64_t i = 0; i < static_cast<int64_t>(values.size()); ++i)
    if (eligible[i])
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return values[a] > values[b]; });
  order.resize(std::min<int64_t>(count, order.size()));
  return order;
}

/// Score of one group of selection scores (NaN-free input).
float groupScore(const float *selection, int64_t size, GroupScore rule) {
  float best = kNegInf, second = kNegInf;
  for (int64_t i = 0; i < size; ++i) {
    float value = selection[i];
    if (value > best) {
      second = best;
      best = value;
    } else if (value > second) {
      second = value;
    }
  }
  if (rule == GroupScore::Max || size == 1)
    return best;
  return nanToNegInf(best + second); // +inf + -inf ranks as -inf.
}

/// Marks the experts of the kept groups as eligible.
std::vector<bool> eligibleExperts(const std::vector<float> &selection,
                                  const GateOptions &options) {
  int64_t E = static_cast<int64_t>(selection.size());
  int64_t groupSize = E / options.numGroups;
  if (options.numGroups == 1)
    return std::vector<bool>(E, true);
  std::vector<float> groupScores(options.numGroups);
  for (int64_t g = 0; g < options.numGroups; ++g)
    groupScores[g] = groupScore(selection.data() + g * groupSize, groupSize,
                                options.groupScore);
  std::vector<int64_t> kept =
      topIndices(groupScores, std::vector<bool>(options.numGroups, true),
                 options.topkGroups);
  std::vector<bool> eligible(E, false);
  for (int64_t g : kept)
    std::fill(eligible.begin() + g * groupSize,
              eligible.begin() + (g + 1) * groupSize, true);
  return eligible;
}

/// Routes one token: writes k + S weights and ids. \p sharedLogitsRow is
/// the token's [S] shared-gate logits, or null.
void routeRow(const float *logitsRow, int64_t E, const float *bias,
              const GateOptions &options, const float *sharedLogitsRow,
              float *weights, int32_t *ids) {
  std::vector<float> scores = gateScores(logitsRow, E, options.scoring);
  std::vector<float> selection(E);
  for (int64_t e = 0; e < E; ++e)
    selection[e] = nanToNegInf(scores[e] + (bias ? bias[e] : 0.0f));

  std::vector<int64_t> chosen =
      topIndices(selection, eligibleExperts(selection, options), options.k);

  const int64_t k = options.k;
  for (int64_t j = 0; j < k; ++j) {
    float score = scores[chosen[j]];
    ids[j] = static_cast<int32_t>(chosen[j]);
    weights[j] = std::isnan(score) ? 0.0f : score;
  }
  if (options.renormalize) {
    float sum = 0.0f;
    for (int64_t j = 0; j < k; ++j)
      sum += weights[j];
    for (int64_t j = 0; j < k; ++j)
      weights[j] = sum > 0.0f ? weights[j] / sum : 0.0f;
  }
  float routedSum = 0.0f;
  for (int64_t j = 0; j < k; ++j) {
    weights[j] *= options.scalingFactor;
    routedSum += weights[j];
  }
  for (int64_t s = 0; s < options.numSharedExperts; ++s) {
    ids[k + s] = static_cast<int32_t>(E + s);
    if (sharedLogitsRow)
      weights[k + s] = sigmoidScore(sharedLogitsRow[s]);
    else if (options.sharedWeight == SharedWeight::One)
      weights[k + s] = 1.0f;
    else
      weights[k + s] = routedSum / options.scalingFactor;
  }
}

} // namespace

std::vector<float> gateScores(const float *logitsRow, int64_t E,
                              Scoring scoring) {
  detail::requireNonNegative(kOp, "E", E);
  detail::requireData(kOp, "logits", logitsRow, E);
  return scoring == Scoring::Softmax ? softmaxScores(logitsRow, E)
                                     : sigmoidScores(logitsRow, E);
}

GateResult gate(const float *logits, int64_t T, int64_t E,
                const float *biasOrNull, const GateOptions &options,
                const float *sharedLogitsOrNull) {
  validateGate(logits, T, E, options, sharedLogitsOrNull);
  const int64_t S = options.numSharedExperts;
  const int64_t width = options.k + options.numSharedExperts;
  GateResult result;
  result.weights.assign(T * width, 0.0f);
  result.ids.assign(T * width, 0);
  for (int64_t t = 0; t < T; ++t)
    routeRow(logits + t * E, E, biasOrNull, options,
             sharedLogitsOrNull ? sharedLogitsOrNull + t * S : nullptr,
             result.weights.data() + t * width, result.ids.data() + t * width);
  return result;
}

} // namespace ref
} // namespace moe
