#pragma once
// The default RBAC policy kube-apiserver v1.32 creates at start (upstream
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy with the default feature gates): cluster
// roles, per-controller roles and their bindings to kube-system service accounts, and the
// kube-system / kube-public roles and bindings. Every object is a complete
// rbac.authorization.k8s.io/v1 json object labelled kubernetes.io/bootstrapping=rbac-defaults
// and annotated rbac.authorization.kubernetes.io/autoupdate=true.
//
// admin, edit and view carry only an aggregationRule (their "rules" are empty); their rules come
// from the system:aggregate-to-* roles through aggregation (see aggregation.h).
//
// Reconciling at start, as upstream does for autoupdate objects: create what is missing; for an
// existing role whose rules do not cover the default's (RulesCover false), append the missing
// rules (UncoveredRules of escalation.h) and re-add the default labels/annotations; for an
// existing binding, add missing subjects. Objects annotated autoupdate=false are left alone.
//
// Pure functions building fresh values; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <vector>

namespace k1s::auth {

// ClusterRoles: the general roles, then the system:controller:* roles.
std::vector<nlohmann::json> BootstrapClusterRoles();
// ClusterRoleBindings: the general bindings, then one per controller role.
std::vector<nlohmann::json> BootstrapClusterRoleBindings();
// Roles in kube-system and kube-public.
std::vector<nlohmann::json> BootstrapRoles();
// RoleBindings in kube-system and kube-public.
std::vector<nlohmann::json> BootstrapRoleBindings();

// The rules of system:node, which the Node authorizer applies to kubelets for every request it
// does not decide itself (upstream NodeRules()).
std::vector<nlohmann::json> NodeRules();

// Whether `existing_rules` (a json array of PolicyRules) grant everything `wanted_rules` do.
bool RulesCover(const nlohmann::json& existing_rules, const nlohmann::json& wanted_rules);

}  // namespace k1s::auth
