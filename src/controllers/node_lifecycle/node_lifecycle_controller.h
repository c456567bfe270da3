#pragma once
// The node lifecycle controller (upstream's pkg/controller/nodelifecycle, name
// "node-lifecycle"), with the taint eviction controller it feeds:
//  - Health: every monitor period each node's signs of life are checked: a renewed Lease in
//    kube-node-lease or a new Ready heartbeat in its status. A node silent for longer than the
//    grace period (the startup grace period if it never posted status) gets Ready,
//    MemoryPressure, DiskPressure and PIDPressure set to Unknown ("NodeStatusUnknown",
//    "Kubelet stopped posting node status."); its pods are marked not ready.
//  - NoExecute taints: a node whose Ready is Unknown / False gets node.kubernetes.io/unreachable
//    / not-ready:NoExecute through a per-zone rate-limited queue (--node-eviction-rate); no
//    taints while every node of the cluster is down ("master disruption mode"), a reduced rate
//    in a partially disrupted zone; taints removed when the node is Ready again.
//  - NoSchedule taints from conditions (TaintNodesByCondition) and spec.unschedulable, and the
//    beta os/arch labels, on every node change.
// Pods on deleted nodes are left to the pod garbage collector; pods under NoExecute taints are
// the TaintEvictionController's (taint_eviction_controller.h), run alongside unless disabled.
//
// Threads: a monitor thread ("node-lifecycle") that checks health and taints nodes, plus work
// queues of node names and pod keys. Ages are measured with ctx.clock (so tests can jump time);
// the monitor thread looks at the clock every 100 ms of real time. Writes as node-controller.
// Thread-safe.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/node_lifecycle/rate_limited_queue.h"
#include "controllers/node_lifecycle/taint_eviction_controller.h"

namespace k1s::controllers {

struct NodeLifecycleOptions {
  std::chrono::milliseconds monitor_period{5000};         // --node-monitor-period
  std::chrono::milliseconds grace_period{40000};          // --node-monitor-grace-period
  std::chrono::milliseconds startup_grace_period{60000};  // --node-startup-grace-period
  double eviction_qps = 0.1;                              // --node-eviction-rate
  double secondary_eviction_qps = 0.01;                   // --secondary-node-eviction-rate
  int32_t large_cluster_threshold = 50;                   // --large-cluster-size-threshold
  double unhealthy_zone_threshold = 0.55;                 // --unhealthy-zone-threshold
  bool run_taint_eviction = true;                         // also run the TaintEvictionController
};

class NodeLifecycleController : public Controller {
 public:
  explicit NodeLifecycleController(ControllerContext& ctx, NodeLifecycleOptions options = {});
  ~NodeLifecycleController() override;

  std::string_view Name() const override { return "node-lifecycle"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  // What the controller last saw of a node and when it last heard from it (clock unix nanos).
  struct NodeHealth;
  enum class ZoneState { kInitial, kNormal, kFullDisruption, kPartialDisruption };
  // Ready conditions before and after a health check (null when absent).
  struct ReadyConditions;

  void Run();
  void MonitorNodeHealth();
  absl::StatusOr<ReadyConditions> TryUpdateNodeHealth(nlohmann::json& node);
  void ProcessTaintBasedEviction(const nlohmann::json& node, const nlohmann::json& observed);
  absl::Status MarkNodeAsReachable(const nlohmann::json& node);
  void DoNoExecuteTaintingPass();
  void HandleDisruption(const std::map<std::string, std::vector<std::string>>& zone_readiness,
                        const std::vector<client::ObjectPtr>& nodes);
  ZoneState ComputeZoneState(const std::vector<std::string>& readiness) const;
  void SetLimiterInZone(const std::string& zone, size_t zone_size, ZoneState state);
  node_lifecycle::RateLimitedTimedQueue& ZoneQueue(const std::string& zone);
  absl::Status MarkPodsNotReady(const std::vector<client::ObjectPtr>& pods,
                                const std::string& node_name);
  absl::Status SyncNode(const std::string& name);
  absl::Status SyncPod(const std::string& key);
  void RecordNodeEvent(const nlohmann::json& node, std::string_view reason,
                       std::string_view message);
  void RecordNodeStatusChange(const nlohmann::json& node, std::string_view status);

  ControllerContext& ctx_;
  const NodeLifecycleOptions options_;
  client::Client client_;
  client::Informer& nodes_;
  client::Informer& pods_;
  client::Informer& leases_;
  std::shared_ptr<client::EventRecorder> recorder_;
  // Shared with the informer handlers, which may outlive this object.
  std::shared_ptr<client::WorkQueue> node_queue_;
  std::shared_ptr<client::WorkQueue> pod_queue_;
  client::QueueWorkers node_workers_;
  client::QueueWorkers pod_workers_;
  std::unique_ptr<TaintEvictionController> taint_eviction_;

  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<NodeHealth>> health_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Monitor thread only.
  std::map<std::string, std::string> known_nodes_;  // name -> zone key
  std::map<std::string, ZoneState> zone_states_;
  std::map<std::string, std::unique_ptr<node_lifecycle::RateLimitedTimedQueue>> zone_tainters_;
  std::set<std::string> nodes_to_retry_;

  std::thread monitor_thread_;
  bool started_ = false;
};

}  // namespace k1s::controllers
