#pragma once
// The exponential delay before a Job replaces failed pods (upstream's backoff_utils.go): per Job,
// the number of pod failures since the last success and when the last one happened; the delay is
// base * 2^(failures-1) capped at max, counted from the last failure. Records live in memory only
// (a restarted controller starts counting afresh, as upstream).
//
// Thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace k1s::controllers::job {

struct BackoffRecord {
  std::string key;
  int32_t failures_after_last_success = 0;
  std::optional<int64_t> last_failure_seconds;
};

// How long, from `now_nanos`, pod creation must still wait after `failures` consecutive
// failures, the last at `last_failure_seconds` (0 when none or already waited).
int64_t RemainingBackoffNanos(int64_t now_nanos, int64_t base_nanos, int64_t max_nanos,
                              int32_t failures, std::optional<int64_t> last_failure_seconds);

class BackoffStore {
 public:
  // The record after this sync's newly finished pods: a success resets the count to the
  // failures that finished after the latest success.
  BackoffRecord NewRecord(const std::string& key,
                          const std::vector<const nlohmann::json*>& new_succeeded,
                          const std::vector<const nlohmann::json*>& new_failed) const;
  void Update(const BackoffRecord& record);
  void Remove(const std::string& key);

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, BackoffRecord> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::job
