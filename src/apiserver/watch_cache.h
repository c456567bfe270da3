#pragma once
// The apiserver's in-memory copy of every stored object, kept current by one datastore watch on
// /registry/. Lists and watches are served from here without touching SQLite, and every object
// is serialized once and shared by all readers.
//
// Data flow: datastore watch callback -> queue -> the "watch-cache" thread, which applies each
// revision to the per-resource maps, appends it to that resource's event history and hands it to
// the resource's watchers. The same thread sends bookmarks and ends watches whose time is up.
//
// Thread-safe. Watcher sinks run on the cache thread (or on the registering thread for the
// initial events) with the cache lock held: they must not block or call back into the cache.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/field_selector.h"
#include "api/label_selector.h"
#include "api/resource_types.h"
#include "apiserver/cached_object.h"
#include "k1s/backend.h"

namespace k1s::apiserver {

enum class EventType { kAdded, kModified, kDeleted, kBookmark, kClose };

struct CacheEvent {
  EventType type = EventType::kAdded;
  int64_t revision = 0;
  ObjectRef object;  // kDeleted: the last state, resourceVersion = the delete's revision
  ObjectRef prev;    // the state before this event; null for kAdded
};

// Which objects a list or watch wants.
struct ObjectFilter {
  std::string namespace_name;  // "" = all namespaces
  api::LabelSelector labels;
  api::FieldSelector fields;
  bool Matches(const CachedObject& object) const;
};

struct WatchOptions {
  // Deliver the current matching objects as ADDED first (resourceVersion unset or "0").
  bool send_initial_state = false;
  // Otherwise replay every event after this revision.
  int64_t after_revision = 0;
  bool bookmarks = false;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

class WatchCache {
 public:
  // The cache serves `types` (their storage prefixes must not overlap); each keeps at most
  // `history_per_type` past events for watches that resume from a resourceVersion.
  WatchCache(Backend& backend, std::vector<api::ResourceType> types,
             size_t history_per_type = 2048);
  ~WatchCache();
  WatchCache(const WatchCache&) = delete;
  WatchCache& operator=(const WatchCache&) = delete;

  // Loads every object and starts following the datastore.
  absl::Status Start();
  // Ends every watch (kClose) and stops the thread.
  void Stop();

  // The last datastore revision the cache has applied.
  int64_t revision() const;
  // Waits until the cache has applied the datastore's current revision: what a consistent read
  // needs. Returns that revision; DeadlineExceeded after `timeout`.
  absl::StatusOr<int64_t> WaitUntilFresh(absl::Duration timeout);
  // Waits until the cache has applied at least `revision`.
  absl::Status WaitForRevision(int64_t revision, absl::Duration timeout);

  struct ListResult {
    int64_t revision = 0;
    std::vector<ObjectRef> objects;  // in key order
  };
  ListResult List(const api::ResourceType& type, const ObjectFilter& filter) const;
  ObjectRef Get(const api::ResourceType& type, std::string_view namespace_name,
                std::string_view name) const;

  // Receives a watch's events. Returning false ends the watch (the client went away).
  using Sink = std::function<bool(const CacheEvent&)>;
  class Registration {
   public:
    virtual ~Registration() = default;  // unsubscribes; no sink call runs after it returns
  };
  // Starts a watch. Events are already filtered and translated: an object that stops matching
  // arrives as kDeleted, one that starts matching as kAdded. Fails with a 410 Expired error when
  // `after_revision` is older than the kept history.
  absl::StatusOr<std::unique_ptr<Registration>> Watch(const api::ResourceType& type,
                                                      ObjectFilter filter, WatchOptions options,
                                                      Sink sink);
  int64_t watcher_count() const;
  // Starts caching one more type (a custom resource): loads its objects at the cache's revision
  // so later events apply on top. A type already cached (same storage prefix) is kept.
  absl::Status AddType(const api::ResourceType& type) ABSL_LOCKS_EXCLUDED(mu_);
  // Bookmarks go to each bookmark-enabled watcher at this interval (default 60s, as upstream).
  void set_bookmark_interval(std::chrono::milliseconds interval);

 private:
  struct Watcher;
  struct TypeState;
  class RegistrationImpl;

  TypeState* StateFor(const api::ResourceType& type) const;
  TypeState* StateForKey(const std::string& key) const;
  void OnDatastoreMessage(WatchResponse response);
  void Run();
  void ApplyBatch(const std::deque<WatchResponse>& batch) ABSL_LOCKS_EXCLUDED(mu_);
  void Apply(const WatchResponse& response) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Deliver(TypeState& state, const CacheEvent& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Tick() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unregister(TypeState* state, uint64_t id);
  absl::Status Load() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Backend& backend_;
  // Changed only with both mu_ and states_mu_ held (AddType); read under either. States are
  // never removed, so their addresses stay valid.
  mutable absl::Mutex states_mu_ ABSL_ACQUIRED_AFTER(mu_);
  std::vector<std::unique_ptr<TypeState>> states_;
  const size_t history_per_type_;

  // The datastore callback only touches the queue, so a long delivery never blocks it.
  absl::Mutex queue_mu_;
  std::deque<WatchResponse> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;

  mutable absl::Mutex mu_;
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  bool reload_needed_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_watcher_id_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t watchers_ ABSL_GUARDED_BY(mu_) = 0;
  std::chrono::milliseconds bookmark_interval_ ABSL_GUARDED_BY(mu_){60'000};
  // Watchers removed while mu_ was held; destroyed after it is released, because dropping a
  // sink can release the last reference to a connection whose cleanup unregisters a watch.
  std::vector<std::unique_ptr<Watcher>> retired_ ABSL_GUARDED_BY(mu_);
  void DestroyRetired() ABSL_LOCKS_EXCLUDED(mu_);

  // The datastore watch: replaced on reload, used by readers asking for progress.
  absl::Mutex handle_mu_;
  std::shared_ptr<WatchHandle> datastore_watch_ ABSL_GUARDED_BY(handle_mu_);
  std::shared_ptr<WatchHandle> DatastoreWatch() ABSL_LOCKS_EXCLUDED(handle_mu_);
  void SetDatastoreWatch(std::shared_ptr<WatchHandle> handle) ABSL_LOCKS_EXCLUDED(handle_mu_);
  std::thread thread_;
};

}  // namespace k1s::apiserver
