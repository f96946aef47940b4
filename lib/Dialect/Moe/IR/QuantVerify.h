//===- QuantVerify.h - Verifying quantized expert operands ------*- C++ -*-===//
//
// Private to the dialect: the rules of docs/Semantics.md ("Quantized
// experts") that moe.grouped_matmul and moe.fused_moe share: which
// operands, element types and shapes each `quant` scheme takes.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_DIALECT_MOE_IR_QUANTVERIFY_H
#define MOE_LIB_DIALECT_MOE_IR_QUANTVERIFY_H

#include "moe/Dialect/Moe/IR/MoeOps.h"

#include <optional>

namespace mlir::moe {

/// fp8_block, fp8_channel, fp8_tensor.
bool isFp8Scheme(QuantScheme scheme);
/// w4a16, w4a16_zp: two int4 values a byte along K.
bool isInt4Scheme(QuantScheme scheme);
/// The schemes whose weights have scales per group of K columns (and, for
/// fp8_block, of N rows): fp8_block, w4a16, w4a16_zp.
bool hasGroups(QuantScheme scheme);

/// `group_size` is given exactly for the schemes with groups, with an
/// allowed value (128 for fp8_block; 32, 64 or 128 for w4a16, w4a16_zp).
LogicalResult verifyQuantGroupSize(Operation *op, QuantScheme scheme,
                                   std::optional<uint64_t> groupSize);

/// The operands a quantized GEMM's weights `w` take under `scheme` (not
/// none): w's element type and stored K (K/2 for int4), the scale and the
/// zero point (given exactly for w4a16_zp), each with its element type and
/// shape for `numExperts` experts, output size `n` and reduction size `k`.
/// `groupSize` has been verified.
struct QuantizedWeights {
  Value w;
  StringRef wName;
  Value scale;
  StringRef scaleName;
  Value zero;
  StringRef zeroName;
};
LogicalResult verifyQuantizedWeights(Operation *op, QuantScheme scheme,
                                     std::optional<uint64_t> groupSize,
                                     const QuantizedWeights &weights,
                                     int64_t numExperts, int64_t n, int64_t k);

/// The quantized input `a` of a GEMM under `scheme` (not none) and its
/// `a_scale`: f8E4M3FN with f32 scales shaped for the fp8 schemes, bf16 or
/// f16 and no scale for the weight-only ones.
LogicalResult verifyQuantizedInput(Operation *op, QuantScheme scheme,
                                   std::optional<uint64_t> groupSize, Value a,
                                   Value aScale);

/// Without a scheme: none of `operands` (name, value; absent ones null) is
/// given, and `value`'s element type (named `name`) is not one that only a
/// scheme gives meaning to (f8E4M3FN, i8).
LogicalResult
verifyNoQuantOperands(Operation *op,
                      ArrayRef<std::pair<StringRef, Value>> operands);
LogicalResult verifyUnquantizedElementType(Operation *op, Value value,
                                           StringRef name);

} // namespace mlir::moe

#endif // MOE_LIB_DIALECT_MOE_IR_QUANTVERIFY_H
