#pragma once
// The catalog of resource types the apiserver serves: one description per group/version/resource
// with everything discovery, routing, storage and printing need to know about it.
//
// Adding a built-in kind is one entry in resource_types.cc. Immutable after startup; thread-safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace k1s::api {

// One column of a custom resource's table (a CRD's additionalPrinterColumns).
struct PrinterColumn {
  std::string name;
  std::string type;    // integer, number, string, boolean, date
  std::string format;  // OpenAPI format, e.g. "int32", "byte", "date-time"
  std::string description;
  int32_t priority = 0;   // 0 = default view, more = wide only
  std::string json_path;  // ".spec.replicas"
};

struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string kind;      // "ConfigMap"
  std::string plural;    // "configmaps": the URL path segment
  std::string singular;  // "configmap"
  bool namespaced = true;
  std::vector<std::string> short_names;  // "cm"
  std::vector<std::string> categories;   // "all"
  std::vector<std::string> verbs;        // discovery verbs of the main resource
  // Subresources served: "status" (get/patch/update of .status only), "binding" (pods).
  std::vector<std::string> subresources;
  // Datastore key prefix, e.g. "/registry/configmaps/". Objects live at
  // prefix + "<namespace>/<name>" (namespaced) or prefix + "<name>" (cluster-scoped).
  std::string storage_prefix;
  // Set when objects are stored in another type's form and converted at the API edge:
  // events.k8s.io/v1 Events are stored as core/v1 Events, as upstream does.
  std::string stored_as_group;
  std::string stored_as_kind;
  bool is_view() const { return !stored_as_kind.empty(); }
  // Set for types served from a CustomResourceDefinition (the CRD's name); their tables use
  // `printer_columns` instead of a built-in printer.
  std::string custom_resource_definition;
  std::vector<PrinterColumn> printer_columns;
  bool is_custom() const { return !custom_resource_definition.empty(); }

  // True for kinds whose main write path keeps .status as stored (status is owned by the
  // status subresource). Upstream does this for kinds that have a status subresource.
  bool has_status_subresource() const;
  bool has_subresource(std::string_view name) const;

  // "v1" for the core group, "apps/v1" otherwise: the objects' apiVersion.
  std::string GroupVersion() const;
  std::string ListKind() const { return kind + "List"; }
};

// Every built-in resource type, core group first, in the order discovery lists them.
const std::vector<ResourceType>& BuiltinResourceTypes();

// The verbs of a normal read-write resource, in discovery order.
const std::vector<std::string>& StandardVerbs();

}  // namespace k1s::api
