#pragma once
// Which collection a request addresses: group, version, plural and scope, with the built-in
// resources controllers use as constants. Plain values; thread-safe.
#include <string>
#include <string_view>

namespace k1s::client {

struct Resource {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  std::string kind;
  bool namespaced = true;

  // "/api/v1/namespaces/ns/pods/name/status": `namespace_name` is ignored for cluster-scoped
  // resources; empty `name` addresses the collection ("" namespace = across all namespaces).
  std::string Path(std::string_view namespace_name = "", std::string_view name = "",
                   std::string_view subresource = "") const;
  // "apps/v1" or "v1": the objects' apiVersion.
  std::string ApiVersion() const;
};

namespace resources {
Resource Pods();
Resource Nodes();
Resource Namespaces();
Resource Services();
Resource Endpoints();
Resource Events();
Resource ConfigMaps();
Resource Secrets();
Resource ServiceAccounts();
Resource PersistentVolumes();
Resource PersistentVolumeClaims();
Resource ReplicationControllers();
Resource ResourceQuotas();
Resource Deployments();
Resource ReplicaSets();
Resource DaemonSets();
Resource StatefulSets();
Resource ControllerRevisions();
Resource Jobs();
Resource CronJobs();
Resource EndpointSlices();
Resource Leases();
Resource PodDisruptionBudgets();
Resource StorageClasses();
}  // namespace resources

}  // namespace k1s::client
