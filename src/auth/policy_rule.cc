#include "auth/policy_rule.h"

#include <nlohmann/json.hpp>

namespace k1s::auth {
namespace {

std::vector<std::string> StringList(const nlohmann::json& rule, const char* key) {
  std::vector<std::string> out;
  auto it = rule.find(key);
  if (it == rule.end() || !it->is_array()) return out;
  out.reserve(it->size());
  for (const nlohmann::json& item : *it) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

PolicyRule PolicyRule::FromJson(const nlohmann::json& rule) {
  if (!rule.is_object()) return {};
  return PolicyRule{
      .verbs = StringList(rule, "verbs"),
      .api_groups = StringList(rule, "apiGroups"),
      .resources = StringList(rule, "resources"),
      .resource_names = StringList(rule, "resourceNames"),
      .non_resource_urls = StringList(rule, "nonResourceURLs"),
  };
}

nlohmann::json PolicyRule::ToJson() const {
  nlohmann::json out = {{"verbs", verbs}};
  if (!api_groups.empty()) out["apiGroups"] = api_groups;
  if (!resources.empty()) out["resources"] = resources;
  if (!resource_names.empty()) out["resourceNames"] = resource_names;
  if (!non_resource_urls.empty()) out["nonResourceURLs"] = non_resource_urls;
  return out;
}

std::vector<PolicyRule> PolicyRulesFromJson(const nlohmann::json& rules) {
  std::vector<PolicyRule> out;
  if (!rules.is_array()) return out;
  out.reserve(rules.size());
  for (const nlohmann::json& rule : rules) out.push_back(PolicyRule::FromJson(rule));
  return out;
}

}  // namespace k1s::auth
