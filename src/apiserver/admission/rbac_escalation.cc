// RBAC's privilege-escalation prevention. Upstream runs it in the RBAC registry before storing a
// Role, ClusterRole or binding; here it is the first validating step of the admission chain,
// which every user write passes. Nobody may grant permissions they do not hold themselves
// unless they are in system:masters or hold "escalate" (roles) / "bind" (bindings).
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "apiserver/admission_plugins.h"
#include "apiserver/authorization.h"
#include "auth/escalation.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

std::vector<json> RulesOf(const json& role) {
  std::vector<json> rules;
  const json& list = role.value("rules", json::array());
  if (list.is_array()) rules.assign(list.begin(), list.end());
  return rules;
}

bool HasAggregationRule(const json* role) {
  return role != nullptr && role->contains("aggregationRule") &&
         !(*role)["aggregationRule"].is_null();
}

class RbacEscalationCheck : public AdmissionPlugin {
 public:
  explicit RbacEscalationCheck(const Authorizer& authorizer) : authorizer_(authorizer) {}
  std::string_view Name() const override { return "RBACEscalationCheck"; }

  absl::Status Validate(const AdmissionRequest& request, const json& object) override {
    if (request.type == nullptr || request.type->group != kRbacGroup ||
        request.operation == AdmissionOperation::kDelete ||
        auth::EscalationAllowed(*request.user)) {
      return absl::OkStatus();
    }
    const std::string& kind = request.type->kind;
    if (kind == "Role" || kind == "ClusterRole") return CheckRole(request, object);
    return CheckBinding(request, object);
  }

 private:
  absl::Status Refuse(const AdmissionRequest& request, std::string_view why) const {
    return api::ForbiddenError(*request.type, request.name,
                               base::StrCat(request.type->plural, ".", kRbacGroup, " \"",
                                            request.name, "\" is forbidden: ", why));
  }

  bool Allowed(const std::optional<auth::Attributes>& attributes) const {
    return attributes && authorizer_.Authorize(*attributes).decision == auth::Decision::kAllow;
  }

  absl::Status CheckRole(const AdmissionRequest& request, const json& role) const {
    if (Allowed(auth::EscalateCheckAttributes(*request.user, request.type->kind, request.name,
                                              request.namespace_name))) {
      return absl::OkStatus();
    }
    auth::RbacAuthorizer::Rules owner = authorizer_.rbac().RulesFor(
        *request.user, request.namespace_name, auth::RbacAuthorizer::ErrorStyle::kRegistry);
    if (request.type->kind == "ClusterRole" &&
        (HasAggregationRule(&role) || HasAggregationRule(request.old_object)) &&
        auth::CheckNoEscalation(*request.user, owner, auth::FullAuthorityRules())) {
      return Refuse(request, auth::kAggregationRuleForbidden);
    }
    if (std::optional<std::string> refused =
            auth::CheckNoEscalation(*request.user, owner, RulesOf(role))) {
      return Refuse(request, *refused);
    }
    return absl::OkStatus();
  }

  absl::Status CheckBinding(const AdmissionRequest& request, const json& binding) const {
    const json& role_ref = binding.value("roleRef", json::object());
    if (Allowed(auth::BindCheckAttributes(*request.user, role_ref, request.namespace_name))) {
      return absl::OkStatus();
    }
    absl::StatusOr<std::vector<json>> requested =
        authorizer_.rbac().RoleReferenceRules(role_ref, request.namespace_name);
    if (!requested.ok()) {
      if (requested.status().code() != absl::StatusCode::kNotFound) return requested.status();
      api::ResourceType role_type;
      role_type.group = kRbacGroup;
      role_type.plural = role_ref.value("kind", "") == "Role" ? "roles" : "clusterroles";
      return api::NotFoundError(role_type, role_ref.value("name", ""));
    }
    auth::RbacAuthorizer::Rules owner = authorizer_.rbac().RulesFor(
        *request.user, request.namespace_name, auth::RbacAuthorizer::ErrorStyle::kRegistry);
    if (std::optional<std::string> refused =
            auth::CheckNoEscalation(*request.user, owner, *requested)) {
      return Refuse(request, *refused);
    }
    return absl::OkStatus();
  }

  const Authorizer& authorizer_;
};

}  // namespace

std::unique_ptr<AdmissionPlugin> NewRbacEscalationCheck(const Authorizer& authorizer) {
  return std::make_unique<RbacEscalationCheck>(authorizer);
}

}  // namespace k1s::apiserver
