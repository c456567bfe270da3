#pragma once
// The watch hub: fans committed events out to watchers.
//
// The writer thread publishes the events of every committed revision (Publish) before it
// acknowledges the writes. The hub keeps the most recent revisions in a memory ring bounded in
// bytes; a single fan-out thread (named "k1s-ds-watch") delivers to every watcher in revision
// order. A watcher whose next revision is older than the ring (a replay from start_revision, or a
// watcher that fell behind while the ring was trimmed) is caught up from SQLite history through
// the HistoryReader, in windows, before it is served from the ring again: writers never wait for
// watchers, memory stays bounded, and nothing is skipped or delivered twice because each watcher
// tracks the next revision it needs.
//
// Thread-safe. Callbacks run only on the fan-out thread; once a WatchHandle is destroyed no
// callback for it runs any more.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "datastore/request_check.h"
#include "k1s/backend.h"

namespace k1s::datastore::internal {

// The events of one committed revision. prev_kv is filled whenever the key existed before;
// when no watcher wanted prev_kv at write time the writer may skip loading old values
// (prev_values = false) and prev_kv watchers then read that revision from SQLite instead.
struct RevisionEvents {
  int64_t revision = 0;
  std::vector<Event> events;
  int64_t bytes = 0;
  bool prev_values = true;
};

// Committed history for one watcher: the events with from <= revision <= to whose key is in the
// range, in revision order, with prev_kv when asked; plus the compacted revision of the snapshot
// the rows were read from.
// A reader may stop early at a revision boundary to bound memory: `last_revision` is the last
// revision fully covered (from - 1 if none).
struct History {
  int64_t compact_revision = 0;
  int64_t last_revision = 0;
  std::vector<Event> events;
};
using HistoryReader = std::function<absl::StatusOr<History>(const KeyRange& range, bool prev_kv,
                                                            int64_t from, int64_t to)>;

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  // `published_revision`: the store revision at start (everything at or below it is history).
  WatchHub(int64_t published_revision, int64_t buffer_bytes, HistoryReader reader);
  ~WatchHub();

  void Start();
  // Stops the fan-out thread; no callback runs after Stop returns.
  void Stop();

  // Called by the writer after a commit, in revision order, before acknowledging the writes.
  void Publish(std::vector<std::shared_ptr<const RevisionEvents>> revisions, int64_t revision);

  // Registers a watcher. `compact_revision` is the store's compacted revision: a start_revision
  // below it gets one canceled response.
  std::unique_ptr<WatchHandle> Add(const WatchRequest& request, WatchCallback callback,
                                   int64_t compact_revision);

  int64_t WatcherCount();
  // Number of registered watchers that asked for prev_kv (a hint for the writer).
  int64_t PrevKvWatcherCount() const { return prev_kv_watchers_.load(); }

 private:
  struct Watcher;
  class Handle;

  void Run();
  void Remove(const std::shared_ptr<Watcher>& watcher);
  void RequestProgress(const std::shared_ptr<Watcher>& watcher);
  void Deliver(Watcher& watcher, WatchResponse response);
  // Drops ring entries no watcher needs, and the oldest ones beyond the byte budget.
  void TrimLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Serves one step of work for `w`; returns true if it did anything. Called with mu_ held.
  bool Serve(const std::shared_ptr<Watcher>& w, std::unique_lock<std::mutex>& lock);

  const int64_t buffer_bytes_;
  const HistoryReader reader_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t published_ ABSL_GUARDED_BY(mu_);
  int64_t ring_base_ ABSL_GUARDED_BY(mu_);  // the ring holds revisions in (ring_base_, published_]
  std::deque<std::shared_ptr<const RevisionEvents>> ring_ ABSL_GUARDED_BY(mu_);
  int64_t ring_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int64_t, std::shared_ptr<Watcher>> watchers_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> prev_kv_watchers_{0};
  std::thread thread_;
  std::thread::id thread_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::datastore::internal
