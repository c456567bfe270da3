#pragma once
// Work queues for controllers, with upstream's semantics: a key waiting is queued once however
// often it is added; a key being processed is never handed to a second worker at the same time
// (an Add during processing re-queues it after Done); failed keys come back after a per-key
// exponential backoff (5 ms doubling to 1000 s) combined with an overall 10/s (burst 100) limit,
// as client-go's DefaultControllerRateLimiter.
//
// Thread-safe.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace k1s::client {

using Clock = std::chrono::steady_clock;

// Per-key exponential backoff plus an overall token bucket; When returns the larger delay.
class RateLimiter {
 public:
  RateLimiter(std::chrono::milliseconds base_delay = std::chrono::milliseconds(5),
              std::chrono::milliseconds max_delay = std::chrono::seconds(1000), double qps = 10,
              int32_t burst = 100);
  std::chrono::milliseconds When(const std::string& key);
  void Forget(const std::string& key);
  int32_t NumRequeues(const std::string& key) const;

 private:
  const std::chrono::milliseconds base_delay_;
  const std::chrono::milliseconds max_delay_;
  const double qps_;
  const int32_t burst_;
  mutable absl::Mutex mu_;
  std::map<std::string, int32_t> failures_ ABSL_GUARDED_BY(mu_);
  double tokens_ ABSL_GUARDED_BY(mu_);
  Clock::time_point last_refill_ ABSL_GUARDED_BY(mu_);
};

class WorkQueue {
 public:
  // `base_delay` and `max_delay` bound the per-key backoff of AddRateLimited.
  explicit WorkQueue(std::string name,
                     std::chrono::milliseconds base_delay = std::chrono::milliseconds(5),
                     std::chrono::milliseconds max_delay = std::chrono::seconds(1000));
  ~WorkQueue();

  void Add(const std::string& key);
  void AddAfter(const std::string& key, std::chrono::milliseconds delay);
  // Adds after the rate limiter's delay for `key` (call after a failed sync).
  void AddRateLimited(const std::string& key);
  // Clears `key`'s failure history (call after a successful sync).
  void Forget(const std::string& key);
  int32_t NumRequeues(const std::string& key) const;

  // Blocks until a key is ready; nullopt once shut down (and drained of ready keys).
  std::optional<std::string> Get();
  // Marks `key` processed; one added meanwhile is queued again.
  void Done(const std::string& key);
  // Wakes every Get; later Adds are ignored.
  void ShutDown();
  bool shutting_down() const;
  size_t Len() const;
  const std::string& name() const { return name_; }

 private:
  void DelayLoop();

  const std::string name_;
  RateLimiter limiter_;
  mutable absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> dirty_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> processing_ ABSL_GUARDED_BY(mu_);
  std::multimap<Clock::time_point, std::string> waiting_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  std::thread delay_thread_;
};

// Runs `count` named worker threads over a queue: each takes a key, calls `sync`, then Forgets
// the key on success or re-adds it rate-limited on failure (logging the error). Stop shuts the
// queue down and joins the threads.
class QueueWorkers {
 public:
  using Sync = std::function<absl::Status(const std::string& key)>;
  QueueWorkers(WorkQueue& queue, Sync sync) : queue_(queue), sync_(std::move(sync)) {}
  ~QueueWorkers() { Stop(); }
  void Start(int32_t count);
  void Stop();

 private:
  WorkQueue& queue_;
  const Sync sync_;
  std::vector<std::thread> threads_;
};

}  // namespace k1s::client
