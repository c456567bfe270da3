#pragma once
// Simulated nodes, like kwok: N Node objects that behave as if a kubelet ran them, with no
// containers anywhere. For each node it registers the Node (labels, capacity, Ready condition),
// renews its heartbeat Lease in kube-node-lease every 10 s and refreshes its status every 60 s;
// for each pod bound to one of its nodes it reports what a kubelet would: Pending -> Running with
// IPs and container statuses, -> Succeeded for pods annotated
// simulate.k1s.io/complete-after: "<seconds>" (restartPolicy Never/OnFailure), and the final
// delete (grace 0) of pods being deleted. Nothing is deleted when it stops: the nodes go
// NotReady as real ones would once their leases expire.
//
// Data flow: a pods informer (spec.nodeName set) and a nodes informer (label
// node.k1s.io/simulated=true) enqueue keys; a timer thread enqueues lease renewals and status
// refreshes when due; `workers` threads run the keys ("node/<n>", "lease/<n>", "pod/<ns>/<p>")
// against the apiserver, so throughput scales with the workers (1,000 nodes, 10,000 pods).
//
// Thread-safe. Owns its informers, queue and threads; the Client is shared.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "client/client.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "simulate/node_object.h"
#include "simulate/pod_ips.h"

namespace k1s::simulate {

// The pod annotation that makes a simulated pod succeed that many seconds after it started.
inline constexpr char kCompleteAfterAnnotation[] = "simulate.k1s.io/complete-after";

struct NodeSimulatorOptions {
  int32_t nodes = 1;
  std::string name_prefix = "sim";  // nodes are named <prefix>-0 ... <prefix>-<N-1>
  NodeShape shape;
  int32_t lease_duration_seconds = 40;
  std::chrono::milliseconds lease_renew_interval{10'000};
  std::chrono::milliseconds status_report_interval{60'000};
  int32_t workers = 8;
};

class NodeSimulator {
 public:
  // Times written into objects come from `clock`; renewals are due by its monotonic time.
  NodeSimulator(client::Client client, base::Clock& clock, NodeSimulatorOptions options);
  ~NodeSimulator();
  NodeSimulator(const NodeSimulator&) = delete;
  NodeSimulator& operator=(const NodeSimulator&) = delete;

  // Checks the options, starts the informers, workers and timer, and queues every node's
  // registration. InvalidArgument for a bad quantity or node count.
  absl::Status Start();
  // Stops every thread; deletes nothing. Idempotent.
  void Stop();

  std::vector<std::string> NodeNames() const;
  // How many nodes have been registered (created or taken over) with their status written.
  int32_t RegisteredNodes() const;
  // Waits until every node is registered; DeadlineExceeded after `timeout`.
  absl::Status WaitForRegistration(std::chrono::milliseconds timeout) const;

 private:
  struct SimNode {
    SimNode(int32_t index, std::string name) : index(index), name(std::move(name)), ips(index) {}
    const int32_t index;
    const std::string name;
    std::string uid;
    bool registered = false;
    client::ObjectPtr lease;  // the last Lease written
    PodIpPool ips;
    int64_t next_lease_nanos = 0;   // monotonic; 0 = not scheduled
    int64_t next_status_nanos = 0;  // monotonic; 0 = not scheduled
  };

  absl::Status Sync(const std::string& key);
  absl::Status SyncNode(const std::string& name);
  absl::Status SyncLease(const std::string& name);
  absl::Status SyncPod(const std::string& key);
  absl::Status StartPod(const nlohmann::json& pod, const std::string& key, SimNode& node);
  absl::Status MaybeCompletePod(const nlohmann::json& pod, const std::string& key);
  void ReleasePod(const std::string& key);
  void OnPod(const client::ObjectPtr& pod);
  void TimerLoop();
  SimNode* FindNode(const std::string& name) const;

  client::Client client_;
  base::Clock& clock_;
  const NodeSimulatorOptions options_;
  std::map<std::string, std::unique_ptr<SimNode>> nodes_;  // fixed at construction

  std::unique_ptr<client::Informer> pods_;
  std::unique_ptr<client::Informer> node_objects_;
  client::WorkQueue queue_;
  client::QueueWorkers workers_;
  std::thread timer_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int32_t registered_ ABSL_GUARDED_BY(mu_) = 0;
  // Which node's pool holds each pod's IP, and when each running pod started (unix nanos).
  std::map<std::string, std::string> pod_nodes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int64_t> pod_started_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::simulate
