#include "auth/escalation.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "absl/strings/str_join.h"
#include "auth/json_fields.h"
#include "auth/policy_rule.h"
#include "base/go_text.h"
#include "base/strings.h"

namespace k1s::auth {
namespace {

using nlohmann::json;

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

bool Has(const std::vector<std::string>& set, std::string_view item) {
  return std::find(set.begin(), set.end(), item) != set.end();
}

bool HasAll(const std::vector<std::string>& set, const std::vector<std::string>& items) {
  return std::all_of(items.begin(), items.end(),
                     [&](const std::string& item) { return Has(set, item); });
}

bool ResourcesCoverAll(const std::vector<std::string>& owned,
                       const std::vector<std::string>& wanted) {
  if (Has(owned, "*") || HasAll(owned, wanted)) return true;
  for (const std::string& path : wanted) {
    if (Has(owned, path)) continue;
    // A subresource is also covered by "*/<subresource>".
    size_t slash = path.find('/');
    if (slash == std::string::npos) return false;
    if (!Has(owned, base::StrCat("*/", std::string_view(path).substr(slash + 1)))) return false;
  }
  return true;
}

bool UrlCovers(std::string_view owned, std::string_view wanted) {
  if (owned == wanted) return true;
  if (!owned.ends_with('*')) return false;
  while (!owned.empty() && owned.back() == '*') owned.remove_suffix(1);
  return wanted.starts_with(owned);
}

bool UrlsCoverAll(const std::vector<std::string>& owned, const std::vector<std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const std::string& path) {
    return std::any_of(owned.begin(), owned.end(),
                       [&](const std::string& owner) { return UrlCovers(owner, path); });
  });
}

bool Covers(const PolicyRule& owner, const PolicyRule& sub) {
  bool names_match =
      sub.resource_names.empty()
          ? owner.resource_names.empty()
          : owner.resource_names.empty() || HasAll(owner.resource_names, sub.resource_names);
  return (Has(owner.verbs, "*") || HasAll(owner.verbs, sub.verbs)) &&
         (Has(owner.api_groups, "*") || HasAll(owner.api_groups, sub.api_groups)) &&
         ResourcesCoverAll(owner.resources, sub.resources) &&
         UrlsCoverAll(owner.non_resource_urls, sub.non_resource_urls) && names_match;
}

std::vector<PolicyRule> Breakdown(const PolicyRule& rule) {
  std::vector<PolicyRule> out;
  for (const std::string& group : rule.api_groups) {
    for (const std::string& resource : rule.resources) {
      for (const std::string& verb : rule.verbs) {
        PolicyRule sub{.verbs = {verb}, .api_groups = {group}, .resources = {resource}};
        if (rule.resource_names.empty()) {
          out.push_back(sub);
          continue;
        }
        for (const std::string& name : rule.resource_names) {
          sub.resource_names = {name};
          out.push_back(sub);
        }
      }
    }
  }
  for (const std::string& url : rule.non_resource_urls) {
    for (const std::string& verb : rule.verbs) {
      out.push_back(PolicyRule{.verbs = {verb}, .non_resource_urls = {url}});
    }
  }
  return out;
}

std::vector<PolicyRule> Compact(const std::vector<PolicyRule>& rules) {
  // Key: group, resource, whether a resourceName is set, and that name.
  using Key = std::tuple<std::string, std::string, bool, std::string>;
  std::vector<PolicyRule> out;
  std::vector<PolicyRule> merged;
  std::map<Key, size_t> index;
  for (const PolicyRule& rule : rules) {
    bool simple = rule.resource_names.size() <= 1 && rule.non_resource_urls.empty() &&
                  rule.api_groups.size() == 1 && rule.resources.size() == 1;
    if (!simple) {
      out.push_back(rule);
      continue;
    }
    Key key{rule.api_groups[0], rule.resources[0], !rule.resource_names.empty(),
            rule.resource_names.empty() ? "" : rule.resource_names[0]};
    auto [it, inserted] = index.emplace(key, merged.size());
    if (inserted) {
      merged.push_back(rule);
    } else {
      std::vector<std::string>& verbs = merged[it->second].verbs;
      verbs.insert(verbs.end(), rule.verbs.begin(), rule.verbs.end());
    }
  }
  out.insert(out.end(), merged.begin(), merged.end());
  return out;
}

std::string Describe(const PolicyRule& r) {
  std::vector<std::string> parts;
  if (!r.api_groups.empty()) parts.push_back("APIGroups:" + base::GoQuoteList(r.api_groups));
  if (!r.resources.empty()) parts.push_back("Resources:" + base::GoQuoteList(r.resources));
  if (!r.non_resource_urls.empty()) {
    parts.push_back("NonResourceURLs:" + base::GoQuoteList(r.non_resource_urls));
  }
  if (!r.resource_names.empty())
    parts.push_back("ResourceNames:" + base::GoQuoteList(r.resource_names));
  if (!r.verbs.empty()) parts.push_back("Verbs:" + base::GoQuoteList(r.verbs));
  return "{" + absl::StrJoin(parts, ", ") + "}";
}

std::vector<json> ToJson(const std::vector<PolicyRule>& rules) {
  std::vector<json> out;
  out.reserve(rules.size());
  for (const PolicyRule& rule : rules) out.push_back(rule.ToJson());
  return out;
}

std::vector<PolicyRule> FromJson(const std::vector<json>& rules) {
  std::vector<PolicyRule> out;
  out.reserve(rules.size());
  for (const json& rule : rules) out.push_back(PolicyRule::FromJson(rule));
  return out;
}

std::vector<PolicyRule> Uncovered(const std::vector<PolicyRule>& owner,
                                  const std::vector<PolicyRule>& requested) {
  std::vector<PolicyRule> out;
  for (const PolicyRule& rule : requested) {
    for (PolicyRule& sub : Breakdown(rule)) {
      bool covered = std::any_of(owner.begin(), owner.end(),
                                 [&](const PolicyRule& o) { return Covers(o, sub); });
      if (!covered) out.push_back(std::move(sub));
    }
  }
  return out;
}

Attributes RbacCheck(const UserInfo& user, std::string_view verb, std::string_view resource,
                     std::string_view name, std::string_view namespace_name) {
  Attributes attributes;
  attributes.user = user;
  attributes.verb = verb;
  attributes.resource_request = true;
  attributes.api_group = kRbacGroup;
  attributes.api_version = "*";
  attributes.resource = resource;
  attributes.name = name;
  attributes.namespace_name = namespace_name;
  return attributes;
}

}  // namespace

std::vector<json> BreakdownRule(const json& rule) {
  return ToJson(Breakdown(PolicyRule::FromJson(rule)));
}

bool RuleCovers(const json& owner_rule, const json& subrule) {
  return Covers(PolicyRule::FromJson(owner_rule), PolicyRule::FromJson(subrule));
}

std::vector<json> UncoveredRules(const std::vector<json>& owner,
                                 const std::vector<json>& requested) {
  return ToJson(Uncovered(FromJson(owner), FromJson(requested)));
}

std::vector<json> CompactRules(const std::vector<json>& rules) {
  return ToJson(Compact(FromJson(rules)));
}

std::string CompactString(const json& rule) { return Describe(PolicyRule::FromJson(rule)); }

std::string EscalationMessage(const UserInfo& user, const std::vector<json>& uncovered,
                              const std::vector<std::string>& resolution_errors) {
  std::set<std::string> missing;  // sorted and de-duplicated, as upstream's sets.String
  for (const PolicyRule& rule : Compact(FromJson(uncovered))) missing.insert(Describe(rule));
  std::string message =
      base::StrCat("user ", base::GoQuote(user.name), " (groups=", base::GoQuoteList(user.groups),
                   ") is attempting to grant RBAC permissions not currently held:\n",
                   absl::StrJoin(missing, "\n"));
  if (!resolution_errors.empty()) {
    // Upstream prints a one-element []error holding the aggregate of all errors.
    message += "; resolution errors: [" + base::AggregateErrorText(resolution_errors) + "]";
  }
  return message;
}

std::optional<std::string> CheckNoEscalation(const UserInfo& user,
                                             const RbacAuthorizer::Rules& owner,
                                             const std::vector<json>& requested) {
  std::vector<PolicyRule> uncovered = Uncovered(FromJson(owner.rules), FromJson(requested));
  if (uncovered.empty()) return std::nullopt;
  return EscalationMessage(user, ToJson(uncovered), owner.errors);
}

bool EscalationAllowed(const UserInfo& user) { return Has(user.groups, kSystemMasters); }

std::optional<Attributes> BindCheckAttributes(const UserInfo& user, const json& role_ref,
                                              std::string_view binding_namespace) {
  std::string_view kind = StringField(role_ref, "kind");
  if (kind != "Role" && kind != "ClusterRole") return std::nullopt;
  Attributes attributes = RbacCheck(user, "bind", kind == "Role" ? "roles" : "clusterroles",
                                    StringField(role_ref, "name"), binding_namespace);
  // Upstream checks against the roleRef's own apiGroup (validation insists it is RBAC's).
  attributes.api_group = StringField(role_ref, "apiGroup");
  return attributes;
}

std::optional<Attributes> EscalateCheckAttributes(const UserInfo& user, std::string_view kind,
                                                  std::string_view name,
                                                  std::string_view namespace_name) {
  std::string_view resource;
  if (kind == "Role" || kind == "roles") {
    resource = "roles";
  } else if (kind == "ClusterRole" || kind == "clusterroles") {
    resource = "clusterroles";
  } else {
    return std::nullopt;
  }
  return RbacCheck(user, "escalate", resource, name, namespace_name);
}

std::vector<json> FullAuthorityRules() {
  return {PolicyRule{.verbs = {"*"}, .api_groups = {"*"}, .resources = {"*"}}.ToJson(),
          PolicyRule{.verbs = {"*"}, .non_resource_urls = {"*"}}.ToJson()};
}

}  // namespace k1s::auth
