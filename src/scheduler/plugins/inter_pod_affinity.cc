// InterPodAffinity (upstream plugins/interpodaffinity: filtering.go, scoring.go, plugin.go).
#include "scheduler/plugins/inter_pod_affinity.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include "base/strings.h"
#include "client/resource.h"

namespace k1s::scheduler::plugins {
namespace {

constexpr char kReasonAffinity[] = "node(s) didn't match pod affinity rules";
constexpr char kReasonAntiAffinity[] = "node(s) didn't match pod anti-affinity rules";
constexpr char kReasonExisting[] = "node(s) didn't satisfy existing pods anti-affinity rules";
constexpr char kPreFilterKey[] = "PreFilterInterPodAffinity";
constexpr char kPreScoreKey[] = "PreScoreInterPodAffinity";
// upstream InterPodAffinityArgs.hardPodAffinityWeight default.
constexpr int32_t kHardPodAffinityWeight = 1;

const Labels& NoLabels() {
  static const Labels kEmpty;
  return kEmpty;
}

const Labels& LabelsOf(const PodInfo& pod) {
  return pod.placed != nullptr ? pod.placed->labels : NoLabels();
}

// Counts (or summed weights) per topology pair: topology key -> value -> count.
class TopologyCounts {
 public:
  // Adds `delta` to the node's pair for `key`; false (nothing added) when the node lacks that
  // label.
  bool AddForNode(const Labels& node_labels, const std::string& key, int64_t delta) {
    auto label = node_labels.find(key);
    if (label == node_labels.end()) return false;
    counts_[key][label->second] += delta;
    return true;
  }
  void Merge(const TopologyCounts& other) {
    for (const auto& [key, values] : other.counts_) {
      for (const auto& [value, count] : values) counts_[key][value] += count;
    }
  }
  int64_t Get(const std::string& key, const std::string& value) const {
    auto outer = counts_.find(key);
    if (outer == counts_.end()) return 0;
    auto inner = outer->second.find(value);
    return inner == outer->second.end() ? 0 : inner->second;
  }
  bool empty() const { return counts_.empty(); }
  // The sum over the node's pairs.
  int64_t Sum(const Labels& node_labels) const {
    int64_t sum = 0;
    for (const auto& [key, values] : counts_) {
      auto label = node_labels.find(key);
      if (label == node_labels.end()) continue;
      auto count = values.find(label->second);
      if (count != values.end()) sum += count->second;
    }
    return sum;
  }
  const std::unordered_map<std::string, std::unordered_map<std::string, int64_t>>& map() const {
    return counts_;
  }

 private:
  std::unordered_map<std::string, std::unordered_map<std::string, int64_t>> counts_;
};

// The three counts Filter checks (upstream preFilterState's topologyToMatchedTermCount maps).
struct FilterCounts {
  TopologyCounts existing_anti_affinity;  // placed pods' required anti-affinity matching the pod
  TopologyCounts affinity;                // placed pods matching all required affinity terms
  TopologyCounts anti_affinity;           // placed pods matching a required anti-affinity term

  bool empty() const {
    return existing_anti_affinity.empty() && affinity.empty() && anti_affinity.empty();
  }
  void Merge(const FilterCounts& other) {
    existing_anti_affinity.Merge(other.existing_anti_affinity);
    affinity.Merge(other.affinity);
    anti_affinity.Merge(other.anti_affinity);
  }
};

// One of the counts as it is for a node that differs from the snapshot's (preemption's dry run
// without victims, nominated pods added): the snapshot's totals minus what the snapshot's copy
// of the node added plus what this node's pods add (upstream's PreFilterExtensions
// RemovePod/AddPod). `before` and `now` are null for the snapshot's own node.
class CountsView {
 public:
  CountsView(const TopologyCounts& total, const TopologyCounts* before, const TopologyCounts* now)
      : total_(total), before_(before), now_(now) {}

  int64_t Get(const std::string& key, const std::string& value) const {
    int64_t count = total_.Get(key, value);
    if (before_ != nullptr) count -= before_->Get(key, value);
    if (now_ != nullptr) count += now_->Get(key, value);
    return count;
  }
  // Whether no pair counts anything (upstream drops pairs that fall to zero).
  bool empty() const {
    if (before_ == nullptr && now_ == nullptr) return total_.empty();
    for (const auto* counts : {&total_, now_}) {
      if (counts == nullptr) continue;
      for (const auto& [key, values] : counts->map()) {
        for (const auto& [value, count] : values) {
          if (Get(key, value) != 0) return false;
        }
      }
    }
    return true;
  }
  // Whether any pair the node carries counts more than zero.
  bool AnyPositive(const Labels& node_labels) const {
    for (const auto* counts : {&total_, now_}) {
      if (counts == nullptr) continue;
      for (const auto& [key, values] : counts->map()) {
        auto label = node_labels.find(key);
        if (label != node_labels.end() && Get(key, label->second) > 0) return true;
      }
    }
    return false;
  }

 private:
  const TopologyCounts& total_;
  const TopologyCounts* before_;
  const TopologyCounts* now_;
};

struct PreFilterState {
  // False where upstream's PreFilter returns Skip: nothing for Filter to check.
  bool filter = false;
  // The pod's terms with non-empty namespaceSelectors turned into namespace names.
  std::shared_ptr<const PodAffinityTerms> terms;
  FilterCounts counts;
  // Set when `filter`: the snapshot's NodeInfos (sorted addresses), to tell a node changed by
  // the caller, and what each node that counted anything added.
  std::vector<const NodeInfo*> snapshot_nodes;
  std::unordered_map<std::string, FilterCounts> by_node;
  // For PreScore, which only sees the feasible nodes: the nodes holding pods with pod
  // affinity terms, and every node when the pod has preferred terms of its own.
  std::vector<NodeInfoPtr> nodes_with_affinity_pods;
  std::vector<NodeInfoPtr> all_nodes;
};

struct PreScoreState {
  TopologyCounts scores;
};

bool NeedsNamespaceLookup(const AffinityTerm& term) {
  return term.namespace_selector && !term.namespace_selector->Empty();
}

// upstream mergeAffinityTermNamespacesIfNotEmpty for every term of the incoming pod: a
// non-empty namespaceSelector becomes the names of the Namespaces it matches now.
std::shared_ptr<const PodAffinityTerms> ResolveNamespaces(
    const std::shared_ptr<const PodAffinityTerms>& terms, const ClusterObjects& objects) {
  if (terms == nullptr) return nullptr;
  bool needed = false;
  for (const auto* list : {&terms->required_affinity, &terms->required_anti_affinity}) {
    for (const AffinityTerm& term : *list) needed = needed || NeedsNamespaceLookup(term);
  }
  for (const auto* list : {&terms->preferred_affinity, &terms->preferred_anti_affinity}) {
    for (const WeightedAffinityTerm& term : *list) {
      needed = needed || NeedsNamespaceLookup(term.term);
    }
  }
  if (!needed) return terms;
  const std::vector<client::ObjectPtr> namespaces =
      objects.List(client::resources::Namespaces(), "");
  auto resolve = [&](AffinityTerm& term) {
    if (!NeedsNamespaceLookup(term)) return;
    for (const client::ObjectPtr& object : namespaces) {
      const nlohmann::json& metadata = object->value("metadata", nlohmann::json::object());
      if (!term.namespace_selector->Matches(metadata.value("labels", nlohmann::json()))) continue;
      term.namespaces.insert(metadata.value("name", std::string()));
    }
    term.namespace_selector.reset();  // now selects nothing beyond the names
  };
  auto resolved = std::make_shared<PodAffinityTerms>(*terms);
  for (AffinityTerm& term : resolved->required_affinity) resolve(term);
  for (AffinityTerm& term : resolved->required_anti_affinity) resolve(term);
  for (WeightedAffinityTerm& term : resolved->preferred_affinity) resolve(term.term);
  for (WeightedAffinityTerm& term : resolved->preferred_anti_affinity) resolve(term.term);
  return resolved;
}

// The labels of the incoming pod's Namespace, read on first use: only placed pods' terms with
// a namespaceSelector need them.
class NamespaceLabels {
 public:
  NamespaceLabels(const ClusterObjects& objects, const std::string& name)
      : objects_(objects), name_(name) {}
  const Labels& For(const AffinityTerm& term) {
    if (!term.namespace_selector) return NoLabels();
    if (!labels_) {
      client::ObjectPtr object = objects_.Get(client::resources::Namespaces(), "", name_);
      labels_ = object != nullptr ? ParseLabels(*object) : Labels();
    }
    return *labels_;
  }

 private:
  const ClusterObjects& objects_;
  const std::string& name_;
  std::optional<Labels> labels_;
};

// upstream podMatchesAllAffinityTerms: false for no terms.
bool MatchesAllTerms(const std::vector<AffinityTerm>& terms, const std::string& pod_namespace,
                     const Labels& pod_labels) {
  if (terms.empty()) return false;
  for (const AffinityTerm& term : terms) {
    // The incoming pod's namespaceSelectors are resolved to names: no namespace labels needed.
    if (!term.Matches(pod_namespace, pod_labels, NoLabels())) return false;
  }
  return true;
}

// The incoming pod, as counting placed pods needs it.
struct Incoming {
  const PodInfo& pod;
  const Labels& labels;
  const PodAffinityTerms* terms;  // namespaces resolved
  bool required;                  // has required affinity or anti-affinity terms
  NamespaceLabels& namespace_labels;
};

// Adds what the pods on `node` count for the incoming pod; true when one of them has pod
// affinity terms.
bool CountNode(const NodeInfo& node, Incoming& in, FilterCounts& out) {
  const Labels& node_labels = node.labels();
  bool has_affinity_pods = false;
  // Plain pods cost a pointer test unless the incoming pod has required terms.
  for (const auto& [key, placed] : node.pods()) {
    if (const PodAffinityTerms* existing = placed->pod_affinity.get(); existing != nullptr) {
      has_affinity_pods = true;
      for (const AffinityTerm& term : existing->required_anti_affinity) {
        if (term.Matches(in.pod.namespace_name, in.labels, in.namespace_labels.For(term))) {
          out.existing_anti_affinity.AddForNode(node_labels, term.topology_key, 1);
        }
      }
    }
    if (!in.required) continue;
    if (MatchesAllTerms(in.terms->required_affinity, placed->namespace_name, placed->labels)) {
      for (const AffinityTerm& term : in.terms->required_affinity) {
        out.affinity.AddForNode(node_labels, term.topology_key, 1);
      }
    }
    for (const AffinityTerm& term : in.terms->required_anti_affinity) {
      if (term.Matches(placed->namespace_name, placed->labels, NoLabels())) {
        out.anti_affinity.AddForNode(node_labels, term.topology_key, 1);
      }
    }
  }
  return has_affinity_pods;
}

bool SatisfiesPodAffinity(const PodAffinityTerms& terms, const CountsView& affinity,
                          const PodInfo& pod, const Labels& node_labels) {
  bool pods_exist = true;
  for (const AffinityTerm& term : terms.required_affinity) {
    auto label = node_labels.find(term.topology_key);
    if (label == node_labels.end()) return false;  // every topology label must be there
    if (affinity.Get(term.topology_key, label->second) <= 0) pods_exist = false;
  }
  if (pods_exist) return true;
  // The first of a group of pods with affinity to each other: nothing matches anywhere yet,
  // so a pod matching its own terms may go to any node with the topology labels.
  return affinity.empty() &&
         MatchesAllTerms(terms.required_affinity, pod.namespace_name, LabelsOf(pod));
}

bool SatisfiesPodAntiAffinity(const PodAffinityTerms& terms, const CountsView& anti_affinity,
                              const Labels& node_labels) {
  if (anti_affinity.empty()) return true;
  for (const AffinityTerm& term : terms.required_anti_affinity) {
    auto label = node_labels.find(term.topology_key);
    if (label != node_labels.end() && anti_affinity.Get(term.topology_key, label->second) > 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

InterPodAffinity::InterPodAffinity(std::shared_ptr<const ClusterObjects> objects)
    : objects_(objects != nullptr ? std::move(objects) : std::make_shared<StaticObjects>()) {}

Status InterPodAffinity::PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                                   std::optional<std::set<std::string>>*) const {
  if (pod.pod_affinity != nullptr && !pod.pod_affinity->parse_error.empty()) {
    return Status::Unresolvable({base::StrCat("parsing pod: ", pod.pod_affinity->parse_error)});
  }
  PreFilterState result;
  result.terms = ResolveNamespaces(pod.pod_affinity, *objects_);
  const PodAffinityTerms* terms = result.terms.get();
  NamespaceLabels namespace_labels(*objects_, pod.namespace_name);
  Incoming in{pod, LabelsOf(pod), terms,
              terms != nullptr &&
                  (!terms->required_affinity.empty() || !terms->required_anti_affinity.empty()),
              namespace_labels};
  // One pass over every placed pod; without required terms of its own, only over nodes with
  // pods that have terms.
  for (const NodeInfoPtr& node : snapshot.nodes) {
    if (!in.required && node->pods_with_affinity() == 0) continue;
    FilterCounts counts;
    if (CountNode(*node, in, counts)) result.nodes_with_affinity_pods.push_back(node);
    if (counts.empty()) continue;
    result.counts.Merge(counts);
    result.by_node.emplace(node->name(), std::move(counts));
  }
  if (terms != nullptr &&
      (!terms->preferred_affinity.empty() || !terms->preferred_anti_affinity.empty())) {
    result.all_nodes = snapshot.nodes;
  }
  result.filter = in.required || !result.counts.existing_anti_affinity.empty();
  if (result.filter) {
    result.snapshot_nodes.reserve(snapshot.nodes.size());
    for (const NodeInfoPtr& node : snapshot.nodes) result.snapshot_nodes.push_back(node.get());
    std::sort(result.snapshot_nodes.begin(), result.snapshot_nodes.end());
  }
  state.Write(kPreFilterKey, std::move(result));
  return Status::Success();
}

Status InterPodAffinity::Filter(const CycleState& state, const PodInfo& pod,
                                const NodeInfo& node) const {
  // No state: PreFilter found nothing to check (upstream skips Filter then).
  const PreFilterState* pre = state.Read<PreFilterState>(kPreFilterKey);
  if (pre == nullptr || !pre->filter) return Status::Success();
  const FilterCounts* before = nullptr;
  std::optional<FilterCounts> now;
  if (!std::binary_search(pre->snapshot_nodes.begin(), pre->snapshot_nodes.end(), &node)) {
    // Not the snapshot's node: count its pods as they are now instead of as they were.
    auto it = pre->by_node.find(node.name());
    if (it != pre->by_node.end()) before = &it->second;
    NamespaceLabels namespace_labels(*objects_, pod.namespace_name);
    Incoming in{pod, LabelsOf(pod), pre->terms.get(),
                pre->terms != nullptr && (!pre->terms->required_affinity.empty() ||
                                          !pre->terms->required_anti_affinity.empty()),
                namespace_labels};
    CountNode(node, in, now.emplace());
  }
  auto view = [&](TopologyCounts FilterCounts::*member) {
    return CountsView(pre->counts.*member, before != nullptr ? &(before->*member) : nullptr,
                      now ? &(*now.*member) : nullptr);
  };
  const Labels& node_labels = node.labels();
  if (pre->terms != nullptr) {
    if (!SatisfiesPodAffinity(*pre->terms, view(&FilterCounts::affinity), pod, node_labels)) {
      return Status::Unresolvable({kReasonAffinity});
    }
    if (!SatisfiesPodAntiAffinity(*pre->terms, view(&FilterCounts::anti_affinity), node_labels)) {
      return Status::Unschedulable({kReasonAntiAffinity});
    }
  }
  if (view(&FilterCounts::existing_anti_affinity).AnyPositive(node_labels)) {
    return Status::Unschedulable({kReasonExisting});
  }
  return Status::Success();
}

Status InterPodAffinity::PreScore(CycleState& state, const PodInfo& pod, const Snapshot&,
                                  const std::vector<NodeInfoPtr>& nodes) const {
  if (nodes.empty()) return Status::Success();
  const PreFilterState* pre = state.Read<PreFilterState>(kPreFilterKey);
  std::shared_ptr<const PodAffinityTerms> terms =
      pre != nullptr ? pre->terms : ResolveNamespaces(pod.pod_affinity, *objects_);
  const bool preferred = terms != nullptr && (!terms->preferred_affinity.empty() ||
                                              !terms->preferred_anti_affinity.empty());
  // Without preferred terms of its own, only pods with terms can score the pod. Without a
  // PreFilter state (a caller that skipped it), the given nodes are all there is.
  const std::vector<NodeInfoPtr>& scan = pre == nullptr ? nodes
                                         : preferred    ? pre->all_nodes
                                                        : pre->nodes_with_affinity_pods;
  if (!preferred && scan.empty()) return Status::Skip();

  PreScoreState result;
  bool matched = false;
  const Labels& pod_labels = LabelsOf(pod);
  NamespaceLabels namespace_labels(*objects_, pod.namespace_name);
  for (const NodeInfoPtr& node : scan) {
    const Labels& node_labels = node->labels();
    if (node_labels.empty()) continue;
    // A term adds its weight to the node's pair when the pod on the other side matches it.
    auto add = [&](const AffinityTerm& term, int64_t weight) {
      if (result.scores.AddForNode(node_labels, term.topology_key, weight)) matched = true;
    };
    for (const auto& [key, placed] : node->pods()) {
      const PodAffinityTerms* existing = placed->pod_affinity.get();
      if (preferred) {
        // The incoming pod's terms: namespaceSelectors already resolved to names.
        for (const WeightedAffinityTerm& term : terms->preferred_affinity) {
          if (term.term.Matches(placed->namespace_name, placed->labels, NoLabels())) {
            add(term.term, term.weight);
          }
        }
        for (const WeightedAffinityTerm& term : terms->preferred_anti_affinity) {
          if (term.term.Matches(placed->namespace_name, placed->labels, NoLabels())) {
            add(term.term, -int64_t{term.weight});
          }
        }
      }
      if (existing == nullptr) continue;
      // The placed pod's terms, matched against the incoming pod (symmetry).
      for (const AffinityTerm& term : existing->required_affinity) {
        if (term.Matches(pod.namespace_name, pod_labels, namespace_labels.For(term))) {
          add(term, kHardPodAffinityWeight);
        }
      }
      for (const WeightedAffinityTerm& term : existing->preferred_affinity) {
        if (term.term.Matches(pod.namespace_name, pod_labels, namespace_labels.For(term.term))) {
          add(term.term, term.weight);
        }
      }
      for (const WeightedAffinityTerm& term : existing->preferred_anti_affinity) {
        if (term.term.Matches(pod.namespace_name, pod_labels, namespace_labels.For(term.term))) {
          add(term.term, -int64_t{term.weight});
        }
      }
    }
  }
  if (!matched) return Status::Skip();
  state.Write(kPreScoreKey, std::move(result));
  return Status::Success();
}

int64_t InterPodAffinity::Score(const CycleState& state, const PodInfo&,
                                const NodeInfo& node) const {
  const PreScoreState* pre = state.Read<PreScoreState>(kPreScoreKey);
  return pre == nullptr ? 0 : pre->scores.Sum(node.labels());
}

void InterPodAffinity::NormalizeScore(const CycleState& state, const PodInfo&,
                                      std::vector<int64_t>& scores) const {
  const PreScoreState* pre = state.Read<PreScoreState>(kPreScoreKey);
  if (pre == nullptr || pre->scores.empty() || scores.empty()) return;
  // Min-max to 0..kMaxNodeScore: scores may be negative (anti-affinity).
  auto [low, high] = std::minmax_element(scores.begin(), scores.end());
  const int64_t min = *low;
  const int64_t spread = *high - min;
  for (int64_t& score : scores) {
    score =
        spread > 0
            ? static_cast<int64_t>(static_cast<double>(kMaxNodeScore) *
                                   (static_cast<double>(score - min) / static_cast<double>(spread)))
            : 0;
  }
}

}  // namespace k1s::scheduler::plugins
