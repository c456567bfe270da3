#include "controllers/daemonset/expectations.h"

#include <algorithm>

namespace k1s::controllers::daemonset {

bool Expectations::Satisfied(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return true;
  const Record& record = it->second;
  if (record.adds <= 0 && record.deletes <= 0) return true;
  return clock_.MonotonicNanos() - record.set_at_nanos > kTtlNanos;
}

void Expectations::Set(const std::string& key, int32_t adds, int32_t deletes) {
  absl::MutexLock lock(&mu_);
  records_[key] = Record{adds, deletes, clock_.MonotonicNanos()};
}

void Expectations::Lower(const std::string& key, int32_t adds, int32_t deletes) {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return;
  it->second.adds -= adds;
  it->second.deletes -= deletes;
}

void Expectations::Delete(const std::string& key) {
  absl::MutexLock lock(&mu_);
  records_.erase(key);
}

bool FailedPodBackoff::InBackoff(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  return clock_.MonotonicNanos() - it->second.last_update_nanos < it->second.backoff_nanos;
}

int64_t FailedPodBackoff::Delay(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.backoff_nanos;
}

void FailedPodBackoff::Next(const std::string& key) {
  absl::MutexLock lock(&mu_);
  int64_t now = clock_.MonotonicNanos();
  CollectGarbage(now);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_[key] = Entry{initial_nanos_, now};
    return;
  }
  it->second.backoff_nanos = std::min(it->second.backoff_nanos * 2, max_nanos_);
  it->second.last_update_nanos = now;
}

void FailedPodBackoff::CollectGarbage(int64_t now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (now - it->second.last_update_nanos > 2 * max_nanos_) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace k1s::controllers::daemonset
