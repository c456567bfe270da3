#pragma once
// The 403 kube-apiserver returns when authorization refuses a request: the Status message built
// by upstream's responsewriters.Forbidden and apierrors.NewForbidden, and the Status details.
// Pure functions; thread-safe.
#include <string>
#include <string_view>

#include "auth/attributes.h"

namespace k1s::auth {

// The Status "message", byte-exact with upstream, e.g.
//   pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace
//   "default" pods "x" is forbidden: User "jane" cannot get resource "pods" in API group "" ...
//   deployments.apps is forbidden: ... resource "deployments/scale" ... at the cluster scope
//   forbidden: User "jane" cannot get path "/metrics"
// followed by ": <reason>" when reason is non-empty.
std::string ForbiddenMessage(const Attributes& attributes, std::string_view reason);

// The Status "details" of that 403 (code 403, reason "Forbidden"): empty strings are left out
// of the wire form as upstream's omitempty does.
struct ForbiddenDetails {
  std::string name{};   // attributes.name
  std::string group{};  // attributes.api_group
  std::string kind{};   // attributes.resource (upstream puts the resource, not the kind, here)
};
ForbiddenDetails ForbiddenStatusDetails(const Attributes& attributes);

}  // namespace k1s::auth
