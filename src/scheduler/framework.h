#pragma once
// The scheduling framework's extension points, as upstream's (pkg/scheduler/framework), reduced
// to what the in-tree plugins here use: PreFilter (may narrow the nodes or reject the pod),
// Filter (per node), PreScore (may skip a plugin for the pod), Score (per feasible node) and
// NormalizeScore, each plugin with its upstream name and default weight. New plugins
// (PodTopologySpread, InterPodAffinity, NodePorts...) implement these interfaces and are added
// in DefaultPlugins().
//
// Plugins are stateless between cycles and must be thread-safe; per-cycle data goes into the
// CycleState, which belongs to one scheduling attempt.
#include <any>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "client/client.h"
#include "scheduler/cache.h"
#include "scheduler/cluster_objects.h"
#include "scheduler/node_info.h"
#include "scheduler/pod_info.h"

namespace k1s::scheduler {

// upstream framework.Code, as far as it matters here.
enum class Code {
  kSuccess,
  kUnschedulable,                 // might fit if other pods went away (preemption could help)
  kUnschedulableAndUnresolvable,  // cannot fit whatever happens to other pods
  kError,
  kSkip,
};

struct Status {
  Code code = Code::kSuccess;
  std::vector<std::string> reasons;  // upstream's Reasons(), counted in FailedScheduling
  std::string plugin;                // who rejected

  static Status Success() { return {}; }
  static Status Skip() { return {Code::kSkip, {}, {}}; }
  static Status Unschedulable(std::vector<std::string> reasons) {
    return {Code::kUnschedulable, std::move(reasons), {}};
  }
  static Status Unresolvable(std::vector<std::string> reasons) {
    return {Code::kUnschedulableAndUnresolvable, std::move(reasons), {}};
  }
  bool ok() const { return code == Code::kSuccess; }
  bool rejected() const {
    return code == Code::kUnschedulable || code == Code::kUnschedulableAndUnresolvable;
  }
};

inline constexpr int64_t kMaxNodeScore = 100;

// Data plugins keep for one scheduling attempt, by their own key.
class CycleState {
 public:
  void Write(const std::string& key, std::any value) { data_[key] = std::move(value); }
  template <typename T>
  const T* Read(const std::string& key) const {
    auto it = data_.find(key);
    return it == data_.end() ? nullptr : std::any_cast<T>(&it->second);
  }

 private:
  std::map<std::string, std::any> data_;
};

class FilterPlugin {
 public:
  virtual ~FilterPlugin() = default;
  virtual std::string_view Name() const = 0;
  // May set `*node_names` to the only nodes worth filtering, or reject the pod for every node.
  virtual Status PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                           std::optional<std::set<std::string>>* node_names) const {
    return Status::Success();
  }
  virtual Status Filter(const CycleState& state, const PodInfo& pod,
                        const NodeInfo& node) const = 0;
};

class ScorePlugin {
 public:
  virtual ~ScorePlugin() = default;
  virtual std::string_view Name() const = 0;
  virtual int64_t Weight() const = 0;
  // Skip() leaves this plugin out of the pod's scores. `feasible` are the nodes to be scored;
  // `snapshot` has every node (for counts over the whole cluster).
  virtual Status PreScore(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                          const std::vector<NodeInfoPtr>& feasible) const {
    return Status::Success();
  }
  virtual int64_t Score(const CycleState& state, const PodInfo& pod,
                        const NodeInfo& node) const = 0;
  // Rescales the raw scores (one per node, in order) to 0..kMaxNodeScore.
  virtual void NormalizeScore(const CycleState& state, const PodInfo& pod,
                              std::vector<int64_t>& scores) const {}
};

// Runs on a binder thread after the pod is assumed on `node` and before the Binding is written:
// writes what must exist first (VolumeBinding binds claims). `state` is the cycle's, read-only
// by then. A non-OK result fails the binding; the pod is forgotten and retried.
class PreBindPlugin {
 public:
  virtual ~PreBindPlugin() = default;
  virtual std::string_view Name() const = 0;
  virtual absl::Status PreBind(const CycleState& state, const PodInfo& pod,
                               const std::string& node, client::Client& client) const = 0;
};

struct Plugins {
  std::vector<std::shared_ptr<const FilterPlugin>> filters;  // in upstream's order
  std::vector<std::shared_ptr<const ScorePlugin>> scores;
  std::vector<std::shared_ptr<const PreBindPlugin>> pre_binds;
};

// upstream's default profile, restricted to the plugins implemented here:
// filters NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
// NodeResourcesFit, VolumeRestrictions, VolumeBinding, PodTopologySpread, InterPodAffinity
// (and ImageLocality last, for its PreFilter only); scores TaintToleration (3),
// NodeAffinity (2), NodeResourcesFit (1, LeastAllocated on cpu and memory),
// PodTopologySpread (2), InterPodAffinity (2), NodeResourcesBalancedAllocation (1),
// ImageLocality (1); pre-bind VolumeBinding. `objects` serves plugins that read more than
// nodes and pods (null: none exist).
Plugins DefaultPlugins(std::shared_ptr<const ClusterObjects> objects = nullptr);

// upstream framework.DefaultNormalizeScore: scales to 0..max by the largest score; `reverse`
// turns "more is worse" counts into scores.
void DefaultNormalizeScore(int64_t max_priority, bool reverse, std::vector<int64_t>& scores);

}  // namespace k1s::scheduler
