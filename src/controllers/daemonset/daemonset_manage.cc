// Which DaemonSet pods belong on which node, creating and deleting them, and rolling out a new
// template (upstream's manage, podsShouldBeOnNode, syncNodes and rollingUpdate).
#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "api/errors.h"
#include "api/label_selector.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/common/slow_start.h"
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

// At most this many creates or deletes per sync (BurstReplicas).
constexpr size_t kBurstReplicas = 250;

std::string PhaseOf(const json& pod) { return StringOf(Path(pod, {"status", "phase"})); }

// The pods of one node in upstream's keep-first order.
std::vector<client::ObjectPtr> Sorted(std::vector<client::ObjectPtr> pods) {
  std::sort(pods.begin(), pods.end(), [](const client::ObjectPtr& a, const client::ObjectPtr& b) {
    return daemonset::ComesFirst(*a, *b);
  });
  return pods;
}

// At most one current-revision and one old pod among the node's live pods (ok false when
// there are more, which the manage loop prunes first).
struct UpdatedPods {
  client::ObjectPtr new_pod;
  client::ObjectPtr old_pod;
  bool ok = true;
};

UpdatedPods FindUpdatedPodsOnNode(const json& ds, const std::vector<client::ObjectPtr>& pods,
                                  const std::string& hash) {
  UpdatedPods found;
  std::optional<int64_t> generation = daemonset::TemplateGeneration(ds);
  for (const client::ObjectPtr& pod : pods) {
    if (IsBeingDeleted(*pod)) continue;
    client::ObjectPtr& slot =
        daemonset::IsPodUpdated(*pod, hash, generation) ? found.new_pod : found.old_pod;
    if (slot != nullptr) return {nullptr, nullptr, false};
    slot = pod;
  }
  return found;
}

}  // namespace

absl::StatusOr<std::vector<client::ObjectPtr>> DaemonSetController::Impl::ClaimPods(
    const json& ds) {
  absl::StatusOr<api::LabelSelector> selector =
      api::LabelSelector::FromJson(Path(ds, {"spec", "selector"}));
  if (!selector.ok()) return selector.status();
  std::vector<ObjectPtr> candidates =
      history::ControlledByOrOrphans(pods_, NamespaceOf(ds), UidOf(ds));
  ControllerRefManager manager(client_, pods_resource_, ds, "apps/v1", "DaemonSet", *selector);
  return manager.Claim(candidates);
}

absl::StatusOr<DaemonSetController::Impl::NodeToPods> DaemonSetController::Impl::NodesToDaemonPods(
    const json& ds, bool include_deleted_terminal) {
  absl::StatusOr<std::vector<ObjectPtr>> claimed = ClaimPods(ds);
  if (!claimed.ok()) return claimed.status();
  NodeToPods node_to_pods;
  for (ObjectPtr& pod : *claimed) {
    // A finished pod already on its way out needs nothing more from us.
    if (!include_deleted_terminal && IsPodTerminal(*pod) && IsBeingDeleted(*pod)) continue;
    std::optional<std::string> node = daemonset::TargetNodeName(*pod);
    if (!node) {
      log_->debug("pod {} of daemon set {} names no target node", NameOf(*pod), NameOf(ds));
      continue;
    }
    node_to_pods[*node].push_back(std::move(pod));
  }
  return node_to_pods;
}

void DaemonSetController::Impl::PodsShouldBeOnNode(const json& node, const NodeToPods& node_to_pods,
                                                   const json& ds, const std::string& hash,
                                                   std::vector<std::string>& nodes_needing_pods,
                                                   std::vector<std::string>& pods_to_delete) {
  std::string node_name = NameOf(node);
  daemonset::Placement placement = daemonset::NodeShouldRunDaemonPod(node, ds);
  auto it = node_to_pods.find(node_name);
  bool exists = it != node_to_pods.end();
  static const std::vector<ObjectPtr> kNone;
  const std::vector<ObjectPtr>& daemon_pods = exists ? it->second : kNone;

  if (placement.should_run && !exists) {
    nodes_needing_pods.push_back(node_name);
    return;
  }
  if (!placement.should_continue_running) {
    // Not meant to run here (any more): delete every pod of ours on the node.
    for (const ObjectPtr& pod : daemon_pods) {
      if (!IsBeingDeleted(*pod)) pods_to_delete.push_back(NameOf(*pod));
    }
    return;
  }

  std::vector<ObjectPtr> running;
  for (const ObjectPtr& pod : daemon_pods) {
    if (IsBeingDeleted(*pod)) continue;
    std::string phase = PhaseOf(*pod);
    if (phase == "Failed") {
      // Kubelets that keep rejecting a pod must not make us spin: back off per node.
      std::string backoff_key =
          base::StrCat(UidOf(ds), "/", history::Int64Of(Path(ds, {"status", "observedGeneration"})),
                       "/", node_name);
      if (failed_pod_backoff_.InBackoff(backoff_key)) {
        EnqueueAfter(ds, failed_pod_backoff_.Delay(backoff_key));
        continue;
      }
      failed_pod_backoff_.Next(backoff_key);
      RecordEvent(ds, client::kEventWarning, "FailedDaemonPod",
                  base::StrCat("Found failed daemon pod ", NamespaceOf(*pod), "/", NameOf(*pod),
                               " on node ", node_name, ", will try to kill it"));
      pods_to_delete.push_back(NameOf(*pod));
    } else if (phase == "Succeeded") {
      RecordEvent(ds, client::kEventNormal, "SucceededDaemonPod",
                  base::StrCat("Found succeeded daemon pod ", NamespaceOf(*pod), "/", NameOf(*pod),
                               " on node ", node_name, ", will try to delete it"));
      pods_to_delete.push_back(NameOf(*pod));
    } else {
      running.push_back(pod);
    }
  }
  running = Sorted(std::move(running));

  if (!daemonset::AllowsSurge(ds)) {
    // Without surge only the oldest pod stays; a node left without one gets a new pod on the
    // next sync, once the deletions are observed.
    for (size_t i = 1; i < running.size(); ++i) pods_to_delete.push_back(NameOf(*running[i]));
    return;
  }
  if (running.size() <= 1) {
    if (running.empty() && placement.should_run) nodes_needing_pods.push_back(node_name);
    return;
  }
  // With surge two pods may share the node while the new one becomes available: the oldest of
  // the current revision and the oldest old one. Everything else goes.
  ObjectPtr oldest_new, oldest_old;
  for (const ObjectPtr& pod : running) {
    bool is_new = history::LabelOf(*pod, history::kRevisionHashLabel) == hash;
    ObjectPtr& slot = is_new ? oldest_new : oldest_old;
    if (slot == nullptr) {
      slot = pod;
      continue;
    }
    pods_to_delete.push_back(NameOf(*pod));
  }
  if (oldest_new != nullptr && oldest_old != nullptr) {
    if (!IsPodReady(*oldest_old) ||
        IsPodAvailable(*oldest_new, daemonset::MinReadySeconds(ds), NowSeconds())) {
      pods_to_delete.push_back(NameOf(*oldest_old));
    }
  }
}

absl::Status DaemonSetController::Impl::Manage(const json& ds, const std::vector<ObjectPtr>& nodes,
                                               const std::string& hash) {
  absl::StatusOr<NodeToPods> node_to_pods = NodesToDaemonPods(ds, false);
  if (!node_to_pods.ok()) {
    return absl::Status(node_to_pods.status().code(),
                        base::StrCat("couldn't get node to daemon pod mapping for daemon set \"",
                                     NameOf(ds), "\": ", node_to_pods.status().message()));
  }
  std::vector<std::string> nodes_needing_pods, pods_to_delete;
  std::set<std::string> node_names;
  for (const ObjectPtr& node : nodes) {
    node_names.insert(NameOf(*node));
    PodsShouldBeOnNode(*node, *node_to_pods, ds, hash, nodes_needing_pods, pods_to_delete);
  }
  // Unscheduled pods meant for nodes that no longer exist: no scheduler or pod GC will ever
  // deal with them.
  for (const auto& [node_name, pods] : *node_to_pods) {
    if (node_names.count(node_name) > 0) continue;
    for (const ObjectPtr& pod : pods) {
      if (StringOf(Path(*pod, {"spec", "nodeName"})).empty()) {
        pods_to_delete.push_back(NameOf(*pod));
      }
    }
  }
  return SyncNodes(ds, pods_to_delete, nodes_needing_pods, hash);
}

absl::Status DaemonSetController::Impl::SyncNodes(
    const json& ds, const std::vector<std::string>& pods_to_delete,
    const std::vector<std::string>& nodes_needing_pods, const std::string& hash) {
  std::string key = client::ObjectKey(ds);
  int32_t create_count = static_cast<int32_t>(std::min(nodes_needing_pods.size(), kBurstReplicas));
  int32_t delete_count = static_cast<int32_t>(std::min(pods_to_delete.size(), kBurstReplicas));
  // Set before writing so the informer's events cannot be missed.
  expectations_.Set(key, create_count, delete_count);

  absl::Mutex errors_mu;
  std::vector<absl::Status> errors;
  auto record = [&](absl::Status error) {
    absl::MutexLock lock(&errors_mu);
    errors.push_back(std::move(error));
  };
  json pod_template = daemonset::CreatePodTemplate(Path(ds, {"spec", "template"}),
                                                   daemonset::TemplateGeneration(ds), hash);
  // A batch with a failure ends the creates for this sync.
  BatchResult created = SlowStartBatch(create_count, 1, [&](int32_t i) {
    absl::Status status = CreatePod(ds, pod_template, nodes_needing_pods[static_cast<size_t>(i)]);
    if (!status.ok()) {
      expectations_.CreationObserved(key);
      record(status);
    }
    return status;
  });
  if (int32_t skipped = create_count - created.attempted; skipped > 0) {
    log_->debug("slow-start failure: skipping {} pod creations for daemon set {}", skipped, key);
    expectations_.Lower(key, skipped, 0);
  }

  ParallelCalls(delete_count, [&](int32_t i) {
    absl::Status deleted = DeletePod(ds, pods_to_delete[static_cast<size_t>(i)]);
    if (deleted.ok()) return deleted;
    expectations_.DeletionObserved(key);
    if (!api::IsNotFound(deleted)) record(deleted);
    return deleted;
  });

  if (errors.empty()) return absl::OkStatus();
  std::string message;
  for (const absl::Status& error : errors) {
    if (!message.empty()) message += ", ";
    message += std::string(error.message());
  }
  if (errors.size() > 1) message = base::StrCat("[", message, "]");
  return absl::Status(errors.front().code(), message);
}

absl::Status DaemonSetController::Impl::CreatePod(const json& ds, const json& pod_template,
                                                  const std::string& node_name) {
  json pod = daemonset::NewDaemonPod(ds, pod_template, node_name);
  const json& labels = Path(pod, {"metadata", "labels"});
  if (!labels.is_object() || labels.empty()) {
    return absl::InvalidArgumentError("unable to create pods, no labels");
  }
  absl::StatusOr<json> created = client_.Create(pods_resource_, NamespaceOf(ds), pod);
  if (!created.ok()) {
    if (created.status().code() != absl::StatusCode::kDeadlineExceeded) {
      RecordEvent(ds, client::kEventWarning, "FailedCreate",
                  base::StrCat("Error creating: ", created.status().message()));
    }
    return created.status();
  }
  log_->debug("controller {} created pod {}", NameOf(ds), NameOf(*created));
  RecordEvent(ds, client::kEventNormal, "SuccessfulCreate",
              base::StrCat("Created pod: ", NameOf(*created)));
  return absl::OkStatus();
}

absl::Status DaemonSetController::Impl::DeletePod(const json& ds, const std::string& pod_name) {
  absl::Status deleted = client_.Delete(pods_resource_, NamespaceOf(ds), pod_name);
  if (api::IsNotFound(deleted)) return deleted;  // already gone
  if (!deleted.ok()) {
    RecordEvent(ds, client::kEventWarning, "FailedDelete",
                base::StrCat("Error deleting: ", deleted.message()));
    return absl::Status(deleted.code(), base::StrCat("unable to delete pods: ", deleted.message()));
  }
  RecordEvent(ds, client::kEventNormal, "SuccessfulDelete",
              base::StrCat("Deleted pod: ", pod_name));
  return absl::OkStatus();
}

absl::Status DaemonSetController::Impl::RollingUpdate(const json& ds,
                                                      const std::vector<ObjectPtr>& nodes,
                                                      const std::string& hash) {
  absl::StatusOr<NodeToPods> node_to_pods = NodesToDaemonPods(ds, false);
  if (!node_to_pods.ok()) {
    return absl::Status(node_to_pods.status().code(),
                        base::StrCat("couldn't get node to daemon pod mapping for daemon set \"",
                                     NameOf(ds), "\": ", node_to_pods.status().message()));
  }
  // Every node that should run a pod takes part, with or without one.
  int32_t desired = 0;
  for (const ObjectPtr& node : nodes) {
    if (!daemonset::NodeShouldRunDaemonPod(*node, ds).should_run) continue;
    ++desired;
    (*node_to_pods)[NameOf(*node)];
  }
  absl::StatusOr<int32_t> max_unavailable = daemonset::UnavailableCount(ds, desired);
  if (!max_unavailable.ok()) {
    return absl::InvalidArgumentError(
        base::StrCat("couldn't get unavailable numbers: invalid value for MaxUnavailable: ",
                     max_unavailable.status().message()));
  }
  absl::StatusOr<int32_t> max_surge = daemonset::SurgeCount(ds, desired);
  if (!max_surge.ok()) {
    return absl::InvalidArgumentError(
        base::StrCat("couldn't get unavailable numbers: invalid value for MaxSurge: ",
                     max_surge.status().message()));
  }
  // An impossible configuration (no surge, no unavailability) still makes progress.
  if (desired > 0 && *max_unavailable == 0 && *max_surge == 0) *max_unavailable = 1;

  int32_t min_ready = daemonset::MinReadySeconds(ds);
  int64_t now = NowSeconds();
  auto available = [&](const ObjectPtr& pod) { return IsPodAvailable(*pod, min_ready, now); };

  if (*max_surge == 0) {
    // Delete just enough old pods to stay within maxUnavailable; manage recreates them.
    int32_t unavailable = 0;
    std::vector<std::string> replacements, candidates;
    for (const auto& [node_name, pods] : *node_to_pods) {
      UpdatedPods found = FindUpdatedPodsOnNode(ds, pods, hash);
      if (!found.ok) {
        ++unavailable;  // excess pods: manage cleans up first
        continue;
      }
      if ((found.old_pod == nullptr) == (found.new_pod == nullptr)) {
        ++unavailable;  // nothing or both: manage creates or deletes
      } else if (found.new_pod != nullptr) {
        if (!available(found.new_pod)) ++unavailable;
      } else if (!available(found.old_pod)) {
        replacements.push_back(NameOf(*found.old_pod));
        ++unavailable;
      } else if (unavailable < *max_unavailable) {
        candidates.push_back(NameOf(*found.old_pod));
      }
    }
    int32_t remaining = std::clamp<int32_t>(*max_unavailable - unavailable, 0,
                                            static_cast<int32_t>(candidates.size()));
    replacements.insert(replacements.end(), candidates.begin(), candidates.begin() + remaining);
    return SyncNodes(ds, replacements, {}, hash);
  }

  // Surge: start a new pod beside each old one (within maxSurge), delete the old pod once the
  // new one is available.
  std::vector<std::string> old_pods_to_delete, should_not_run_pods, candidate_nodes, allowed_nodes;
  int32_t surging = 0;
  int32_t available_count = 0;
  for (const auto& [node_name, pods] : *node_to_pods) {
    UpdatedPods found = FindUpdatedPodsOnNode(ds, pods, hash);
    if (!found.ok) {
      ++surging;
      continue;
    }
    if (found.old_pod != nullptr) {
      if (available(found.old_pod)) ++available_count;
    } else if (found.new_pod != nullptr && available(found.new_pod)) {
      ++available_count;
    }
    if (found.old_pod == nullptr) continue;  // manage handles it
    if (found.new_pod == nullptr) {
      ObjectPtr node = nodes_.Get("", node_name);
      if (node == nullptr) {
        return absl::NotFoundError(
            base::StrCat("couldn't get node for nodeName \"", node_name, "\""));
      }
      bool should_run = daemonset::NodeShouldRunDaemonPod(*node, ds).should_run;
      if (!available(found.old_pod)) {
        if (!should_run) {
          old_pods_to_delete.push_back(NameOf(*found.old_pod));
        } else {
          allowed_nodes.push_back(node_name);
        }
      } else if (!should_run) {
        should_not_run_pods.push_back(NameOf(*found.old_pod));
      } else if (surging < *max_surge) {
        candidate_nodes.push_back(node_name);
      }
      continue;
    }
    if (!available(found.new_pod)) {
      ++surging;  // waiting for the new pod
      continue;
    }
    old_pods_to_delete.push_back(NameOf(*found.old_pod));
  }
  // Pods on nodes that stopped qualifying go only once enough pods elsewhere are available.
  int32_t deletable = std::min<int32_t>(available_count - desired,
                                        static_cast<int32_t>(should_not_run_pods.size()));
  for (int32_t i = 0; i < deletable; ++i) {
    if (pods_.Get(NamespaceOf(ds), should_not_run_pods[i]) == nullptr) continue;
    old_pods_to_delete.push_back(should_not_run_pods[i]);
  }
  int32_t remaining =
      std::clamp<int32_t>(*max_surge - surging, 0, static_cast<int32_t>(candidate_nodes.size()));
  allowed_nodes.insert(allowed_nodes.end(), candidate_nodes.begin(),
                       candidate_nodes.begin() + remaining);
  return SyncNodes(ds, old_pods_to_delete, allowed_nodes, hash);
}

}  // namespace k1s::controllers
