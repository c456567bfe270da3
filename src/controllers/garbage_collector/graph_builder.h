#pragma once
// The garbage collector's graph builder: one informer ("monitor") per deletable resource feeds
// add/update/delete changes into a FIFO; a single thread applies each change to the dependency
// graph (work proportional to the change: the object's own node and those of the owners it
// adds or drops) and queues what needs a decision:
//   - attempt_to_delete: dependents of an owner that went away, owners that started foreground
//     deletion and their dependents, virtual owners to verify, dependents whose references look
//     invalid;
//   - attempt_to_orphan: owners that started deletion with the orphan finalizer.
// Workers read the graph through Snapshot and report verified absences with
// EnqueueVirtualDelete. Monitors for built-in resources the process already shares come from
// the InformerFactory; the others (custom resources, rarer kinds) are informers of our own.
//
// Thread-safe. Informer handlers only append to the FIFO.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/garbage_collector/absent_owner_cache.h"
#include "controllers/garbage_collector/dependency_graph.h"
#include "controllers/garbage_collector/object_reference.h"

namespace k1s::controllers::gc {

struct DependentSnapshot {
  ObjectReference identity;
  bool deleting_dependents = false;
  bool blocking = false;  // its reference to the owner has blockOwnerDeletion=true
};

// A copy of one node, taken under the graph lock.
struct NodeSnapshot {
  ObjectReference identity;
  bool observed = false;
  bool being_deleted = false;
  bool deleting_dependents = false;
  std::vector<DependentSnapshot> dependents;
};

// One change for the graph: an informer event, or a "virtual" delete a worker produced after
// verifying that an object does not exist.
struct GraphChange {
  enum class Type { kAdd, kUpdate, kDelete };
  Type type = Type::kAdd;
  bool virtual_event = false;
  ObjectReference identity;
  std::vector<OwnerReference> owners;
  ObjectState state;
  std::optional<ObjectState> old_state;  // updates only
};

class ChangeQueue;

class GraphBuilder {
 public:
  GraphBuilder(client::Client client, client::InformerFactory& shared_informers,
               client::WorkQueue& attempt_to_delete, client::WorkQueue& attempt_to_orphan,
               AbsentOwnerCache& absent_owners, std::shared_ptr<client::EventRecorder> recorder);
  ~GraphBuilder();
  GraphBuilder(const GraphBuilder&) = delete;
  GraphBuilder& operator=(const GraphBuilder&) = delete;

  // Starts the thread that applies changes.
  void Start();
  // Stops our own informers and the change thread; shared informers' handlers go quiet.
  void Stop();

  // Monitors `resources` from now on: new ones get an informer (started at once), and unless
  // `keep_others` (a partial discovery) those no longer listed are dropped.
  void SyncMonitors(const std::vector<client::Resource>& resources, bool keep_others);
  // Every monitor has listed its objects once.
  bool IsSynced() const;
  size_t MonitorCount() const;

  std::optional<NodeSnapshot> Snapshot(std::string_view uid) const;
  // Queues a delete for `identity` confirmed absent by a live read.
  void EnqueueVirtualDelete(const ObjectReference& identity);

  // Applies one change now (the change thread's step; tests).
  void Apply(const GraphChange& change);

 private:
  struct Monitor;

  void Run();
  void Process(const GraphChange& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(graph_mu_);
  void AddOrUpdate(const GraphChange& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(graph_mu_);
  void Remove(const GraphChange& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(graph_mu_);
  void AddDependentToOwners(const std::string& uid, const std::vector<OwnerReference>& owners)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(graph_mu_);
  void RemoveDependentFromOwners(const std::string& uid, const std::vector<OwnerReference>& owners)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(graph_mu_);
  void ProcessTransitions(const GraphChange& change, Node& node)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(graph_mu_);
  void ReportInvalidNamespaceOwnerRef(const Node& dependent, const std::string& owner_uid);
  std::unique_ptr<Monitor> NewMonitor(const client::Resource& resource);

  client::Client client_;
  client::InformerFactory& shared_informers_;
  client::WorkQueue& attempt_to_delete_;
  client::WorkQueue& attempt_to_orphan_;
  AbsentOwnerCache& absent_owners_;
  std::shared_ptr<client::EventRecorder> recorder_;
  std::shared_ptr<ChangeQueue> changes_;

  mutable absl::Mutex graph_mu_;
  DependencyGraph graph_ ABSL_GUARDED_BY(graph_mu_);

  mutable absl::Mutex monitors_mu_;
  std::map<std::string, std::unique_ptr<Monitor>> monitors_ ABSL_GUARDED_BY(monitors_mu_);
  bool stopped_ ABSL_GUARDED_BY(monitors_mu_) = false;

  std::thread thread_;
};

}  // namespace k1s::controllers::gc
