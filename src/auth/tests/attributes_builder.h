#pragma once
// Builds the Attributes of a resource request for the authorizer tests.
#include <string>
#include <utility>

#include "auth/attributes.h"

namespace k1s::auth::testing {

inline Attributes ResourceAttributes(UserInfo user, std::string verb, std::string group,
                                     std::string resource, std::string ns = "",
                                     std::string name = "", std::string subresource = "") {
  Attributes a;
  a.user = std::move(user);
  a.verb = std::move(verb);
  a.resource_request = true;
  a.api_group = std::move(group);
  a.resource = std::move(resource);
  a.namespace_name = std::move(ns);
  a.name = std::move(name);
  a.subresource = std::move(subresource);
  return a;
}

}  // namespace k1s::auth::testing
