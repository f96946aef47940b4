//===- Permute.cpp - Reference permute and combine ------------------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// permute groups token rows by expert (stable); combine un-permutes expert
// outputs and reduces the k slots of every token in a fixed order.
//
//===----------------------------------------------------------------------===//

#include "Checks.h"
#include "moe/Reference/Reference.h"

#include <algorithm>

namespace moe {
namespace ref {

namespace {

/// Returns the flat indices with a valid id, stably sorted by expert, and
/// fills \p offsets [numExperts + 1].
std::vector<int32_t> sortFlatIndices(const int32_t *ids, int64_t count,
                                     int64_t numExperts,
                                     std::vector<int32_t> &offsets) {
  std::vector<int32_t> counts(numExperts, 0);
  for (int64_t f = 0; f < count; ++f)
    if (ids[f] >= 0 && ids[f] < numExperts)
      ++counts[ids[f]];
  offsets.assign(numExperts + 1, 0);
  for (int64_t e = 0; e < numExperts; ++e)
    offsets[e + 1] = offsets[e] + counts[e];
  std::vector<int32_t> order(offsets[numExperts]);
  std::vector<int32_t> cursor(offsets.begin(), offsets.end() - 1);
  for (int64_t f = 0; f < count; ++f)
    if (ids[f] >= 0 && ids[f] < numExperts)
      order[cursor[ids[f]]++] = static_cast<int32_t>(f);
  return order;
}

/// Returns, for each flat index in [0, count), the first row r with
/// srcIndex[r] == f, or -1.
std::vector<int64_t> invertSrcIndex(const int32_t *srcIndex, int64_t R,
                                    int64_t count) {
  std::vector<int64_t> position(count, -1);
  for (int64_t r = 0; r < R; ++r) {
    int32_t f = srcIndex[r];
    if (f >= 0 && f < count && position[f] < 0)
      position[f] = r;
  }
  return position;
}

constexpr const char *kCombine = "combine";

/// Checks combine's sizes and y; returns the number of slots T * k.
int64_t checkCombine(const float *y, int64_t R, int64_t H, int64_t T,
                     int64_t k) {
  using namespace detail;
  requireNonNegative(kCombine, "R", R);
  requireNonNegative(kCombine, "H", H);
  requireNonNegative(kCombine, "T", T);
  requirePositive(kCombine, "k", k);
  int64_t flat = checkedMul(kCombine, "T * k", T, k);
  requireData(kCombine, "y", y, checkedMul(kCombine, "R * H", R, H));
  return flat;
}

/// out[t] = sum_j w[t,j] * y[position[t*k+j]] in increasing j (no term for a
/// negative position), rounded to \p outType.
std::vector<float> sumSlots(const float *y, int64_t H,
                            const std::vector<int64_t> &position, int64_t T,
                            int64_t k, const float *weightsOrNull,
                            DType outType) {
  std::vector<float> out(detail::checkedMul(kCombine, "T * H", T, H), 0.0f);
  for (int64_t t = 0; t < T; ++t) {
    float *outRow = out.data() + t * H;
    for (int64_t j = 0; j < k; ++j) {
      int64_t r = position[t * k + j];
      if (r < 0)
        continue;
      float weight = weightsOrNull ? weightsOrNull[t * k + j] : 1.0f;
      const float *yRow = y + r * H;
      for (int64_t h = 0; h < H; ++h)
        outRow[h] += weight * yRow[h];
    }
  }
  roundAllTo(outType, out);
  return out;
}

} // namespace

PermuteResult permute(const float *x, int64_t T, int64_t H, const int32_t *ids,
                      int64_t k, int64_t numExperts, const float *weightsOrNull,
                      bool scaleRows, DType rowType) {
  using namespace detail;
  constexpr const char *kOp = "permute";
  requireNonNegative(kOp, "T", T);
  requireNonNegative(kOp, "H", H);
  requirePositive(kOp, "k", k);
  requireNonNegative(kOp, "num_experts", numExperts);
  int64_t flat = checkedMul(kOp, "T * k", T, k);
  requireInt32(kOp, "T * k", flat);
  requireInt32(kOp, "num_experts", numExperts);
  requireData(kOp, "x", x, checkedMul(kOp, "T * H", T, H));
  checkedMul(kOp, "T * k * H", flat, H);
  requireData(kOp, "ids", ids, flat);
  if (scaleRows && flat > 0 && !weightsOrNull)
    fail(kOp, "scale_rows needs the weights");

  PermuteResult result;
  std::vector<int32_t> order =
      sortFlatIndices(ids, flat, numExperts, result.offsets);
  result.rows.assign(flat * H, 0.0f);
  result.srcIndex.assign(flat, -1);
  result.slotRows.assign(flat, -1);
  if (weightsOrNull)
    result.rowWeights.assign(flat, 0.0f);
  for (int64_t r = 0; r < static_cast<int64_t>(order.size()); ++r) {
    int32_t f = order[r];
    result.srcIndex[r] = f;
    result.slotRows[f] = static_cast<int32_t>(r);
    std::copy(x + (f / k) * H, x + (f / k + 1) * H,
              result.rows.begin() + r * H);
    if (scaleRows)
      for (int64_t h = 0; h < H; ++h)
        result.rows[r * H + h] =
            roundTo(rowType, result.rows[r * H + h] * weightsOrNull[f]);
    if (weightsOrNull)
      result.rowWeights[r] = weightsOrNull[f];
  }
  return result;
}

std::vector<float> combine(const float *y, int64_t R, int64_t H,
                           const int32_t *srcIndex, int64_t T, int64_t k,
                           const float *weightsOrNull, DType outType) {
  int64_t flat = checkCombine(y, R, H, T, k);
  detail::requireData(kCombine, "src_index", srcIndex, R);
  std::vector<int64_t> position = invertSrcIndex(srcIndex, R, flat);
  return sumSlots(y, H, position, T, k, weightsOrNull, outType);
}

std::vector<float> combineSlotRows(const float *y, int64_t R, int64_t H,
                                   const int32_t *slotRows, int64_t T,
                                   int64_t k, const float *weightsOrNull,
                                   DType outType) {
  int64_t flat = checkCombine(y, R, H, T, k);
  detail::requireData(kCombine, "slot_rows", slotRows, flat);
  std::vector<int64_t> position(flat, -1);
  for (int64_t f = 0; f < flat; ++f)
    if (slotRows[f] >= 0 && slotRows[f] < R)
      position[f] = slotRows[f];
  return sumSlots(y, H, position, T, k, weightsOrNull, outType);
}

} // namespace ref
} // namespace moe
