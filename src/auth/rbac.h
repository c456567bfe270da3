#pragma once
// Role-based access control: upstream's RBAC authorizer (plugin/pkg/auth/authorizer/rbac) and
// the rule resolution behind it (pkg/registry/rbac/validation). Roles and bindings are
// rbac.authorization.k8s.io/v1 json objects read through an RbacSource on every call, so the
// answer always reflects the source's current state.
//
// RBAC only allows or has no opinion; it never denies. It grants system:masters nothing special:
// the bootstrap binding cluster-admin -> system:masters does (a caller may short-circuit that
// group before asking RBAC, as kube-apiserver's privileged-group authorizer does).
//
// Thread-safety: the const methods are thread-safe when the RbacSource is.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/attributes.h"
#include "auth/user_info.h"

namespace k1s::auth {

// Where the RBAC authorizer reads roles and bindings (the lead implements it over the watch
// cache). Returns copies or shared snapshots; must be cheap to call.
class RbacSource {
 public:
  virtual ~RbacSource() = default;
  virtual std::vector<nlohmann::json> ClusterRoleBindings() = 0;
  virtual std::vector<nlohmann::json> RoleBindings(std::string_view namespace_name) = 0;
  virtual std::optional<nlohmann::json> ClusterRole(std::string_view name) = 0;
  virtual std::optional<nlohmann::json> Role(std::string_view namespace_name,
                                             std::string_view name) = 0;
};

// Whether one PolicyRule allows the request: verbs ("*"), apiGroups ("*"), resources ("*",
// "res/sub", "*/sub"), resourceNames (empty = any), or for non-resource requests
// nonResourceURLs ("*", exact, or a prefix ending in "*").
bool RuleAllows(const nlohmann::json& rule, const Attributes& attributes);

// Whether a binding subject names the user: User by name, Group by membership, ServiceAccount
// by "system:serviceaccount:<ns>:<name>" where an empty subject namespace means the binding's.
bool SubjectMatches(const nlohmann::json& subject, const UserInfo& user,
                    std::string_view binding_namespace);

class RbacAuthorizer {
 public:
  // How a binding whose role is missing is reported. Upstream's authorizer reads roles from
  // informer listers (`clusterrole.rbac.authorization.k8s.io "x" not found`); the RBAC
  // registry's escalation checks read them from storage (`clusterroles.rbac...`, plural).
  enum class ErrorStyle { kLister, kRegistry };

  struct Rules {
    std::vector<nlohmann::json> rules{};
    std::vector<std::string> errors{};  // one message per binding whose role could not be read
  };

  explicit RbacAuthorizer(RbacSource& source) : source_(source) {}

  // kAllow with reason `RBAC: allowed by ClusterRoleBinding "b" of ClusterRole "r" to User "u"`,
  // else kNoOpinion with reason "" or `RBAC: <errors of bindings whose role is missing>`.
  // Cluster role bindings apply everywhere; role bindings of attributes.namespace_name apply
  // inside that namespace.
  AuthorizationResult Authorize(const Attributes& attributes) const;

  // Every rule that applies to `user` in `namespace_name` ("" = cluster-wide only), plus the
  // errors of bindings whose role is missing (SelfSubjectRulesReview's incomplete and
  // evaluationError; escalation checks with ErrorStyle::kRegistry).
  Rules RulesFor(const UserInfo& user, std::string_view namespace_name,
                 ErrorStyle style = ErrorStyle::kLister) const;

  // The rules of the role a roleRef names (upstream GetRoleReferenceRules), resolving "Role" in
  // `binding_namespace`. NotFound when the role is missing, InvalidArgument for a kind other
  // than Role/ClusterRole; the messages are upstream's.
  absl::StatusOr<std::vector<nlohmann::json>> RoleReferenceRules(
      const nlohmann::json& role_ref, std::string_view binding_namespace,
      ErrorStyle style = ErrorStyle::kRegistry) const;

 private:
  RbacSource& source_;
};

}  // namespace k1s::auth
