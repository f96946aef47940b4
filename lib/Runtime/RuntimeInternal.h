//===- RuntimeInternal.h - Shared pieces of the runtime ---------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Error reporting, the current device and the implementations that both the
// moe* C API and the mgpu* ABI call. Every implementation takes the name of
// the public function it serves (`fn`), which prefixes its messages, so an
// mgpu* failure names the mgpu* function.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_RUNTIME_RUNTIMEINTERNAL_H
#define MOE_LIB_RUNTIME_RUNTIMEINTERNAL_H

#include "CudaDriver.h"
#include "moe/Runtime/Runtime.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace moe {
namespace runtime {

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

/// Sets the calling thread's last error message to `fn`: <formatted text>
/// and returns `status`.
MoeStatus fail(MoeStatus status, const char *fn, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/// Reports the failure `result` of a driver call: the message is `fn`:
/// <formatted text> failed: <error name> (<description>); the status is
/// statusForResult(result, fallback).
MoeStatus failDriver(const cu::DriverApi &api, cu::CUresult result,
                     MoeStatus fallback, const char *fn, const char *format,
                     ...) __attribute__((format(printf, 5, 6)));

/// The status for a driver failure: out of memory, no device, kernel faults
/// and launch-configuration errors have their own statuses; invalid values
/// and handles are invalid arguments when `fallback` is MOE_ERROR_DRIVER;
/// anything else is `fallback`.
MoeStatus statusForResult(cu::CUresult result, MoeStatus fallback);

/// Returns the calling thread's last error message.
const char *lastErrorMessage();

/// Appends `text` to the calling thread's last error message.
void appendToLastError(const char *text);

/// Whether a driver failure is a fault of a launched kernel (illegal address,
/// trap, misaligned access, ...). The driver reports it at a later call, and
/// the CUDA context stays unusable for the rest of the process.
bool isKernelFault(cu::CUresult result);

/// Appends to `message` the kernels that the calling thread launched and no
/// synchronization has waited for yet (one of them faulted, unless another
/// thread's or library's kernel did).
void appendPendingLaunches(std::string &message);

/// Forgets the calling thread's pending launches on `stream` (or all of them)
/// after a synchronization that waited for them.
void forgetPendingLaunches(MoeStream stream, bool all);

/// Fails with MOE_ERROR_INVALID_ARGUMENT if `pointer` is null.
#define MOE_CHECK_NOT_NULL(fn, pointer)                                        \
  do {                                                                         \
    if (!(pointer))                                                            \
      return ::moe::runtime::fail(MOE_ERROR_INVALID_ARGUMENT, fn,              \
                                  "argument '" #pointer "' is null");          \
  } while (false)

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

/// A device the runtime has initialized; immutable once published.
struct Device {
  int ordinal = 0;
  cu::CUdevice device = 0;
  cu::CUcontext context = nullptr;
  int ccMajor = 0;
  int ccMinor = 0;
  int multiprocessorCount = 0;
  int maxDynamicSharedMemory = 0;
  /// Whether the driver has the stream-ordered allocator (cuMemAllocAsync,
  /// cuMemFreeAsync) and the device supports memory pools.
  bool streamOrderedAllocation = false;
  /// The runtime's own memory pool for stream-ordered allocations, or null
  /// (then the device's default pool). Its release threshold is unbounded:
  /// memory freed in stream order stays in the pool for the next call
  /// instead of going back to the system at every synchronization (which
  /// made each call's first allocation map new memory). Private, so the
  /// process's default pool keeps its settings; it lives as long as the
  /// process.
  cu::CUmemoryPool pool = nullptr;
  char name[256] = {0};
};

/// What a call that talks to the device works with.
struct Session {
  const cu::DriverApi *api = nullptr;
  const Device *device = nullptr;
};

/// Makes `device` the current device, initializing the driver and the
/// device first if needed (moeInit's implementation).
MoeStatus initDevice(const char *fn, int device);

/// Gets the current device and makes its context current on the calling
/// thread. Without a current device it fails with MOE_ERROR_NOT_INITIALIZED,
/// or, if `autoInit` is set (the mgpu* ABI), initializes the default device.
MoeStatus acquire(const char *fn, Session &session, bool autoInit = false);

/// Sets the device that an automatic initialization picks
/// (mgpuSetDefaultDevice).
void setDefaultDevice(int device);

/// Returns the current device, or null before initialization.
const Device *currentDevice();

/// Whether a driver failure of a release call (free, destroy, unload) only
/// says that the driver is already shut down, as during process exit.
inline bool isShutdown(cu::CUresult result) {
  return result == cu::CUDA_ERROR_DEINITIALIZED;
}

//===----------------------------------------------------------------------===//
// Implementations shared by the C API and the mgpu* ABI
//===----------------------------------------------------------------------===//

/// The direction of a copy.
enum class CopyKind { HostToDevice, DeviceToHost, DeviceToDevice, Any };

MoeStatus allocate(const char *fn, bool autoInit, void **devicePtr,
                   size_t bytes);
MoeStatus release(const char *fn, bool autoInit, void *devicePtr);
/// Allocates `bytes` in stream order on `stream` from the device's default
/// memory pool (cuMemAllocAsync): the memory may be used by work queued on
/// `stream` after this call. Where the driver or the device lacks the
/// stream-ordered allocator, it fails if `required` is set and otherwise
/// allocates synchronously (cuMemAlloc), which orders the same way.
MoeStatus allocateOnStream(const char *fn, bool autoInit, void **devicePtr,
                           size_t bytes, MoeStream stream, bool required);
/// Frees `devicePtr` in stream order on `stream` (cuMemFreeAsync), or
/// synchronously (cuMemFree) under the same conditions as allocateOnStream.
MoeStatus releaseOnStream(const char *fn, bool autoInit, void *devicePtr,
                          MoeStream stream, bool required);
/// Copies `bytes`; `async` queues the copy on `stream` (CopyKind::Any is
/// always asynchronous).
MoeStatus copy(const char *fn, bool autoInit, CopyKind kind, void *dst,
               const void *src, size_t bytes, bool async, MoeStream stream);
/// Sets `count` elements of `elementSize` (1, 2 or 4) bytes to `value`.
MoeStatus fill(const char *fn, bool autoInit, void *dst, uint32_t value,
               unsigned elementSize, size_t count, bool async,
               MoeStream stream);

MoeStatus createStream(const char *fn, bool autoInit, MoeStream *stream);
MoeStatus destroyStream(const char *fn, bool autoInit, MoeStream stream);
MoeStatus synchronizeStream(const char *fn, bool autoInit, MoeStream stream);
MoeStatus streamWaitEvent(const char *fn, bool autoInit, MoeStream stream,
                          MoeEvent event);
MoeStatus createEvent(const char *fn, bool autoInit, bool timing,
                      MoeEvent *event);
MoeStatus destroyEvent(const char *fn, bool autoInit, MoeEvent event);
MoeStatus recordEvent(const char *fn, bool autoInit, MoeEvent event,
                      MoeStream stream);
MoeStatus synchronizeEvent(const char *fn, bool autoInit, MoeEvent event);

/// The fields of a ranked memref descriptor (allocated and aligned
/// pointers, offset, sizes[rank], strides[rank], in elements, outermost
/// first) that generated code passes by address.
struct MemrefDescriptorView {
  char *aligned = nullptr;
  int64_t offset = 0;
  const int64_t *sizes = nullptr;
  const int64_t *strides = nullptr;
};
inline MemrefDescriptorView viewMemrefDescriptor(const void *descriptor,
                                                 int64_t rank) {
  const auto *base = static_cast<const char *>(descriptor);
  MemrefDescriptorView view;
  std::memcpy(&view.aligned, base + sizeof(void *), sizeof(view.aligned));
  std::memcpy(&view.offset, base + 2 * sizeof(void *), sizeof(view.offset));
  view.sizes = reinterpret_cast<const int64_t *>(base + 2 * sizeof(void *) + 8);
  view.strides = view.sizes + rank;
  return view;
}

/// Page-locks (registers) `bytes` of host memory at `hostPtr` for device
/// access, or releases such a registration (HostRegistration.cpp).
MoeStatus registerHostMemory(const char *fn, void *hostPtr, size_t bytes);
MoeStatus unregisterHostMemory(const char *fn, void *hostPtr);
/// The host range of a dense ranked memref (`descriptor`: allocated and
/// aligned pointers, offset, sizes[rank], strides[rank]) of
/// `elementSizeBytes`-byte elements; fails on a non-dense layout.
MoeStatus denseMemrefRange(const char *fn, int64_t rank, const void *descriptor,
                           int64_t elementSizeBytes, void **begin,
                           size_t *bytes);

/// Streams and events of the mgpu* ABI, reused per thread (HandlePool.cpp):
/// `take*` hands out one the thread gave back earlier (made for the current
/// device) or makes one, initializing the runtime if needed; `giveBack*`
/// keeps it for the thread's next take, or destroys it.
MoeStatus takeStream(const char *fn, MoeStream *stream);
MoeStatus giveBackStream(const char *fn, MoeStream stream);
MoeStatus takeEvent(const char *fn, MoeEvent *event);
MoeStatus giveBackEvent(const char *fn, MoeEvent event);

/// Loads a module image. `size` is the image's size in bytes, or 0 when the
/// caller does not know it (the image is then passed to the driver as is).
/// `optLevel` is the JIT optimization level (0..4) or -1 for the default.
MoeStatus loadModule(const char *fn, bool autoInit, const void *image,
                     size_t size, int optLevel, MoeModule *module);
MoeStatus getFunction(const char *fn, bool autoInit, MoeModule module,
                      const char *name, MoeFunction *function);
MoeStatus unloadModule(const char *fn, bool autoInit, MoeModule module);

/// Launch dimensions, already checked to fit the driver's unsigned ints.
struct LaunchDims {
  unsigned cluster[3] = {1, 1, 1};
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  bool hasCluster = false;
};

/// Launches `function`; `extra` is cuLaunchKernel's extra-options array.
MoeStatus launch(const char *fn, bool autoInit, MoeFunction function,
                 const LaunchDims &dims, unsigned dynamicSmemBytes,
                 MoeStream stream, void **params, void **extra);

/// Encodes a tiled tensor map from the driver's enum values.
MoeStatus encodeTensorMap(const char *fn, bool autoInit, void *tensorMap,
                          int dataType, uint32_t rank, void *globalAddress,
                          const uint64_t *globalDims,
                          const uint64_t *globalStrides,
                          const uint32_t *boxDims,
                          const uint32_t *elementStrides, int interleave,
                          int swizzle, int l2Promotion, int oobFill);

/// Returns the size in bytes of an element of the driver's tensor map data
/// type, or 0 if the runtime does not support the type.
unsigned tensorMapElementSize(int dataType);

/// Encodes into `tensorMap` (128 bytes, 64-byte aligned) the tiled tensor
/// map of the ranked memref whose descriptor `descriptor` points to, with
/// box `boxDims[rank]` (outermost first) and the driver's enum values;
/// initializes the runtime if needed. Maps are cached per thread by every
/// input (MemrefTensorMap.cpp).
MoeStatus encodeMemrefTensorMap(const char *fn, void *tensorMap, int64_t rank,
                                void *descriptor, int64_t dataType,
                                int64_t interleave, int64_t swizzle,
                                int64_t l2Promotion, int64_t oobFill,
                                const int64_t *boxDims);

} // namespace runtime
} // namespace moe

#endif // MOE_LIB_RUNTIME_RUNTIMEINTERNAL_H
