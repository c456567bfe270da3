// RollingUpdate (upstream rolling.go): scale the new ReplicaSet up while the total stays within
// replicas + maxSurge, and the old ones down while availability stays at least
// replicas - maxUnavailable, unhealthy old pods first.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "base/strings.h"
#include "controllers/deployment/deployment_controller_impl.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace wl = workload;
namespace du = deployment;
using RsPtr = du::RsPtr;
using RsList = du::RsList;

absl::Status InvalidScaleDown(std::string_view what, const json& rs, int32_t to) {
  return absl::InternalError(base::StrCat("when ", what, ", got invalid request to scale down ",
                                          wl::KeyOf(rs), " ", wl::SpecReplicas(rs), " -> ", to));
}

}  // namespace

absl::Status DeploymentController::Impl::RolloutRolling(json& d, const RsList& rs_list) {
  absl::StatusOr<NewAndOld> rss = GetAllReplicaSetsAndSyncRevision(d, rs_list, true);
  if (!rss.ok()) return rss.status();
  if (!rss->new_rs) return absl::InternalError("rolling update without a new replica set");
  RsList all = rss->old_rss;
  all.push_back(rss->new_rs);

  absl::StatusOr<bool> scaled_up = ReconcileNewReplicaSet(all, rss->new_rs, d);
  if (!scaled_up.ok()) return scaled_up.status();
  if (*scaled_up) return SyncRolloutStatus(all, rss->new_rs, d);

  absl::StatusOr<bool> scaled_down =
      ReconcileOldReplicaSets(all, du::FilterActive(rss->old_rss), rss->new_rs, d);
  if (!scaled_down.ok()) return scaled_down.status();
  if (*scaled_down) return SyncRolloutStatus(all, rss->new_rs, d);

  if (du::DeploymentComplete(d, wl::Member(d, "status"))) {
    if (absl::Status status = CleanupDeployment(rss->old_rss, d); !status.ok()) return status;
  }
  return SyncRolloutStatus(all, rss->new_rs, d);
}

absl::StatusOr<bool> DeploymentController::Impl::ReconcileNewReplicaSet(const RsList& all_rss,
                                                                        const RsPtr& new_rs,
                                                                        const json& d) {
  const int32_t replicas = wl::SpecReplicas(d);
  const int32_t current = wl::SpecReplicas(*new_rs);
  if (current == replicas) return false;
  if (current > replicas) {
    absl::StatusOr<Scaled> scaled = ScaleReplicaSetAndRecordEvent(new_rs, replicas, d);
    if (!scaled.ok()) return scaled.status();
    return scaled->scaled;
  }
  absl::StatusOr<int32_t> target = du::NewRSNewReplicas(d, all_rss, *new_rs);
  if (!target.ok()) return target.status();
  absl::StatusOr<Scaled> scaled = ScaleReplicaSetAndRecordEvent(new_rs, *target, d);
  if (!scaled.ok()) return scaled.status();
  return scaled->scaled;
}

absl::StatusOr<bool> DeploymentController::Impl::ReconcileOldReplicaSets(const RsList& all_rss,
                                                                         RsList old_rss,
                                                                         const RsPtr& new_rs,
                                                                         const json& d) {
  if (du::SpecReplicaCount(old_rss) == 0) return false;  // nothing left to scale down
  const int32_t all_pods = du::SpecReplicaCount(all_rss);
  const int32_t min_available = wl::SpecReplicas(d) - du::MaxUnavailable(d);
  // Unavailable new pods count against the budget too: old pods must not be taken away while
  // the new ones they would make room for are not serving (upstream's two worked examples).
  const int32_t new_unavailable =
      wl::SpecReplicas(*new_rs) - wl::StatusInt(*new_rs, "availableReplicas");
  const int32_t max_scaled_down = all_pods - min_available - new_unavailable;
  if (max_scaled_down <= 0) return false;

  // Unhealthy old pods go first: they cost no availability and would block the rollout.
  absl::StatusOr<int32_t> cleaned = CleanupUnhealthyReplicas(old_rss, d, max_scaled_down);
  if (!cleaned.ok()) return false;  // as upstream: retried on the next sync
  RsList all = old_rss;
  all.push_back(new_rs);
  absl::StatusOr<int32_t> scaled = ScaleDownOldReplicaSetsForRollingUpdate(all, old_rss, d);
  if (!scaled.ok()) return false;
  return *cleaned + *scaled > 0;
}

absl::StatusOr<int32_t> DeploymentController::Impl::CleanupUnhealthyReplicas(RsList& old_rss,
                                                                             const json& d,
                                                                             int32_t max_cleanup) {
  du::SortByCreation(old_rss);
  int32_t total = 0;
  for (RsPtr& rs : old_rss) {
    if (total >= max_cleanup) break;
    const int32_t replicas = wl::SpecReplicas(*rs);
    const int32_t available = wl::StatusInt(*rs, "availableReplicas");
    if (replicas == 0 || replicas == available) continue;  // nothing unhealthy here
    const int32_t count = std::min(max_cleanup - total, replicas - available);
    const int32_t target = replicas - count;
    if (target > replicas) return InvalidScaleDown("cleaning up unhealthy replicas", *rs, target);
    absl::StatusOr<Scaled> scaled = ScaleReplicaSetAndRecordEvent(rs, target, d);
    if (!scaled.ok()) return scaled.status();
    total += count;
    rs = scaled->rs;
  }
  return total;
}

absl::StatusOr<int32_t> DeploymentController::Impl::ScaleDownOldReplicaSetsForRollingUpdate(
    const RsList& all_rss, RsList old_rss, const json& d) {
  const int32_t min_available = wl::SpecReplicas(d) - du::MaxUnavailable(d);
  const int32_t available = du::AvailableReplicaCount(all_rss);
  if (available <= min_available) return 0;
  du::SortByCreation(old_rss);
  const int32_t to_scale_down = available - min_available;
  int32_t total = 0;
  for (const RsPtr& rs : old_rss) {
    if (total >= to_scale_down) break;
    const int32_t replicas = wl::SpecReplicas(*rs);
    if (replicas == 0) continue;
    const int32_t count = std::min(replicas, to_scale_down - total);
    const int32_t target = replicas - count;
    if (target > replicas) return InvalidScaleDown("scaling down old RS", *rs, target);
    absl::StatusOr<Scaled> scaled = ScaleReplicaSetAndRecordEvent(rs, target, d);
    if (!scaled.ok()) return scaled.status();
    total += count;
  }
  return total;
}

}  // namespace k1s::controllers
