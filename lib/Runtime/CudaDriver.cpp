//===- CudaDriver.cpp - Loading libcuda.so.1 at run time ------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Opens the NVIDIA driver with dlopen and resolves the entry points of
// CudaDriver.h by their exported names. The outcome (the table or the
// failure message) is computed once and kept for the life of the process;
// the library handle is never closed, since driver state outlives any one
// caller.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"

#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <type_traits>

namespace moe {
namespace runtime {
namespace cu {

namespace {

constexpr const char *kDriverLibrary = "libcuda.so.1";

/// The outcome of loading the driver.
struct DriverState {
  DriverApi api = {};
  bool loaded = false;
  char error[1024] = {0};
};

DriverState &driverState() {
  static DriverState state;
  return state;
}
static_assert(std::is_trivially_destructible<DriverState>::value,
              "the driver table must survive static destructors");

/// Resolves `name` into `slot`; returns false if the driver lacks it.
template <typename Fn> bool resolve(void *handle, const char *name, Fn &slot) {
  void *symbol = dlsym(handle, name);
  slot = reinterpret_cast<Fn>(symbol);
  return symbol != nullptr;
}

/// Resolves every entry point; on failure names the first missing one.
bool resolveAll(void *handle, DriverApi &api, const char **missing) {
#define MOE_REQUIRED(field, symbol)                                            \
  if (!resolve(handle, symbol, api.field)) {                                   \
    *missing = symbol;                                                         \
    return false;                                                              \
  }
  MOE_REQUIRED(cuInit, "cuInit")
  MOE_REQUIRED(cuDriverGetVersion, "cuDriverGetVersion")
  MOE_REQUIRED(cuGetErrorString, "cuGetErrorString")
  MOE_REQUIRED(cuGetErrorName, "cuGetErrorName")
  MOE_REQUIRED(cuDeviceGetCount, "cuDeviceGetCount")
  MOE_REQUIRED(cuDeviceGet, "cuDeviceGet")
  MOE_REQUIRED(cuDeviceGetName, "cuDeviceGetName")
  MOE_REQUIRED(cuDeviceGetAttribute, "cuDeviceGetAttribute")
  MOE_REQUIRED(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain")
  MOE_REQUIRED(cuCtxSetCurrent, "cuCtxSetCurrent")
  MOE_REQUIRED(cuCtxGetCurrent, "cuCtxGetCurrent")
  MOE_REQUIRED(cuCtxSynchronize, "cuCtxSynchronize")
  MOE_REQUIRED(cuMemGetInfo, "cuMemGetInfo_v2")
  MOE_REQUIRED(cuMemAlloc, "cuMemAlloc_v2")
  MOE_REQUIRED(cuMemFree, "cuMemFree_v2")
  MOE_REQUIRED(cuMemcpyHtoD, "cuMemcpyHtoD_v2")
  MOE_REQUIRED(cuMemcpyDtoH, "cuMemcpyDtoH_v2")
  MOE_REQUIRED(cuMemcpyDtoD, "cuMemcpyDtoD_v2")
  MOE_REQUIRED(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2")
  MOE_REQUIRED(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2")
  MOE_REQUIRED(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2")
  MOE_REQUIRED(cuMemcpyAsync, "cuMemcpyAsync")
  MOE_REQUIRED(cuMemsetD8, "cuMemsetD8_v2")
  MOE_REQUIRED(cuMemsetD16, "cuMemsetD16_v2")
  MOE_REQUIRED(cuMemsetD32, "cuMemsetD32_v2")
  MOE_REQUIRED(cuMemsetD8Async, "cuMemsetD8Async")
  MOE_REQUIRED(cuMemsetD16Async, "cuMemsetD16Async")
  MOE_REQUIRED(cuMemsetD32Async, "cuMemsetD32Async")
  MOE_REQUIRED(cuStreamCreate, "cuStreamCreate")
  MOE_REQUIRED(cuStreamDestroy, "cuStreamDestroy_v2")
  MOE_REQUIRED(cuStreamSynchronize, "cuStreamSynchronize")
  MOE_REQUIRED(cuStreamWaitEvent, "cuStreamWaitEvent")
  MOE_REQUIRED(cuEventCreate, "cuEventCreate")
  MOE_REQUIRED(cuEventDestroy, "cuEventDestroy_v2")
  MOE_REQUIRED(cuEventRecord, "cuEventRecord")
  MOE_REQUIRED(cuEventSynchronize, "cuEventSynchronize")
  if (!resolve(handle, "cuEventElapsedTime_v2", api.cuEventElapsedTime))
    MOE_REQUIRED(cuEventElapsedTime, "cuEventElapsedTime")
  MOE_REQUIRED(cuModuleLoadData, "cuModuleLoadData")
  MOE_REQUIRED(cuModuleGetFunction, "cuModuleGetFunction")
  MOE_REQUIRED(cuModuleUnload, "cuModuleUnload")
  MOE_REQUIRED(cuFuncSetAttribute, "cuFuncSetAttribute")
  MOE_REQUIRED(cuLaunchKernel, "cuLaunchKernel")
#undef MOE_REQUIRED
  // Optional entry points: the calls that need them report their absence.
  resolve(handle, "cuModuleLoadDataEx", api.cuModuleLoadDataEx);
  resolve(handle, "cuLaunchKernelEx", api.cuLaunchKernelEx);
  resolve(handle, "cuModuleGetGlobal_v2", api.cuModuleGetGlobal);
  resolve(handle, "cuTensorMapEncodeTiled", api.cuTensorMapEncodeTiled);
  if (!resolve(handle, "cuMemHostRegister_v2", api.cuMemHostRegister) ||
      !resolve(handle, "cuMemHostUnregister", api.cuMemHostUnregister)) {
    api.cuMemHostRegister = nullptr;
    api.cuMemHostUnregister = nullptr;
  }
  // The stream-ordered allocator is used only with both entry points.
  if (!resolve(handle, "cuMemAllocAsync", api.cuMemAllocAsync) ||
      !resolve(handle, "cuMemFreeAsync", api.cuMemFreeAsync)) {
    api.cuMemAllocAsync = nullptr;
    api.cuMemFreeAsync = nullptr;
  }
  if (!resolve(handle, "cuMemPoolCreate", api.cuMemPoolCreate) ||
      !resolve(handle, "cuMemPoolSetAttribute", api.cuMemPoolSetAttribute) ||
      !resolve(handle, "cuMemAllocFromPoolAsync",
               api.cuMemAllocFromPoolAsync)) {
    api.cuMemPoolCreate = nullptr;
    api.cuMemPoolSetAttribute = nullptr;
    api.cuMemAllocFromPoolAsync = nullptr;
  }
  return true;
}

void load(DriverState &state) {
  dlerror(); // Clear any stale error.
  void *handle = dlopen(kDriverLibrary, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *reason = dlerror();
    std::snprintf(state.error, sizeof(state.error),
                  "cannot load the NVIDIA driver: %s",
                  reason ? reason : kDriverLibrary);
    // dlerror's text normally starts with the library's name; make sure the
    // message names it whatever the loader said.
    if (!std::strstr(state.error, kDriverLibrary))
      std::snprintf(state.error, sizeof(state.error),
                    "cannot load the NVIDIA driver %s: %s", kDriverLibrary,
                    reason ? reason : "unknown reason");
    return;
  }
  const char *missing = nullptr;
  if (!resolveAll(handle, state.api, &missing)) {
    std::snprintf(state.error, sizeof(state.error),
                  "the NVIDIA driver %s lacks the entry point %s; the "
                  "driver is too old (CUDA 12.0 or newer is needed)",
                  kDriverLibrary, missing);
    state.api = DriverApi();
    return;
  }
  state.loaded = true;
}

} // namespace

const DriverApi *loadDriver(const char **error) {
  static std::once_flag once;
  DriverState &state = driverState();
  std::call_once(once, [&state] { load(state); });
  if (!state.loaded) {
    if (error)
      *error = state.error;
    return nullptr;
  }
  return &state.api;
}

const char *errorName(const DriverApi &api, CUresult result, char *buffer,
                      size_t length) {
  const char *name = nullptr;
  if (api.cuGetErrorName(result, &name) == CUDA_SUCCESS && name)
    return name;
  std::snprintf(buffer, length, "CUDA_ERROR_%d", result);
  return buffer;
}

const char *errorString(const DriverApi &api, CUresult result) {
  const char *text = nullptr;
  if (api.cuGetErrorString(result, &text) == CUDA_SUCCESS && text)
    return text;
  return "unknown error";
}

} // namespace cu
} // namespace runtime
} // namespace moe
