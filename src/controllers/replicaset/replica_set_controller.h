#pragma once
// The ReplicaSet controller (upstream pkg/controller/replicaset): keeps spec.replicas active
// pods for every ReplicaSet. It adopts orphan pods its selector matches and releases owned pods
// that stopped matching, creates missing pods from the template in slow-start batches
// (1, 2, 4, ... at most 500 per sync, stopping after a batch with an error), deletes surplus
// pods in upstream's deletion order, and writes status (replicas, fullyLabeledReplicas,
// readyReplicas, availableReplicas, observedGeneration, the ReplicaFailure condition).
//
// Data flow: informers on replicasets and pods (pods indexed by controller uid) -> handlers that
// only enqueue "ns/name" keys and record observed creations/deletions -> a work queue -> Sync,
// which recomputes everything from the listers. Expectations keep a sync from creating or
// deleting again before its previous creates/deletes were observed.
//
// Writes act as system:serviceaccount:kube-system:replicaset-controller; events come from
// "replicaset-controller". Thread-safe; Start and Stop once each.
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

class ReplicaSetController : public Controller {
 public:
  // Registers informer handlers and indexes on ctx.informers (pods, replicasets).
  explicit ReplicaSetController(ControllerContext& ctx);
  ~ReplicaSetController() override;

  std::string_view Name() const override { return "replicaset"; }
  absl::Status Start() override;
  void Stop() override;

  // One reconciliation of the ReplicaSet with queue key "ns/name" (tests).
  absl::Status Sync(const std::string& key);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace k1s::controllers
