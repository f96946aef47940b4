/*===- Runtime.h - MoE GPU runtime C API ------------------------*- C -*-===//
 *
 * Part of the moe project.
 *
 *===----------------------------------------------------------------------===//
 *
 * The runtime that launches the kernels the moe compiler generates on NVIDIA
 * Hopper (sm_90+) GPUs. It loads the NVIDIA driver (libcuda.so.1) at run time
 * with dlopen, so it builds and links without the CUDA toolkit, and a host
 * without a driver gets a clean MOE_ERROR_NO_DRIVER instead of a load-time
 * failure.
 *
 * Conventions:
 *  - Every moe* function returns a MoeStatus and never aborts, throws or
 *    dereferences a null pointer it was given. On failure the calling
 *    thread's last error message (moeGetLastErrorMessage) says what failed
 *    and names the offending argument and value.
 *  - Arguments are checked before anything else, so argument errors are
 *    reported the same way with or without a driver.
 *  - moeInit selects the device; every other call that needs a device fails
 *    with MOE_ERROR_NOT_INITIALIZED until a moeInit call has succeeded.
 *  - Device pointers are plain `void *` values (the driver uses unified
 *    addressing); they are valid kernel arguments as is.
 *  - A null MoeStream means the driver's default (legacy) stream.
 *  - The mgpu* functions at the end are the ABI that MLIR's `gpu-to-llvm`
 *    host code calls; see docs/Runtime.md for their error contract.
 *
 * This header is C99 and C++ compatible.
 *
 *===----------------------------------------------------------------------===*/

#ifndef MOE_RUNTIME_RUNTIME_H
#define MOE_RUNTIME_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

#if defined(_WIN32)
#define MOE_RUNTIME_EXPORT __declspec(dllexport)
#else
#define MOE_RUNTIME_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*===----------------------------------------------------------------------===
 * Status codes and errors
 *===----------------------------------------------------------------------===*/

/** What every runtime call returns. */
typedef enum MoeStatus {
  /** The call succeeded. */
  MOE_SUCCESS = 0,
  /** libcuda.so.1 could not be loaded or lacks a required entry point. */
  MOE_ERROR_NO_DRIVER = 1,
  /** The driver reports no usable CUDA device. */
  MOE_ERROR_NO_DEVICE = 2,
  /** The device's compute capability is below 9.0 (Hopper). */
  MOE_ERROR_UNSUPPORTED_DEVICE = 3,
  /** A device (or host staging) allocation failed. */
  MOE_ERROR_OUT_OF_MEMORY = 4,
  /** A module image is not valid PTX, cubin or fatbin for this device. */
  MOE_ERROR_INVALID_MODULE = 5,
  /** An argument is invalid; the message names it and its value. */
  MOE_ERROR_INVALID_ARGUMENT = 6,
  /** A kernel launch failed, or a launched kernel faulted. */
  MOE_ERROR_LAUNCH = 7,
  /** Any other driver failure; the message has the driver's error name. */
  MOE_ERROR_DRIVER = 8,
  /** The call needs a device and no moeInit call has succeeded yet. */
  MOE_ERROR_NOT_INITIALIZED = 9,
  /** Not a status: makes the enum span int32 so that any value passed in is
   *  well defined (as Vulkan's *_MAX_ENUM). The same holds for the enums
   *  below. */
  MOE_STATUS_MAX_ENUM = 0x7fffffff
} MoeStatus;

/** Returns a static, human-readable name for a status ("MOE_SUCCESS", ...). */
MOE_RUNTIME_EXPORT const char *moeStatusName(MoeStatus status);

/** Returns the calling thread's last error message, "" if none. The message
 *  stays until the next failing runtime call on this thread; the pointer is
 *  valid until then. */
MOE_RUNTIME_EXPORT const char *moeGetLastErrorMessage(void);

/*===----------------------------------------------------------------------===
 * Initialization and device queries
 *===----------------------------------------------------------------------===*/

/** Loads the driver (once per process), initializes it and makes `device`
 *  (an ordinal, 0-based) the runtime's current device, retaining its primary
 *  context. Calling it again with the same device is cheap and succeeds;
 *  with another device it switches the process to that device (objects made
 *  on the previous device must only be used while it is current).
 *  Fails with MOE_ERROR_NO_DRIVER (no libcuda.so.1), MOE_ERROR_NO_DEVICE,
 *  MOE_ERROR_INVALID_ARGUMENT (ordinal out of range) or
 *  MOE_ERROR_UNSUPPORTED_DEVICE (compute capability < 9.0). */
MOE_RUNTIME_EXPORT MoeStatus moeInit(int device);

/** Returns the number of CUDA devices; loads and initializes the driver but
 *  needs no moeInit. */
MOE_RUNTIME_EXPORT MoeStatus moeGetDeviceCount(int *count);

/** Returns the ordinal of the current device. */
MOE_RUNTIME_EXPORT MoeStatus moeGetDevice(int *device);

/** Copies the current device's name (NUL-terminated, truncated to fit) into
 *  `name`, which holds `length` bytes. */
MOE_RUNTIME_EXPORT MoeStatus moeDeviceGetName(char *name, size_t length);

/** Returns the current device's compute capability, e.g. 9.0. */
MOE_RUNTIME_EXPORT MoeStatus moeDeviceGetComputeCapability(int *major,
                                                           int *minor);

/** Returns the current device's number of streaming multiprocessors. */
MOE_RUNTIME_EXPORT MoeStatus moeDeviceGetMultiprocessorCount(int *count);

/** Returns the largest dynamic shared memory a block may opt in to, in bytes
 *  (the device's opt-in limit, 227 KiB on H100). */
MOE_RUNTIME_EXPORT MoeStatus moeDeviceGetMaxDynamicSharedMemory(int *bytes);

/** Returns the free and total device memory in bytes. */
MOE_RUNTIME_EXPORT MoeStatus moeMemGetInfo(size_t *freeBytes,
                                           size_t *totalBytes);

/** Waits until all work on the current device has finished. */
MOE_RUNTIME_EXPORT MoeStatus moeDeviceSynchronize(void);

/*===----------------------------------------------------------------------===
 * Streams and events
 *===----------------------------------------------------------------------===*/

/** A stream (a driver CUstream); null is the default stream. */
typedef struct MoeStream_st *MoeStream;
/** An event (a driver CUevent). */
typedef struct MoeEvent_st *MoeEvent;

/** Creates a stream that does not synchronize with the default stream. */
MOE_RUNTIME_EXPORT MoeStatus moeStreamCreate(MoeStream *stream);
/** Destroys a stream; its pending work still completes. */
MOE_RUNTIME_EXPORT MoeStatus moeStreamDestroy(MoeStream stream);
/** Waits until all work queued on `stream` has finished. */
MOE_RUNTIME_EXPORT MoeStatus moeStreamSynchronize(MoeStream stream);
/** Makes future work on `stream` wait for the last record of `event`. */
MOE_RUNTIME_EXPORT MoeStatus moeStreamWaitEvent(MoeStream stream,
                                                MoeEvent event);

/** Creates an event that records timing. */
MOE_RUNTIME_EXPORT MoeStatus moeEventCreate(MoeEvent *event);
/** Destroys an event. */
MOE_RUNTIME_EXPORT MoeStatus moeEventDestroy(MoeEvent event);
/** Records `event` on `stream`. */
MOE_RUNTIME_EXPORT MoeStatus moeEventRecord(MoeEvent event, MoeStream stream);
/** Waits until the last record of `event` has completed. */
MOE_RUNTIME_EXPORT MoeStatus moeEventSynchronize(MoeEvent event);
/** Returns the time between two completed events in milliseconds. */
MOE_RUNTIME_EXPORT MoeStatus moeEventElapsedTime(float *milliseconds,
                                                 MoeEvent start, MoeEvent end);

/*===----------------------------------------------------------------------===
 * Memory
 *===----------------------------------------------------------------------===*/

/** Allocates `bytes` (> 0) of device memory (256-byte aligned). */
MOE_RUNTIME_EXPORT MoeStatus moeMalloc(void **devicePtr, size_t bytes);
/** Frees device memory from moeMalloc; null is a no-op. */
MOE_RUNTIME_EXPORT MoeStatus moeFree(void *devicePtr);

/* Copies and sets of zero bytes/elements succeed without touching the
 * pointers; otherwise null pointers are invalid arguments. The synchronous
 * forms return when the copy is done; the async forms queue it on `stream`
 * (host memory must then stay valid until the stream reaches the copy). */

MOE_RUNTIME_EXPORT MoeStatus moeMemcpyHtoD(void *dst, const void *src,
                                           size_t bytes);
MOE_RUNTIME_EXPORT MoeStatus moeMemcpyDtoH(void *dst, const void *src,
                                           size_t bytes);
MOE_RUNTIME_EXPORT MoeStatus moeMemcpyDtoD(void *dst, const void *src,
                                           size_t bytes);
MOE_RUNTIME_EXPORT MoeStatus moeMemcpyHtoDAsync(void *dst, const void *src,
                                                size_t bytes, MoeStream stream);
MOE_RUNTIME_EXPORT MoeStatus moeMemcpyDtoHAsync(void *dst, const void *src,
                                                size_t bytes, MoeStream stream);
MOE_RUNTIME_EXPORT MoeStatus moeMemcpyDtoDAsync(void *dst, const void *src,
                                                size_t bytes, MoeStream stream);
/** Copies in any direction; the driver infers it from the addresses. */
MOE_RUNTIME_EXPORT MoeStatus moeMemcpyAsync(void *dst, const void *src,
                                            size_t bytes, MoeStream stream);

/** Sets `count` bytes to `value`. */
MOE_RUNTIME_EXPORT MoeStatus moeMemsetD8(void *dst, uint8_t value,
                                         size_t count);
/** Sets `count` 16-bit words to `value`; `dst` must be 2-byte aligned. */
MOE_RUNTIME_EXPORT MoeStatus moeMemsetD16(void *dst, uint16_t value,
                                          size_t count);
/** Sets `count` 32-bit words to `value`; `dst` must be 4-byte aligned. */
MOE_RUNTIME_EXPORT MoeStatus moeMemsetD32(void *dst, uint32_t value,
                                          size_t count);
MOE_RUNTIME_EXPORT MoeStatus moeMemsetD8Async(void *dst, uint8_t value,
                                              size_t count, MoeStream stream);
MOE_RUNTIME_EXPORT MoeStatus moeMemsetD16Async(void *dst, uint16_t value,
                                               size_t count, MoeStream stream);
MOE_RUNTIME_EXPORT MoeStatus moeMemsetD32Async(void *dst, uint32_t value,
                                               size_t count, MoeStream stream);

/*===----------------------------------------------------------------------===
 * Modules and launches
 *===----------------------------------------------------------------------===*/

/** A loaded module (a driver CUmodule). */
typedef struct MoeModule_st *MoeModule;
/** A kernel of a loaded module (a driver CUfunction). */
typedef struct MoeFunction_st *MoeFunction;

/** Loads a module from memory: PTX text (NUL-terminated or not; the driver
 *  JIT-compiles it), a cubin (ELF) or a fatbin, of `size` bytes. Binary
 *  images are checked against `size` before the driver reads them. Fails
 *  with MOE_ERROR_INVALID_MODULE, whose message includes the JIT log. */
MOE_RUNTIME_EXPORT MoeStatus moeModuleLoad(const void *image, size_t size,
                                           MoeModule *module);
/** Looks up the kernel `name` (its PTX .entry name). */
MOE_RUNTIME_EXPORT MoeStatus moeModuleGetFunction(MoeModule module,
                                                  const char *name,
                                                  MoeFunction *function);
/** Unloads a module; its functions become invalid. */
MOE_RUNTIME_EXPORT MoeStatus moeModuleUnload(MoeModule module);

/** Launches `function` on a gridX*gridY*gridZ grid of blockX*blockY*blockZ
 *  threads with `dynamicSmemBytes` of dynamic shared memory on `stream`.
 *  `params` points to one pointer per kernel parameter, each pointing to the
 *  argument's value (cuLaunchKernel's convention); it may be null for a
 *  kernel without parameters. Above 48 KiB of dynamic shared memory the
 *  function's maximum dynamic shared memory attribute is raised first; more
 *  than the device's opt-in limit is an invalid argument. */
MOE_RUNTIME_EXPORT MoeStatus moeLaunchKernel(MoeFunction function,
                                             unsigned gridX, unsigned gridY,
                                             unsigned gridZ, unsigned blockX,
                                             unsigned blockY, unsigned blockZ,
                                             unsigned dynamicSmemBytes,
                                             MoeStream stream, void **params);

/** Like moeLaunchKernel, with thread block clusters of
 *  clusterX*clusterY*clusterZ blocks (each grid dimension must be a multiple
 *  of the cluster's). Needs a driver with cuLaunchKernelEx (CUDA 12.0+). */
MOE_RUNTIME_EXPORT MoeStatus moeLaunchClusterKernel(
    MoeFunction function, unsigned clusterX, unsigned clusterY,
    unsigned clusterZ, unsigned gridX, unsigned gridY, unsigned gridZ,
    unsigned blockX, unsigned blockY, unsigned blockZ,
    unsigned dynamicSmemBytes, MoeStream stream, void **params);

/*===----------------------------------------------------------------------===
 * Tensor maps (TMA descriptors)
 *===----------------------------------------------------------------------===*/

/** An encoded TMA descriptor: 128 opaque bytes, aligned to 128 bytes (the
 *  driver needs 64). Kernels take it by value, as a
 *  `.param .align 64 .b8 name[128]` parameter (`const __grid_constant__
 *  CUtensorMap` in CUDA C++), so pass a pointer to it in `params`. */
typedef struct MoeTensorMap {
#if defined(__cplusplus)
  alignas(128)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
  _Alignas(128)
#endif
      uint64_t opaque[16];
}
#if !defined(__cplusplus) &&                                                   \
    !(defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L)
__attribute__((aligned(128)))
#endif
MoeTensorMap;

/** Element type of a tensor map. */
typedef enum MoeTensorMapDataType {
  MOE_TENSOR_MAP_DATA_TYPE_UINT8 = 0,
  MOE_TENSOR_MAP_DATA_TYPE_UINT16 = 1,
  MOE_TENSOR_MAP_DATA_TYPE_UINT32 = 2,
  MOE_TENSOR_MAP_DATA_TYPE_INT32 = 3,
  MOE_TENSOR_MAP_DATA_TYPE_UINT64 = 4,
  MOE_TENSOR_MAP_DATA_TYPE_INT64 = 5,
  MOE_TENSOR_MAP_DATA_TYPE_FLOAT16 = 6,
  MOE_TENSOR_MAP_DATA_TYPE_FLOAT32 = 7,
  MOE_TENSOR_MAP_DATA_TYPE_FLOAT64 = 8,
  MOE_TENSOR_MAP_DATA_TYPE_BFLOAT16 = 9,
  MOE_TENSOR_MAP_DATA_TYPE_FLOAT32_FTZ = 10,
  MOE_TENSOR_MAP_DATA_TYPE_TFLOAT32 = 11,
  MOE_TENSOR_MAP_DATA_TYPE_TFLOAT32_FTZ = 12,
  MOE_TENSOR_MAP_DATA_TYPE_MAX_ENUM = 0x7fffffff
} MoeTensorMapDataType;

/** Interleaved global layout (NONE for ordinary tensors). */
typedef enum MoeTensorMapInterleave {
  MOE_TENSOR_MAP_INTERLEAVE_NONE = 0,
  MOE_TENSOR_MAP_INTERLEAVE_16B = 1,
  MOE_TENSOR_MAP_INTERLEAVE_32B = 2,
  MOE_TENSOR_MAP_INTERLEAVE_MAX_ENUM = 0x7fffffff
} MoeTensorMapInterleave;

/** Shared memory bank swizzle of the box. */
typedef enum MoeTensorMapSwizzle {
  MOE_TENSOR_MAP_SWIZZLE_NONE = 0,
  MOE_TENSOR_MAP_SWIZZLE_32B = 1,
  MOE_TENSOR_MAP_SWIZZLE_64B = 2,
  MOE_TENSOR_MAP_SWIZZLE_128B = 3,
  MOE_TENSOR_MAP_SWIZZLE_MAX_ENUM = 0x7fffffff
} MoeTensorMapSwizzle;

/** L2 promotion of the box's global reads. */
typedef enum MoeTensorMapL2Promotion {
  MOE_TENSOR_MAP_L2_PROMOTION_NONE = 0,
  MOE_TENSOR_MAP_L2_PROMOTION_L2_64B = 1,
  MOE_TENSOR_MAP_L2_PROMOTION_L2_128B = 2,
  MOE_TENSOR_MAP_L2_PROMOTION_L2_256B = 3,
  MOE_TENSOR_MAP_L2_PROMOTION_MAX_ENUM = 0x7fffffff
} MoeTensorMapL2Promotion;

/** What out-of-bounds elements read as. */
typedef enum MoeTensorMapOobFill {
  /** Zeros. */
  MOE_TENSOR_MAP_OOB_FILL_NONE = 0,
  /** A NaN that makes FMAs produce zero (floating-point types only). */
  MOE_TENSOR_MAP_OOB_FILL_NAN_REQUEST_ZERO_FMA = 1,
  MOE_TENSOR_MAP_OOB_FILL_MAX_ENUM = 0x7fffffff
} MoeTensorMapOobFill;

/** Encodes a tiled tensor map into `*tensorMap` (cuTensorMapEncodeTiled).
 *  Dimension 0 is the innermost (contiguous) one.
 *   - rank: 1..5 (3..5 when interleaved);
 *   - globalAddress: device address, 16-byte aligned (32 when 32B
 *     interleaved);
 *   - globalDims[rank]: elements per dimension, 1..2^32;
 *   - globalStrides[rank - 1]: byte stride of dimensions 1..rank-1, multiples
 *     of 16 below 2^40 (may be null when rank is 1);
 *   - boxDims[rank]: box extent per dimension, 1..256; the inner extent in
 *     bytes must be a multiple of 16 and, with a swizzle, at most the
 *     swizzle span;
 *   - elementStrides[rank]: 1..8, or null for all ones.
 *  Needs an initialized runtime (the driver encodes it). */
MOE_RUNTIME_EXPORT MoeStatus moeTensorMapEncodeTiled(
    MoeTensorMap *tensorMap, MoeTensorMapDataType dataType, uint32_t rank,
    void *globalAddress, const uint64_t *globalDims,
    const uint64_t *globalStrides, const uint32_t *boxDims,
    const uint32_t *elementStrides, MoeTensorMapInterleave interleave,
    MoeTensorMapSwizzle swizzle, MoeTensorMapL2Promotion l2Promotion,
    MoeTensorMapOobFill oobFill);

/*===----------------------------------------------------------------------===
 * The MLIR GPU runtime ABI (mgpu*)
 *
 * The host code that MLIR 22's `gpu-to-llvm` lowering and `gpu.binary`
 * translation produce calls these. They cannot return errors: the first
 * failure is kept in a process-wide sticky error and every mgpu* call after
 * it does nothing (returning null where it returns a value) until
 * moeClearStickyError. The first mgpu* call that needs a device initializes
 * the runtime on the default device (mgpuSetDefaultDevice, else 0) unless
 * moeInit already did. Handles are the same as the moe* ones.
 *===----------------------------------------------------------------------===*/

/** Returns the sticky error's status (MOE_SUCCESS if none) and, if `message`
 *  is not null, its message ("" if none). The message pointer stays valid
 *  for the life of the process; its text may change after
 *  moeClearStickyError. */
MOE_RUNTIME_EXPORT MoeStatus moeGetStickyError(const char **message);
/** Clears the sticky error so mgpu* calls work again. */
MOE_RUNTIME_EXPORT void moeClearStickyError(void);

/** Sets the calling thread's caller stream: while it is not null, the
 *  generated code that this thread runs puts all its work on `stream`
 *  instead of a stream of its own, e.g. the stream of a serving engine or a
 *  stream being captured into a CUDA graph. mgpuStreamCreate then returns
 *  `stream`; mgpuStreamSynchronize and mgpuStreamDestroy of it do nothing
 *  (the caller owns it and synchronizes it when it wants; kernel faults are
 *  reported there, not in the sticky error); mgpuMemAlloc and mgpuMemFree
 *  on it use the stream-ordered allocator (cuMemAllocAsync,
 *  cuMemFreeAsync), and fail through the sticky error where the driver or
 *  the device lacks it. Null (the initial value) restores the default:
 *  each call of a generated function creates, synchronizes and destroys its
 *  own stream. The setting is per thread and is not checked against the
 *  device; CU_STREAM_LEGACY and CU_STREAM_PER_THREAD handles are valid. */
MOE_RUNTIME_EXPORT void moeSetCurrentStream(MoeStream stream);
/** Returns the calling thread's caller stream, null if none. */
MOE_RUNTIME_EXPORT MoeStream moeGetCurrentStream(void);

MOE_RUNTIME_EXPORT MoeModule mgpuModuleLoad(void *data, size_t gpuBlobSize);
MOE_RUNTIME_EXPORT MoeModule mgpuModuleLoadJIT(void *data, int optLevel);
MOE_RUNTIME_EXPORT void mgpuModuleUnload(MoeModule module);
MOE_RUNTIME_EXPORT MoeFunction mgpuModuleGetFunction(MoeModule module,
                                                     const char *name);
MOE_RUNTIME_EXPORT void mgpuLaunchKernel(MoeFunction function, intptr_t gridX,
                                         intptr_t gridY, intptr_t gridZ,
                                         intptr_t blockX, intptr_t blockY,
                                         intptr_t blockZ, int32_t smem,
                                         MoeStream stream, void **params,
                                         void **extra, size_t paramsCount);
MOE_RUNTIME_EXPORT void
mgpuLaunchClusterKernel(MoeFunction function, intptr_t clusterX,
                        intptr_t clusterY, intptr_t clusterZ, intptr_t gridX,
                        intptr_t gridY, intptr_t gridZ, intptr_t blockX,
                        intptr_t blockY, intptr_t blockZ, int32_t smem,
                        MoeStream stream, void **params, void **extra);
MOE_RUNTIME_EXPORT MoeStream mgpuStreamCreate(void);
MOE_RUNTIME_EXPORT void mgpuStreamDestroy(MoeStream stream);
MOE_RUNTIME_EXPORT void mgpuStreamSynchronize(MoeStream stream);
MOE_RUNTIME_EXPORT void mgpuStreamWaitEvent(MoeStream stream, MoeEvent event);
MOE_RUNTIME_EXPORT MoeEvent mgpuEventCreate(void);
MOE_RUNTIME_EXPORT void mgpuEventDestroy(MoeEvent event);
MOE_RUNTIME_EXPORT void mgpuEventSynchronize(MoeEvent event);
MOE_RUNTIME_EXPORT void mgpuEventRecord(MoeEvent event, MoeStream stream);
MOE_RUNTIME_EXPORT void *mgpuMemAlloc(uint64_t sizeBytes, MoeStream stream,
                                      bool isHostShared);
MOE_RUNTIME_EXPORT void mgpuMemFree(void *ptr, MoeStream stream);
MOE_RUNTIME_EXPORT void mgpuMemcpy(void *dst, void *src, size_t sizeBytes,
                                   MoeStream stream);
MOE_RUNTIME_EXPORT void mgpuMemset32(void *dst, unsigned int value,
                                     size_t count, MoeStream stream);
MOE_RUNTIME_EXPORT void mgpuMemset16(void *dst, unsigned short value,
                                     size_t count, MoeStream stream);
MOE_RUNTIME_EXPORT void mgpuSetDefaultDevice(int32_t device);
/** gpu.host_register / gpu.host_unregister of a ranked memref (`descriptor`:
 *  allocated and aligned pointers, offset, sizes[rank], strides[rank];
 *  dense layouts only): page-locks its host memory (cuMemHostRegister,
 *  flags 0) so kernels can access it through its host address, or releases
 *  that. The registered range is the memref's elements times
 *  elementSizeBytes; an empty memref registers nothing. Errors (a
 *  non-dense layout, memory already registered) go to the sticky error. */
MOE_RUNTIME_EXPORT void mgpuMemHostRegisterMemRef(int64_t rank,
                                                  void *descriptor,
                                                  int64_t elementSizeBytes);
MOE_RUNTIME_EXPORT void mgpuMemHostUnregisterMemRef(int64_t rank,
                                                    void *descriptor,
                                                    int64_t elementSizeBytes);
/** The driver-valued form of moeTensorMapEncodeTiled: `dataType`,
 *  `interleave`, `swizzle`, `l2Promotion` and `oobFill` are the driver's
 *  CUtensorMap* enum values. */
MOE_RUNTIME_EXPORT void
mgpuTensorMapEncodeTiled(MoeTensorMap *tensorMap, int dataType, uint32_t rank,
                         void *globalAddress, const uint64_t *globalDims,
                         const uint64_t *globalStrides, const uint32_t *boxDims,
                         const uint32_t *elementStrides, int interleave,
                         int swizzle, int l2Promotion, int oobFill);
/** Encodes a tensor map for a ranked memref (`descriptor` points to its
 *  descriptor: allocated and aligned pointers, offset, sizes[rank],
 *  strides[rank]) with box `boxDims[rank]` (outermost first, as the memref)
 *  and, as upstream MLIR's runtime, returns a device pointer to a copy of
 *  it (allocated and copied synchronously, never freed): for code lowered
 *  by upstream's pipeline, whose kernels take a pointer to the map. */
MOE_RUNTIME_EXPORT void *mgpuTensorMapEncodeTiledMemref(
    int64_t rank, void *descriptor, int64_t dataType, int64_t interleave,
    int64_t swizzle, int64_t l2Promotion, int64_t oobFill, int64_t *boxDims);
/** The same map written to `tensorMap` (host memory the caller owns, e.g.
 *  on its stack), for kernels that take the map by value
 *  (`__grid_constant__`): what the moe pipeline emits (moe-tensor-maps-by-
 *  value). No allocation; maps are cached per thread by all of their inputs
 *  (a map is a pure function of them, so the cache needs no invalidation).
 *  On failure `*tensorMap` is zeroed and the sticky error is set. */
MOE_RUNTIME_EXPORT void moeTensorMapEncodeTiledMemrefByValue(
    MoeTensorMap *tensorMap, int64_t rank, void *descriptor, int64_t dataType,
    int64_t interleave, int64_t swizzle, int64_t l2Promotion, int64_t oobFill,
    int64_t *boxDims);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MOE_RUNTIME_RUNTIME_H */
