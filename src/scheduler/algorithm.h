#pragma once
// One scheduling decision, as upstream's schedulePod (schedule_one.go): PreFilter, then Filter
// over the nodes starting where the previous pod stopped until enough feasible nodes are found
// (all below 100 nodes, upstream's adaptive percentage above), then Score, normalize and weigh,
// and pick the highest total with ties broken at random. A pod with status.nominatedNodeName
// tries that node first. Filters count the pods nominated to a node with equal or higher
// priority (upstream RunFilterPluginsWithNominatedPods). On failure it runs the preemption dry
// run (preemption.h) and explains why in upstream's FitError words, with the preemption verdict
// appended; the victims it chose are in the result, for the Scheduler to evict.
//
// Not thread-safe: one scheduling loop owns it (it keeps the rotating start index and the
// random generator).
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "scheduler/cache.h"
#include "scheduler/framework.h"

namespace k1s::scheduler {

class Nominator;
struct NominatedPods;
struct Candidate;

// Why each node was rejected (upstream Diagnosis / NodeToStatus).
struct Diagnosis {
  std::map<std::string, Status> node_statuses;
  std::optional<Status> absent_nodes;  // the status of every node not in node_statuses
  std::string pre_filter_message;      // set when PreFilter rejected the pod outright
  std::string post_filter_message;     // the preemption verdict
};

struct ScheduleResult {
  std::string node;  // empty when the pod fits nowhere
  int32_t evaluated_nodes = 0;
  int32_t feasible_nodes = 0;
  Code code = Code::kSuccess;  // on failure: kUnschedulableAndUnresolvable / kUnschedulable
  std::string message;         // on failure: the FailedScheduling message
  Diagnosis diagnosis;
  std::shared_ptr<CycleState> state;  // what the plugins kept, for PreBind
  // On failure, upstream's NominatingInfo: set the pod's nomination to this node ("" clears it);
  // nullopt leaves it.
  std::optional<std::string> nominated_node;
  std::shared_ptr<const Candidate> preemption;     // victims to evict for the nominated node
  std::shared_ptr<const NominatedPods> nominated;  // the nominations this attempt saw
};

struct AlgorithmOptions {
  int32_t percentage_of_nodes_to_score = 0;  // 0 = upstream's adaptive default
  uint64_t random_seed = 0;                  // 0 = random
};

inline constexpr char kNoNodesAvailable[] = "no nodes available to schedule pods";

// The policy/v1 PodDisruptionBudgets (for preemption).
using PdbLister = std::function<std::vector<client::ObjectPtr>()>;

class Algorithm {
 public:
  // `nominator` (may be null: none) says which pods are nominated where; `pdbs` (may be null:
  // none) lists the disruption budgets preemption respects.
  Algorithm(Plugins plugins, AlgorithmOptions options = {},
            std::shared_ptr<const Nominator> nominator = nullptr, PdbLister pdbs = nullptr);

  ScheduleResult Schedule(const PodInfo& pod, const Snapshot& snapshot);
  const Plugins& plugins() const { return plugins_; }

  // Every filter on one node, stopping at the first rejection.
  Status RunFilters(const CycleState& state, const PodInfo& pod, const NodeInfo& node) const;
  // upstream RunFilterPluginsWithNominatedPods: when pods of equal or higher priority are
  // nominated to the node, the pod must fit both with them counted there and without them.
  Status RunFiltersWithNominatedPods(const CycleState& state, const PodInfo& pod,
                                     const NodeInfo& node, const NominatedPods* nominated) const;
  // upstream numFeasibleNodesToFind.
  int32_t NumFeasibleNodesToFind(int32_t all_nodes) const;

 private:
  std::vector<NodeInfoPtr> Filter(CycleState& state, const PodInfo& pod,
                                  const std::vector<NodeInfoPtr>& nodes,
                                  const NominatedPods* nominated, Diagnosis& diagnosis,
                                  int32_t* processed);
  // The DefaultPreemption PostFilter's dry run; fills the result's preemption fields.
  void PostFilter(const CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                  ScheduleResult& result);
  std::string SelectHost(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                         const std::vector<NodeInfoPtr>& feasible);

  const Plugins plugins_;
  const AlgorithmOptions options_;
  const std::shared_ptr<const Nominator> nominator_;
  const PdbLister pdbs_;
  size_t next_start_index_ = 0;
  std::mt19937_64 random_;
};

// upstream FitError.Error(): "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had
// untolerated taint {k: v}." plus " <post-filter message>" when there is one.
std::string FitErrorMessage(int32_t all_nodes, const Diagnosis& diagnosis);

}  // namespace k1s::scheduler
