#include "controllers/garbage_collector/garbage_collector.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"

namespace k1s::controllers {

using gc::NodeSnapshot;
using gc::ObjectReference;
using gc::OwnerReference;
using nlohmann::json;

namespace {

auto& Log() {
  static auto log = base::Logger("garbage-collector");
  return log;
}

std::string MetadataString(const json& object, const char* key) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto it = metadata->find(key);
  return it != metadata->end() && it->is_string() ? it->get<std::string>() : "";
}

// A kind the RestMapper does not know (yet): discovery should be read again.
bool IsUnknownKind(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition;
}

std::set<std::string> UidsOf(const std::vector<OwnerReference>& a,
                             const std::vector<OwnerReference>& b) {
  std::set<std::string> uids;
  for (const OwnerReference& ref : a) uids.insert(ref.uid);
  for (const OwnerReference& ref : b) uids.insert(ref.uid);
  return uids;
}

}  // namespace

GarbageCollector::GarbageCollector(ControllerContext& ctx, GarbageCollectorOptions options)
    : ctx_(ctx),
      options_(std::move(options)),
      client_(ctx.ClientFor("generic-garbage-collector")),
      recorder_(ctx.events.NewRecorder("garbage-collector-controller")),
      operations_(client_, mapper_),
      builder_(client_, ctx.informers, attempt_to_delete_, attempt_to_orphan_, absent_owners_,
               recorder_) {}

GarbageCollector::~GarbageCollector() { Stop(); }

absl::Status GarbageCollector::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("garbage collector already started");
    started_ = true;
  }
  builder_.Start();
  Rediscover();
  resync_thread_ = std::thread([this] { ResyncLoop(); });
  int32_t workers = options_.workers > 0 ? options_.workers : std::max<int32_t>(1, ctx_.workers);
  for (int32_t i = 0; i < workers; ++i) {
    workers_.emplace_back([this] { RunDeleteWorker(); });
    workers_.emplace_back([this] { RunOrphanWorker(); });
  }
  Log()->info("started with {} workers per queue", workers);
  return absl::OkStatus();
}

void GarbageCollector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (resync_thread_.joinable()) resync_thread_.join();
  attempt_to_delete_.ShutDown();
  attempt_to_orphan_.ShutDown();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  builder_.Stop();
}

bool GarbageCollector::IsSynced() const { return builder_.IsSynced(); }

void GarbageCollector::RequestRediscovery() {
  absl::MutexLock lock(&mu_);
  rediscovery_requested_ = true;
}

void GarbageCollector::Rediscover() {
  {
    absl::MutexLock lock(&mu_);
    last_discovery_ = absl::Now();
  }
  absl::StatusOr<gc::DiscoveryResult> discovery = gc::DiscoverResources(client_);
  if (!discovery.ok()) {
    Log()->warn("discover resources: {}", discovery.status());
    return;
  }
  for (const std::string& failed : discovery->failed_group_versions) {
    Log()->warn("discover resources of {} failed; keeping its monitors", failed);
  }
  mapper_.Update(*discovery);
  builder_.SyncMonitors(gc::DeletableResources(*discovery, options_.ignored_resources),
                        /*keep_others=*/!discovery->failed_group_versions.empty());
}

void GarbageCollector::ResyncLoop() {
  base::SetCurrentThreadName("gc-resync");
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(this, &GarbageCollector::ResyncWanted),
                           absl::FromChrono(options_.resync_period));
      if (stopping_) return;
      if (rediscovery_requested_) {
        absl::Duration since = absl::Now() - last_discovery_;
        absl::Duration gap = absl::FromChrono(options_.min_rediscovery_interval);
        if (since < gap) {
          mu_.AwaitWithTimeout(absl::Condition(this, &GarbageCollector::Stopping), gap - since);
          if (stopping_) return;
        }
        rediscovery_requested_ = false;
      }
    }
    Rediscover();
  }
}

void GarbageCollector::RunDeleteWorker() {
  base::SetCurrentThreadName("gc-delete");
  while (std::optional<std::string> uid = attempt_to_delete_.Get()) {
    if (ProcessDeleteItem(*uid)) {
      attempt_to_delete_.Forget(*uid);
    } else {
      attempt_to_delete_.AddRateLimited(*uid);
    }
    attempt_to_delete_.Done(*uid);
  }
}

void GarbageCollector::RunOrphanWorker() {
  base::SetCurrentThreadName("gc-orphan");
  while (std::optional<std::string> uid = attempt_to_orphan_.Get()) {
    absl::Status status = AttemptToOrphan(*uid);
    if (status.ok()) {
      attempt_to_orphan_.Forget(*uid);
    } else {
      Log()->warn("orphan dependents of {}: {}", *uid, status);
      attempt_to_orphan_.AddRateLimited(*uid);
    }
    attempt_to_orphan_.Done(*uid);
  }
}

bool GarbageCollector::ProcessDeleteItem(const std::string& uid) {
  std::optional<NodeSnapshot> item = builder_.Snapshot(uid);
  // Gone from the graph: its deletion was observed meanwhile.
  if (!item) return true;
  absl::StatusOr<Step> step = AttemptToDeleteItem(*item);
  if (!step.ok()) {
    if (IsUnknownKind(step.status())) {
      RequestRediscovery();
      Log()->debug("item {}: {}", item->identity.String(), step.status());
    } else if (api::IsConflict(step.status())) {
      Log()->debug("item {}: {}", item->identity.String(), step.status());
    } else {
      Log()->warn("error syncing item {}: {}", item->identity.String(), step.status());
    }
    return false;
  }
  if (*step != Step::kDone) return true;
  // A virtual node is polled until an informer shows it or a read proves it absent.
  return item->observed;
}

absl::StatusOr<GarbageCollector::Step> GarbageCollector::AttemptToDeleteItem(
    const NodeSnapshot& item) {
  // Being deleted is a one-way trip: wait for the deletion, then handle the dependents.
  if (item.being_deleted && !item.deleting_dependents) return Step::kDone;
  absl::StatusOr<json> latest = operations_.Get(item.identity);
  if (api::IsNotFound(latest.status())) {
    builder_.EnqueueVirtualDelete(item.identity);
    return Step::kVirtualDeleteQueued;
  }
  if (!latest.ok()) return latest.status();
  if (MetadataString(*latest, "uid") != item.identity.uid) {
    builder_.EnqueueVirtualDelete(item.identity);
    return Step::kVirtualDeleteQueued;
  }
  if (item.deleting_dependents) return ProcessDeletingDependents(item);

  std::vector<OwnerReference> owners = gc::OwnerReferencesOf(*latest);
  if (owners.empty()) return Step::kDone;
  bool invalid = false;
  absl::StatusOr<Classified> refs = ClassifyReferences(item, owners, &invalid);
  if (invalid) return Step::kInvalidReference;
  if (!refs.ok()) return refs.status();

  std::string resource_version = MetadataString(*latest, "resourceVersion");
  if (!refs->solid.empty()) {
    if (refs->dangling.empty() && refs->waiting.empty()) return Step::kDone;
    // Live owners remain: only the references to absent owners (and to owners waiting for
    // their dependents, which would otherwise wait forever) go.
    Log()->debug("removing dangling references from {}", item.identity.String());
    absl::Status status =
        operations_.RemoveOwnerReferences(item.identity, UidsOf(refs->dangling, refs->waiting));
    if (!status.ok()) return status;
    return Step::kDone;
  }
  std::string policy;
  if (!refs->waiting.empty() && !item.dependents.empty()) {
    // An owner waits for this item, which has dependents of its own: delete it in the
    // foreground too. A dependent already deleting its dependents may point back at us
    // (a cycle): unblock our references first.
    for (const gc::DependentSnapshot& dependent : item.dependents) {
      if (!dependent.deleting_dependents) continue;
      if (absl::Status status = operations_.UnblockOwnerReferences(item.identity); !status.ok()) {
        return status;
      }
      break;
    }
    policy = "Foreground";
  } else if (gc::HasFinalizer(*latest, gc::kFinalizerOrphan)) {
    policy = "Orphan";
  } else if (gc::HasFinalizer(*latest, gc::kFinalizerForeground)) {
    policy = "Foreground";
  } else {
    policy = "Background";
  }
  Log()->info("deleting {} (propagation {})", item.identity.String(), policy);
  absl::Status status = operations_.Delete(item.identity, resource_version, owners, policy);
  if (api::IsNotFound(status)) {
    builder_.EnqueueVirtualDelete(item.identity);
    return Step::kVirtualDeleteQueued;
  }
  if (!status.ok()) return status;
  return Step::kDone;
}

absl::StatusOr<GarbageCollector::Step> GarbageCollector::ProcessDeletingDependents(
    const NodeSnapshot& item) {
  bool blocked = false;
  for (const gc::DependentSnapshot& dependent : item.dependents) {
    if (!dependent.blocking) continue;
    blocked = true;
    if (!dependent.deleting_dependents) attempt_to_delete_.Add(dependent.identity.uid);
  }
  if (blocked) return Step::kDone;
  Log()->info("removing the {} finalizer from {}", gc::kFinalizerForeground,
              item.identity.String());
  absl::Status status = operations_.RemoveFinalizer(item.identity, gc::kFinalizerForeground);
  if (!status.ok()) return status;
  return Step::kDone;
}

absl::StatusOr<GarbageCollector::Classified> GarbageCollector::ClassifyReferences(
    const NodeSnapshot& item, const std::vector<OwnerReference>& refs, bool* invalid) {
  Classified result;
  for (const OwnerReference& ref : refs) {
    json owner;
    absl::StatusOr<bool> dangling = IsDangling(ref, item, &owner, invalid);
    if (*invalid) return result;
    if (!dangling.ok()) return dangling.status();
    if (*dangling) {
      result.dangling.push_back(ref);
    } else if (gc::StateOf(owner).being_deleted &&
               gc::HasFinalizer(owner, gc::kFinalizerForeground)) {
      result.waiting.push_back(ref);
    } else {
      result.solid.push_back(ref);
    }
  }
  return result;
}

absl::StatusOr<bool> GarbageCollector::IsDangling(const OwnerReference& ref,
                                                  const NodeSnapshot& item, json* owner,
                                                  bool* invalid) {
  ObjectReference absent_key = gc::IdentityOf(ref, "");
  if (absent_owners_.Has(absent_key)) return true;
  absent_key.namespace_name = item.identity.namespace_name;
  if (absent_owners_.Has(absent_key)) return true;
  absl::StatusOr<client::Resource> resource = mapper_.ResourceFor(ref.api_version, ref.kind);
  if (!resource.ok()) return resource.status();
  if (!resource->namespaced) absent_key.namespace_name.clear();
  if (item.identity.namespace_name.empty() && resource->namespaced) {
    // A cluster-scoped object cannot have a namespaced owner; retrying will not help.
    Log()->info("{} is cluster-scoped but refers to a namespaced owner {}", item.identity.String(),
                ref.name);
    *invalid = true;
    return false;
  }
  absl::StatusOr<json> live =
      client_.Get(*resource, resource->namespaced ? item.identity.namespace_name : "", ref.name);
  if (api::IsNotFound(live.status())) {
    absent_owners_.Add(absent_key);
    return true;
  }
  if (!live.ok()) return live.status();
  if (MetadataString(*live, "uid") != ref.uid) {
    absent_owners_.Add(absent_key);
    return true;
  }
  *owner = *std::move(live);
  return false;
}

absl::Status GarbageCollector::AttemptToOrphan(const std::string& uid) {
  std::optional<NodeSnapshot> owner = builder_.Snapshot(uid);
  if (!owner) return absl::OkStatus();
  std::vector<std::string> errors;
  for (const gc::DependentSnapshot& dependent : owner->dependents) {
    absl::Status status = operations_.RemoveOwnerReferences(dependent.identity, {uid});
    if (!status.ok() && !api::IsNotFound(status)) {
      errors.push_back(
          base::StrCat("orphaning ", dependent.identity.String(), " failed, ", status.message()));
    }
  }
  if (!errors.empty()) {
    std::string joined;
    for (const std::string& error : errors) {
      base::StrAppend(&joined, joined.empty() ? "" : ", ", error);
    }
    return absl::UnavailableError(base::StrCat("failed to orphan dependents of owner ",
                                               owner->identity.String(), ", got errors: ", joined));
  }
  Log()->info("removing the {} finalizer from {}", gc::kFinalizerOrphan, owner->identity.String());
  return operations_.RemoveFinalizer(owner->identity, gc::kFinalizerOrphan);
}

}  // namespace k1s::controllers
