#pragma once
// Creations and deletions a DaemonSet sync is still waiting to observe (upstream's
// ControllerExpectations): after creating or deleting pods, the controller must not manage the
// same DaemonSet again until its pod informer has seen them, or it would act twice on a stale
// cache. Expectations older than five minutes count as satisfied so a lost event cannot wedge
// a DaemonSet. Keys are queue keys ("ns/name"). Thread-safe.
#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"

namespace k1s::controllers::daemonset {

class Expectations {
 public:
  static constexpr int64_t kTtlNanos = 5 * 60 * base::kNanosPerSecond;

  explicit Expectations(base::Clock& clock) : clock_(clock) {}

  // Nothing pending (or never set, or expired).
  bool Satisfied(const std::string& key) const;
  // Replaces the expectations of `key`.
  void Set(const std::string& key, int32_t adds, int32_t deletes);
  // Gives up on expected events that will never come (skipped or failed writes).
  void Lower(const std::string& key, int32_t adds, int32_t deletes);
  void CreationObserved(const std::string& key) { Lower(key, 1, 0); }
  void DeletionObserved(const std::string& key) { Lower(key, 0, 1); }
  void Delete(const std::string& key);

 private:
  struct Record {
    int64_t adds = 0;
    int64_t deletes = 0;
    int64_t set_at_nanos = 0;  // monotonic
  };

  base::Clock& clock_;
  mutable absl::Mutex mu_;
  std::map<std::string, Record> records_ ABSL_GUARDED_BY(mu_);
};

// Exponential backoff per key (client-go's flowcontrol.Backoff): used to space out deleting and
// recreating a DaemonSet pod that keeps failing on one node. Starts at `initial`, doubles up to
// `max`; an entry untouched for twice `max` starts over. Thread-safe.
class FailedPodBackoff {
 public:
  FailedPodBackoff(base::Clock& clock, int64_t initial_nanos, int64_t max_nanos)
      : clock_(clock), initial_nanos_(initial_nanos), max_nanos_(max_nanos) {}

  // Within the current backoff period since the last Next.
  bool InBackoff(const std::string& key) const;
  // The current backoff period (0 when none).
  int64_t Delay(const std::string& key) const;
  // Records an attempt now: doubles the period (or starts it).
  void Next(const std::string& key);

 private:
  struct Entry {
    int64_t backoff_nanos = 0;
    int64_t last_update_nanos = 0;  // monotonic
  };
  void CollectGarbage(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  base::Clock& clock_;
  const int64_t initial_nanos_;
  const int64_t max_nanos_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::daemonset
