#pragma once
// Reads what a request is about from its method and path, the way kube-apiserver's
// RequestInfoFactory does: API group and version, namespace, resource, name, subresource and the
// Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection).
// Pure functions; thread-safe.
#include <string>
#include <string_view>
#include <vector>

namespace k1s::apiserver {

struct RequestInfo {
  // True for /api/<version>/... and /apis/<group>/<version>/... paths that name a resource;
  // false for discovery (/api, /apis/apps), /version, /healthz and the like.
  bool is_resource_request = false;
  std::string verb;        // Kubernetes verb, or the lower-case HTTP method for other paths
  std::string api_prefix;  // "api" or "apis"
  std::string group;       // "" for the core group
  std::string version;
  std::string namespace_name;
  std::string resource;
  std::string name;
  std::string subresource;
  std::vector<std::string> parts;  // path segments after the group/version
};

// `watch` is the decoded ?watch= query parameter (a GET list with watch=true is a watch).
RequestInfo ParseRequestInfo(std::string_view method, std::string_view path, bool watch);

// Parses a Go-style boolean query value: 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False.
// Anything else is false with *valid = false.
bool ParseGoBool(std::string_view text, bool* valid = nullptr);

}  // namespace k1s::apiserver
