// NodeAffinity (upstream plugins/nodeaffinity): spec.nodeSelector and node affinity.
#include "scheduler/plugins/plugins.h"

namespace k1s::scheduler::plugins {
namespace {

constexpr char kReasonPod[] = "node(s) didn't match Pod's node affinity/selector";
constexpr char kReasonConflict[] = "pod affinity terms conflict";

bool MatchesNodeSelector(const Labels& selector, const Labels& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

Status NodeAffinity::PreFilter(CycleState&, const PodInfo& pod, const Snapshot&,
                               std::optional<std::set<std::string>>* node_names) const {
  if (!pod.required_affinity || pod.required_affinity->terms.empty()) return Status::Success();
  // Terms are ORed: only when every term pins metadata.name can the nodes be narrowed.
  std::set<std::string> names;
  for (const NodeSelectorTerm& term : pod.required_affinity->terms) {
    std::optional<std::set<std::string>> term_names;
    for (const SelectorRequirement& field : term.fields) {
      if (field.op != SelectorRequirement::Op::kIn) continue;
      if (!term_names) {
        term_names = field.values;
      } else {
        std::set<std::string> both;
        for (const std::string& name : *term_names) {
          if (field.values.count(name) > 0) both.insert(name);
        }
        term_names = std::move(both);
      }
    }
    if (!term_names) return Status::Success();
    names.insert(term_names->begin(), term_names->end());
  }
  if (names.empty()) return Status::Unresolvable({kReasonConflict});
  *node_names = std::move(names);
  return Status::Success();
}

Status NodeAffinity::Filter(const CycleState&, const PodInfo& pod, const NodeInfo& node) const {
  if (!MatchesNodeSelector(pod.node_selector, node.labels()) ||
      (pod.required_affinity && !pod.required_affinity->Matches(node.labels(), node.name()))) {
    return Status::Unresolvable({kReasonPod});
  }
  return Status::Success();
}

Status NodeAffinity::PreScore(CycleState&, const PodInfo& pod, const Snapshot&,
                              const std::vector<NodeInfoPtr>&) const {
  return pod.preferred_affinity.empty() ? Status::Skip() : Status::Success();
}

int64_t NodeAffinity::Score(const CycleState&, const PodInfo& pod, const NodeInfo& node) const {
  int64_t score = 0;
  for (const PreferredTerm& preferred : pod.preferred_affinity) {
    if (preferred.term.Matches(node.labels(), node.name())) score += preferred.weight;
  }
  return score;
}

void NodeAffinity::NormalizeScore(const CycleState&, const PodInfo&,
                                  std::vector<int64_t>& scores) const {
  DefaultNormalizeScore(kMaxNodeScore, /*reverse=*/false, scores);
}

}  // namespace k1s::scheduler::plugins
