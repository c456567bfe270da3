#include "controllers/replicaset/replica_set_controller.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "api/errors.h"
#include "api/label_selector.h"
#include "base/logging.h"
#include "base/strings.h"
#include "client/resource.h"
#include "client/work_queue.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/common/slow_start.h"
#include "controllers/replicaset/expectations.h"
#include "controllers/replicaset/object_fields.h"
#include "controllers/replicaset/object_index.h"
#include "controllers/replicaset/pod_ranking.h"
#include "controllers/replicaset/pod_template.h"
#include "controllers/replicaset/replica_set_status.h"

namespace k1s::controllers {
namespace {

using client::ObjectPtr;
using nlohmann::json;
namespace wl = workload;

constexpr int32_t kBurstReplicas = 500;  // most pods created or deleted per sync
constexpr int32_t kSlowStartInitialBatchSize = 1;
constexpr int32_t kStatusUpdateRetries = 1;
constexpr std::string_view kApiVersion = "apps/v1";
constexpr std::string_view kKind = "ReplicaSet";

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("replicaset-controller");
  return *logger;
}

// The apiserver refuses creates in a terminating namespace; upstream stays quiet about those.
bool NamespaceTerminating(const absl::Status& status) {
  return absl::StrContains(status.message(), "because it is being terminated");
}

}  // namespace

class ReplicaSetController::Impl : public std::enable_shared_from_this<Impl> {
 public:
  explicit Impl(ControllerContext& ctx)
      : clock_(ctx.clock),
        workers_count_(ctx.workers),
        client_(ctx.ClientFor("replicaset-controller")),
        replica_sets_(ctx.informers.For(client::resources::ReplicaSets())),
        pods_(ctx.informers.For(client::resources::Pods())),
        recorder_(ctx.events.NewRecorder("replicaset-controller")),
        queue_("replicaset"),
        expectations_(ctx.clock) {}

  void RegisterHandlers();
  absl::Status Start();
  void Stop();
  absl::Status Sync(const std::string& key);

 private:
  // Event handlers: they only enqueue keys and record observations.
  void AddReplicaSet(const json& rs) { queue_.Add(wl::KeyOf(rs)); }
  void UpdateReplicaSet(const json& old_rs, const json& rs);
  void DeleteReplicaSet(const json& rs);
  void AddPod(const json& pod);
  void UpdatePod(const json& old_pod, const json& pod);
  void DeletePod(const json& pod);
  ObjectPtr ResolveControllerRef(const std::string& namespace_name, const json& ref) const;
  std::vector<ObjectPtr> ReplicaSetsSelecting(const json& pod) const;

  absl::Status ManageReplicas(const std::vector<ObjectPtr>& active, const json& rs);
  absl::Status CreatePod(const json& rs, const json& pod);
  absl::Status DeletePodOf(const json& rs, const json& pod);
  std::vector<ObjectPtr> IndirectlyRelatedPods(const json& rs) const;
  absl::StatusOr<json> WriteStatus(json rs, json status);

  base::Clock& clock_;
  const int32_t workers_count_;
  client::Client client_;
  const client::Resource pods_resource_ = client::resources::Pods();
  const client::Resource replica_sets_resource_ = client::resources::ReplicaSets();
  client::Informer& replica_sets_;
  client::Informer& pods_;
  std::shared_ptr<client::EventRecorder> recorder_;
  client::WorkQueue queue_;
  replicaset::Expectations expectations_;
  std::unique_ptr<client::QueueWorkers> workers_;
};

void ReplicaSetController::Impl::RegisterHandlers() {
  wl::AddControllerUidIndex(pods_);
  wl::AddControllerUidIndex(replica_sets_);
  std::weak_ptr<Impl> weak = weak_from_this();
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
  client::EventHandler pod_handler;
  pod_handler.on_add = [weak](const ObjectPtr& pod) {
    if (auto self = weak.lock()) self->AddPod(*pod);
  };
  pod_handler.on_update = [weak](const ObjectPtr& old_pod, const ObjectPtr& pod) {
    if (auto self = weak.lock()) self->UpdatePod(*old_pod, *pod);
  };
  pod_handler.on_delete = [weak](const ObjectPtr& pod) {
    if (auto self = weak.lock()) self->DeletePod(*pod);
  };
  pods_.AddHandler(std::move(pod_handler));
}

absl::Status ReplicaSetController::Impl::Start() {
  if (workers_) return absl::FailedPreconditionError("replicaset controller already started");
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

void ReplicaSetController::Impl::Stop() {
  queue_.ShutDown();
  if (workers_) workers_->Stop();
}

// ---- Event handlers ---------------------------------------------------------------------------

void ReplicaSetController::Impl::UpdateReplicaSet(const json& old_rs, const json& rs) {
  // A ReplicaSet recreated under the same name: the old one's expectations are stale.
  if (wl::UidOf(old_rs) != wl::UidOf(rs)) DeleteReplicaSet(old_rs);
  queue_.Add(wl::KeyOf(rs));
}

void ReplicaSetController::Impl::DeleteReplicaSet(const json& rs) {
  std::string key = wl::KeyOf(rs);
  expectations_.Delete(key);
  queue_.Add(key);
}

ObjectPtr ReplicaSetController::Impl::ResolveControllerRef(const std::string& namespace_name,
                                                           const json& ref) const {
  if (wl::StringOf(wl::Member(ref, "kind")) != kKind) return nullptr;
  ObjectPtr rs = replica_sets_.Get(namespace_name, wl::StringOf(wl::Member(ref, "name")));
  if (!rs || wl::UidOf(*rs) != wl::StringOf(wl::Member(ref, "uid"))) return nullptr;
  return rs;
}

std::vector<ObjectPtr> ReplicaSetController::Impl::ReplicaSetsSelecting(const json& pod) const {
  std::vector<ObjectPtr> out;
  const json& labels = wl::Path(pod, {"metadata", "labels"});
  if (!labels.is_object() || labels.empty()) return out;
  for (ObjectPtr& rs : replica_sets_.List(wl::NamespaceOf(pod))) {
    absl::StatusOr<api::LabelSelector> selector =
        api::LabelSelector::FromJson(wl::Path(*rs, {"spec", "selector"}));
    if (!selector.ok() || selector->Empty() || !selector->Matches(labels)) continue;
    out.push_back(std::move(rs));
  }
  return out;
}

void ReplicaSetController::Impl::AddPod(const json& pod) {
  // A pod that shows up already being deleted (e.g. after a restart) counts as a deletion.
  if (IsBeingDeleted(pod)) {
    DeletePod(pod);
    return;
  }
  if (const json* ref = ControllerRefOf(pod)) {
    ObjectPtr rs = ResolveControllerRef(wl::NamespaceOf(pod), *ref);
    if (!rs) return;
    std::string key = wl::KeyOf(*rs);
    expectations_.CreationObserved(key);
    queue_.Add(key);
    return;
  }
  // An orphan: every ReplicaSet that could adopt it gets a look.
  for (const ObjectPtr& rs : ReplicaSetsSelecting(pod)) queue_.Add(wl::KeyOf(*rs));
}

void ReplicaSetController::Impl::UpdatePod(const json& old_pod, const json& pod) {
  if (wl::StringOf(wl::Path(old_pod, {"metadata", "resourceVersion"})) ==
      wl::StringOf(wl::Path(pod, {"metadata", "resourceVersion"}))) {
    return;  // a periodic resync: nothing changed
  }
  bool labels_changed =
      wl::Path(old_pod, {"metadata", "labels"}) != wl::Path(pod, {"metadata", "labels"});
  if (IsBeingDeleted(pod)) {
    // A graceful deletion started: act now rather than when the kubelet removes the pod.
    DeletePod(pod);
    if (labels_changed) DeletePod(old_pod);
    return;
  }
  const json* ref = ControllerRefOf(pod);
  const json* old_ref = ControllerRefOf(old_pod);
  bool ref_changed =
      (ref == nullptr) != (old_ref == nullptr) || (ref != nullptr && *ref != *old_ref);
  if (ref_changed && old_ref != nullptr) {
    if (ObjectPtr old_rs = ResolveControllerRef(wl::NamespaceOf(old_pod), *old_ref)) {
      queue_.Add(wl::KeyOf(*old_rs));
    }
  }
  if (ref != nullptr) {
    ObjectPtr rs = ResolveControllerRef(wl::NamespaceOf(pod), *ref);
    if (!rs) return;
    std::string key = wl::KeyOf(*rs);
    queue_.Add(key);
    // Availability comes minReadySeconds after readiness; look again then.
    int32_t min_ready = wl::MinReadySeconds(*rs);
    if (!IsPodReady(old_pod) && IsPodReady(pod) && min_ready > 0) {
      queue_.AddAfter(key, std::chrono::seconds(min_ready) + std::chrono::seconds(1));
    }
    return;
  }
  if (labels_changed || ref_changed) {
    for (const ObjectPtr& rs : ReplicaSetsSelecting(pod)) queue_.Add(wl::KeyOf(*rs));
  }
}

void ReplicaSetController::Impl::DeletePod(const json& pod) {
  const json* ref = ControllerRefOf(pod);
  if (ref == nullptr) return;  // orphans being deleted concern no ReplicaSet
  ObjectPtr rs = ResolveControllerRef(wl::NamespaceOf(pod), *ref);
  if (!rs) return;
  std::string key = wl::KeyOf(*rs);
  expectations_.DeletionObserved(key, wl::KeyOf(pod));
  queue_.Add(key);
}

// ---- Sync -------------------------------------------------------------------------------------

absl::Status ReplicaSetController::Impl::Sync(const std::string& key) {
  ObjectPtr cached = replica_sets_.GetByKey(key);
  if (!cached) {
    expectations_.Delete(key);
    return absl::OkStatus();
  }
  const json& rs = *cached;
  const bool needs_sync = expectations_.Satisfied(key);
  absl::StatusOr<api::LabelSelector> selector =
      api::LabelSelector::FromJson(wl::Path(rs, {"spec", "selector"}));
  if (!selector.ok()) {
    Log().warn("replicaset {}: invalid selector: {}", key, selector.status());
    return absl::OkStatus();  // retrying cannot fix it; an update will enqueue it again
  }

  std::vector<ObjectPtr> candidates;
  for (ObjectPtr& pod : wl::ControlledByOrOrphans(pods_, wl::NamespaceOf(rs), wl::UidOf(rs))) {
    if (IsPodActive(*pod)) candidates.push_back(std::move(pod));
  }
  ControllerRefManager manager(client_, pods_resource_, rs, kApiVersion, kKind, *selector);
  absl::StatusOr<std::vector<ObjectPtr>> active = manager.Claim(candidates);
  if (!active.ok()) return active.status();

  absl::Status manage_error;
  if (needs_sync && !IsBeingDeleted(rs)) manage_error = ManageReplicas(*active, rs);

  const int64_t now = clock_.NowUnixNanos() / base::kNanosPerSecond;
  json status = replicaset::CalculateStatus(rs, *active, manage_error, now);
  absl::StatusOr<json> updated = WriteStatus(rs, std::move(status));
  if (!updated.ok()) return updated.status();

  // Pods ready but not yet available become available minReadySeconds later: look again then.
  const int32_t replicas = wl::SpecReplicas(*updated);
  const int32_t min_ready = wl::MinReadySeconds(*updated);
  if (manage_error.ok() && min_ready > 0 && wl::StatusInt(*updated, "readyReplicas") == replicas &&
      wl::StatusInt(*updated, "availableReplicas") != replicas) {
    queue_.AddAfter(key, std::chrono::seconds(min_ready));
  }
  return manage_error;
}

absl::Status ReplicaSetController::Impl::ManageReplicas(const std::vector<ObjectPtr>& active,
                                                        const json& rs) {
  const std::string key = wl::KeyOf(rs);
  const int64_t diff = static_cast<int64_t>(active.size()) - wl::SpecReplicas(rs);
  if (diff < 0) {
    const int32_t count = static_cast<int32_t>(std::min<int64_t>(-diff, kBurstReplicas));
    // Expect the creations before making them, so that an informer faster than this thread
    // cannot observe a pod before it is expected.
    expectations_.ExpectCreations(key, count);
    Log().debug("replicaset {}: too few replicas, need {}, creating {}", key, wl::SpecReplicas(rs),
                count);
    json pod = wl::PodFromTemplate(wl::Path(rs, {"spec", "template"}), wl::NameOf(rs),
                                   wl::NamespaceOf(rs), MakeControllerRef(rs, kApiVersion, kKind));
    BatchResult created = SlowStartBatch(count, kSlowStartInitialBatchSize,
                                         [&](int32_t) { return CreatePod(rs, pod); });
    // Pods never created (failed or skipped) will never be observed.
    for (int32_t i = created.successes; i < count; ++i) expectations_.CreationObserved(key);
    return created.first_error;
  }
  if (diff > 0) {
    const int32_t count = static_cast<int32_t>(std::min<int64_t>(diff, kBurstReplicas));
    Log().debug("replicaset {}: too many replicas, need {}, deleting {}", key, wl::SpecReplicas(rs),
                count);
    std::vector<ObjectPtr> victims =
        replicaset::PodsToDelete(active, IndirectlyRelatedPods(rs), count, clock_.NowUnixNanos());
    std::vector<std::string> victim_keys;
    for (const ObjectPtr& pod : victims) victim_keys.push_back(wl::KeyOf(*pod));
    expectations_.ExpectDeletions(key, victim_keys);
    BatchResult deleted =
        ParallelCalls(static_cast<int32_t>(victims.size()), [&](int32_t index) {
          const json& pod = *victims[static_cast<size_t>(index)];
          absl::Status status = DeletePodOf(rs, pod);
          if (status.ok()) return status;
          // The informer will not observe a deletion that did not happen.
          expectations_.DeletionObserved(key, wl::KeyOf(pod));
          return api::IsNotFound(status) ? absl::OkStatus() : status;
        });
    return deleted.first_error;
  }
  return absl::OkStatus();
}

absl::Status ReplicaSetController::Impl::CreatePod(const json& rs, const json& pod) {
  const json ref = wl::EventReference(rs, kApiVersion, kKind);
  const json& labels = wl::Path(pod, {"metadata", "labels"});
  if (!labels.is_object() || labels.empty()) {
    return absl::InvalidArgumentError("unable to create pods, no labels");
  }
  absl::StatusOr<json> created = client_.Create(pods_resource_, wl::NamespaceOf(rs), pod);
  if (!created.ok()) {
    if (NamespaceTerminating(created.status())) return absl::OkStatus();
    recorder_->Event(ref, client::kEventWarning, "FailedCreate",
                     base::StrCat("Error creating: ", created.status().message()));
    return created.status();
  }
  recorder_->Event(ref, client::kEventNormal, "SuccessfulCreate",
                   base::StrCat("Created pod: ", wl::NameOf(*created)));
  return absl::OkStatus();
}

absl::Status ReplicaSetController::Impl::DeletePodOf(const json& rs, const json& pod) {
  const std::string name = wl::NameOf(pod);
  absl::Status status = client_.Delete(pods_resource_, wl::NamespaceOf(pod), name);
  if (api::IsNotFound(status)) return status;
  const json ref = wl::EventReference(rs, kApiVersion, kKind);
  if (!status.ok()) {
    recorder_->Event(ref, client::kEventWarning, "FailedDelete",
                     base::StrCat("Error deleting: ", status.message()));
    return absl::Status(status.code(), base::StrCat("unable to delete pods: ", status.message()));
  }
  recorder_->Event(ref, client::kEventNormal, "SuccessfulDelete",
                   base::StrCat("Deleted pod: ", name));
  return absl::OkStatus();
}

std::vector<ObjectPtr> ReplicaSetController::Impl::IndirectlyRelatedPods(const json& rs) const {
  std::vector<ObjectPtr> out;
  const json* ref = ControllerRefOf(rs);
  if (ref == nullptr) return out;
  for (const ObjectPtr& sibling :
       wl::ControlledBy(replica_sets_, wl::StringOf(wl::Member(*ref, "uid")))) {
    std::vector<ObjectPtr> pods = wl::ControlledBy(pods_, wl::UidOf(*sibling));
    out.insert(out.end(), pods.begin(), pods.end());
  }
  return out;
}

absl::StatusOr<json> ReplicaSetController::Impl::WriteStatus(json rs, json status) {
  if (!replicaset::StatusNeedsUpdate(rs, status)) return rs;
  // Record the generation acted on, so a retry cannot claim a newer spec was seen.
  const int64_t generation = wl::GenerationOf(rs);
  if (generation != 0) {
    status["observedGeneration"] = generation;
  } else {
    status.erase("observedGeneration");
  }
  for (int32_t attempt = 0;; ++attempt) {
    rs["status"] = status;
    absl::StatusOr<json> updated = client_.UpdateStatus(replica_sets_resource_, rs);
    if (updated.ok() || attempt >= kStatusUpdateRetries) return updated;
    absl::StatusOr<json> fresh =
        client_.Get(replica_sets_resource_, wl::NamespaceOf(rs), wl::NameOf(rs));
    if (!fresh.ok()) return fresh.status();
    rs = *std::move(fresh);
  }
}

// ---- Facade -----------------------------------------------------------------------------------

ReplicaSetController::ReplicaSetController(ControllerContext& ctx)
    : impl_(std::make_shared<Impl>(ctx)) {
  impl_->RegisterHandlers();
}

ReplicaSetController::~ReplicaSetController() { Stop(); }

absl::Status ReplicaSetController::Start() { return impl_->Start(); }

void ReplicaSetController::Stop() { impl_->Stop(); }

absl::Status ReplicaSetController::Sync(const std::string& key) { return impl_->Sync(key); }

}  // namespace k1s::controllers
