#pragma once
// What the garbage collector can see: the apiserver's discovery documents (/api, /api/v1,
// /apis, /apis/<group>/<version>) read through Client::Raw, the resources worth monitoring
// (preferred versions whose verbs include list, watch and delete), and a RestMapper from an
// ownerReference's apiVersion/kind to the resource to GET it from.
//
// Functions are stateless; RestMapper is thread-safe.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "client/resource.h"

namespace k1s::controllers::gc {

struct DiscoveredResource {
  client::Resource resource;
  std::vector<std::string> verbs;
  bool preferred = false;  // served in its group's preferred version
};

struct DiscoveryResult {
  std::vector<DiscoveredResource> resources;
  // Group versions whose document could not be read ("apps/v1"); their resources are missing.
  std::vector<std::string> failed_group_versions;
};

// Reads every group version's resources. Fails only when /api or /apis cannot be read.
absl::StatusOr<DiscoveryResult> DiscoverResources(client::Client& client);

// {group, plural} pairs the collector never monitors: core and events.k8s.io events.
std::set<std::pair<std::string, std::string>> DefaultIgnoredResources();

// Preferred-version resources with list, watch and delete, except `ignored`.
std::vector<client::Resource> DeletableResources(
    const DiscoveryResult& discovery, const std::set<std::pair<std::string, std::string>>& ignored);

// "group/version/plural": a resource's key among monitors.
std::string ResourceKey(const client::Resource& resource);

class RestMapper {
 public:
  // Replaces the mapping with `discovery`'s; kinds of failed group versions keep their mapping.
  void Update(const DiscoveryResult& discovery);
  // The resource serving `kind` in `api_version` ("apps/v1", "v1"); FailedPrecondition when
  // none is known (not NotFound: that means a missing object to the collector).
  absl::StatusOr<client::Resource> ResourceFor(std::string_view api_version,
                                               std::string_view kind) const;

 private:
  mutable absl::Mutex mu_;
  // "apiVersion/kind" -> resource
  std::map<std::string, client::Resource, std::less<>> by_kind_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::gc
