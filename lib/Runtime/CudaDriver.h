//===- CudaDriver.h - The driver API, loaded with dlopen --------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The few types, constants and entry points of the NVIDIA driver API
// (libcuda.so.1) that the runtime uses, declared here so that the runtime
// builds without the CUDA toolkit. Values and signatures follow the driver
// API of CUDA 12/13 (cuda.h); entry points are looked up by their exported,
// versioned names (cuMemAlloc_v2, ...), which is what cuda.h's macros map
// the plain names to.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_LIB_RUNTIME_CUDADRIVER_H
#define MOE_LIB_RUNTIME_CUDADRIVER_H

#include <cstddef>
#include <cstdint>

namespace moe {
namespace runtime {
namespace cu {

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;

struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
struct CUevent_st;
struct CUmemPoolHandle_st;
using CUcontext = CUctx_st *;
using CUmodule = CUmod_st *;
using CUfunction = CUfunc_st *;
using CUstream = CUstream_st *;
using CUevent = CUevent_st *;
using CUmemoryPool = CUmemPoolHandle_st *;

/// CUmemPoolProps: allocation type, handle types, location (type, id), a
/// Windows-only pointer, then reserved bytes (of which newer headers name
/// a few; zero means the defaults).
struct MemPoolProps {
  int allocType;    ///< CU_MEM_ALLOCATION_TYPE_PINNED = 1
  int handleTypes;  ///< CU_MEM_HANDLE_TYPE_NONE = 0
  int locationType; ///< CU_MEM_LOCATION_TYPE_DEVICE = 1
  int locationId;   ///< the device ordinal
  void *win32SecurityAttributes;
  unsigned char reserved[64];
};
static_assert(sizeof(MemPoolProps) == 88, "CUmemPoolProps layout");
constexpr int CU_MEM_ALLOCATION_TYPE_PINNED = 1;
constexpr int CU_MEM_LOCATION_TYPE_DEVICE = 1;
constexpr int CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4;

/// CUlaunchAttribute: an attribute id padded to 8 bytes, then a 64-byte
/// value union of which only the cluster dimensions and the programmatic
/// stream serialization flag are used here.
struct LaunchAttribute {
  int id;
  char pad[4];
  union {
    char pad[64];
    struct {
      unsigned x, y, z;
    } clusterDim;
    int programmaticStreamSerializationAllowed;
  } value;
};
static_assert(sizeof(LaunchAttribute) == 72, "CUlaunchAttribute layout");

/// CUlaunchConfig.
struct LaunchConfig {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  LaunchAttribute *attrs;
  unsigned numAttrs;
};
static_assert(sizeof(LaunchConfig) == 56, "CUlaunchConfig layout");

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

// CUresult values the runtime tells apart.
constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_INVALID_VALUE = 1;
constexpr CUresult CUDA_ERROR_OUT_OF_MEMORY = 2;
constexpr CUresult CUDA_ERROR_NOT_INITIALIZED = 3;
constexpr CUresult CUDA_ERROR_DEINITIALIZED = 4;
constexpr CUresult CUDA_ERROR_STUB_LIBRARY = 34;
constexpr CUresult CUDA_ERROR_NO_DEVICE = 100;
constexpr CUresult CUDA_ERROR_INVALID_DEVICE = 101;
constexpr CUresult CUDA_ERROR_INVALID_IMAGE = 200;
constexpr CUresult CUDA_ERROR_NO_BINARY_FOR_GPU = 209;
constexpr CUresult CUDA_ERROR_INVALID_PTX = 218;
constexpr CUresult CUDA_ERROR_JIT_COMPILER_NOT_FOUND = 221;
constexpr CUresult CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;
constexpr CUresult CUDA_ERROR_INVALID_SOURCE = 300;
constexpr CUresult CUDA_ERROR_SHARED_OBJECT_INIT_FAILED = 303;
constexpr CUresult CUDA_ERROR_NOT_FOUND = 500;
constexpr CUresult CUDA_ERROR_ILLEGAL_ADDRESS = 700;
constexpr CUresult CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701;
constexpr CUresult CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED = 712;
constexpr CUresult CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED = 713;
constexpr CUresult CUDA_ERROR_LAUNCH_FAILED = 719;
constexpr CUresult CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE = 720;
constexpr CUresult CUDA_ERROR_INVALID_CLUSTER_SIZE = 912;

// CUdevice_attribute.
constexpr int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
constexpr int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
constexpr int CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED = 115;

// CUfunction_attribute.
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED = 14;

// Stream and event flags.
constexpr unsigned CU_STREAM_NON_BLOCKING = 0x1;
constexpr unsigned CU_EVENT_DEFAULT = 0x0;
constexpr unsigned CU_EVENT_DISABLE_TIMING = 0x2;

// CUjit_option.
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr int CU_JIT_OPTIMIZATION_LEVEL = 7;

// CUlaunchAttributeID.
constexpr int CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION = 4;
constexpr int CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;

// CUtensorMapDataType, CUtensorMapInterleave, CUtensorMapSwizzle,
// CUtensorMapL2promotion and CUtensorMapFloatOOBfill (Hopper subset).
constexpr int CU_TENSOR_MAP_DATA_TYPE_UINT8 = 0;
constexpr int CU_TENSOR_MAP_DATA_TYPE_UINT16 = 1;
constexpr int CU_TENSOR_MAP_DATA_TYPE_UINT32 = 2;
constexpr int CU_TENSOR_MAP_DATA_TYPE_INT32 = 3;
constexpr int CU_TENSOR_MAP_DATA_TYPE_UINT64 = 4;
constexpr int CU_TENSOR_MAP_DATA_TYPE_INT64 = 5;
constexpr int CU_TENSOR_MAP_DATA_TYPE_FLOAT16 = 6;
constexpr int CU_TENSOR_MAP_DATA_TYPE_FLOAT32 = 7;
constexpr int CU_TENSOR_MAP_DATA_TYPE_FLOAT64 = 8;
constexpr int CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 = 9;
constexpr int CU_TENSOR_MAP_DATA_TYPE_FLOAT32_FTZ = 10;
constexpr int CU_TENSOR_MAP_DATA_TYPE_TFLOAT32 = 11;
constexpr int CU_TENSOR_MAP_DATA_TYPE_TFLOAT32_FTZ = 12;
constexpr int CU_TENSOR_MAP_INTERLEAVE_NONE = 0;
constexpr int CU_TENSOR_MAP_INTERLEAVE_16B = 1;
constexpr int CU_TENSOR_MAP_INTERLEAVE_32B = 2;
constexpr int CU_TENSOR_MAP_SWIZZLE_NONE = 0;
constexpr int CU_TENSOR_MAP_SWIZZLE_32B = 1;
constexpr int CU_TENSOR_MAP_SWIZZLE_64B = 2;
constexpr int CU_TENSOR_MAP_SWIZZLE_128B = 3;
constexpr int CU_TENSOR_MAP_L2_PROMOTION_NONE = 0;
constexpr int CU_TENSOR_MAP_L2_PROMOTION_L2_64B = 1;
constexpr int CU_TENSOR_MAP_L2_PROMOTION_L2_128B = 2;
constexpr int CU_TENSOR_MAP_L2_PROMOTION_L2_256B = 3;
constexpr int CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE = 0;
constexpr int CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA = 1;

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

/// The driver entry points, resolved once per process. Enum parameters are
/// declared `int` (C enums are int-sized). Entry points marked optional may
/// be null; every other one is non-null once the driver is loaded.
struct DriverApi {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int *version);
  CUresult (*cuGetErrorString)(CUresult error, const char **str);
  CUresult (*cuGetErrorName)(CUresult error, const char **str);
  CUresult (*cuDeviceGetCount)(int *count);
  CUresult (*cuDeviceGet)(CUdevice *device, int ordinal);
  CUresult (*cuDeviceGetName)(char *name, int length, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int *value, int attribute, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *context, CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuCtxGetCurrent)(CUcontext *context);
  CUresult (*cuCtxSynchronize)();

  CUresult (*cuMemGetInfo)(size_t *free, size_t *total);  // _v2
  CUresult (*cuMemAlloc)(CUdeviceptr *ptr, size_t bytes); // _v2
  CUresult (*cuMemFree)(CUdeviceptr ptr);                 // _v2
  /// Optional (CUDA 11.2+): the stream-ordered allocator (the device's
  /// default memory pool).
  CUresult (*cuMemAllocAsync)(CUdeviceptr *ptr, size_t bytes, CUstream stream);
  /// Optional (CUDA 11.2+), resolved together with cuMemAllocAsync.
  CUresult (*cuMemFreeAsync)(CUdeviceptr ptr, CUstream stream);
  /// Optional: page-locking host memory the device may access
  /// (mgpuMemHostRegisterMemRef).
  CUresult (*cuMemHostRegister)(void *ptr, size_t bytes,
                                unsigned flags); // _v2
  CUresult (*cuMemHostUnregister)(void *ptr);
  /// Optional (CUDA 11.2+): a private memory pool (see Device::pool).
  CUresult (*cuMemPoolCreate)(CUmemoryPool *pool, const MemPoolProps *props);
  CUresult (*cuMemPoolSetAttribute)(CUmemoryPool pool, int attribute,
                                    void *value);
  CUresult (*cuMemAllocFromPoolAsync)(CUdeviceptr *ptr, size_t bytes,
                                      CUmemoryPool pool, CUstream stream);
  CUresult (*cuMemcpyHtoD)(CUdeviceptr dst, const void *src,
                           size_t bytes); // _v2
  CUresult (*cuMemcpyDtoH)(void *dst, CUdeviceptr src,
                           size_t bytes); // _v2
  CUresult (*cuMemcpyDtoD)(CUdeviceptr dst, CUdeviceptr src,
                           size_t bytes); // _v2
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr dst, const void *src, size_t bytes,
                                CUstream stream); // _v2
  CUresult (*cuMemcpyDtoHAsync)(void *dst, CUdeviceptr src, size_t bytes,
                                CUstream stream); // _v2
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                                CUstream stream); // _v2
  CUresult (*cuMemcpyAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                            CUstream stream);
  CUresult (*cuMemsetD8)(CUdeviceptr dst, unsigned char value,
                         size_t count); // _v2
  CUresult (*cuMemsetD16)(CUdeviceptr dst, unsigned short value,
                          size_t count); // _v2
  CUresult (*cuMemsetD32)(CUdeviceptr dst, unsigned value,
                          size_t count); // _v2
  CUresult (*cuMemsetD8Async)(CUdeviceptr dst, unsigned char value,
                              size_t count, CUstream stream);
  CUresult (*cuMemsetD16Async)(CUdeviceptr dst, unsigned short value,
                               size_t count, CUstream stream);
  CUresult (*cuMemsetD32Async)(CUdeviceptr dst, unsigned value, size_t count,
                               CUstream stream);

  CUresult (*cuStreamCreate)(CUstream *stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream); // _v2
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuStreamWaitEvent)(CUstream stream, CUevent event, unsigned flags);
  CUresult (*cuEventCreate)(CUevent *event, unsigned flags);
  CUresult (*cuEventDestroy)(CUevent event); // _v2
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
  CUresult (*cuEventSynchronize)(CUevent event);
  /// cuEventElapsedTime_v2 where the driver has it (12.8+), else the
  /// original entry point; both take the same arguments.
  CUresult (*cuEventElapsedTime)(float *ms, CUevent start, CUevent end);

  CUresult (*cuModuleLoadData)(CUmodule *module, const void *image);
  /// Optional: used for the JIT error log and optimization level.
  CUresult (*cuModuleLoadDataEx)(CUmodule *module, const void *image,
                                 unsigned numOptions, int *options,
                                 void **optionValues);
  CUresult (*cuModuleGetFunction)(CUfunction *function, CUmodule module,
                                  const char *name);
  CUresult (*cuModuleUnload)(CUmodule module);
  /// Optional: the programmatic-launch marker of a module.
  CUresult (*cuModuleGetGlobal)(CUdeviceptr *address, size_t *bytes,
                                CUmodule module, const char *name);
  CUresult (*cuFuncSetAttribute)(CUfunction function, int attribute, int value);
  CUresult (*cuLaunchKernel)(CUfunction function, unsigned gridX,
                             unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ,
                             unsigned sharedMemBytes, CUstream stream,
                             void **params, void **extra);
  /// Optional (CUDA 12.0+): cluster and programmatic launches.
  CUresult (*cuLaunchKernelEx)(const LaunchConfig *config, CUfunction function,
                               void **params, void **extra);
  /// Optional (CUDA 12.0+): tensor maps.
  CUresult (*cuTensorMapEncodeTiled)(
      void *tensorMap, int dataType, uint32_t rank, void *globalAddress,
      const uint64_t *globalDims, const uint64_t *globalStrides,
      const uint32_t *boxDims, const uint32_t *elementStrides, int interleave,
      int swizzle, int l2Promotion, int oobFill);
};

/// Loads libcuda.so.1 and resolves the entry points, once per process.
/// Returns the table, or null with `*error` set to a message that names
/// libcuda.so.1 and says what went wrong (the same message every time).
const DriverApi *loadDriver(const char **error);

/// Returns the driver's name for `result` (e.g. "CUDA_ERROR_OUT_OF_MEMORY"),
/// or "CUDA_ERROR_<n>" when the driver does not know it.
const char *errorName(const DriverApi &api, CUresult result, char *buffer,
                      size_t length);

/// Returns the driver's description of `result`, or "unknown error".
const char *errorString(const DriverApi &api, CUresult result);

} // namespace cu
} // namespace runtime
} // namespace moe

#endif // MOE_LIB_RUNTIME_CUDADRIVER_H
