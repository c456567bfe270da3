#include "scheduler/selectors.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "api/json_fields.h"

namespace k1s::scheduler {
namespace {

using api::ArrayOrEmpty;
using api::Member;

using nlohmann::json;

std::string StringOf(const json& value) {
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::optional<int64_t> ParseInt(const std::string& text) {
  int64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;  // strconv.ParseInt accepts a leading sign
  auto [ptr, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || ptr != end || begin == end) return std::nullopt;
  return value;
}

// Parses one requirement; false when it is malformed (unknown operator, wrong value count).
bool ParseRequirement(const json& entry, bool is_field, SelectorRequirement* out) {
  out->key = StringOf(Member(entry, "key"));
  std::string op = StringOf(Member(entry, "operator"));
  for (const json& value : ArrayOrEmpty(Member(entry, "values"))) {
    if (value.is_string()) out->values.insert(value.get<std::string>());
  }
  using Op = SelectorRequirement::Op;
  if (op == "In") {
    out->op = Op::kIn;
  } else if (op == "NotIn") {
    out->op = Op::kNotIn;
  } else if (op == "Exists" && !is_field) {
    out->op = Op::kExists;
  } else if (op == "DoesNotExist" && !is_field) {
    out->op = Op::kDoesNotExist;
  } else if ((op == "Gt" || op == "Lt") && !is_field) {
    out->op = op == "Gt" ? Op::kGt : Op::kLt;
    if (out->values.size() != 1) return false;
    std::optional<int64_t> number = ParseInt(*out->values.begin());
    if (!number) return false;
    out->number = *number;
  } else {
    return false;
  }
  if ((out->op == Op::kIn || out->op == Op::kNotIn) && out->values.empty()) return false;
  if (is_field && out->key != "metadata.name") return false;
  return !out->key.empty();
}

bool RequirementMatches(const SelectorRequirement& requirement, const std::string* value) {
  using Op = SelectorRequirement::Op;
  switch (requirement.op) {
    case Op::kIn:
      return value != nullptr && requirement.values.count(*value) > 0;
    case Op::kNotIn:
      return value == nullptr || requirement.values.count(*value) == 0;
    case Op::kExists:
      return value != nullptr;
    case Op::kDoesNotExist:
      return value == nullptr;
    case Op::kGt:
    case Op::kLt: {
      if (value == nullptr) return false;
      std::optional<int64_t> number = ParseInt(*value);
      if (!number) return false;
      return requirement.op == Op::kGt ? *number > requirement.number
                                       : *number < requirement.number;
    }
  }
  return false;
}

}  // namespace

bool Toleration::Tolerates(const Taint& taint) const {
  if (!effect.empty() && effect != taint.effect) return false;
  if (!key.empty() && key != taint.key) return false;
  if (op.empty() || op == "Equal") return value == taint.value;
  return op == "Exists";
}

std::vector<Taint> ParseTaints(const json& node) {
  std::vector<Taint> taints;
  for (const json& entry : ArrayOrEmpty(Member(Member(node, "spec"), "taints"))) {
    Taint taint{StringOf(Member(entry, "key")), StringOf(Member(entry, "value")),
                StringOf(Member(entry, "effect"))};
    if (!taint.key.empty() && !taint.effect.empty()) taints.push_back(std::move(taint));
  }
  return taints;
}

std::vector<Toleration> ParseTolerations(const json& pod) {
  std::vector<Toleration> tolerations;
  for (const json& entry : ArrayOrEmpty(Member(Member(pod, "spec"), "tolerations"))) {
    tolerations.push_back({StringOf(Member(entry, "key")), StringOf(Member(entry, "operator")),
                           StringOf(Member(entry, "value")), StringOf(Member(entry, "effect"))});
  }
  return tolerations;
}

bool ToleratesTaint(const std::vector<Toleration>& tolerations, const Taint& taint) {
  for (const Toleration& toleration : tolerations) {
    if (toleration.Tolerates(taint)) return true;
  }
  return false;
}

bool NodeSelectorTerm::Matches(const Labels& labels, const std::string& node_name) const {
  if (!valid || Empty()) return false;
  for (const SelectorRequirement& requirement : expressions) {
    auto it = labels.find(requirement.key);
    if (!RequirementMatches(requirement, it == labels.end() ? nullptr : &it->second)) return false;
  }
  for (const SelectorRequirement& requirement : fields) {
    if (!RequirementMatches(requirement, &node_name)) return false;
  }
  return true;
}

NodeSelectorTerm ParseNodeSelectorTerm(const json& term) {
  NodeSelectorTerm result;
  for (const char* field : {"matchExpressions", "matchFields"}) {
    bool is_field = std::string_view(field) == "matchFields";
    for (const json& entry : ArrayOrEmpty(Member(term, field))) {
      SelectorRequirement requirement;
      if (!ParseRequirement(entry, is_field, &requirement)) result.valid = false;
      (is_field ? result.fields : result.expressions).push_back(std::move(requirement));
    }
  }
  return result;
}

bool NodeSelector::Matches(const Labels& labels, const std::string& node_name) const {
  for (const NodeSelectorTerm& term : terms) {
    if (term.Matches(labels, node_name)) return true;
  }
  return false;
}

std::optional<NodeSelector> ParseRequiredNodeAffinity(const json& pod) {
  const json& required = Member(Member(Member(Member(pod, "spec"), "affinity"), "nodeAffinity"),
                                "requiredDuringSchedulingIgnoredDuringExecution");
  if (!required.is_object()) return std::nullopt;
  NodeSelector selector;
  for (const json& term : ArrayOrEmpty(Member(required, "nodeSelectorTerms"))) {
    selector.terms.push_back(ParseNodeSelectorTerm(term));
  }
  return selector;
}

std::vector<PreferredTerm> ParsePreferredNodeAffinity(const json& pod) {
  std::vector<PreferredTerm> result;
  const json& preferred = Member(Member(Member(Member(pod, "spec"), "affinity"), "nodeAffinity"),
                                 "preferredDuringSchedulingIgnoredDuringExecution");
  for (const json& entry : ArrayOrEmpty(preferred)) {
    const json& weight = Member(entry, "weight");
    if (!weight.is_number_integer() || weight.get<int64_t>() == 0) continue;
    NodeSelectorTerm term = ParseNodeSelectorTerm(Member(entry, "preference"));
    if (term.Empty()) continue;
    result.push_back({static_cast<int32_t>(weight.get<int64_t>()), std::move(term)});
  }
  return result;
}

Labels ParseLabels(const json& object) {
  Labels labels;
  const json& values = Member(Member(object, "metadata"), "labels");
  if (!values.is_object()) return labels;
  for (const auto& [key, value] : values.items()) {
    if (value.is_string()) labels.emplace(key, value.get<std::string>());
  }
  return labels;
}

}  // namespace k1s::scheduler
