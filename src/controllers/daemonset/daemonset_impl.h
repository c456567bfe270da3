#pragma once
// The inside of DaemonSetController, split over three files by concern:
//   daemonset_controller.cc  lifecycle, informer handlers, Sync and status
//   daemonset_manage.cc      which pods belong on which node, creating/deleting them, rollouts
//   daemonset_history.cc     ControllerRevisions: the current one, dedup and truncation
// Internal to this folder. Thread-safe: handlers only enqueue; a key is synced by one worker at
// a time; Expectations and FailedPodBackoff lock themselves.
#include <spdlog/logger.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/clock.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/daemonset/expectations.h"
#include "controllers/history/history.h"

namespace k1s::controllers {

class DaemonSetController::Impl : public std::enable_shared_from_this<Impl> {
 public:
  explicit Impl(ControllerContext& ctx);
  // Registers the informer handlers (they hold a weak reference to this Impl).
  void RegisterHandlers();
  absl::Status Start();
  void Stop();
  absl::Status Sync(const std::string& key);

 private:
  using json = nlohmann::json;
  using ObjectPtr = client::ObjectPtr;
  // Node name -> the DaemonSet's pods meant for it (scheduled there or pinned by affinity).
  using NodeToPods = std::map<std::string, std::vector<ObjectPtr>>;

  // ---- handlers (informer threads) ----
  void OnDaemonSetUpdate(const ObjectPtr& old_ds, const ObjectPtr& ds);
  void OnDaemonSetDelete(const ObjectPtr& ds);
  void OnPodAdd(const ObjectPtr& pod);
  void OnPodUpdate(const ObjectPtr& old_pod, const ObjectPtr& pod);
  void OnPodDelete(const ObjectPtr& pod);
  void OnRevisionAdd(const ObjectPtr& revision);
  void OnRevisionUpdate(const ObjectPtr& old_revision, const ObjectPtr& revision);
  void OnRevisionDelete(const ObjectPtr& revision);
  void OnNodeAdd(const ObjectPtr& node);
  void OnNodeUpdate(const ObjectPtr& old_node, const ObjectPtr& node);
  void OnNodeDelete(const ObjectPtr& node);

  void Enqueue(const json& ds);
  void EnqueueAfter(const json& ds, int64_t delay_nanos);
  // The DaemonSet a controller reference points to, if it still exists with that uid.
  ObjectPtr ResolveControllerRef(const std::string& namespace_name, const json& ref) const;
  // DaemonSets in the object's namespace whose (non-empty) selector matches its labels.
  std::vector<ObjectPtr> DaemonSetsSelecting(const json& object) const;

  // ---- sync (daemonset_controller.cc) ----
  absl::Status UpdateStatus(const json& ds, const std::vector<ObjectPtr>& nodes,
                            const std::string& hash, bool update_observed_generation);
  absl::Status StoreStatus(const json& ds, const json& status, bool update_observed_generation);
  void RecordEvent(const json& ds, std::string_view type, std::string_view reason,
                   std::string_view message);
  int64_t NowSeconds() const;

  // ---- pods (daemonset_manage.cc) ----
  // The pods `ds` owns after adopting matching orphans and releasing owned pods that stopped
  // matching.
  absl::StatusOr<std::vector<ObjectPtr>> ClaimPods(const json& ds);
  // Claimed pods by target node; deleted terminal pods only when asked.
  absl::StatusOr<NodeToPods> NodesToDaemonPods(const json& ds, bool include_deleted_terminal);
  void PodsShouldBeOnNode(const json& node, const NodeToPods& node_to_pods, const json& ds,
                          const std::string& hash, std::vector<std::string>& nodes_needing_pods,
                          std::vector<std::string>& pods_to_delete);
  absl::Status Manage(const json& ds, const std::vector<ObjectPtr>& nodes, const std::string& hash);
  absl::Status SyncNodes(const json& ds, const std::vector<std::string>& pods_to_delete,
                         const std::vector<std::string>& nodes_needing_pods,
                         const std::string& hash);
  absl::Status RollingUpdate(const json& ds, const std::vector<ObjectPtr>& nodes,
                             const std::string& hash);
  absl::Status CreatePod(const json& ds, const json& pod_template, const std::string& node_name);
  absl::Status DeletePod(const json& ds, const std::string& pod_name);

  // ---- revisions (daemonset_history.cc) ----
  struct Histories {
    ObjectPtr current;
    std::vector<ObjectPtr> old;
  };
  absl::StatusOr<Histories> ConstructHistory(const json& ds);
  absl::StatusOr<std::vector<ObjectPtr>> ControlledHistories(const json& ds);
  absl::StatusOr<ObjectPtr> Snapshot(const json& ds, int64_t revision);
  absl::StatusOr<ObjectPtr> DedupCurrentHistories(const json& ds,
                                                  const std::vector<ObjectPtr>& current);
  absl::Status CleanupHistory(const json& ds, std::vector<ObjectPtr> old);

  base::Clock& clock_;
  client::Client client_;
  std::shared_ptr<client::EventRecorder> recorder_;
  client::Informer& daemon_sets_;
  client::Informer& nodes_;
  client::Informer& pods_;
  client::Informer& revisions_;
  const client::Resource pods_resource_;
  const client::Resource revisions_resource_;
  history::History history_;
  daemonset::Expectations expectations_;
  daemonset::FailedPodBackoff failed_pod_backoff_;
  client::WorkQueue queue_;
  client::QueueWorkers workers_;
  const int32_t worker_count_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace k1s::controllers
