//===- Compare.cpp - Checking device outputs against the reference --------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Compare.h"

#include "Device.h"

#include "moe/Reference/Reference.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>

namespace moe {
namespace runner {

double Tolerances::forType(ElementType type) const {
  switch (type) {
  case ElementType::F32:
    return f32;
  case ElementType::BF16:
    return bf16;
  case ElementType::F16:
    return f16;
  case ElementType::I32:
  case ElementType::F8E4M3FN:
  case ElementType::I8:
    break;
  }
  return 0.0;
}

bool parseTolerances(const std::string &text, Tolerances &tolerances,
                     std::string &error) {
  std::stringstream stream(text);
  std::string item;
  bool any = false;
  while (std::getline(stream, item, ',')) {
    size_t equal = item.find('=');
    std::string typeText = item.substr(0, equal);
    ElementType type;
    if (equal == std::string::npos || !parseElementType(typeText, type) ||
        type == ElementType::I32 || type == ElementType::F8E4M3FN ||
        type == ElementType::I8) {
      error = "--dtype-tolerance: expected <f32|bf16|f16>=<tolerance>, got '" +
              item + "'";
      return false;
    }
    std::string valueText = item.substr(equal + 1);
    char *end = nullptr;
    double value = std::strtod(valueText.c_str(), &end);
    if (valueText.empty() || *end != '\0' || !(value >= 0.0) ||
        !std::isfinite(value)) {
      error = "--dtype-tolerance: malformed tolerance '" + valueText +
              "' for " + typeText + " (expected a finite number >= 0)";
      return false;
    }
    (type == ElementType::F32    ? tolerances.f32
     : type == ElementType::BF16 ? tolerances.bf16
                                 : tolerances.f16) = value;
    any = true;
  }
  if (!any) {
    error = "--dtype-tolerance: expected <f32|bf16|f16>=<tolerance>[,...]";
    return false;
  }
  return true;
}

std::string formatIndex(const Shape &shape, int64_t index) {
  if (shape.empty())
    return "[]";
  std::vector<int64_t> position(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    int64_t size = std::max<int64_t>(shape[i], 1);
    position[i] = index % size;
    index /= size;
  }
  std::string text = "[";
  for (size_t i = 0; i < position.size(); ++i)
    text += (i ? "," : "") + std::to_string(position[i]);
  return text + "]";
}

namespace {

std::string formatFloat(double value, const char *format = "%.9g") {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

/// Whether element \p index of \p bytes (elements of \p size bytes) is all
/// \p byte.
bool isPattern(const std::vector<uint8_t> &bytes, size_t size, int64_t index,
               uint8_t byte) {
  size_t offset = static_cast<size_t>(index) * size;
  if (offset + size > bytes.size())
    return false;
  for (size_t i = 0; i < size; ++i)
    if (bytes[offset + i] != byte)
      return false;
  return true;
}

/// Whether two non-finite floats agree: both NaN, or the same infinity.
bool sameNonFinite(float a, float b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  return a == b;
}

/// Element \p index of \p tensor as text: the integer, or the float with
/// its bits in hex for the float types compared bit for bit.
std::string formatElement(const HostTensor &tensor, int64_t index) {
  if (!isFloat(tensor.type))
    return std::to_string(tensor.ints[index]);
  const size_t size = elementSize(tensor.type);
  std::vector<uint8_t> bits(size);
  encodeElements(tensor, static_cast<size_t>(index), 1, bits.data());
  std::string hex = "0x";
  static const char kDigits[] = "0123456789abcdef";
  for (size_t i = size; i-- > 0;) {
    hex += kDigits[bits[i] >> 4];
    hex += kDigits[bits[i] & 0xf];
  }
  return hex + " (" + formatFloat(tensor.floats[index]) + ")";
}

/// The bit-exact rules (i32 outs, f8E4M3FN outs, moe.quantize's outs): the
/// bytes of each element must be those of the reference's value.
void compareExact(OutComparison &result, const HostTensor &actual,
                  const std::vector<uint8_t> &bytes,
                  const std::vector<uint8_t> &second,
                  const HostTensor &expected) {
  const size_t size = elementSize(result.type);
  std::vector<uint8_t> want(static_cast<size_t>(result.count) * size);
  encodeElements(expected, 0, static_cast<size_t>(result.count), want.data());
  int64_t firstMismatch = -1, firstUnwritten = -1, firstUnstable = -1;
  for (int64_t i = 0; i < result.count; ++i) {
    const size_t offset = static_cast<size_t>(i) * size;
    bool differs = offset + size > bytes.size() ||
                   std::memcmp(&bytes[offset], &want[offset], size) != 0;
    // A poison pattern is a value like any other where the reference has it
    // (-1 in i32, 20 = 0x5A in f8E4M3FN).
    bool unwrittenSecond = isPattern(second, size, i, kSecondPoisonByte) &&
                           !isPattern(want, size, i, kSecondPoisonByte);
    if (unwrittenSecond ||
        (differs && isPattern(bytes, size, i, kPoisonByte))) {
      ++result.poisoned;
      if (firstUnwritten < 0)
        firstUnwritten = i;
    }
    if (differs) {
      ++result.mismatches;
      if (firstMismatch < 0)
        firstMismatch = i;
    } else if (!unwrittenSecond && second.size() == bytes.size() &&
               std::memcmp(&second[offset], &bytes[offset], size) != 0) {
      ++result.unstable;
      if (firstUnstable < 0)
        firstUnstable = i;
    }
  }
  std::vector<std::string> problems;
  if (result.mismatches) {
    int64_t i = firstMismatch;
    problems.push_back(std::to_string(result.mismatches) + " of " +
                       std::to_string(result.count) + " differ (first " +
                       formatIndex(expected.shape, i) + ": got " +
                       formatElement(actual, i) + " expected " +
                       formatElement(expected, i) + ")");
  }
  if (result.poisoned)
    problems.push_back(std::to_string(result.poisoned) +
                       " elements never written (poison, first " +
                       formatIndex(expected.shape, firstUnwritten) + ")");
  if (result.unstable)
    problems.push_back(std::to_string(result.unstable) +
                       " elements differ between two calls (first " +
                       formatIndex(expected.shape, firstUnstable) + ")");
  for (const std::string &problem : problems)
    result.reason +=
        (result.reason.empty() ? result.name + ": " : ", ") + problem;
  for (int64_t first : {firstMismatch, firstUnwritten, firstUnstable})
    if (first >= 0 && (result.firstBad < 0 || first < result.firstBad))
      result.firstBad = first;
}

void compareFloats(OutComparison &result, const HostTensor &actual,
                   const std::vector<uint8_t> &bytes,
                   const std::vector<uint8_t> &second,
                   const HostTensor &expected) {
  const size_t size = elementSize(result.type);
  const float *got = actual.floats.data();
  const float *want = expected.floats.data();
  // The scale of the reference, for the per-element bound.
  double sumRef = 0.0;
  int64_t finite = 0;
  for (int64_t i = 0; i < result.count; ++i) {
    if (std::isfinite(want[i])) {
      sumRef += double(want[i]) * want[i];
      ++finite;
    }
  }
  const double rms = finite ? std::sqrt(sumRef / finite) : 0.0;
  double sumDiff = 0.0;
  int64_t firstPoison = -1, firstNan = -1, firstMismatch = -1,
          firstOutlier = -1;
  for (int64_t i = 0; i < result.count; ++i) {
    float g = got[i], w = want[i];
    if (isPattern(bytes, size, i, kPoisonByte) ||
        isPattern(second, size, i, kSecondPoisonByte)) {
      ++result.poisoned;
      if (firstPoison < 0)
        firstPoison = i;
      continue;
    }
    if (!std::isfinite(w)) {
      if (!sameNonFinite(g, w)) {
        ++result.mismatches;
        if (firstMismatch < 0)
          firstMismatch = i;
      }
      continue;
    }
    if (std::isnan(g)) {
      ++result.nanWhereFinite;
      if (firstNan < 0)
        firstNan = i;
      continue;
    }
    if (std::isinf(g)) {
      ++result.mismatches;
      if (firstMismatch < 0)
        firstMismatch = i;
      continue;
    }
    double diff = double(g) - double(w);
    sumDiff += diff * diff;
    double bound = result.tolerance * (50.0 * rms + 10.0 * std::fabs(w));
    if (std::fabs(diff) > bound) {
      ++result.outliers;
      if (firstOutlier < 0)
        firstOutlier = i;
    }
  }
  if (sumRef > 0.0)
    result.relativeError = std::sqrt(sumDiff) / std::sqrt(sumRef);
  else
    result.relativeError =
        sumDiff == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();

  auto at = [&](int64_t i) {
    return formatIndex(expected.shape, i) + ": got " + formatFloat(got[i]) +
           " expected " + formatFloat(want[i]);
  };
  std::vector<std::string> problems;
  if (result.poisoned)
    problems.push_back(std::to_string(result.poisoned) +
                       " elements never written (still poison, first " +
                       formatIndex(expected.shape, firstPoison) + ")");
  if (result.nanWhereFinite)
    problems.push_back(std::to_string(result.nanWhereFinite) +
                       " NaN where the reference is finite (first " +
                       at(firstNan) + ")");
  if (result.mismatches)
    problems.push_back(std::to_string(result.mismatches) +
                       " non-finite values that disagree with the reference "
                       "(first " +
                       at(firstMismatch) + ")");
  if (!(result.relativeError <= result.tolerance))
    problems.push_back("relative error " +
                       formatFloat(result.relativeError, "%.2e") + " > " +
                       formatFloat(result.tolerance, "%.1e"));
  if (result.outliers)
    problems.push_back(std::to_string(result.outliers) +
                       " elements off by more than tol*(50*rms+10*|ref|) "
                       "with rms " +
                       formatFloat(rms, "%.3g") + " (first " +
                       at(firstOutlier) + ")");
  for (const std::string &problem : problems)
    result.reason +=
        (result.reason.empty() ? result.name + ": " : ", ") + problem;
  for (int64_t first : {firstPoison, firstNan, firstMismatch, firstOutlier})
    if (first >= 0 && (result.firstBad < 0 || first < result.firstBad))
      result.firstBad = first;
}

} // namespace

Comparison compareOutputs(const ResolvedFunction &resolved,
                          const std::vector<HostTensor> &actual,
                          const std::vector<std::vector<uint8_t>> &actualBytes,
                          const std::vector<std::vector<uint8_t>> &secondBytes,
                          const std::vector<HostTensor> &expected,
                          const Tolerances &tolerances) {
  Comparison comparison;
  const ManifestOp &op = *resolved.op;
  for (const auto &[name, arg] : op.operands) {
    if (!op.schema->findOperand(name)->isOut)
      continue;
    OutComparison result;
    result.arg = arg;
    result.name = name;
    result.type = expected[arg].type;
    result.count = static_cast<int64_t>(expected[arg].size());
    result.tolerance = tolerances.forType(result.type);
    result.exact = !isFloat(result.type) ||
                   result.type == ElementType::F8E4M3FN ||
                   op.name == "quantize";
    if (actual[arg].size() != expected[arg].size()) {
      result.reason = name + ": read back " +
                      std::to_string(actual[arg].size()) +
                      " elements, expected " + std::to_string(result.count);
    } else if (!result.exact) {
      compareFloats(result, actual[arg], actualBytes[arg], secondBytes[arg],
                    expected[arg]);
      comparison.maxRelativeError =
          std::isnan(result.relativeError)
              ? result.relativeError
              : std::max(comparison.maxRelativeError, result.relativeError);
    } else {
      compareExact(result, actual[arg], actualBytes[arg], secondBytes[arg],
                   expected[arg]);
    }
    comparison.poisoned += result.poisoned;
    if (!result.passed())
      comparison.reason +=
          (comparison.reason.empty() ? "" : "; ") + result.reason;
    comparison.outs.push_back(result);
  }
  return comparison;
}

std::string explainGateMismatch(const ResolvedFunction &resolved,
                                const std::vector<HostTensor> &args,
                                const std::vector<HostTensor> &actual,
                                const std::vector<HostTensor> &expected) {
  const ManifestOp &op = *resolved.op;
  if (op.name != "gate")
    return "";
  const int64_t idsArg = op.operandArg("ids");
  const HostTensor &logits = args[op.operandArg("logits")];
  const HostTensor &got = actual[idsArg], &want = expected[idsArg];
  if (got.ints.size() != want.ints.size())
    return "";
  const int64_t E = logits.shape[1], slots = want.shape[1];
  const int64_t k = op.intAttr("k");
  const float *bias = op.hasOperand("bias")
                          ? args[op.operandArg("bias")].floats.data()
                          : nullptr;
  for (size_t i = 0; i < want.ints.size(); ++i) {
    if (got.ints[i] == want.ints[i])
      continue;
    int64_t t = static_cast<int64_t>(i) / slots, j = i % slots;
    int32_t g = got.ints[i], w = want.ints[i];
    std::string where = "ids[" + std::to_string(t) + "," + std::to_string(j) +
                        "]: got expert " + std::to_string(g) + ", expected " +
                        std::to_string(w);
    if (j >= k || g < 0 || g >= E || w < 0 || w >= E)
      return where + " (not a near-tie: outside the routed experts)";
    std::vector<float> scores = ref::gateScores(
        logits.floats.data() + t * E, E,
        op.wordAttr("scoring") == "sigmoid" ? ref::Scoring::Sigmoid
                                            : ref::Scoring::Softmax);
    auto selection = [&](int32_t e) {
      float s = scores[e] + (bias ? bias[e] : 0.0f);
      return std::isnan(s) ? -std::numeric_limits<float>::infinity() : s;
    };
    float sg = selection(g), sw = selection(w);
    double scale = std::max(std::fabs(double(sg)), std::fabs(double(sw)));
    bool nearTie = std::isfinite(sg) && std::isfinite(sw) &&
                   std::fabs(double(sg) - double(sw)) <= 8e-7 * scale;
    return where + " with reference selection scores " + formatFloat(sg) +
           " and " + formatFloat(sw) +
           (nearTie ? " (a near-tie: a few ulps apart)" : " (not a near-tie)");
  }
  return "";
}

} // namespace runner
} // namespace moe
