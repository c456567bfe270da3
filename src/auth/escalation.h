#pragma once
// RBAC's privilege-escalation prevention (upstream pkg/registry/rbac/validation and
// pkg/registry/rbac/escalation_check.go). A user may create or update a Role/ClusterRole, or
// bind one, only when
//   - they are in system:masters (EscalationAllowed), or
//   - the authorizer allows them "escalate" on that role (roles) or "bind" on the referenced
//     role (bindings): run EscalateCheckAttributes / BindCheckAttributes through it, or
//   - the rules they already hold cover every requested rule (CheckNoEscalation with the
//     RbacAuthorizer's RulesFor(user, namespace, ErrorStyle::kRegistry); for bindings the
//     requested rules are RoleReferenceRules of the roleRef).
// A refusal is a 403 built with ForbiddenStatus-style NewForbidden(<roles|clusterroles|
// rolebindings|clusterrolebindings>.rbac.authorization.k8s.io, name, message):
//   clusterroles.rbac.authorization.k8s.io "x" is forbidden: user "jane" (groups=[...]) is
//   attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], ...}
// Setting (or having had) a ClusterRole aggregationRule additionally needs FullAuthorityRules
// covered; the refusal message is then kAggregationRuleForbidden.
//
// Pure functions over json rules; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/attributes.h"
#include "auth/rbac.h"
#include "auth/user_info.h"

namespace k1s::auth {

inline constexpr char kAggregationRuleForbidden[] =
    "must have cluster-admin privileges to use the aggregationRule";

// One rule per apiGroup x resource x verb (x resourceName), then one per nonResourceURL x verb.
std::vector<nlohmann::json> BreakdownRule(const nlohmann::json& rule);

// Whether one owner rule covers a broken-down subrule (upstream ruleCovers).
bool RuleCovers(const nlohmann::json& owner_rule, const nlohmann::json& subrule);

// The broken-down requested rules that no owner rule covers, in breakdown order; empty when
// the owner holds everything requested (upstream validation.Covers).
std::vector<nlohmann::json> UncoveredRules(const std::vector<nlohmann::json>& owner,
                                           const std::vector<nlohmann::json>& requested);

// Merges rules naming one apiGroup and one resource (and at most one resourceName) that differ
// only in verbs (upstream CompactRules); other rules are kept as they are.
std::vector<nlohmann::json> CompactRules(const std::vector<nlohmann::json>& rules);

// {APIGroups:[""], Resources:["pods"], Verbs:["create"]} (upstream rbacv1helpers.CompactString).
std::string CompactString(const nlohmann::json& rule);

// The escalation refusal text (upstream ConfirmNoEscalation): uncovered rules compacted,
// printed sorted and de-duplicated, one per line, then "; resolution errors: [...]" when the
// owner's rules could not all be read.
std::string EscalationMessage(const UserInfo& user, const std::vector<nlohmann::json>& uncovered,
                              const std::vector<std::string>& resolution_errors);

// nullopt when `owner` covers `requested`, else EscalationMessage for what it does not.
std::optional<std::string> CheckNoEscalation(const UserInfo& user,
                                             const RbacAuthorizer::Rules& owner,
                                             const std::vector<nlohmann::json>& requested);

// Members of system:masters skip every escalation check.
bool EscalationAllowed(const UserInfo& user);

// "bind" on the role a binding refers to, in the binding's namespace ("" for a
// ClusterRoleBinding); apiVersion "*". nullopt for a roleRef kind other than Role/ClusterRole
// (upstream: not authorized).
std::optional<Attributes> BindCheckAttributes(const UserInfo& user, const nlohmann::json& role_ref,
                                              std::string_view binding_namespace);

// "escalate" on a role being created or updated. `kind` is "Role"/"ClusterRole" (or the
// resource, "roles"/"clusterroles"); nullopt for anything else (upstream: not authorized).
std::optional<Attributes> EscalateCheckAttributes(const UserInfo& user, std::string_view kind,
                                                  std::string_view name,
                                                  std::string_view namespace_name);

// * on *.* plus * on every non-resource URL: what an aggregationRule requires.
std::vector<nlohmann::json> FullAuthorityRules();

}  // namespace k1s::auth
