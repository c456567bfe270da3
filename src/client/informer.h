#pragma once
// Informers: a local, always-current copy of one resource's objects, kept by list + watch, with
// indexes for cheap lookups (listers) and handlers that hear about every change. Many controllers
// share one informer per resource through an InformerFactory, so each object is held once per
// process and the apiserver serves one watch per resource.
//
// Data flow: List (consistent read) -> store replaced -> Watch from the list's resourceVersion
// (with bookmarks) -> each event updates the store, then handlers run. A watch that ends is
// reopened from the last resourceVersion seen; 410 Expired (the revision was compacted) relists
// and delivers the difference as add/update/delete. Every `resync` period handlers get
// on_update(obj, obj) for every object, so level-triggered controllers recheck periodically.
//
// Thread-safe. Handlers run on the informer's thread, one event at a time, outside the store
// lock: they should only enqueue work (never block). Objects are immutable shared snapshots.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "api/label_selector.h"
#include "client/client.h"

namespace k1s::client {

using ObjectPtr = std::shared_ptr<const nlohmann::json>;
// The values an object is filed under in one index (e.g. its owners' uids).
using IndexFunc = std::function<std::vector<std::string>(const nlohmann::json& object)>;

struct EventHandler {
  std::function<void(const ObjectPtr& object)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  // The last state known; after a relist it may be older than the actual deletion.
  std::function<void(const ObjectPtr& object)> on_delete;
};

// Index names every informer understands out of the box.
inline constexpr std::string_view kNamespaceIndex = "namespace";
// Built-in index functions a controller can add.
IndexFunc IndexByOwnerUid();    // every ownerReferences[].uid
IndexFunc IndexByNodeName();    // spec.nodeName (pods)
IndexFunc IndexByControllerUid();  // the ownerReference with controller=true

struct InformerOptions {
  std::string namespace_name;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;
  std::chrono::milliseconds resync{0};  // 0 = never
  // How long to wait before retrying a failed list or watch (doubles up to 30 s).
  std::chrono::milliseconds retry_delay{200};
  // Cached objects drop metadata.managedFields (as upstream's controllers and scheduler trim
  // them): often a third of a pod, and nothing reads them. Updates sent without them keep the
  // server's.
  bool keep_managed_fields = false;
};

class Informer {
 public:
  Informer(Client client, Resource resource, InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // May be called at any time; an index added late is built from the current objects.
  void AddIndex(std::string name, IndexFunc func);
  // May be called at any time; a handler added after the first sync gets on_add for every
  // object already present (on the informer thread).
  void AddHandler(EventHandler handler);

  // Starts the list/watch thread. Idempotent.
  absl::Status Start();
  // Stops the thread; handlers are not called after it returns.
  void Stop();
  // True once the first list was stored and its on_add handlers ran.
  bool HasSynced() const;
  // Waits for HasSynced; DeadlineExceeded after `timeout`.
  absl::Status WaitForSync(std::chrono::milliseconds timeout) const;

  // Listers: read the local store.
  ObjectPtr Get(std::string_view namespace_name, std::string_view name) const;
  ObjectPtr GetByKey(std::string_view key) const;  // "ns/name" or "name"
  std::vector<ObjectPtr> List(std::string_view namespace_name = "") const;
  std::vector<ObjectPtr> List(std::string_view namespace_name,
                              const api::LabelSelector& selector) const;
  std::vector<ObjectPtr> ByIndex(std::string_view index, std::string_view value) const;
  size_t Size() const;
  // The resourceVersion of the last event or list applied.
  std::string ResourceVersion() const;

  const Resource& resource() const { return resource_; }

 private:
  struct Index {
    IndexFunc func;
    std::unordered_map<std::string, std::set<std::string>> keys_by_value;
  };
  void Run();
  absl::Status ListAndWatch();
  absl::Status Relist();
  absl::Status ApplyEvent(const std::string& line);
  // What the options leave out of cached objects.
  void Trim(nlohmann::json& object) const;
  // Store mutation; returns the previous object (null if none).
  ObjectPtr Put(const std::string& key, ObjectPtr object) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ObjectPtr Erase(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IndexObject(const std::string& key, const nlohmann::json& object, bool add)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Notify(const ObjectPtr& old_object, const ObjectPtr& new_object);
  void Resync();

  Client client_;
  const Resource resource_;
  const InformerOptions options_;

  mutable absl::Mutex mu_;
  std::unordered_map<std::string, ObjectPtr> objects_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Index, std::less<>> indexes_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<EventHandler>> handlers_ ABSL_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<EventHandler>> late_handlers_ ABSL_GUARDED_BY(mu_);
  std::string resource_version_ ABSL_GUARDED_BY(mu_);
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<WatchStream> watch_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// One shared Informer per resource for every controller in a process.
class InformerFactory {
 public:
  InformerFactory(Client client, std::chrono::milliseconds resync = std::chrono::minutes(10));
  ~InformerFactory();

  // The shared informer of `resource` (created on first use, started by Start).
  Informer& For(const Resource& resource);
  // Starts every informer created so far (again after more were added).
  absl::Status Start();
  absl::Status WaitForSync(std::chrono::milliseconds timeout);
  void Stop();

 private:
  Client client_;
  const std::chrono::milliseconds resync_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<Informer>> informers_ ABSL_GUARDED_BY(mu_);
};

// "ns/name" (namespaced) or "name": the key of an object in a store and in work queues.
std::string ObjectKey(const nlohmann::json& object);
std::string ObjectKey(std::string_view namespace_name, std::string_view name);
// Splits a key back: {"ns", "name"} or {"", "name"}.
std::pair<std::string, std::string> SplitObjectKey(std::string_view key);

}  // namespace k1s::client
