#pragma once
// One node as the scheduler sees it: the Node's parsed labels, taints and allocatable, and the
// pods placed there (bound or assumed) with what they reserve (upstream's framework.NodeInfo).
// A NodeInfo may exist without a Node object while pods still name a deleted node.
//
// Not thread-safe to mutate; the SchedulerCache copies a NodeInfo before changing it, so the
// copies a Snapshot holds are immutable and can be read from any thread.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client/informer.h"
#include "scheduler/pod_info.h"
#include "scheduler/resources.h"
#include "scheduler/selectors.h"

namespace k1s::scheduler {

class NodeInfo {
 public:
  explicit NodeInfo(std::string name) : name_(std::move(name)) {}

  // Sets (or with null clears) the Node object and re-parses its facts.
  void SetNode(client::ObjectPtr node);
  void AddPod(std::shared_ptr<const PlacedPod> pod);
  // False when the pod was not here.
  bool RemovePod(const std::string& key);

  const std::string& name() const { return name_; }
  const client::ObjectPtr& node() const { return node_; }
  const Labels& labels() const { return labels_; }
  const std::vector<Taint>& taints() const { return taints_; }
  bool unschedulable() const { return unschedulable_; }
  const Resources& allocatable() const { return allocatable_; }
  const Resources& requested() const { return requested_; }
  const Resources& non_zero_requested() const { return non_zero_requested_; }
  const std::map<std::string, std::shared_ptr<const PlacedPod>>& pods() const { return pods_; }
  int64_t pod_count() const { return static_cast<int64_t>(pods_.size()); }

 private:
  std::string name_;
  client::ObjectPtr node_;
  Labels labels_;
  std::vector<Taint> taints_;
  bool unschedulable_ = false;
  Resources allocatable_;
  Resources requested_;
  Resources non_zero_requested_;
  std::map<std::string, std::shared_ptr<const PlacedPod>> pods_;
};

using NodeInfoPtr = std::shared_ptr<const NodeInfo>;

}  // namespace k1s::scheduler
