#include "api/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/resource_types.h"

namespace k1s::api::schema {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::NotNull;

const Catalog& Builtin() { return Catalog::Builtin(); }

// The property `path` ("spec.template.spec") of `definition`, descending through objects,
// array items and map values; fails the test when a step is missing.
const Property* PropertyAt(const Definition& definition, const std::vector<std::string>& path) {
  const Definition* current = &definition;
  const Property* property = nullptr;
  for (const std::string& name : path) {
    if (current == nullptr) {
      ADD_FAILURE() << "no object to look up " << name << " in";
      return nullptr;
    }
    property = current->Find(name);
    if (property == nullptr) {
      ADD_FAILURE() << current->name << " has no property " << name;
      return nullptr;
    }
    const Shape* shape = &property->shape;
    while ((shape->type == Type::kArray || shape->type == Type::kMap) && shape->items) {
      shape = shape->items.get();
    }
    current = shape->definition;
  }
  return property;
}

const Definition& Def(std::string_view name) {
  const Definition* definition = Builtin().ByName(name);
  if (definition == nullptr) {
    ADD_FAILURE() << "no definition " << name;
    static const Definition empty;
    return empty;
  }
  return *definition;
}

TEST(SchemaCatalogTest, NamesDefinitionsAsUpstreamOpenApi) {
  EXPECT_THAT(Builtin().ByName("io.k8s.api.apps.v1.Deployment"), NotNull());
  EXPECT_THAT(Builtin().ByName("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), NotNull());
  EXPECT_THAT(Builtin().ByName("io.k8s.api.core.v1.PodSpec"), NotNull());
  EXPECT_EQ(Builtin().ByName("io.k8s.api.apps.v1.NoSuchThing"), nullptr);
  // Special wire types are shapes, not definitions.
  EXPECT_EQ(Builtin().ByName("io.k8s.apimachinery.pkg.apis.meta.v1.Time"), nullptr);
  EXPECT_EQ(Builtin().ByName("io.k8s.apimachinery.pkg.util.intstr.IntOrString"), nullptr);
  EXPECT_GT(Builtin().definitions().size(), 500u);
  // Sorted by name, and every definition's properties sorted by name.
  const auto& all = Builtin().definitions();
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1]->name, all[i]->name);
  for (const auto& definition : all) {
    for (size_t i = 1; i < definition->properties.size(); ++i) {
      EXPECT_LT(definition->properties[i - 1].name, definition->properties[i].name)
          << definition->name;
    }
  }
}

TEST(SchemaCatalogTest, DeploymentSpec) {
  const Definition* deployment = Builtin().ForKind("apps", "v1", "Deployment");
  ASSERT_THAT(deployment, NotNull());
  EXPECT_EQ(deployment->name, "io.k8s.api.apps.v1.Deployment");
  EXPECT_THAT(deployment->Find("apiVersion"), NotNull());
  EXPECT_EQ(deployment->Find("kind")->shape.type, Type::kString);
  const Property* metadata = deployment->Find("metadata");
  ASSERT_THAT(metadata, NotNull());
  EXPECT_EQ(metadata->shape.definition->name, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");

  const Property* tmpl = PropertyAt(*deployment, {"spec", "template"});
  ASSERT_THAT(tmpl, NotNull());
  EXPECT_EQ(tmpl->shape.type, Type::kObject);
  EXPECT_EQ(tmpl->shape.definition->name, "io.k8s.api.core.v1.PodTemplateSpec");
  EXPECT_TRUE(tmpl->required);

  const Definition& spec = Def("io.k8s.api.apps.v1.DeploymentSpec");
  EXPECT_TRUE(spec.Find("selector")->required);
  EXPECT_FALSE(spec.Find("replicas")->required);
  EXPECT_EQ(spec.Find("replicas")->shape.type, Type::kInteger);
  EXPECT_EQ(spec.Find("replicas")->shape.format, "int32");
  EXPECT_EQ(spec.Find("paused")->shape.type, Type::kBoolean);
  EXPECT_EQ(spec.Find("strategy")->patch_strategy, "retainKeys");
  EXPECT_EQ(Def("io.k8s.api.apps.v1.DeploymentStatus").Find("observedGeneration")->shape.format,
            "int64");
}

TEST(SchemaCatalogTest, PodSpecContainersIsAMapListKeyedByName) {
  const Definition& pod_spec = Def("io.k8s.api.core.v1.PodSpec");
  const Property* containers = pod_spec.Find("containers");
  ASSERT_THAT(containers, NotNull());
  EXPECT_TRUE(containers->required);
  EXPECT_EQ(containers->shape.type, Type::kArray);
  EXPECT_EQ(containers->shape.list_type, ListType::kMap);
  EXPECT_THAT(containers->shape.list_map_keys, ElementsAre("name"));
  EXPECT_EQ(containers->patch_strategy, "merge");
  EXPECT_EQ(containers->patch_merge_key, "name");
  ASSERT_TRUE(containers->shape.items);
  EXPECT_EQ(containers->shape.items->definition->name, "io.k8s.api.core.v1.Container");

  const Property* volumes = pod_spec.Find("volumes");
  EXPECT_EQ(volumes->patch_strategy, "merge,retainKeys");
  EXPECT_FALSE(volumes->required);
  // nodeSelector: +mapType=atomic map of strings.
  const Property* node_selector = pod_spec.Find("nodeSelector");
  EXPECT_EQ(node_selector->shape.type, Type::kMap);
  EXPECT_EQ(node_selector->shape.map_type, MapType::kAtomic);
  EXPECT_EQ(node_selector->shape.items->type, Type::kString);
}

TEST(SchemaCatalogTest, Container) {
  const Definition& container = Def("io.k8s.api.core.v1.Container");
  EXPECT_TRUE(container.Find("name")->required);
  EXPECT_FALSE(container.Find("image")->required);

  const Property* ports = container.Find("ports");
  EXPECT_EQ(ports->shape.list_type, ListType::kMap);
  EXPECT_THAT(ports->shape.list_map_keys, ElementsAre("containerPort", "protocol"));
  EXPECT_EQ(ports->patch_merge_key, "containerPort");
  const Definition& port = Def("io.k8s.api.core.v1.ContainerPort");
  EXPECT_TRUE(port.Find("containerPort")->required);
  EXPECT_THAT(port.Find("protocol")->shape.enum_values, ElementsAre("SCTP", "TCP", "UDP"));

  EXPECT_THAT(container.Find("imagePullPolicy")->shape.enum_values,
              ElementsAre("Always", "IfNotPresent", "Never"));
  EXPECT_EQ(container.Find("command")->shape.list_type, ListType::kAtomic);

  // Probe flattens its embedded ProbeHandler.
  const Property* liveness = container.Find("livenessProbe");
  ASSERT_THAT(liveness, NotNull());
  const Definition* probe = liveness->shape.definition;
  ASSERT_THAT(probe, NotNull());
  EXPECT_EQ(probe->name, "io.k8s.api.core.v1.Probe");
  EXPECT_THAT(probe->Find("httpGet"), NotNull());
  EXPECT_THAT(probe->Find("exec"), NotNull());
  EXPECT_THAT(probe->Find("periodSeconds"), NotNull());
  EXPECT_EQ(probe->Find("handler"), nullptr);
  const Property* port_of_get = PropertyAt(*probe, {"httpGet", "port"});
  ASSERT_THAT(port_of_get, NotNull());
  EXPECT_EQ(port_of_get->shape.type, Type::kIntOrString);
  EXPECT_TRUE(port_of_get->required);

  const Property* limits = PropertyAt(container, {"resources", "limits"});
  ASSERT_THAT(limits, NotNull());
  EXPECT_EQ(limits->shape.type, Type::kMap);
  EXPECT_EQ(limits->shape.items->type, Type::kQuantity);
}

TEST(SchemaCatalogTest, InlineStructsAreFlattened) {
  const Definition& volume = Def("io.k8s.api.core.v1.Volume");
  EXPECT_TRUE(volume.Find("name")->required);
  EXPECT_THAT(volume.Find("configMap"), NotNull());
  EXPECT_THAT(volume.Find("emptyDir"), NotNull());
  EXPECT_EQ(volume.Find("volumeSource"), nullptr);
  // LocalObjectReference inside ConfigMapVolumeSource.
  const Property* name = PropertyAt(volume, {"configMap", "name"});
  ASSERT_THAT(name, NotNull());
  EXPECT_EQ(name->shape.type, Type::kString);
  // EphemeralContainerCommon carries the container fields.
  const Definition& ephemeral = Def("io.k8s.api.core.v1.EphemeralContainer");
  EXPECT_THAT(ephemeral.Find("image"), NotNull());
  EXPECT_THAT(ephemeral.Find("targetContainerName"), NotNull());
  EXPECT_TRUE(ephemeral.Find("name")->required);
  // Two levels: NamedRuleWithOperations > RuleWithOperations > Rule.
  const Definition& named = Def("io.k8s.api.admissionregistration.v1.NamedRuleWithOperations");
  EXPECT_THAT(named.Find("apiGroups"), NotNull());
  EXPECT_THAT(named.Find("operations"), NotNull());
  EXPECT_EQ(named.map_type, MapType::kAtomic);
}

TEST(SchemaCatalogTest, MetaTypes) {
  const Definition& meta = Def("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  for (const Property& property : meta.properties) {
    EXPECT_FALSE(property.required) << property.name;
  }
  const Property* labels = meta.Find("labels");
  EXPECT_EQ(labels->shape.type, Type::kMap);
  EXPECT_EQ(labels->shape.items->type, Type::kString);
  const Property* created = meta.Find("creationTimestamp");
  EXPECT_EQ(created->shape.type, Type::kTime);
  EXPECT_EQ(created->shape.format, "date-time");
  const Property* owners = meta.Find("ownerReferences");
  EXPECT_EQ(owners->shape.list_type, ListType::kMap);
  EXPECT_THAT(owners->shape.list_map_keys, ElementsAre("uid"));
  EXPECT_EQ(owners->patch_merge_key, "uid");
  EXPECT_EQ(meta.Find("finalizers")->shape.list_type, ListType::kSet);
  EXPECT_EQ(PropertyAt(meta, {"managedFields", "fieldsV1"})->shape.type, Type::kAny);
  EXPECT_EQ(PropertyAt(meta, {"managedFields", "time"})->shape.type, Type::kTime);

  const Definition& selector = Def("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector");
  EXPECT_EQ(selector.map_type, MapType::kAtomic);
  const Definition& requirement =
      Def("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement");
  EXPECT_TRUE(requirement.Find("key")->required);
  EXPECT_TRUE(requirement.Find("operator")->required);
  EXPECT_FALSE(requirement.Find("values")->required);

  const Definition& resource = Def("io.k8s.apimachinery.pkg.apis.meta.v1.APIResource");
  std::set<std::string> required;
  for (const Property& property : resource.properties) {
    if (property.required) required.insert(property.name);
  }
  EXPECT_EQ(required,
            (std::set<std::string>{"kind", "name", "namespaced", "singularName", "verbs"}));
  // metav1.Verbs is a named []string.
  EXPECT_EQ(resource.Find("verbs")->shape.type, Type::kArray);
  EXPECT_EQ(resource.Find("verbs")->shape.items->type, Type::kString);
}

TEST(SchemaCatalogTest, ScalarShapes) {
  const Definition& secret = Def("io.k8s.api.core.v1.Secret");
  EXPECT_EQ(secret.Find("data")->shape.items->type, Type::kBytes);
  EXPECT_EQ(secret.Find("data")->shape.items->format, "byte");
  const Definition& revision = Def("io.k8s.api.apps.v1.ControllerRevision");
  EXPECT_EQ(revision.Find("data")->shape.type, Type::kAny);
  const Definition& user = Def("io.k8s.api.authentication.v1.UserInfo");
  EXPECT_EQ(user.Find("extra")->shape.type, Type::kMap);
  EXPECT_EQ(user.Find("extra")->shape.items->type, Type::kArray);
  const Definition& termination = Def("io.k8s.api.core.v1.PodSpec");
  EXPECT_EQ(termination.Find("terminationGracePeriodSeconds")->shape.format, "int64");
  const Definition& metric = Def("io.k8s.api.autoscaling.v2.MetricTarget");
  EXPECT_EQ(metric.Find("averageValue")->shape.type, Type::kQuantity);
  // MetricTargetType has no +enum marker upstream: an open string.
  EXPECT_THAT(metric.Find("type")->shape.enum_values, IsEmpty());
  EXPECT_TRUE(metric.Find("type")->required);
  EXPECT_THAT(Def("io.k8s.api.batch.v1.CronJobSpec").Find("concurrencyPolicy")->shape.enum_values,
              ElementsAre("Allow", "Forbid", "Replace"));
  const Definition& webhook = Def("io.k8s.api.admissionregistration.v1.WebhookClientConfig");
  EXPECT_EQ(webhook.Find("caBundle")->shape.type, Type::kBytes);
  // Go JSON names that protoc's default would spell differently.
  const Definition& config =
      Def("io.k8s.api.admissionregistration.v1.ValidatingWebhookConfiguration");
  EXPECT_THAT(config.Find("webhooks"), NotNull());
  EXPECT_EQ(config.Find("Webhooks"), nullptr);
  // A list of enum values carries the enum on its items.
  const Definition& rule = Def("io.k8s.api.admissionregistration.v1.RuleWithOperations");
  EXPECT_THAT(rule.Find("operations")->shape.items->enum_values,
              ElementsAre("*", "CONNECT", "CREATE", "DELETE", "UPDATE"));
}

TEST(SchemaCatalogTest, GroupVersionKinds) {
  const Definition* list = Builtin().ForKind("apps", "v1", "DeploymentList");
  ASSERT_THAT(list, NotNull());
  EXPECT_EQ(list->name, "io.k8s.api.apps.v1.DeploymentList");
  EXPECT_TRUE(list->Find("items")->required);
  ASSERT_EQ(list->kinds.size(), 1u);
  EXPECT_EQ(list->kinds[0].group, "apps");
  EXPECT_EQ(list->kinds[0].kind, "DeploymentList");

  const Definition* pod = Builtin().ForKind("", "v1", "Pod");
  ASSERT_THAT(pod, NotNull());
  EXPECT_EQ(pod->name, "io.k8s.api.core.v1.Pod");
  const Definition* binding = Builtin().ForKind("rbac.authorization.k8s.io", "v1", "RoleBinding");
  ASSERT_THAT(binding, NotNull());
  EXPECT_TRUE(binding->Find("roleRef")->required);
  EXPECT_EQ(binding->Find("roleRef")->shape.definition->map_type, MapType::kAtomic);
  EXPECT_THAT(Builtin().ForKind("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema"), NotNull());
  EXPECT_THAT(Builtin().ForKind("policy", "v1", "Eviction"), NotNull());
  EXPECT_THAT(Builtin().ForKind("autoscaling", "v1", "Scale"), NotNull());
  // Not kinds: structs that only appear inside objects.
  EXPECT_EQ(Builtin().ForKind("", "v1", "PodTemplateSpec"), nullptr);
  EXPECT_EQ(Builtin().ForKind("", "v1", "Container"), nullptr);
  EXPECT_THAT(Def("io.k8s.api.core.v1.PodSpec").kinds, IsEmpty());
  EXPECT_EQ(Def("io.k8s.api.core.v1.PodSpec").Find("apiVersion"), nullptr);

  // Option kinds belong to every group version; Status is unversioned.
  const Definition* delete_options = Builtin().ForKind("batch", "v1", "DeleteOptions");
  ASSERT_THAT(delete_options, NotNull());
  EXPECT_EQ(delete_options->name, "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions");
  EXPECT_EQ(delete_options, Builtin().ForKind("", "v1", "DeleteOptions"));
  EXPECT_EQ(delete_options, Builtin().ForKind("apiextensions.k8s.io", "v1", "DeleteOptions"));
  EXPECT_THAT(delete_options->Find("kind"), NotNull());
  const Definition* status = Builtin().ForKind("", "v1", "Status");
  ASSERT_THAT(status, NotNull());
  ASSERT_EQ(status->kinds.size(), 1u);
  EXPECT_EQ(Builtin().ForKind("apps", "v1", "Status"), nullptr);
  const Definition* watch = Builtin().ForKind("apps", "v1", "WatchEvent");
  ASSERT_THAT(watch, NotNull());
  EXPECT_EQ(watch->Find("kind"), nullptr);  // no TypeMeta: "type" and "object" only
  EXPECT_EQ(watch->Find("object")->shape.type, Type::kAny);
}

TEST(SchemaCatalogTest, CustomResourceDefinition) {
  const Definition* crd =
      Builtin().ForKind("apiextensions.k8s.io", "v1", "CustomResourceDefinition");
  ASSERT_THAT(crd, NotNull());
  EXPECT_EQ(crd->name,
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition");
  ASSERT_EQ(crd->kinds.size(), 1u);
  EXPECT_EQ(crd->kinds[0].group, "apiextensions.k8s.io");
  EXPECT_EQ(crd->kinds[0].version, "v1");
  EXPECT_THAT(Builtin().ForKind("apiextensions.k8s.io", "v1", "CustomResourceDefinitionList"),
              NotNull());
  EXPECT_TRUE(crd->Find("spec")->required);

  const Definition* spec = crd->Find("spec")->shape.definition;
  ASSERT_THAT(spec, NotNull());
  EXPECT_TRUE(spec->Find("group")->required);
  EXPECT_TRUE(spec->Find("names")->required);
  EXPECT_TRUE(spec->Find("versions")->required);
  EXPECT_EQ(spec->Find("versions")->shape.list_type, ListType::kAtomic);

  const Definition& props =
      Def("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps");
  EXPECT_THAT(props.Find("$ref"), NotNull());
  EXPECT_THAT(props.Find("x-kubernetes-preserve-unknown-fields"), NotNull());
  EXPECT_EQ(props.Find("xKubernetesPreserveUnknownFields"), nullptr);
  EXPECT_EQ(props.Find("properties")->shape.type, Type::kMap);
  EXPECT_EQ(props.Find("properties")->shape.items->definition, &props);
  EXPECT_EQ(props.Find("items")->shape.type, Type::kAny);
  EXPECT_EQ(props.Find("additionalProperties")->shape.type, Type::kAny);
  EXPECT_EQ(props.Find("default")->shape.type, Type::kAny);
  EXPECT_EQ(props.Find("dependencies")->shape.items->type, Type::kAny);
  const Property* validations = props.Find("x-kubernetes-validations");
  EXPECT_EQ(validations->shape.list_type, ListType::kMap);
  EXPECT_THAT(validations->shape.list_map_keys, ElementsAre("rule"));
}

TEST(SchemaCatalogTest, EveryServedKindHasADefinition) {
  for (const ResourceType& type : BuiltinResourceTypes()) {
    const Definition* definition = Builtin().ForKind(type.group, type.version, type.kind);
    EXPECT_THAT(definition, NotNull()) << type.group << "/" << type.version << " " << type.kind;
    EXPECT_THAT(Builtin().ForKind(type.group, type.version, type.ListKind()), NotNull())
        << type.group << "/" << type.version << " " << type.ListKind();
    if (definition == nullptr) continue;
    EXPECT_THAT(definition->Find("metadata"), NotNull()) << type.kind;
    EXPECT_THAT(definition->Find("apiVersion"), NotNull()) << type.kind;
  }
}

TEST(SchemaCatalogTest, EveryObjectShapePointsIntoTheCatalog) {
  // Each definition is reachable by name, and every nested object shape resolves.
  size_t properties = 0;
  for (const auto& definition : Builtin().definitions()) {
    EXPECT_EQ(Builtin().ByName(definition->name), definition.get());
    for (const Property& property : definition->properties) {
      ++properties;
      EXPECT_FALSE(property.name.empty()) << definition->name;
      EXPECT_EQ(definition->Find(property.name), &property);
      const Shape* shape = &property.shape;
      while (shape->type == Type::kArray || shape->type == Type::kMap) {
        ASSERT_TRUE(shape->items) << definition->name << "." << property.name;
        shape = shape->items.get();
      }
      if (shape->type == Type::kObject) {
        ASSERT_THAT(shape->definition, NotNull()) << definition->name << "." << property.name;
        EXPECT_EQ(Builtin().ByName(shape->definition->name), shape->definition);
      }
      if (!property.shape.list_map_keys.empty()) {
        EXPECT_EQ(property.shape.list_type, ListType::kMap) << property.name;
        // Every map key is a property of the item type.
        const Definition* item = property.shape.items->definition;
        ASSERT_THAT(item, NotNull()) << definition->name << "." << property.name;
        for (const std::string& key : property.shape.list_map_keys) {
          EXPECT_THAT(item->Find(key), NotNull()) << item->name << " lacks key " << key;
        }
      }
    }
  }
  EXPECT_GT(properties, 2000u);
}

TEST(SchemaCatalogTest, HandBuiltCatalog) {
  Catalog catalog;
  auto widget = std::make_unique<Definition>();
  widget->name = "io.example.v1.Widget";
  widget->kinds.push_back({"example.io", "v1", "Widget"});
  Property zeta;
  zeta.name = "zeta";
  Property alpha;
  alpha.name = "alpha";
  alpha.required = true;
  widget->properties = {zeta, alpha};
  Definition* added = catalog.Add(std::move(widget));
  EXPECT_THAT(added->Find("alpha"), NotNull());  // found before sealing too
  auto gadget = std::make_unique<Definition>();
  gadget->name = "io.example.v1.Gadget";
  catalog.Add(std::move(gadget));
  catalog.Seal();
  ASSERT_EQ(catalog.definitions().size(), 2u);
  EXPECT_EQ(catalog.definitions()[0]->name, "io.example.v1.Gadget");
  EXPECT_EQ(added->properties[0].name, "alpha");
  EXPECT_TRUE(added->Find("alpha")->required);
  EXPECT_EQ(added->Find("beta"), nullptr);
  EXPECT_EQ(catalog.ForKind("example.io", "v1", "Widget"), added);
  EXPECT_EQ(catalog.ForKind("example.io", "v2", "Widget"), nullptr);
  EXPECT_EQ(catalog.ByName("io.example.v1.Gadget"), catalog.definitions()[0].get());
}

}  // namespace
}  // namespace k1s::api::schema
