//===- Compare.h - Device outputs against the reference ---------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// The pass/fail rules of moe-runner, per out argument:
//  - i32 outs must equal the reference exactly, and so must the bytes of
//    f8E4M3FN outs and of every out of moe.quantize (q and its f32 scales,
//    bit for bit: docs/Semantics.md asks the lowering for the reference's
//    roundings).
//  - Float outs: the relative error ||out - ref||_2 / ||ref||_2 over the
//    elements where the reference is finite must not exceed the tolerance
//    of the out's element type (1e-5 for f32, 1e-2 for bf16 and f16 unless
//    --dtype-tolerance says otherwise); no element may be NaN or infinite
//    where the reference is finite, or differ from the reference's NaN or
//    infinity where it is not; and no single element may be off by more
//    than tol * (50 * rms(ref) + 10 * |ref|), which catches a wrong row that
//    the norm of a large tensor would hide.
//  - Every element must be written. The outs are filled with 0xFF bytes
//    before the checked call (a NaN in float outs, -1 in i32 outs) and with
//    0x5A bytes before a second call; an element that still holds the 0x5A
//    pattern after the second call, or the 0xFF pattern after the first
//    (i32 and bit-exact outs: where the reference's bytes are not that
//    pattern), was never written and fails.
//  - i32 and bit-exact outs of the second call must equal those of the
//    first.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_COMPARE_H
#define MOE_TOOLS_MOE_RUNNER_COMPARE_H

#include "Shapes.h"
#include "Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace moe {
namespace runner {

/// The byte the outs are filled with before the checked call.
constexpr uint8_t kPoisonByte = 0xFF;
/// The byte the outs are filled with before the second call.
constexpr uint8_t kSecondPoisonByte = 0x5A;

/// Relative error tolerances per float element type.
struct Tolerances {
  double f32 = 1e-5;
  double bf16 = 1e-2;
  double f16 = 1e-2;

  /// Returns the tolerance of \p type (0 for i32 and f8E4M3FN: exact).
  double forType(ElementType type) const;
};

/// Parses a --dtype-tolerance value, `<dtype>=<tolerance>[,...]` (e.g.
/// `bf16=2e-2,f32=1e-4`), into \p tolerances.
bool parseTolerances(const std::string &text, Tolerances &tolerances,
                     std::string &error);

/// The comparison of one out argument.
struct OutComparison {
  int64_t arg = 0;
  /// The operand name of the out (e.g. "out", "ids").
  std::string name;
  ElementType type = ElementType::F32;
  int64_t count = 0;
  /// Compared bit for bit (i32, f8E4M3FN and moe.quantize's outs).
  bool exact = false;
  /// Float outs: the relative error and the tolerance it is held to.
  double relativeError = 0.0;
  double tolerance = 0.0;
  /// Elements that differ (exact outs) or whose NaN/infinity disagrees with
  /// the reference (float).
  int64_t mismatches = 0;
  /// Float elements that are NaN where the reference is finite.
  int64_t nanWhereFinite = 0;
  /// Float elements off by more than the per-element bound.
  int64_t outliers = 0;
  /// Elements never written: holding the 0x5A pattern after the second call
  /// or the 0xFF pattern after the first (i32: only where the reference is
  /// not -1).
  int64_t poisoned = 0;
  /// Elements of exact outs that differ between the two calls.
  int64_t unstable = 0;
  /// Why it fails ("" when it passes).
  std::string reason;
  /// Flat index of the first failing element, or -1.
  int64_t firstBad = -1;

  bool passed() const { return reason.empty(); }
};

/// The comparison of all out arguments of a call.
struct Comparison {
  std::vector<OutComparison> outs;
  /// The largest relative error of the float outs, -1 when there are none.
  double maxRelativeError = -1.0;
  /// Total poisoned elements.
  int64_t poisoned = 0;
  /// The reasons of the failing outs, joined with "; " ("" when it passes).
  std::string reason;

  bool passed() const { return reason.empty(); }
};

/// Compares the out arguments of \p resolved: \p actual holds the values
/// read back after the checked call (one tensor per argument, outs only),
/// \p actualBytes their raw bytes, \p secondBytes the raw bytes after the
/// second call (empty vectors skip those checks), \p expected the
/// reference.
Comparison compareOutputs(const ResolvedFunction &resolved,
                          const std::vector<HostTensor> &actual,
                          const std::vector<std::vector<uint8_t>> &actualBytes,
                          const std::vector<std::vector<uint8_t>> &secondBytes,
                          const std::vector<HostTensor> &expected,
                          const Tolerances &tolerances);

/// For a gate whose ids differ from the reference, says whether the first
/// difference is a near-tie of selection scores (a few ulps apart, where the
/// device's exp/sigmoid may legitimately order them differently) or a real
/// one; "" when it does not apply.
std::string explainGateMismatch(const ResolvedFunction &resolved,
                                const std::vector<HostTensor> &args,
                                const std::vector<HostTensor> &actual,
                                const std::vector<HostTensor> &expected);

/// Formats the flat index \p index of \p shape as "[i,j,...]".
std::string formatIndex(const Shape &shape, int64_t index);

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_COMPARE_H
