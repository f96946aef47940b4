//===- Timing.cpp - Timing an entry point with runtime events -------------===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//

#include "Timing.h"

#include "Device.h"

#include "moe/Runtime/Runtime.h"

#include <algorithm>
#include <vector>

namespace moe {
namespace runner {

namespace {

/// An event destroyed with its scope.
class Event {
public:
  ~Event() {
    if (event)
      moeEventDestroy(event);
  }
  bool create(std::string &error) {
    MoeStatus status = moeEventCreate(&event);
    if (status != MOE_SUCCESS) {
      error = runtimeFailure("moeEventCreate", status);
      event = nullptr;
      return false;
    }
    return true;
  }
  MoeEvent get() const { return event; }

private:
  MoeEvent event = nullptr;
};

/// Fails with the sticky error if a call left one.
bool checkSticky(const char *when, std::string &error) {
  const char *message = nullptr;
  MoeStatus status = moeGetStickyError(&message);
  if (status == MOE_SUCCESS)
    return true;
  error = std::string("runtime error ") + when + ": " + moeStatusName(status) +
          ": " + (message ? message : "");
  return false;
}

} // namespace

bool timeCalls(const std::function<void()> &call, int warmup, int iterations,
               double &medianMicroseconds, std::string &error) {
  medianMicroseconds = 0.0;
  for (int i = 0; i < warmup; ++i) {
    call();
    if (!checkSticky("during a warm-up call", error))
      return false;
  }
  if (iterations <= 0)
    return true;
  Event start, stop;
  if (!start.create(error) || !stop.create(error))
    return false;
  std::vector<double> times;
  times.reserve(iterations);
  for (int i = 0; i < iterations; ++i) {
    MoeStatus status = moeEventRecord(start.get(), nullptr);
    if (status != MOE_SUCCESS) {
      error = runtimeFailure("moeEventRecord", status);
      return false;
    }
    call();
    if (!checkSticky("during a timed call", error))
      return false;
    status = moeEventRecord(stop.get(), nullptr);
    if (status == MOE_SUCCESS)
      status = moeEventSynchronize(stop.get());
    if (status != MOE_SUCCESS) {
      error = runtimeFailure("moeEventRecord/moeEventSynchronize", status);
      return false;
    }
    float milliseconds = 0.0f;
    status = moeEventElapsedTime(&milliseconds, start.get(), stop.get());
    if (status != MOE_SUCCESS) {
      error = runtimeFailure("moeEventElapsedTime", status);
      return false;
    }
    times.push_back(1000.0 * milliseconds);
  }
  std::sort(times.begin(), times.end());
  size_t middle = times.size() / 2;
  medianMicroseconds = times.size() % 2
                           ? times[middle]
                           : 0.5 * (times[middle - 1] + times[middle]);
  return true;
}

} // namespace runner
} // namespace moe
