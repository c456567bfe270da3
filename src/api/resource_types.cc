#include "api/resource_types.h"

#include <algorithm>

namespace k1s::api {
namespace {

// Storage keys follow kube-apiserver's layout so etcdctl users find objects where they expect.
ResourceType Core(std::string kind, std::string plural, bool namespaced,
                  std::vector<std::string> short_names, std::string storage) {
  ResourceType type;
  type.version = "v1";
  type.kind = std::move(kind);
  type.plural = std::move(plural);
  type.singular = type.kind;
  std::transform(type.singular.begin(), type.singular.end(), type.singular.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  type.namespaced = namespaced;
  type.short_names = std::move(short_names);
  type.verbs = StandardVerbs();
  type.storage_prefix = "/registry/" + std::move(storage) + "/";
  return type;
}

ResourceType Grouped(std::string group, std::string kind, std::string plural, bool namespaced,
                     std::vector<std::string> short_names, std::string storage) {
  ResourceType type = Core(std::move(kind), std::move(plural), namespaced, std::move(short_names),
                           std::move(storage));
  type.group = std::move(group);
  return type;
}

ResourceType WithSubresources(ResourceType type, std::vector<std::string> subresources) {
  type.subresources = std::move(subresources);
  return type;
}

ResourceType InCategoryAll(ResourceType type) {
  type.categories = {"all"};
  return type;
}

std::vector<ResourceType> MakeCatalog() {
  std::vector<ResourceType> types;
  auto add = [&types](ResourceType type) { types.push_back(std::move(type)); };

  ResourceType namespaces = Core("Namespace", "namespaces", false, {"ns"}, "namespaces");
  // Upstream namespaces have no deletecollection.
  namespaces.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  namespaces.subresources = {"finalize", "status"};
  add(namespaces);

  add(Core("ConfigMap", "configmaps", true, {"cm"}, "configmaps"));
  add(Core("Endpoints", "endpoints", true, {"ep"}, "services/endpoints"));
  types.back().singular = "endpoints";
  add(Core("Event", "events", true, {"ev"}, "events"));
  add(Core("LimitRange", "limitranges", true, {"limits"}, "limitranges"));
  add(WithSubresources(Core("Node", "nodes", false, {"no"}, "minions"), {"status"}));
  add(WithSubresources(
      Core("PersistentVolumeClaim", "persistentvolumeclaims", true, {"pvc"},
           "persistentvolumeclaims"),
      {"status"}));
  add(WithSubresources(
      Core("PersistentVolume", "persistentvolumes", false, {"pv"}, "persistentvolumes"),
      {"status"}));
  add(InCategoryAll(WithSubresources(Core("Pod", "pods", true, {"po"}, "pods"),
                                     {"binding", "ephemeralcontainers", "eviction", "status"})));
  add(Core("PodTemplate", "podtemplates", true, {}, "podtemplates"));
  add(InCategoryAll(WithSubresources(
      Core("ReplicationController", "replicationcontrollers", true, {"rc"}, "controllers"),
      {"scale", "status"})));
  add(WithSubresources(Core("ResourceQuota", "resourcequotas", true, {"quota"}, "resourcequotas"),
                       {"status"}));
  add(Core("Secret", "secrets", true, {}, "secrets"));
  add(WithSubresources(Core("ServiceAccount", "serviceaccounts", true, {"sa"}, "serviceaccounts"),
                       {"token"}));
  add(InCategoryAll(
      WithSubresources(Core("Service", "services", true, {"svc"}, "services/specs"), {"status"})));

  add(Grouped("apps", "ControllerRevision", "controllerrevisions", true, {}, "controllerrevisions"));
  add(InCategoryAll(WithSubresources(
      Grouped("apps", "DaemonSet", "daemonsets", true, {"ds"}, "daemonsets"), {"status"})));
  add(InCategoryAll(WithSubresources(
      Grouped("apps", "Deployment", "deployments", true, {"deploy"}, "deployments"),
      {"scale", "status"})));
  add(InCategoryAll(WithSubresources(
      Grouped("apps", "ReplicaSet", "replicasets", true, {"rs"}, "replicasets"),
      {"scale", "status"})));
  add(InCategoryAll(WithSubresources(
      Grouped("apps", "StatefulSet", "statefulsets", true, {"sts"}, "statefulsets"),
      {"scale", "status"})));

  ResourceType events = Grouped("events.k8s.io", "Event", "events", true, {"ev"}, "events");
  events.stored_as_kind = "Event";  // the core/v1 form, in the same place
  add(events);

  add(InCategoryAll(WithSubresources(
      Grouped("autoscaling", "HorizontalPodAutoscaler", "horizontalpodautoscalers", true, {"hpa"},
              "horizontalpodautoscalers"),
      {"status"})));
  types.back().version = "v2";

  add(InCategoryAll(
      WithSubresources(Grouped("batch", "CronJob", "cronjobs", true, {"cj"}, "cronjobs"),
                       {"status"})));
  add(InCategoryAll(
      WithSubresources(Grouped("batch", "Job", "jobs", true, {}, "jobs"), {"status"})));

  add(WithSubresources(
      Grouped("certificates.k8s.io", "CertificateSigningRequest", "certificatesigningrequests",
              false, {"csr"}, "certificatesigningrequests"),
      {"approval", "status"}));

  add(WithSubresources(
      Grouped("networking.k8s.io", "Ingress", "ingresses", true, {"ing"}, "ingress"),
      {"status"}));
  add(Grouped("networking.k8s.io", "IngressClass", "ingressclasses", false, {}, "ingressclasses"));
  add(Grouped("networking.k8s.io", "NetworkPolicy", "networkpolicies", true, {"netpol"},
              "networkpolicies"));

  add(WithSubresources(Grouped("policy", "PodDisruptionBudget", "poddisruptionbudgets", true,
                               {"pdb"}, "poddisruptionbudgets"),
                       {"status"}));

  const char* rbac = "rbac.authorization.k8s.io";
  add(Grouped(rbac, "ClusterRoleBinding", "clusterrolebindings", false, {}, "clusterrolebindings"));
  add(Grouped(rbac, "ClusterRole", "clusterroles", false, {}, "clusterroles"));
  add(Grouped(rbac, "RoleBinding", "rolebindings", true, {}, "rolebindings"));
  add(Grouped(rbac, "Role", "roles", true, {}, "roles"));

  add(Grouped("storage.k8s.io", "CSIDriver", "csidrivers", false, {}, "csidrivers"));
  add(Grouped("storage.k8s.io", "CSINode", "csinodes", false, {}, "csinodes"));
  add(Grouped("storage.k8s.io", "StorageClass", "storageclasses", false, {"sc"},
              "storageclasses"));
  add(WithSubresources(Grouped("storage.k8s.io", "VolumeAttachment", "volumeattachments", false,
                               {}, "volumeattachments"),
                       {"status"}));


  add(Grouped("admissionregistration.k8s.io", "MutatingWebhookConfiguration",
              "mutatingwebhookconfigurations", false, {}, "mutatingwebhookconfigurations"));
  add(Grouped("admissionregistration.k8s.io", "ValidatingWebhookConfiguration",
              "validatingwebhookconfigurations", false, {}, "validatingwebhookconfigurations"));

  ResourceType crds =
      Grouped("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions",
              false, {"crd", "crds"}, "apiextensions.k8s.io/customresourcedefinitions");
  crds.categories = {"api-extensions"};
  crds.subresources = {"status"};
  add(crds);

  add(Grouped("scheduling.k8s.io", "PriorityClass", "priorityclasses", false, {"pc"},
              "priorityclasses"));

  add(Grouped("coordination.k8s.io", "Lease", "leases", true, {}, "leases"));

  add(Grouped("node.k8s.io", "RuntimeClass", "runtimeclasses", false, {}, "runtimeclasses"));

  add(Grouped("discovery.k8s.io", "EndpointSlice", "endpointslices", true, {}, "endpointslices"));
  return types;
}

}  // namespace

bool ResourceType::has_subresource(std::string_view name) const {
  return std::find(subresources.begin(), subresources.end(), name) != subresources.end();
}

bool ResourceType::has_status_subresource() const { return has_subresource("status"); }

std::string ResourceType::GroupVersion() const {
  return group.empty() ? version : group + "/" + version;
}

const std::vector<std::string>& StandardVerbs() {
  static const std::vector<std::string> verbs = {"create", "delete", "deletecollection", "get",
                                                 "list",   "patch",  "update",           "watch"};
  return verbs;
}

const std::vector<ResourceType>& BuiltinResourceTypes() {
  static const std::vector<ResourceType> types = MakeCatalog();
  return types;
}

}  // namespace k1s::api
