#pragma once
// The in-tree plugins implemented so far, named and weighted as upstream's v1.32 defaults.
// Each is stateless and thread-safe; reasons are upstream's texts.
#include <string_view>

#include "scheduler/framework.h"

namespace k1s::scheduler::plugins {

// spec.unschedulable nodes, unless the pod tolerates node.kubernetes.io/unschedulable:NoSchedule.
class NodeUnschedulable final : public FilterPlugin {
 public:
  std::string_view Name() const override { return "NodeUnschedulable"; }
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
};

// spec.nodeName, when the pod names one.
class NodeName final : public FilterPlugin {
 public:
  std::string_view Name() const override { return "NodeName"; }
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
};

// NoSchedule/NoExecute taints must be tolerated; untolerated PreferNoSchedule taints score low.
class TaintToleration final : public FilterPlugin, public ScorePlugin {
 public:
  std::string_view Name() const override { return "TaintToleration"; }
  int64_t Weight() const override { return 3; }
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  int64_t Score(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScore(const CycleState& state, const PodInfo& pod,
                      std::vector<int64_t>& scores) const override;
};

// spec.nodeSelector and required node affinity must match; preferred terms add their weights.
// PreFilter narrows the nodes to those named by matchFields metadata.name In terms.
class NodeAffinity final : public FilterPlugin, public ScorePlugin {
 public:
  std::string_view Name() const override { return "NodeAffinity"; }
  int64_t Weight() const override { return 2; }
  Status PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                   std::optional<std::set<std::string>>* node_names) const override;
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  Status PreScore(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                  const std::vector<NodeInfoPtr>& feasible) const override;
  int64_t Score(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScore(const CycleState& state, const PodInfo& pod,
                      std::vector<int64_t>& scores) const override;
};

// Requests must fit what the node has left (pods count, cpu, memory, ephemeral-storage,
// scalar resources); scoring is LeastAllocated over cpu and memory (weights 1).
class NodeResourcesFit final : public FilterPlugin, public ScorePlugin {
 public:
  std::string_view Name() const override { return "NodeResourcesFit"; }
  int64_t Weight() const override { return 1; }
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  int64_t Score(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
};

// Prefers nodes whose cpu and memory fractions stay close to each other once the pod is there.
class BalancedAllocation final : public ScorePlugin {
 public:
  std::string_view Name() const override { return "NodeResourcesBalancedAllocation"; }
  int64_t Weight() const override { return 1; }
  int64_t Score(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
};

// Host ports (hostIP, protocol, hostPort) must not clash with those of pods on the node; an
// empty or 0.0.0.0 hostIP clashes with every address.
class NodePorts final : public FilterPlugin {
 public:
  std::string_view Name() const override { return "NodePorts"; }
  // Skip when the pod asks for no host port.
  Status PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                   std::optional<std::set<std::string>>* node_names) const override;
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
};

// Prefers nodes that already have the pod's images, by their size scaled by how many nodes of
// the cluster have them (so one node does not attract every pod of a widespread image).
// Upstream is a Score plugin only; it is a filter here for its PreFilter, the one step that sees
// the whole snapshot (the spread counts every node, not only the feasible ones). Its Filter
// accepts every node, so it goes last among the filters.
class ImageLocality final : public FilterPlugin, public ScorePlugin {
 public:
  std::string_view Name() const override { return "ImageLocality"; }
  int64_t Weight() const override { return 1; }
  Status PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                   std::optional<std::set<std::string>>* node_names) const override;
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  int64_t Score(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
};

// Inline GCE PD, AWS EBS, RBD and iSCSI volumes must not be mounted read-write by another pod on
// the node, and a ReadWriteOncePod claim must not be in use by any other pod. PreFilter reads
// the pod's claims (a missing one is unresolvable) and skips pods with nothing to check.
class VolumeRestrictions final : public FilterPlugin {
 public:
  explicit VolumeRestrictions(std::shared_ptr<const ClusterObjects> objects)
      : objects_(std::move(objects)) {}
  std::string_view Name() const override { return "VolumeRestrictions"; }
  Status PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                   std::optional<std::set<std::string>>* node_names) const override;
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;

 private:
  std::shared_ptr<const ClusterObjects> objects_;
};

}  // namespace k1s::scheduler::plugins
