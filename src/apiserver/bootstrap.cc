#include "apiserver/bootstrap.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "apiserver/resource_handler.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

absl::Status CreateIfMissing(Registry& registry, std::string_view namespace_name, json object) {
  // Look first: creating an existing service would fail on its taken ClusterIP, not as a 409.
  std::string name = object["metadata"].value("name", "");
  absl::StatusOr<ObjectRef> existing = registry.Get(namespace_name, name);
  if (existing.ok()) return absl::OkStatus();
  if (!api::IsNotFound(existing.status())) return existing.status();
  absl::StatusOr<ObjectRef> created = registry.Create(namespace_name, std::move(object), {});
  if (created.ok() || api::IsAlreadyExists(created.status())) return absl::OkStatus();
  return created.status();
}

// Creates the object, or rewrites `field` of the stored one when it differs.
absl::Status Reconcile(Registry& registry, std::string_view namespace_name, std::string_view name,
                       json object, const char* field) {
  absl::StatusOr<ObjectRef> current = registry.Get(namespace_name, name);
  if (!current.ok()) {
    if (!api::IsNotFound(current.status())) return current.status();
    return CreateIfMissing(registry, namespace_name, std::move(object));
  }
  json stored = json::parse((*current)->json);
  if (stored[field] == object[field]) return absl::OkStatus();
  stored[field] = object[field];
  return registry.Update(namespace_name, name, std::move(stored), "", {}).status();
}

Registry& Must(ResourceHandler& resources, const char* group, const char* plural) {
  Registry* registry = resources.Find(group, "v1", plural);
  return *registry;  // the built-in catalog always has these
}

// The two system priority classes every cluster has; their names and values are fixed upstream
// (critical add-ons and node agents schedule with them).
absl::Status EnsureSystemPriorityClasses(ResourceHandler& resources) {
  struct SystemClass {
    const char* name;
    int64_t value;
    const char* description;
  };
  const SystemClass classes[] = {
      {"system-node-critical", 2000001000, "For pods a node cannot work without."},
      {"system-cluster-critical", 2000000000,
       "For pods the cluster cannot work without; they may still move between nodes."},
  };
  Registry& priority_classes = Must(resources, "scheduling.k8s.io", "priorityclasses");
  for (const SystemClass& system : classes) {
    json object = {
        {"apiVersion", "scheduling.k8s.io/v1"}, {"kind", "PriorityClass"},
        {"metadata", {{"name", system.name}}},  {"value", system.value},
        {"description", system.description},    {"preemptionPolicy", "PreemptLowerPriority"}};
    if (absl::Status status = CreateIfMissing(priority_classes, "", std::move(object));
        !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status EnsureBootstrapObjects(ResourceHandler& resources, const BootstrapOptions& options) {
  Registry& namespaces = Must(resources, "", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    if (absl::Status status = CreateIfMissing(namespaces, "", std::move(ns)); !status.ok()) {
      return status;
    }
  }
  if (absl::Status status = EnsureSystemPriorityClasses(resources); !status.ok()) return status;
  json labels = {{"component", "apiserver"}, {"provider", "kubernetes"}};
  json service = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", "kubernetes"}, {"namespace", "default"}, {"labels", labels}}},
      {"spec",
       {{"type", "ClusterIP"},
        {"clusterIP", options.service_ip},
        {"ports",
         {{{"name", "https"},
           {"port", 443},
           {"protocol", "TCP"},
           {"targetPort", options.port}}}}}}};
  if (absl::Status status =
          CreateIfMissing(Must(resources, "", "services"), "default", std::move(service));
      !status.ok()) {
    return status;
  }
  json https_port = {{"name", "https"}, {"port", options.port}, {"protocol", "TCP"}};
  json endpoints = {
      {"apiVersion", "v1"},
      {"kind", "Endpoints"},
      {"metadata",
       {{"name", "kubernetes"},
        {"namespace", "default"},
        {"labels", {{"endpointslice.kubernetes.io/skip-mirror", "true"}}}}},
      {"subsets",
       {{{"addresses", {{{"ip", options.advertise_address}}}}, {"ports", {https_port}}}}}};
  if (absl::Status status = Reconcile(Must(resources, "", "endpoints"), "default", "kubernetes",
                                      std::move(endpoints), "subsets");
      !status.ok()) {
    return status;
  }
  json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                {"kind", "EndpointSlice"},
                {"metadata",
                 {{"name", "kubernetes"},
                  {"namespace", "default"},
                  {"labels", {{"kubernetes.io/service-name", "kubernetes"}}}}},
                {"addressType", "IPv4"},
                {"endpoints",
                 {{{"addresses", {options.advertise_address}}, {"conditions", {{"ready", true}}}}}},
                {"ports", {https_port}}};
  return Reconcile(Must(resources, "discovery.k8s.io", "endpointslices"), "default", "kubernetes",
                   std::move(slice), "endpoints");
}

}  // namespace k1s::apiserver
