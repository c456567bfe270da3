#pragma once
// What a controller is waiting to see in its informer caches before it trusts them again:
//  - ControllerExpectations: pod creations and deletions per Job key (upstream's
//    ControllerExpectations); a Job is not managed again until they are observed or 5 minutes
//    pass, so a cache that lags behind our own writes never causes double creation.
//  - UidTrackingExpectations: pods whose tracking finalizer we removed but whose update the
//    cache has not shown yet (upstream's uidTrackingExpectations), so they are not counted
//    twice.
//
// Thread-safe.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"

namespace k1s::controllers::job {

class ControllerExpectations {
 public:
  explicit ControllerExpectations(base::Clock& clock) : clock_(clock) {}

  // Replaces the expectations of `key` with `count` creations (deletions).
  void ExpectCreations(const std::string& key, int32_t count);
  void ExpectDeletions(const std::string& key, int32_t count);
  void CreationObserved(const std::string& key);
  void DeletionObserved(const std::string& key);
  // True when nothing is expected, everything expected was seen, or the expectations expired.
  bool Satisfied(const std::string& key) const;
  void Delete(const std::string& key);

 private:
  struct Expectation {
    int64_t adds = 0;
    int64_t deletes = 0;
    int64_t set_at_nanos = 0;  // monotonic
  };
  void Set(const std::string& key, int64_t adds, int64_t deletes);

  base::Clock& clock_;
  mutable absl::Mutex mu_;
  std::map<std::string, Expectation> expectations_ ABSL_GUARDED_BY(mu_);
};

class UidTrackingExpectations {
 public:
  void ExpectFinalizersRemoved(const std::string& key, const std::vector<std::string>& uids);
  void FinalizerRemovalObserved(const std::string& key, const std::string& uid);
  std::set<std::string> ExpectedUids(const std::string& key) const;
  void Delete(const std::string& key);

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::set<std::string>> uids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::job
