#include "controllers/deployment/deployment_controller.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/label_selector.h"
#include "base/logging.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/deployment/deployment_controller_impl.h"
#include "controllers/replicaset/object_fields.h"
#include "controllers/replicaset/object_index.h"

namespace k1s::controllers {
namespace {

using client::ObjectPtr;
using nlohmann::json;
namespace wl = workload;
namespace du = deployment;

constexpr std::string_view kApiVersion = "apps/v1";
constexpr std::string_view kKind = "Deployment";

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("deployment-controller");
  return *logger;
}

std::string ResourceVersionOf(const json& object) {
  return wl::StringOf(wl::Path(object, {"metadata", "resourceVersion"}));
}

}  // namespace

DeploymentController::Impl::Impl(ControllerContext& ctx)
    : clock_(ctx.clock),
      workers_count_(ctx.workers),
      client_(ctx.ClientFor("deployment-controller")),
      deployments_resource_(client::resources::Deployments()),
      replica_sets_resource_(client::resources::ReplicaSets()),
      deployments_(ctx.informers.For(client::resources::Deployments())),
      replica_sets_(ctx.informers.For(client::resources::ReplicaSets())),
      pods_(ctx.informers.For(client::resources::Pods())),
      recorder_(ctx.events.NewRecorder("deployment-controller")),
      queue_("deployment") {}

void DeploymentController::Impl::RegisterHandlers() {
  wl::AddControllerUidIndex(replica_sets_);
  wl::AddControllerUidIndex(pods_);
  std::weak_ptr<Impl> weak = weak_from_this();
  client::EventHandler deployment_handler;
  deployment_handler.on_add = [weak](const ObjectPtr& d) {
    if (auto self = weak.lock()) self->EnqueueKey(wl::KeyOf(*d));
  };
  deployment_handler.on_update = [weak](const ObjectPtr&, const ObjectPtr& d) {
    if (auto self = weak.lock()) self->EnqueueKey(wl::KeyOf(*d));
  };
  deployment_handler.on_delete = [weak](const ObjectPtr& d) {
    if (auto self = weak.lock()) self->EnqueueKey(wl::KeyOf(*d));
  };
  deployments_.AddHandler(std::move(deployment_handler));
  client::EventHandler rs_handler;
  rs_handler.on_add = [weak](const ObjectPtr& rs) {
    if (auto self = weak.lock()) self->AddReplicaSet(*rs);
  };
  rs_handler.on_update = [weak](const ObjectPtr& old_rs, const ObjectPtr& rs) {
    if (auto self = weak.lock()) self->UpdateReplicaSet(*old_rs, *rs);
  };
  rs_handler.on_delete = [weak](const ObjectPtr& rs) {
    if (auto self = weak.lock()) self->DeleteReplicaSet(*rs);
  };
  replica_sets_.AddHandler(std::move(rs_handler));
  // Pods matter only to Recreate, which waits for the old ones to be gone.
  client::EventHandler pod_handler;
  pod_handler.on_delete = [weak](const ObjectPtr& pod) {
    if (auto self = weak.lock()) self->DeletePod(*pod);
  };
  pods_.AddHandler(std::move(pod_handler));
}

absl::Status DeploymentController::Impl::Start() {
  if (workers_) return absl::FailedPreconditionError("deployment controller already started");
  workers_ = std::make_unique<client::QueueWorkers>(queue_, [this](const std::string& key) {
    // Objects come validated from the apiserver; a type surprise still must not take the
    // process down.
    try {
      return Sync(key);
    } catch (const nlohmann::json::exception& error) {
      return absl::InternalError(base::StrCat("sync ", key, ": ", error.what()));
    }
  });
  workers_->Start(std::max<int32_t>(1, workers_count_));
  Log().info("started {} workers", std::max<int32_t>(1, workers_count_));
  return absl::OkStatus();
}

void DeploymentController::Impl::Stop() {
  queue_.ShutDown();
  if (workers_) workers_->Stop();
}

int64_t DeploymentController::Impl::NowSeconds() const {
  return clock_.NowUnixNanos() / base::kNanosPerSecond;
}

void DeploymentController::Impl::Event(const json& d, std::string_view type,
                                       std::string_view reason, std::string_view message) {
  recorder_->Event(wl::EventReference(d, kApiVersion, kKind), type, reason, message);
}

// ---- Event handlers ---------------------------------------------------------------------------

ObjectPtr DeploymentController::Impl::ResolveControllerRef(const std::string& namespace_name,
                                                           const json& ref) const {
  if (wl::StringOf(wl::Member(ref, "kind")) != kKind) return nullptr;
  ObjectPtr d = deployments_.Get(namespace_name, wl::StringOf(wl::Member(ref, "name")));
  if (!d || wl::UidOf(*d) != wl::StringOf(wl::Member(ref, "uid"))) return nullptr;
  return d;
}

std::vector<ObjectPtr> DeploymentController::Impl::DeploymentsSelecting(const json& rs) const {
  std::vector<ObjectPtr> out;
  const json& labels = wl::Path(rs, {"metadata", "labels"});
  if (!labels.is_object() || labels.empty()) return out;
  for (ObjectPtr& d : deployments_.List(wl::NamespaceOf(rs))) {
    absl::StatusOr<api::LabelSelector> selector =
        api::LabelSelector::FromJson(wl::Path(*d, {"spec", "selector"}));
    if (!selector.ok() || selector->Empty() || !selector->Matches(labels)) continue;
    out.push_back(std::move(d));
  }
  if (out.size() > 1) {
    Log().debug("more than one deployment selects replicaset {}", wl::KeyOf(rs));
  }
  return out;
}

void DeploymentController::Impl::AddReplicaSet(const json& rs) {
  if (IsBeingDeleted(rs)) {
    // Seen for the first time while being deleted (e.g. after a restart): treat as a delete.
    DeleteReplicaSet(rs);
    return;
  }
  if (const json* ref = ControllerRefOf(rs)) {
    if (ObjectPtr d = ResolveControllerRef(wl::NamespaceOf(rs), *ref)) EnqueueKey(wl::KeyOf(*d));
    return;
  }
  // An orphan: every Deployment that could adopt it gets a look.
  for (const ObjectPtr& d : DeploymentsSelecting(rs)) EnqueueKey(wl::KeyOf(*d));
}

void DeploymentController::Impl::UpdateReplicaSet(const json& old_rs, const json& rs) {
  if (ResourceVersionOf(old_rs) == ResourceVersionOf(rs)) return;  // periodic resync
  const json* ref = ControllerRefOf(rs);
  const json* old_ref = ControllerRefOf(old_rs);
  const bool ref_changed =
      (ref == nullptr) != (old_ref == nullptr) || (ref != nullptr && *ref != *old_ref);
  if (ref_changed && old_ref != nullptr) {
    if (ObjectPtr d = ResolveControllerRef(wl::NamespaceOf(old_rs), *old_ref)) {
      EnqueueKey(wl::KeyOf(*d));
    }
  }
  if (ref != nullptr) {
    if (ObjectPtr d = ResolveControllerRef(wl::NamespaceOf(rs), *ref)) EnqueueKey(wl::KeyOf(*d));
    return;
  }
  const bool labels_changed =
      wl::Path(old_rs, {"metadata", "labels"}) != wl::Path(rs, {"metadata", "labels"});
  if (labels_changed || ref_changed) {
    for (const ObjectPtr& d : DeploymentsSelecting(rs)) EnqueueKey(wl::KeyOf(*d));
  }
}

void DeploymentController::Impl::DeleteReplicaSet(const json& rs) {
  const json* ref = ControllerRefOf(rs);
  if (ref == nullptr) return;  // no Deployment cares about a deleted orphan
  if (ObjectPtr d = ResolveControllerRef(wl::NamespaceOf(rs), *ref)) EnqueueKey(wl::KeyOf(*d));
}

void DeploymentController::Impl::DeletePod(const json& pod) {
  const json* ref = ControllerRefOf(pod);
  if (ref == nullptr || wl::StringOf(wl::Member(*ref, "kind")) != "ReplicaSet") return;
  const std::string ns = wl::NamespaceOf(pod);
  ObjectPtr rs = replica_sets_.Get(ns, wl::StringOf(wl::Member(*ref, "name")));
  if (!rs || wl::UidOf(*rs) != wl::StringOf(wl::Member(*ref, "uid"))) return;
  const json* rs_ref = ControllerRefOf(*rs);
  if (rs_ref == nullptr) return;
  ObjectPtr d = ResolveControllerRef(ns, *rs_ref);
  if (!d || wl::StringOf(wl::Path(*d, {"spec", "strategy", "type"})) != "Recreate") return;
  // Recreate waits for every old pod to be gone before it scales the new ReplicaSet up.
  RsList owned;
  for (const ObjectPtr& candidate : wl::ControlledBy(replica_sets_, wl::UidOf(*d))) {
    owned.push_back(std::make_shared<json>(*candidate));
  }
  size_t pods = 0;
  for (const auto& [uid, list] : PodMapForDeployment(*d, owned)) pods += list.size();
  if (pods == 0) EnqueueKey(wl::KeyOf(*d));
}

// ---- Ownership --------------------------------------------------------------------------------

absl::StatusOr<DeploymentController::Impl::RsList>
DeploymentController::Impl::ReplicaSetsForDeployment(const json& d) {
  absl::StatusOr<api::LabelSelector> selector =
      api::LabelSelector::FromJson(wl::Path(d, {"spec", "selector"}));
  if (!selector.ok()) {
    return absl::InvalidArgumentError(base::StrCat(
        "deployment ", wl::KeyOf(d), " has invalid label selector: ", selector.status().message()));
  }
  std::vector<ObjectPtr> candidates =
      wl::ControlledByOrOrphans(replica_sets_, wl::NamespaceOf(d), wl::UidOf(d));
  ControllerRefManager manager(client_, replica_sets_resource_, d, kApiVersion, kKind, *selector);
  absl::StatusOr<std::vector<ObjectPtr>> claimed = manager.Claim(candidates);
  if (!claimed.ok()) return claimed.status();
  RsList out;
  out.reserve(claimed->size());
  for (const ObjectPtr& rs : *claimed) out.push_back(std::make_shared<json>(*rs));
  return out;
}

DeploymentController::Impl::PodMap DeploymentController::Impl::PodMapForDeployment(
    const json& d, const RsList& rs_list) const {
  PodMap out;
  absl::StatusOr<api::LabelSelector> selector =
      api::LabelSelector::FromJson(wl::Path(d, {"spec", "selector"}));
  for (const RsPtr& rs : rs_list) {
    if (!rs) continue;
    std::vector<ObjectPtr>& pods = out[wl::UidOf(*rs)];
    for (ObjectPtr& pod : wl::ControlledBy(pods_, wl::UidOf(*rs))) {
      if (selector.ok() && selector->Matches(wl::Path(*pod, {"metadata", "labels"}))) {
        pods.push_back(std::move(pod));
      }
    }
  }
  return out;
}

absl::Status DeploymentController::Impl::UpdateDeploymentStatus(json& d) {
  absl::StatusOr<json> updated = client_.UpdateStatus(deployments_resource_, d);
  if (!updated.ok()) return updated.status();
  json result = *std::move(updated);
  // Upstream's status writes also carry the Deployment's revision annotation. When the status
  // endpoint keeps metadata as is, write the annotation with an update of its own (the role
  // system:controller:deployment-controller may update deployments, not patch them).
  std::optional<std::string> revision = wl::Annotation(d, du::kRevisionAnnotation);
  if (revision && wl::Annotation(result, du::kRevisionAnnotation) != revision) {
    json& annotations = result["metadata"]["annotations"];
    if (!annotations.is_object()) annotations = json::object();
    annotations[std::string(du::kRevisionAnnotation)] = *revision;
    absl::StatusOr<json> written = client_.Update(deployments_resource_, result);
    if (!written.ok()) return written.status();
    result = *std::move(written);
  }
  d["metadata"]["resourceVersion"] = ResourceVersionOf(result);
  return absl::OkStatus();
}

// ---- Sync -------------------------------------------------------------------------------------

absl::Status DeploymentController::Impl::Sync(const std::string& key) {
  ObjectPtr cached = deployments_.GetByKey(key);
  if (!cached) return absl::OkStatus();  // deleted; the garbage collector takes its children
  json d = *cached;

  if (wl::WithoutEmpty(wl::Path(d, {"spec", "selector"})).is_null()) {
    Event(d, client::kEventWarning, "SelectingAll",
          "This deployment is selecting all pods. A non-empty selector is required.");
    const int64_t generation = wl::GenerationOf(d);
    if (wl::Int64Of(wl::Path(d, {"status", "observedGeneration"})) < generation) {
      d["status"]["observedGeneration"] = generation;
      (void)client_.UpdateStatus(deployments_resource_, d);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<RsList> rs_list = ReplicaSetsForDeployment(d);
  if (!rs_list.ok()) return rs_list.status();
  const PodMap pod_map = PodMapForDeployment(d, *rs_list);

  if (IsBeingDeleted(d)) return SyncStatusOnly(d, *rs_list);
  // Record pause/resume before anything else, so a resumed Deployment is not judged on the
  // time it spent paused.
  if (absl::Status status = CheckPausedConditions(d); !status.ok()) return status;
  if (wl::Path(d, {"spec", "paused"}) == true) return SyncScaleOrPause(d, *rs_list);
  if (du::RollbackRevision(d)) return Rollback(d, *rs_list);

  absl::StatusOr<bool> scaling = IsScalingEvent(d, *rs_list);
  if (!scaling.ok()) return scaling.status();
  if (*scaling) return SyncScaleOrPause(d, *rs_list);

  const std::string strategy = wl::StringOf(wl::Path(d, {"spec", "strategy", "type"}));
  if (strategy == "Recreate") return RolloutRecreate(d, *rs_list, pod_map);
  if (strategy == "RollingUpdate") return RolloutRolling(d, *rs_list);
  return absl::InvalidArgumentError(
      base::StrCat("unexpected deployment strategy type: ", strategy));
}

// ---- Facade -----------------------------------------------------------------------------------

DeploymentController::DeploymentController(ControllerContext& ctx)
    : impl_(std::make_shared<Impl>(ctx)) {
  impl_->RegisterHandlers();
}

DeploymentController::~DeploymentController() { Stop(); }

absl::Status DeploymentController::Start() { return impl_->Start(); }

void DeploymentController::Stop() { impl_->Stop(); }

absl::Status DeploymentController::Sync(const std::string& key) { return impl_->Sync(key); }

}  // namespace k1s::controllers
