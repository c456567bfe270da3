#include "controllers/job/expectations.h"

namespace k1s::controllers::job {

namespace {
// Upstream's ExpectationsTimeout.
constexpr int64_t kExpectationsTimeoutNanos = int64_t{5} * 60 * base::kNanosPerSecond;
}  // namespace

void ControllerExpectations::Set(const std::string& key, int64_t adds, int64_t deletes) {
  absl::MutexLock lock(&mu_);
  expectations_[key] = Expectation{adds, deletes, clock_.MonotonicNanos()};
}

void ControllerExpectations::ExpectCreations(const std::string& key, int32_t count) {
  Set(key, count, 0);
}

void ControllerExpectations::ExpectDeletions(const std::string& key, int32_t count) {
  Set(key, 0, count);
}

void ControllerExpectations::CreationObserved(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = expectations_.find(key);
  if (it != expectations_.end()) --it->second.adds;
}

void ControllerExpectations::DeletionObserved(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = expectations_.find(key);
  if (it != expectations_.end()) --it->second.deletes;
}

bool ControllerExpectations::Satisfied(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = expectations_.find(key);
  if (it == expectations_.end()) return true;
  const Expectation& e = it->second;
  if (e.adds <= 0 && e.deletes <= 0) return true;
  return clock_.MonotonicNanos() - e.set_at_nanos > kExpectationsTimeoutNanos;
}

void ControllerExpectations::Delete(const std::string& key) {
  absl::MutexLock lock(&mu_);
  expectations_.erase(key);
}

void UidTrackingExpectations::ExpectFinalizersRemoved(const std::string& key,
                                                      const std::vector<std::string>& uids) {
  absl::MutexLock lock(&mu_);
  uids_[key].insert(uids.begin(), uids.end());
}

void UidTrackingExpectations::FinalizerRemovalObserved(const std::string& key,
                                                       const std::string& uid) {
  absl::MutexLock lock(&mu_);
  auto it = uids_.find(key);
  if (it == uids_.end()) return;
  it->second.erase(uid);
  if (it->second.empty()) uids_.erase(it);
}

std::set<std::string> UidTrackingExpectations::ExpectedUids(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = uids_.find(key);
  return it == uids_.end() ? std::set<std::string>() : it->second;
}

void UidTrackingExpectations::Delete(const std::string& key) {
  absl::MutexLock lock(&mu_);
  uids_.erase(key);
}

}  // namespace k1s::controllers::job
