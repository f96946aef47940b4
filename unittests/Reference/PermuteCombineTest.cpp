//===- PermuteCombineTest.cpp - Tests for reference permute/combine -------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

// x [3, 2]: row t is {10t + 1, 10t + 2}.
const std::vector<float> kX = {1, 2, 11, 12, 21, 22};

TEST(PermuteTest, GroupsRowsByExpertStably) {
  // Flat ids: f0:1 f1:0 f2:0 f3:2 f4:1 f5:1.
  std::vector<int32_t> ids = {1, 0, 0, 2, 1, 1};
  PermuteResult r = permute(kX.data(), 3, 2, ids.data(), 2, 3, nullptr);
  EXPECT_EQ(r.srcIndex, (std::vector<int32_t>{1, 2, 0, 4, 5, 3}));
  EXPECT_EQ(r.offsets, (std::vector<int32_t>{0, 2, 5, 6}));
  EXPECT_EQ(r.rows,
            (std::vector<float>{1, 2, 11, 12, 1, 2, 21, 22, 21, 22, 11, 12}));
  EXPECT_TRUE(r.rowWeights.empty());
}

TEST(PermuteTest, PermutesWeights) {
  std::vector<int32_t> ids = {1, 0, 0, 2, 1, 1};
  std::vector<float> weights = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
  PermuteResult r = permute(kX.data(), 3, 2, ids.data(), 2, 3, weights.data());
  EXPECT_EQ(r.rowWeights,
            (std::vector<float>{0.2f, 0.3f, 0.1f, 0.5f, 0.6f, 0.4f}));
}

TEST(PermuteTest, EmptyExpertsShareOffsets) {
  std::vector<int32_t> ids = {3, 0, 3};
  PermuteResult r = permute(kX.data(), 3, 2, ids.data(), 1, 5, nullptr);
  EXPECT_EQ(r.offsets, (std::vector<int32_t>{0, 1, 1, 1, 3, 3}));
  EXPECT_EQ(r.srcIndex, (std::vector<int32_t>{1, 0, 2}));
  EXPECT_EQ(r.rows, (std::vector<float>{11, 12, 1, 2, 21, 22}));
}

TEST(PermuteTest, OutOfRangeIdsGiveTrailingZeroRows) {
  std::vector<int32_t> ids = {1, -1, 7, 0, 1, 3};
  std::vector<float> weights = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
  PermuteResult r = permute(kX.data(), 3, 2, ids.data(), 2, 2, weights.data());
  EXPECT_EQ(r.offsets, (std::vector<int32_t>{0, 1, 3}));
  EXPECT_EQ(r.srcIndex, (std::vector<int32_t>{3, 0, 4, -1, -1, -1}));
  EXPECT_EQ(r.rows,
            (std::vector<float>{11, 12, 1, 2, 21, 22, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(r.rowWeights,
            (std::vector<float>{0.4f, 0.1f, 0.5f, 0.0f, 0.0f, 0.0f}));
}

TEST(PermuteTest, SlotRowsInvertSrcIndex) {
  // Flat ids: f0:1 f1:0 f2:0 f3:2 f4:1 f5:1 -> src_index {1, 2, 0, 4, 5, 3}.
  std::vector<int32_t> ids = {1, 0, 0, 2, 1, 1};
  PermuteResult r = permute(kX.data(), 3, 2, ids.data(), 2, 3, nullptr);
  EXPECT_EQ(r.slotRows, (std::vector<int32_t>{2, 0, 1, 5, 3, 4}));
  for (int32_t row = 0; row < 6; ++row)
    EXPECT_EQ(r.slotRows[r.srcIndex[row]], row);
}

TEST(PermuteTest, SlotRowsOfDroppedSlotsAreMinusOne) {
  std::vector<int32_t> ids = {1, -1, 7, 0, 1, 3};
  PermuteResult r = permute(kX.data(), 3, 2, ids.data(), 2, 2, nullptr);
  // src_index {3, 0, 4, -1, -1, -1}: slots 1, 2 and 5 have no row.
  EXPECT_EQ(r.slotRows, (std::vector<int32_t>{1, -1, -1, 0, 2, -1}));
}

TEST(PermuteTest, InvalidArgumentsThrow) {
  std::vector<int32_t> ids = {0};
  expectInvalid([&] { permute(kX.data(), 1, 2, ids.data(), 0, 2, nullptr); },
                {"k (0)"});
  expectInvalid([&] { permute(nullptr, 1, 2, ids.data(), 1, 2, nullptr); },
                {"x"});
  expectInvalid([&] { permute(kX.data(), 1, 2, ids.data(), 1, -3, nullptr); },
                {"num_experts (-3)"});
}

TEST(PermuteTest, ScaleRowsRoundsProductsToTheRowType) {
  // Two tokens, k = 1; row values and weights whose products need rounding.
  std::vector<float> x = {1.0f, 3.0f, 0.5f, -2.0f};
  std::vector<int32_t> ids = {1, 0};
  std::vector<float> weights = {0.3f, 0.7f};
  PermuteResult r = permute(x.data(), 2, 2, ids.data(), 1, 2, weights.data(),
                            /*scaleRows=*/true, DType::BF16);
  // Row 0 is token 1 (expert 0), row 1 token 0 (expert 1).
  EXPECT_EQ(r.rows[0], roundTo(DType::BF16, 0.5f * 0.7f));
  EXPECT_EQ(r.rows[1], roundTo(DType::BF16, -2.0f * 0.7f));
  EXPECT_EQ(r.rows[2], roundTo(DType::BF16, 1.0f * 0.3f));
  EXPECT_EQ(r.rows[3], roundTo(DType::BF16, 3.0f * 0.3f));
  EXPECT_EQ(r.rowWeights, (std::vector<float>{0.7f, 0.3f}));
  expectInvalid(
      [&] { permute(x.data(), 2, 2, ids.data(), 1, 2, nullptr, true); },
      {"scale_rows"});
}

TEST(CombineTest, WeightedSumInSlotOrder) {
  // T = 2, k = 2, H = 2; rows in permuted order.
  std::vector<float> y = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<int32_t> src = {2, 0, 3, 1}; // Row r holds flat src[r].
  std::vector<float> w = {0.5f, 2.0f, 1.0f, -1.0f};
  std::vector<float> out = combine(y.data(), 4, 2, src.data(), 2, 2, w.data());
  // t0 = 0.5*row1 + 2*row3 = {1.5+14, 2+16}; t1 = 1*row0 - 1*row2.
  EXPECT_EQ(out, (std::vector<float>{15.5f, 18.0f, -4.0f, -4.0f}));
}

TEST(CombineTest, UnitWeightsWhenAbsent) {
  std::vector<float> y = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<int32_t> src = {2, 0, 3, 1};
  std::vector<float> out = combine(y.data(), 4, 2, src.data(), 2, 2, nullptr);
  EXPECT_EQ(out, (std::vector<float>{10, 12, 6, 8}));
}

TEST(CombineTest, MissingDuplicateAndInvalidSources) {
  std::vector<float> y = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  // Flat 0 appears twice (first wins), flat 2 and 3 are absent, -1 and 9 are
  // ignored.
  std::vector<int32_t> src = {-1, 0, 1, 0, 9};
  std::vector<float> w = {1.0f, 10.0f, 100.0f, 1000.0f};
  std::vector<float> out = combine(y.data(), 5, 2, src.data(), 2, 2, w.data());
  EXPECT_EQ(out, (std::vector<float>{3 + 50, 4 + 60, 0, 0}));
}

TEST(CombineTest, RoundsToBf16) {
  std::vector<float> y = {1.0f, 1.0f};
  std::vector<int32_t> src = {0, 1};
  std::vector<float> w = {1.0f, 1.0f / 256.0f};
  // 1 + 2^-8 is a tie between bf16 1 and 1 + 2^-7: rounds to even (1).
  std::vector<float> out =
      combine(y.data(), 2, 1, src.data(), 1, 2, w.data(), DType::BF16);
  EXPECT_EQ(out, (std::vector<float>{1.0f}));
  w[1] = 3.0f / 256.0f; // 1 + 3*2^-8 is a tie too: to even 1 + 2^-6.
  out = combine(y.data(), 2, 1, src.data(), 1, 2, w.data(), DType::BF16);
  EXPECT_EQ(out, (std::vector<float>{1.015625f}));
}

TEST(CombineTest, SlotRowsGiveEachSlotsRow) {
  // The WeightedSumInSlotOrder case through slot_rows, the inverse of
  // src_index {2, 0, 3, 1}.
  std::vector<float> y = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<int32_t> slotRows = {1, 3, 0, 2};
  std::vector<float> w = {0.5f, 2.0f, 1.0f, -1.0f};
  std::vector<float> out =
      combineSlotRows(y.data(), 4, 2, slotRows.data(), 2, 2, w.data());
  EXPECT_EQ(out, (std::vector<float>{15.5f, 18.0f, -4.0f, -4.0f}));
  out = combineSlotRows(y.data(), 4, 2, slotRows.data(), 2, 2, nullptr);
  EXPECT_EQ(out, (std::vector<float>{10, 12, 6, 8}));
}

TEST(CombineTest, SlotRowsOutOfRangeGiveNoTerm) {
  std::vector<float> y = {1, 2, 3, 4, 5, 6};
  // Slot 0 has row 2; -1, 3 (= R) and a large value give no term.
  std::vector<int32_t> slotRows = {2, -1, 3, 1 << 30};
  std::vector<float> w = {1.0f, 10.0f, 100.0f, 1000.0f};
  std::vector<float> out =
      combineSlotRows(y.data(), 3, 2, slotRows.data(), 2, 2, w.data());
  EXPECT_EQ(out, (std::vector<float>{5, 6, 0, 0}));
  expectInvalid(
      [&] { combineSlotRows(y.data(), 3, 2, nullptr, 2, 2, w.data()); },
      {"slot_rows"});
  expectInvalid(
      [&] { combineSlotRows(y.data(), 3, 2, slotRows.data(), 2, 0, nullptr); },
      {"k (0)"});
}

TEST(PermuteCombineTest, PropertySlotRowsMatchSrcIndex) {
  // combine through the permutation's slot_rows is combine through its
  // src_index, bit for bit, out-of-range ids included.
  std::mt19937 rng(9);
  for (int trial = 0; trial < 300; ++trial) {
    int64_t T = randomInt(rng, 0, 12), H = randomInt(rng, 1, 5);
    int64_t numExperts = randomInt(rng, 1, 8), k = randomInt(rng, 1, 4);
    std::vector<float> x = randomFloats(rng, T * H, -2.0f, 2.0f);
    std::vector<float> w = randomFloats(rng, T * k, 0.0f, 1.0f);
    // Ids in [-1, numExperts]: some slots dropped.
    std::vector<int32_t> ids =
        randomInts(rng, T * k, -1, static_cast<int32_t>(numExperts));
    PermuteResult p =
        permute(x.data(), T, H, ids.data(), k, numExperts, nullptr);
    ASSERT_EQ(static_cast<int64_t>(p.slotRows.size()), T * k);
    for (int64_t f = 0; f < T * k; ++f) {
      bool kept = ids[f] >= 0 && ids[f] < numExperts;
      if (kept)
        EXPECT_EQ(p.srcIndex[p.slotRows[f]], f);
      else
        EXPECT_EQ(p.slotRows[f], -1);
    }
    EXPECT_EQ(combineSlotRows(p.rows.data(), T * k, H, p.slotRows.data(), T, k,
                              w.data(), DType::BF16),
              combine(p.rows.data(), T * k, H, p.srcIndex.data(), T, k,
                      w.data(), DType::BF16));
  }
}

TEST(PermuteCombineTest, PropertyUnitWeightsGiveKTimesInput) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    int64_t T = randomInt(rng, 0, 12), H = randomInt(rng, 1, 5);
    int64_t numExperts = randomInt(rng, 1, 8);
    int64_t k = randomInt(rng, 1, std::min<int64_t>(4, numExperts));
    std::vector<float> x = randomFloats(rng, T * H, -2.0f, 2.0f);
    std::vector<int32_t> ids;
    for (int64_t t = 0; t < T; ++t)
      for (int32_t id :
           randomDistinct(rng, k, static_cast<int32_t>(numExperts)))
        ids.push_back(id);
    PermuteResult p =
        permute(x.data(), T, H, ids.data(), k, numExperts, nullptr);
    ASSERT_EQ(p.offsets.back(), T * k);
    for (int64_t e = 0; e < numExperts; ++e)
      for (int32_t r = p.offsets[e]; r < p.offsets[e + 1]; ++r) {
        EXPECT_EQ(ids[p.srcIndex[r]], e);
        if (r > p.offsets[e]) {
          EXPECT_LT(p.srcIndex[r - 1], p.srcIndex[r]);
        }
      }
    std::vector<float> out =
        combine(p.rows.data(), T * k, H, p.srcIndex.data(), T, k, nullptr);
    std::vector<float> expected(x);
    for (float &v : expected) {
      float sum = 0.0f;
      for (int64_t j = 0; j < k; ++j)
        sum += v;
      v = sum;
    }
    EXPECT_EQ(out, expected);
  }
}

TEST(PermuteCombineTest, PropertyWeightedRoundTrip) {
  std::mt19937 rng(8);
  for (int trial = 0; trial < 300; ++trial) {
    int64_t T = randomInt(rng, 1, 10), H = randomInt(rng, 1, 4);
    int64_t numExperts = randomInt(rng, 2, 6), k = 2;
    std::vector<float> x = randomFloats(rng, T * H, -2.0f, 2.0f);
    std::vector<float> w = randomFloats(rng, T * k, 0.0f, 1.0f);
    std::vector<int32_t> ids;
    for (int64_t t = 0; t < T; ++t)
      for (int32_t id :
           randomDistinct(rng, k, static_cast<int32_t>(numExperts)))
        ids.push_back(id);
    PermuteResult p =
        permute(x.data(), T, H, ids.data(), k, numExperts, w.data());
    // Scaling the rows by their row weights, then an unweighted combine, is
    // the same as a weighted combine.
    std::vector<float> scaled = p.rows;
    for (int64_t r = 0; r < T * k; ++r)
      for (int64_t h = 0; h < H; ++h)
        scaled[r * H + h] *= p.rowWeights[r];
    std::vector<float> viaScale =
        combine(scaled.data(), T * k, H, p.srcIndex.data(), T, k, nullptr);
    std::vector<float> viaWeights =
        combine(p.rows.data(), T * k, H, p.srcIndex.data(), T, k, w.data());
    EXPECT_EQ(viaScale, viaWeights);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t h = 0; h < H; ++h)
        EXPECT_FLOAT_EQ(viaWeights[t * H + h],
                        w[t * k] * x[t * H + h] + w[t * k + 1] * x[t * H + h]);
  }
}

} // namespace
