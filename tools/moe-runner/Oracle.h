//===- Oracle.h - Expected outputs from the CPU reference -------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Computes what every out argument of a function must hold by calling the
// CPU reference (moe::ref, docs/Semantics.md) on the same inputs the device
// gets. Row-independent ops are split over threads by rows, which gives
// bit-identical results.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_ORACLE_H
#define MOE_TOOLS_MOE_RUNNER_ORACLE_H

#include "Shapes.h"
#include "Tensor.h"

#include <string>
#include <vector>

namespace moe {
namespace runner {

/// Fills \p expected (one per argument) with the reference value of every
/// out argument of the op of \p resolved for the inputs \p args; the other
/// entries stay empty. Returns false with \p error when the reference
/// rejects the op's sizes or attributes.
bool computeOracle(const ResolvedFunction &resolved,
                   const std::vector<HostTensor> &args,
                   std::vector<HostTensor> &expected, std::string &error);

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_ORACLE_H
