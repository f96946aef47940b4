//===- HostRegistration.cpp - Host memory the device may access -----------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// gpu.host_register / gpu.host_unregister, which upstream's gpu-to-llvm
// lowers to mgpuMemHostRegisterMemRef / mgpuMemHostUnregisterMemRef: the
// memref's host memory is page-locked (cuMemHostRegister) so kernels can
// read and write it through its host address (unified addressing).
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <cstring>

using namespace moe::runtime;

MoeStatus moe::runtime::denseMemrefRange(const char *fn, int64_t rank,
                                         const void *descriptor,
                                         int64_t elementSizeBytes, void **begin,
                                         size_t *bytes) {
  constexpr int64_t kMaxRank = 16;
  if (!descriptor)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'descriptor' is null");
  if (rank < 0 || rank > kMaxRank)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'rank' = %lld is out of range (0..16)",
                static_cast<long long>(rank));
  if (elementSizeBytes < 1)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'elementSizeBytes' = %lld is not positive",
                static_cast<long long>(elementSizeBytes));
  MemrefDescriptorView memref = viewMemrefDescriptor(descriptor, rank);
  char *aligned = memref.aligned;
  int64_t offset = memref.offset;
  const int64_t *sizes = memref.sizes;
  const int64_t *strides = memref.strides;
  // Dense, innermost dimension last, as upstream requires; the element count
  // must fit in bytes.
  uint64_t elements = 1;
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (sizes[d] < 0)
      return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                  "the memref's size %lld of dimension %lld is negative",
                  static_cast<long long>(sizes[d]), static_cast<long long>(d));
    if (sizes[d] > 1 && strides[d] != static_cast<int64_t>(elements))
      return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                  "the memref is not dense: stride %lld of dimension %lld, "
                  "expected %llu (host registration takes a contiguous range)",
                  static_cast<long long>(strides[d]), static_cast<long long>(d),
                  static_cast<unsigned long long>(elements));
    if (sizes[d] != 0 &&
        elements > UINT64_MAX / static_cast<uint64_t>(sizes[d]))
      return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                  "the memref's element count overflows 64 bits");
    elements *= static_cast<uint64_t>(sizes[d]);
  }
  uint64_t size = static_cast<uint64_t>(elementSizeBytes);
  if (elements > SIZE_MAX / size)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "the memref's %llu elements of %lld bytes overflow size_t",
                static_cast<unsigned long long>(elements),
                static_cast<long long>(elementSizeBytes));
  *begin = aligned + offset * elementSizeBytes;
  *bytes = static_cast<size_t>(elements * size);
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::registerHostMemory(const char *fn, void *hostPtr,
                                           size_t bytes) {
  if (bytes == 0)
    return MOE_SUCCESS; // Nothing to page-lock.
  Session session;
  if (MoeStatus status = acquire(fn, session, /*autoInit=*/true))
    return status;
  if (!session.api->cuMemHostRegister)
    return fail(MOE_ERROR_NO_DRIVER, fn,
                "the NVIDIA driver has no cuMemHostRegister_v2");
  cu::CUresult result =
      session.api->cuMemHostRegister(hostPtr, bytes, /*flags=*/0);
  if (result != cu::CUDA_SUCCESS)
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuMemHostRegister_v2(%p, %zu bytes)", hostPtr, bytes);
  return MOE_SUCCESS;
}

MoeStatus moe::runtime::unregisterHostMemory(const char *fn, void *hostPtr) {
  Session session;
  if (MoeStatus status = acquire(fn, session, /*autoInit=*/true))
    return status;
  if (!session.api->cuMemHostUnregister)
    return fail(MOE_ERROR_NO_DRIVER, fn,
                "the NVIDIA driver has no cuMemHostUnregister");
  cu::CUresult result = session.api->cuMemHostUnregister(hostPtr);
  if (result != cu::CUDA_SUCCESS && !isShutdown(result))
    return failDriver(*session.api, result, MOE_ERROR_DRIVER, fn,
                      "cuMemHostUnregister(%p)", hostPtr);
  return MOE_SUCCESS;
}
