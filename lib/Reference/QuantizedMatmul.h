//===- QuantizedMatmul.h - Quantized grouped GEMM rows ----------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Private to the reference: the accumulator of one row of a grouped GEMM
// whose operands are quantized (GroupedMatmulArgs::quant).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_REFERENCE_QUANTIZEDMATMUL_H
#define MOE_LIB_REFERENCE_QUANTIZEDMATMUL_H

#include "moe/Reference/Reference.h"

#include <vector>

namespace moe {
namespace ref {
namespace detail {

/// Checks the quantized operands of \p args (pointers, sizes, that every
/// value is of its format); throws std::invalid_argument naming the first
/// fault. No-op without a scheme.
void validateGemmQuantization(const GroupedMatmulArgs &args);

/// The weights the GEMM multiplies by for a weight-only scheme: every
/// weight dequantized ([E, N, K], rounded to quant.computeType).
std::vector<float> dequantizedWeightOnly(const GroupedMatmulArgs &args);

/// The f32 accumulator [N] (before bias) of an fp8 scheme for row \p aRow of
/// a (index \p aIndex into a's rows, for its scales) and expert \p e.
std::vector<float> fp8RowTimesWeights(const GroupedMatmulArgs &args,
                                      const float *aRow, int64_t aIndex,
                                      int64_t e);

} // namespace detail
} // namespace ref
} // namespace moe

#endif // MOE_LIB_REFERENCE_QUANTIZEDMATMUL_H
