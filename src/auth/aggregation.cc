#include "auth/aggregation.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "absl/status/status.h"
#include "auth/json_fields.h"
#include "auth/policy_rule.h"
#include "base/strings.h"

namespace k1s::auth {
namespace {

using nlohmann::json;

// The label value, or nullopt when the label is absent.
std::optional<std::string_view> Label(const json& labels, const std::string& key) {
  const json& value = Field(labels, key.c_str());
  if (!value.is_string()) return std::nullopt;
  return value.get_ref<const std::string&>();
}

absl::StatusOr<std::vector<std::string>> Values(const json& expression) {
  std::vector<std::string> values;
  const json& list = Field(expression, "values");
  if (list.is_null()) return values;
  if (!list.is_array()) return absl::InvalidArgumentError("matchExpressions values must be a list");
  for (const json& value : list) {
    if (!value.is_string()) {
      return absl::InvalidArgumentError("matchExpressions values must be strings");
    }
    values.push_back(value.get<std::string>());
  }
  return values;
}

absl::StatusOr<bool> ExpressionMatches(const json& expression, const json& labels) {
  std::string key(StringField(expression, "key"));
  std::string_view op = StringField(expression, "operator");
  if (key.empty()) return absl::InvalidArgumentError("matchExpressions key must be non-empty");
  absl::StatusOr<std::vector<std::string>> values = Values(expression);
  if (!values.ok()) return values.status();
  std::optional<std::string_view> label = Label(labels, key);
  if (op == "In" || op == "NotIn") {
    if (values->empty()) {
      return absl::InvalidArgumentError(base::StrCat(
          "values: Invalid value: for 'in', 'notin' operators, values set can't be empty (key ",
          key, ")"));
    }
    bool listed = label && std::find(values->begin(), values->end(), *label) != values->end();
    return op == "In" ? listed : !listed;
  }
  if (op == "Exists" || op == "DoesNotExist") {
    if (!values->empty()) {
      return absl::InvalidArgumentError(base::StrCat(
          "values: Invalid value: values set must be empty for exists and does not exist (key ",
          key, ")"));
    }
    return op == "Exists" ? label.has_value() : !label.has_value();
  }
  return absl::InvalidArgumentError(
      base::StrCat("\"", op, "\" is not a valid label selector operator"));
}

std::string_view NameOf(const json& role) { return StringField(Field(role, "metadata"), "name"); }

const json& Selectors(const json& role) {
  return Field(Field(role, "aggregationRule"), "clusterRoleSelectors");
}

bool SameRules(const json& a, const json& b) {
  return PolicyRulesFromJson(a) == PolicyRulesFromJson(b);
}

}  // namespace

absl::StatusOr<bool> LabelSelectorMatches(const json& selector, const json& labels) {
  if (!selector.is_object() && !selector.is_null()) {
    return absl::InvalidArgumentError("a label selector must be an object");
  }
  const json& match_labels = Field(selector, "matchLabels");
  if (!match_labels.is_null() && !match_labels.is_object()) {
    return absl::InvalidArgumentError("matchLabels must be an object");
  }
  bool matches = true;
  if (match_labels.is_object()) {
    for (const auto& [key, value] : match_labels.items()) {
      if (!value.is_string())
        return absl::InvalidArgumentError("matchLabels values must be strings");
      std::optional<std::string_view> label = Label(labels, key);
      if (!label || *label != value.get_ref<const std::string&>()) matches = false;
    }
  }
  const json& expressions = Field(selector, "matchExpressions");
  if (expressions.is_null()) return matches;
  if (!expressions.is_array()) return absl::InvalidArgumentError("matchExpressions must be a list");
  // Every term is checked, even after a mismatch, so a malformed selector is always an error.
  for (const json& expression : expressions) {
    absl::StatusOr<bool> term = ExpressionMatches(expression, labels);
    if (!term.ok()) return term.status();
    matches = matches && *term;
  }
  return matches;
}

absl::StatusOr<json> AggregatedRules(const json& aggregating_role,
                                     const std::vector<json>& all_cluster_roles) {
  json rules = json::array();
  std::vector<PolicyRule> seen;
  const json& selectors = Selectors(aggregating_role);
  if (!selectors.is_array()) return rules;
  std::string_view self = NameOf(aggregating_role);
  for (const json& selector : selectors) {
    std::vector<const json*> matching;
    for (const json& role : all_cluster_roles) {
      absl::StatusOr<bool> match =
          LabelSelectorMatches(selector, Field(Field(role, "metadata"), "labels"));
      if (!match.ok()) return match.status();
      if (*match && NameOf(role) != self) matching.push_back(&role);
    }
    std::stable_sort(matching.begin(), matching.end(),
                     [](const json* a, const json* b) { return NameOf(*a) < NameOf(*b); });
    for (const json* role : matching) {
      const json& role_rules = Field(*role, "rules");
      if (!role_rules.is_array()) continue;
      for (const json& rule : role_rules) {
        PolicyRule parsed = PolicyRule::FromJson(rule);
        if (std::find(seen.begin(), seen.end(), parsed) != seen.end()) continue;
        seen.push_back(std::move(parsed));
        rules.push_back(rule);
      }
    }
  }
  return rules;
}

std::vector<std::string> AggregateClusterRoles(std::vector<json>* cluster_roles) {
  std::set<std::string> changed;
  // Each pass settles at least one more level of nesting; more passes than roles means a cycle
  // that never settles, which upstream would keep rewriting too.
  for (size_t pass = 0; pass <= cluster_roles->size(); ++pass) {
    bool any = false;
    for (json& role : *cluster_roles) {
      if (!Field(role, "aggregationRule").is_object()) continue;
      absl::StatusOr<json> rules = AggregatedRules(role, *cluster_roles);
      if (!rules.ok() || SameRules(*rules, Field(role, "rules"))) continue;
      role["rules"] = *std::move(rules);
      changed.insert(std::string(NameOf(role)));
      any = true;
    }
    if (!any) break;
  }
  return {changed.begin(), changed.end()};
}

}  // namespace k1s::auth
