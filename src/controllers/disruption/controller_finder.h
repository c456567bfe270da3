#pragma once
// Finds the controller behind a pod's controllerRef and the scale it wants, as upstream's
// disruption controller's finders do, in their order: ReplicationController, Deployment (through
// the ReplicaSet it owns), ReplicaSet not owned by a Deployment, StatefulSet (all from the
// shared informers: spec.replicas), then any kind serving a scale subresource (a live GET of
// <resource>/<name>/scale, the resource found by discovery). A controller only counts when its
// uid is the one the reference names.
//
// Owns a cache of kind -> resource mappings; the informers and the client are borrowed.
// Thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/client.h"
#include "client/informer.h"
#include "client/resource.h"

namespace k1s::controllers::disruption {

struct ControllerScale {
  std::string uid;
  int32_t scale = 0;
};

class ControllerFinder {
 public:
  ControllerFinder(client::Client client, client::Informer& replication_controllers,
                   client::Informer& replica_sets, client::Informer& deployments,
                   client::Informer& stateful_sets);

  // The controller `controller_ref` (an ownerReference) names in `namespace_name` and its
  // scale; nullopt when no finder knows it. Errors as upstream's: a malformed apiVersion, a kind
  // no served resource has, a resource without a scale subresource, a failed GET.
  absl::StatusOr<std::optional<ControllerScale>> Find(const nlohmann::json& controller_ref,
                                                      const std::string& namespace_name);

 private:
  using Found = absl::StatusOr<std::optional<ControllerScale>>;
  Found FindReplicationController(const nlohmann::json& ref, const std::string& namespace_name);
  Found FindDeployment(const nlohmann::json& ref, const std::string& namespace_name);
  Found FindReplicaSet(const nlohmann::json& ref, const std::string& namespace_name);
  Found FindStatefulSet(const nlohmann::json& ref, const std::string& namespace_name);
  Found FindByScale(const nlohmann::json& ref, const std::string& namespace_name);

  // The discovery document of one group version ("/api/v1", "/apis/<group>/<version>").
  absl::StatusOr<nlohmann::json> Discover(const std::string& group, const std::string& version);
  // The resource serving `kind` in group/version (RESTMapping); NotFound-like error otherwise.
  absl::StatusOr<client::Resource> MapKind(const std::string& group, const std::string& version,
                                           const std::string& kind);
  // Whether discovery lists <plural>/scale answering with a Scale kind.
  absl::StatusOr<bool> ImplementsScale(const client::Resource& resource);

  client::Client client_;
  client::Informer& replication_controllers_;
  client::Informer& replica_sets_;
  client::Informer& deployments_;
  client::Informer& stateful_sets_;

  absl::Mutex mu_;
  // "group/version/Kind" -> resource, for kinds found served.
  std::map<std::string, client::Resource> mappings_ ABSL_GUARDED_BY(mu_);
};

// schema.ParseGroupVersion: "v1" -> {"", "v1"}, "apps/v1" -> {"apps", "v1"}, "" -> {"", ""};
// more than one '/' is an error ("unexpected GroupVersion string: a/b/c").
absl::StatusOr<std::pair<std::string, std::string>> ParseGroupVersion(const std::string& text);

}  // namespace k1s::controllers::disruption
