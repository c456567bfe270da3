#pragma once
// rbac.authorization.k8s.io/v1 PolicyRule as a value type, for the code that compares and
// rewrites rules (escalation checks, aggregation, bootstrap policy). The authorizer itself
// matches on the json directly. Plain value; thread-compatible.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace k1s::auth {

struct PolicyRule {
  std::vector<std::string> verbs{};
  std::vector<std::string> api_groups{};
  std::vector<std::string> resources{};
  std::vector<std::string> resource_names{};
  std::vector<std::string> non_resource_urls{};

  // Reads a PolicyRule object. Missing, null or non-array fields and non-string items count as
  // absent, which matches nothing (a malformed stored rule can never grant more).
  static PolicyRule FromJson(const nlohmann::json& rule);
  // The wire form: "verbs" always, the other lists only when non-empty (omitempty).
  nlohmann::json ToJson() const;

  // Field-by-field equality; an absent list equals an empty one (upstream's Semantic.DeepEqual).
  bool operator==(const PolicyRule& other) const = default;
};

// FromJson over an array of rules; anything else gives no rules.
std::vector<PolicyRule> PolicyRulesFromJson(const nlohmann::json& rules);

}  // namespace k1s::auth
