//===- Parallel.h - Splitting host work over threads ------------*- C++ -*-===//
//
// Part of the moe project.
//
//===----------------------------------------------------------------------===//
//
// Input generation and the reference run on large tensors (a DeepSeek-V3
// layer has 15 G weight elements), so both split independent work over the
// host's cores. Results never depend on the number of threads.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TOOLS_MOE_RUNNER_PARALLEL_H
#define MOE_TOOLS_MOE_RUNNER_PARALLEL_H

#include <algorithm>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace moe {
namespace runner {

/// Calls \p body(begin, end) on disjoint ranges covering [0, count), each at
/// least \p grain long (but the last), from up to hardware_concurrency
/// threads. The first exception a call throws is rethrown here.
inline void parallelFor(int64_t count, int64_t grain,
                        const std::function<void(int64_t, int64_t)> &body) {
  if (count <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t threads = std::max<int64_t>(1, std::thread::hardware_concurrency());
  threads = std::min<int64_t>(threads, (count + grain - 1) / grain);
  if (threads <= 1) {
    body(0, count);
    return;
  }
  int64_t chunk = (count + threads - 1) / threads;
  std::vector<std::thread> workers;
  std::exception_ptr failure;
  std::mutex mutex;
  for (int64_t t = 0; t < threads; ++t) {
    int64_t begin = t * chunk, end = std::min(count, begin + chunk);
    if (begin >= end)
      break;
    workers.emplace_back([&, begin, end] {
      try {
        body(begin, end);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure)
          failure = std::current_exception();
      }
    });
  }
  for (std::thread &worker : workers)
    worker.join();
  if (failure)
    std::rethrow_exception(failure);
}

} // namespace runner
} // namespace moe

#endif // MOE_TOOLS_MOE_RUNNER_PARALLEL_H
