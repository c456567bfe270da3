#include "controllers/daemonset/daemonset_controller.h"

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "api/errors.h"
#include "api/label_selector.h"
#include "base/logging.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/daemonset/daemon_pods.h"
#include "controllers/daemonset/daemonset_impl.h"
#include "controllers/daemonset/node_placement.h"
#include "controllers/history/object_fields.h"

namespace k1s::controllers {
namespace {

using history::Member;
using history::NameOf;
using history::NamespaceOf;
using history::Path;
using history::StringOf;
using history::UidOf;
using nlohmann::json;

// Pods by the node they are meant for (spec.nodeName or the metadata.name affinity).
constexpr std::string_view kTargetNodeIndex = "daemonPodTargetNode";
// client-go's failedPodsBackoff in kube-controller-manager: 1 s doubling to 15 min.
constexpr int64_t kFailedPodBackoffInitial = base::kNanosPerSecond;
constexpr int64_t kFailedPodBackoffMax = 15 * 60 * base::kNanosPerSecond;
// Status writes retried against a fresh read once (StatusUpdateRetries).
constexpr int kStatusUpdateRetries = 1;

std::string ResourceVersionOf(const json& object) {
  return StringOf(Path(object, {"metadata", "resourceVersion"}));
}

// The node fields whose change can change placement: everything but the resourceVersion,
// managedFields and the conditions (unless the set of true conditions changed).
bool ShouldIgnoreNodeUpdate(const json& old_node, const json& node) {
  auto true_conditions = [](const json& object) {
    std::set<std::string> types;
    const json& conditions = Path(object, {"status", "conditions"});
    if (!conditions.is_array()) return types;
    for (const json& condition : conditions) {
      if (StringOf(Member(condition, "status")) == "True") {
        types.insert(StringOf(Member(condition, "type")));
      }
    }
    return types;
  };
  if (true_conditions(old_node) != true_conditions(node)) return false;
  auto stripped = [](json object) {
    if (object["metadata"].is_object()) {
      object["metadata"].erase("resourceVersion");
      object["metadata"].erase("managedFields");
    }
    if (object["status"].is_object()) object["status"].erase("conditions");
    return object;
  };
  return stripped(old_node) == stripped(node);
}

}  // namespace

// ---- lifecycle ----------------------------------------------------------------------------------

DaemonSetController::DaemonSetController(ControllerContext& ctx)
    : impl_(std::make_shared<Impl>(ctx)) {
  impl_->RegisterHandlers();
}

DaemonSetController::~DaemonSetController() { impl_->Stop(); }

absl::Status DaemonSetController::Start() { return impl_->Start(); }
void DaemonSetController::Stop() { impl_->Stop(); }
absl::Status DaemonSetController::Sync(const std::string& key) { return impl_->Sync(key); }

DaemonSetController::Impl::Impl(ControllerContext& ctx)
    : clock_(ctx.clock),
      client_(ctx.ClientFor("daemon-set-controller")),
      recorder_(ctx.events.NewRecorder("daemonset-controller")),
      daemon_sets_(ctx.informers.For(client::resources::DaemonSets())),
      nodes_(ctx.informers.For(client::resources::Nodes())),
      pods_(ctx.informers.For(client::resources::Pods())),
      revisions_(ctx.informers.For(client::resources::ControllerRevisions())),
      pods_resource_(client::resources::Pods()),
      revisions_resource_(client::resources::ControllerRevisions()),
      history_(client_, revisions_),
      expectations_(ctx.clock),
      failed_pod_backoff_(ctx.clock, kFailedPodBackoffInitial, kFailedPodBackoffMax),
      queue_("daemonset"),
      workers_(queue_, [this](const std::string& key) { return Sync(key); }),
      worker_count_(ctx.workers > 0 ? ctx.workers : 1),
      log_(base::Logger("daemonset-controller")) {}

void DaemonSetController::Impl::RegisterHandlers() {
  history::AddControllerUidIndex(pods_);
  history::AddControllerUidIndex(revisions_);
  pods_.AddIndex(std::string(kTargetNodeIndex), [](const json& pod) {
    std::optional<std::string> node = daemonset::TargetNodeName(pod);
    return node ? std::vector<std::string>{*node} : std::vector<std::string>{};
  });

  std::weak_ptr<Impl> weak = weak_from_this();
  // Each handler runs only while the controller exists.
  auto with = [weak](auto method) {
    return [weak, method](const auto&... args) {
      if (std::shared_ptr<Impl> self = weak.lock()) ((*self).*method)(args...);
    };
  };
  daemon_sets_.AddHandler({
      .on_add =
          [weak](const ObjectPtr& ds) {
            if (auto self = weak.lock()) self->Enqueue(*ds);
          },
      .on_update = with(&Impl::OnDaemonSetUpdate),
      .on_delete = with(&Impl::OnDaemonSetDelete),
  });
  pods_.AddHandler({
      .on_add = with(&Impl::OnPodAdd),
      .on_update = with(&Impl::OnPodUpdate),
      .on_delete = with(&Impl::OnPodDelete),
  });
  revisions_.AddHandler({
      .on_add = with(&Impl::OnRevisionAdd),
      .on_update = with(&Impl::OnRevisionUpdate),
      .on_delete = with(&Impl::OnRevisionDelete),
  });
  nodes_.AddHandler({
      .on_add = with(&Impl::OnNodeAdd),
      .on_update = with(&Impl::OnNodeUpdate),
      .on_delete = with(&Impl::OnNodeDelete),
  });
}

absl::Status DaemonSetController::Impl::Start() {
  log_->info("starting daemon sets controller with {} workers", worker_count_);
  workers_.Start(worker_count_);
  return absl::OkStatus();
}

void DaemonSetController::Impl::Stop() { workers_.Stop(); }

// ---- handlers -----------------------------------------------------------------------------------

void DaemonSetController::Impl::Enqueue(const json& ds) { queue_.Add(client::ObjectKey(ds)); }

void DaemonSetController::Impl::EnqueueAfter(const json& ds, int64_t delay_nanos) {
  queue_.AddAfter(client::ObjectKey(ds),
                  std::chrono::milliseconds(delay_nanos / base::kNanosPerMilli));
}

client::ObjectPtr DaemonSetController::Impl::ResolveControllerRef(const std::string& namespace_name,
                                                                  const json& ref) const {
  if (StringOf(Member(ref, "kind")) != "DaemonSet") return nullptr;
  ObjectPtr ds = daemon_sets_.Get(namespace_name, StringOf(Member(ref, "name")));
  if (ds == nullptr || UidOf(*ds) != StringOf(Member(ref, "uid"))) return nullptr;
  return ds;
}

std::vector<client::ObjectPtr> DaemonSetController::Impl::DaemonSetsSelecting(
    const json& object) const {
  std::vector<ObjectPtr> selecting;
  const json& labels = Path(object, {"metadata", "labels"});
  for (ObjectPtr& ds : daemon_sets_.List(NamespaceOf(object))) {
    absl::StatusOr<api::LabelSelector> selector =
        api::LabelSelector::FromJson(Path(*ds, {"spec", "selector"}));
    if (!selector.ok() || selector->Empty() || !selector->Matches(labels)) continue;
    selecting.push_back(std::move(ds));
  }
  return selecting;
}

void DaemonSetController::Impl::OnDaemonSetUpdate(const ObjectPtr& old_ds, const ObjectPtr& ds) {
  // A DaemonSet deleted and recreated under the same name: forget the old one.
  if (UidOf(*old_ds) != UidOf(*ds)) OnDaemonSetDelete(old_ds);
  Enqueue(*ds);
}

void DaemonSetController::Impl::OnDaemonSetDelete(const ObjectPtr& ds) {
  std::string key = client::ObjectKey(*ds);
  expectations_.Delete(key);
  queue_.Add(key);
}

void DaemonSetController::Impl::OnPodAdd(const ObjectPtr& pod) {
  if (IsBeingDeleted(*pod)) {
    // Seen for the first time already terminating: not a creation we wait for.
    OnPodDelete(pod);
    return;
  }
  if (const json* ref = ControllerRefOf(*pod)) {
    if (ObjectPtr ds = ResolveControllerRef(NamespaceOf(*pod), *ref)) {
      expectations_.CreationObserved(client::ObjectKey(*ds));
      Enqueue(*ds);
    }
    return;
  }
  for (const ObjectPtr& ds : DaemonSetsSelecting(*pod)) Enqueue(*ds);
}

void DaemonSetController::Impl::OnPodUpdate(const ObjectPtr& old_pod, const ObjectPtr& pod) {
  if (ResourceVersionOf(*old_pod) == ResourceVersionOf(*pod)) return;  // resync
  if (IsBeingDeleted(*pod)) {
    // Graceful deletion started: act now rather than when the kubelet removes the pod.
    OnPodDelete(pod);
    return;
  }
  const json* ref = ControllerRefOf(*pod);
  const json* old_ref = ControllerRefOf(*old_pod);
  bool ref_changed =
      (ref == nullptr) != (old_ref == nullptr) || (ref != nullptr && *ref != *old_ref);
  if (ref_changed && old_ref != nullptr) {
    if (ObjectPtr old_ds = ResolveControllerRef(NamespaceOf(*old_pod), *old_ref)) {
      Enqueue(*old_ds);
    }
  }
  if (ref != nullptr) {
    ObjectPtr ds = ResolveControllerRef(NamespaceOf(*pod), *ref);
    if (ds == nullptr) return;
    Enqueue(*ds);
    int32_t min_ready = daemonset::MinReadySeconds(*ds);
    if (!IsPodReady(*old_pod) && IsPodReady(*pod) && min_ready > 0) {
      // Check availability again once minReadySeconds have passed (plus a second of slack).
      EnqueueAfter(*ds, (int64_t{min_ready} + 1) * base::kNanosPerSecond);
    }
    return;
  }
  bool labels_changed =
      Path(*old_pod, {"metadata", "labels"}) != Path(*pod, {"metadata", "labels"});
  if (!labels_changed && !ref_changed) return;
  for (const ObjectPtr& ds : DaemonSetsSelecting(*pod)) Enqueue(*ds);
}

void DaemonSetController::Impl::OnPodDelete(const ObjectPtr& pod) {
  const json* ref = ControllerRefOf(*pod);
  if (ref == nullptr) return;  // nobody waits for orphans
  ObjectPtr ds = ResolveControllerRef(NamespaceOf(*pod), *ref);
  if (ds == nullptr) return;
  expectations_.DeletionObserved(client::ObjectKey(*ds));
  Enqueue(*ds);
}

void DaemonSetController::Impl::OnRevisionAdd(const ObjectPtr& revision) {
  if (IsBeingDeleted(*revision)) {
    OnRevisionDelete(revision);
    return;
  }
  // An owned revision needs nothing (its DaemonSet made it); an orphan may be adopted.
  if (ControllerRefOf(*revision) != nullptr) return;
  for (const ObjectPtr& ds : DaemonSetsSelecting(*revision)) Enqueue(*ds);
}

void DaemonSetController::Impl::OnRevisionUpdate(const ObjectPtr& old_revision,
                                                 const ObjectPtr& revision) {
  if (ResourceVersionOf(*old_revision) == ResourceVersionOf(*revision)) return;
  const json* ref = ControllerRefOf(*revision);
  const json* old_ref = ControllerRefOf(*old_revision);
  bool ref_changed =
      (ref == nullptr) != (old_ref == nullptr) || (ref != nullptr && *ref != *old_ref);
  if (ref_changed && old_ref != nullptr) {
    if (ObjectPtr old_ds = ResolveControllerRef(NamespaceOf(*old_revision), *old_ref)) {
      Enqueue(*old_ds);
    }
  }
  if (ref != nullptr) {
    if (ObjectPtr ds = ResolveControllerRef(NamespaceOf(*revision), *ref)) Enqueue(*ds);
    return;
  }
  bool labels_changed =
      Path(*old_revision, {"metadata", "labels"}) != Path(*revision, {"metadata", "labels"});
  if (!labels_changed && !ref_changed) return;
  for (const ObjectPtr& ds : DaemonSetsSelecting(*revision)) Enqueue(*ds);
}

void DaemonSetController::Impl::OnRevisionDelete(const ObjectPtr& revision) {
  const json* ref = ControllerRefOf(*revision);
  if (ref == nullptr) return;
  if (ObjectPtr ds = ResolveControllerRef(NamespaceOf(*revision), *ref)) Enqueue(*ds);
}

void DaemonSetController::Impl::OnNodeAdd(const ObjectPtr& node) {
  for (const ObjectPtr& ds : daemon_sets_.List()) {
    if (daemonset::NodeShouldRunDaemonPod(*node, *ds).should_run) Enqueue(*ds);
  }
}

void DaemonSetController::Impl::OnNodeUpdate(const ObjectPtr& old_node, const ObjectPtr& node) {
  if (ShouldIgnoreNodeUpdate(*old_node, *node)) return;
  for (const ObjectPtr& ds : daemon_sets_.List()) {
    daemonset::Placement before = daemonset::NodeShouldRunDaemonPod(*old_node, *ds);
    daemonset::Placement after = daemonset::NodeShouldRunDaemonPod(*node, *ds);
    if (before.should_run != after.should_run ||
        before.should_continue_running != after.should_continue_running) {
      Enqueue(*ds);
    }
  }
}

void DaemonSetController::Impl::OnNodeDelete(const ObjectPtr& node) {
  // Pods still waiting for the scheduler on a node that is gone are the DaemonSet's to delete.
  std::set<std::string> keys;
  for (const ObjectPtr& pod : pods_.ByIndex(kTargetNodeIndex, NameOf(*node))) {
    const json* ref = ControllerRefOf(*pod);
    if (ref == nullptr) continue;
    if (ObjectPtr ds = ResolveControllerRef(NamespaceOf(*pod), *ref)) {
      keys.insert(client::ObjectKey(*ds));
    }
  }
  for (const std::string& key : keys) queue_.Add(key);
}

// ---- sync ---------------------------------------------------------------------------------------

absl::Status DaemonSetController::Impl::Sync(const std::string& key) {
  auto [namespace_name, name] = client::SplitObjectKey(key);
  ObjectPtr cached = daemon_sets_.Get(namespace_name, name);
  if (cached == nullptr) {
    log_->debug("daemon set {} has been deleted", key);
    expectations_.Delete(key);
    return absl::OkStatus();
  }
  json ds = *cached;
  ds["apiVersion"] = "apps/v1";
  ds["kind"] = "DaemonSet";
  std::vector<ObjectPtr> nodes = nodes_.List();

  const json& selector = Path(ds, {"spec", "selector"});
  if (selector.is_object() && selector.empty()) {
    RecordEvent(ds, client::kEventWarning, "SelectingAll",
                "This daemon set is selecting all pods. A non-empty selector is required.");
    return absl::OkStatus();
  }
  // Its history may already be gone or orphaned: status cannot be trusted while it is deleted.
  if (IsBeingDeleted(ds)) return absl::OkStatus();

  absl::StatusOr<Histories> histories = ConstructHistory(ds);
  if (!histories.ok()) {
    return absl::Status(
        histories.status().code(),
        base::StrCat("failed to construct revisions of DaemonSet: ", histories.status().message()));
  }
  std::string hash = history::LabelOf(*histories->current, history::kRevisionHashLabel);

  if (!expectations_.Satisfied(key)) {
    // Earlier creates/deletes not seen yet: only refresh status, not observedGeneration.
    return UpdateStatus(ds, nodes, hash, false);
  }

  absl::Status status = Manage(ds, nodes, hash);
  if (status.ok() && expectations_.Satisfied(key)) {
    if (!daemonset::IsOnDelete(ds)) status = RollingUpdate(ds, nodes, hash);
  }
  if (status.ok()) {
    status = CleanupHistory(ds, histories->old);
    if (!status.ok()) {
      status = absl::Status(
          status.code(),
          base::StrCat("failed to clean up revisions of DaemonSet: ", status.message()));
    }
  }
  absl::Status status_error = UpdateStatus(ds, nodes, hash, true);
  if (!status.ok()) {
    if (!status_error.ok()) log_->warn("update status of daemon set {}: {}", key, status_error);
    return status;
  }
  return status_error;
}

absl::Status DaemonSetController::Impl::UpdateStatus(const json& ds,
                                                     const std::vector<ObjectPtr>& nodes,
                                                     const std::string& hash,
                                                     bool update_observed_generation) {
  absl::StatusOr<NodeToPods> node_to_pods = NodesToDaemonPods(ds, false);
  if (!node_to_pods.ok()) {
    return absl::Status(node_to_pods.status().code(),
                        base::StrCat("couldn't get node to daemon pod mapping for daemon set \"",
                                     NameOf(ds), "\": ", node_to_pods.status().message()));
  }
  int32_t desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0;
  int32_t min_ready = daemonset::MinReadySeconds(ds);
  std::optional<int64_t> generation = daemonset::TemplateGeneration(ds);
  int64_t now = NowSeconds();
  for (const ObjectPtr& node : nodes) {
    bool should_run = daemonset::NodeShouldRunDaemonPod(*node, ds).should_run;
    auto it = node_to_pods->find(NameOf(*node));
    bool scheduled = it != node_to_pods->end() && !it->second.empty();
    if (!should_run) {
      if (scheduled) ++misscheduled;
      continue;
    }
    ++desired;
    if (!scheduled) continue;
    ++current;
    std::vector<ObjectPtr> pods = it->second;
    std::sort(pods.begin(), pods.end(),
              [](const ObjectPtr& a, const ObjectPtr& b) { return daemonset::ComesFirst(*a, *b); });
    const json& pod = *pods.front();
    if (IsPodReady(pod)) {
      ++ready;
      if (IsPodAvailable(pod, min_ready, now)) ++available;
    }
    if (daemonset::IsPodUpdated(pod, hash, generation)) ++updated;
  }
  json status = {{"desiredNumberScheduled", desired},       {"currentNumberScheduled", current},
                 {"numberMisscheduled", misscheduled},      {"numberReady", ready},
                 {"updatedNumberScheduled", updated},       {"numberAvailable", available},
                 {"numberUnavailable", desired - available}};
  absl::Status stored = StoreStatus(ds, status, update_observed_generation);
  if (!stored.ok()) {
    return absl::Status(stored.code(), base::StrCat("error storing status for daemon set ",
                                                    client::ObjectKey(ds), ": ", stored.message()));
  }
  // A last line of defence against clock skew: look again once minReadySeconds have passed.
  if (min_ready > 0 && ready != available) {
    EnqueueAfter(ds, int64_t{min_ready} * base::kNanosPerSecond);
  }
  return absl::OkStatus();
}

absl::Status DaemonSetController::Impl::StoreStatus(const json& ds, const json& status,
                                                    bool update_observed_generation) {
  const json& current = Member(ds, "status");
  bool same = true;
  for (auto it = status.begin(); it != status.end(); ++it) {
    if (history::Int64Of(Member(current, it.key())) != it.value().get<int64_t>()) same = false;
  }
  int64_t generation = history::GenerationOf(ds);
  if (same && history::Int64Of(Member(current, "observedGeneration")) >= generation) {
    return absl::OkStatus();
  }
  json to_update = ds;
  absl::Status last;
  for (int attempt = 0;; ++attempt) {
    if (!to_update["status"].is_object()) to_update["status"] = json::object();
    if (update_observed_generation) to_update["status"]["observedGeneration"] = generation;
    for (auto it = status.begin(); it != status.end(); ++it) {
      to_update["status"][it.key()] = it.value();
    }
    // omitempty in apps/v1: absent rather than 0, as upstream writes them.
    for (const char* field : {"updatedNumberScheduled", "numberAvailable", "numberUnavailable"}) {
      if (status.value(field, int64_t{0}) == 0) to_update["status"].erase(field);
    }
    absl::StatusOr<json> written = client_.UpdateStatus(client::resources::DaemonSets(), to_update);
    if (written.ok()) return absl::OkStatus();
    last = written.status();
    if (attempt >= kStatusUpdateRetries) break;
    absl::StatusOr<json> fresh =
        client_.Get(client::resources::DaemonSets(), NamespaceOf(ds), NameOf(ds));
    if (!fresh.ok()) return fresh.status();
    to_update = *std::move(fresh);
  }
  return last;
}

void DaemonSetController::Impl::RecordEvent(const json& ds, std::string_view type,
                                            std::string_view reason, std::string_view message) {
  recorder_->Event(history::EventReference(ds, "apps/v1", "DaemonSet"), type, reason, message);
}

int64_t DaemonSetController::Impl::NowSeconds() const {
  return clock_.NowUnixNanos() / base::kNanosPerSecond;
}

}  // namespace k1s::controllers
