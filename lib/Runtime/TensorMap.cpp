//===- TensorMap.cpp - TMA descriptor encoding ----------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Encodes tiled tensor maps (TMA descriptors) with cuTensorMapEncodeTiled.
// The driver's own checks only say CUDA_ERROR_INVALID_VALUE, so the runtime
// checks the documented requirements first and names the argument that
// breaks one.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

using namespace moe::runtime;
namespace cu = moe::runtime::cu;

static_assert(sizeof(MoeTensorMap) == 128, "a tensor map is 128 bytes");
static_assert(alignof(MoeTensorMap) == 128,
              "a tensor map is aligned to 128 bytes");

namespace {

constexpr uint32_t kMaxRank = 5;
constexpr uint32_t kMaxBoxDim = 256;
constexpr uint32_t kMaxElementStride = 8;
constexpr uint64_t kMaxGlobalDim = uint64_t(1) << 32;
constexpr uint64_t kMaxGlobalStride = uint64_t(1) << 40;

bool isFloatType(int dataType) {
  switch (dataType) {
  case cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT16:
  case cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT32:
  case cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT64:
  case cu::CU_TENSOR_MAP_DATA_TYPE_BFLOAT16:
  case cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT32_FTZ:
  case cu::CU_TENSOR_MAP_DATA_TYPE_TFLOAT32:
  case cu::CU_TENSOR_MAP_DATA_TYPE_TFLOAT32_FTZ:
    return true;
  default:
    return false;
  }
}

/// The swizzle span in bytes, 0 for no swizzle.
unsigned swizzleSpan(int swizzle) {
  switch (swizzle) {
  case cu::CU_TENSOR_MAP_SWIZZLE_32B:
    return 32;
  case cu::CU_TENSOR_MAP_SWIZZLE_64B:
    return 64;
  case cu::CU_TENSOR_MAP_SWIZZLE_128B:
    return 128;
  default:
    return 0;
  }
}

MoeStatus invalid(const char *fn, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

MoeStatus invalid(const char *fn, const char *format, ...) {
  char buffer[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  return fail(MOE_ERROR_INVALID_ARGUMENT, fn, "%s", buffer);
}

} // namespace

unsigned moe::runtime::tensorMapElementSize(int dataType) {
  switch (dataType) {
  case cu::CU_TENSOR_MAP_DATA_TYPE_UINT8:
    return 1;
  case cu::CU_TENSOR_MAP_DATA_TYPE_UINT16:
  case cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT16:
  case cu::CU_TENSOR_MAP_DATA_TYPE_BFLOAT16:
    return 2;
  case cu::CU_TENSOR_MAP_DATA_TYPE_UINT32:
  case cu::CU_TENSOR_MAP_DATA_TYPE_INT32:
  case cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT32:
  case cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT32_FTZ:
  case cu::CU_TENSOR_MAP_DATA_TYPE_TFLOAT32:
  case cu::CU_TENSOR_MAP_DATA_TYPE_TFLOAT32_FTZ:
    return 4;
  case cu::CU_TENSOR_MAP_DATA_TYPE_UINT64:
  case cu::CU_TENSOR_MAP_DATA_TYPE_INT64:
  case cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT64:
    return 8;
  default:
    return 0;
  }
}

MoeStatus moe::runtime::encodeTensorMap(
    const char *fn, bool autoInit, void *tensorMap, int dataType, uint32_t rank,
    void *globalAddress, const uint64_t *globalDims,
    const uint64_t *globalStrides, const uint32_t *boxDims,
    const uint32_t *elementStrides, int interleave, int swizzle,
    int l2Promotion, int oobFill) {
  MOE_CHECK_NOT_NULL(fn, tensorMap);
  if (reinterpret_cast<uintptr_t>(tensorMap) % 64 != 0)
    return invalid(fn, "argument 'tensorMap' = %p is not 64-byte aligned",
                   tensorMap);
  std::memset(tensorMap, 0, sizeof(MoeTensorMap));

  unsigned elementSize = tensorMapElementSize(dataType);
  if (elementSize == 0)
    return invalid(fn,
                   "argument 'dataType' = %d is not a supported tensor map "
                   "data type",
                   dataType);
  if (rank == 0 || rank > kMaxRank)
    return invalid(fn, "argument 'rank' = %u is out of range (1..%u)", rank,
                   kMaxRank);
  if (interleave < cu::CU_TENSOR_MAP_INTERLEAVE_NONE ||
      interleave > cu::CU_TENSOR_MAP_INTERLEAVE_32B)
    return invalid(fn, "argument 'interleave' = %d is not a valid interleave",
                   interleave);
  if (interleave != cu::CU_TENSOR_MAP_INTERLEAVE_NONE && rank < 3)
    return invalid(
        fn, "argument 'rank' = %u: interleaved layouts need rank >= 3", rank);
  if (swizzle < cu::CU_TENSOR_MAP_SWIZZLE_NONE ||
      swizzle > cu::CU_TENSOR_MAP_SWIZZLE_128B)
    return invalid(fn, "argument 'swizzle' = %d is not a valid swizzle",
                   swizzle);
  if (interleave == cu::CU_TENSOR_MAP_INTERLEAVE_32B &&
      swizzle != cu::CU_TENSOR_MAP_SWIZZLE_32B)
    return invalid(fn,
                   "argument 'swizzle' = %d: the 32B interleave needs the 32B "
                   "swizzle",
                   swizzle);
  if (l2Promotion < cu::CU_TENSOR_MAP_L2_PROMOTION_NONE ||
      l2Promotion > cu::CU_TENSOR_MAP_L2_PROMOTION_L2_256B)
    return invalid(fn,
                   "argument 'l2Promotion' = %d is not a valid L2 promotion",
                   l2Promotion);
  if (oobFill != cu::CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE &&
      oobFill != cu::CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA)
    return invalid(fn, "argument 'oobFill' = %d is not a valid fill", oobFill);
  if (oobFill != cu::CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE &&
      !isFloatType(dataType))
    return invalid(fn,
                   "argument 'oobFill' = %d: NaN fill needs a floating-point "
                   "data type, got %d",
                   oobFill, dataType);

  MOE_CHECK_NOT_NULL(fn, globalAddress);
  unsigned addressAlignment =
      interleave == cu::CU_TENSOR_MAP_INTERLEAVE_32B ? 32 : 16;
  if (reinterpret_cast<uintptr_t>(globalAddress) % addressAlignment != 0)
    return invalid(fn, "argument 'globalAddress' = %p is not %u-byte aligned",
                   globalAddress, addressAlignment);

  MOE_CHECK_NOT_NULL(fn, globalDims);
  for (uint32_t i = 0; i < rank; ++i)
    if (globalDims[i] == 0 || globalDims[i] > kMaxGlobalDim)
      return invalid(fn,
                     "argument 'globalDims[%u]' = %llu is out of range "
                     "(1..2^32)",
                     i, static_cast<unsigned long long>(globalDims[i]));

  if (rank > 1) {
    MOE_CHECK_NOT_NULL(fn, globalStrides);
    unsigned strideAlignment =
        interleave == cu::CU_TENSOR_MAP_INTERLEAVE_32B ? 32 : 16;
    for (uint32_t i = 0; i + 1 < rank; ++i) {
      if (globalStrides[i] % strideAlignment != 0)
        return invalid(fn,
                       "argument 'globalStrides[%u]' = %llu is not a "
                       "multiple of %u bytes",
                       i, static_cast<unsigned long long>(globalStrides[i]),
                       strideAlignment);
      if (globalStrides[i] == 0 || globalStrides[i] >= kMaxGlobalStride)
        return invalid(fn,
                       "argument 'globalStrides[%u]' = %llu is out of range "
                       "(16..2^40)",
                       i, static_cast<unsigned long long>(globalStrides[i]));
    }
  }

  MOE_CHECK_NOT_NULL(fn, boxDims);
  for (uint32_t i = 0; i < rank; ++i)
    if (boxDims[i] == 0 || boxDims[i] > kMaxBoxDim)
      return invalid(fn, "argument 'boxDims[%u]' = %u is out of range (1..%u)",
                     i, boxDims[i], kMaxBoxDim);
  uint64_t innerBoxBytes = uint64_t(boxDims[0]) * elementSize;
  if (interleave == cu::CU_TENSOR_MAP_INTERLEAVE_NONE) {
    if (innerBoxBytes % 16 != 0)
      return invalid(fn,
                     "argument 'boxDims[0]' = %u: the inner box extent of "
                     "%llu bytes is not a multiple of 16",
                     boxDims[0],
                     static_cast<unsigned long long>(innerBoxBytes));
    unsigned span = swizzleSpan(swizzle);
    if (span != 0 && innerBoxBytes > span)
      return invalid(fn,
                     "argument 'boxDims[0]' = %u: the inner box extent of "
                     "%llu bytes exceeds the %u-byte swizzle span",
                     boxDims[0], static_cast<unsigned long long>(innerBoxBytes),
                     span);
  }

  uint32_t ones[kMaxRank] = {1, 1, 1, 1, 1};
  if (!elementStrides)
    elementStrides = ones;
  for (uint32_t i = 0; i < rank; ++i)
    if (elementStrides[i] == 0 || elementStrides[i] > kMaxElementStride)
      return invalid(fn,
                     "argument 'elementStrides[%u]' = %u is out of range "
                     "(1..%u)",
                     i, elementStrides[i], kMaxElementStride);

  Session session;
  if (MoeStatus status = acquire(fn, session, autoInit))
    return status;
  const cu::DriverApi &api = *session.api;
  if (!api.cuTensorMapEncodeTiled)
    return fail(MOE_ERROR_DRIVER, fn,
                "the NVIDIA driver lacks cuTensorMapEncodeTiled (CUDA 12.0 "
                "or newer is needed)");
  cu::CUresult result = api.cuTensorMapEncodeTiled(
      tensorMap, dataType, rank, globalAddress, globalDims, globalStrides,
      boxDims, elementStrides, interleave, swizzle, l2Promotion, oobFill);
  if (result != cu::CUDA_SUCCESS) {
    std::memset(tensorMap, 0, sizeof(MoeTensorMap));
    return failDriver(api, result, MOE_ERROR_DRIVER, fn,
                      "cuTensorMapEncodeTiled of a rank-%u map of type %d at "
                      "%p",
                      rank, dataType, globalAddress);
  }
  return MOE_SUCCESS;
}

extern "C" MoeStatus moeTensorMapEncodeTiled(
    MoeTensorMap *tensorMap, MoeTensorMapDataType dataType, uint32_t rank,
    void *globalAddress, const uint64_t *globalDims,
    const uint64_t *globalStrides, const uint32_t *boxDims,
    const uint32_t *elementStrides, MoeTensorMapInterleave interleave,
    MoeTensorMapSwizzle swizzle, MoeTensorMapL2Promotion l2Promotion,
    MoeTensorMapOobFill oobFill) {
  constexpr const char *fn = "moeTensorMapEncodeTiled";
  MOE_CHECK_NOT_NULL(fn, tensorMap);

  // Map our enums to the driver's; an unknown value is an invalid argument.
  int cuDataType = -1;
  switch (dataType) {
  case MOE_TENSOR_MAP_DATA_TYPE_UINT8:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_UINT8;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_UINT16:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_UINT16;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_UINT32:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_UINT32;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_INT32:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_INT32;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_UINT64:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_UINT64;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_INT64:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_INT64;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_FLOAT16:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_FLOAT32:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT32;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_FLOAT64:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT64;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_BFLOAT16:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_FLOAT32_FTZ:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_FLOAT32_FTZ;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_TFLOAT32:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_TFLOAT32;
    break;
  case MOE_TENSOR_MAP_DATA_TYPE_TFLOAT32_FTZ:
    cuDataType = cu::CU_TENSOR_MAP_DATA_TYPE_TFLOAT32_FTZ;
    break;
  default:
    break;
  }
  if (cuDataType < 0)
    return invalid(fn, "argument 'dataType' = %d is not a MoeTensorMapDataType",
                   static_cast<int>(dataType));

  int cuInterleave = -1;
  switch (interleave) {
  case MOE_TENSOR_MAP_INTERLEAVE_NONE:
    cuInterleave = cu::CU_TENSOR_MAP_INTERLEAVE_NONE;
    break;
  case MOE_TENSOR_MAP_INTERLEAVE_16B:
    cuInterleave = cu::CU_TENSOR_MAP_INTERLEAVE_16B;
    break;
  case MOE_TENSOR_MAP_INTERLEAVE_32B:
    cuInterleave = cu::CU_TENSOR_MAP_INTERLEAVE_32B;
    break;
  default:
    break;
  }
  if (cuInterleave < 0)
    return invalid(fn,
                   "argument 'interleave' = %d is not a "
                   "MoeTensorMapInterleave",
                   static_cast<int>(interleave));

  int cuSwizzle = -1;
  switch (swizzle) {
  case MOE_TENSOR_MAP_SWIZZLE_NONE:
    cuSwizzle = cu::CU_TENSOR_MAP_SWIZZLE_NONE;
    break;
  case MOE_TENSOR_MAP_SWIZZLE_32B:
    cuSwizzle = cu::CU_TENSOR_MAP_SWIZZLE_32B;
    break;
  case MOE_TENSOR_MAP_SWIZZLE_64B:
    cuSwizzle = cu::CU_TENSOR_MAP_SWIZZLE_64B;
    break;
  case MOE_TENSOR_MAP_SWIZZLE_128B:
    cuSwizzle = cu::CU_TENSOR_MAP_SWIZZLE_128B;
    break;
  default:
    break;
  }
  if (cuSwizzle < 0)
    return invalid(fn, "argument 'swizzle' = %d is not a MoeTensorMapSwizzle",
                   static_cast<int>(swizzle));

  int cuL2Promotion = -1;
  switch (l2Promotion) {
  case MOE_TENSOR_MAP_L2_PROMOTION_NONE:
    cuL2Promotion = cu::CU_TENSOR_MAP_L2_PROMOTION_NONE;
    break;
  case MOE_TENSOR_MAP_L2_PROMOTION_L2_64B:
    cuL2Promotion = cu::CU_TENSOR_MAP_L2_PROMOTION_L2_64B;
    break;
  case MOE_TENSOR_MAP_L2_PROMOTION_L2_128B:
    cuL2Promotion = cu::CU_TENSOR_MAP_L2_PROMOTION_L2_128B;
    break;
  case MOE_TENSOR_MAP_L2_PROMOTION_L2_256B:
    cuL2Promotion = cu::CU_TENSOR_MAP_L2_PROMOTION_L2_256B;
    break;
  default:
    break;
  }
  if (cuL2Promotion < 0)
    return invalid(fn,
                   "argument 'l2Promotion' = %d is not a "
                   "MoeTensorMapL2Promotion",
                   static_cast<int>(l2Promotion));

  int cuOobFill = -1;
  switch (oobFill) {
  case MOE_TENSOR_MAP_OOB_FILL_NONE:
    cuOobFill = cu::CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE;
    break;
  case MOE_TENSOR_MAP_OOB_FILL_NAN_REQUEST_ZERO_FMA:
    cuOobFill = cu::CU_TENSOR_MAP_FLOAT_OOB_FILL_NAN_REQUEST_ZERO_FMA;
    break;
  default:
    break;
  }
  if (cuOobFill < 0)
    return invalid(fn, "argument 'oobFill' = %d is not a MoeTensorMapOobFill",
                   static_cast<int>(oobFill));

  return encodeTensorMap(fn, false, tensorMap, cuDataType, rank, globalAddress,
                         globalDims, globalStrides, boxDims, elementStrides,
                         cuInterleave, cuSwizzle, cuL2Promotion, cuOobFill);
}
