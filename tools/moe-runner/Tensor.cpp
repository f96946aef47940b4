//===- Tensor.cpp - Element types and host tensors of moe-runner ----------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Tensor.h"

#include <limits>

namespace moe {
namespace runner {

const char *elementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::BF16:
    return "bf16";
  case ElementType::F16:
    return "f16";
  case ElementType::I32:
    return "i32";
  case ElementType::F8E4M3FN:
    return "f8E4M3FN";
  case ElementType::I8:
    return "i8";
  }
  return "?";
}

bool parseElementType(const std::string &text, ElementType &type) {
  for (ElementType candidate :
       {ElementType::F32, ElementType::BF16, ElementType::F16, ElementType::I32,
        ElementType::F8E4M3FN, ElementType::I8}) {
    if (text == elementTypeName(candidate)) {
      type = candidate;
      return true;
    }
  }
  return false;
}

size_t elementSize(ElementType type) {
  switch (type) {
  case ElementType::F32:
  case ElementType::I32:
    return 4;
  case ElementType::BF16:
  case ElementType::F16:
    return 2;
  case ElementType::F8E4M3FN:
  case ElementType::I8:
    return 1;
  }
  return 0;
}

bool isFloat(ElementType type) {
  return type != ElementType::I32 && type != ElementType::I8;
}

ref::DType toRefDType(ElementType type) {
  switch (type) {
  case ElementType::BF16:
    return ref::DType::BF16;
  case ElementType::F16:
    return ref::DType::F16;
  case ElementType::F32:
  case ElementType::I32:
  case ElementType::F8E4M3FN:
  case ElementType::I8:
    break;
  }
  return ref::DType::F32;
}

int64_t elementCount(const Shape &shape) {
  int64_t count = 1;
  for (int64_t size : shape) {
    if (size < 0)
      return -1;
    if (size != 0 && count > std::numeric_limits<int64_t>::max() / size)
      return -1;
    count *= size;
  }
  return count;
}

std::string formatShape(const Shape &shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i != 0)
      text += 'x';
    text += shape[i] == kDynamic ? std::string("?") : std::to_string(shape[i]);
  }
  return text;
}

void HostTensor::allocate(ElementType elementType, const Shape &staticShape) {
  type = elementType;
  shape = staticShape;
  size_t count = static_cast<size_t>(elementCount(staticShape));
  floats.clear();
  ints.clear();
  if (isFloat(type))
    floats.assign(count, 0.0f);
  else
    ints.assign(count, 0);
}

} // namespace runner
} // namespace moe
