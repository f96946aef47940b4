//===- Quant.h - Reference quantization: fp8 e4m3, int4/int8 ----*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The quantized number formats of docs/Semantics.md ("Quantized experts"):
// f8E4M3FN encoding and decoding (bit exact, round to nearest even,
// saturating), the run-time quantization of activations (per token group or
// with a static scale), int4 packing, and the dequantization of each weight
// scheme. The grouped GEMM and the fused layer take the quantized operands
// through GroupedMatmulArgs::quant and FusedMoeArgs::quant (Reference.h).
//
// As everywhere in the reference, quantized values are passed widened to
// f32: an f8E4M3FN element as the value it encodes (exact), an int4 or int8
// element as its integer value. Helpers convert from and to the bytes the
// device holds (floatToE4m3Bits, e4m3BitsToFloat, packInt4, unpackInt4).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_REFERENCE_QUANT_H
#define MOE_REFERENCE_QUANT_H

#include "moe/Reference/DType.h"

#include <cstdint>
#include <vector>

namespace moe {
namespace ref {

//===----------------------------------------------------------------------===//
// f8E4M3FN
//===----------------------------------------------------------------------===//

/// The largest finite f8E4M3FN value (0x7E: 1.75 * 2^8).
constexpr float kE4m3Max = 448.0f;

/// The bit pattern of the canonical f8E4M3FN NaN that encoding a NaN gives
/// (what PTX `cvt.rn.satfinite.e4m3x2.f32` produces). 0xFF is NaN too.
constexpr uint8_t kE4m3NaN = 0x7F;

/// Encodes \p value as f8E4M3FN (1 sign, 4 exponent bits with bias 7, 3
/// mantissa bits, no infinities): round to nearest, ties to even, with
/// subnormals (down to 2^-9); magnitudes above 448, infinities included,
/// saturate to +-448; a NaN gives kE4m3NaN; the sign of a zero (and of a
/// value that rounds to zero) is kept.
uint8_t floatToE4m3Bits(float value);

/// Decodes the f8E4M3FN bit pattern \p bits to f32 (exact). 0x7F and 0xFF
/// are NaN.
float e4m3BitsToFloat(uint8_t bits);

/// Rounds \p value to the nearest f8E4M3FN value as floatToE4m3Bits does and
/// returns it as f32.
float roundToE4m3(float value);

/// Whether \p value is an f8E4M3FN value (NaN included).
bool isE4m3Value(float value);

//===----------------------------------------------------------------------===//
// Activation quantization (moe.quantize)
//===----------------------------------------------------------------------===//

/// The floor of a group's amax: a group whose largest magnitude is below it
/// (an all-zero group in particular) gets the scale kFp8AmaxFloor / 448.
/// vLLM's and SGLang's per_token_group_quant_fp8 use the same `eps`.
constexpr float kFp8AmaxFloor = 1e-10f;

/// The scale of a group whose largest magnitude is \p amax:
/// max(amax, kFp8AmaxFloor) / 448, an f32 division rounded to nearest even.
float fp8GroupScale(float amax);

/// Activations quantized to f8E4M3FN with their scales.
struct Fp8Activations {
  /// [T, K] f8E4M3FN values (widened to f32).
  std::vector<float> q;
  /// [T, ceil(K / groupSize)] f32 scales: x ~= q * scale.
  std::vector<float> scales;
};

/// Dynamic quantization of \p x [T, K] (moe.quantize with group_size): each
/// row is split into groups of \p groupSize columns (the last one may be
/// shorter; groupSize >= K gives one group per row, per-token scaling). Per
/// group: amax = the largest |x| of the group, NaNs skipped; scale =
/// fp8GroupScale(amax); q = roundToE4m3(x / scale), an f32 division rounded
/// to nearest even.
Fp8Activations quantizeFp8Dynamic(const float *x, int64_t T, int64_t K,
                                  int64_t groupSize);

/// Static quantization (moe.quantize with a scale operand): q =
/// roundToE4m3(x / scale) for each of the \p count elements of \p x.
std::vector<float> quantizeFp8Static(const float *x, int64_t count,
                                     float scale);

//===----------------------------------------------------------------------===//
// Quantization schemes of the expert GEMMs
//===----------------------------------------------------------------------===//

/// The quantization scheme of a grouped GEMM (the `quant` attribute).
enum class QuantScheme {
  /// No quantization: a and w in f32, bf16 or f16.
  None,
  /// w8a8 fp8: w [E, N, K] with f32 scales [E, ceil(N/G), ceil(K/G)] for
  /// G x G blocks; a [M, K] with f32 scales [M, ceil(K/G)] per token group.
  Fp8Block,
  /// w8a8 fp8: w with f32 scales [E, N] per output channel; a with f32
  /// scales [M, 1] per token.
  Fp8Channel,
  /// w8a8 fp8: w with an f32 scale [E] per expert; a with one static f32
  /// scale [1].
  Fp8Tensor,
  /// Weight-only int4, symmetric (GPTQ-like): w = (q - 8) * s, q in
  /// [0, 15], scales [E, N, ceil(K/G)].
  W4A16,
  /// Weight-only int4 with zero points (AWQ-like): w = (q - z) * s, zero
  /// points [E, N, ceil(K/G)].
  W4A16Zp,
  /// Weight-only int8, symmetric per output channel: w = q * s, q in
  /// [-128, 127], scales [E, N].
  W8A16,
};

/// The scheme's keyword in the IR ("none", "fp8_block", ...).
const char *quantSchemeName(QuantScheme scheme);

/// fp8_block, fp8_channel, fp8_tensor: a and w are f8E4M3FN.
bool isFp8Scheme(QuantScheme scheme);

/// w4a16, w4a16_zp, w8a16: w is an integer, a is bf16 or f16.
bool isWeightOnlyScheme(QuantScheme scheme);

/// Whether the scheme has groups along K (fp8_block, w4a16, w4a16_zp).
bool hasGroups(QuantScheme scheme);

/// ceil(a / b) for a >= 0, b >= 1.
int64_t ceilDiv(int64_t a, int64_t b);

/// The zero point the symmetric w4a16 scheme subtracts.
constexpr int kInt4SymmetricZero = 8;

//===----------------------------------------------------------------------===//
// int4 packing
//===----------------------------------------------------------------------===//

/// Packs \p values [rows, K] of int4 values in [0, 15] two per byte along K:
/// byte j of a row holds element 2j in its low nibble and element 2j+1 in
/// its high nibble ([rows, K/2] bytes; K must be even). Read as a
/// little-endian i32, a word holds 8 consecutive elements, element i in
/// bits [4i, 4i+4) (GPTQ's packing, along K). Throws on a value outside
/// [0, 15] or an odd K.
std::vector<uint8_t> packInt4(const uint8_t *values, int64_t rows, int64_t K);

/// The inverse of packInt4: [rows, K/2] bytes to [rows, K] values.
std::vector<uint8_t> unpackInt4(const uint8_t *packed, int64_t rows, int64_t K);

//===----------------------------------------------------------------------===//
// Dequantization
//===----------------------------------------------------------------------===//

/// The quantized operands of one expert GEMM (pointers not owned; each
/// scheme reads only its own). Shapes, with G = groupSize and M the rows of
/// a (gathered or not):
///  - fp8_block:   a scale [M, ceil(K/G)], w scale [E, ceil(N/G), ceil(K/G)]
///  - fp8_channel: a scale [M, 1],         w scale [E, N]
///  - fp8_tensor:  a scale [1],            w scale [E]
///  - w4a16:       w scale [E, N, ceil(K/G)]
///  - w4a16_zp:    w scale and w zero [E, N, ceil(K/G)]
///  - w8a16:       w scale [E, N]
struct GemmQuantization {
  QuantScheme scheme = QuantScheme::None;
  /// G: the block edge of fp8_block, the K group of w4a16 / w4a16_zp.
  int64_t groupSize = 0;
  /// fp8 schemes: the scales of a's rows (a is f8E4M3FN values).
  const float *aScale = nullptr;
  /// The weight scales (bf16/f16 scales passed widened).
  const float *wScale = nullptr;
  /// w4a16_zp: the zero points (integer values, widened).
  const float *wZero = nullptr;
  /// Weight-only schemes: a's element type (bf16 or f16); each
  /// dequantized weight is rounded to it, as the 16-bit MMA consumes it.
  DType computeType = DType::BF16;
};

/// The dequantized value of weight element [e, n, k] of \p w [E, N, K]
/// (quantized values, widened): fp8: w * s (the real value, in f32: the
/// GEMM applies the scales per block instead, see groupedMatmul);
/// weight-only: round_computeType((q - z) * s).
float dequantizeWeight(const GemmQuantization &quant, const float *w, int64_t E,
                       int64_t N, int64_t K, int64_t e, int64_t n, int64_t k);

/// Every weight of \p w [E, N, K] dequantized (dequantizeWeight).
std::vector<float> dequantizeWeights(const GemmQuantization &quant,
                                     const float *w, int64_t E, int64_t N,
                                     int64_t K);

} // namespace ref
} // namespace moe

#endif // MOE_REFERENCE_QUANT_H
