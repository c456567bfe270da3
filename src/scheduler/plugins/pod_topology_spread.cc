// PodTopologySpread (upstream plugins/podtopologyspread): topology spread constraints.
#include "scheduler/plugins/pod_topology_spread.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/strings.h"
#include "client/resource.h"

namespace k1s::scheduler::plugins {
namespace {

using nlohmann::json;

constexpr char kReasonConstraintsNotMatch[] =
    "node(s) didn't match pod topology spread constraints";
constexpr char kReasonNodeLabelNotMatch[] =
    "node(s) didn't match pod topology spread constraints (missing required label)";
constexpr char kPreFilterStateKey[] = "PreFilterPodTopologySpread";
constexpr char kPreScoreStateKey[] = "PreScorePodTopologySpread";
constexpr char kDoNotSchedule[] = "DoNotSchedule";
constexpr char kScheduleAnyway[] = "ScheduleAnyway";
constexpr char kHostnameKey[] = "kubernetes.io/hostname";
constexpr char kZoneKey[] = "topology.kubernetes.io/zone";
// upstream invalidScore: marks nodes missing a topology key between Score and NormalizeScore.
constexpr int64_t kInvalidScore = -1;

// Matching pods per topology value, one map per constraint.
using DomainCounts = std::vector<std::unordered_map<std::string, int64_t>>;

// What PreFilter learnt about the pod, kept for Filter and PreScore.
struct PreFilterState {
  bool has_spec_constraints{false};
  std::vector<SpreadConstraint> hard;
  DomainCounts hard_counts;
  std::vector<int64_t> hard_min;  // global minimum per hard constraint, minDomains applied
  std::vector<SpreadConstraint> soft;
  std::string soft_error;  // a soft constraint's selector did not parse
};

struct PreScoreState {
  std::vector<SpreadConstraint> constraints;
  bool require_all_topologies{false};  // the pod's own constraints (not the system defaults)
  DomainCounts counts;                 // hostname constraints count in Score instead
  std::vector<double> weights;         // topology normalizing weight per constraint
};

// spec.selector of a Service or ReplicationController: a plain label map.
Labels LabelMap(const json& map) {
  Labels out;
  if (!map.is_object()) return out;
  for (const auto& [key, value] : map.items()) {
    if (value.is_string()) out[key] = value.get<std::string>();
  }
  return out;
}

// upstream metav1.GetControllerOf: the first ownerReference with controller: true.
const json* ControllerRef(const json& object) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return nullptr;
  auto refs = metadata->find("ownerReferences");
  if (refs == metadata->end() || !refs->is_array()) return nullptr;
  for (const json& ref : *refs) {
    if (ref.is_object() && ref.value("controller", false)) return &ref;
  }
  return nullptr;
}

// spec.selector of an object, or null when it has none.
const json* SpecSelector(const client::ObjectPtr& object) {
  if (object == nullptr) return nullptr;
  auto spec = object->find("spec");
  if (spec == object->end() || !spec->is_object()) return nullptr;
  auto selector = spec->find("selector");
  return selector == spec->end() || selector->is_null() ? nullptr : &*selector;
}

bool ContainsAll(const Labels& labels, const Labels& required) {
  for (const auto& [key, value] : required) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

const json* SpecField(const PodInfo& pod, const char* field) {
  if (pod.pod == nullptr) return nullptr;
  auto spec = pod.pod->find("spec");
  if (spec == pod.pod->end() || !spec->is_object()) return nullptr;
  auto it = spec->find(field);
  return it == spec->end() ? nullptr : &*it;
}

bool HasSpecConstraints(const PodInfo& pod) {
  const json* constraints = SpecField(pod, "topologySpreadConstraints");
  return constraints != nullptr && constraints->is_array() && !constraints->empty();
}

const Labels& PodLabels(const PodInfo& pod) {
  static const Labels kNone;
  return pod.placed != nullptr ? pod.placed->labels : kNone;
}

// upstream nodeLabelsMatchSpreadConstraints.
bool HasAllKeys(const Labels& labels, const std::vector<SpreadConstraint>& constraints) {
  for (const SpreadConstraint& constraint : constraints) {
    if (labels.count(constraint.topology_key) == 0) return false;
  }
  return true;
}

// upstream matchNodeInclusionPolicies: whether `node` counts as a domain member for `c`.
bool IncludesNode(const SpreadConstraint& c, const PodInfo& pod, const NodeInfo& node) {
  if (c.honor_node_affinity) {
    if (!ContainsAll(node.labels(), pod.node_selector)) return false;
    if (pod.required_affinity && !pod.required_affinity->Matches(node.labels(), node.name())) {
      return false;
    }
  }
  if (c.honor_node_taints) {
    for (const Taint& taint : node.taints()) {
      if (taint.effect != "NoSchedule" && taint.effect != "NoExecute") continue;
      if (!ToleratesTaint(pod.tolerations, taint)) return false;
    }
  }
  return true;
}

// upstream countPodsMatchSelector: same namespace, not terminating, selected.
int64_t CountMatching(const NodeInfo& node, const SpreadSelector& selector,
                      const std::string& namespace_name) {
  int64_t count = 0;
  for (const auto& [group, pods] : node.pod_groups()) {
    if (group.terminating || group.namespace_name != namespace_name) continue;
    if (selector.Matches(group.labels)) count += pods;
  }
  return count;
}

// Parses the pod's own constraints (both kinds) into `state`; an error for a hard one.
Status ParsePodConstraints(const PodInfo& pod, PreFilterState& state) {
  state.has_spec_constraints = HasSpecConstraints(pod);
  if (!state.has_spec_constraints) return Status::Success();
  auto hard = ParseSpreadConstraints(*pod.pod, PodLabels(pod), kDoNotSchedule);
  if (!hard.ok()) {
    return {
        Code::kError, {base::StrCat("get constraints from pod: ", hard.status().message())}, {}};
  }
  state.hard = std::move(*hard);
  auto soft = ParseSpreadConstraints(*pod.pod, PodLabels(pod), kScheduleAnyway);
  if (soft.ok()) {
    state.soft = std::move(*soft);
  } else {
    state.soft_error = std::string(soft.status().message());
  }
  return Status::Success();
}

}  // namespace

bool SpreadSelector::Matches(const Labels& labels) const {
  if (nothing) return false;
  if (!ContainsAll(labels, match_labels)) return false;
  for (const api::LabelSelector& part : parts) {
    if (!part.Matches(labels)) return false;
  }
  return true;
}

bool SpreadSelector::Empty() const {
  if (nothing || !match_labels.empty()) return false;
  for (const api::LabelSelector& part : parts) {
    if (!part.Empty()) return false;
  }
  return true;
}

absl::StatusOr<std::vector<SpreadConstraint>> ParseSpreadConstraints(const json& pod,
                                                                     const Labels& pod_labels,
                                                                     std::string_view action) {
  std::vector<SpreadConstraint> out;
  auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->is_object()) return out;
  auto list = spec->find("topologySpreadConstraints");
  if (list == spec->end() || !list->is_array()) return out;
  for (const json& item : *list) {
    if (!item.is_object()) continue;
    if (item.value("whenUnsatisfiable", std::string()) != action) continue;
    SpreadConstraint c;
    if (auto skew = item.find("maxSkew"); skew != item.end() && skew->is_number_integer()) {
      c.max_skew = skew->get<int32_t>();
    }
    c.topology_key = item.value("topologyKey", std::string());
    // An unset labelSelector selects nothing (metav1.LabelSelectorAsSelector(nil)).
    auto selector = item.find("labelSelector");
    if (selector == item.end() || selector->is_null()) {
      c.selector.nothing = true;
    } else {
      auto parsed = api::LabelSelector::FromJson(*selector);
      if (!parsed.ok()) return parsed.status();
      c.selector.parts.push_back(std::move(*parsed));
    }
    if (auto keys = item.find("matchLabelKeys"); keys != item.end() && keys->is_array()) {
      for (const json& key : *keys) {
        if (!key.is_string()) continue;
        auto it = pod_labels.find(key.get<std::string>());
        if (it != pod_labels.end()) c.selector.match_labels[it->first] = it->second;
      }
      // The pod's values join the selector; they alone select when labelSelector is unset.
      if (!c.selector.match_labels.empty()) c.selector.nothing = false;
    }
    if (auto domains = item.find("minDomains");
        domains != item.end() && domains->is_number_integer()) {
      c.min_domains = domains->get<int32_t>();
    }
    c.honor_node_affinity = item.value("nodeAffinityPolicy", std::string("Honor")) != "Ignore";
    c.honor_node_taints = item.value("nodeTaintsPolicy", std::string("Ignore")) == "Honor";
    out.push_back(std::move(c));
  }
  return out;
}

SpreadSelector DefaultSpreadSelector(const PodInfo& pod, const ClusterObjects& objects) {
  namespace r = client::resources;
  SpreadSelector selector;
  const Labels& labels = PodLabels(pod);
  for (const client::ObjectPtr& service : objects.List(r::Services(), pod.namespace_name)) {
    // A Service without a selector selects nothing (not everything).
    const json* service_selector = SpecSelector(service);
    if (service_selector == nullptr) continue;
    Labels wanted = LabelMap(*service_selector);
    if (!ContainsAll(labels, wanted)) continue;
    for (auto& [key, value] : wanted) selector.match_labels[key] = std::move(value);
  }
  const json* owner = pod.pod != nullptr ? ControllerRef(*pod.pod) : nullptr;
  if (owner == nullptr) return selector;
  const std::string api_version = owner->value("apiVersion", std::string());
  const std::string kind = owner->value("kind", std::string());
  const std::string name = owner->value("name", std::string());
  if (api_version == "v1" && kind == "ReplicationController") {
    const json* rc_selector =
        SpecSelector(objects.Get(r::ReplicationControllers(), pod.namespace_name, name));
    if (rc_selector != nullptr) {
      for (auto& [key, value] : LabelMap(*rc_selector)) {
        selector.match_labels[key] = std::move(value);
      }
    }
  } else if (api_version == "apps/v1" && (kind == "ReplicaSet" || kind == "StatefulSet")) {
    client::ObjectPtr set = objects.Get(kind == "ReplicaSet" ? r::ReplicaSets() : r::StatefulSets(),
                                        pod.namespace_name, name);
    // An unset selector adds nothing (upstream: Nothing() has no requirements to add).
    if (const json* set_selector = SpecSelector(set); set_selector != nullptr) {
      auto parsed = api::LabelSelector::FromJson(*set_selector);
      if (parsed.ok() && !parsed->Empty()) selector.parts.push_back(std::move(*parsed));
    }
  }
  return selector;
}

Status PodTopologySpread::PreFilter(CycleState& state, const PodInfo& pod, const Snapshot& snapshot,
                                    std::optional<std::set<std::string>>*) const {
  PreFilterState s;
  if (Status status = ParsePodConstraints(pod, s); !status.ok()) return status;
  // System default constraints are all ScheduleAnyway: without DoNotSchedule constraints of
  // its own the pod has nothing to filter.
  if (s.hard.empty()) {
    state.Write(kPreFilterStateKey, std::move(s));
    return Status::Skip();
  }
  s.hard_counts.resize(s.hard.size());
  for (size_t i = 0; i < s.hard.size(); ++i) {
    if (s.hard[i].topology_key == kHostnameKey) s.hard_counts[i].reserve(snapshot.nodes.size());
  }
  // One pass over the nodes carrying every topology key, counting each one's matching pods.
  for (const NodeInfoPtr& node : snapshot.nodes) {
    if (!HasAllKeys(node->labels(), s.hard)) continue;
    for (size_t i = 0; i < s.hard.size(); ++i) {
      const SpreadConstraint& c = s.hard[i];
      if (!IncludesNode(c, pod, *node)) continue;
      const std::string& value = node->labels().at(c.topology_key);
      s.hard_counts[i][value] += CountMatching(*node, c.selector, pod.namespace_name);
    }
  }
  s.hard_min.resize(s.hard.size());
  for (size_t i = 0; i < s.hard.size(); ++i) {
    int64_t min = std::numeric_limits<int32_t>::max();
    for (const auto& [value, count] : s.hard_counts[i]) min = std::min(min, count);
    // Fewer eligible domains than minDomains: the global minimum counts as 0.
    if (static_cast<int64_t>(s.hard_counts[i].size()) < s.hard[i].min_domains) min = 0;
    s.hard_min[i] = min;
  }
  state.Write(kPreFilterStateKey, std::move(s));
  return Status::Success();
}

Status PodTopologySpread::Filter(const CycleState& state, const PodInfo& pod,
                                 const NodeInfo& node) const {
  const auto* s = state.Read<PreFilterState>(kPreFilterStateKey);
  if (s == nullptr || s->hard.empty()) return Status::Success();
  for (size_t i = 0; i < s->hard.size(); ++i) {
    const SpreadConstraint& c = s->hard[i];
    auto label = node.labels().find(c.topology_key);
    if (label == node.labels().end()) return Status::Unresolvable({kReasonNodeLabelNotMatch});
    const int64_t self = c.selector.Matches(PodLabels(pod)) ? 1 : 0;
    auto count = s->hard_counts[i].find(label->second);
    const int64_t matching = count == s->hard_counts[i].end() ? 0 : count->second;
    if (matching + self - s->hard_min[i] > c.max_skew) {
      return Status::Unschedulable({kReasonConstraintsNotMatch});
    }
  }
  return Status::Success();
}

Status PodTopologySpread::PreScore(CycleState& state, const PodInfo& pod,
                                   const Snapshot& snapshot,
                                   const std::vector<NodeInfoPtr>& feasible) const {
  const auto* filtered = state.Read<PreFilterState>(kPreFilterStateKey);
  PreFilterState parsed;
  if (filtered == nullptr) {
    if (Status status = ParsePodConstraints(pod, parsed); !status.ok()) return status;
    filtered = &parsed;
  }
  const std::vector<NodeInfoPtr>& all_nodes = snapshot.nodes.empty() ? feasible : snapshot.nodes;
  if (all_nodes.empty()) return Status::Skip();
  PreScoreState s;
  if (filtered->has_spec_constraints) {
    if (!filtered->soft_error.empty()) {
      return {Code::kError,
              {base::StrCat("obtaining pod's soft topology spread constraints: ",
                            filtered->soft_error)},
              {}};
    }
    s.constraints = filtered->soft;
    s.require_all_topologies = true;
  } else {
    if (objects_ == nullptr) return Status::Skip();
    SpreadSelector selector = DefaultSpreadSelector(pod, *objects_);
    if (selector.Empty()) return Status::Skip();
    s.constraints.resize(2);
    s.constraints[0].topology_key = kHostnameKey;
    s.constraints[0].max_skew = 3;
    s.constraints[0].selector = selector;
    s.constraints[1].topology_key = kZoneKey;
    s.constraints[1].max_skew = 5;
    s.constraints[1].selector = std::move(selector);
  }
  if (s.constraints.empty()) return Status::Skip();

  // Domains of the feasible nodes. Hostname constraints are counted per node in Score. A node
  // lacking a key (allowed for system defaults) sits in the "" domain for the weight, but
  // Score never reads that domain for it, so only nodes carrying the key get a counter.
  const size_t n = s.constraints.size();
  s.counts.resize(n);
  std::vector<std::unordered_set<std::string>> domains(n);
  int64_t ignored = 0;
  for (const NodeInfoPtr& node : feasible) {
    if (s.require_all_topologies && !HasAllKeys(node->labels(), s.constraints)) {
      ++ignored;
      continue;
    }
    for (size_t i = 0; i < n; ++i) {
      if (s.constraints[i].topology_key == kHostnameKey) continue;
      auto label = node->labels().find(s.constraints[i].topology_key);
      if (label == node->labels().end()) {
        domains[i].insert("");
        continue;
      }
      domains[i].insert(label->second);
      s.counts[i].emplace(label->second, 0);
    }
  }
  s.weights.resize(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t size = s.constraints[i].topology_key == kHostnameKey
                       ? static_cast<int64_t>(feasible.size()) - ignored
                       : static_cast<int64_t>(domains[i].size());
    s.weights[i] = std::log(static_cast<double>(size + 2));
  }

  bool any_domain = false;
  for (const auto& counts : s.counts) any_domain = any_domain || !counts.empty();
  if (any_domain) {
    for (const NodeInfoPtr& node : all_nodes) {
      if (s.require_all_topologies && !HasAllKeys(node->labels(), s.constraints)) continue;
      for (size_t i = 0; i < n; ++i) {
        if (s.counts[i].empty()) continue;
        const SpreadConstraint& c = s.constraints[i];
        auto label = node->labels().find(c.topology_key);
        auto domain = s.counts[i].find(label == node->labels().end() ? "" : label->second);
        if (domain == s.counts[i].end() || !IncludesNode(c, pod, *node)) continue;
        domain->second += CountMatching(*node, c.selector, pod.namespace_name);
      }
    }
  }
  state.Write(kPreScoreStateKey, std::move(s));
  return Status::Success();
}

int64_t PodTopologySpread::Score(const CycleState& state, const PodInfo& pod,
                                 const NodeInfo& node) const {
  const auto* s = state.Read<PreScoreState>(kPreScoreStateKey);
  if (s == nullptr) return 0;
  if (s->require_all_topologies && !HasAllKeys(node.labels(), s->constraints)) {
    return kInvalidScore;
  }
  double score = 0;
  for (size_t i = 0; i < s->constraints.size(); ++i) {
    const SpreadConstraint& c = s->constraints[i];
    auto label = node.labels().find(c.topology_key);
    if (label == node.labels().end()) continue;
    int64_t count = 0;
    if (c.topology_key == kHostnameKey) {
      count = CountMatching(node, c.selector, pod.namespace_name);
    } else if (auto it = s->counts[i].find(label->second); it != s->counts[i].end()) {
      count = it->second;
    }
    // maxSkew-1 waters down small differences between domains.
    score += static_cast<double>(count) * s->weights[i] + static_cast<double>(c.max_skew - 1);
  }
  return static_cast<int64_t>(std::round(score));
}

void PodTopologySpread::NormalizeScore(const CycleState& state, const PodInfo&,
                                       std::vector<int64_t>& scores) const {
  if (state.Read<PreScoreState>(kPreScoreStateKey) == nullptr) return;
  int64_t min_score = std::numeric_limits<int64_t>::max();
  int64_t max_score = 0;
  for (int64_t score : scores) {
    if (score == kInvalidScore) continue;
    min_score = std::min(min_score, score);
    max_score = std::max(max_score, score);
  }
  // Fewer matching pods is better: reversed against the range of valid scores.
  for (int64_t& score : scores) {
    if (score == kInvalidScore) {
      score = 0;
    } else if (max_score == 0) {
      score = kMaxNodeScore;
    } else {
      score = kMaxNodeScore * (max_score + min_score - score) / max_score;
    }
  }
}

}  // namespace k1s::scheduler::plugins
