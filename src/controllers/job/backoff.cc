#include "controllers/job/backoff.h"

#include <algorithm>

#include "base/clock.h"
#include "controllers/job/job_util.h"

namespace k1s::controllers::job {

int64_t RemainingBackoffNanos(int64_t now_nanos, int64_t base_nanos, int64_t max_nanos,
                              int32_t failures, std::optional<int64_t> last_failure_seconds) {
  if (failures <= 0 || !last_failure_seconds) return 0;
  int64_t backoff = base_nanos;
  for (int32_t i = 1; i < failures; ++i) {
    backoff *= 2;
    if (backoff >= max_nanos) {
      backoff = max_nanos;
      break;
    }
  }
  int64_t elapsed = now_nanos - *last_failure_seconds * base::kNanosPerSecond;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

BackoffRecord BackoffStore::NewRecord(const std::string& key,
                                      const std::vector<const nlohmann::json*>& new_succeeded,
                                      const std::vector<const nlohmann::json*>& new_failed) const {
  BackoffRecord record;
  {
    absl::MutexLock lock(&mu_);
    auto it = records_.find(key);
    if (it != records_.end()) record = it->second;
  }
  record.key = key;
  std::vector<int64_t> failed_times;
  for (const nlohmann::json* pod : new_failed) failed_times.push_back(PodFinishedSeconds(*pod));
  std::sort(failed_times.begin(), failed_times.end());
  if (new_succeeded.empty()) {
    if (failed_times.empty()) return record;
    record.failures_after_last_success += static_cast<int32_t>(failed_times.size());
    record.last_failure_seconds = failed_times.back();
    return record;
  }
  record.failures_after_last_success = 0;
  record.last_failure_seconds.reset();
  int64_t last_success = 0;
  for (const nlohmann::json* pod : new_succeeded) {
    last_success = std::max(last_success, PodFinishedSeconds(*pod));
  }
  for (auto it = failed_times.rbegin(); it != failed_times.rend(); ++it) {
    if (*it <= last_success) break;
    if (!record.last_failure_seconds) record.last_failure_seconds = *it;
    ++record.failures_after_last_success;
  }
  return record;
}

void BackoffStore::Update(const BackoffRecord& record) {
  absl::MutexLock lock(&mu_);
  records_[record.key] = record;
}

void BackoffStore::Remove(const std::string& key) {
  absl::MutexLock lock(&mu_);
  records_.erase(key);
}

}  // namespace k1s::controllers::job
