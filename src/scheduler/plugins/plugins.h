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
  Status PreScore(CycleState& state, const PodInfo& pod,
                  const std::vector<NodeInfoPtr>& nodes) const override;
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

}  // namespace k1s::scheduler::plugins
