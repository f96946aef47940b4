//===- Align.cpp - Reference moe_align_block_size -------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The align op: sorts flat (token, slot) indices by expert and pads every
// expert's run to a multiple of the block size, as vLLM's
// moe_align_block_size does.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "moe/Reference/Reference.h"

namespace moe {
namespace ref {

namespace {

constexpr const char *kOp = "align";

/// Lists the flat indices of each expert in increasing order; ids outside
/// [0, numExperts) are dropped.
std::vector<std::vector<int32_t>>
bucketByExpert(const int32_t *ids, int64_t count, int64_t numExperts) {
  std::vector<std::vector<int32_t>> buckets(numExperts);
  for (int64_t f = 0; f < count; ++f)
    if (ids[f] >= 0 && ids[f] < numExperts)
      buckets[ids[f]].push_back(static_cast<int32_t>(f));
  return buckets;
}

} // namespace

int64_t alignPaddedSize(int64_t T, int64_t k, int64_t numExperts,
                        int64_t blockM) {
  using namespace detail;
  requireNonNegative(kOp, "T", T);
  requirePositive(kOp, "k", k);
  requireNonNegative(kOp, "num_experts", numExperts);
  requirePositive(kOp, "block_m", blockM);
  int64_t flat = checkedMul(kOp, "T * k", T, k);
  int64_t padding =
      checkedMul(kOp, "num_experts * (block_m - 1)", numExperts, blockM - 1);
  int64_t unrounded = flat + padding;
  int64_t padded = (unrounded + blockM - 1) / blockM * blockM;
  requireInt32(kOp, "padded size", padded);
  return padded;
}

AlignResult align(const int32_t *ids, int64_t T, int64_t k, int64_t numExperts,
                  int64_t blockM, const int32_t *expertMapOrNull) {
  const int64_t padded = alignPaddedSize(T, k, numExperts, blockM);
  const int64_t flat = T * k;
  detail::requireData(kOp, "ids", ids, flat);
  const int32_t sentinel = static_cast<int32_t>(flat);

  AlignResult result;
  result.sortedIds.assign(padded, sentinel);
  result.expertIds.assign(padded / blockM, -1);

  std::vector<std::vector<int32_t>> buckets =
      bucketByExpert(ids, flat, numExperts);
  int64_t position = 0;
  for (int64_t e = 0; e < numExperts; ++e) {
    const std::vector<int32_t> &bucket = buckets[e];
    if (bucket.empty())
      continue;
    int64_t blocks =
        (static_cast<int64_t>(bucket.size()) + blockM - 1) / blockM;
    int32_t blockExpert =
        expertMapOrNull ? expertMapOrNull[e] : static_cast<int32_t>(e);
    for (int64_t b = 0; b < blocks; ++b)
      result.expertIds[position / blockM + b] = blockExpert;
    std::copy(bucket.begin(), bucket.end(),
              result.sortedIds.begin() + position);
    position += blocks * blockM;
  }
  result.numTokensPostPad = static_cast<int32_t>(position);
  return result;
}

} // namespace ref
} // namespace moe
