#include "controllers/statefulset/statefulset_controller.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/label_selector.h"
#include "base/logging.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/history/object_fields.h"
#include "controllers/statefulset/stateful_set_utils.h"
#include "controllers/statefulset/statefulset_impl.h"

namespace k1s::controllers {
namespace {

using history::Member;
using history::NameOf;
using history::NamespaceOf;
using history::Path;
using history::StringOf;
using history::UidOf;
using nlohmann::json;

std::string ResourceVersionOf(const json& object) {
  return StringOf(Path(object, {"metadata", "resourceVersion"}));
}

}  // namespace

// ---- lifecycle ----------------------------------------------------------------------------------

StatefulSetController::StatefulSetController(ControllerContext& ctx)
    : impl_(std::make_shared<Impl>(ctx)) {
  impl_->RegisterHandlers();
}

StatefulSetController::~StatefulSetController() { impl_->Stop(); }

absl::Status StatefulSetController::Start() { return impl_->Start(); }
void StatefulSetController::Stop() { impl_->Stop(); }
absl::Status StatefulSetController::Sync(const std::string& key) { return impl_->Sync(key); }

StatefulSetController::Impl::Impl(ControllerContext& ctx)
    : clock_(ctx.clock),
      client_(ctx.ClientFor("statefulset-controller")),
      recorder_(ctx.events.NewRecorder("statefulset-controller")),
      sets_(ctx.informers.For(client::resources::StatefulSets())),
      pods_(ctx.informers.For(client::resources::Pods())),
      claims_(ctx.informers.For(client::resources::PersistentVolumeClaims())),
      revisions_(ctx.informers.For(client::resources::ControllerRevisions())),
      pods_resource_(client::resources::Pods()),
      history_(client_, revisions_),
      pod_control_(client_, claims_, *recorder_),
      queue_("statefulset"),
      workers_(queue_, [this](const std::string& key) { return Sync(key); }),
      worker_count_(ctx.workers > 0 ? ctx.workers : 1),
      log_(base::Logger("statefulset-controller")) {}

void StatefulSetController::Impl::RegisterHandlers() {
  history::AddControllerUidIndex(pods_);
  std::weak_ptr<Impl> weak = weak_from_this();
  auto with = [weak](auto method) {
    return [weak, method](const auto&... args) {
      if (std::shared_ptr<Impl> self = weak.lock()) ((*self).*method)(args...);
    };
  };
  sets_.AddHandler({
      .on_add =
          [weak](const ObjectPtr& set) {
            if (auto self = weak.lock()) self->Enqueue(*set);
          },
      .on_update =
          [weak](const ObjectPtr&, const ObjectPtr& set) {
            if (auto self = weak.lock()) self->Enqueue(*set);
          },
      .on_delete =
          [weak](const ObjectPtr& set) {
            if (auto self = weak.lock()) self->Enqueue(*set);
          },
  });
  pods_.AddHandler({
      .on_add = with(&Impl::OnPodAdd),
      .on_update = with(&Impl::OnPodUpdate),
      .on_delete = with(&Impl::OnPodDelete),
  });
}

absl::Status StatefulSetController::Impl::Start() {
  log_->info("starting stateful set controller with {} workers", worker_count_);
  workers_.Start(worker_count_);
  return absl::OkStatus();
}

void StatefulSetController::Impl::Stop() { workers_.Stop(); }

// ---- handlers -----------------------------------------------------------------------------------

void StatefulSetController::Impl::Enqueue(const json& set) { queue_.Add(client::ObjectKey(set)); }

void StatefulSetController::Impl::EnqueueAfter(const json& set, int64_t delay_nanos) {
  queue_.AddAfter(client::ObjectKey(set),
                  std::chrono::milliseconds(delay_nanos / base::kNanosPerMilli));
}

client::ObjectPtr StatefulSetController::Impl::ResolveControllerRef(
    const std::string& namespace_name, const json& ref) const {
  if (StringOf(Member(ref, "kind")) != "StatefulSet") return nullptr;
  ObjectPtr set = sets_.Get(namespace_name, StringOf(Member(ref, "name")));
  if (set == nullptr || UidOf(*set) != StringOf(Member(ref, "uid"))) return nullptr;
  return set;
}

std::vector<client::ObjectPtr> StatefulSetController::Impl::SetsSelecting(const json& pod) const {
  std::vector<ObjectPtr> selecting;
  const json& labels = Path(pod, {"metadata", "labels"});
  for (ObjectPtr& set : sets_.List(NamespaceOf(pod))) {
    absl::StatusOr<api::LabelSelector> selector =
        api::LabelSelector::FromJson(Path(*set, {"spec", "selector"}));
    if (!selector.ok() || selector->Empty() || !selector->Matches(labels)) continue;
    selecting.push_back(std::move(set));
  }
  return selecting;
}

void StatefulSetController::Impl::OnPodAdd(const ObjectPtr& pod) {
  if (IsBeingDeleted(*pod)) {
    OnPodDelete(pod);
    return;
  }
  if (const json* ref = ControllerRefOf(*pod)) {
    if (ObjectPtr set = ResolveControllerRef(NamespaceOf(*pod), *ref)) Enqueue(*set);
    return;
  }
  // An orphan: the sets selecting it may adopt it.
  for (const ObjectPtr& set : SetsSelecting(*pod)) Enqueue(*set);
}

void StatefulSetController::Impl::OnPodUpdate(const ObjectPtr& old_pod, const ObjectPtr& pod) {
  if (ResourceVersionOf(*old_pod) == ResourceVersionOf(*pod)) return;  // resync
  const json* ref = ControllerRefOf(*pod);
  const json* old_ref = ControllerRefOf(*old_pod);
  bool ref_changed =
      (ref == nullptr) != (old_ref == nullptr) || (ref != nullptr && *ref != *old_ref);
  bool labels_changed =
      Path(*old_pod, {"metadata", "labels"}) != Path(*pod, {"metadata", "labels"});
  if (ref_changed && old_ref != nullptr) {
    if (ObjectPtr old_set = ResolveControllerRef(NamespaceOf(*old_pod), *old_ref)) {
      Enqueue(*old_set);
    }
  }
  if (ref != nullptr) {
    ObjectPtr set = ResolveControllerRef(NamespaceOf(*pod), *ref);
    if (set == nullptr) return;
    Enqueue(*set);
    int32_t min_ready = statefulset::MinReadySeconds(*set);
    if (!IsPodReady(*old_pod) && IsPodReady(*pod) && min_ready > 0) {
      // Look again once the pod has been ready for minReadySeconds (plus a second of slack).
      EnqueueAfter(*set, (int64_t{min_ready} + 1) * base::kNanosPerSecond);
    }
    return;
  }
  if (!labels_changed && !ref_changed) return;
  for (const ObjectPtr& set : SetsSelecting(*pod)) Enqueue(*set);
}

void StatefulSetController::Impl::OnPodDelete(const ObjectPtr& pod) {
  const json* ref = ControllerRefOf(*pod);
  if (ref == nullptr) return;
  if (ObjectPtr set = ResolveControllerRef(NamespaceOf(*pod), *ref)) Enqueue(*set);
}

// ---- sync ---------------------------------------------------------------------------------------

absl::Status StatefulSetController::Impl::Sync(const std::string& key) {
  auto [namespace_name, name] = client::SplitObjectKey(key);
  ObjectPtr cached = sets_.Get(namespace_name, name);
  if (cached == nullptr) {
    log_->debug("stateful set {} has been deleted", key);
    return absl::OkStatus();
  }
  json set = *cached;
  set["apiVersion"] = "apps/v1";
  set["kind"] = "StatefulSet";
  absl::StatusOr<api::LabelSelector> selector =
      api::LabelSelector::FromJson(Path(set, {"spec", "selector"}));
  if (!selector.ok()) {
    // Not transient: retrying cannot help.
    log_->warn("stateful set {} has a bad selector: {}", key, selector.status());
    return absl::OkStatus();
  }
  if (absl::Status adopted = AdoptOrphanRevisions(set, *selector); !adopted.ok()) return adopted;
  absl::StatusOr<std::vector<ObjectPtr>> pods = ClaimPods(set, *selector);
  if (!pods.ok()) return pods.status();

  int32_t available = 0;
  if (absl::Status updated = UpdateStatefulSet(set, *pods, available); !updated.ok()) {
    return updated;
  }
  int32_t min_ready = statefulset::MinReadySeconds(set);
  if (min_ready > 0 && available != statefulset::SpecReplicas(set)) {
    EnqueueAfter(set, int64_t{min_ready} * base::kNanosPerSecond);
  }
  return absl::OkStatus();
}

absl::Status StatefulSetController::Impl::AdoptOrphanRevisions(const json& set,
                                                               const api::LabelSelector& selector) {
  std::vector<ObjectPtr> orphans;
  for (ObjectPtr& revision : history_.List(set, selector)) {
    if (ControllerRefOf(*revision) == nullptr) orphans.push_back(std::move(revision));
  }
  if (orphans.empty()) return absl::OkStatus();
  // Adopt only for a set that is still there and not going away (an uncached read).
  absl::StatusOr<json> fresh =
      client_.Get(client::resources::StatefulSets(), NamespaceOf(set), NameOf(set));
  if (!fresh.ok()) {
    return absl::Status(fresh.status().code(), base::StrCat("can't adopt ControllerRevisions: ",
                                                            fresh.status().message()));
  }
  if (UidOf(*fresh) != UidOf(set)) {
    return absl::FailedPreconditionError(base::StrCat(
        "can't adopt ControllerRevisions: original StatefulSet ", client::ObjectKey(set),
        " is gone: got uid ", UidOf(*fresh), ", wanted ", UidOf(set)));
  }
  if (IsBeingDeleted(*fresh)) {
    return absl::FailedPreconditionError(base::StrCat(
        "can't adopt ControllerRevisions: ", client::ObjectKey(set), " has just been deleted at ",
        StringOf(Path(*fresh, {"metadata", "deletionTimestamp"}))));
  }
  for (const ObjectPtr& revision : orphans) {
    absl::StatusOr<json> adopted = history_.Adopt(set, "apps/v1", "StatefulSet", *revision);
    if (!adopted.ok()) return adopted.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<client::ObjectPtr>> StatefulSetController::Impl::ClaimPods(
    const json& set, const api::LabelSelector& selector) {
  // Only pods named like this set's members are candidates.
  std::vector<ObjectPtr> candidates;
  for (ObjectPtr& pod : history::ControlledByOrOrphans(pods_, NamespaceOf(set), UidOf(set))) {
    if (statefulset::IsMemberOf(set, *pod)) candidates.push_back(std::move(pod));
  }
  ControllerRefManager manager(client_, pods_resource_, set, "apps/v1", "StatefulSet", selector);
  return manager.Claim(candidates);
}

int64_t StatefulSetController::Impl::NowSeconds() const {
  return clock_.NowUnixNanos() / base::kNanosPerSecond;
}

}  // namespace k1s::controllers
