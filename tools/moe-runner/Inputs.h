//===- Inputs.h - Seeded inputs for an entry point --------------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Makes the inputs of a function's op from a seed: normally distributed
// floats rounded to each argument's element type (weights scaled by
// 1/sqrt(fan-in) so activations stay O(1) in bf16 and f16), and integer
// inputs that are valid for the op (distinct expert ids per token, monotone
// expert offsets, permutation indices from the reference permute, type ids
// in range). The edge-case modes bend them: every token to one expert, most
// experts empty, NaN/inf rows, out-of-range indices. The same seed gives the
// same inputs for any number of threads (and, with the same C++ standard
// library, on any host).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_INPUTS_H
#define MOE_TOOLS_MOE_RUNNER_INPUTS_H

#include "Shapes.h"
#include "Tensor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace moe {
namespace runner {

/// The edge case an input set exercises (--case).
enum class CaseMode {
  Random,
  OneExpert,
  EmptyExperts,
  NanRows,
  OutOfRange,
  UnsortedOffsets
};

/// Returns the --case spelling of \p mode ("random", "one-expert", ...).
const char *caseModeName(CaseMode mode);

/// Parses a --case value; returns false for an unknown one.
bool parseCaseMode(const std::string &text, CaseMode &mode);

/// Returns "" when \p mode applies to the op of \p resolved, else why not.
std::string caseModeInapplicability(const ResolvedFunction &resolved,
                                    CaseMode mode);

/// Fills \p args (one per function argument) with the type and shape of each
/// argument and, for the arguments the op reads, seeded data. Out arguments
/// get no data. Returns false with \p error when \p mode does not apply.
bool makeInputs(const ResolvedFunction &resolved, CaseMode mode, uint64_t seed,
                std::vector<HostTensor> &args, std::string &error);

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_INPUTS_H
