#pragma once
// The disruption controller (upstream pkg/controller/disruption, "disruption" in
// kube-controller-manager v1.32): keeps every policy/v1 PodDisruptionBudget's status current so
// the eviction endpoint (pods/<name>/eviction) can decide whether a pod may go now.
//
// Data flow: PDB events enqueue the PDB; pod events enqueue the PDBs whose selector matches the
// pod in its namespace. A sync reads the PDB's pods from the shared pod informer (namespace
// index), works out expectedPods (the pods' controllers' scale: ReplicationController,
// Deployment, ReplicaSet, StatefulSet or any /scale, see ControllerFinder; the pod count for an
// integer minAvailable), desiredHealthy (minAvailable, or expectedPods - maxUnavailable; percents
// of expectedPods rounded up), currentHealthy (ready pods neither being deleted nor recorded in
// status.disruptedPods by a recent eviction) and writes the status with UpdateStatus:
// disruptionsAllowed, disruptedPods (entries whose pod was not marked for deletion within 2
// minutes are dropped; the PDB is requeued for when the next one expires), observedGeneration
// and the DisruptionAllowed condition. A sync that fails (other than on a conflict) falls back to
// disruptionsAllowed 0 with DisruptionAllowed False / SyncFailed. Events as upstream's: NoPods,
// CalculateExpectedPodCountFailed, UnmanagedPods (on the PDB), NotDeleted and
// MultiplePodDisruptionBudgets (on the pod), from source component "controllermanager".
//
// A second queue resets stale DisruptionTarget=True conditions: a pod that carries one for 2
// minutes without being marked for deletion (and not set by the kubelet, not terminal) gets it
// set to False through pods/status.
//
// Writes as system:serviceaccount:kube-system:disruption-controller. Ownership: owns its queues,
// workers and handler state; the ControllerContext (informers, events, clock) must outlive it.
// Thread-safe; Start and Stop once.
#include <chrono>
#include <memory>
#include <string_view>

#include "absl/status/status.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

struct DisruptionOptions {
  // How long a DisruptionTarget=True condition may sit on a pod that is not terminating
  // (upstream's stalePodDisruptionTimeout; tests shorten it).
  std::chrono::milliseconds stale_pod_disruption_timeout{std::chrono::minutes(2)};
};

class DisruptionController : public Controller {
 public:
  explicit DisruptionController(ControllerContext& ctx, DisruptionOptions options = {});
  ~DisruptionController() override;

  std::string_view Name() const override { return "disruption"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace k1s::controllers
