#pragma once
// PodTopologySpread (upstream plugins/podtopologyspread, v1.32): spreads matching pods over
// topology domains. Hard constraints (whenUnsatisfiable DoNotSchedule) are checked in
// PreFilter/Filter, soft ones (ScheduleAnyway) scored in PreScore/Score/NormalizeScore. A pod
// without constraints gets the system defaults (hostname maxSkew 3, zone maxSkew 5, both soft)
// with a selector built from the Services, ReplicationControllers, ReplicaSets and
// StatefulSets that select or own it, so replicas of one workload spread by default.
//
// The plugin itself is stateless and thread-safe; per-pod counts live in the CycleState.
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "api/label_selector.h"
#include "scheduler/framework.h"

namespace k1s::scheduler::plugins {

// A constraint's selector: upstream's labels.Selector made of the labelSelector, the labels
// matchLabelKeys copied from the pod, and (for defaults) the owners' selectors, all ANDed.
struct SpreadSelector {
  bool nothing{false};  // labelSelector unset and no matchLabelKeys value: matches no pod
  Labels match_labels;  // key=value requirements
  std::vector<api::LabelSelector> parts;

  bool Matches(const Labels& labels) const;
  // No requirement at all (upstream Selector.Empty()).
  bool Empty() const;
};

// One parsed topologySpreadConstraint (upstream topologySpreadConstraint).
struct SpreadConstraint {
  int32_t max_skew{1};
  std::string topology_key;
  SpreadSelector selector;
  int32_t min_domains{1};
  bool honor_node_affinity{true};  // nodeAffinityPolicy: Honor (default) or Ignore
  bool honor_node_taints{false};   // nodeTaintsPolicy: Ignore (default) or Honor
};

// spec.topologySpreadConstraints whose whenUnsatisfiable is `action`, with matchLabelKeys
// merged into the selectors. InvalidArgument when a labelSelector does not parse.
absl::StatusOr<std::vector<SpreadConstraint>> ParseSpreadConstraints(const nlohmann::json& pod,
                                                                     const Labels& pod_labels,
                                                                     std::string_view action);

// upstream helper.DefaultSelector: the selectors of the pod's Services (merged) and of its
// controller when that is a ReplicationController, ReplicaSet or StatefulSet.
SpreadSelector DefaultSpreadSelector(const PodInfo& pod, const ClusterObjects& objects);

class PodTopologySpread final : public FilterPlugin, public ScorePlugin {
 public:
  // `objects` serves the default constraints' selectors (null: no defaults).
  explicit PodTopologySpread(std::shared_ptr<const ClusterObjects> objects)
      : objects_(std::move(objects)) {}

  std::string_view Name() const override { return "PodTopologySpread"; }
  int64_t Weight() const override { return 2; }

  Status PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                   std::optional<std::set<std::string>>* node_names) const override;
  Status Filter(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  Status PreScore(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                  const std::vector<NodeInfoPtr>& feasible) const override;
  // Nodes missing a topology key of the pod's own soft constraints score -1 here (upstream's
  // invalidScore) and 0 after NormalizeScore.
  int64_t Score(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const override;
  void NormalizeScore(const CycleState& state, const PodInfo& pod,
                      std::vector<int64_t>& scores) const override;

 private:
  std::shared_ptr<const ClusterObjects> objects_;
};

}  // namespace k1s::scheduler::plugins
