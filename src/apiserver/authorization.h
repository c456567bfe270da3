#pragma once
// The authorizer chain kube-apiserver runs with --authorization-mode=Node,RBAC, behind the
// privileged group: members of system:masters may do anything; the Node authorizer decides for
// kubelet identities (system:node:<name>); RBAC decides for everyone else. Reads roles,
// bindings and the pods of a node from the watch cache. Thread-safe.
#include <memory>
#include <string>
#include <vector>

#include "apiserver/cluster_reader.h"
#include "apiserver/request_info.h"
#include "auth/attributes.h"
#include "auth/node_authorizer.h"
#include "auth/rbac.h"

namespace k1s::apiserver {

class Authorizer {
 public:
  explicit Authorizer(const ClusterReader& reader);
  ~Authorizer();

  auth::AuthorizationResult Authorize(const auth::Attributes& attributes) const;
  // OK when allowed; otherwise a 403 Status error with upstream's message.
  absl::Status Check(const auth::Attributes& attributes) const;
  // What RBAC grants `user` in `namespace_name` (SelfSubjectRulesReview, escalation checks).
  auth::RbacAuthorizer::Rules RulesFor(const auth::UserInfo& user,
                                       std::string_view namespace_name) const;
  const auth::RbacAuthorizer& rbac() const;

 private:
  class Sources;
  std::unique_ptr<Sources> sources_;
  std::unique_ptr<auth::RbacAuthorizer> rbac_;
  std::unique_ptr<auth::NodeAuthorizer> node_;
};

// The attributes of a request: its user, and the verb, group, resource, namespace and name its
// path names (or the path itself for non-resource requests).
// `field_selector` is the request's ?fieldSelector= ("" = none; malformed ones are ignored here
// and refused later by the handler).
auth::Attributes RequestAttributes(const auth::UserInfo& user, const RequestInfo& info,
                                   std::string_view path, std::string_view field_selector = "");

// A 403 Forbidden Status for `attributes` with upstream's message and details.
absl::Status ForbiddenStatus(const auth::Attributes& attributes, std::string_view reason);

}  // namespace k1s::apiserver
