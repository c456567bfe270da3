#pragma once
// What a ReplicaSet controller is still waiting to observe, as upstream's
// UIDTrackingControllerExpectations: after creating N pods (or deleting some named pods) a
// controller must not act on the same ReplicaSet again until its informer has seen those
// creations and deletions, or it would create or delete twice. Expectations older than five
// minutes count as satisfied so a lost event cannot wedge a controller.
//
// Keys are the controller's queue keys ("ns/name"); deletions are tracked by pod key so each is
// counted once whether it is seen as a deletionTimestamp or as a delete. Thread-safe.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"

namespace k1s::controllers::replicaset {

class Expectations {
 public:
  static constexpr int64_t kDefaultTtlNanos = 5 * 60 * base::kNanosPerSecond;

  explicit Expectations(base::Clock& clock, int64_t ttl_nanos = kDefaultTtlNanos)
      : clock_(clock), ttl_nanos_(ttl_nanos) {}

  // True when nothing is pending for `key` (or no expectations were ever set, or they expired).
  bool Satisfied(const std::string& key) const;
  // Replaces `key`'s expectations: `count` creations, no deletions.
  void ExpectCreations(const std::string& key, int32_t count);
  // Replaces `key`'s expectations: the deletion of each pod in `pod_keys`.
  void ExpectDeletions(const std::string& key, const std::vector<std::string>& pod_keys);
  // One creation was observed (or will never happen because the create failed).
  void CreationObserved(const std::string& key);
  // The deletion of `pod_key` was observed (or failed); counted once per expected pod.
  void DeletionObserved(const std::string& key, const std::string& pod_key);
  // Forgets `key` (its ReplicaSet is gone).
  void Delete(const std::string& key);

 private:
  struct Record {
    int64_t adds = 0;
    int64_t dels = 0;
    int64_t set_at_nanos = 0;  // monotonic
    std::set<std::string> deleting;
  };

  base::Clock& clock_;
  const int64_t ttl_nanos_;
  mutable absl::Mutex mu_;
  std::map<std::string, Record> records_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::replicaset
