#pragma once
// The Deployment controller (upstream pkg/controller/deployment): rolls a Deployment's pod
// template out through ReplicaSets. Each distinct template gets a ReplicaSet named
// "<deployment>-<pod-template-hash>" with the hash in its selector, labels and template; the
// rollout scales new and old ReplicaSets within maxSurge/maxUnavailable (RollingUpdate) or
// scales the old ones to zero first (Recreate). It also handles pause/resume, scaling during a
// rollout (proportionally, from the desired-replicas/max-replicas annotations), rollbacks
// (`kubectl rollout undo` restores an old template: the old ReplicaSet is reused with a new
// revision), revisionHistoryLimit cleanup, progressDeadlineSeconds, and the status and
// conditions (Available, Progressing, ReplicaFailure) as upstream writes them.
//
// Data flow: informers on deployments, replicasets and pods -> handlers that only enqueue
// "ns/name" keys -> a work queue -> Sync, which recomputes everything from the listers.
// Writes act as system:serviceaccount:kube-system:deployment-controller; events come from
// "deployment-controller". Thread-safe; Start and Stop once each.
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

class DeploymentController : public Controller {
 public:
  // Registers informer handlers and indexes on ctx.informers (deployments, replicasets, pods).
  explicit DeploymentController(ControllerContext& ctx);
  ~DeploymentController() override;

  std::string_view Name() const override { return "deployment"; }
  absl::Status Start() override;
  void Stop() override;

  // One reconciliation of the Deployment with queue key "ns/name" (tests).
  absl::Status Sync(const std::string& key);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace k1s::controllers
