#include "scheduler/algorithm.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "base/strings.h"
#include "scheduler/preemption.h"

namespace k1s::scheduler {
namespace {

constexpr int32_t kMinFeasibleNodesToFind = 100;
constexpr int32_t kMinFeasibleNodesPercentageToFind = 5;

std::string JoinPluginNames(const std::set<std::string>& names) {
  std::string out = "[";
  for (const std::string& name : names) {
    if (out.size() > 1) out += " ";
    out += name;
  }
  return out + "]";
}

}  // namespace

Algorithm::Algorithm(Plugins plugins, AlgorithmOptions options,
                     std::shared_ptr<const Nominator> nominator, PdbLister pdbs)
    : plugins_(std::move(plugins)),
      options_(options),
      nominator_(std::move(nominator)),
      pdbs_(std::move(pdbs)),
      random_(options.random_seed != 0 ? options.random_seed : std::random_device{}()) {}

int32_t Algorithm::NumFeasibleNodesToFind(int32_t all_nodes) const {
  if (all_nodes < kMinFeasibleNodesToFind) return all_nodes;
  int32_t percentage = options_.percentage_of_nodes_to_score;
  if (percentage <= 0) {
    percentage = std::max(50 - all_nodes / 125, kMinFeasibleNodesPercentageToFind);
  }
  percentage = std::min(percentage, 100);
  int32_t count = static_cast<int32_t>(static_cast<int64_t>(all_nodes) * percentage / 100);
  return std::max(count, kMinFeasibleNodesToFind);
}

Status Algorithm::RunFilters(const CycleState& state, const PodInfo& pod,
                             const NodeInfo& node) const {
  for (const auto& plugin : plugins_.filters) {
    Status status = plugin->Filter(state, pod, node);
    if (status.ok() || status.code == Code::kSkip) continue;
    status.plugin = std::string(plugin->Name());
    return status;
  }
  return Status::Success();
}

Status Algorithm::RunFiltersWithNominatedPods(const CycleState& state, const PodInfo& pod,
                                              const NodeInfo& node,
                                              const NominatedPods* nominated) const {
  if (nominated == nullptr || nominated->by_node.empty()) return RunFilters(state, pod, node);
  auto it = nominated->by_node.find(node.name());
  if (it == nominated->by_node.end()) return RunFilters(state, pod, node);
  // Only pods this one must yield to: it may take room freed for lower-priority ones.
  std::optional<NodeInfo> with_nominated;
  for (const NominatedPod& other : it->second) {
    if (other.priority < pod.priority || other.key == pod.key) continue;
    if (!with_nominated) with_nominated.emplace(node);
    with_nominated->AddPod(other.placed);
  }
  if (!with_nominated) return RunFilters(state, pod, node);
  Status status = RunFilters(state, pod, *with_nominated);
  if (!status.ok()) return status;
  // Again without them: filters such as pod affinity may need them to be absent, and they may
  // end up elsewhere.
  return RunFilters(state, pod, node);
}

std::vector<NodeInfoPtr> Algorithm::Filter(CycleState& state, const PodInfo& pod,
                                           const std::vector<NodeInfoPtr>& nodes,
                                           const NominatedPods* nominated, Diagnosis& diagnosis,
                                           int32_t* processed) {
  std::vector<NodeInfoPtr> feasible;
  const size_t count = nodes.size();
  if (count == 0) return feasible;
  const size_t wanted = static_cast<size_t>(NumFeasibleNodesToFind(static_cast<int32_t>(count)));
  size_t start = next_start_index_ % count;
  size_t i = 0;
  for (; i < count && feasible.size() < wanted; ++i) {
    const NodeInfoPtr& node = nodes[(start + i) % count];
    Status status = RunFiltersWithNominatedPods(state, pod, *node, nominated);
    if (status.ok()) {
      feasible.push_back(node);
    } else {
      diagnosis.node_statuses[node->name()] = std::move(status);
    }
  }
  *processed = static_cast<int32_t>(i);
  return feasible;
}

std::string Algorithm::SelectHost(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                                  const std::vector<NodeInfoPtr>& feasible) {
  std::vector<int64_t> totals(feasible.size(), 0);
  std::vector<int64_t> scores(feasible.size());
  for (const auto& plugin : plugins_.scores) {
    if (plugin->PreScore(state, pod, snapshot, feasible).code == Code::kSkip) continue;
    for (size_t i = 0; i < feasible.size(); ++i) {
      scores[i] = plugin->Score(state, pod, *feasible[i]);
    }
    plugin->NormalizeScore(state, pod, scores);
    for (size_t i = 0; i < feasible.size(); ++i) totals[i] += scores[i] * plugin->Weight();
  }
  // The highest total; among equals each is picked with the same chance (reservoir sampling).
  size_t best = 0;
  int64_t ties = 1;
  for (size_t i = 1; i < feasible.size(); ++i) {
    if (totals[i] > totals[best]) {
      best = i;
      ties = 1;
    } else if (totals[i] == totals[best]) {
      ++ties;
      if (std::uniform_int_distribution<int64_t>(0, ties - 1)(random_) == 0) best = i;
    }
  }
  return feasible[best]->name();
}

ScheduleResult Algorithm::Schedule(const PodInfo& pod, const Snapshot& snapshot) {
  ScheduleResult result;
  const int32_t all_nodes = static_cast<int32_t>(snapshot.nodes.size());
  if (all_nodes == 0) {
    result.code = Code::kUnschedulableAndUnresolvable;
    result.message = kNoNodesAvailable;
    result.nominated_node = "";  // upstream clearNominatedNode
    return result;
  }
  if (nominator_ != nullptr) result.nominated = nominator_->Snapshot();
  const NominatedPods* nominated = result.nominated.get();
  result.state = std::make_shared<CycleState>();
  CycleState& state = *result.state;
  Diagnosis& diagnosis = result.diagnosis;
  // PreFilter: a rejection fails the pod on every node; node lists are intersected.
  std::optional<std::set<std::string>> allowed;
  std::set<std::string> narrowing_plugins;
  bool pre_filter_error = false;
  for (const auto& plugin : plugins_.filters) {
    std::optional<std::set<std::string>> names;
    Status status = plugin->PreFilter(state, pod, snapshot, &names);
    if (status.rejected() || status.code == Code::kError) {
      status.plugin = std::string(plugin->Name());
      diagnosis.pre_filter_message = status.reasons.empty() ? "" : status.reasons.front();
      diagnosis.absent_nodes = status;
      result.code = status.code;
      pre_filter_error = status.code == Code::kError;
      break;
    }
    if (!names) continue;
    narrowing_plugins.insert(std::string(plugin->Name()));
    if (!allowed) {
      allowed = std::move(names);
    } else {
      std::set<std::string> both;
      for (const std::string& name : *allowed) {
        if (names->count(name) > 0) both.insert(name);
      }
      allowed = std::move(both);
    }
  }
  std::vector<NodeInfoPtr> feasible;
  // A node nominated in an earlier attempt (the pod preempted there) is likely the only one that
  // fits: it is tried first, whatever PreFilter narrowed the nodes to (as upstream).
  if (std::string nominated_node = NominatedNodeName(*pod.pod);
      diagnosis.pre_filter_message.empty() && !nominated_node.empty()) {
    if (NodeInfoPtr node = snapshot.Get(nominated_node); node != nullptr) {
      Status status = RunFiltersWithNominatedPods(state, pod, *node, nominated);
      if (status.ok()) {
        result.node = nominated_node;
        result.evaluated_nodes = 1;
        result.feasible_nodes = 1;
        return result;
      }
      diagnosis.node_statuses[nominated_node] = std::move(status);
    }
  }
  if (diagnosis.pre_filter_message.empty()) {
    std::vector<NodeInfoPtr> candidates;
    if (allowed) {
      for (const std::string& name : *allowed) {
        if (NodeInfoPtr node = snapshot.Get(name); node != nullptr) candidates.push_back(node);
      }
      diagnosis.absent_nodes = Status::Unresolvable(
          {base::StrCat("node(s) didn't satisfy plugin(s) ", JoinPluginNames(narrowing_plugins))});
    }
    const std::vector<NodeInfoPtr>& nodes = allowed ? candidates : snapshot.nodes;
    int32_t processed = 0;
    feasible = Filter(state, pod, nodes, nominated, diagnosis, &processed);
    next_start_index_ =
        (next_start_index_ + static_cast<size_t>(processed)) % static_cast<size_t>(all_nodes);
    result.evaluated_nodes = processed;
    result.feasible_nodes = static_cast<int32_t>(feasible.size());
  }
  if (!feasible.empty()) {
    result.node =
        feasible.size() == 1 ? feasible.front()->name() : SelectHost(state, pod, snapshot, feasible);
    return result;
  }
  // No node fits: unresolvable only when no node could be helped by preemption.
  result.code = Code::kUnschedulableAndUnresolvable;
  for (const auto& [name, status] : diagnosis.node_statuses) {
    if (status.code == Code::kUnschedulable) result.code = Code::kUnschedulable;
  }
  // A PreFilter error is not a fit problem: no preemption (upstream: not a FitError).
  if (pre_filter_error) {
    result.nominated_node = "";
  } else {
    PostFilter(state, pod, snapshot, result);
  }
  result.message = FitErrorMessage(all_nodes, diagnosis);
  return result;
}

void Algorithm::PostFilter(const CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                           ScheduleResult& result) {
  const NominatedPods* nominated = result.nominated.get();
  FitsFunc fits = [&](const NodeInfo& node) {
    return RunFiltersWithNominatedPods(state, pod, node, nominated);
  };
  PdbSource pdbs = [this]() {
    return pdbs_ ? ParsePodDisruptionBudgets(pdbs_()) : std::vector<PodDisruptionBudget>{};
  };
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  PreemptionResult preemption =
      EvaluatePreemption(pod, snapshot, result.diagnosis, pdbs, fits, random_(), now);
  result.diagnosis.post_filter_message = std::move(preemption.message);
  result.nominated_node = std::move(preemption.nominated_node);
  result.preemption = std::move(preemption.candidate);
}

std::string FitErrorMessage(int32_t all_nodes, const Diagnosis& diagnosis) {
  std::string message = base::StrCat("0/", all_nodes, " nodes are available:");
  if (!diagnosis.pre_filter_message.empty()) {
    base::StrAppend(&message, " ", diagnosis.pre_filter_message, ".");
  } else {
    std::map<std::string, int32_t> reasons;
    for (const auto& [name, status] : diagnosis.node_statuses) {
      for (const std::string& reason : status.reasons) ++reasons[reason];
    }
    int32_t absent = all_nodes - static_cast<int32_t>(diagnosis.node_statuses.size());
    if (absent > 0 && diagnosis.absent_nodes) {
      for (const std::string& reason : diagnosis.absent_nodes->reasons) reasons[reason] += absent;
    }
    std::vector<std::string> histogram;
    for (const auto& [reason, count] : reasons) {
      histogram.push_back(base::StrCat(count, " ", reason));
    }
    // Sorted as strings, as upstream does ("10 x" before "2 y").
    std::sort(histogram.begin(), histogram.end());
    if (!histogram.empty()) {
      std::string joined;
      for (const std::string& entry : histogram) {
        if (!joined.empty()) joined += ", ";
        joined += entry;
      }
      base::StrAppend(&message, " ", joined, ".");
    }
  }
  if (!diagnosis.post_filter_message.empty()) {
    base::StrAppend(&message, " ", diagnosis.post_filter_message);
  }
  return message;
}

}  // namespace k1s::scheduler
