#pragma once
// The loop every small in-server controller needs: watch some types in the watch cache, turn
// events into keys of work, and handle each key on one thread, retrying keys that failed after
// a delay. Keys are de-duplicated while they wait. A watch the cache closes (a reload) is
// opened again from the loop. Handlers run one at a time; Stop waits for the current one.
//
// Thread-safe: events arrive on cache threads, work runs on the worker's own named thread.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "api/resource_types.h"
#include "apiserver/watch_cache.h"

namespace k1s::apiserver {

class CacheWorker {
 public:
  // Maps an event to the key of the work it causes, or nullopt to ignore it.
  using Select = std::function<std::optional<std::string>(const CacheEvent& event)>;
  // Does the work for a key; false to try again after the retry delay.
  using Handle = std::function<bool(const std::string& key)>;

  CacheWorker(std::string name, WatchCache& cache, Handle handle,
              std::chrono::milliseconds retry_delay = std::chrono::seconds(1));
  ~CacheWorker();

  // Adds a watched type (before Start). The watch starts with the current objects as ADDED.
  void Watch(const api::ResourceType& type, Select select);
  absl::Status Start();
  void Stop();
  // Queues a key by hand (e.g. work found without an event).
  void Enqueue(std::string key);

 private:
  struct Source {
    const api::ResourceType* type = nullptr;
    Select select{};
    std::unique_ptr<WatchCache::Registration> registration{};
  };
  absl::Status OpenWatches();
  void Run();

  const std::string name_;
  WatchCache& cache_;
  const Handle handle_;
  const std::chrono::milliseconds retry_delay_;
  std::vector<Source> sources_;  // fixed after Start; registrations replaced only by Run

  absl::Mutex mu_;
  std::set<std::string> pending_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool rewatch_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace k1s::apiserver
