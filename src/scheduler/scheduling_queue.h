#pragma once
// The queue of pods waiting to be scheduled, as upstream's PriorityQueue
// (internal/queue/scheduling_queue.go), in three parts:
//   active         ready to schedule, highest spec.priority first, then oldest creation time,
//                  then the order they became ready;
//   backoff        failed recently; each waits 1 s doubling per attempt up to 10 s, then moves
//                  to active;
//   unschedulable  found no node; stays until a cluster event that might help (a node added or
//                  changed, a bound pod deleted) moves it to backoff or active, or 5 minutes
//                  pass.
// Pods with spec.schedulingGates wait in unschedulable until an update removes the gates.
//
// A pod popped for scheduling is "in flight" until Done or AddUnschedulable; an event during
// its attempt sends it to backoff rather than unschedulable, so nothing that happened while it
// was being scheduled is missed. Updates and deletes of in-flight pods are remembered.
//
// Thread-safe. Pop blocks; Close wakes it.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "client/informer.h"

namespace k1s::scheduler {

struct QueueOptions {
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{10'000};
  std::chrono::milliseconds max_unschedulable{std::chrono::minutes(5)};
  // How often Pop re-checks the clock for finished backoffs while it waits.
  std::chrono::milliseconds poll{100};
};

// A pod as the queue hands it out.
struct QueuedPod {
  std::string key;
  client::ObjectPtr pod;
  int32_t attempts = 0;  // scheduling attempts so far, this one included
  int64_t cycle = 0;     // the scheduling cycle of this attempt
};

class SchedulingQueue {
 public:
  SchedulingQueue(base::Clock& clock, QueueOptions options = {});

  // A new pending pod (or one the informer re-listed): to active unless already queued.
  void Add(client::ObjectPtr pod);
  // A queued pod changed: the stored object is replaced; an unschedulable (or gated) pod whose
  // spec or metadata changed, not only its status, moves to active/backoff.
  void Update(client::ObjectPtr pod);
  void Delete(const std::string& key);

  // Blocks until a pod is ready; nullopt once closed.
  std::optional<QueuedPod> Pop();
  // The attempt of `key` ended with the pod bound or assumed: forget it.
  void Done(const std::string& key);
  // The attempt failed: to unschedulable, or to backoff when `error` (not a fit problem) or when
  // a move event came during the attempt. Ignored when the pod was deleted meanwhile.
  void AddUnschedulable(const QueuedPod& pod, bool error);
  // A cluster event that may make unschedulable pods schedulable: moves them all.
  void MoveAllToActiveOrBackoff();

  void Close();

  struct Sizes {
    size_t active = 0;
    size_t backoff = 0;
    size_t unschedulable = 0;
    size_t in_flight = 0;
  };
  Sizes GetSizes() const;

 private:
  struct Entry {
    client::ObjectPtr pod;
    int32_t priority = 0;
    int64_t creation_seconds = 0;
    int64_t ready_seq = 0;  // order of becoming ready (FIFO within priority)
    int32_t attempts = 0;
    int64_t last_failure_nanos = 0;  // monotonic
    bool gated = false;
  };
  struct InFlight {
    Entry entry;
    int64_t cycle = 0;
    bool deleted = false;
    bool updated = false;  // a spec/metadata change arrived during the attempt
  };
  using ActiveKey = std::tuple<int64_t, int64_t, int64_t, std::string>;  // -prio, ctime, seq, key

  void InsertNew(const std::string& key, client::ObjectPtr pod) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateLocked(const std::string& key, client::ObjectPtr pod)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PushActive(const std::string& key, Entry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PushBackoff(const std::string& key, Entry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // To backoff while its backoff runs, else to active.
  void Requeue(const std::string& key, Entry entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t BackoffExpiry(const Entry& entry) const;
  void FlushBackoff(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FlushUnschedulable(int64_t now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Removes `key` from active, backoff and unschedulable; returns its entry if it was queued.
  std::optional<Entry> Take(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  base::Clock& clock_;
  const QueueOptions options_;

  mutable absl::Mutex mu_;
  std::set<ActiveKey> active_order_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<ActiveKey, Entry>> active_ ABSL_GUARDED_BY(mu_);
  std::multimap<int64_t, std::string> backoff_order_ ABSL_GUARDED_BY(mu_);  // expiry -> key
  std::map<std::string, std::pair<int64_t, Entry>> backoff_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::pair<int64_t, Entry>> unschedulable_ ABSL_GUARDED_BY(mu_);  // since
  std::map<std::string, InFlight> in_flight_ ABSL_GUARDED_BY(mu_);
  int64_t next_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t cycle_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t move_request_cycle_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t last_unschedulable_flush_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace k1s::scheduler
