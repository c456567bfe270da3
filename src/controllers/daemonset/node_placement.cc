#include "controllers/daemonset/node_placement.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>

#include "controllers/history/object_fields.h"

namespace k1s::controllers::daemonset {
namespace {

using history::Member;
using history::NameOf;
using history::Path;
using history::StringOf;
using nlohmann::json;

constexpr std::string_view kObjectNameField = "metadata.name";

bool ContainsString(const json& values, const std::string& value) {
  if (!values.is_array()) return false;
  return std::any_of(values.begin(), values.end(),
                     [&](const json& v) { return v.is_string() && v.get<std::string>() == value; });
}

std::optional<int64_t> ParseInt(const std::string& text) {
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// One matchExpressions requirement against the node's labels (labels.Requirement.Matches, with
// the requirement invalid, hence unmatched, where upstream would fail to parse it).
bool MatchesLabelRequirement(const json& requirement, const json& labels) {
  std::string key = StringOf(Member(requirement, "key"));
  std::string op = StringOf(Member(requirement, "operator"));
  const json& values = Member(requirement, "values");
  size_t value_count = values.is_array() ? values.size() : 0;
  const json& label = Member(labels, key);
  bool has = label.is_string();
  std::string value = has ? label.get<std::string>() : "";
  if (op == "In") return value_count > 0 && has && ContainsString(values, value);
  if (op == "NotIn") return value_count > 0 && (!has || !ContainsString(values, value));
  if (op == "Exists") return value_count == 0 && has;
  if (op == "DoesNotExist") return value_count == 0 && !has;
  if (op == "Gt" || op == "Lt") {
    if (value_count != 1 || !has || !values[0].is_string()) return false;
    std::optional<int64_t> bound = ParseInt(values[0].get<std::string>());
    std::optional<int64_t> actual = ParseInt(value);
    if (!bound || !actual) return false;
    return op == "Gt" ? *actual > *bound : *actual < *bound;
  }
  return false;
}

// One matchFields requirement: only metadata.name with In/NotIn and exactly one value.
bool MatchesFieldRequirement(const json& requirement, const json& node) {
  if (StringOf(Member(requirement, "key")) != kObjectNameField) return false;
  const json& values = Member(requirement, "values");
  if (!values.is_array() || values.size() != 1 || !values[0].is_string()) return false;
  bool equal = values[0].get<std::string>() == NameOf(node);
  std::string op = StringOf(Member(requirement, "operator"));
  if (op == "In") return equal;
  if (op == "NotIn") return !equal;
  return false;
}

// A term matches when it has requirements and all of them match (an empty term selects nothing).
bool MatchesTerm(const json& term, const json& node) {
  const json& expressions = Member(term, "matchExpressions");
  const json& fields = Member(term, "matchFields");
  size_t count =
      (expressions.is_array() ? expressions.size() : 0) + (fields.is_array() ? fields.size() : 0);
  if (count == 0) return false;
  const json& labels = Path(node, {"metadata", "labels"});
  if (expressions.is_array()) {
    for (const json& requirement : expressions) {
      if (!MatchesLabelRequirement(requirement, labels)) return false;
    }
  }
  if (fields.is_array()) {
    for (const json& requirement : fields) {
      if (!MatchesFieldRequirement(requirement, node)) return false;
    }
  }
  return true;
}

// The key, operator, value and effect of a toleration with Go's zero values.
bool SameToleration(const json& a, const json& b) {
  for (std::string_view field : {"key", "operator", "value", "effect"}) {
    if (StringOf(Member(a, field)) != StringOf(Member(b, field))) return false;
  }
  return true;
}

void AddOrUpdateToleration(json& pod_spec, json toleration) {
  json& tolerations = pod_spec["tolerations"];
  if (!tolerations.is_array()) tolerations = json::array();
  bool replaced = false;
  for (json& existing : tolerations) {
    if (!SameToleration(existing, toleration)) continue;
    existing = toleration;
    replaced = true;
  }
  if (!replaced) tolerations.push_back(std::move(toleration));
}

}  // namespace

Placement NodeShouldRunDaemonPod(const json& node, const json& daemon_set) {
  json pod_spec = Path(daemon_set, {"spec", "template", "spec"});
  if (!pod_spec.is_object()) pod_spec = json::object();
  std::string template_node = StringOf(Member(pod_spec, "nodeName"));
  if (!template_node.empty() && template_node != NameOf(node)) return {};
  AddDaemonPodTolerations(pod_spec);
  if (!MatchesRequiredNodeAffinity(pod_spec, node)) return {};
  const json& taints = Path(node, {"spec", "taints"});
  const json& tolerations = Member(pod_spec, "tolerations");
  if (HasUntoleratedTaint(taints, tolerations, {"NoSchedule", "NoExecute"})) {
    // A pod already there may stay unless a NoExecute taint would evict it.
    return {false, !HasUntoleratedTaint(taints, tolerations, {"NoExecute"})};
  }
  return {true, true};
}

void AddDaemonPodTolerations(json& pod_spec) {
  if (!pod_spec.is_object()) pod_spec = json::object();
  auto add = [&](std::string_view key, std::string_view effect) {
    AddOrUpdateToleration(pod_spec, {{"key", key}, {"operator", "Exists"}, {"effect", effect}});
  };
  add("node.kubernetes.io/not-ready", "NoExecute");
  add("node.kubernetes.io/unreachable", "NoExecute");
  add("node.kubernetes.io/disk-pressure", "NoSchedule");
  add("node.kubernetes.io/memory-pressure", "NoSchedule");
  add("node.kubernetes.io/pid-pressure", "NoSchedule");
  add("node.kubernetes.io/unschedulable", "NoSchedule");
  const json& host_network = Member(pod_spec, "hostNetwork");
  if (host_network.is_boolean() && host_network.get<bool>()) {
    add("node.kubernetes.io/network-unavailable", "NoSchedule");
  }
}

bool ToleratesTaint(const json& toleration, const json& taint) {
  std::string effect = StringOf(Member(toleration, "effect"));
  if (!effect.empty() && effect != StringOf(Member(taint, "effect"))) return false;
  std::string key = StringOf(Member(toleration, "key"));
  if (!key.empty() && key != StringOf(Member(taint, "key"))) return false;
  std::string op = StringOf(Member(toleration, "operator"));
  if (op.empty() || op == "Equal") {
    return StringOf(Member(toleration, "value")) == StringOf(Member(taint, "value"));
  }
  return op == "Exists";
}

bool HasUntoleratedTaint(const json& taints, const json& tolerations,
                         std::initializer_list<std::string_view> effects) {
  if (!taints.is_array()) return false;
  for (const json& taint : taints) {
    std::string effect = StringOf(Member(taint, "effect"));
    if (std::find(effects.begin(), effects.end(), effect) == effects.end()) continue;
    bool tolerated = tolerations.is_array() &&
                     std::any_of(tolerations.begin(), tolerations.end(),
                                 [&](const json& t) { return ToleratesTaint(t, taint); });
    if (!tolerated) return true;
  }
  return false;
}

bool MatchesRequiredNodeAffinity(const json& pod_spec, const json& node) {
  const json& node_selector = Member(pod_spec, "nodeSelector");
  if (node_selector.is_object()) {
    const json& labels = Path(node, {"metadata", "labels"});
    for (auto it = node_selector.begin(); it != node_selector.end(); ++it) {
      const json& label = Member(labels, it.key());
      if (!label.is_string() || label != it.value()) return false;
    }
  }
  const json& required = Path(
      pod_spec, {"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
  if (!required.is_object()) return true;
  const json& terms = Member(required, "nodeSelectorTerms");
  if (!terms.is_array()) return false;
  return std::any_of(terms.begin(), terms.end(),
                     [&](const json& term) { return MatchesTerm(term, node); });
}

void SetNodeNameAffinity(json& pod_spec, std::string_view node_name) {
  json term = {{"matchFields", json::array({{{"key", kObjectNameField},
                                             {"operator", "In"},
                                             {"values", json::array({node_name})}}})}};
  if (!pod_spec.is_object()) pod_spec = json::object();
  json& affinity = pod_spec["affinity"];
  if (!affinity.is_object()) affinity = json::object();
  json& node_affinity = affinity["nodeAffinity"];
  if (!node_affinity.is_object()) node_affinity = json::object();
  json& required = node_affinity["requiredDuringSchedulingIgnoredDuringExecution"];
  if (!required.is_object()) required = json::object();
  required["nodeSelectorTerms"] = json::array({std::move(term)});
}

std::optional<std::string> TargetNodeName(const json& pod) {
  std::string node_name = StringOf(Path(pod, {"spec", "nodeName"}));
  if (!node_name.empty()) return node_name;
  const json& terms =
      Path(pod, {"spec", "affinity", "nodeAffinity",
                 "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"});
  if (!terms.is_array()) return std::nullopt;
  for (const json& term : terms) {
    const json& fields = Member(term, "matchFields");
    if (!fields.is_array()) continue;
    for (const json& requirement : fields) {
      if (StringOf(Member(requirement, "key")) != kObjectNameField ||
          StringOf(Member(requirement, "operator")) != "In") {
        continue;
      }
      const json& values = Member(requirement, "values");
      if (!values.is_array() || values.size() != 1 || !values[0].is_string()) {
        return std::nullopt;
      }
      return values[0].get<std::string>();
    }
  }
  return std::nullopt;
}

}  // namespace k1s::controllers::daemonset
