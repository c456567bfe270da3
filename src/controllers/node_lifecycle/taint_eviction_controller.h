#pragma once
// The taint eviction controller (upstream's pkg/controller/tainteviction, name
// "taint-eviction-controller"): deletes pods running on a node with NoExecute taints they do
// not tolerate at once, and pods that tolerate them only for tolerationSeconds once that time
// has passed (the shortest of the matching tolerations, counted from when the pod was first
// found under the taints). Removing the taints, or a pod gaining a toleration, cancels the
// deletion. Before deleting, the pod gets condition DisruptionTarget (DeletionByTaintManager);
// events TaintManagerEviction "Marking for deletion Pod ns/name" / "Cancelling deletion of Pod
// ns/name". Pods on deleted nodes are left to the pod garbage collector.
//
// Work: a queue of node names (NoExecute taint changes), a queue of pod keys (node or
// tolerations changes), a timer thread that hands due deletions to a third queue. Times come
// from ctx.clock (monotonic), checked every 100 ms of real time. Thread-safe.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

class TaintEvictionController : public Controller {
 public:
  // Writes (pod status, deletions) as `identity`'s service account. Upstream has a
  // taint-eviction-controller account; its rights are a subset of node-controller's.
  explicit TaintEvictionController(ControllerContext& ctx,
                                   std::string_view identity = "node-controller");
  ~TaintEvictionController() override;

  std::string_view Name() const override { return "taint-eviction-controller"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  enum class WorkState { kScheduled, kFiring, kDone };
  struct Work {
    int64_t created_at = 0;  // monotonic nanos
    int64_t fire_at = 0;
    WorkState state = WorkState::kScheduled;
  };

  absl::Status SyncNode(const std::string& name);
  absl::Status SyncPod(const std::string& key);
  absl::Status Evict(const std::string& key);
  void ProcessPodOnNode(const std::string& key, const nlohmann::json& tolerations,
                        const std::vector<nlohmann::json>& taints, int64_t now);
  void AddWork(const std::string& key, int64_t created_at, int64_t fire_at);
  // True when a pending (not yet finished) deletion was cancelled.
  bool CancelWork(const std::string& key);
  void CancelWorkWithEvent(const std::string& key);
  void EmitEvent(const std::string& key, std::string_view message_prefix);
  absl::Status MarkAndDeletePod(const std::string& key);
  void TimerLoop();

  ControllerContext& ctx_;
  client::Client client_;
  client::Informer& nodes_;
  client::Informer& pods_;
  std::shared_ptr<client::EventRecorder> recorder_;
  // Shared with the informer handlers, which may outlive this object.
  std::shared_ptr<client::WorkQueue> node_queue_;
  std::shared_ptr<client::WorkQueue> pod_queue_;
  std::shared_ptr<client::WorkQueue> evict_queue_;
  client::QueueWorkers node_workers_;
  client::QueueWorkers pod_workers_;
  client::QueueWorkers evict_workers_;

  absl::Mutex mu_;
  // NoExecute taints of each tainted node, as last seen.
  std::map<std::string, std::vector<nlohmann::json>> tainted_nodes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Work> work_ ABSL_GUARDED_BY(mu_);  // by pod key
  std::multimap<int64_t, std::string> timers_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread timer_thread_;
  bool started_ = false;
};

}  // namespace k1s::controllers
