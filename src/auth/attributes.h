#pragma once
// What a request asks to do, in the terms authorizers decide on: upstream's
// authorizer.Attributes. Built from the request path by the apiserver (see RequestInfo).
#include <string>
#include <vector>

#include "auth/user_info.h"

namespace k1s::auth {

// One term of a request's ?fieldSelector= ("spec.nodeName=pi4"); "=" and "==" are both equals.
struct FieldRequirement {
  std::string field{};
  bool equals = true;  // false for "!="
  std::string value{};
};

struct Attributes {
  UserInfo user;
  std::string verb;  // get, list, watch, create, update, patch, delete, deletecollection,
                     // or for non-resource requests the lower-case HTTP method (get, post, ...)
  bool resource_request = false;
  // Resource requests:
  std::string api_group;  // "" for the core group
  std::string api_version;
  std::string resource;     // "pods"
  std::string subresource;  // "status", "log", ""
  std::string namespace_name;
  std::string name;
  // The parsed ?fieldSelector= of list/watch/deletecollection requests (upstream's
  // GetFieldSelector, used by the Node authorizer to scope a kubelet's pod lists).
  std::vector<FieldRequirement> field_selector{};
  // Non-resource requests: the URL path, e.g. "/healthz".
  std::string path;
};

// An authorizer's answer. kNoOpinion lets the next authorizer in a chain decide.
enum class Decision { kDeny, kAllow, kNoOpinion };

struct AuthorizationResult {
  Decision decision = Decision::kNoOpinion;
  std::string reason;  // why, for the Forbidden message and audit annotations ("" = none)
};

}  // namespace k1s::auth
