//===- Runtime.cpp - Errors, devices, memory, streams and events ----------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The core of the runtime: the thread-local last error, driver and device
// initialization, and the memory, stream and event calls of the C API.
//
// The current device is published through an atomic pointer to an immutable
// Device record, so calls after initialization take no lock; moeInit is
// serialized by a mutex. Device records and their retained primary contexts
// live for the life of the process.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <atomic>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <string>

using namespace moe::runtime;
namespace cu = moe::runtime::cu;

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

namespace {

// Everything that may run at process exit is built to outlive static and
// thread_local destructors: host code from MLIR unloads its modules from
// .fini_array, which runs after them. So the runtime's singletons are
// trivially destructible or never destroyed, and the per-thread message is a
// heap string freed by a pthread key destructor when a thread (other than
// the main thread) exits.

thread_local std::string *threadMessage = nullptr;

void freeThreadMessage(void *message) {
  delete static_cast<std::string *>(message);
  threadMessage = nullptr;
}

std::string &threadLastError() {
  if (!threadMessage) {
    threadMessage = new std::string();
    static pthread_key_t key;
    static bool haveKey = pthread_key_create(&key, freeThreadMessage) == 0;
    if (haveKey)
      pthread_setspecific(key, threadMessage);
  }
  return *threadMessage;
}

/// Appends printf-style text to `out`.
void appendV(std::string &out, const char *format, va_list args) {
  char buffer[512];
  va_list copy;
  va_copy(copy, args);
  int length = std::vsnprintf(buffer, sizeof(buffer), format, copy);
  va_end(copy);
  if (length < 0)
    return;
  if (static_cast<size_t>(length) < sizeof(buffer)) {
    out.append(buffer, length);
    return;
  }
  size_t start = out.size();
  out.resize(start + length + 1);
  std::vsnprintf(&out[start], length + 1, format, args);
  out.resize(start + length);
}

} // namespace

MoeStatus moe::runtime::fail(MoeStatus status, const char *fn,
                             const char *format, ...) {
  std::string message = fn;
  message += ": ";
  va_list args;
  va_start(args, format);
  appendV(message, format, args);
  va_end(args);
  threadLastError().swap(message);
  return status;
}

MoeStatus moe::runtime::statusForResult(cu::CUresult result,
                                        MoeStatus fallback) {
  switch (result) {
  case cu::CUDA_ERROR_OUT_OF_MEMORY:
    return MOE_ERROR_OUT_OF_MEMORY;
  case cu::CUDA_ERROR_NO_DEVICE:
  case cu::CUDA_ERROR_INVALID_DEVICE:
    return MOE_ERROR_NO_DEVICE;
  case cu::CUDA_ERROR_STUB_LIBRARY:
    return MOE_ERROR_NO_DRIVER;
  case cu::CUDA_ERROR_INVALID_CLUSTER_SIZE:
    return MOE_ERROR_LAUNCH;
  // Registering a range twice or unregistering one that is not registered
  // is the caller's mistake, not a kernel fault (they sit in 700..720).
  case cu::CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED:
  case cu::CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED:
    return MOE_ERROR_INVALID_ARGUMENT;
  case cu::CUDA_ERROR_INVALID_VALUE:
  case 400: // CUDA_ERROR_INVALID_HANDLE
    return fallback == MOE_ERROR_DRIVER ? MOE_ERROR_INVALID_ARGUMENT : fallback;
  default:
    break;
  }
  // 700..720: faults of launched kernels (illegal address, trap, ...) and
  // launch resource errors; they surface at the next synchronizing call.
  if (result >= cu::CUDA_ERROR_ILLEGAL_ADDRESS &&
      result <= cu::CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE)
    return MOE_ERROR_LAUNCH;
  return fallback;
}

MoeStatus moe::runtime::failDriver(const cu::DriverApi &api,
                                   cu::CUresult result, MoeStatus fallback,
                                   const char *fn, const char *format, ...) {
  std::string message = fn;
  message += ": ";
  va_list args;
  va_start(args, format);
  appendV(message, format, args);
  va_end(args);
  char nameBuffer[32];
  message += " failed: ";
  message += cu::errorName(api, result, nameBuffer, sizeof(nameBuffer));
  message += " (";
  message += cu::errorString(api, result);
  message += ")";
  if (isKernelFault(result)) {
    appendPendingLaunches(message);
    message += "; a kernel fault leaves the CUDA context unusable: no later "
               "GPU call of this process can succeed, so report the error "
               "and exit";
  }
  threadLastError().swap(message);
  return statusForResult(result, fallback);
}

bool moe::runtime::isKernelFault(cu::CUresult result) {
  switch (result) {
  case cu::CUDA_ERROR_ILLEGAL_ADDRESS:
  case 702: // CUDA_ERROR_LAUNCH_TIMEOUT
  case 710: // CUDA_ERROR_ASSERT
  case 714: // CUDA_ERROR_HARDWARE_STACK_ERROR
  case 715: // CUDA_ERROR_ILLEGAL_INSTRUCTION
  case 716: // CUDA_ERROR_MISALIGNED_ADDRESS
  case 717: // CUDA_ERROR_INVALID_ADDRESS_SPACE
  case 718: // CUDA_ERROR_INVALID_PC
  case cu::CUDA_ERROR_LAUNCH_FAILED:
    return true;
  default:
    return false;
  }
}

const char *moe::runtime::lastErrorMessage() {
  return threadLastError().c_str();
}

void moe::runtime::appendToLastError(const char *text) {
  threadLastError() += text;
}

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

namespace {

constexpr int kMaxDevices = 64;

struct RuntimeState {
  /// Serializes initialization and guards everything below but `current`
  /// and `defaultDevice`.
  std::mutex mutex;
  std::atomic<const Device *> current{nullptr};
  std::atomic<int> defaultDevice{0};
  const Device *devices[kMaxDevices] = {};
  /// Why the last failed initialization failed, for later
  /// MOE_ERROR_NOT_INITIALIZED messages.
  char lastInitError[1024] = {0};
};

RuntimeState &state() {
  static RuntimeState *runtimeState = new RuntimeState();
  return *runtimeState;
}

/// Makes `device`'s context current on the calling thread.
MoeStatus bind(const char *fn, const cu::DriverApi &api, const Device &device) {
  cu::CUcontext context = nullptr;
  if (api.cuCtxGetCurrent(&context) == cu::CUDA_SUCCESS &&
      context == device.context)
    return MOE_SUCCESS;
  cu::CUresult result = api.cuCtxSetCurrent(device.context);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(api, result, MOE_ERROR_DRIVER, fn,
                      "cuCtxSetCurrent for device %d", device.ordinal);
  return MOE_SUCCESS;
}

/// Initializes `ordinal` and publishes it as the current device; the state
/// mutex is held.
MoeStatus initLocked(const char *fn, RuntimeState &rs, int ordinal) {
  const char *loadError = nullptr;
  const cu::DriverApi *api = cu::loadDriver(&loadError);
  if (!api)
    return fail(MOE_ERROR_NO_DRIVER, fn, "%s", loadError);

  cu::CUresult result = api->cuInit(0);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*api, result, MOE_ERROR_DRIVER, fn, "cuInit");
  int count = 0;
  result = api->cuDeviceGetCount(&count);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*api, result, MOE_ERROR_DRIVER, fn, "cuDeviceGetCount");
  if (count <= 0)
    return fail(MOE_ERROR_NO_DEVICE, fn,
                "the NVIDIA driver reports no CUDA device");
  if (ordinal >= count || ordinal >= kMaxDevices)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'device' = %d is out of range: the driver reports "
                "%d device(s)",
                ordinal, count);

  if (const Device *known = rs.devices[ordinal]) {
    MoeStatus status = bind(fn, *api, *known);
    if (status == MOE_SUCCESS)
      rs.current.store(known, std::memory_order_release);
    return status;
  }

  Device device;
  device.ordinal = ordinal;
  result = api->cuDeviceGet(&device.device, ordinal);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*api, result, MOE_ERROR_DRIVER, fn, "cuDeviceGet(%d)",
                      ordinal);
  result =
      api->cuDeviceGetName(device.name, sizeof(device.name) - 1, device.device);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*api, result, MOE_ERROR_DRIVER, fn, "cuDeviceGetName(%d)",
                      ordinal);
  struct {
    int attribute;
    int *value;
    const char *name;
  } attributes[] = {
      {cu::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, &device.ccMajor,
       "COMPUTE_CAPABILITY_MAJOR"},
      {cu::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, &device.ccMinor,
       "COMPUTE_CAPABILITY_MINOR"},
      {cu::CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
       &device.multiprocessorCount, "MULTIPROCESSOR_COUNT"},
      {cu::CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
       &device.maxDynamicSharedMemory, "MAX_SHARED_MEMORY_PER_BLOCK_OPTIN"},
  };
  for (const auto &attribute : attributes) {
    result = api->cuDeviceGetAttribute(attribute.value, attribute.attribute,
                                       device.device);
    if (result != cu::CUDA_SUCCESS)
      return failDriver(*api, result, MOE_ERROR_DRIVER, fn,
                        "cuDeviceGetAttribute(%s) of device %d", attribute.name,
                        ordinal);
  }
  // Optional: an older driver may not know the attribute.
  int memoryPools = 0;
  if (api->cuMemAllocAsync &&
      api->cuDeviceGetAttribute(&memoryPools,
                                cu::CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED,
                                device.device) == cu::CUDA_SUCCESS)
    device.streamOrderedAllocation = memoryPools != 0;
  if (device.ccMajor < 9)
    return fail(MOE_ERROR_UNSUPPORTED_DEVICE, fn,
                "device %d (%s) has compute capability %d.%d; the runtime "
                "needs 9.0 (Hopper) or newer",
                ordinal, device.name, device.ccMajor, device.ccMinor);
  result = api->cuDevicePrimaryCtxRetain(&device.context, device.device);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*api, result, MOE_ERROR_DRIVER, fn,
                      "cuDevicePrimaryCtxRetain(%d)", ordinal);
  if (device.streamOrderedAllocation && api->cuMemPoolCreate) {
    cu::MemPoolProps props = {};
    props.allocType = cu::CU_MEM_ALLOCATION_TYPE_PINNED;
    props.locationType = cu::CU_MEM_LOCATION_TYPE_DEVICE;
    props.locationId = ordinal;
    cu::CUmemoryPool pool = nullptr;
    uint64_t unbounded = UINT64_MAX;
    // Optional: without it, the default pool serves (correct, slower).
    if (api->cuMemPoolCreate(&pool, &props) == cu::CUDA_SUCCESS &&
        api->cuMemPoolSetAttribute(pool, cu::CU_MEMPOOL_ATTR_RELEASE_THRESHOLD,
                                   &unbounded) == cu::CUDA_SUCCESS)
      device.pool = pool;
  }

  // Published records are never freed: other threads may hold them.
  const Device *published = new Device(device);
  rs.devices[ordinal] = published;
  MoeStatus status = bind(fn, *api, *published);
  if (status == MOE_SUCCESS)
    rs.current.store(published, std::memory_order_release);
  return status;
}

} // namespace

MoeStatus moe::runtime::initDevice(const char *fn, int device) {
  if (device < 0)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'device' = %d is negative", device);
  RuntimeState &rs = state();
  std::lock_guard<std::mutex> lock(rs.mutex);
  const Device *current = rs.current.load(std::memory_order_acquire);
  if (current && current->ordinal == device) {
    const cu::DriverApi *api = cu::loadDriver(nullptr);
    return bind(fn, *api, *current);
  }
  MoeStatus status = initLocked(fn, rs, device);
  if (status != MOE_SUCCESS)
    std::snprintf(rs.lastInitError, sizeof(rs.lastInitError), "%s",
                  lastErrorMessage());
  return status;
}

MoeStatus moe::runtime::acquire(const char *fn, Session &session,
                                bool autoInit) {
  RuntimeState &rs = state();
  const Device *device = rs.current.load(std::memory_order_acquire);
  if (!device) {
    if (autoInit) {
      MoeStatus status =
          initDevice(fn, rs.defaultDevice.load(std::memory_order_relaxed));
      if (status != MOE_SUCCESS)
        return status;
      device = rs.current.load(std::memory_order_acquire);
    } else {
      std::string reason;
      {
        std::lock_guard<std::mutex> lock(rs.mutex);
        reason = rs.lastInitError;
      }
      if (reason.empty())
        return fail(MOE_ERROR_NOT_INITIALIZED, fn,
                    "the runtime is not initialized; call moeInit first");
      return fail(MOE_ERROR_NOT_INITIALIZED, fn,
                  "the runtime is not initialized; the last initialization "
                  "failed with: %s",
                  reason.c_str());
    }
  }
  session.api = cu::loadDriver(nullptr);
  session.device = device;
  return bind(fn, *session.api, *device);
}

void moe::runtime::setDefaultDevice(int device) {
  state().defaultDevice.store(device, std::memory_order_relaxed);
}

const Device *moe::runtime::currentDevice() {
  return state().current.load(std::memory_order_acquire);
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

namespace {

cu::CUdeviceptr devicePointer(const void *pointer) {
  return static_cast<cu::CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer));
}

cu::CUstream driverStream(MoeStream stream) {
  return reinterpret_cast<cu::CUstream>(stream);
}

cu::CUevent driverEvent(MoeEvent event) {
  return reinterpret_cast<cu::CUevent>(event);
}

} // namespace

namespace {

/// The checks every allocation starts with; acquires `session`.
MoeStatus startAllocation(const char *fn, bool autoInit, void **devicePtr,
                          size_t bytes, Session &session) {
  MOE_CHECK_NOT_NULL(fn, devicePtr);
  *devicePtr = nullptr;
  if (bytes == 0)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'bytes' is 0; allocations must be non-empty");
  return acquire(fn, session, autoInit);
}

} // namespace

MoeStatus moe::runtime::allocate(const char *fn, bool autoInit,
                                 void **devicePtr, size_t bytes) {
  Session session;
  if (MoeStatus status =
          startAllocation(fn, autoInit, devicePtr, bytes, session))
    return status;
  cu::CUdeviceptr pointer = 0;
  cu::CUresult result = session.api->cuMemAlloc(&pointer, bytes);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuMemAlloc_v2 of %zu bytes", bytes);
  *devicePtr = reinterpret_cast<void *>(static_cast<uintptr_t>(pointer));
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::release(const char *fn, bool autoInit,
                                void *devicePtr) {
  if (!devicePtr)
    return MOE_SUCCESS;
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUresult result = session.api->cuMemFree(devicePointer(devicePtr));
  if (result != cu::CUDA_SUCCESS && !isShutdown(result))
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuMemFree_v2(%p)", devicePtr);
  return MOE_SUCCESS;
}

namespace {

/// Reports that the session's driver or device lacks the stream-ordered
/// allocator that `what` (an allocation or a free) needs.
MoeStatus needStreamOrdered(const char *fn, const Session &session,
                            const char *what) {
  if (!session.api->cuMemAllocAsync)
    return fail(MOE_ERROR_NO_DRIVER, fn,
                "%s on the caller's stream needs the stream-ordered "
                "allocator, and the NVIDIA driver libcuda.so.1 lacks "
                "cuMemAllocAsync/cuMemFreeAsync (CUDA 11.2 or newer is "
                "needed)",
                what);
  return fail(MOE_ERROR_UNSUPPORTED_DEVICE, fn,
              "%s on the caller's stream needs the stream-ordered allocator, "
              "and device %d (%s) does not support memory pools",
              what, session.device->ordinal, session.device->name);
}

} // namespace

MoeStatus moe::runtime::allocateOnStream(const char *fn, bool autoInit,
                                         void **devicePtr, size_t bytes,
                                         MoeStream stream, bool required) {
  Session session;
  if (MoeStatus status =
          startAllocation(fn, autoInit, devicePtr, bytes, session))
    return status;
  if (!session.device->streamOrderedAllocation) {
    if (required)
      return needStreamOrdered(fn, session, "an allocation");
    return allocate(fn, autoInit, devicePtr, bytes);
  }
  cu::CUdeviceptr pointer = 0;
  cu::CUresult result =
      session.device->pool
          ? session.api->cuMemAllocFromPoolAsync(
                &pointer, bytes, session.device->pool, driverStream(stream))
          : session.api->cuMemAllocAsync(&pointer, bytes, driverStream(stream));
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuMemAllocAsync of %zu bytes on stream %p", bytes,
                      static_cast<void *>(stream));
  *devicePtr = reinterpret_cast<void *>(static_cast<uintptr_t>(pointer));
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::releaseOnStream(const char *fn, bool autoInit,
                                        void *devicePtr, MoeStream stream,
                                        bool required) {
  if (!devicePtr)
    return MOE_SUCCESS;
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  if (!session.device->streamOrderedAllocation) {
    if (required)
      return needStreamOrdered(fn, session, "a free");
    return release(fn, autoInit, devicePtr);
  }
  cu::CUresult result = session.api->cuMemFreeAsync(devicePointer(devicePtr),
                                                    driverStream(stream));
  if (result != cu::CUDA_SUCCESS && !isShutdown(result))
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuMemFreeAsync(%p) on stream %p", devicePtr,
                      static_cast<void *>(stream));
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::copy(const char *fn, bool autoInit, CopyKind kind,
                             void *dst, const void *src, size_t bytes,
                             bool async, MoeStream stream) {
  if (bytes == 0)
    return MOE_SUCCESS;
  MOE_CHECK_NOT_NULL(fn, dst);
  MOE_CHECK_NOT_NULL(fn, src);
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  const cu::DriverApi &api = *session.api;
  cu::CUstream s = driverStream(stream);
  cu::CUresult result = cu::CUDA_SUCCESS;
  const char *entry = "";
  switch (kind) {
  case CopyKind::HostToDevice:
    entry = async ? "cuMemcpyHtoDAsync_v2" : "cuMemcpyHtoD_v2";
    result = async ? api.cuMemcpyHtoDAsync(devicePointer(dst), src, bytes, s)
                   : api.cuMemcpyHtoD(devicePointer(dst), src, bytes);
    break;
  case CopyKind::DeviceToHost:
    entry = async ? "cuMemcpyDtoHAsync_v2" : "cuMemcpyDtoH_v2";
    result = async ? api.cuMemcpyDtoHAsync(dst, devicePointer(src), bytes, s)
                   : api.cuMemcpyDtoH(dst, devicePointer(src), bytes);
    break;
  case CopyKind::DeviceToDevice:
    entry = async ? "cuMemcpyDtoDAsync_v2" : "cuMemcpyDtoD_v2";
    result =
        async ? api.cuMemcpyDtoDAsync(devicePointer(dst), devicePointer(src),
                                      bytes, s)
              : api.cuMemcpyDtoD(devicePointer(dst), devicePointer(src), bytes);
    break;
  case CopyKind::Any:
    entry = "cuMemcpyAsync";
    result =
        api.cuMemcpyAsync(devicePointer(dst), devicePointer(src), bytes, s);
    break;
  }
  if (result != cu::CUDA_SUCCESS)
    return failDriver(api, result, MOE_ERROR_DRIVER, fn,
                      "%s of %zu bytes from %p to %p", entry, bytes, src, dst);
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::fill(const char *fn, bool autoInit, void *dst,
                             uint32_t value, unsigned elementSize, size_t count,
                             bool async, MoeStream stream) {
  if (count == 0)
    return MOE_SUCCESS;
  MOE_CHECK_NOT_NULL(fn, dst);
  if (reinterpret_cast<uintptr_t>(dst) % elementSize != 0)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'dst' = %p is not %u-byte aligned", dst, elementSize);
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  const cu::DriverApi &api = *session.api;
  cu::CUdeviceptr d = devicePointer(dst);
  cu::CUstream s = driverStream(stream);
  cu::CUresult result = cu::CUDA_SUCCESS;
  switch (elementSize) {
  case 1:
    result = async
                 ? api.cuMemsetD8Async(d, static_cast<uint8_t>(value), count, s)
                 : api.cuMemsetD8(d, static_cast<uint8_t>(value), count);
    break;
  case 2:
    result =
        async ? api.cuMemsetD16Async(d, static_cast<uint16_t>(value), count, s)
              : api.cuMemsetD16(d, static_cast<uint16_t>(value), count);
    break;
  default:
    result = async ? api.cuMemsetD32Async(d, value, count, s)
                   : api.cuMemsetD32(d, value, count);
    break;
  }
  if (result != cu::CUDA_SUCCESS)
    return failDriver(api, result, MOE_ERROR_DRIVER, fn,
                      "cuMemsetD%u%s of %zu elements at %p", elementSize * 8,
                      async ? "Async" : "_v2", count, dst);
  return MOE_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Streams and events
//===----------------------------------------------------------------------===//

MoeStatus moe::runtime::createStream(const char *fn, bool autoInit,
                                     MoeStream *stream) {
  MOE_CHECK_NOT_NULL(fn, stream);
  *stream = nullptr;
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUstream created = nullptr;
  cu::CUresult result =
      session.api->cuStreamCreate(&created, cu::CU_STREAM_NON_BLOCKING);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuStreamCreate");
  *stream = reinterpret_cast<MoeStream>(created);
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::destroyStream(const char *fn, bool autoInit,
                                      MoeStream stream) {
  if (!stream)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'stream' is null (the default stream cannot be "
                "destroyed)");
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUresult result = session.api->cuStreamDestroy(driverStream(stream));
  if (result != cu::CUDA_SUCCESS && !isShutdown(result))
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuStreamDestroy_v2(%p)", static_cast<void *>(stream));
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::synchronizeStream(const char *fn, bool autoInit,
                                          MoeStream stream) {
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUresult result = session.api->cuStreamSynchronize(driverStream(stream));
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuStreamSynchronize(%p)", static_cast<void *>(stream));
  forgetPendingLaunches(stream, /*all=*/false);
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::streamWaitEvent(const char *fn, bool autoInit,
                                        MoeStream stream, MoeEvent event) {
  MOE_CHECK_NOT_NULL(fn, event);
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUresult result = session.api->cuStreamWaitEvent(
      driverStream(stream), driverEvent(event), /*flags=*/0);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuStreamWaitEvent(%p, %p)", static_cast<void *>(stream),
                      static_cast<void *>(event));
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::createEvent(const char *fn, bool autoInit, bool timing,
                                    MoeEvent *event) {
  MOE_CHECK_NOT_NULL(fn, event);
  *event = nullptr;
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUevent created = nullptr;
  cu::CUresult result = session.api->cuEventCreate(
      &created, timing ? cu::CU_EVENT_DEFAULT : cu::CU_EVENT_DISABLE_TIMING);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuEventCreate");
  *event = reinterpret_cast<MoeEvent>(created);
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::destroyEvent(const char *fn, bool autoInit,
                                     MoeEvent event) {
  MOE_CHECK_NOT_NULL(fn, event);
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUresult result = session.api->cuEventDestroy(driverEvent(event));
  if (result != cu::CUDA_SUCCESS && !isShutdown(result))
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuEventDestroy_v2(%p)", static_cast<void *>(event));
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::recordEvent(const char *fn, bool autoInit,
                                    MoeEvent event, MoeStream stream) {
  MOE_CHECK_NOT_NULL(fn, event);
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUresult result =
      session.api->cuEventRecord(driverEvent(event), driverStream(stream));
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuEventRecord(%p, %p)", static_cast<void *>(event),
                      static_cast<void *>(stream));
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::synchronizeEvent(const char *fn, bool autoInit,
                                         MoeEvent event) {
  MOE_CHECK_NOT_NULL(fn, event);
  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  cu::CUresult result = session.api->cuEventSynchronize(driverEvent(event));
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuEventSynchronize(%p)", static_cast<void *>(event));
  return MOE_SUCCESS;
}

//===----------------------------------------------------------------------===//
// C API
//===----------------------------------------------------------------------===//

extern "C" {

const char *moeStatusName(MoeStatus status) {
  switch (status) {
  case MOE_SUCCESS:
    return "MOE_SUCCESS";
  case MOE_ERROR_NO_DRIVER:
    return "MOE_ERROR_NO_DRIVER";
  case MOE_ERROR_NO_DEVICE:
    return "MOE_ERROR_NO_DEVICE";
  case MOE_ERROR_UNSUPPORTED_DEVICE:
    return "MOE_ERROR_UNSUPPORTED_DEVICE";
  case MOE_ERROR_OUT_OF_MEMORY:
    return "MOE_ERROR_OUT_OF_MEMORY";
  case MOE_ERROR_INVALID_MODULE:
    return "MOE_ERROR_INVALID_MODULE";
  case MOE_ERROR_INVALID_ARGUMENT:
    return "MOE_ERROR_INVALID_ARGUMENT";
  case MOE_ERROR_LAUNCH:
    return "MOE_ERROR_LAUNCH";
  case MOE_ERROR_DRIVER:
    return "MOE_ERROR_DRIVER";
  case MOE_ERROR_NOT_INITIALIZED:
    return "MOE_ERROR_NOT_INITIALIZED";
  case MOE_STATUS_MAX_ENUM:
    break;
  }
  return "MOE_ERROR_<unknown>";
}

const char *moeGetLastErrorMessage(void) { return lastErrorMessage(); }

MoeStatus moeInit(int device) { return initDevice("moeInit", device); }

MoeStatus moeGetDeviceCount(int *count) {
  constexpr const char *fn = "moeGetDeviceCount";
  MOE_CHECK_NOT_NULL(fn, count);
  *count = 0;
  const char *loadError = nullptr;
  const cu::DriverApi *api = cu::loadDriver(&loadError);
  if (!api)
    return fail(MOE_ERROR_NO_DRIVER, fn, "%s", loadError);
  cu::CUresult result = api->cuInit(0);
  if (result == cu::CUDA_ERROR_NO_DEVICE)
    return MOE_SUCCESS;
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*api, result, MOE_ERROR_DRIVER, fn, "cuInit");
  result = api->cuDeviceGetCount(count);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*api, result, MOE_ERROR_DRIVER, fn, "cuDeviceGetCount");
  return MOE_SUCCESS;
}

MoeStatus moeGetDevice(int *device) {
  constexpr const char *fn = "moeGetDevice";
  MOE_CHECK_NOT_NULL(fn, device);
  *device = -1;
  Session session;
  if (MoeStatus status = acquire(fn, session))
    return status;
  *device = session.device->ordinal;
  return MOE_SUCCESS;
}

MoeStatus moeDeviceGetName(char *name, size_t length) {
  constexpr const char *fn = "moeDeviceGetName";
  MOE_CHECK_NOT_NULL(fn, name);
  if (length == 0)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'length' is 0; the name needs room for its NUL");
  name[0] = '\0';
  Session session;
  if (MoeStatus status = acquire(fn, session))
    return status;
  std::snprintf(name, length, "%s", session.device->name);
  return MOE_SUCCESS;
}

MoeStatus moeDeviceGetComputeCapability(int *major, int *minor) {
  constexpr const char *fn = "moeDeviceGetComputeCapability";
  MOE_CHECK_NOT_NULL(fn, major);
  MOE_CHECK_NOT_NULL(fn, minor);
  *major = *minor = 0;
  Session session;
  if (MoeStatus status = acquire(fn, session))
    return status;
  *major = session.device->ccMajor;
  *minor = session.device->ccMinor;
  return MOE_SUCCESS;
}

MoeStatus moeDeviceGetMultiprocessorCount(int *count) {
  constexpr const char *fn = "moeDeviceGetMultiprocessorCount";
  MOE_CHECK_NOT_NULL(fn, count);
  *count = 0;
  Session session;
  if (MoeStatus status = acquire(fn, session))
    return status;
  *count = session.device->multiprocessorCount;
  return MOE_SUCCESS;
}

MoeStatus moeDeviceGetMaxDynamicSharedMemory(int *bytes) {
  constexpr const char *fn = "moeDeviceGetMaxDynamicSharedMemory";
  MOE_CHECK_NOT_NULL(fn, bytes);
  *bytes = 0;
  Session session;
  if (MoeStatus status = acquire(fn, session))
    return status;
  *bytes = session.device->maxDynamicSharedMemory;
  return MOE_SUCCESS;
}

MoeStatus moeMemGetInfo(size_t *freeBytes, size_t *totalBytes) {
  constexpr const char *fn = "moeMemGetInfo";
  MOE_CHECK_NOT_NULL(fn, freeBytes);
  MOE_CHECK_NOT_NULL(fn, totalBytes);
  *freeBytes = *totalBytes = 0;
  Session session;
  if (MoeStatus status = acquire(fn, session))
    return status;
  cu::CUresult result = session.api->cuMemGetInfo(freeBytes, totalBytes);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuMemGetInfo_v2");
  return MOE_SUCCESS;
}

MoeStatus moeDeviceSynchronize(void) {
  constexpr const char *fn = "moeDeviceSynchronize";
  Session session;
  if (MoeStatus status = acquire(fn, session))
    return status;
  cu::CUresult result = session.api->cuCtxSynchronize();
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuCtxSynchronize");
  forgetPendingLaunches(nullptr, /*all=*/true);
  return MOE_SUCCESS;
}

MoeStatus moeStreamCreate(MoeStream *stream) {
  return createStream("moeStreamCreate", false, stream);
}

MoeStatus moeStreamDestroy(MoeStream stream) {
  return destroyStream("moeStreamDestroy", false, stream);
}

MoeStatus moeStreamSynchronize(MoeStream stream) {
  return synchronizeStream("moeStreamSynchronize", false, stream);
}

MoeStatus moeStreamWaitEvent(MoeStream stream, MoeEvent event) {
  return streamWaitEvent("moeStreamWaitEvent", false, stream, event);
}

MoeStatus moeEventCreate(MoeEvent *event) {
  return createEvent("moeEventCreate", false, /*timing=*/true, event);
}

MoeStatus moeEventDestroy(MoeEvent event) {
  return destroyEvent("moeEventDestroy", false, event);
}

MoeStatus moeEventRecord(MoeEvent event, MoeStream stream) {
  return recordEvent("moeEventRecord", false, event, stream);
}

MoeStatus moeEventSynchronize(MoeEvent event) {
  return synchronizeEvent("moeEventSynchronize", false, event);
}

MoeStatus moeEventElapsedTime(float *milliseconds, MoeEvent start,
                              MoeEvent end) {
  constexpr const char *fn = "moeEventElapsedTime";
  MOE_CHECK_NOT_NULL(fn, milliseconds);
  *milliseconds = 0.0f;
  MOE_CHECK_NOT_NULL(fn, start);
  MOE_CHECK_NOT_NULL(fn, end);
  Session session;
  if (MoeStatus status = acquire(fn, session))
    return status;
  cu::CUresult result = session.api->cuEventElapsedTime(
      milliseconds, driverEvent(start), driverEvent(end));
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuEventElapsedTime(%p, %p)", static_cast<void *>(start),
                      static_cast<void *>(end));
  return MOE_SUCCESS;
}

MoeStatus moeMalloc(void **devicePtr, size_t bytes) {
  return allocate("moeMalloc", false, devicePtr, bytes);
}

MoeStatus moeFree(void *devicePtr) {
  return release("moeFree", false, devicePtr);
}

MoeStatus moeMemcpyHtoD(void *dst, const void *src, size_t bytes) {
  return copy("moeMemcpyHtoD", false, CopyKind::HostToDevice, dst, src, bytes,
              false, nullptr);
}

MoeStatus moeMemcpyDtoH(void *dst, const void *src, size_t bytes) {
  return copy("moeMemcpyDtoH", false, CopyKind::DeviceToHost, dst, src, bytes,
              false, nullptr);
}

MoeStatus moeMemcpyDtoD(void *dst, const void *src, size_t bytes) {
  return copy("moeMemcpyDtoD", false, CopyKind::DeviceToDevice, dst, src, bytes,
              false, nullptr);
}

MoeStatus moeMemcpyHtoDAsync(void *dst, const void *src, size_t bytes,
                             MoeStream stream) {
  return copy("moeMemcpyHtoDAsync", false, CopyKind::HostToDevice, dst, src,
              bytes, true, stream);
}

MoeStatus moeMemcpyDtoHAsync(void *dst, const void *src, size_t bytes,
                             MoeStream stream) {
  return copy("moeMemcpyDtoHAsync", false, CopyKind::DeviceToHost, dst, src,
              bytes, true, stream);
}

MoeStatus moeMemcpyDtoDAsync(void *dst, const void *src, size_t bytes,
                             MoeStream stream) {
  return copy("moeMemcpyDtoDAsync", false, CopyKind::DeviceToDevice, dst, src,
              bytes, true, stream);
}

MoeStatus moeMemcpyAsync(void *dst, const void *src, size_t bytes,
                         MoeStream stream) {
  return copy("moeMemcpyAsync", false, CopyKind::Any, dst, src, bytes, true,
              stream);
}

MoeStatus moeMemsetD8(void *dst, uint8_t value, size_t count) {
  return fill("moeMemsetD8", false, dst, value, 1, count, false, nullptr);
}

MoeStatus moeMemsetD16(void *dst, uint16_t value, size_t count) {
  return fill("moeMemsetD16", false, dst, value, 2, count, false, nullptr);
}

MoeStatus moeMemsetD32(void *dst, uint32_t value, size_t count) {
  return fill("moeMemsetD32", false, dst, value, 4, count, false, nullptr);
}

MoeStatus moeMemsetD8Async(void *dst, uint8_t value, size_t count,
                           MoeStream stream) {
  return fill("moeMemsetD8Async", false, dst, value, 1, count, true, stream);
}

MoeStatus moeMemsetD16Async(void *dst, uint16_t value, size_t count,
                            MoeStream stream) {
  return fill("moeMemsetD16Async", false, dst, value, 2, count, true, stream);
}

MoeStatus moeMemsetD32Async(void *dst, uint32_t value, size_t count,
                            MoeStream stream) {
  return fill("moeMemsetD32Async", false, dst, value, 4, count, true, stream);
}

} // extern "C"
