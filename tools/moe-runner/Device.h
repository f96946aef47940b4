//===- Device.h - Device buffers and memref descriptors ---------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The device side of a call: one moeMalloc buffer per argument, surrounded
// by guard bands that catch out-of-bounds writes; the ranked memref
// descriptor the entry point reads for each argument
//   { T *allocated; T *aligned; int64_t offset; int64_t sizes[rank];
//     int64_t strides[rank]; }
// (row-major, offset 0, allocated == aligned); uploads of the inputs in
// their element type (bf16/f16 as 16-bit patterns); the poison of every
// out before a call; and the read-back of outs, inputs and guards after it.
// Every runtime status is checked; failures carry the runtime's message.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_DEVICE_H
#define MOE_TOOLS_MOE_RUNNER_DEVICE_H

#include "Shapes.h"
#include "Tensor.h"

#include "moe/Runtime/Runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moe {
namespace runner {

/// Formats a failed runtime call: "<call>: <status name>: <last message>".
std::string runtimeFailure(const char *call, MoeStatus status);

/// Encodes elements [begin, begin + count) of \p tensor in its element type
/// into \p destination (count * elementSize bytes).
void encodeElements(const HostTensor &tensor, size_t begin, size_t count,
                    uint8_t *destination);

/// Decodes \p bytes (elements of \p type) into a host tensor of \p shape.
HostTensor decodeTensor(ElementType type, const Shape &shape,
                        const std::vector<uint8_t> &bytes);

/// One device allocation: the tensor's bytes between two guard bands.
class DeviceBuffer {
public:
  /// Bytes of each guard band (a multiple of 256, so the data keeps
  /// moeMalloc's alignment).
  static constexpr size_t kGuardBytes = 4096;
  /// The byte the guard bands are filled with.
  static constexpr uint8_t kGuardByte = 0xA5;

  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  ~DeviceBuffer();

  /// Allocates \p bytes of data plus the guard bands and fills the bands.
  bool allocate(size_t bytes, std::string &error);
  /// Frees the allocation; returns false with \p error if moeFree fails.
  bool release(std::string &error);

  /// The first byte of the data (a device pointer).
  void *data() const {
    return base ? static_cast<char *>(base) + kGuardBytes : nullptr;
  }
  size_t bytes() const { return size; }

  /// Reads both guard bands back; \p intact says whether they still hold
  /// kGuardByte, \p where which band was overwritten.
  bool checkGuards(bool &intact, std::string &where, std::string &error) const;

private:
  void *base = nullptr;
  size_t size = 0;
};

/// The device buffers and memref descriptors of every argument of a call.
class DeviceArgs {
public:
  /// Allocates a buffer and builds the descriptor of every argument.
  bool allocate(const ResolvedFunction &resolved,
                const std::vector<HostTensor> &args, std::string &error);
  /// Copies every input argument to the device.
  bool uploadInputs(const std::vector<HostTensor> &args, std::string &error);
  /// Fills every out argument with \p byte.
  bool poisonOuts(uint8_t byte, std::string &error);
  /// Reads the out arguments back: decoded into \p actual and raw into
  /// \p bytes (one entry per argument, empty for inputs).
  bool downloadOuts(std::vector<HostTensor> &actual,
                    std::vector<std::vector<uint8_t>> &bytes,
                    std::string &error);
  /// Checks that the inputs still hold what was uploaded and that no guard
  /// band was overwritten; \p problem describes the first violation ("" if
  /// none).
  bool checkIntegrity(const std::vector<HostTensor> &args, std::string &problem,
                      std::string &error);
  /// Frees every buffer.
  bool release(std::string &error);

  /// One pointer per argument, to its descriptor: the entry's arguments.
  std::vector<void *> &entryArguments() { return pointers; }
  /// The descriptor words of argument \p arg (for diagnostics).
  const std::vector<int64_t> &descriptor(size_t arg) const {
    return descriptors[arg];
  }

private:
  const ResolvedFunction *resolved = nullptr;
  std::vector<DeviceBuffer> buffers;
  std::vector<std::vector<int64_t>> descriptors;
  std::vector<void *> pointers;
};

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_DEVICE_H
