#pragma once
// The inside of StatefulSetController, split over two files:
//   statefulset_controller.cc  lifecycle, informer handlers, Sync, pod and revision adoption
//   statefulset_update.cc      one pass of upstream's defaultStatefulSetControl: revisions,
//                              creating/deleting/updating pods in order, status, history limit
// Internal to this folder. Thread-safe: handlers only enqueue; one worker syncs a key at a time.
#include <spdlog/logger.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/label_selector.h"
#include "base/clock.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/history/history.h"
#include "controllers/statefulset/stateful_pod_control.h"
#include "controllers/statefulset/statefulset_controller.h"

namespace k1s::controllers {

class StatefulSetController::Impl : public std::enable_shared_from_this<Impl> {
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

  // ---- handlers and adoption (statefulset_controller.cc) ----
  void OnPodAdd(const ObjectPtr& pod);
  void OnPodUpdate(const ObjectPtr& old_pod, const ObjectPtr& pod);
  void OnPodDelete(const ObjectPtr& pod);
  void Enqueue(const json& set);
  void EnqueueAfter(const json& set, int64_t delay_nanos);
  ObjectPtr ResolveControllerRef(const std::string& namespace_name, const json& ref) const;
  std::vector<ObjectPtr> SetsSelecting(const json& pod) const;
  absl::Status AdoptOrphanRevisions(const json& set, const api::LabelSelector& selector);
  absl::StatusOr<std::vector<ObjectPtr>> ClaimPods(const json& set,
                                                   const api::LabelSelector& selector);
  int64_t NowSeconds() const;

  // ---- one update pass (statefulset_update.cc) ----
  // Runs the pass and truncates the history; `available` gets status.availableReplicas.
  absl::Status UpdateStatefulSet(const json& set, const std::vector<ObjectPtr>& pods,
                                 int32_t& available);
  struct Revisions {
    ObjectPtr current;
    ObjectPtr update;
    int32_t collision_count = 0;
  };
  absl::StatusOr<Revisions> GetStatefulSetRevisions(const json& set,
                                                    const std::vector<ObjectPtr>& revisions);
  // Creates, deletes and updates pods toward the set's spec, filling `status` with what it
  // saw (left null when it failed before computing any).
  absl::Status UpdatePods(const json& set, const Revisions& revisions,
                          const std::vector<ObjectPtr>& pods, json& status);
  // One replica in range / one condemned replica; `should_exit` stops a monotonic pass.
  absl::Status ProcessReplica(const json& set, const json& update_set, bool monotonic,
                              const json& pod, bool& should_exit);
  absl::Status ProcessCondemned(const json& set, const std::string& first_unavailable,
                                bool monotonic, const json& pod, bool& should_exit);
  absl::Status UpdateStatus(const json& set, json& status);
  absl::Status TruncateHistory(const json& set, const std::vector<ObjectPtr>& pods,
                               const std::vector<ObjectPtr>& revisions, const Revisions& live);
  // Recomputes the replica counts of `status` from `pods` (pods not created yet do not count).
  void CountReplicas(json& status, const json& set, const Revisions& revisions,
                     const std::vector<ObjectPtr>& pods) const;

  base::Clock& clock_;
  client::Client client_;
  std::shared_ptr<client::EventRecorder> recorder_;
  client::Informer& sets_;
  client::Informer& pods_;
  client::Informer& claims_;
  client::Informer& revisions_;
  const client::Resource pods_resource_;
  history::History history_;
  statefulset::StatefulPodControl pod_control_;
  client::WorkQueue queue_;
  client::QueueWorkers workers_;
  const int32_t worker_count_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace k1s::controllers
