#pragma once
// The StatefulSet controller (upstream pkg/controller/statefulset): pods with stable identities
// "<set>-<ordinal>" (from spec.ordinals.start), labelled statefulset.kubernetes.io/pod-name,
// apps.kubernetes.io/pod-index and controller-revision-hash, with hostname and subdomain
// (spec.serviceName); one PersistentVolumeClaim "<template>-<set>-<ordinal>" per
// volumeClaimTemplate, created before the pod and owned as persistentVolumeClaimRetentionPolicy
// says (the garbage collector then deletes claims of deleted sets / scaled-away pods).
//
// OrderedReady creates pods one at a time in ordinal order, each Running and Ready (and
// available for minReadySeconds) before the next, and removes surplus pods from the highest
// ordinal down, one at a time; Parallel creates and deletes all at once. RollingUpdate replaces
// pods whose revision is not the update revision from the highest ordinal down to the partition,
// one at a time, waiting for each to be available; OnDelete leaves that to the user. Template
// history is kept as ControllerRevisions (truncated to revisionHistoryLimit); status carries
// replicas, readyReplicas, currentReplicas, updatedReplicas, availableReplicas, currentRevision,
// updateRevision, collisionCount and observedGeneration.
//
// Data flow: informers on statefulsets, pods (indexed by controller uid), persistentvolumeclaims
// and controllerrevisions -> handlers (statefulsets, pods) that only enqueue "ns/name" -> a work
// queue -> Sync, which recomputes from the listers. Writes act as
// system:serviceaccount:kube-system:statefulset-controller; events (SuccessfulCreate "create Pod
// web-0 in StatefulSet web successful", SuccessfulCreate "create Claim www-web-0 Pod web-0 in
// StatefulSet web success", SuccessfulDelete, SuccessfulUpdate and their Failed* forms) come from
// "statefulset-controller".
//
// Thread-safe; Start and Stop once each. Handlers stay registered on the shared informers but
// do nothing once the controller is destroyed.
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

class StatefulSetController : public Controller {
 public:
  // Registers informer handlers and indexes on ctx.informers (statefulsets, pods,
  // persistentvolumeclaims, controllerrevisions).
  explicit StatefulSetController(ControllerContext& ctx);
  ~StatefulSetController() override;

  std::string_view Name() const override { return "statefulset"; }
  absl::Status Start() override;
  void Stop() override;

  // One reconciliation of the StatefulSet with queue key "ns/name" (tests).
  absl::Status Sync(const std::string& key);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace k1s::controllers
