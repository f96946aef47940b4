//===- VerifyUtils.h - Shape checks shared by the moe verifiers -*- C++ -*-===//
//
// Private to the dialect: the helpers every verifier uses to name the
// operand, dimension and numbers that disagree. Dynamic sizes are never an
// error here (they are checked at run time).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_DIALECT_MOE_IR_VERIFYUTILS_H
#define MOE_LIB_DIALECT_MOE_IR_VERIFYUTILS_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::moe {

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

inline bool isKnown(int64_t size) { return !ShapedType::isDynamic(size); }

/// Size of dimension `index` of the ranked tensor `value`.
inline int64_t dimOf(Value value, unsigned index) {
  return cast<ShapedType>(value.getType()).getDimSize(index);
}

inline Type elementTypeOf(Value value) {
  return cast<ShapedType>(value.getType()).getElementType();
}

/// Product of two sizes, dynamic if either is (or if it overflows).
inline int64_t mulSizes(int64_t a, int64_t b) {
  int64_t product;
  if (!isKnown(a) || !isKnown(b) || llvm::MulOverflow(a, b, product))
    return ShapedType::kDynamic;
  return product;
}

/// Sum of two sizes, dynamic if either is. A sum that overflows int64_t is an
/// error naming `what`: no tensor dimension can equal it.
inline FailureOr<int64_t> addSizes(Operation *op, int64_t a, int64_t b,
                                   const Twine &what) {
  if (!isKnown(a) || !isKnown(b))
    return ShapedType::kDynamic;
  int64_t sum;
  if (llvm::AddOverflow(a, b, sum)) {
    op->emitOpError() << what << " (" << a << " + " << b
                      << ") overflows a 64-bit size";
    return failure();
  }
  return sum;
}

/// Checks `<name> dim <index> (<actual>) must equal <what> (<expected>)`,
/// skipping the check when either size is dynamic.
inline LogicalResult expectDim(Operation *op, Value value, StringRef name,
                               unsigned index, int64_t expected,
                               const Twine &what) {
  int64_t actual = dimOf(value, index);
  if (!isKnown(actual) || !isKnown(expected) || actual == expected)
    return success();
  return op->emitOpError() << name << " dim " << index << " (" << actual
                           << ") must equal " << what << " (" << expected
                           << ")";
}

inline LogicalResult expectSameElementType(Operation *op, Value value,
                                           StringRef name, Value reference,
                                           StringRef referenceName) {
  if (elementTypeOf(value) == elementTypeOf(reference))
    return success();
  return op->emitOpError() << name << " element type " << elementTypeOf(value)
                           << " must match " << referenceName
                           << " element type " << elementTypeOf(reference);
}

inline LogicalResult expectPositive(Operation *op, int64_t value,
                                    StringRef name) {
  if (value >= 1)
    return success();
  return op->emitOpError() << name << " (" << value << ") must be at least 1";
}

} // namespace mlir::moe

#endif // MOE_LIB_DIALECT_MOE_IR_VERIFYUTILS_H
