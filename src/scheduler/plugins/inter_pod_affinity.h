#pragma once
// InterPodAffinity (upstream plugins/interpodaffinity, v1.32): a pod's required pod affinity and
// anti-affinity, and the required anti-affinity of pods already placed, as a filter; preferred
// terms of both sides (and placed pods' required affinity, at hardPodAffinityWeight 1) as a
// score. PreFilter counts matching pods per topology pair in one pass over the snapshot, so
// Filter and Score only look pairs up.
//
// Stateless and thread-safe; per-cycle data lives in the CycleState.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/cluster_objects.h"
#include "scheduler/framework.h"

namespace k1s::scheduler::plugins {

class InterPodAffinity final : public FilterPlugin, public ScorePlugin {
 public:
  // `objects` serves the Namespaces that namespaceSelectors match (null: none exist).
  explicit InterPodAffinity(std::shared_ptr<const ClusterObjects> objects);

  std::string_view Name() const override { return "InterPodAffinity"; }
  int64_t Weight() const override { return 2; }
  Status PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                   std::optional<std::set<std::string>>* node_names) const override;
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  Status PreScore(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                  const std::vector<NodeInfoPtr>& feasible) const override;
  int64_t Score(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScore(const CycleState& state, const PodInfo& pod,
                      std::vector<int64_t>& scores) const override;

 private:
  std::shared_ptr<const ClusterObjects> objects_;
};

}  // namespace k1s::scheduler::plugins
