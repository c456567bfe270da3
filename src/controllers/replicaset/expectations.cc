#include "controllers/replicaset/expectations.h"

namespace k1s::controllers::replicaset {

bool Expectations::Satisfied(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return true;
  const Record& record = it->second;
  if (record.adds <= 0 && record.dels <= 0) return true;
  return clock_.MonotonicNanos() - record.set_at_nanos > ttl_nanos_;
}

void Expectations::ExpectCreations(const std::string& key, int32_t count) {
  absl::MutexLock lock(&mu_);
  Record& record = records_[key];
  record.adds = count;
  record.dels = 0;
  record.deleting.clear();
  record.set_at_nanos = clock_.MonotonicNanos();
}

void Expectations::ExpectDeletions(const std::string& key,
                                   const std::vector<std::string>& pod_keys) {
  absl::MutexLock lock(&mu_);
  Record& record = records_[key];
  record.deleting = std::set<std::string>(pod_keys.begin(), pod_keys.end());
  record.adds = 0;
  record.dels = static_cast<int64_t>(record.deleting.size());
  record.set_at_nanos = clock_.MonotonicNanos();
}

void Expectations::CreationObserved(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it != records_.end()) --it->second.adds;
}

void Expectations::DeletionObserved(const std::string& key, const std::string& pod_key) {
  absl::MutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it == records_.end()) return;
  if (it->second.deleting.erase(pod_key) > 0) --it->second.dels;
}

void Expectations::Delete(const std::string& key) {
  absl::MutexLock lock(&mu_);
  records_.erase(key);
}

}  // namespace k1s::controllers::replicaset
