#pragma once
// The pod garbage collector (upstream's "pod-garbage-collector"): every gc period it
//   - deletes terminated pods (Succeeded/Failed) beyond terminated_pod_threshold, evicted ones
//     first, then oldest first;
//   - force-deletes terminating pods on a node that is not Ready and carries the
//     node.kubernetes.io/out-of-service taint;
//   - force-deletes pods bound to a node that no longer exists: a missing node is quarantined
//     for `quarantine` before a live GET confirms it is gone; such pods get the
//     DisruptionTarget condition (DeletionByPodGC) first;
//   - force-deletes terminating pods that were never scheduled.
// A pod that is not yet terminal is patched to phase Failed before its forced deletion (grace
// period 0), as no kubelet will do it.
//
// Reads the shared pod and node informers; writes as
// system:serviceaccount:kube-system:pod-garbage-collector. Thread-safe; Start and Stop once.
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "client/informer.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

struct PodGcOptions {
  // Terminated pods kept before the oldest are deleted; <= 0 disables that part
  // (upstream's --terminated-pod-gc-threshold).
  int32_t terminated_pod_threshold = 12500;
  std::chrono::milliseconds gc_period{std::chrono::seconds(20)};
  // How long a node missing from the informer waits before a live check (ControllerContext's
  // clock measures it).
  std::chrono::milliseconds quarantine{std::chrono::seconds(40)};
};

class PodGcController : public Controller {
 public:
  explicit PodGcController(ControllerContext& ctx, PodGcOptions options = {});
  ~PodGcController() override;

  std::string_view Name() const override { return "pod-garbage-collector"; }
  absl::Status Start() override;
  void Stop() override;

  // One collection pass now (the loop's step; tests).
  void RunOnce();

 private:
  using Pods = std::vector<client::ObjectPtr>;
  bool StopRequested() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; }
  void Loop();
  void GcTerminated(const Pods& pods);
  void GcTerminating(const Pods& pods);
  void GcOrphaned(const Pods& pods) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  void GcUnscheduledTerminating(const Pods& pods);
  // Nodes whose quarantine ended and that a live GET confirms gone.
  std::set<std::string> DiscoverDeletedNodes() ABSL_EXCLUSIVE_LOCKS_REQUIRED(pass_mu_);
  // Patches a non-terminal pod to Failed (with `condition`, if any), then deletes it with
  // grace period 0.
  absl::Status MarkFailedAndDelete(const nlohmann::json& pod, const nlohmann::json* condition);

  ControllerContext& ctx_;
  const PodGcOptions options_;
  client::Client client_;
  client::Informer& pods_;
  client::Informer& nodes_;

  absl::Mutex pass_mu_;  // one pass at a time
  // Missing nodes -> monotonic nanos their quarantine ends (the earliest one seen).
  std::map<std::string, int64_t> quarantined_ ABSL_GUARDED_BY(pass_mu_);

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace k1s::controllers
