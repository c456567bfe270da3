#pragma once
// The scheduler's view of the cluster (upstream's internal/cache): every node with the pods
// placed on it, fed by the informers (bound pods, nodes) and by the scheduler itself, which
// "assumes" a pod onto its chosen node the moment it decides, so the next decision already
// counts it while the binding is still in flight. An assumed pod is confirmed when the informer
// reports it bound, and forgotten if its binding fails.
//
// Snapshot() hands out an immutable list of the nodes (copy-on-write NodeInfos) for one
// scheduling cycle; it is rebuilt only when something changed.
//
// Thread-safe.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/informer.h"
#include "scheduler/node_info.h"

namespace k1s::scheduler {

// The nodes one scheduling cycle works on, sorted by name; only nodes with a Node object.
struct Snapshot {
  std::vector<NodeInfoPtr> nodes;

  // Binary search by name (no index to rebuild: a snapshot is made after every placement).
  NodeInfoPtr Get(std::string_view name) const;
};

class SchedulerCache {
 public:
  void AddNode(client::ObjectPtr node);
  void UpdateNode(client::ObjectPtr node) { AddNode(std::move(node)); }
  void RemoveNode(const std::string& name);

  // A bound, non-terminal pod seen by the informer (confirms an assumed one).
  void AddPod(const client::ObjectPtr& pod);
  void UpdatePod(const client::ObjectPtr& pod) { AddPod(pod); }
  void RemovePod(const std::string& key);

  // Places `pod` on `node_name` before its binding is written.
  void AssumePod(std::shared_ptr<const PlacedPod> pod, const std::string& node_name);
  // The binding failed: takes the assumed pod off its node (no-op once confirmed).
  void ForgetPod(const std::string& key);
  bool IsAssumed(const std::string& key) const;

  std::shared_ptr<const Snapshot> GetSnapshot();
  size_t NodeCount() const;
  // The node a pod is placed on ("" if none): for tests and debugging.
  std::string NodeOf(const std::string& key) const;

 private:
  struct PodState {
    std::string node;
    bool assumed = false;
  };
  // A private copy of `name`'s NodeInfo to change (created when missing).
  NodeInfo& Mutable(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Place(std::shared_ptr<const PlacedPod> pod, const std::string& node, bool assumed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unplace(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops a NodeInfo that has neither a Node nor pods.
  void MaybeDrop(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<NodeInfo>> nodes_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, PodState> pods_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t snapshot_generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::scheduler
