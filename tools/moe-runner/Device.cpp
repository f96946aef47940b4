//===- Device.cpp - Device buffers and memref descriptors -----------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Device.h"

#include "Compare.h"
#include "Parallel.h"

#include "moe/Reference/Quant.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace moe {
namespace runner {

static_assert(sizeof(void *) == sizeof(int64_t),
              "memref descriptors hold 64-bit pointers");

std::string runtimeFailure(const char *call, MoeStatus status) {
  std::string message = moeGetLastErrorMessage();
  return std::string(call) + " failed: " + moeStatusName(status) +
         (message.empty() ? "" : ": " + message);
}

//===----------------------------------------------------------------------===//
// Element encoding
//===----------------------------------------------------------------------===//

void encodeElements(const HostTensor &tensor, size_t begin, size_t count,
                    uint8_t *destination) {
  switch (tensor.type) {
  case ElementType::F32:
    std::memcpy(destination, tensor.floats.data() + begin, count * 4);
    return;
  case ElementType::I32:
    std::memcpy(destination, tensor.ints.data() + begin, count * 4);
    return;
  case ElementType::BF16:
  case ElementType::F16: {
    const bool bf16 = tensor.type == ElementType::BF16;
    const float *source = tensor.floats.data() + begin;
    for (size_t i = 0; i < count; ++i) {
      uint16_t bits = bf16 ? ref::floatToBf16Bits(source[i])
                           : ref::floatToF16Bits(source[i]);
      std::memcpy(destination + 2 * i, &bits, 2);
    }
    return;
  }
  case ElementType::F8E4M3FN: {
    const float *source = tensor.floats.data() + begin;
    for (size_t i = 0; i < count; ++i)
      destination[i] = ref::floatToE4m3Bits(source[i]);
    return;
  }
  case ElementType::I8: {
    const int32_t *source = tensor.ints.data() + begin;
    for (size_t i = 0; i < count; ++i)
      destination[i] = static_cast<uint8_t>(static_cast<int8_t>(source[i]));
    return;
  }
  }
}

HostTensor decodeTensor(ElementType type, const Shape &shape,
                        const std::vector<uint8_t> &bytes) {
  HostTensor tensor;
  tensor.allocate(type, shape);
  const size_t count = tensor.size();
  if (bytes.size() < count * elementSize(type))
    return HostTensor();
  switch (type) {
  case ElementType::F32:
    std::memcpy(tensor.floats.data(), bytes.data(), count * 4);
    break;
  case ElementType::I32:
    std::memcpy(tensor.ints.data(), bytes.data(), count * 4);
    break;
  case ElementType::BF16:
  case ElementType::F16:
    for (size_t i = 0; i < count; ++i) {
      uint16_t bits;
      std::memcpy(&bits, bytes.data() + 2 * i, 2);
      tensor.floats[i] = type == ElementType::BF16 ? ref::bf16BitsToFloat(bits)
                                                   : ref::f16BitsToFloat(bits);
    }
    break;
  case ElementType::F8E4M3FN:
    for (size_t i = 0; i < count; ++i)
      tensor.floats[i] = ref::e4m3BitsToFloat(bytes[i]);
    break;
  case ElementType::I8:
    for (size_t i = 0; i < count; ++i)
      tensor.ints[i] = static_cast<int8_t>(bytes[i]);
    break;
  }
  return tensor;
}

namespace {

/// Host staging size of chunked copies.
constexpr size_t kChunkBytes = size_t(64) << 20;

/// Encodes elements [begin, begin + count) of \p tensor in parallel.
void encodeParallel(const HostTensor &tensor, size_t begin, size_t count,
                    uint8_t *destination) {
  const size_t size = elementSize(tensor.type);
  parallelFor(
      static_cast<int64_t>(count), int64_t(1) << 18, [&](int64_t b, int64_t e) {
        encodeElements(tensor, begin + b, e - b, destination + b * size);
      });
}

} // namespace

//===----------------------------------------------------------------------===//
// DeviceBuffer
//===----------------------------------------------------------------------===//

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : base(std::exchange(other.base, nullptr)),
      size(std::exchange(other.size, 0)) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    std::string ignored;
    release(ignored);
    base = std::exchange(other.base, nullptr);
    size = std::exchange(other.size, 0);
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() {
  std::string ignored;
  release(ignored);
}

bool DeviceBuffer::allocate(size_t bytes, std::string &error) {
  if (!release(error))
    return false;
  // Round the data up to 256 bytes so the trailing band stays aligned.
  size_t padded = (bytes + 255) / 256 * 256;
  size_t total = padded + 2 * kGuardBytes;
  if (padded < bytes || total < padded) {
    error = "a buffer of " + std::to_string(bytes) + " bytes is too large";
    return false;
  }
  void *pointer = nullptr;
  MoeStatus status = moeMalloc(&pointer, total);
  if (status != MOE_SUCCESS) {
    error = runtimeFailure("moeMalloc", status) + " (" + std::to_string(total) +
            " bytes)";
    return false;
  }
  if (!pointer) {
    error = "moeMalloc of " + std::to_string(total) +
            " bytes succeeded but returned a null pointer";
    return false;
  }
  base = pointer;
  size = bytes;
  status = moeMemsetD8(base, kGuardByte, total);
  if (status != MOE_SUCCESS) {
    error = runtimeFailure("moeMemsetD8", status) + " (guard bands)";
    return false;
  }
  return true;
}

bool DeviceBuffer::release(std::string &error) {
  if (!base)
    return true;
  MoeStatus status = moeFree(base);
  base = nullptr;
  size = 0;
  if (status != MOE_SUCCESS) {
    error = runtimeFailure("moeFree", status);
    return false;
  }
  return true;
}

bool DeviceBuffer::checkGuards(bool &intact, std::string &where,
                               std::string &error) const {
  intact = true;
  if (!base)
    return true;
  size_t padded = (size + 255) / 256 * 256;
  std::vector<uint8_t> band(kGuardBytes);
  struct Band {
    const char *name;
    size_t offset;
  };
  for (Band each : {Band{"before", 0}, Band{"after", kGuardBytes + size}}) {
    size_t length =
        each.offset == 0 ? kGuardBytes : kGuardBytes + padded - size;
    band.resize(length);
    MoeStatus status = moeMemcpyDtoH(
        band.data(), static_cast<char *>(base) + each.offset, length);
    if (status != MOE_SUCCESS) {
      error = runtimeFailure("moeMemcpyDtoH", status) + " (guard band)";
      return false;
    }
    for (size_t i = 0; i < length; ++i) {
      if (band[i] != kGuardByte) {
        intact = false;
        size_t distance = each.offset == 0 ? kGuardBytes - i : i + 1;
        where = std::string("byte ") + std::to_string(distance) + " " +
                each.name + " the buffer";
        return true;
      }
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// DeviceArgs
//===----------------------------------------------------------------------===//

namespace {

/// Names argument \p arg by the op operand it is ("operand 'x' (argument
/// 0)").
std::string describeArg(const ResolvedFunction &resolved, size_t arg) {
  for (const auto &[name, index] : resolved.op->operands)
    if (index == static_cast<int64_t>(arg))
      return "operand '" + name + "' (argument " + std::to_string(arg) + ")";
  return "argument " + std::to_string(arg);
}

} // namespace

bool DeviceArgs::allocate(const ResolvedFunction &function,
                          const std::vector<HostTensor> &args,
                          std::string &error) {
  resolved = &function;
  std::string ignored;
  release(ignored);
  const size_t numArgs = function.argShapes.size();
  buffers.clear();
  buffers.resize(numArgs);
  descriptors.assign(numArgs, {});
  pointers.assign(numArgs, nullptr);
  for (size_t arg = 0; arg < numArgs; ++arg) {
    const Shape &shape = function.argShapes[arg];
    const int64_t count = elementCount(shape);
    if (count < 0 || args[arg].shape != shape) {
      error = "internal error: " + describeArg(function, arg) +
              " has no static shape";
      return false;
    }
    const size_t bytes =
        static_cast<size_t>(count) * elementSize(args[arg].type);
    if (!buffers[arg].allocate(bytes, error)) {
      error = describeArg(function, arg) + ": " + error;
      return false;
    }
    // { allocated, aligned, offset, sizes[rank], strides[rank] }, row-major.
    const size_t rank = shape.size();
    std::vector<int64_t> &words = descriptors[arg];
    words.assign(3 + 2 * rank, 0);
    void *data = buffers[arg].data();
    std::memcpy(&words[0], &data, sizeof(data));
    std::memcpy(&words[1], &data, sizeof(data));
    words[2] = 0;
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      words[3 + i] = shape[i];
      words[3 + rank + i] = stride;
      stride *= std::max<int64_t>(shape[i], 1);
    }
    pointers[arg] = words.data();
  }
  return true;
}

bool DeviceArgs::uploadInputs(const std::vector<HostTensor> &args,
                              std::string &error) {
  std::vector<uint8_t> staging;
  for (size_t arg = 0; arg < args.size(); ++arg) {
    if (resolved->isOut[arg])
      continue;
    const HostTensor &tensor = args[arg];
    const size_t size = elementSize(tensor.type);
    const size_t count = tensor.size();
    const size_t perChunk = std::max<size_t>(1, kChunkBytes / size);
    for (size_t begin = 0; begin < count; begin += perChunk) {
      size_t n = std::min(perChunk, count - begin);
      staging.resize(n * size);
      encodeParallel(tensor, begin, n, staging.data());
      MoeStatus status =
          moeMemcpyHtoD(static_cast<char *>(buffers[arg].data()) + begin * size,
                        staging.data(), n * size);
      if (status != MOE_SUCCESS) {
        error = runtimeFailure("moeMemcpyHtoD", status) + " (" +
                describeArg(*resolved, arg) + ")";
        return false;
      }
    }
  }
  return true;
}

bool DeviceArgs::poisonOuts(uint8_t byte, std::string &error) {
  for (size_t arg = 0; arg < buffers.size(); ++arg) {
    if (!resolved->isOut[arg] || buffers[arg].bytes() == 0)
      continue;
    MoeStatus status =
        moeMemsetD8(buffers[arg].data(), byte, buffers[arg].bytes());
    if (status != MOE_SUCCESS) {
      error = runtimeFailure("moeMemsetD8", status) + " (poisoning " +
              describeArg(*resolved, arg) + ")";
      return false;
    }
  }
  MoeStatus status = moeDeviceSynchronize();
  if (status != MOE_SUCCESS) {
    error = runtimeFailure("moeDeviceSynchronize", status);
    return false;
  }
  return true;
}

bool DeviceArgs::downloadOuts(std::vector<HostTensor> &actual,
                              std::vector<std::vector<uint8_t>> &bytes,
                              std::string &error) {
  actual.assign(buffers.size(), HostTensor());
  bytes.assign(buffers.size(), {});
  for (size_t arg = 0; arg < buffers.size(); ++arg) {
    if (!resolved->isOut[arg])
      continue;
    bytes[arg].resize(buffers[arg].bytes());
    if (!bytes[arg].empty()) {
      MoeStatus status = moeMemcpyDtoH(bytes[arg].data(), buffers[arg].data(),
                                       bytes[arg].size());
      if (status != MOE_SUCCESS) {
        error = runtimeFailure("moeMemcpyDtoH", status) + " (" +
                describeArg(*resolved, arg) + ")";
        return false;
      }
    }
    const ElementType type = resolved->function->args[arg].type;
    actual[arg] = decodeTensor(type, resolved->argShapes[arg], bytes[arg]);
  }
  return true;
}

bool DeviceArgs::checkIntegrity(const std::vector<HostTensor> &args,
                                std::string &problem, std::string &error) {
  problem.clear();
  std::vector<uint8_t> want, got;
  for (size_t arg = 0; arg < buffers.size(); ++arg) {
    bool intact;
    std::string where;
    if (!buffers[arg].checkGuards(intact, where, error))
      return false;
    if (!intact) {
      problem = "out-of-bounds write: " + where + " of " +
                describeArg(*resolved, arg) + " was overwritten";
      return true;
    }
    if (resolved->isOut[arg])
      continue;
    const HostTensor &tensor = args[arg];
    const size_t size = elementSize(tensor.type);
    const size_t count = tensor.size();
    const size_t perChunk = std::max<size_t>(1, kChunkBytes / size);
    for (size_t begin = 0; begin < count; begin += perChunk) {
      size_t n = std::min(perChunk, count - begin);
      want.resize(n * size);
      got.resize(n * size);
      encodeParallel(tensor, begin, n, want.data());
      MoeStatus status = moeMemcpyDtoH(
          got.data(), static_cast<char *>(buffers[arg].data()) + begin * size,
          n * size);
      if (status != MOE_SUCCESS) {
        error = runtimeFailure("moeMemcpyDtoH", status) + " (" +
                describeArg(*resolved, arg) + ")";
        return false;
      }
      if (std::memcmp(want.data(), got.data(), n * size) == 0)
        continue;
      size_t i = 0;
      while (i < n && std::memcmp(want.data() + i * size, got.data() + i * size,
                                  size) == 0)
        ++i;
      problem = "the call modified input " + describeArg(*resolved, arg) +
                " (first changed element " +
                formatIndex(tensor.shape, static_cast<int64_t>(begin + i)) +
                ")";
      return true;
    }
  }
  return true;
}

bool DeviceArgs::release(std::string &error) {
  bool ok = true;
  for (DeviceBuffer &buffer : buffers) {
    std::string message;
    if (!buffer.release(message) && ok) {
      error = message;
      ok = false;
    }
  }
  buffers.clear();
  return ok;
}

} // namespace runner
} // namespace moe
