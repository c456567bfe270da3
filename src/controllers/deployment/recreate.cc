// Recreate (upstream recreate.go): scale every old ReplicaSet to zero, wait until none of their
// pods is left running, then create and scale up the new ReplicaSet.
#include <nlohmann/json.hpp>

#include "controllers/deployment/deployment_controller_impl.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace wl = workload;
namespace du = deployment;
using RsPtr = du::RsPtr;
using RsList = du::RsList;

// Old pods that have not finished: any counted by an old ReplicaSet, or any pod of a ReplicaSet
// other than the new one in a phase other than Succeeded or Failed.
bool OldPodsRunning(const RsPtr& new_rs, const RsList& old_rss,
                    const DeploymentController::Impl::PodMap& pod_map) {
  if (du::ActualReplicaCount(old_rss) > 0) return true;
  for (const auto& [uid, pods] : pod_map) {
    if (new_rs && uid == wl::UidOf(*new_rs)) continue;
    for (const client::ObjectPtr& pod : pods) {
      const std::string phase = wl::StringOf(wl::Path(*pod, {"status", "phase"}));
      if (phase != "Failed" && phase != "Succeeded") return true;
    }
  }
  return false;
}

}  // namespace

absl::Status DeploymentController::Impl::RolloutRecreate(json& d, const RsList& rs_list,
                                                         const PodMap& pod_map) {
  // No new ReplicaSet yet: creating one before the old are down would run both at once.
  absl::StatusOr<NewAndOld> rss = GetAllReplicaSetsAndSyncRevision(d, rs_list, false);
  if (!rss.ok()) return rss.status();
  RsPtr new_rs = rss->new_rs;
  RsList old_rss = rss->old_rss;
  RsList all = old_rss;
  all.push_back(new_rs);

  bool scaled_down = false;
  for (const RsPtr& old : du::FilterActive(old_rss)) {
    absl::StatusOr<Scaled> scaled = ScaleReplicaSetAndRecordEvent(old, 0, d);
    if (!scaled.ok()) return scaled.status();
    scaled_down = scaled_down || scaled->scaled;
  }
  if (scaled_down) return SyncRolloutStatus(all, new_rs, d);
  if (OldPodsRunning(new_rs, old_rss, pod_map)) return SyncRolloutStatus(all, new_rs, d);

  if (!new_rs) {
    rss = GetAllReplicaSetsAndSyncRevision(d, rs_list, true);
    if (!rss.ok()) return rss.status();
    new_rs = rss->new_rs;
    old_rss = rss->old_rss;
    all = old_rss;
    all.push_back(new_rs);
    if (!new_rs) return absl::InternalError("recreate without a new replica set");
  }
  absl::StatusOr<Scaled> scaled = ScaleReplicaSetAndRecordEvent(new_rs, wl::SpecReplicas(d), d);
  if (!scaled.ok()) return scaled.status();

  if (du::DeploymentComplete(d, wl::Member(d, "status"))) {
    if (absl::Status status = CleanupDeployment(old_rss, d); !status.ok()) return status;
  }
  return SyncRolloutStatus(all, new_rs, d);
}

}  // namespace k1s::controllers
