#pragma once
// Many similar writes at once, as upstream's controllers make them: ParallelCalls runs calls
// concurrently (upstream: a goroutine each) on a few threads, so a scale-up of hundreds of pods
// shares the datastore's group commits instead of waiting for one round trip at a time.
// SlowStartBatch (upstream slowStartBatch) does the calls in batches of 1, 2, 4, ... and stops
// after a batch with a failure, so a create that fails (quota, admission) fails once, not
// `count` times.
//
// `fn` is called from several threads at once and must be thread-safe.
#include <cstdint>
#include <functional>

#include "absl/status/status.h"

namespace k1s::controllers {

// Enough to keep the apiserver's workers and the datastore's group commit busy; few enough for
// a 32-bit board's address space.
inline constexpr int32_t kMaxParallelCalls = 16;

struct BatchResult {
  int32_t successes = 0;
  int32_t attempted = 0;     // calls made (SlowStartBatch skips the rest after a failure)
  absl::Status first_error;  // the failure of the lowest index
};

// fn(0) ... fn(count - 1), concurrently on up to kMaxParallelCalls threads (the caller's one of
// them); returns when every call has returned.
BatchResult ParallelCalls(int32_t count, const std::function<absl::Status(int32_t index)>& fn);

// fn(index) for index 0 ... count - 1 in batches of `initial_batch`, doubling; each batch runs as
// ParallelCalls. Stops after the first batch with a failure.
BatchResult SlowStartBatch(int32_t count, int32_t initial_batch,
                           const std::function<absl::Status(int32_t index)>& fn);

}  // namespace k1s::controllers
