#pragma once
// API discovery documents, computed once from the resource catalog: /api, /apis,
// /apis/<group>, /api/v1 and /apis/<group>/<version> (APIVersions, APIGroupList, APIGroup,
// APIResourceList), and the aggregated apidiscovery.k8s.io/v2 form kubectl 1.32 asks for first.
// Immutable after construction; thread-safe.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/resource_types.h"

namespace k1s::apiserver {

class Discovery {
 public:
  // `server_address` ("10.0.0.5:6443") goes into serverAddressByClientCIDRs.
  Discovery(const std::vector<api::ResourceType>& types, const std::string& server_address);

  const std::string& core_versions() const { return core_versions_; }          // /api
  const std::string& group_list() const { return group_list_; }                // /apis
  const std::string& core_aggregated() const { return core_aggregated_; }      // /api, v2
  const std::string& groups_aggregated() const { return groups_aggregated_; }  // /apis, v2
  // /apis/<group>
  std::optional<std::string> Group(const std::string& group) const;
  // /api/v1 or /apis/<group>/<version> ("v1" or "apps/v1")
  std::optional<std::string> ResourceList(const std::string& group_version) const;

 private:
  std::string core_versions_;
  std::string group_list_;
  std::string core_aggregated_;
  std::string groups_aggregated_;
  std::map<std::string, std::string> groups_;
  std::map<std::string, std::string> resource_lists_;
};

}  // namespace k1s::apiserver
