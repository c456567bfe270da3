#pragma once
// The DaemonSet controller (upstream pkg/controller/daemon): one pod of each DaemonSet on every
// node its template may run on (template nodeName, nodeSelector, required node affinity, and
// the node's NoSchedule/NoExecute taints against the pod's tolerations plus the tolerations
// every DaemonSet pod gets). Pods are created unbound with required node affinity on the node's
// metadata.name, for the scheduler to bind, as upstream does.
//
// It deletes pods on nodes that no longer qualify (a NoExecute taint evicts; a NoSchedule taint
// only stops new pods), deletes failed pods with a per-node backoff (1 s doubling to 15 min) so
// they are recreated, rolls out template changes (RollingUpdate with maxUnavailable or
// maxSurge, or OnDelete), records the template history as ControllerRevisions (truncated to
// revisionHistoryLimit) and writes status: desired/current/updated NumberScheduled,
// numberMisscheduled, numberReady, numberAvailable, numberUnavailable, observedGeneration.
//
// Data flow: informers on daemonsets, nodes, pods (indexed by controller uid and target node)
// and controllerrevisions (indexed by controller uid) -> handlers that only enqueue "ns/name"
// keys and note observed pod creations/deletions -> a work queue -> Sync, which recomputes from
// the listers. Writes act as system:serviceaccount:kube-system:daemon-set-controller; events
// (SuccessfulCreate, SuccessfulDelete, FailedCreate, FailedDelete, FailedDaemonPod,
// SucceededDaemonPod, SelectingAll) come from "daemonset-controller".
//
// Thread-safe; Start and Stop once each. Handlers stay registered on the shared informers but
// do nothing once the controller is destroyed.
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

class DaemonSetController : public Controller {
 public:
  // Registers informer handlers and indexes on ctx.informers (daemonsets, nodes, pods,
  // controllerrevisions).
  explicit DaemonSetController(ControllerContext& ctx);
  ~DaemonSetController() override;

  std::string_view Name() const override { return "daemonset"; }
  absl::Status Start() override;
  void Stop() override;

  // One reconciliation of the DaemonSet with queue key "ns/name" (tests).
  absl::Status Sync(const std::string& key);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace k1s::controllers
