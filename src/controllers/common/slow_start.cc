#include "controllers/common/slow_start.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace k1s::controllers {

BatchResult ParallelCalls(int32_t count, const std::function<absl::Status(int32_t index)>& fn) {
  BatchResult result;
  if (count <= 0) return result;
  std::atomic<int32_t> next{0};
  std::atomic<int32_t> successes{0};
  absl::Mutex mu;
  int32_t error_index = count;
  auto work = [&] {
    for (int32_t index = next++; index < count; index = next++) {
      absl::Status status = fn(index);
      if (status.ok()) {
        ++successes;
        continue;
      }
      absl::MutexLock lock(&mu);
      if (index < error_index) {
        error_index = index;
        result.first_error = std::move(status);
      }
    }
  };
  std::vector<std::thread> helpers;
  const int32_t threads = std::min(count, kMaxParallelCalls);
  helpers.reserve(static_cast<size_t>(threads - 1));
  for (int32_t i = 1; i < threads; ++i) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  result.successes = successes.load();
  result.attempted = count;
  return result;
}

BatchResult SlowStartBatch(int32_t count, int32_t initial_batch,
                           const std::function<absl::Status(int32_t index)>& fn) {
  BatchResult total;
  int32_t start = 0;
  for (int32_t batch = std::min(count, std::max(initial_batch, 1)); batch > 0;
       batch = std::min(2 * batch, count - start)) {
    BatchResult part = ParallelCalls(batch, [&](int32_t i) { return fn(start + i); });
    total.successes += part.successes;
    total.attempted += part.attempted;
    start += batch;
    if (!part.first_error.ok()) {
      total.first_error = std::move(part.first_error);
      break;
    }
  }
  return total;
}

}  // namespace k1s::controllers
