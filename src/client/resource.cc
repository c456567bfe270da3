#include "client/resource.h"

#include "base/strings.h"

namespace k1s::client {

std::string Resource::ApiVersion() const {
  return group.empty() ? version : base::StrCat(group, "/", version);
}

std::string Resource::Path(std::string_view namespace_name, std::string_view name,
                           std::string_view subresource) const {
  std::string path = group.empty() ? base::StrCat("/api/", version)
                                   : base::StrCat("/apis/", group, "/", version);
  if (namespaced && !namespace_name.empty()) {
    path += base::StrCat("/namespaces/", namespace_name);
  }
  path += base::StrCat("/", plural);
  if (!name.empty()) {
    path += base::StrCat("/", name);
    if (!subresource.empty()) path += base::StrCat("/", subresource);
  }
  return path;
}

namespace resources {
namespace {
Resource Core(std::string plural, std::string kind, bool namespaced = true) {
  return Resource{"", "v1", std::move(plural), std::move(kind), namespaced};
}
Resource Of(std::string group, std::string plural, std::string kind, bool namespaced = true) {
  return Resource{std::move(group), "v1", std::move(plural), std::move(kind), namespaced};
}
}  // namespace

Resource Pods() { return Core("pods", "Pod"); }
Resource Nodes() { return Core("nodes", "Node", false); }
Resource Namespaces() { return Core("namespaces", "Namespace", false); }
Resource Services() { return Core("services", "Service"); }
Resource Endpoints() { return Core("endpoints", "Endpoints"); }
Resource Events() { return Core("events", "Event"); }
Resource ConfigMaps() { return Core("configmaps", "ConfigMap"); }
Resource Secrets() { return Core("secrets", "Secret"); }
Resource ServiceAccounts() { return Core("serviceaccounts", "ServiceAccount"); }
Resource PersistentVolumes() { return Core("persistentvolumes", "PersistentVolume", false); }
Resource PersistentVolumeClaims() {
  return Core("persistentvolumeclaims", "PersistentVolumeClaim");
}
Resource ReplicationControllers() {
  return Core("replicationcontrollers", "ReplicationController");
}
Resource ResourceQuotas() { return Core("resourcequotas", "ResourceQuota"); }
Resource Deployments() { return Of("apps", "deployments", "Deployment"); }
Resource ReplicaSets() { return Of("apps", "replicasets", "ReplicaSet"); }
Resource DaemonSets() { return Of("apps", "daemonsets", "DaemonSet"); }
Resource StatefulSets() { return Of("apps", "statefulsets", "StatefulSet"); }
Resource ControllerRevisions() { return Of("apps", "controllerrevisions", "ControllerRevision"); }
Resource Jobs() { return Of("batch", "jobs", "Job"); }
Resource CronJobs() { return Of("batch", "cronjobs", "CronJob"); }
Resource EndpointSlices() { return Of("discovery.k8s.io", "endpointslices", "EndpointSlice"); }
Resource Leases() { return Of("coordination.k8s.io", "leases", "Lease"); }
Resource PodDisruptionBudgets() {
  return Of("policy", "poddisruptionbudgets", "PodDisruptionBudget");
}
Resource StorageClasses() { return Of("storage.k8s.io", "storageclasses", "StorageClass", false); }
}  // namespace resources

}  // namespace k1s::client
