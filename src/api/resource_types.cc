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

std::vector<ResourceType> MakeCatalog() {
  std::vector<ResourceType> types;

  ResourceType namespaces = Core("Namespace", "namespaces", false, {"ns"}, "namespaces");
  // Upstream namespaces have no deletecollection.
  namespaces.verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  namespaces.subresources = {"finalize", "status"};
  types.push_back(namespaces);

  types.push_back(Core("ConfigMap", "configmaps", true, {"cm"}, "configmaps"));
  types.push_back(Core("Endpoints", "endpoints", true, {"ep"}, "services/endpoints"));
  types.back().singular = "endpoints";
  types.push_back(Core("Event", "events", true, {"ev"}, "events"));

  ResourceType nodes = Core("Node", "nodes", false, {"no"}, "minions");
  nodes.subresources = {"status"};
  types.push_back(nodes);

  ResourceType pods = Core("Pod", "pods", true, {"po"}, "pods");
  pods.categories = {"all"};
  pods.subresources = {"binding", "status"};
  types.push_back(pods);

  types.push_back(Core("Secret", "secrets", true, {}, "secrets"));
  types.push_back(Core("ServiceAccount", "serviceaccounts", true, {"sa"}, "serviceaccounts"));

  ResourceType services = Core("Service", "services", true, {"svc"}, "services/specs");
  services.categories = {"all"};
  services.subresources = {"status"};
  types.push_back(services);

  types.push_back(Grouped("coordination.k8s.io", "Lease", "leases", true, {}, "leases"));
  types.push_back(
      Grouped("discovery.k8s.io", "EndpointSlice", "endpointslices", true, {}, "endpointslices"));
  ResourceType events = Grouped("events.k8s.io", "Event", "events", true, {"ev"}, "events");
  events.stored_as_kind = "Event";  // the core/v1 form, in the same place
  types.push_back(events);
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
