//===- QuantTest.cpp - Tests for int4 packing and dequantization ----------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "TestUtils.h"

#include <cstring>

using namespace moe::ref;
using namespace moe::ref::test;

namespace {

TEST(QuantTest, SchemeNames) {
  EXPECT_STREQ(quantSchemeName(QuantScheme::None), "none");
  EXPECT_STREQ(quantSchemeName(QuantScheme::Fp8Block), "fp8_block");
  EXPECT_STREQ(quantSchemeName(QuantScheme::Fp8Channel), "fp8_channel");
  EXPECT_STREQ(quantSchemeName(QuantScheme::Fp8Tensor), "fp8_tensor");
  EXPECT_STREQ(quantSchemeName(QuantScheme::W4A16), "w4a16");
  EXPECT_STREQ(quantSchemeName(QuantScheme::W4A16Zp), "w4a16_zp");
  EXPECT_STREQ(quantSchemeName(QuantScheme::W8A16), "w8a16");
  EXPECT_TRUE(hasGroups(QuantScheme::Fp8Block));
  EXPECT_FALSE(hasGroups(QuantScheme::W8A16));
  EXPECT_EQ(ceilDiv(200, 128), 2);
  EXPECT_EQ(ceilDiv(256, 128), 2);
  EXPECT_EQ(ceilDiv(0, 128), 0);
}

TEST(QuantTest, PackInt4LowNibbleFirst) {
  std::vector<uint8_t> values = {1, 2, 3, 4, 15, 0, 0, 15};
  std::vector<uint8_t> packed = packInt4(values.data(), 2, 4);
  EXPECT_EQ(packed, (std::vector<uint8_t>{0x21, 0x43, 0x0F, 0xF0}));
  EXPECT_EQ(unpackInt4(packed.data(), 2, 4), values);
}

TEST(QuantTest, PackInt4AsLittleEndianWords) {
  // Eight consecutive K elements in one little-endian i32, element i in
  // bits [4i, 4i + 4).
  std::vector<uint8_t> values = {0, 1, 2, 3, 4, 5, 6, 7};
  std::vector<uint8_t> packed = packInt4(values.data(), 1, 8);
  uint32_t word = 0;
  for (int i = 0; i < 4; ++i)
    word |= static_cast<uint32_t>(packed[i]) << (8 * i);
  EXPECT_EQ(word, 0x76543210u);
}

TEST(QuantTest, PackInt4RoundTripRandom) {
  std::mt19937 rng(5);
  std::vector<int32_t> ints = randomInts(rng, 6 * 96, 0, 15);
  std::vector<uint8_t> values(ints.begin(), ints.end());
  std::vector<uint8_t> packed = packInt4(values.data(), 6, 96);
  EXPECT_EQ(packed.size(), 6u * 48u);
  EXPECT_EQ(unpackInt4(packed.data(), 6, 96), values);
}

TEST(QuantTest, PackInt4Invalid) {
  std::vector<uint8_t> values = {1, 16};
  expectInvalid([&] { packInt4(values.data(), 1, 2); },
                {"pack_int4", "value (16) at element 1"});
  expectInvalid([&] { packInt4(values.data(), 1, 1); },
                {"pack_int4", "K (1) must be even"});
  expectInvalid([&] { unpackInt4(values.data(), 1, 3); },
                {"unpack_int4", "K (3) must be even"});
}

TEST(QuantTest, DequantizeW4A16Symmetric) {
  // One expert, N = 1, K = 4, groups of 2 with scales 0.5 and 2.
  std::vector<float> q = {0, 8, 15, 3};
  std::vector<float> scales = {0.5f, 2.0f};
  GemmQuantization quant;
  quant.scheme = QuantScheme::W4A16;
  quant.groupSize = 2;
  quant.wScale = scales.data();
  EXPECT_EQ(dequantizeWeights(quant, q.data(), 1, 1, 4),
            (std::vector<float>{-4, 0, 14, -10}));
}

TEST(QuantTest, DequantizeW4A16ZeroPoints) {
  std::vector<float> q = {0, 8, 15, 3};
  std::vector<float> scales = {0.5f, 2.0f};
  std::vector<float> zeros = {3, 15};
  GemmQuantization quant;
  quant.scheme = QuantScheme::W4A16Zp;
  quant.groupSize = 2;
  quant.wScale = scales.data();
  quant.wZero = zeros.data();
  EXPECT_EQ(dequantizeWeights(quant, q.data(), 1, 1, 4),
            (std::vector<float>{-1.5f, 2.5f, 0, -24}));
}

TEST(QuantTest, DequantizeRoundsToComputeType) {
  // (15 - 8) * 0.1f = 0.70000005 in f32; bf16 0x3F33 = 0.69921875, f16
  // 0x399A = 0.7001953125.
  std::vector<float> q = {15};
  std::vector<float> scales = {0.1f};
  GemmQuantization quant;
  quant.scheme = QuantScheme::W4A16;
  quant.groupSize = 32;
  quant.wScale = scales.data();
  EXPECT_EQ(dequantizeWeight(quant, q.data(), 1, 1, 1, 0, 0, 0), 0.69921875f);
  quant.computeType = DType::F16;
  EXPECT_EQ(dequantizeWeight(quant, q.data(), 1, 1, 1, 0, 0, 0), 0.7001953125f);
}

// The stream kernel dequantizes int4 weights with scales of a's type two at
// a time in 16-bit pairs (lib/Conversion/MoeToGPU/StreamGroupedMatmul.cpp,
// dequantizeInt4Word): the nibble or-ed into the mantissa of `magic` (bf16
// 128.0 = 0x4300, f16 1024.0 = 0x6400) gives magic + q; subtracting
// magic + zero and multiplying by the scale, each rounded to the 16-bit
// type, must give the semantics' value, (q - zero) * scale in f32 rounded
// once. Checked here for every q and i8 zero point against scales of
// every exponent of the type (subnormals and the largest included).
TEST(QuantTest, PackedInt4DequantizationIsTheF32Formula) {
  for (DType type : {DType::BF16, DType::F16}) {
    bool bf16 = type == DType::BF16;
    uint16_t magicBits = bf16 ? 0x4300 : 0x6400;
    float magic = bf16 ? 128.0f : 1024.0f;
    auto fromBits = [&](uint16_t bits) {
      return bf16 ? bf16BitsToFloat(bits) : f16BitsToFloat(bits);
    };
    std::vector<float> scales;
    // Every positive finite exponent, a few mantissas each, both signs.
    for (uint32_t bits = 1; bits < (bf16 ? 0x7F80u : 0x7C00u); bits += 37) {
      scales.push_back(fromBits(static_cast<uint16_t>(bits)));
      scales.push_back(-fromBits(static_cast<uint16_t>(bits)));
    }
    scales.push_back(fromBits(bf16 ? 0x7F7F : 0x7BFF)); // the largest
    for (int q = 0; q < 16; ++q) {
      float biased = fromBits(static_cast<uint16_t>(magicBits | q));
      ASSERT_EQ(biased, magic + q) << dtypeName(type);
      for (int zero = -128; zero <= 127; ++zero) {
        float offset = roundTo(type, static_cast<float>(zero) + magic);
        float centred = roundTo(type, biased - offset);
        ASSERT_EQ(centred, static_cast<float>(q - zero)) << dtypeName(type);
        for (float scale : scales) {
          float want = roundTo(type, static_cast<float>(q - zero) * scale);
          float packed = roundTo(type, centred * scale);
          ASSERT_EQ(std::memcmp(&want, &packed, sizeof(float)), 0)
              << dtypeName(type) << " q=" << q << " zero=" << zero
              << " scale=" << scale;
        }
      }
    }
  }
}

TEST(QuantTest, DequantizeW8A16PerChannel) {
  std::vector<float> q = {-128, 127, 1, -1}; // N = 2, K = 2.
  std::vector<float> scales = {0.25f, 4.0f};
  GemmQuantization quant;
  quant.scheme = QuantScheme::W8A16;
  quant.wScale = scales.data();
  EXPECT_EQ(dequantizeWeights(quant, q.data(), 1, 2, 2),
            (std::vector<float>{-32, 31.75f, 4, -4}));
}

TEST(QuantTest, DequantizeFp8Block) {
  // E = 1, N = 3, K = 3, blocks of 2: scale block (n / 2, k / 2).
  std::vector<float> q(9, 1.0f);
  std::vector<float> scales = {1, 2, 3, 4}; // [1, 2, 2]
  GemmQuantization quant;
  quant.scheme = QuantScheme::Fp8Block;
  quant.groupSize = 2;
  quant.wScale = scales.data();
  EXPECT_EQ(dequantizeWeights(quant, q.data(), 1, 3, 3),
            (std::vector<float>{1, 1, 2, 1, 1, 2, 3, 3, 4}));
}

TEST(QuantTest, DequantizeFp8ChannelAndTensor) {
  std::vector<float> q = {1, -2, 448, 0.5f}; // E = 2, N = 1, K = 2.
  std::vector<float> channel = {2, 0.5f};
  GemmQuantization quant;
  quant.scheme = QuantScheme::Fp8Channel;
  quant.wScale = channel.data();
  EXPECT_EQ(dequantizeWeights(quant, q.data(), 2, 1, 2),
            (std::vector<float>{2, -4, 224, 0.25f}));
  quant.scheme = QuantScheme::Fp8Tensor;
  EXPECT_EQ(dequantizeWeights(quant, q.data(), 2, 1, 2),
            (std::vector<float>{2, -4, 224, 0.25f}));
}

} // namespace
