//===- AlignTest.cpp - Tests for the reference moe_align_block_size -------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

TEST(AlignTest, PaddedSizeFormula) {
  EXPECT_EQ(alignPaddedSize(3, 2, 3, 4), 16);   // 6 + 9 = 15 -> 16.
  EXPECT_EQ(alignPaddedSize(1, 1, 1, 1), 1);    // No padding at block 1.
  EXPECT_EQ(alignPaddedSize(4, 2, 8, 16), 128); // 8 + 120 = 128.
  EXPECT_EQ(alignPaddedSize(0, 8, 4, 64), 256); // 0 + 252 -> 256.
  EXPECT_EQ(alignPaddedSize(5, 3, 0, 7), 21);   // 15 -> 21.
  EXPECT_EQ(alignPaddedSize(100, 8, 256, 1), 800);
}

TEST(AlignTest, PadsEachExpertToBlock) {
  // Flat ids: f0:0 f1:1 f2:1 f3:2 f4:0 f5:2.
  std::vector<int32_t> ids = {0, 1, 1, 2, 0, 2};
  AlignResult r = align(ids.data(), 3, 2, 3, 4, nullptr);
  const int32_t s = 6; // Sentinel T*k.
  EXPECT_EQ(r.sortedIds, (std::vector<int32_t>{0, 4, s, s, 1, 2, s, s, 3, 5, s,
                                               s, s, s, s, s}));
  EXPECT_EQ(r.expertIds, (std::vector<int32_t>{0, 1, 2, -1}));
  EXPECT_EQ(r.numTokensPostPad, 12);
}

TEST(AlignTest, ExactlyFullBlocksNeedNoPadding) {
  std::vector<int32_t> ids = {1, 0, 0, 1};
  AlignResult r = align(ids.data(), 2, 2, 2, 2, nullptr);
  EXPECT_EQ(r.numTokensPostPad, 4);
  EXPECT_EQ(r.sortedIds, (std::vector<int32_t>{1, 2, 0, 3, 4, 4}));
  EXPECT_EQ(r.expertIds, (std::vector<int32_t>{0, 1, -1}));
}

TEST(AlignTest, EmptyExpertsTakeNoBlocks) {
  std::vector<int32_t> ids = {3, 0, 3};
  AlignResult r = align(ids.data(), 3, 1, 4, 2, nullptr);
  const int32_t s = 3;
  // P = 3 + 4 = 7 -> 8.
  EXPECT_EQ(r.sortedIds, (std::vector<int32_t>{1, s, 0, 2, s, s, s, s}));
  EXPECT_EQ(r.expertIds, (std::vector<int32_t>{0, 3, -1, -1}));
  EXPECT_EQ(r.numTokensPostPad, 4);
}

TEST(AlignTest, ExpertMapTranslatesBlocks) {
  std::vector<int32_t> ids = {0, 1, 2, 3};
  std::vector<int32_t> map = {-1, 0, -1, 1};
  AlignResult r = align(ids.data(), 2, 2, 4, 1, map.data());
  EXPECT_EQ(r.sortedIds, (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(r.expertIds, (std::vector<int32_t>{-1, 0, -1, 1}));
  EXPECT_EQ(r.numTokensPostPad, 4);
}

TEST(AlignTest, OutOfRangeIdsAreDropped) {
  std::vector<int32_t> ids = {-1, 1, 5, 1, 2, 0};
  AlignResult r = align(ids.data(), 3, 2, 3, 2, nullptr);
  const int32_t s = 6;
  // P = 6 + 3 = 9 -> 10.
  EXPECT_EQ(r.sortedIds, (std::vector<int32_t>{5, s, 1, 3, 4, s, s, s, s, s}));
  EXPECT_EQ(r.expertIds, (std::vector<int32_t>{0, 1, 2, -1, -1}));
  EXPECT_EQ(r.numTokensPostPad, 6);
}

TEST(AlignTest, BlockOfOneIsASort) {
  std::vector<int32_t> ids = {2, 0, 1, 0};
  AlignResult r = align(ids.data(), 4, 1, 3, 1, nullptr);
  EXPECT_EQ(r.sortedIds, (std::vector<int32_t>{1, 3, 2, 0}));
  EXPECT_EQ(r.expertIds, (std::vector<int32_t>{0, 0, 1, 2}));
  EXPECT_EQ(r.numTokensPostPad, 4);
}

TEST(AlignTest, ZeroTokens) {
  AlignResult r = align(nullptr, 0, 2, 2, 4, nullptr);
  EXPECT_EQ(r.sortedIds, std::vector<int32_t>(8, 0));
  EXPECT_EQ(r.expertIds, (std::vector<int32_t>{-1, -1}));
  EXPECT_EQ(r.numTokensPostPad, 0);
}

TEST(AlignTest, InvalidArgumentsThrow) {
  std::vector<int32_t> ids = {0, 1};
  expectInvalid([&] { align(ids.data(), 1, 2, 2, 0, nullptr); },
                {"block_m (0)"});
  expectInvalid([&] { align(ids.data(), 1, 0, 2, 4, nullptr); }, {"k (0)"});
  expectInvalid([&] { align(ids.data(), -1, 2, 2, 4, nullptr); }, {"T (-1)"});
  expectInvalid([&] { alignPaddedSize(1 << 20, 1 << 12, 8, 4); },
                {"does not fit in i32"});
}

TEST(AlignTest, PropertyEveryIndexOnceAndPadded) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 300; ++trial) {
    int64_t T = randomInt(rng, 0, 40), k = randomInt(rng, 1, 4);
    int64_t numExperts = randomInt(rng, 1, 12), blockM = randomInt(rng, 1, 8);
    // Include some out-of-range ids.
    std::vector<int32_t> ids =
        randomInts(rng, T * k, -1, static_cast<int32_t>(numExperts));
    std::vector<int32_t> map = randomInts(rng, numExperts, -1, 3);
    bool useMap = trial % 2;
    AlignResult r = align(ids.data(), T, k, numExperts, blockM,
                          useMap ? map.data() : nullptr);
    const int64_t P = alignPaddedSize(T, k, numExperts, blockM);
    ASSERT_EQ(static_cast<int64_t>(r.sortedIds.size()), P);
    ASSERT_EQ(static_cast<int64_t>(r.expertIds.size()), P / blockM);
    ASSERT_EQ(r.numTokensPostPad % blockM, 0);
    ASSERT_LE(r.numTokensPostPad, P);

    const int32_t sentinel = static_cast<int32_t>(T * k);
    std::vector<int> seen(T * k, 0);
    std::vector<int64_t> perExpertCount(numExperts, 0);
    int64_t expectedTotal = 0;
    for (int32_t id : ids)
      if (id >= 0 && id < numExperts)
        ++perExpertCount[id];
    for (int64_t count : perExpertCount)
      expectedTotal += (count + blockM - 1) / blockM * blockM;
    EXPECT_EQ(r.numTokensPostPad, expectedTotal);

    int64_t lastExpert = -1;
    for (int64_t b = 0; b < P / blockM; ++b) {
      int64_t blockExpert = -1;
      for (int64_t i = b * blockM; i < (b + 1) * blockM; ++i) {
        int32_t f = r.sortedIds[i];
        if (i >= r.numTokensPostPad) {
          EXPECT_EQ(f, sentinel);
          continue;
        }
        if (f == sentinel)
          continue;
        ASSERT_GE(f, 0);
        ASSERT_LT(f, sentinel);
        ++seen[f];
        if (blockExpert < 0)
          blockExpert = ids[f];
        EXPECT_EQ(ids[f], blockExpert) << "block mixes experts";
        if (i > b * blockM && r.sortedIds[i - 1] != sentinel) {
          EXPECT_LT(r.sortedIds[i - 1], f) << "not stable";
        }
      }
      if (b * blockM >= r.numTokensPostPad) {
        EXPECT_EQ(r.expertIds[b], -1);
        continue;
      }
      ASSERT_GE(blockExpert, 0) << "padded block without entries";
      EXPECT_GT(blockExpert, lastExpert - 1);
      lastExpert = blockExpert;
      EXPECT_EQ(r.expertIds[b], useMap ? map[blockExpert] : blockExpert);
    }
    for (int64_t f = 0; f < T * k; ++f)
      EXPECT_EQ(seen[f], ids[f] >= 0 && ids[f] < numExperts ? 1 : 0);
  }
}

} // namespace
