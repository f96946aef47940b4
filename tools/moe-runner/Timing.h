//===- Timing.h - Timing an entry point with runtime events -----*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Times calls of an entry point with runtime events recorded on the default
// stream before and after each call. The generated entry creates, syncs and
// destroys its own stream, so a call has finished on the device when it
// returns and the events bracket exactly one call (including its launch
// overhead). The sticky error of the mgpu* functions is checked after every
// call.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_TIMING_H
#define MOE_TOOLS_MOE_RUNNER_TIMING_H

#include <functional>
#include <string>

namespace moe {
namespace runner {

/// Calls \p call \p warmup times untimed, then \p iterations times timed;
/// sets \p medianMicroseconds to the median. Returns false with \p error
/// when a runtime call fails or a call leaves a sticky error.
bool timeCalls(const std::function<void()> &call, int warmup, int iterations,
               double &medianMicroseconds, std::string &error);

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_TIMING_H
