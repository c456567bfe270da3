#pragma once
// Internal to the Deployment controller: the state and steps its .cc files share, split as
// upstream splits them (deployment_controller.cc: handlers and dispatch; sync.cc: ReplicaSets,
// scaling, cleanup and status; rolling.cc; recreate.cc; progress.cc; rollback.cc).
//
// Handlers run on informer threads and only enqueue; Sync runs on worker threads, one key at a
// time per key (the work queue guarantees it). `d` arguments are the worker's own mutable copy
// of a Deployment.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/deployment/deployment_controller.h"
#include "controllers/deployment/deployment_util.h"

namespace k1s::controllers {

class DeploymentController::Impl : public std::enable_shared_from_this<Impl> {
 public:
  using json = nlohmann::json;
  using RsPtr = deployment::RsPtr;
  using RsList = deployment::RsList;
  // Pods by the uid of the ReplicaSet controlling them.
  using PodMap = std::map<std::string, std::vector<client::ObjectPtr>>;

  explicit Impl(ControllerContext& ctx);

  void RegisterHandlers();
  absl::Status Start();
  void Stop();
  absl::Status Sync(const std::string& key);

 private:
  struct Scaled {
    bool scaled = false;
    RsPtr rs;
  };
  struct NewAndOld {
    RsPtr new_rs;  // null when there is none (yet)
    RsList old_rss;
  };

  // ---- deployment_controller.cc: handlers, ownership, writes.
  void EnqueueKey(const std::string& key) { queue_.Add(key); }
  void AddReplicaSet(const json& rs);
  void UpdateReplicaSet(const json& old_rs, const json& rs);
  void DeleteReplicaSet(const json& rs);
  void DeletePod(const json& pod);
  client::ObjectPtr ResolveControllerRef(const std::string& namespace_name, const json& ref) const;
  std::vector<client::ObjectPtr> DeploymentsSelecting(const json& rs) const;
  absl::StatusOr<RsList> ReplicaSetsForDeployment(const json& d);
  PodMap PodMapForDeployment(const json& d, const RsList& rs_list) const;
  // Writes d's status (and the revision annotation upstream writes along with it).
  absl::Status UpdateDeploymentStatus(json& d);
  int64_t NowSeconds() const;

  // ---- sync.cc
  absl::StatusOr<NewAndOld> GetAllReplicaSetsAndSyncRevision(json& d, const RsList& rs_list,
                                                             bool create_if_missing);
  absl::StatusOr<RsPtr> GetNewReplicaSet(json& d, RsList rs_list, const RsList& old_rss,
                                         bool create_if_missing);
  absl::Status SyncStatusOnly(json& d, const RsList& rs_list);
  absl::Status SyncScaleOrPause(json& d, const RsList& rs_list);  // upstream's sync()
  absl::Status CheckPausedConditions(json& d);
  absl::StatusOr<bool> IsScalingEvent(json& d, const RsList& rs_list);
  absl::Status Scale(const json& d, const RsPtr& new_rs, const RsList& old_rss);
  absl::StatusOr<Scaled> ScaleReplicaSetAndRecordEvent(const RsPtr& rs, int32_t new_scale,
                                                       const json& d);
  absl::StatusOr<Scaled> ScaleReplicaSet(const RsPtr& rs, int32_t new_scale, const json& d);
  absl::Status CleanupDeployment(const RsList& old_rss, const json& d);
  absl::Status SyncDeploymentStatus(const RsList& all_rss, const RsPtr& new_rs, json& d);
  json CalculateStatus(const RsList& all_rss, const RsPtr& new_rs, const json& d) const;

  // ---- rolling.cc
  absl::Status RolloutRolling(json& d, const RsList& rs_list);
  absl::StatusOr<bool> ReconcileNewReplicaSet(const RsList& all_rss, const RsPtr& new_rs,
                                              const json& d);
  absl::StatusOr<bool> ReconcileOldReplicaSets(const RsList& all_rss, RsList old_rss,
                                               const RsPtr& new_rs, const json& d);
  absl::StatusOr<int32_t> CleanupUnhealthyReplicas(RsList& old_rss, const json& d,
                                                   int32_t max_cleanup);
  absl::StatusOr<int32_t> ScaleDownOldReplicaSetsForRollingUpdate(const RsList& all_rss,
                                                                  RsList old_rss, const json& d);

  // ---- recreate.cc
  absl::Status RolloutRecreate(json& d, const RsList& rs_list, const PodMap& pod_map);

  // ---- progress.cc
  absl::Status SyncRolloutStatus(const RsList& all_rss, const RsPtr& new_rs, json& d);
  void RequeueStuckDeployment(const json& d, const json& new_status);

  // ---- rollback.cc
  absl::Status Rollback(json& d, const RsList& rs_list);
  absl::StatusOr<bool> RollbackToTemplate(json& d, const json& rs);
  absl::Status UpdateDeploymentAndClearRollbackTo(json& d);

  void Event(const json& d, std::string_view type, std::string_view reason,
             std::string_view message);

  base::Clock& clock_;
  const int32_t workers_count_;
  client::Client client_;
  const client::Resource deployments_resource_;
  const client::Resource replica_sets_resource_;
  client::Informer& deployments_;
  client::Informer& replica_sets_;
  client::Informer& pods_;
  std::shared_ptr<client::EventRecorder> recorder_;
  client::WorkQueue queue_;
  std::unique_ptr<client::QueueWorkers> workers_;
};

}  // namespace k1s::controllers
