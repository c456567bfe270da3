#include "apiserver/openapi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/resource_types.h"
#include "api/schema.h"

namespace k1s::apiserver {
namespace {

using json = nlohmann::json;
using api::ResourceType;
using api::schema::Catalog;
using api::schema::Definition;
using api::schema::ListType;
using api::schema::MapType;
using api::schema::Property;
using api::schema::Shape;
using api::schema::Type;

constexpr char kMeta[] = "io.k8s.apimachinery.pkg.apis.meta.v1.";

Shape Scalar(Type type, std::string format = "") {
  Shape shape;
  shape.type = type;
  shape.format = std::move(format);
  return shape;
}

Shape Struct(const Definition* definition) {
  Shape shape;
  shape.type = Type::kObject;
  shape.definition = definition;
  return shape;
}

Shape Container(Type type, Shape items) {
  Shape shape;
  shape.type = type;
  shape.items = std::make_shared<const Shape>(std::move(items));
  return shape;
}

Property Prop(std::string name, Shape shape, std::string description = "", bool required = false) {
  Property property;
  property.name = std::move(name);
  property.shape = std::move(shape);
  property.description = std::move(description);
  property.required = required;
  return property;
}

Definition* Define(Catalog& catalog, std::string name, std::vector<Property> properties,
                   std::vector<api::schema::GroupVersionKind> kinds = {}) {
  auto definition = std::make_unique<Definition>();
  definition->name = std::move(name);
  definition->description = "about " + definition->name;
  definition->properties = std::move(properties);
  definition->kinds = std::move(kinds);
  return catalog.Add(std::move(definition));
}

ResourceType Type_(std::string group, std::string kind, std::string plural, bool namespaced,
                   std::vector<std::string> subresources = {}) {
  ResourceType type;
  type.group = std::move(group);
  type.version = "v1";
  type.kind = std::move(kind);
  type.plural = std::move(plural);
  type.namespaced = namespaced;
  type.verbs = api::StandardVerbs();
  type.subresources = std::move(subresources);
  return type;
}

// A catalog with a Deployment, a Pod, a ConfigMap and the meta/v1 and subresource kinds their
// operations use.
class OpenApiTest : public testing::Test {
 protected:
  void SetUp() override {
    Definition* object_meta =
        Define(catalog_, std::string(kMeta) + "ObjectMeta",
               {Prop("name", Scalar(Type::kString)),
                Prop("creationTimestamp", Scalar(Type::kTime, "date-time")),
                Prop("labels", Container(Type::kMap, Scalar(Type::kString)))});
    Definition* list_meta = Define(catalog_, std::string(kMeta) + "ListMeta",
                                   {Prop("continue", Scalar(Type::kString))});
    Definition* selector =
        Define(catalog_, std::string(kMeta) + "LabelSelector",
               {Prop("matchLabels", Container(Type::kMap, Scalar(Type::kString)))});
    selector->map_type = MapType::kAtomic;
    Define(catalog_, std::string(kMeta) + "Status",
           {Prop("message", Scalar(Type::kString)), Prop("code", Scalar(Type::kInteger, "int32"))},
           {{"", "v1", "Status"}});
    Define(catalog_, std::string(kMeta) + "DeleteOptions",
           {Prop("gracePeriodSeconds", Scalar(Type::kInteger, "int64"))},
           {{"", "v1", "DeleteOptions"}});
    Define(catalog_, std::string(kMeta) + "Patch", {});
    Define(catalog_, std::string(kMeta) + "WatchEvent",
           {Prop("type", Scalar(Type::kString), "", true),
            Prop("object", Scalar(Type::kAny), "", true)});
    Define(catalog_, std::string(kMeta) + "APIResourceList",
           {Prop("groupVersion", Scalar(Type::kString), "", true)});
    Define(catalog_, "io.k8s.api.autoscaling.v1.Scale", {Prop("metadata", Struct(object_meta))},
           {{"autoscaling", "v1", "Scale"}});

    Shape limits = Container(Type::kMap, Scalar(Type::kQuantity));
    Definition* resources =
        Define(catalog_, "io.k8s.api.core.v1.ResourceRequirements", {Prop("limits", limits)});
    Definition* container =
        Define(catalog_, "io.k8s.api.core.v1.Container",
               {Prop("name", Scalar(Type::kString), "The container's name.", true),
                Prop("resources", Struct(resources), "Compute resources.")});
    Shape containers = Container(Type::kArray, Struct(container));
    containers.list_type = ListType::kMap;
    containers.list_map_keys = {"name"};
    Property containers_property = Prop("containers", containers, "The containers.", true);
    containers_property.patch_strategy = "merge";
    containers_property.patch_merge_key = "name";
    Definition* pod_spec = Define(catalog_, "io.k8s.api.core.v1.PodSpec", {containers_property});
    Definition* pod = Define(catalog_, "io.k8s.api.core.v1.Pod",
                             {Prop("metadata", Struct(object_meta), "Standard metadata."),
                              Prop("spec", Struct(pod_spec), "The pod's behavior.")},
                             {{"", "v1", "Pod"}});
    Define(catalog_, "io.k8s.api.core.v1.PodList",
           {Prop("metadata", Struct(list_meta)),
            Prop("items", Container(Type::kArray, Struct(pod)), "", true)},
           {{"", "v1", "PodList"}});
    Define(catalog_, "io.k8s.api.core.v1.Binding", {Prop("metadata", Struct(object_meta))},
           {{"", "v1", "Binding"}});
    Define(catalog_, "io.k8s.api.policy.v1.Eviction", {Prop("metadata", Struct(object_meta))},
           {{"policy", "v1", "Eviction"}});
    Definition* template_spec =
        Define(catalog_, "io.k8s.api.core.v1.PodTemplateSpec",
               {Prop("metadata", Struct(object_meta)), Prop("spec", Struct(pod_spec))});
    Define(catalog_, "io.k8s.api.core.v1.ConfigMap",
           {Prop("metadata", Struct(object_meta)),
            Prop("data", Container(Type::kMap, Scalar(Type::kString)), "Configuration data."),
            Prop("binaryData", Container(Type::kMap, Scalar(Type::kBytes)))},
           {{"", "v1", "ConfigMap"}});
    Define(catalog_, "io.k8s.api.core.v1.Unreferenced", {Prop("x", Scalar(Type::kString))});

    Definition* rolling = Define(catalog_, "io.k8s.api.apps.v1.RollingUpdateDeployment",
                                 {Prop("maxSurge", Scalar(Type::kIntOrString), "Extra pods.")});
    Shape strategy_type = Scalar(Type::kString);
    strategy_type.enum_values = {"Recreate", "RollingUpdate"};
    Definition* strategy = Define(catalog_, "io.k8s.api.apps.v1.DeploymentStrategy",
                                  {Prop("type", strategy_type, "Type of deployment."),
                                   Prop("rollingUpdate", Struct(rolling))});
    Definition* spec =
        Define(catalog_, "io.k8s.api.apps.v1.DeploymentSpec",
               {Prop("replicas", Scalar(Type::kInteger, "int32"), "Number of desired pods."),
                Prop("selector", Struct(selector), "Label selector for pods.", true),
                Prop("strategy", Struct(strategy), "The deployment strategy."),
                Prop("template", Struct(template_spec), "The pod template.", true)});
    Definition* deployment = Define(catalog_, "io.k8s.api.apps.v1.Deployment",
                                    {Prop("metadata", Struct(object_meta), "Standard metadata."),
                                     Prop("spec", Struct(spec), "The desired behavior.")},
                                    {{"apps", "v1", "Deployment"}});
    Define(catalog_, "io.k8s.api.apps.v1.DeploymentList",
           {Prop("metadata", Struct(list_meta)),
            Prop("items", Container(Type::kArray, Struct(deployment)), "", true)},
           {{"apps", "v1", "DeploymentList"}});
    catalog_.Seal();

    types_ = {Type_("", "Pod", "pods", true,
                    {"binding", "ephemeralcontainers", "eviction", "status", "log"}),
              Type_("", "ConfigMap", "configmaps", true),
              Type_("apps", "Deployment", "deployments", true, {"scale", "status"})};
    openapi_ = std::make_unique<OpenApi>(types_, catalog_);
  }

  json Doc(const std::string& path) {
    std::optional<std::string> text = openapi_->Document(path);
    EXPECT_TRUE(text.has_value()) << path;
    if (!text) return json();
    return json::parse(*text);
  }

  Catalog catalog_;
  std::vector<ResourceType> types_;
  std::unique_ptr<OpenApi> openapi_;
};

json Schema(const json& doc, const std::string& name) {
  return doc["components"]["schemas"].value(name, json());
}

std::string RefTo(const std::string& name) { return "#/components/schemas/" + name; }

TEST_F(OpenApiTest, IndexPointsAtEveryGroupVersionWithItsHash) {
  json index = Doc("/openapi/v3");
  ASSERT_EQ(index["paths"].size(), 2u) << index.dump();
  for (const char* gv : {"api/v1", "apis/apps/v1"}) {
    std::string url = index["paths"][gv]["serverRelativeURL"];
    EXPECT_EQ(url.rfind(std::string("/openapi/v3/") + gv + "?hash=", 0), 0u) << url;
    std::string text = *openapi_->Document(std::string("/openapi/v3/") + gv);
    EXPECT_EQ(url.substr(url.find("hash=") + 5), std::to_string(std::hash<std::string>{}(text)));
  }
  EXPECT_EQ(Doc("/openapi/v3/")["paths"].size(), 2u);
  EXPECT_FALSE(openapi_->Document("/openapi/v3/apis/batch/v1").has_value());
  EXPECT_FALSE(openapi_->Document("/openapi/v2").has_value());
}

TEST_F(OpenApiTest, SchemasAreThoseReachableFromTheGroupVersion) {
  json doc = Doc("/openapi/v3/apis/apps/v1");
  EXPECT_EQ(doc["openapi"], "3.0.0");
  json schemas = doc["components"]["schemas"];
  for (const std::string& name :
       std::vector<std::string>{"io.k8s.api.apps.v1.Deployment",
                                "io.k8s.api.apps.v1.DeploymentList",
                                "io.k8s.api.apps.v1.DeploymentSpec",
                                "io.k8s.api.apps.v1.DeploymentStrategy",
                                "io.k8s.api.apps.v1.RollingUpdateDeployment",
                                "io.k8s.api.core.v1.PodTemplateSpec",
                                "io.k8s.api.core.v1.PodSpec",
                                "io.k8s.api.core.v1.Container",
                                "io.k8s.api.core.v1.ResourceRequirements",
                                "io.k8s.api.autoscaling.v1.Scale",
                                std::string(kMeta) + "ObjectMeta",
                                std::string(kMeta) + "ListMeta",
                                std::string(kMeta) + "LabelSelector",
                                std::string(kMeta) + "Status",
                                std::string(kMeta) + "DeleteOptions",
                                std::string(kMeta) + "Patch",
                                std::string(kMeta) + "WatchEvent",
                                std::string(kMeta) + "APIResourceList",
                                std::string(kMeta) + "Time",
                                "io.k8s.apimachinery.pkg.api.resource.Quantity",
                                "io.k8s.apimachinery.pkg.util.intstr.IntOrString"}) {
    EXPECT_TRUE(schemas.contains(name)) << name;
  }
  EXPECT_FALSE(schemas.contains("io.k8s.api.core.v1.ConfigMap"));
  EXPECT_FALSE(schemas.contains("io.k8s.api.core.v1.Pod"));
  EXPECT_FALSE(schemas.contains("io.k8s.api.core.v1.Unreferenced"));
  // Every $ref resolves inside the document.
  std::function<void(const json&)> check = [&](const json& value) {
    if (value.is_object()) {
      for (const auto& [key, member] : value.items()) {
        if (key == "$ref" && member.is_string()) {
          std::string ref = member;
          EXPECT_TRUE(schemas.contains(ref.substr(std::string("#/components/schemas/").size())))
              << ref;
        } else {
          check(member);
        }
      }
    } else if (value.is_array()) {
      for (const json& item : value) check(item);
    }
  };
  check(doc);
}

TEST_F(OpenApiTest, DefinitionsHaveUpstreamShape) {
  json doc = Doc("/openapi/v3/apis/apps/v1");
  json deployment = Schema(doc, "io.k8s.api.apps.v1.Deployment");
  EXPECT_EQ(deployment["type"], "object");
  EXPECT_EQ(deployment["description"], "about io.k8s.api.apps.v1.Deployment");
  EXPECT_EQ(deployment["x-kubernetes-group-version-kind"],
            json::parse(R"([{"group":"apps","kind":"Deployment","version":"v1"}])"));
  EXPECT_EQ(deployment["properties"]["spec"],
            json({{"allOf", json::array({{{"$ref", RefTo("io.k8s.api.apps.v1.DeploymentSpec")}}})},
                  {"description", "The desired behavior."}}));
  EXPECT_EQ(deployment["properties"]["apiVersion"]["type"], "string");
  EXPECT_EQ(deployment["properties"]["kind"]["type"], "string");

  json spec = Schema(doc, "io.k8s.api.apps.v1.DeploymentSpec");
  EXPECT_EQ(spec["required"], json::parse(R"(["selector","template"])"));
  EXPECT_EQ(spec["properties"]["replicas"],
            json::parse(R"({"description":"Number of desired pods.","format":"int32",
                            "type":"integer"})"));
  EXPECT_EQ(Schema(doc, std::string(kMeta) + "LabelSelector")["x-kubernetes-map-type"], "atomic");
  EXPECT_EQ(Schema(doc, "io.k8s.api.apps.v1.DeploymentStrategy")["properties"]["type"]["enum"],
            json::parse(R"(["Recreate","RollingUpdate"])"));
  EXPECT_EQ(Schema(doc, "io.k8s.api.apps.v1.RollingUpdateDeployment")["properties"]["maxSurge"],
            json({{"allOf", json::array({{{"$ref", RefTo("io.k8s.apimachinery.pkg.util.intstr."
                                                         "IntOrString")}}})},
                  {"description", "Extra pods."}}));
  EXPECT_EQ(Schema(doc, "io.k8s.apimachinery.pkg.util.intstr.IntOrString")["oneOf"],
            json::parse(R"([{"type":"integer"},{"type":"string"}])"));
  EXPECT_EQ(Schema(doc, "io.k8s.apimachinery.pkg.util.intstr.IntOrString")["format"],
            "int-or-string");
  EXPECT_EQ(Schema(doc, "io.k8s.apimachinery.pkg.api.resource.Quantity")["oneOf"],
            json::parse(R"([{"type":"string"},{"type":"number"}])"));
  EXPECT_EQ(Schema(doc, std::string(kMeta) + "Time")["format"], "date-time");
  EXPECT_EQ(Schema(doc, std::string(kMeta) + "ObjectMeta")["properties"]["creationTimestamp"],
            json({{"$ref", RefTo(std::string(kMeta) + "Time")}}));

  json pod_spec = Schema(doc, "io.k8s.api.core.v1.PodSpec");
  EXPECT_EQ(pod_spec["properties"]["containers"], json::parse(R"({
      "description": "The containers.",
      "items": {"allOf": [{"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}],
                "default": {}},
      "type": "array",
      "x-kubernetes-list-map-keys": ["name"],
      "x-kubernetes-list-type": "map",
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge"})"));
  EXPECT_EQ(Schema(doc, "io.k8s.api.core.v1.ResourceRequirements")["properties"]["limits"],
            json::parse(R"({"additionalProperties":
                {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity"},
                "type": "object"})"));
  EXPECT_EQ(Schema(doc, std::string(kMeta) + "WatchEvent")["properties"]["object"],
            json::parse(R"({"x-kubernetes-preserve-unknown-fields": true})"));
}

TEST_F(OpenApiTest, CoreTypesAndBytes) {
  json doc = Doc("/openapi/v3/api/v1");
  json config_map = Schema(doc, "io.k8s.api.core.v1.ConfigMap");
  EXPECT_EQ(config_map["properties"]["binaryData"],
            json::parse(R"({"additionalProperties":{"format":"byte","type":"string"},
                            "type":"object"})"));
  EXPECT_EQ(config_map["x-kubernetes-group-version-kind"],
            json::parse(R"([{"group":"","kind":"ConfigMap","version":"v1"}])"));
  EXPECT_TRUE(doc["paths"].contains("/api/v1/"));
  EXPECT_EQ(doc["paths"]["/api/v1/"]["get"]["operationId"], "getCoreV1APIResources");
}

std::vector<std::string> ParamNames(const json& parameters) {
  std::vector<std::string> names;
  for (const json& parameter : parameters) names.push_back(parameter["name"]);
  return names;
}

TEST_F(OpenApiTest, OperationsCarryUpstreamParametersBodiesAndResponses) {
  json paths = Doc("/openapi/v3/apis/apps/v1")["paths"];
  json collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"];
  EXPECT_EQ(ParamNames(collection["parameters"]),
            (std::vector<std::string>{"namespace", "pretty"}));
  json list = collection["get"];
  EXPECT_EQ(list["operationId"], "listAppsV1NamespacedDeployment");
  EXPECT_EQ(list["x-kubernetes-action"], "list");
  EXPECT_EQ(list["tags"], json::array({"apps_v1"}));
  EXPECT_EQ(
      ParamNames(list["parameters"]),
      (std::vector<std::string>{"allowWatchBookmarks", "continue", "fieldSelector", "labelSelector",
                                "limit", "resourceVersion", "resourceVersionMatch",
                                "sendInitialEvents", "timeoutSeconds", "watch"}));
  EXPECT_EQ(list["parameters"][4]["schema"]["type"], "integer");
  EXPECT_EQ(list["responses"]["200"]["content"]["application/json;stream=watch"]["schema"],
            json({{"$ref", RefTo("io.k8s.api.apps.v1.DeploymentList")}}));

  json create = collection["post"];
  EXPECT_EQ(create["operationId"], "createAppsV1NamespacedDeployment");
  EXPECT_EQ(ParamNames(create["parameters"]),
            (std::vector<std::string>{"dryRun", "fieldManager", "fieldValidation"}));
  EXPECT_EQ(create["requestBody"]["content"]["*/*"]["schema"],
            json({{"$ref", RefTo("io.k8s.api.apps.v1.Deployment")}}));
  EXPECT_EQ(create["requestBody"]["required"], true);
  EXPECT_TRUE(create["responses"].contains("201"));
  EXPECT_TRUE(create["responses"].contains("202"));
  json delete_collection = collection["delete"];
  EXPECT_EQ(delete_collection["operationId"], "deleteAppsV1CollectionNamespacedDeployment");
  EXPECT_EQ(delete_collection["x-kubernetes-action"], "deletecollection");

  json item = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
  EXPECT_EQ(ParamNames(item["parameters"]),
            (std::vector<std::string>{"name", "namespace", "pretty"}));
  EXPECT_EQ(item["get"]["operationId"], "readAppsV1NamespacedDeployment");
  EXPECT_EQ(item["put"]["operationId"], "replaceAppsV1NamespacedDeployment");
  json patch = item["patch"];
  EXPECT_EQ(patch["operationId"], "patchAppsV1NamespacedDeployment");
  EXPECT_EQ(ParamNames(patch["parameters"]),
            (std::vector<std::string>{"dryRun", "fieldManager", "fieldValidation", "force"}));
  EXPECT_EQ(patch["requestBody"]["content"]["application/strategic-merge-patch+json"]["schema"],
            json({{"$ref", RefTo(std::string(kMeta) + "Patch")}}));
  EXPECT_EQ(patch["requestBody"]["content"].size(), 4u);
  EXPECT_EQ(item["delete"]["x-kubernetes-action"], "delete");
  EXPECT_EQ(ParamNames(item["delete"]["parameters"]),
            (std::vector<std::string>{"dryRun", "gracePeriodSeconds",
                                      "ignoreStoreReadErrorWithClusterBreakingPotential",
                                      "orphanDependents", "propagationPolicy"}));
  EXPECT_EQ(item["delete"]["requestBody"]["content"]["*/*"]["schema"],
            json({{"$ref", RefTo(std::string(kMeta) + "DeleteOptions")}}));
  EXPECT_EQ(item["delete"]["responses"]["202"]["content"]["application/json"]["schema"],
            json({{"$ref", RefTo(std::string(kMeta) + "Status")}}));

  json all = paths["/apis/apps/v1/deployments"];
  EXPECT_EQ(all["get"]["operationId"], "listAppsV1DeploymentForAllNamespaces");
  EXPECT_EQ(ParamNames(all["parameters"]).size(), 11u);
  EXPECT_EQ(
      paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments"]["get"]["x-kubernetes-action"],
      "watchlist");
  EXPECT_EQ(paths["/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}"]["get"]
                 ["responses"]["200"]["content"]["application/json"]["schema"],
            json({{"$ref", RefTo(std::string(kMeta) + "WatchEvent")}}));
  EXPECT_EQ(paths["/apis/apps/v1/watch/deployments"]["get"]["operationId"],
            "watchAppsV1DeploymentListForAllNamespaces");

  json scale = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"];
  EXPECT_EQ(scale["get"]["operationId"], "readAppsV1NamespacedDeploymentScale");
  EXPECT_EQ(scale["patch"]["x-kubernetes-group-version-kind"],
            json::parse(R"({"group":"autoscaling","kind":"Scale","version":"v1"})"));
  EXPECT_EQ(scale["put"]["requestBody"]["content"]["*/*"]["schema"],
            json({{"$ref", RefTo("io.k8s.api.autoscaling.v1.Scale")}}));
  json status = paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status"];
  EXPECT_EQ(status["patch"]["operationId"], "patchAppsV1NamespacedDeploymentStatus");
  EXPECT_EQ(status["get"]["x-kubernetes-group-version-kind"]["kind"], "Deployment");
}

// kubectl --validate asks whether the PATCH of a kind declares fieldValidation; it looks at
// whichever PATCH for the kind it meets first, so every one must.
TEST_F(OpenApiTest, EveryPatchDeclaresFieldValidation) {
  for (const char* gv : {"/openapi/v3/api/v1", "/openapi/v3/apis/apps/v1"}) {
    json doc = Doc(gv);
    int patches = 0;
    for (const auto& [path, item] : doc["paths"].items()) {
      if (!item.contains("patch")) continue;
      ++patches;
      std::vector<std::string> names = ParamNames(item["patch"]["parameters"]);
      EXPECT_NE(std::find(names.begin(), names.end(), "fieldValidation"), names.end()) << path;
      EXPECT_TRUE(item["patch"].contains("x-kubernetes-group-version-kind")) << path;
    }
    EXPECT_GT(patches, 0) << gv;
  }
}

TEST_F(OpenApiTest, PodSubresources) {
  json paths = Doc("/openapi/v3/api/v1")["paths"];
  std::string pod = "/api/v1/namespaces/{namespace}/pods/{name}";
  json binding = paths[pod + "/binding"];
  EXPECT_EQ(binding["post"]["operationId"], "createCoreV1NamespacedPodBinding");
  EXPECT_EQ(binding["post"]["x-kubernetes-group-version-kind"],
            json::parse(R"({"group":"","kind":"Binding","version":"v1"})"));
  EXPECT_EQ(binding.size(), 2u);  // post and the path parameters
  EXPECT_EQ(paths[pod + "/eviction"]["post"]["requestBody"]["content"]["*/*"]["schema"],
            json({{"$ref", RefTo("io.k8s.api.policy.v1.Eviction")}}));
  EXPECT_EQ(paths[pod + "/ephemeralcontainers"]["patch"]["operationId"],
            "patchCoreV1NamespacedPodEphemeralcontainers");
  EXPECT_FALSE(paths.contains(pod + "/log"));
}

// What `kubectl explain deployment.spec.strategy` does with the document: find the kind through
// a resource path's operation, the schema through its x-kubernetes-group-version-kind, then
// follow properties through $ref and allOf.
TEST_F(OpenApiTest, ExplainCanWalkFromResourceToField) {
  json doc = Doc("/openapi/v3/apis/apps/v1");
  json gvk = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["get"]
                ["x-kubernetes-group-version-kind"];
  json found;
  for (const auto& [name, schema] : doc["components"]["schemas"].items()) {
    json kinds = schema.value("x-kubernetes-group-version-kind", json::array());
    if (std::find(kinds.begin(), kinds.end(), gvk) != kinds.end()) found = schema;
  }
  ASSERT_FALSE(found.is_null());
  auto resolve = [&](json schema) {
    if (schema.contains("allOf")) schema = schema["allOf"][0];
    std::string ref = schema.value("$ref", "");
    if (ref.empty()) return schema;
    return doc["components"]["schemas"][ref.substr(std::string("#/components/schemas/").size())];
  };
  json strategy = resolve(resolve(found["properties"]["spec"])["properties"]["strategy"]);
  EXPECT_EQ(strategy["description"], "about io.k8s.api.apps.v1.DeploymentStrategy");
  EXPECT_TRUE(strategy["properties"].contains("rollingUpdate"));
  EXPECT_EQ(strategy["properties"]["type"]["enum"].size(), 2u);
}

TEST_F(OpenApiTest, RebuildAddsCustomResourceSchemas) {
  ResourceType widget = Type_("example.com", "Widget", "widgets", true, {"status"});
  std::vector<ResourceType> types = types_;
  types.push_back(widget);
  OpenApi::ExtraSchemas extra;
  extra["com.example.v1.Widget"] = json::parse(R"({
      "type": "object",
      "properties": {"spec": {"$ref": "#/components/schemas/com.example.v1.WidgetSpec"},
                     "metadata": {"$ref":
                         "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}},
      "x-kubernetes-group-version-kind": [{"group":"example.com","kind":"Widget","version":"v1"}]
  })");
  extra["com.example.v1.WidgetSpec"] = json::parse(R"({"type":"object",
      "properties":{"size":{"type":"integer"}}})");
  extra["com.example.v1.WidgetList"] = json::parse(R"({"type":"object",
      "properties":{"items":{"type":"array","items":
          {"$ref":"#/components/schemas/com.example.v1.Widget"}}},
      "x-kubernetes-group-version-kind":
          [{"group":"example.com","kind":"WidgetList","version":"v1"}]})");
  std::string apps_before = *openapi_->Document("/openapi/v3/apis/apps/v1");
  openapi_->Rebuild(types, extra);

  json index = Doc("/openapi/v3");
  EXPECT_EQ(index["paths"].size(), 3u);
  EXPECT_EQ(*openapi_->Document("/openapi/v3/apis/apps/v1"), apps_before);
  json doc = Doc("/openapi/v3/apis/example.com/v1");
  EXPECT_EQ(Schema(doc, "com.example.v1.Widget"), extra["com.example.v1.Widget"]);
  EXPECT_EQ(Schema(doc, "com.example.v1.WidgetSpec"), extra["com.example.v1.WidgetSpec"]);
  EXPECT_TRUE(doc["components"]["schemas"].contains(std::string(kMeta) + "ObjectMeta"));
  json item = doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"];
  EXPECT_EQ(item["patch"]["operationId"], "patchExampleComV1NamespacedWidget");
  EXPECT_FALSE(
      item["patch"]["requestBody"]["content"].contains("application/strategic-merge-patch+json"));
  EXPECT_EQ(item["get"]["responses"]["200"]["content"]["application/json"]["schema"],
            json({{"$ref", RefTo("com.example.v1.Widget")}}));
  EXPECT_EQ(doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets"]["get"]["responses"]
               ["200"]["content"]["application/json"]["schema"],
            json({{"$ref", RefTo("com.example.v1.WidgetList")}}));

  // Back to the built-ins only: the group-version is gone again.
  openapi_->Rebuild(types_, {});
  EXPECT_FALSE(openapi_->Document("/openapi/v3/apis/example.com/v1").has_value());
  EXPECT_EQ(Doc("/openapi/v3")["paths"].size(), 2u);
}

TEST_F(OpenApiTest, TypesWithoutSchemaStillGetPaths) {
  std::vector<ResourceType> types = {Type_("example.com", "Gadget", "gadgets", false)};
  openapi_->Rebuild(types, {});
  json paths = Doc("/openapi/v3/apis/example.com/v1")["paths"];
  json item = paths["/apis/example.com/v1/gadgets/{name}"];
  EXPECT_EQ(item["get"]["operationId"], "readExampleComV1Gadget");
  EXPECT_FALSE(item["get"]["responses"]["200"].contains("content"));
  EXPECT_EQ(item["put"]["requestBody"]["content"]["*/*"]["schema"], json({{"type", "object"}}));
  EXPECT_EQ(ParamNames(item["parameters"]), (std::vector<std::string>{"name", "pretty"}));
}

TEST_F(OpenApiTest, ReadersSeeWholeDocumentsWhileRebuilding) {
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop) {
      std::optional<std::string> index = openapi_->Document("/openapi/v3");
      std::optional<std::string> doc = openapi_->Document("/openapi/v3/api/v1");
      if (!index || !doc || !json::accept(*index) || !json::accept(*doc)) ++bad;
    }
  });
  for (int i = 0; i < 20; ++i) openapi_->Rebuild(types_, {});
  stop = true;
  reader.join();
  EXPECT_EQ(bad, 0);
}

// The target of a property's $ref, bare or wrapped in allOf (when it has siblings).
std::string RefOf(const json& property) {
  if (property.contains("allOf")) return property["allOf"][0].value("$ref", "");
  return property.value("$ref", "");
}

// The built-in catalog and resource types, as the server serves them.
TEST(OpenApiBuiltinTest, EveryDocumentIsSelfContainedAndDeclaresFieldValidation) {
  OpenApi openapi(api::BuiltinResourceTypes());
  json index = json::parse(*openapi.Document("/openapi/v3"));
  ASSERT_TRUE(index["paths"].contains("api/v1"));
  ASSERT_TRUE(index["paths"].contains("apis/apps/v1"));
  for (const auto& [gv, entry] : index["paths"].items()) {
    json doc = json::parse(*openapi.Document("/openapi/v3/" + gv));
    const json& schemas = doc["components"]["schemas"];
    std::function<void(const json&)> check = [&](const json& value) {
      if (value.is_object()) {
        for (const auto& [key, member] : value.items()) {
          if (key == "$ref" && member.is_string()) {
            std::string ref = member;
            EXPECT_TRUE(schemas.contains(ref.substr(std::string("#/components/schemas/").size())))
                << gv << ": " << ref;
          } else {
            check(member);
          }
        }
      } else if (value.is_array()) {
        for (const json& item : value) check(item);
      }
    };
    check(doc);
    for (const auto& [path, item] : doc["paths"].items()) {
      if (!item.contains("patch")) continue;
      std::vector<std::string> names = ParamNames(item["patch"]["parameters"]);
      EXPECT_NE(std::find(names.begin(), names.end(), "fieldValidation"), names.end()) << path;
    }
  }
  json apps = json::parse(*openapi.Document("/openapi/v3/apis/apps/v1"));
  json deployment = Schema(apps, "io.k8s.api.apps.v1.Deployment");
  EXPECT_EQ(deployment["x-kubernetes-group-version-kind"],
            json::parse(R"([{"group":"apps","kind":"Deployment","version":"v1"}])"));
  json spec = Schema(apps, "io.k8s.api.apps.v1.DeploymentSpec");
  EXPECT_EQ(RefOf(spec["properties"]["strategy"]), RefTo("io.k8s.api.apps.v1.DeploymentStrategy"));
  json containers = Schema(apps, "io.k8s.api.core.v1.PodSpec")["properties"]["containers"];
  EXPECT_EQ(containers["x-kubernetes-patch-merge-key"], "name");
  EXPECT_EQ(containers["x-kubernetes-patch-strategy"], "merge");
  EXPECT_EQ(RefOf(containers["items"]), RefTo("io.k8s.api.core.v1.Container"));
  EXPECT_EQ(
      RefOf(Schema(apps, "io.k8s.api.apps.v1.RollingUpdateDeployment")["properties"]["maxSurge"]),
      RefTo("io.k8s.apimachinery.pkg.util.intstr.IntOrString"));
  json core = json::parse(*openapi.Document("/openapi/v3/api/v1"));
  EXPECT_TRUE(core["components"]["schemas"].contains("io.k8s.api.core.v1.ConfigMap"));
  EXPECT_TRUE(core["paths"].contains("/api/v1/namespaces/{namespace}/pods/{name}/binding"));
}

}  // namespace
}  // namespace k1s::apiserver
