#include "scheduler/algorithm.h"

#include <algorithm>
#include <map>
#include <set>

#include "base/strings.h"

namespace k1s::scheduler {
namespace {

constexpr int32_t kMinFeasibleNodesToFind = 100;
constexpr int32_t kMinFeasibleNodesPercentageToFind = 5;
constexpr char kNotHelpful[] = "Preemption is not helpful for scheduling";
constexpr char kNoVictims[] = "No preemption victims found for incoming pod";

std::string JoinPluginNames(const std::set<std::string>& names) {
  std::string out = "[";
  for (const std::string& name : names) {
    if (out.size() > 1) out += " ";
    out += name;
  }
  return out + "]";
}

}  // namespace

Algorithm::Algorithm(Plugins plugins, AlgorithmOptions options)
    : plugins_(std::move(plugins)),
      options_(options),
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

std::vector<NodeInfoPtr> Algorithm::Filter(CycleState& state, const PodInfo& pod,
                                           const std::vector<NodeInfoPtr>& nodes,
                                           Diagnosis& diagnosis, int32_t* processed) {
  std::vector<NodeInfoPtr> feasible;
  const size_t count = nodes.size();
  if (count == 0) return feasible;
  const size_t wanted = static_cast<size_t>(NumFeasibleNodesToFind(static_cast<int32_t>(count)));
  size_t start = next_start_index_ % count;
  size_t i = 0;
  for (; i < count && feasible.size() < wanted; ++i) {
    const NodeInfoPtr& node = nodes[(start + i) % count];
    Status status = RunFilters(state, pod, *node);
    if (status.ok()) {
      feasible.push_back(node);
    } else {
      diagnosis.node_statuses[node->name()] = std::move(status);
    }
  }
  *processed = static_cast<int32_t>(i);
  return feasible;
}

std::string Algorithm::SelectHost(CycleState& state, const PodInfo& pod,
                                  const std::vector<NodeInfoPtr>& feasible) {
  std::vector<int64_t> totals(feasible.size(), 0);
  std::vector<int64_t> scores(feasible.size());
  for (const auto& plugin : plugins_.scores) {
    if (plugin->PreScore(state, pod, feasible).code == Code::kSkip) continue;
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
    return result;
  }
  result.state = std::make_shared<CycleState>();
  CycleState& state = *result.state;
  Diagnosis& diagnosis = result.diagnosis;
  // PreFilter: a rejection fails the pod on every node; node lists are intersected.
  std::optional<std::set<std::string>> allowed;
  std::set<std::string> narrowing_plugins;
  for (const auto& plugin : plugins_.filters) {
    std::optional<std::set<std::string>> names;
    Status status = plugin->PreFilter(state, pod, snapshot, &names);
    if (status.rejected() || status.code == Code::kError) {
      status.plugin = std::string(plugin->Name());
      diagnosis.pre_filter_message = status.reasons.empty() ? "" : status.reasons.front();
      diagnosis.absent_nodes = status;
      result.code = status.code;
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
    feasible = Filter(state, pod, nodes, diagnosis, &processed);
    next_start_index_ =
        (next_start_index_ + static_cast<size_t>(processed)) % static_cast<size_t>(all_nodes);
    result.evaluated_nodes = processed;
    result.feasible_nodes = static_cast<int32_t>(feasible.size());
  }
  if (!feasible.empty()) {
    result.node =
        feasible.size() == 1 ? feasible.front()->name() : SelectHost(state, pod, feasible);
    return result;
  }
  // No node fits: unresolvable only when no node could be helped by preemption.
  result.code = Code::kUnschedulableAndUnresolvable;
  for (const auto& [name, status] : diagnosis.node_statuses) {
    if (status.code == Code::kUnschedulable) result.code = Code::kUnschedulable;
  }
  diagnosis.post_filter_message = PreemptionMessage(*this, pod, snapshot, diagnosis);
  result.message = FitErrorMessage(all_nodes, diagnosis);
  return result;
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

std::string PreemptionMessage(const Algorithm& algorithm, const PodInfo& pod,
                              const Snapshot& snapshot, const Diagnosis& diagnosis) {
  if (pod.preemption_policy == "Never") {
    return "preemption: not eligible due to preemptionPolicy=Never.";
  }
  // upstream nodesWherePreemptionMightHelp + a dry run on each: a node rejected as unresolvable
  // (or not evaluated) cannot be helped; on the others, removing every lower-priority pod must
  // make the pod fit.
  Diagnosis preemption;
  CycleState state;
  for (const NodeInfoPtr& node : snapshot.nodes) {
    auto it = diagnosis.node_statuses.find(node->name());
    if (it == diagnosis.node_statuses.end() || it->second.code != Code::kUnschedulable) {
      preemption.node_statuses[node->name()] = Status::Unresolvable({kNotHelpful});
      continue;
    }
    NodeInfo without_victims = *node;
    bool victims = false;
    for (const auto& [key, placed] : node->pods()) {
      if (placed->priority < pod.priority) {
        without_victims.RemovePod(key);
        victims = true;
      }
    }
    if (!victims) {
      preemption.node_statuses[node->name()] = Status::Unresolvable({kNoVictims});
      continue;
    }
    Status status = algorithm.RunFilters(state, pod, without_victims);
    // A node where evicting lower-priority pods would make room: preemption proper (choosing
    // and deleting victims, nominating the node) is not implemented yet, so it counts as not
    // helpful for now.
    preemption.node_statuses[node->name()] =
        status.ok() ? Status::Unresolvable({kNotHelpful}) : std::move(status);
  }
  return base::StrCat("preemption: ",
                      FitErrorMessage(static_cast<int32_t>(snapshot.nodes.size()), preemption));
}

}  // namespace k1s::scheduler
