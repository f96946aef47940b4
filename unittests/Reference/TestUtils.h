//===- TestUtils.h - Helpers for the reference unit tests -------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_UNITTESTS_REFERENCE_TESTUTILS_H
#define MOE_UNITTESTS_REFERENCE_TESTUTILS_H

#include "moe/Reference/Reference.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace moe {
namespace ref {
namespace test {

/// Returns \p n floats drawn uniformly from [lo, hi).
inline std::vector<float> randomFloats(std::mt19937 &rng, int64_t n, float lo,
                                       float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> values(n);
  for (float &value : values)
    value = dist(rng);
  return values;
}

/// Returns \p n integers drawn uniformly from [lo, hi].
inline std::vector<int32_t> randomInts(std::mt19937 &rng, int64_t n, int32_t lo,
                                       int32_t hi) {
  std::uniform_int_distribution<int32_t> dist(lo, hi);
  std::vector<int32_t> values(n);
  for (int32_t &value : values)
    value = dist(rng);
  return values;
}

/// Returns an integer drawn uniformly from [lo, hi].
inline int64_t randomInt(std::mt19937 &rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

/// Returns \p n distinct ints from [0, range) in random order.
inline std::vector<int32_t> randomDistinct(std::mt19937 &rng, int64_t n,
                                           int32_t range) {
  std::vector<int32_t> all(range);
  for (int32_t i = 0; i < range; ++i)
    all[i] = i;
  std::shuffle(all.begin(), all.end(), rng);
  all.resize(n);
  return all;
}

/// Plain matmul: out[m, n] = sum_k a[m, k] * w[n, k] for a [M, K], w [N, K].
inline std::vector<float> plainLinear(const float *a, int64_t M, int64_t K,
                                      const float *w, int64_t N) {
  std::vector<float> out(M * N, 0.0f);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      float sum = 0.0f;
      for (int64_t k = 0; k < K; ++k)
        sum += a[m * K + k] * w[n * K + k];
      out[m * N + n] = sum;
    }
  return out;
}

/// Expects equal sizes and element-wise |a - b| <= tol * max(1, |b|).
inline void expectAllNear(const std::vector<float> &actual,
                          const std::vector<float> &expected, float tol) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i],
                tol * std::max(1.0f, std::fabs(expected[i])))
        << "at index " << i;
}

/// Expects \p fn to throw std::invalid_argument whose message contains
/// every string of \p needles.
inline void expectInvalid(const std::function<void()> &fn,
                          const std::vector<std::string> &needles) {
  try {
    fn();
  } catch (const std::invalid_argument &error) {
    std::string message = error.what();
    for (const std::string &needle : needles)
      EXPECT_NE(message.find(needle), std::string::npos)
          << "'" << needle << "' not in '" << message << "'";
    return;
  }
  ADD_FAILURE() << "expected std::invalid_argument";
}

} // namespace test
} // namespace ref
} // namespace moe

#endif // MOE_UNITTESTS_REFERENCE_TESTUTILS_H
