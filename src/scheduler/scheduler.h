#pragma once
// The default scheduler (upstream kube-scheduler v1.32, pkg/scheduler): assigns pending pods
// (spec.schedulerName "default-scheduler" or empty, no spec.nodeName) to nodes.
//
// Data flow: the shared pods and nodes informers feed the SchedulerCache (nodes, bound pods) and
// the SchedulingQueue (pending pods; node and pod events move unschedulable pods back). One
// scheduling thread pops the highest-priority pod, runs the Algorithm on a cache Snapshot,
// assumes the pod onto the chosen node and hands the binding (POST pods/<name>/binding) to a
// pool of binder threads, so the next decision does not wait for the apiserver. A pod that fits
// nowhere gets a FailedScheduling event and the PodScheduled=False condition (reason
// Unschedulable) in pods/status, and waits in the queue; a failed binding is forgotten and
// retried after a backoff. Events come from the given recorder ("default-scheduler").
//
// Preemption (preemption.h): when a pod fits nowhere but evicting lower-priority pods from a
// node would make room (respecting PodDisruptionBudgets where possible), the scheduling thread
// evicts them, nominates the node in the pod's status.nominatedNodeName (written with the
// PodScheduled condition) and requeues the pod; the victims' deletion moves it back, and it
// tries the nominated node first. Pending nominated pods are counted on their node by pods of
// equal or lower priority.
//
// Writes use the given Client; it should act as system:kube-scheduler. Thread-safe; Start once,
// Stop (or destroy) before the InformerFactory stops.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "scheduler/algorithm.h"
#include "scheduler/cache.h"
#include "scheduler/cluster_objects.h"
#include "scheduler/preemption.h"
#include "scheduler/scheduling_queue.h"

namespace k1s::scheduler {

struct SchedulerOptions {
  std::string scheduler_name = kDefaultSchedulerName;
  // Bindings in flight at once: a binding waits for the datastore's commit, so enough of them
  // keep the scheduling thread from waiting (upstream: a goroutine per binding).
  int32_t bind_workers = 16;
  AlgorithmOptions algorithm;
  QueueOptions queue;
  // How long Start waits for the pods and nodes informers to sync.
  std::chrono::milliseconds sync_timeout{60'000};
};

class Scheduler {
 public:
  // Registers handlers on informers.For(Pods()), For(Nodes()) and the informers of
  // ClusterObjectResources(), and reads For(PodDisruptionBudgets()); start the factory (and
  // wait for it) before Start.
  Scheduler(client::Client client, client::InformerFactory& informers,
            std::shared_ptr<client::EventRecorder> recorder, base::Clock& clock,
            SchedulerOptions options = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Waits for the informers to sync, then starts the scheduling and binder threads.
  absl::Status Start();
  // Stops every thread; bindings not yet sent are dropped (their pods stay pending).
  void Stop();

  struct Stats {
    int64_t attempts = 0;       // scheduling attempts
    int64_t bound = 0;          // bindings written
    int64_t unschedulable = 0;  // attempts that found no node
    int64_t errors = 0;         // failed bindings or status writes
    int64_t preemptions = 0;    // attempts that evicted victims for a nominated node
  };
  Stats GetStats() const;
  const SchedulerCache& cache() const { return core_->cache; }
  // The node `key` is nominated to ("" if none): for tests and debugging.
  std::string NominatedNodeOf(const std::string& key) const {
    return core_->nominator->NodeOf(key);
  }
  SchedulingQueue::Sizes QueueSizes() const { return core_->queue.GetSizes(); }

 private:
  // What the informer handlers touch; shared with them so a late event after Stop is harmless.
  struct Core {
    Core(base::Clock& clock, const QueueOptions& options) : queue(clock, options) {}
    SchedulerCache cache;
    SchedulingQueue queue;
    std::shared_ptr<Nominator> nominator = std::make_shared<Nominator>();
  };
  struct Binding {
    QueuedPod pod;
    PodInfo info;
    std::string node;
    std::shared_ptr<const CycleState> state;  // for PreBind plugins
  };

  void RegisterHandlers();
  void ScheduleLoop();
  void ScheduleOne(const QueuedPod& pod);
  void BindLoop();
  void Bind(const Binding& binding);
  // Forgets the assumed pod and requeues it with a SchedulerError `message`.
  void FailBinding(const Binding& binding, const std::string& message);
  // The FailedScheduling event and PodScheduled=False condition; requeues the pod. `nominate`
  // (upstream NominatingInfo) sets the pod's nominated node ("" clears it); nullopt keeps it.
  void HandleFailure(const QueuedPod& pod, const std::string& reason, const std::string& message,
                     bool error, const std::optional<std::string>& nominate);
  absl::Status UpdatePodScheduledCondition(const nlohmann::json& pod, const std::string& reason,
                                           const std::string& message,
                                           const std::optional<std::string>& nominate);

  client::Client client_;
  client::Informer& pods_;
  client::Informer& nodes_;
  client::Informer& pdbs_;
  std::shared_ptr<client::EventRecorder> recorder_;
  base::Clock& clock_;
  const SchedulerOptions options_;
  std::shared_ptr<Core> core_;
  std::shared_ptr<InformerObjects> objects_;
  Algorithm algorithm_;  // the scheduling thread's only

  absl::Mutex mu_;
  std::deque<Binding> bindings_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread schedule_thread_;
  std::vector<std::thread> binders_;

  std::atomic<int64_t> attempts_{0};
  std::atomic<int64_t> bound_{0};
  std::atomic<int64_t> unschedulable_{0};
  std::atomic<int64_t> errors_{0};
  std::atomic<int64_t> preemptions_{0};
};

}  // namespace k1s::scheduler
