// The Deployment controller's shared steps (upstream sync.go): finding and creating the new
// ReplicaSet with its revision, scaling (proportionally while several ReplicaSets are active),
// revision-history cleanup and the status every path ends with.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/strings/match.h"
#include "api/errors.h"
#include "base/logging.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/deployment/deployment_controller_impl.h"
#include "controllers/deployment/hash.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace wl = workload;
namespace du = deployment;
using RsPtr = du::RsPtr;
using RsList = du::RsList;

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("deployment-controller");
  return *logger;
}

std::string Quoted(std::string_view text) { return base::StrCat("\"", text, "\""); }

RsList WithNew(RsList old_rss, const RsPtr& new_rs) {
  old_rss.push_back(new_rs);
  return old_rss;
}

void SetCount(json& status, const char* field, int64_t value) {
  if (value != 0) status[field] = value;
}

}  // namespace

absl::StatusOr<DeploymentController::Impl::NewAndOld>
DeploymentController::Impl::GetAllReplicaSetsAndSyncRevision(json& d, const RsList& rs_list,
                                                             bool create_if_missing) {
  RsList old_rss = du::FindOldReplicaSets(d, rs_list);
  absl::StatusOr<RsPtr> new_rs = GetNewReplicaSet(d, rs_list, old_rss, create_if_missing);
  if (!new_rs.ok()) return new_rs.status();
  return NewAndOld{*std::move(new_rs), std::move(old_rss)};
}

absl::StatusOr<RsPtr> DeploymentController::Impl::GetNewReplicaSet(json& d, RsList rs_list,
                                                                   const RsList& old_rss,
                                                                   bool create_if_missing) {
  RsPtr existing = du::FindNewReplicaSet(d, rs_list);
  const std::string new_revision = std::to_string(du::MaxRevision(old_rss) + 1);
  const std::string ns = wl::NamespaceOf(d);

  if (existing) {
    // The new ReplicaSet exists: bring its annotations (revision, copied annotations) and
    // minReadySeconds up to date, then the Deployment's revision and Progressing condition.
    json copy = *existing;
    const bool annotations_updated = du::SetNewReplicaSetAnnotations(
        d, copy, new_revision, /*exists=*/true, du::kMaxRevisionHistoryLengthInChars);
    const int32_t min_ready = wl::MinReadySeconds(d);
    if (annotations_updated || wl::MinReadySeconds(copy) != min_ready) {
      copy["spec"]["minReadySeconds"] = min_ready;
      absl::StatusOr<json> updated = client_.Update(replica_sets_resource_, copy);
      if (!updated.ok()) return updated.status();
      return std::make_shared<json>(*std::move(updated));
    }
    bool needs_update =
        du::SetDeploymentRevision(d, wl::Annotation(copy, du::kRevisionAnnotation).value_or(""));
    if (du::HasProgressDeadline(d) && du::GetCondition(d["status"], du::kProgressing) == nullptr) {
      du::SetCondition(
          d["status"],
          du::NewCondition(du::kProgressing, "True", du::kFoundNewRSReason,
                           base::StrCat("Found new replica set ", Quoted(wl::NameOf(copy))),
                           NowSeconds()));
      needs_update = true;
    }
    if (needs_update) {
      if (absl::Status status = UpdateDeploymentStatus(d); !status.ok()) return status;
    }
    return std::make_shared<json>(std::move(copy));
  }

  if (!create_if_missing) return RsPtr();

  // Create it: the template with the hash label, the selector narrowed to the hash.
  json pod_template = wl::Path(d, {"spec", "template"});
  if (!pod_template.is_object()) pod_template = json::object();
  std::optional<int64_t> collisions = wl::OptionalInt(wl::Path(d, {"status", "collisionCount"}));
  const std::string hash = du::ComputeHash(
      pod_template,
      collisions ? std::optional<int32_t>(static_cast<int32_t>(*collisions)) : std::nullopt);
  json& template_metadata = pod_template["metadata"];
  if (!template_metadata.is_object()) template_metadata = json::object();
  json& template_labels = template_metadata["labels"];
  if (!template_labels.is_object()) template_labels = json::object();
  template_labels[std::string(du::kPodTemplateHashLabel)] = hash;

  const std::string name = base::StrCat(wl::NameOf(d), "-", hash);
  json rs = {{"apiVersion", "apps/v1"},
             {"kind", "ReplicaSet"},
             {"metadata",
              {{"name", name},
               {"namespace", ns},
               {"ownerReferences", json::array({MakeControllerRef(d, "apps/v1", "Deployment")})},
               {"labels", template_labels}}},
             {"spec",
              {{"replicas", 0},
               {"selector", du::CloneSelectorAndAddLabel(wl::Path(d, {"spec", "selector"}),
                                                         du::kPodTemplateHashLabel, hash)},
               {"template", pod_template}}}};
  if (const int32_t min_ready = wl::MinReadySeconds(d); min_ready != 0) {
    rs["spec"]["minReadySeconds"] = min_ready;
  }
  absl::StatusOr<int32_t> replicas =
      du::NewRSNewReplicas(d, WithNew(old_rss, std::make_shared<json>(rs)), rs);
  if (!replicas.ok()) return replicas.status();
  rs["spec"]["replicas"] = *replicas;
  du::SetNewReplicaSetAnnotations(d, rs, new_revision, /*exists=*/false,
                                  du::kMaxRevisionHistoryLengthInChars);

  bool already_exists = false;
  RsPtr created_rs;
  absl::StatusOr<json> created = client_.Create(replica_sets_resource_, ns, rs);
  if (created.ok()) {
    created_rs = std::make_shared<json>(*std::move(created));
  } else if (api::IsAlreadyExists(created.status())) {
    // A slow cache, or a hash collision with a ReplicaSet of another template.
    already_exists = true;
    client::ObjectPtr cached = replica_sets_.Get(ns, name);
    if (!cached) {
      return absl::UnavailableError(
          base::StrCat("replicaset ", ns, "/", name, " exists but is not in the cache yet"));
    }
    const json* ref = ControllerRefOf(*cached);
    if (ref != nullptr && wl::StringOf(wl::Member(*ref, "uid")) == wl::UidOf(d) &&
        du::EqualIgnoreHash(wl::Path(d, {"spec", "template"}),
                            wl::Path(*cached, {"spec", "template"}))) {
      created_rs = std::make_shared<json>(*cached);
    } else {
      const int64_t count = collisions.value_or(0) + 1;
      d["status"]["collisionCount"] = count;
      if (UpdateDeploymentStatus(d).ok()) {
        Log().info("deployment {}: hash collision, collisionCount {} -> {}", wl::KeyOf(d),
                   collisions.value_or(0), count);
      }
      return created.status();
    }
  } else if (absl::StrContains(created.status().message(), "because it is being terminated")) {
    return created.status();  // the namespace is going away: nothing to report
  } else {
    const std::string message = base::StrCat("Failed to create new replica set ", Quoted(name),
                                             ": ", created.status().message());
    if (du::HasProgressDeadline(d)) {
      du::SetCondition(d["status"],
                       du::NewCondition(du::kProgressing, "False", du::kFailedRSCreateReason,
                                        message, NowSeconds()));
      (void)UpdateDeploymentStatus(d);  // the create error is the one to report
    }
    Event(d, client::kEventWarning, du::kFailedRSCreateReason, message);
    return created.status();
  }

  if (!already_exists && *replicas > 0) {
    Event(
        d, client::kEventNormal, "ScalingReplicaSet",
        base::StrCat("Scaled up replica set ", wl::NameOf(*created_rs), " from 0 to ", *replicas));
  }
  bool needs_update = du::SetDeploymentRevision(d, new_revision);
  if (!already_exists && du::HasProgressDeadline(d)) {
    du::SetCondition(
        d["status"],
        du::NewCondition(du::kProgressing, "True", du::kNewReplicaSetReason,
                         base::StrCat("Created new replica set ", Quoted(wl::NameOf(*created_rs))),
                         NowSeconds()));
    needs_update = true;
  }
  if (needs_update) {
    if (absl::Status status = UpdateDeploymentStatus(d); !status.ok()) return status;
  }
  return created_rs;
}

absl::Status DeploymentController::Impl::SyncStatusOnly(json& d, const RsList& rs_list) {
  absl::StatusOr<NewAndOld> rss = GetAllReplicaSetsAndSyncRevision(d, rs_list, false);
  if (!rss.ok()) return rss.status();
  return SyncDeploymentStatus(WithNew(rss->old_rss, rss->new_rs), rss->new_rs, d);
}

absl::Status DeploymentController::Impl::SyncScaleOrPause(json& d, const RsList& rs_list) {
  absl::StatusOr<NewAndOld> rss = GetAllReplicaSetsAndSyncRevision(d, rs_list, false);
  if (!rss.ok()) return rss.status();
  if (absl::Status status = Scale(d, rss->new_rs, rss->old_rss); !status.ok()) return status;
  // A paused Deployment with no rollback in flight still trims its history.
  if (wl::Path(d, {"spec", "paused"}) == true && !du::RollbackRevision(d)) {
    if (absl::Status status = CleanupDeployment(rss->old_rss, d); !status.ok()) return status;
  }
  return SyncDeploymentStatus(WithNew(rss->old_rss, rss->new_rs), rss->new_rs, d);
}

absl::Status DeploymentController::Impl::CheckPausedConditions(json& d) {
  if (!du::HasProgressDeadline(d)) return absl::OkStatus();
  const json* condition = du::GetCondition(wl::Member(d, "status"), du::kProgressing);
  const std::string reason = condition ? wl::StringOf(wl::Member(*condition, "reason")) : "";
  // A reported lack of progress is not overwritten by a pause.
  if (reason == du::kTimedOutReason) return absl::OkStatus();
  const bool paused_condition = reason == du::kPausedDeployReason;
  const bool paused = wl::Path(d, {"spec", "paused"}) == true;
  if (paused && !paused_condition) {
    du::SetCondition(d["status"],
                     du::NewCondition(du::kProgressing, "Unknown", du::kPausedDeployReason,
                                      "Deployment is paused", NowSeconds()));
  } else if (!paused && paused_condition) {
    du::SetCondition(d["status"],
                     du::NewCondition(du::kProgressing, "Unknown", du::kResumedDeployReason,
                                      "Deployment is resumed", NowSeconds()));
  } else {
    return absl::OkStatus();
  }
  return UpdateDeploymentStatus(d);
}

absl::StatusOr<bool> DeploymentController::Impl::IsScalingEvent(json& d, const RsList& rs_list) {
  absl::StatusOr<NewAndOld> rss = GetAllReplicaSetsAndSyncRevision(d, rs_list, false);
  if (!rss.ok()) return rss.status();
  for (const RsPtr& rs : du::FilterActive(WithNew(rss->old_rss, rss->new_rs))) {
    std::optional<int32_t> desired = du::IntAnnotation(*rs, du::kDesiredReplicasAnnotation);
    if (desired && *desired != wl::SpecReplicas(d)) return true;
  }
  return false;
}

absl::Status DeploymentController::Impl::Scale(const json& d, const RsPtr& new_rs,
                                               const RsList& old_rss) {
  const int32_t replicas = wl::SpecReplicas(d);
  // One active ReplicaSet (or none: then the newest) simply takes the whole count.
  if (RsPtr active = du::FindActiveOrLatest(new_rs, old_rss)) {
    if (wl::SpecReplicas(*active) == replicas) return absl::OkStatus();
    return ScaleReplicaSetAndRecordEvent(active, replicas, d).status();
  }
  // A saturated new ReplicaSet means the old ones should be gone.
  if (du::IsSaturated(d, new_rs)) {
    for (const RsPtr& old : du::FilterActive(old_rss)) {
      absl::StatusOr<Scaled> scaled = ScaleReplicaSetAndRecordEvent(old, 0, d);
      if (!scaled.ok()) return scaled.status();
    }
    return absl::OkStatus();
  }
  if (!du::IsRollingUpdate(d)) return absl::OkStatus();

  // Several active ReplicaSets mid-rollout: spread the change in proportion to their sizes,
  // so scaling neither hastens nor slows the rollout.
  RsList all = du::FilterActive(WithNew(old_rss, new_rs));
  const int32_t allowed = replicas > 0 ? replicas + du::MaxSurge(d) : 0;
  const int32_t to_add = allowed - du::SpecReplicaCount(all);
  // Scaling up favours newer ReplicaSets among equals, scaling down older ones.
  if (to_add > 0) {
    du::SortBySizeNewer(all);
  } else if (to_add < 0) {
    du::SortBySizeOlder(all);
  }
  std::vector<int32_t> sizes(all.size());
  int32_t added = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    sizes[i] = wl::SpecReplicas(*all[i]);
    if (to_add != 0) {
      const int32_t proportion = du::GetProportion(all[i], d, to_add, added);
      sizes[i] += proportion;
      added += proportion;
    }
  }
  for (size_t i = 0; i < all.size(); ++i) {
    // Leftovers go to the largest ReplicaSet.
    if (i == 0 && to_add != 0) sizes[0] = std::max(0, sizes[0] + to_add - added);
    absl::StatusOr<Scaled> scaled = ScaleReplicaSet(all[i], sizes[i], d);
    if (!scaled.ok()) return scaled.status();
  }
  return absl::OkStatus();
}

absl::StatusOr<DeploymentController::Impl::Scaled>
DeploymentController::Impl::ScaleReplicaSetAndRecordEvent(const RsPtr& rs, int32_t new_scale,
                                                          const json& d) {
  if (wl::SpecReplicas(*rs) == new_scale) return Scaled{false, rs};
  return ScaleReplicaSet(rs, new_scale, d);
}

absl::StatusOr<DeploymentController::Impl::Scaled> DeploymentController::Impl::ScaleReplicaSet(
    const RsPtr& rs, int32_t new_scale, const json& d) {
  const int32_t old_scale = wl::SpecReplicas(*rs);
  const bool size_changes = old_scale != new_scale;
  const int32_t desired = wl::SpecReplicas(d);
  const int32_t max_replicas = desired + du::MaxSurge(d);
  if (!size_changes && !du::ReplicasAnnotationsNeedUpdate(*rs, desired, max_replicas)) {
    return Scaled{false, rs};
  }
  json copy = *rs;
  copy["spec"]["replicas"] = new_scale;
  du::SetReplicasAnnotations(copy, desired, max_replicas);
  absl::StatusOr<json> updated = client_.Update(replica_sets_resource_, copy);
  if (!updated.ok()) return updated.status();
  if (size_changes) {
    Event(d, client::kEventNormal, "ScalingReplicaSet",
          base::StrCat("Scaled ", old_scale < new_scale ? "up" : "down", " replica set ",
                       wl::NameOf(*updated), " from ", old_scale, " to ", new_scale));
  }
  return Scaled{size_changes, std::make_shared<json>(*std::move(updated))};
}

absl::Status DeploymentController::Impl::CleanupDeployment(const RsList& old_rss, const json& d) {
  if (!du::HasRevisionHistoryLimit(d)) return absl::OkStatus();
  RsList cleanable;
  for (const RsPtr& rs : old_rss) {
    if (rs && !IsBeingDeleted(*rs)) cleanable.push_back(rs);
  }
  const int64_t limit = wl::Int64Of(wl::Path(d, {"spec", "revisionHistoryLimit"}));
  const int64_t diff = static_cast<int64_t>(cleanable.size()) - limit;
  if (diff <= 0) return absl::OkStatus();
  du::SortByRevision(cleanable);
  for (int64_t i = 0; i < diff; ++i) {
    const json& rs = *cleanable[static_cast<size_t>(i)];
    // Only ReplicaSets with nothing running and nothing pending.
    if (wl::StatusInt(rs, "replicas") != 0 || wl::SpecReplicas(rs) != 0 ||
        wl::GenerationOf(rs) > wl::Int64Of(wl::Path(rs, {"status", "observedGeneration"})) ||
        IsBeingDeleted(rs)) {
      continue;
    }
    Log().debug("deployment {}: deleting old replicaset {}", wl::KeyOf(d), wl::NameOf(rs));
    absl::Status status =
        client_.Delete(replica_sets_resource_, wl::NamespaceOf(rs), wl::NameOf(rs));
    // Stop at the first failure rather than pile more requests on a struggling apiserver.
    if (!status.ok() && !api::IsNotFound(status)) return status;
  }
  return absl::OkStatus();
}

absl::Status DeploymentController::Impl::SyncDeploymentStatus(const RsList& all_rss,
                                                              const RsPtr& new_rs, json& d) {
  json status = CalculateStatus(all_rss, new_rs, d);
  if (wl::WithoutZero(wl::Member(d, "status")) == wl::WithoutZero(status)) {
    return absl::OkStatus();
  }
  d["status"] = std::move(status);
  return UpdateDeploymentStatus(d);
}

json DeploymentController::Impl::CalculateStatus(const RsList& all_rss, const RsPtr& new_rs,
                                                 const json& d) const {
  const int32_t available = du::AvailableReplicaCount(all_rss);
  const int32_t unavailable = std::max(0, du::SpecReplicaCount(all_rss) - available);
  json status = json::object();
  SetCount(status, "observedGeneration", wl::GenerationOf(d));
  SetCount(status, "replicas", du::ActualReplicaCount(all_rss));
  SetCount(status, "updatedReplicas", du::ActualReplicaCount({new_rs}));
  SetCount(status, "readyReplicas", du::ReadyReplicaCount(all_rss));
  SetCount(status, "availableReplicas", available);
  SetCount(status, "unavailableReplicas", unavailable);
  const json& collisions = wl::Path(d, {"status", "collisionCount"});
  if (collisions.is_number_integer()) status["collisionCount"] = collisions;
  const json& conditions = wl::Path(d, {"status", "conditions"});
  if (conditions.is_array() && !conditions.empty()) status["conditions"] = conditions;
  if (available >= wl::SpecReplicas(d) - du::MaxUnavailable(d)) {
    du::SetCondition(status,
                     du::NewCondition(du::kAvailable, "True", du::kMinimumReplicasAvailable,
                                      "Deployment has minimum availability.", NowSeconds()));
  } else {
    du::SetCondition(
        status, du::NewCondition(du::kAvailable, "False", du::kMinimumReplicasUnavailable,
                                 "Deployment does not have minimum availability.", NowSeconds()));
  }
  return status;
}

}  // namespace k1s::controllers
