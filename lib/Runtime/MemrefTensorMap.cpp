//===- MemrefTensorMap.cpp - Tensor maps of memref descriptors, cached ----===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The tensor map of a ranked memref (what generated host code encodes
// before each TMA kernel launch), and a per-thread cache of the maps made.
//
// The cache is keyed by every input of the encoding (data type, rank,
// address, sizes, byte strides, box, interleave, swizzle, L2 promotion, OOB
// fill): a tensor map is a pure function of them, holding no reference to
// the memory it describes. So a hit is the map the driver would make again,
// whatever happened to that memory in between (freed, reallocated at the
// same address, rewritten): there is nothing to invalidate. The cache saves
// the driver call (and our argument checks) for the weights and
// activations of a layer called again with the same buffers, the common
// case in serving. A thread keeps the last kCacheSize maps, replaced round
// robin.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <cstring>

using namespace moe::runtime;

namespace {

constexpr int64_t kMaxRank = 5;
constexpr unsigned kCacheSize = 16;

/// Every input of one encoding, as 64-bit words (no padding, so equal keys
/// compare equal with memcmp).
struct TensorMapKey {
  uint64_t dataType, rank, address, interleave, swizzle, l2Promotion, oobFill;
  uint64_t globalDims[kMaxRank];
  uint64_t globalStrides[kMaxRank];
  uint64_t box[kMaxRank];
};

struct CachedTensorMap {
  TensorMapKey key;
  MoeTensorMap map;
  bool valid;
};

/// Trivially destructible (valid while generated code's module destructors
/// run); zero-initialized per thread.
thread_local CachedTensorMap cache[kCacheSize];
thread_local unsigned nextVictim = 0;

int narrowEnum(int64_t value) {
  return value >= 0 && value <= INT32_MAX ? static_cast<int>(value) : -1;
}

} // namespace

MoeStatus moe::runtime::encodeMemrefTensorMap(
    const char *fn, void *tensorMap, int64_t rank, void *descriptor,
    int64_t dataType, int64_t interleave, int64_t swizzle, int64_t l2Promotion,
    int64_t oobFill, const int64_t *boxDims) {
  if (rank < 1 || rank > kMaxRank)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'rank' = %lld is out of range (1..5)",
                static_cast<long long>(rank));
  if (!descriptor || !boxDims)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn, "argument '%s' is null",
                descriptor ? "boxDims" : "descriptor");
  int type = narrowEnum(dataType);
  unsigned elementSize = tensorMapElementSize(type);
  if (elementSize == 0)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "argument 'dataType' = %lld is not a supported tensor map "
                "data type",
                static_cast<long long>(dataType));

  MemrefDescriptorView memref = viewMemrefDescriptor(descriptor, rank);
  char *aligned = memref.aligned;
  int64_t offset = memref.offset;
  const int64_t *sizes = memref.sizes;
  const int64_t *strides = memref.strides;

  if (strides[rank - 1] != 1)
    return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                "the memref's innermost stride is %lld; a tensor map needs "
                "a contiguous innermost dimension",
                static_cast<long long>(strides[rank - 1]));
  TensorMapKey key;
  std::memset(&key, 0, sizeof(key));
  for (int64_t r = 0; r < rank; ++r) {
    int64_t size = sizes[rank - 1 - r];
    int64_t extent = boxDims[rank - 1 - r];
    if (size < 1)
      return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                  "the memref's size %lld of dimension %lld is not positive",
                  static_cast<long long>(size),
                  static_cast<long long>(rank - 1 - r));
    if (extent < 1 || extent > 256)
      return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                  "argument 'boxDims[%lld]' = %lld is out of range (1..256)",
                  static_cast<long long>(rank - 1 - r),
                  static_cast<long long>(extent));
    key.globalDims[r] = static_cast<uint64_t>(size);
    key.box[r] = static_cast<uint64_t>(extent);
    if (r > 0) {
      int64_t stride = strides[rank - 1 - r];
      if (stride < 1)
        return fail(MOE_ERROR_INVALID_ARGUMENT, fn,
                    "the memref's stride %lld of dimension %lld is not "
                    "positive",
                    static_cast<long long>(stride),
                    static_cast<long long>(rank - 1 - r));
      key.globalStrides[r - 1] = static_cast<uint64_t>(stride) * elementSize;
    }
  }
  char *address = aligned + offset * static_cast<int64_t>(elementSize);
  key.dataType = static_cast<uint64_t>(type);
  key.rank = static_cast<uint64_t>(rank);
  key.address = reinterpret_cast<uintptr_t>(address);
  key.interleave = static_cast<uint64_t>(narrowEnum(interleave));
  key.swizzle = static_cast<uint64_t>(narrowEnum(swizzle));
  key.l2Promotion = static_cast<uint64_t>(narrowEnum(l2Promotion));
  key.oobFill = static_cast<uint64_t>(narrowEnum(oobFill));

  for (CachedTensorMap &entry : cache) {
    if (entry.valid && std::memcmp(&entry.key, &key, sizeof(key)) == 0) {
      std::memcpy(tensorMap, &entry.map, sizeof(MoeTensorMap));
      return MOE_SUCCESS;
    }
  }

  uint64_t globalDims[kMaxRank], globalStrides[kMaxRank];
  uint32_t box[kMaxRank];
  for (int64_t r = 0; r < kMaxRank; ++r) {
    globalDims[r] = key.globalDims[r];
    globalStrides[r] = key.globalStrides[r];
    box[r] = static_cast<uint32_t>(key.box[r]);
  }
  if (MoeStatus status = encodeTensorMap(
          fn, true, tensorMap, type, static_cast<uint32_t>(rank), address,
          globalDims, globalStrides, box, /*elementStrides=*/nullptr,
          narrowEnum(interleave), narrowEnum(swizzle), narrowEnum(l2Promotion),
          narrowEnum(oobFill)))
    return status;
  CachedTensorMap &entry = cache[nextVictim];
  nextVictim = (nextVictim + 1) % kCacheSize;
  entry.key = key;
  std::memcpy(&entry.map, tensorMap, sizeof(MoeTensorMap));
  entry.valid = true;
  return MOE_SUCCESS;
}
