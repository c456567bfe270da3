#pragma once
// Taints, tolerations and node selectors parsed once from JSON and matched cheaply, with
// upstream's semantics (corev1 Toleration.ToleratesTaint and
// component-helpers/scheduling/corev1/nodeaffinity): terms are ORed, a term's requirements are
// ANDed, a term with no requirements matches nothing, and a requirement that does not parse
// makes its term match nothing.
//
// Value types; thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace k1s::scheduler {

using Labels = std::map<std::string, std::string>;

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

struct Toleration {
  std::string key;  // "" with Exists tolerates every key
  std::string op;   // "Equal" (or "") or "Exists"
  std::string value;
  std::string effect;  // "" tolerates every effect

  bool Tolerates(const Taint& taint) const;
};

// spec.taints of a node; entries without a key or effect are skipped.
std::vector<Taint> ParseTaints(const nlohmann::json& node);
// spec.tolerations of a pod.
std::vector<Toleration> ParseTolerations(const nlohmann::json& pod);
bool ToleratesTaint(const std::vector<Toleration>& tolerations, const Taint& taint);

// One matchExpressions/matchFields entry.
struct SelectorRequirement {
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist, kGt, kLt };
  std::string key;
  Op op = Op::kIn;
  std::set<std::string> values;
  int64_t number = 0;  // Gt/Lt
};

struct NodeSelectorTerm {
  std::vector<SelectorRequirement> expressions;  // on labels
  std::vector<SelectorRequirement> fields;       // on metadata.name
  bool valid = true;  // false when a requirement did not parse: matches nothing
  bool Empty() const { return expressions.empty() && fields.empty(); }
  bool Matches(const Labels& labels, const std::string& node_name) const;
};

NodeSelectorTerm ParseNodeSelectorTerm(const nlohmann::json& term);

// A required selector (nodeSelectorTerms ORed).
struct NodeSelector {
  std::vector<NodeSelectorTerm> terms;
  bool Matches(const Labels& labels, const std::string& node_name) const;
};

struct PreferredTerm {
  int32_t weight = 0;
  NodeSelectorTerm term;
};

// spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, if set.
std::optional<NodeSelector> ParseRequiredNodeAffinity(const nlohmann::json& pod);
// ...preferredDuringSchedulingIgnoredDuringExecution, skipping weight 0 and empty terms.
std::vector<PreferredTerm> ParsePreferredNodeAffinity(const nlohmann::json& pod);
// metadata.labels (strings only).
Labels ParseLabels(const nlohmann::json& object);

}  // namespace k1s::scheduler
