//===- QuantVerify.cpp - Verifying quantized expert operands --------------===//
//
// Each error names the scheme, the operand and what it must be.
//
//===----------------------------------------------------------------------===//

#include "QuantVerify.h"
#include "VerifyUtils.h"

using namespace mlir;
using namespace mlir::moe;

bool mlir::moe::isFp8Scheme(QuantScheme scheme) {
  return scheme == QuantScheme::fp8_block ||
         scheme == QuantScheme::fp8_channel ||
         scheme == QuantScheme::fp8_tensor;
}

bool mlir::moe::isInt4Scheme(QuantScheme scheme) {
  return scheme == QuantScheme::w4a16 || scheme == QuantScheme::w4a16_zp;
}

bool mlir::moe::hasGroups(QuantScheme scheme) {
  return scheme == QuantScheme::fp8_block || isInt4Scheme(scheme);
}

/// ceil(size / group), dynamic if size is.
static int64_t groupsOf(int64_t size, int64_t group) {
  return isKnown(size) ? llvm::divideCeil(size, group) : ShapedType::kDynamic;
}

LogicalResult mlir::moe::verifyQuantGroupSize(Operation *op, QuantScheme scheme,
                                              std::optional<uint64_t> size) {
  StringRef name = stringifyQuantScheme(scheme);
  if (!hasGroups(scheme)) {
    if (size)
      return op->emitOpError()
             << "group_size applies only to quant = fp8_block, w4a16 and "
                "w4a16_zp, not to quant = "
             << name;
    return success();
  }
  if (!size)
    return op->emitOpError() << "quant " << name << " needs a group_size";
  int64_t value = static_cast<int64_t>(*size);
  if (scheme == QuantScheme::fp8_block && value != 128)
    return op->emitOpError()
           << "quant fp8_block needs group_size = 128 (128 x 128 weight "
              "blocks, 128-column activation groups), got "
           << value;
  if (isInt4Scheme(scheme) && value != 32 && value != 64 && value != 128)
    return op->emitOpError()
           << "quant " << name << " needs group_size 32, 64 or 128, got "
           << value;
  return success();
}

namespace {
/// An expected shape, each dimension with the words that name it.
using ExpectedShape = SmallVector<std::pair<int64_t, std::string>>;
} // namespace

/// Checks `value`'s rank and dimensions against `shape`, written `layout` in
/// the messages.
static LogicalResult expectShape(Operation *op, Value value, StringRef name,
                                 QuantScheme scheme, const ExpectedShape &shape,
                                 StringRef layout) {
  int64_t rank = cast<ShapedType>(value.getType()).getRank();
  if (rank != static_cast<int64_t>(shape.size()))
    return op->emitOpError()
           << name << " must be " << layout << " for quant "
           << stringifyQuantScheme(scheme) << ", but it has rank " << rank;
  for (auto [index, dim] : llvm::enumerate(shape))
    if (failed(expectDim(op, value, name, index, dim.first, dim.second)))
      return failure();
  return success();
}

static LogicalResult expectElementType(Operation *op, Value value,
                                       StringRef name, QuantScheme scheme,
                                       Type expected, StringRef hint = "") {
  if (elementTypeOf(value) == expected)
    return success();
  InFlightDiagnostic diag = op->emitOpError()
                            << "quant " << stringifyQuantScheme(scheme)
                            << " needs " << name << " of element type "
                            << expected << ", got " << elementTypeOf(value);
  if (!hint.empty())
    diag << " (" << hint << ")";
  return diag;
}

LogicalResult mlir::moe::verifyQuantizedWeights(
    Operation *op, QuantScheme scheme, std::optional<uint64_t> groupSize,
    const QuantizedWeights &q, int64_t numExperts, int64_t n, int64_t k) {
  MLIRContext *context = op->getContext();
  StringRef name = stringifyQuantScheme(scheme);
  bool fp8 = isFp8Scheme(scheme);
  Type stored = fp8 ? Type(Float8E4M3FNType::get(context))
                    : Type(IntegerType::get(context, 8));
  if (failed(expectElementType(op, q.w, q.wName, scheme, stored)))
    return failure();
  if (isInt4Scheme(scheme)) {
    if (isKnown(k) && k % 2 != 0)
      return op->emitOpError()
             << "quant " << name << " packs two int4 values a byte along K: "
             << "the reduction size K (" << k << ") must be even";
    if (failed(expectDim(op, q.w, q.wName, 2,
                         isKnown(k) ? k / 2 : ShapedType::kDynamic,
                         "K/2 (two int4 values a byte)")))
      return failure();
  } else if (failed(expectDim(op, q.w, q.wName, 2, k, "the reduction size K")))
    return failure();

  if (!q.scale)
    return op->emitOpError()
           << "quant " << name << " needs a " << q.scaleName << " operand";
  if (fp8 && failed(expectElementType(op, q.scale, q.scaleName, scheme,
                                      Float32Type::get(context))))
    return failure();
  int64_t group = groupSize ? static_cast<int64_t>(*groupSize) : 1;
  std::pair<int64_t, std::string> experts{numExperts, "the number of experts"};
  std::pair<int64_t, std::string> outputs{n, "the output size N"};
  std::pair<int64_t, std::string> kGroups{groupsOf(k, group),
                                          "ceil(K / group_size)"};
  ExpectedShape shape;
  StringRef layout;
  switch (scheme) {
  case QuantScheme::fp8_block:
    shape = {experts, {groupsOf(n, group), "ceil(N / group_size)"}, kGroups};
    layout = "[E, ceil(N/G), ceil(K/G)]";
    break;
  case QuantScheme::fp8_channel:
  case QuantScheme::w8a16:
    shape = {experts, outputs};
    layout = "[E, N]";
    break;
  case QuantScheme::fp8_tensor:
    shape = {experts};
    layout = "[E]";
    break;
  case QuantScheme::w4a16:
  case QuantScheme::w4a16_zp:
    shape = {experts, outputs, kGroups};
    layout = "[E, N, ceil(K/G)]";
    break;
  case QuantScheme::none:
    llvm_unreachable("verifyQuantizedWeights takes a scheme");
  }
  if (failed(expectShape(op, q.scale, q.scaleName, scheme, shape, layout)))
    return failure();

  if (scheme != QuantScheme::w4a16_zp) {
    if (q.zero)
      return op->emitOpError() << q.zeroName
                               << " applies only to quant = w4a16_zp, not to "
                                  "quant = "
                               << name;
    return success();
  }
  if (!q.zero)
    return op->emitOpError()
           << "quant w4a16_zp needs a " << q.zeroName << " operand";
  return expectShape(op, q.zero, q.zeroName, scheme, shape, layout);
}

LogicalResult mlir::moe::verifyQuantizedInput(Operation *op, QuantScheme scheme,
                                              std::optional<uint64_t> groupSize,
                                              Value a, Value aScale) {
  StringRef name = stringifyQuantScheme(scheme);
  if (!isFp8Scheme(scheme)) {
    Type element = elementTypeOf(a);
    if (!isa<BFloat16Type, Float16Type>(element))
      return op->emitOpError() << "quant " << name
                               << " needs a of element type bf16 or f16 (the "
                                  "16-bit MMA operand), got "
                               << element;
    if (aScale)
      return op->emitOpError()
             << "a_scale applies only to the fp8 schemes, not to quant = "
             << name;
    return success();
  }
  if (failed(expectElementType(op, a, "a", scheme,
                               Float8E4M3FNType::get(op->getContext()),
                               "quantize it with moe.quantize")))
    return failure();
  if (!aScale)
    return op->emitOpError() << "quant " << name << " needs an a_scale operand";
  int64_t rows = dimOf(a, 0);
  std::pair<int64_t, std::string> aRows{rows, "the number of rows of a"};
  switch (scheme) {
  case QuantScheme::fp8_block:
    return expectShape(
        op, aScale, "a_scale", scheme,
        {aRows,
         {groupsOf(dimOf(a, 1), static_cast<int64_t>(groupSize.value_or(1))),
          "ceil(K / group_size)"}},
        "[M, ceil(K/G)]");
  case QuantScheme::fp8_channel:
    return expectShape(op, aScale, "a_scale", scheme,
                       {aRows, {1, "one scale per row"}}, "[M, 1]");
  default:
    return expectShape(op, aScale, "a_scale", scheme, {{1, "one static scale"}},
                       "[1]");
  }
}

LogicalResult mlir::moe::verifyNoQuantOperands(
    Operation *op, ArrayRef<std::pair<StringRef, Value>> operands) {
  for (auto [name, value] : operands)
    if (value)
      return op->emitOpError() << name
                               << " applies only to a quantized GEMM, but "
                                  "quant is none";
  return success();
}

LogicalResult mlir::moe::verifyUnquantizedElementType(Operation *op,
                                                      Value value,
                                                      StringRef name) {
  Type element = elementTypeOf(value);
  if (isa<Float8E4M3FNType>(element))
    return op->emitOpError() << name << " element type " << element
                             << " needs quant = fp8_block, fp8_channel or "
                                "fp8_tensor";
  if (element.isInteger(8))
    return op->emitOpError() << name << " element type " << element
                             << " needs quant = w4a16, w4a16_zp or w8a16";
  return success();
}
