//===- Tensor.h - Element types and host tensors of moe-runner --*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The element types an entry point's arguments may have and the host-side
// tensors the runner generates, hands to the reference and reads back from
// the device. Float tensors hold f32 values that are exactly representable
// in their element type (bf16, f16 and f8E4M3FN values are widened), so the
// reference and the device see the same numbers.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_TENSOR_H
#define MOE_TOOLS_MOE_RUNNER_TENSOR_H

#include "moe/Reference/DType.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moe {
namespace runner {

/// Element type of an entry point argument. F8E4M3FN is fp8 e4m3 (one byte;
/// moe.quantize's q), held in the floats as the value it encodes. I8 is a
/// byte of the weight-only schemes (int8 weights, two packed int4 weights,
/// zero points), held in the ints as its signed value in [-128, 127].
enum class ElementType { F32, BF16, F16, I32, F8E4M3FN, I8 };

/// Returns the manifest spelling of \p type ("f32", "bf16", "f16", "i32",
/// "f8E4M3FN", "i8").
const char *elementTypeName(ElementType type);

/// Parses a manifest element type; returns false for any other spelling.
bool parseElementType(const std::string &text, ElementType &type);

/// Returns the size in bytes of one element of \p type.
size_t elementSize(ElementType type);

/// True for f32, bf16, f16 and f8E4M3FN.
bool isFloat(ElementType type);

/// Returns the reference DType of a float element type (F32 for i32, i8 and
/// f8E4M3FN, whose values are f32 values).
ref::DType toRefDType(ElementType type);

/// A dimension whose size the manifest leaves to the runner (`?`).
constexpr int64_t kDynamic = -1;

/// A shape: one size per dimension, kDynamic for `?` (rank 0: a scalar).
using Shape = std::vector<int64_t>;

/// Returns the number of elements of a fully static \p shape, or -1 when a
/// size is dynamic, negative or the product overflows.
int64_t elementCount(const Shape &shape);

/// Formats \p shape as in the manifest: "?x3584", "scalar" for rank 0.
std::string formatShape(const Shape &shape);

/// A host tensor: either floats (f32/bf16/f16/f8E4M3FN, values already
/// representable in the element type) or integers (i32, or i8 values in
/// [-128, 127]), in row-major order.
struct HostTensor {
  ElementType type = ElementType::F32;
  Shape shape;
  std::vector<float> floats;
  std::vector<int32_t> ints;

  /// Returns the number of elements.
  size_t size() const { return isFloat(type) ? floats.size() : ints.size(); }
  /// Sets the type and (static) shape and allocates zero-filled storage of
  /// the matching kind.
  void allocate(ElementType elementType, const Shape &staticShape);
};

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_TENSOR_H
