#include "controllers/garbage_collector/graph_builder.h"

#include <atomic>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "client/resource.h"
#include "controllers/garbage_collector/resource_discovery.h"

namespace k1s::controllers::gc {

using nlohmann::json;

// The FIFO between informer handlers and the change thread. Shared with the handlers (which
// may outlive the builder on shared informers); pushes after Close are dropped.
class ChangeQueue {
 public:
  void Push(GraphChange change) {
    absl::MutexLock lock(&mu_);
    if (!closed_) queue_.push_back(std::move(change));
  }
  // Blocks for the next change; nullopt once closed.
  std::optional<GraphChange> Pop() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &ChangeQueue::Ready));
    if (closed_) return std::nullopt;
    GraphChange change = std::move(queue_.front());
    queue_.pop_front();
    return change;
  }
  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    queue_.clear();
  }

 private:
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !queue_.empty(); }

  absl::Mutex mu_;
  std::deque<GraphChange> queue_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

struct GraphBuilder::Monitor {
  client::Resource resource;
  client::Informer* informer = nullptr;
  std::unique_ptr<client::Informer> owned;  // null when the informer is the factory's
  std::shared_ptr<std::atomic<bool>> active = std::make_shared<std::atomic<bool>>(true);
};

namespace {

auto& Log() {
  static auto log = base::Logger("garbage-collector");
  return log;
}

// Resources other controllers of the process watch anyway: their informers are shared.
const std::set<std::string>& SharedResourceKeys() {
  static const std::set<std::string> keys = [] {
    namespace r = client::resources;
    std::set<std::string> result;
    for (const client::Resource& resource : {r::Pods(),
                                             r::Nodes(),
                                             r::Namespaces(),
                                             r::Services(),
                                             r::Endpoints(),
                                             r::ConfigMaps(),
                                             r::Secrets(),
                                             r::ServiceAccounts(),
                                             r::PersistentVolumes(),
                                             r::PersistentVolumeClaims(),
                                             r::ReplicationControllers(),
                                             r::ResourceQuotas(),
                                             r::Deployments(),
                                             r::ReplicaSets(),
                                             r::DaemonSets(),
                                             r::StatefulSets(),
                                             r::ControllerRevisions(),
                                             r::Jobs(),
                                             r::CronJobs(),
                                             r::EndpointSlices(),
                                             r::Leases(),
                                             r::PodDisruptionBudgets(),
                                             r::StorageClasses()}) {
      result.insert(ResourceKey(resource));
    }
    return result;
  }();
  return keys;
}

std::string MetadataString(const json& object, const char* key) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto it = metadata->find(key);
  return it != metadata->end() && it->is_string() ? it->get<std::string>() : "";
}

GraphChange ChangeFor(GraphChange::Type type, const std::string& api_version,
                      const std::string& kind, const json& object) {
  GraphChange change;
  change.type = type;
  change.identity =
      ObjectReference{api_version, kind, MetadataString(object, "name"),
                      MetadataString(object, "uid"), MetadataString(object, "namespace")};
  change.owners = OwnerReferencesOf(object);
  change.state = StateOf(object);
  return change;
}

bool DeletionStartsWith(const GraphChange& change, bool ObjectState::*finalizer) {
  if (!change.state.being_deleted || !(change.state.*finalizer)) return false;
  if (!change.old_state) return true;
  return !change.old_state->being_deleted || !(*change.old_state.*finalizer);
}

}  // namespace

GraphBuilder::GraphBuilder(client::Client client, client::InformerFactory& shared_informers,
                           client::WorkQueue& attempt_to_delete,
                           client::WorkQueue& attempt_to_orphan, AbsentOwnerCache& absent_owners,
                           std::shared_ptr<client::EventRecorder> recorder)
    : client_(std::move(client)),
      shared_informers_(shared_informers),
      attempt_to_delete_(attempt_to_delete),
      attempt_to_orphan_(attempt_to_orphan),
      absent_owners_(absent_owners),
      recorder_(std::move(recorder)),
      changes_(std::make_shared<ChangeQueue>()) {}

GraphBuilder::~GraphBuilder() { Stop(); }

void GraphBuilder::Start() {
  absl::MutexLock lock(&monitors_mu_);
  if (thread_.joinable() || stopped_) return;
  thread_ = std::thread([this] { Run(); });
}

void GraphBuilder::Stop() {
  std::map<std::string, std::unique_ptr<Monitor>> monitors;
  {
    absl::MutexLock lock(&monitors_mu_);
    stopped_ = true;
    monitors.swap(monitors_);
  }
  for (auto& [key, monitor] : monitors) {
    monitor->active->store(false);
    if (monitor->owned) monitor->owned->Stop();
  }
  changes_->Close();
  if (thread_.joinable()) thread_.join();
}

void GraphBuilder::Run() {
  base::SetCurrentThreadName("gc-graph");
  while (std::optional<GraphChange> change = changes_->Pop()) Apply(*change);
}

std::unique_ptr<GraphBuilder::Monitor> GraphBuilder::NewMonitor(const client::Resource& resource) {
  auto monitor = std::make_unique<Monitor>();
  monitor->resource = resource;
  if (SharedResourceKeys().count(ResourceKey(resource)) > 0) {
    monitor->informer = &shared_informers_.For(resource);
  } else {
    monitor->owned = std::make_unique<client::Informer>(client_, resource);
    monitor->informer = monitor->owned.get();
  }
  std::shared_ptr<ChangeQueue> changes = changes_;
  std::shared_ptr<std::atomic<bool>> active = monitor->active;
  std::string api_version = resource.ApiVersion();
  std::string kind = resource.kind;
  client::EventHandler handler;
  handler.on_add = [=](const client::ObjectPtr& object) {
    if (!active->load() || object == nullptr) return;
    changes->Push(ChangeFor(GraphChange::Type::kAdd, api_version, kind, *object));
  };
  handler.on_update = [=](const client::ObjectPtr& old_object,
                          const client::ObjectPtr& new_object) {
    if (!active->load() || new_object == nullptr) return;
    GraphChange change = ChangeFor(GraphChange::Type::kUpdate, api_version, kind, *new_object);
    if (old_object != nullptr) change.old_state = StateOf(*old_object);
    changes->Push(std::move(change));
  };
  handler.on_delete = [=](const client::ObjectPtr& object) {
    if (!active->load() || object == nullptr) return;
    changes->Push(ChangeFor(GraphChange::Type::kDelete, api_version, kind, *object));
  };
  monitor->informer->AddHandler(std::move(handler));
  return monitor;
}

void GraphBuilder::SyncMonitors(const std::vector<client::Resource>& resources, bool keep_others) {
  std::vector<std::unique_ptr<Monitor>> dropped;
  std::vector<client::Informer*> to_start;
  bool start_shared = false;
  {
    absl::MutexLock lock(&monitors_mu_);
    if (stopped_) return;
    std::set<std::string> wanted;
    for (const client::Resource& resource : resources) {
      std::string key = ResourceKey(resource);
      wanted.insert(key);
      if (monitors_.count(key) > 0) continue;
      std::unique_ptr<Monitor> monitor = NewMonitor(resource);
      if (monitor->owned) {
        to_start.push_back(monitor->owned.get());
      } else {
        start_shared = true;
      }
      Log()->debug("monitoring {}", key);
      monitors_[key] = std::move(monitor);
    }
    if (!keep_others) {
      for (auto it = monitors_.begin(); it != monitors_.end();) {
        if (wanted.count(it->first) > 0) {
          ++it;
          continue;
        }
        Log()->debug("no longer monitoring {}", it->first);
        it->second->active->store(false);
        dropped.push_back(std::move(it->second));
        it = monitors_.erase(it);
      }
    }
  }
  if (!to_start.empty() || start_shared || !dropped.empty()) {
    Log()->info("monitors synced: {} resources ({} dropped)", MonitorCount(), dropped.size());
  }
  for (const std::unique_ptr<Monitor>& monitor : dropped) {
    if (monitor->owned) monitor->owned->Stop();
  }
  for (client::Informer* informer : to_start) {
    if (absl::Status status = informer->Start(); !status.ok()) {
      Log()->warn("start informer for {}: {}", ResourceKey(informer->resource()), status);
    }
  }
  if (start_shared) {
    if (absl::Status status = shared_informers_.Start(); !status.ok()) {
      Log()->warn("start shared informers: {}", status);
    }
  }
}

bool GraphBuilder::IsSynced() const {
  absl::MutexLock lock(&monitors_mu_);
  if (monitors_.empty()) return false;
  for (const auto& [key, monitor] : monitors_) {
    if (!monitor->informer->HasSynced()) return false;
  }
  return true;
}

size_t GraphBuilder::MonitorCount() const {
  absl::MutexLock lock(&monitors_mu_);
  return monitors_.size();
}

std::optional<NodeSnapshot> GraphBuilder::Snapshot(std::string_view uid) const {
  absl::MutexLock lock(&graph_mu_);
  const Node* node = graph_.Find(uid);
  if (node == nullptr) return std::nullopt;
  NodeSnapshot snapshot;
  snapshot.identity = node->identity;
  snapshot.observed = node->observed;
  snapshot.being_deleted = node->being_deleted;
  snapshot.deleting_dependents = node->deleting_dependents;
  for (const std::string& dependent_uid : node->dependents) {
    const Node* dependent = graph_.Find(dependent_uid);
    if (dependent == nullptr) continue;
    DependentSnapshot entry;
    entry.identity = dependent->identity;
    entry.deleting_dependents = dependent->deleting_dependents;
    for (const OwnerReference& ref : dependent->owners) {
      if (ref.uid == node->identity.uid && ref.Blocks()) entry.blocking = true;
    }
    snapshot.dependents.push_back(std::move(entry));
  }
  return snapshot;
}

void GraphBuilder::EnqueueVirtualDelete(const ObjectReference& identity) {
  GraphChange change;
  change.type = GraphChange::Type::kDelete;
  change.virtual_event = true;
  change.identity = identity;
  changes_->Push(std::move(change));
}

void GraphBuilder::Apply(const GraphChange& change) {
  absl::MutexLock lock(&graph_mu_);
  Process(change);
}

void GraphBuilder::Process(const GraphChange& change) {
  const std::string& uid = change.identity.uid;
  if (uid.empty()) return;
  Node* existing = graph_.Find(uid);
  if (existing != nullptr && !change.virtual_event && !existing->observed) {
    // First sight of an owner known only from references: its real identity replaces the
    // guessed one, and dependents that named it differently are rechecked.
    const ObjectReference& observed = change.identity;
    if (!(observed == existing->identity)) {
      auto [matching, mismatching] = graph_.PartitionDependents(*existing, observed);
      for (const Node* dependent : mismatching) {
        if (!observed.namespace_name.empty() &&
            dependent->identity.namespace_name != observed.namespace_name) {
          ReportInvalidNamespaceOwnerRef(*dependent, uid);
        }
        attempt_to_delete_.Add(dependent->identity.uid);
      }
      existing->identity = observed;
    }
    existing->observed = true;
  }
  if (change.type == GraphChange::Type::kDelete) {
    Remove(change);
  } else {
    AddOrUpdate(change);
  }
}

void GraphBuilder::AddOrUpdate(const GraphChange& change) {
  const std::string& uid = change.identity.uid;
  Node* existing = graph_.Find(uid);
  if (existing == nullptr) {
    Node node;
    node.identity = change.identity;
    node.owners = change.owners;
    node.observed = true;
    node.being_deleted = change.state.being_deleted;
    node.deleting_dependents = change.state.being_deleted && change.state.has_foreground;
    Node& inserted = graph_.Insert(std::move(node));
    AddDependentToOwners(uid, inserted.owners);
    // A single event may stand for a creation and a deletion together.
    ProcessTransitions(change, *graph_.Find(uid));
    return;
  }
  if (!change.virtual_event && (existing->identity.api_version != change.identity.api_version ||
                                existing->identity.kind != change.identity.kind)) {
    existing->identity.api_version = change.identity.api_version;
    existing->identity.kind = change.identity.kind;
  }
  // Differences in ownerReferences, by owner uid.
  std::unordered_map<std::string, const OwnerReference*> old_by_uid;
  for (const OwnerReference& ref : existing->owners) old_by_uid[ref.uid] = &ref;
  std::vector<OwnerReference> added;
  std::vector<OwnerReference> removed;
  bool changed_any = false;
  for (const OwnerReference& ref : change.owners) {
    auto it = old_by_uid.find(ref.uid);
    if (it == old_by_uid.end()) {
      added.push_back(ref);
      continue;
    }
    if (!(*it->second == ref)) {
      changed_any = true;
      // A reference that stopped blocking may let its owner finish a foreground deletion.
      if (it->second->Blocks() && !ref.Blocks() && graph_.Find(ref.uid) != nullptr) {
        attempt_to_delete_.Add(ref.uid);
      }
    }
    old_by_uid.erase(it);
  }
  for (const auto& [owner_uid, ref] : old_by_uid) removed.push_back(*ref);
  if (!added.empty() || !removed.empty() || changed_any) {
    for (const OwnerReference& ref : removed) {
      if (ref.Blocks() && graph_.Find(ref.uid) != nullptr) attempt_to_delete_.Add(ref.uid);
    }
    existing->owners = change.owners;
    AddDependentToOwners(uid, added);
    RemoveDependentFromOwners(uid, removed);
  }
  existing = graph_.Find(uid);
  if (change.state.being_deleted) existing->being_deleted = true;
  ProcessTransitions(change, *existing);
}

void GraphBuilder::Remove(const GraphChange& change) {
  const std::string& uid = change.identity.uid;
  Node* existing = graph_.Find(uid);
  if (existing == nullptr) return;
  bool remove = true;
  if (change.virtual_event) {
    const ObjectReference& deleted = change.identity;
    auto queue_matching = [&](const std::vector<const Node*>& matching) {
      if (matching.empty()) return;
      absent_owners_.Add(deleted);
      for (const Node* dependent : matching) attempt_to_delete_.Add(dependent->identity.uid);
    };
    if (!existing->observed) {
      // A virtual node: dependents may disagree about its coordinates. Only those naming the
      // identity verified absent are handled; the node stays for the others.
      auto [matching, mismatching] = graph_.PartitionDependents(*existing, deleted);
      if (!mismatching.empty()) {
        remove = false;
        queue_matching(matching);
        if (existing->identity == deleted) {
          std::optional<ObjectReference> replacement =
              graph_.AlternateOwnerIdentity(mismatching, deleted);
          if (replacement) {
            existing->identity = *replacement;
            attempt_to_delete_.AddRateLimited(uid);
          }
        }
      }
    } else if (!(existing->identity == deleted)) {
      // An observed node is not removed by a virtual delete of other coordinates.
      remove = false;
      queue_matching(graph_.PartitionDependents(*existing, deleted).first);
    }
  }
  if (!remove) return;
  Node node = std::move(*existing);
  graph_.Erase(uid);
  RemoveDependentFromOwners(uid, node.owners);
  if (!node.dependents.empty()) absent_owners_.Add(change.identity);
  for (const std::string& dependent : node.dependents) attempt_to_delete_.Add(dependent);
  for (const OwnerReference& owner : node.owners) {
    const Node* owner_node = graph_.Find(owner.uid);
    // An owner waiting for its dependents may now be free to go.
    if (owner_node != nullptr && owner_node->deleting_dependents) {
      attempt_to_delete_.Add(owner.uid);
    }
  }
}

void GraphBuilder::AddDependentToOwners(const std::string& uid,
                                        const std::vector<OwnerReference>& owners) {
  const Node* dependent = graph_.Find(uid);
  if (dependent == nullptr) return;
  const ObjectReference dependent_identity = dependent->identity;
  bool potentially_invalid = false;
  for (const OwnerReference& owner : owners) {
    Node* owner_node = graph_.Find(owner.uid);
    bool existed = owner_node != nullptr;
    if (!existed) {
      // An owner not seen yet: a virtual node, verified against the apiserver by a worker.
      Node virtual_node;
      virtual_node.identity = IdentityOf(owner, dependent_identity.namespace_name);
      owner_node = &graph_.Insert(std::move(virtual_node));
    }
    owner_node->dependents.insert(uid);
    if (!existed) {
      attempt_to_delete_.Add(owner.uid);
      continue;
    }
    if (potentially_invalid) continue;
    const ObjectReference& owner_identity = owner_node->identity;
    bool owner_namespaced = !owner_identity.namespace_name.empty();
    if (owner_namespaced && owner_identity.namespace_name != dependent_identity.namespace_name) {
      // A namespaced owner in another namespace cannot be this object's owner.
      if (owner_node->observed) ReportInvalidNamespaceOwnerRef(*graph_.Find(uid), owner.uid);
      potentially_invalid = true;
    } else if (!MatchesCoordinates(owner, owner_identity)) {
      potentially_invalid = true;
    } else if (!owner_namespaced &&
               owner_identity.namespace_name != dependent_identity.namespace_name &&
               !owner_node->observed) {
      potentially_invalid = true;
    }
  }
  if (potentially_invalid) attempt_to_delete_.Add(uid);
}

void GraphBuilder::RemoveDependentFromOwners(const std::string& uid,
                                             const std::vector<OwnerReference>& owners) {
  for (const OwnerReference& owner : owners) {
    if (Node* owner_node = graph_.Find(owner.uid)) owner_node->dependents.erase(uid);
  }
}

void GraphBuilder::ProcessTransitions(const GraphChange& change, Node& node) {
  if (DeletionStartsWith(change, &ObjectState::has_orphan)) {
    attempt_to_orphan_.Add(node.identity.uid);
    return;
  }
  if (DeletionStartsWith(change, &ObjectState::has_foreground)) {
    node.deleting_dependents = true;
    for (const std::string& dependent : node.dependents) attempt_to_delete_.Add(dependent);
    attempt_to_delete_.Add(node.identity.uid);
  }
}

void GraphBuilder::ReportInvalidNamespaceOwnerRef(const Node& dependent,
                                                  const std::string& owner_uid) {
  const OwnerReference* invalid = nullptr;
  for (const OwnerReference& ref : dependent.owners) {
    if (ref.uid == owner_uid) {
      invalid = &ref;
      break;
    }
  }
  if (invalid == nullptr || recorder_ == nullptr) return;
  const ObjectReference& identity = dependent.identity;
  json object = {
      {"apiVersion", identity.api_version},
      {"kind", identity.kind},
      {"metadata",
       {{"name", identity.name}, {"namespace", identity.namespace_name}, {"uid", identity.uid}}}};
  ObjectReference invalid_identity = IdentityOf(*invalid, identity.namespace_name);
  recorder_->Event(object, client::kEventWarning, "OwnerRefInvalidNamespace",
                   base::StrCat("ownerRef ", invalid_identity.String(),
                                " does not exist in namespace \"", identity.namespace_name, "\""));
}

}  // namespace k1s::controllers::gc
