#pragma once
// A hand-built schema catalog modelled on apps/v1 Deployment, shared by the managed fields and
// server-side apply tests.
#include <memory>
#include <string>

#include "api/schema.h"

namespace k1s::api::testing {

// A hand-built catalog modelled on the upstream types (only the fields the tests use).
class TestCatalog {
 public:
  TestCatalog() {
    using schema::ListType;
    using schema::MapType;
    using schema::Type;
    auto meta = Def("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
    auto selector = Def("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector");
    selector->map_type = MapType::kAtomic;
    auto port = Def("io.k8s.api.core.v1.ContainerPort");
    auto env = Def("io.k8s.api.core.v1.EnvVar");
    auto secret = Def("io.k8s.api.core.v1.LocalObjectReference");
    secret->map_type = MapType::kAtomic;
    auto container = Def("io.k8s.api.core.v1.Container");
    auto pod_spec = Def("io.k8s.api.core.v1.PodSpec");
    auto template_spec = Def("io.k8s.api.core.v1.PodTemplateSpec");
    auto spec = Def("io.k8s.api.apps.v1.DeploymentSpec");
    auto status = Def("io.k8s.api.apps.v1.DeploymentStatus");
    deployment_ = Def("io.k8s.api.apps.v1.Deployment");
    deployment_->kinds.push_back({"apps", "v1", "Deployment"});

    Prop(meta, "name", Scalar(Type::kString));
    Prop(meta, "namespace", Scalar(Type::kString));
    Prop(meta, "uid", Scalar(Type::kString));
    Prop(meta, "resourceVersion", Scalar(Type::kString));
    Prop(meta, "generation", Scalar(Type::kInteger));
    Prop(meta, "creationTimestamp", Scalar(Type::kTime));
    Prop(meta, "labels", Map(Scalar(Type::kString)));
    Prop(meta, "annotations", Map(Scalar(Type::kString)));
    Prop(meta, "finalizers", List(Scalar(Type::kString), ListType::kSet));
    Prop(meta, "managedFields", List(Scalar(Type::kAny), ListType::kAtomic));

    Prop(selector, "matchLabels", Map(Scalar(Type::kString)));

    Prop(port, "containerPort", Scalar(Type::kInteger));
    Prop(port, "protocol", Scalar(Type::kString));
    Prop(port, "name", Scalar(Type::kString));
    Prop(env, "name", Scalar(Type::kString));
    Prop(env, "value", Scalar(Type::kString));
    Prop(secret, "name", Scalar(Type::kString));

    Prop(container, "name", Scalar(Type::kString));
    Prop(container, "image", Scalar(Type::kString));
    Prop(container, "args", List(Scalar(Type::kString), ListType::kAtomic));
    schema::Shape ports = List(Object(port), ListType::kMap);
    ports.list_map_keys = {"containerPort", "protocol"};
    Prop(container, "ports", ports);
    // No list type: the merge patch strategy makes it a map keyed by name.
    Prop(container, "env", List(Object(env), ListType::kUnspecified), "merge", "name");
    Prop(container, "resources", Map(Scalar(Type::kQuantity)));

    schema::Shape containers = List(Object(container), ListType::kMap);
    containers.list_map_keys = {"name"};
    Prop(pod_spec, "containers", containers);
    schema::Shape secrets = List(Object(secret), ListType::kMap);
    secrets.list_map_keys = {"name"};
    Prop(pod_spec, "imagePullSecrets", secrets);
    Prop(pod_spec, "nodeSelector", Map(Scalar(Type::kString)));
    Prop(pod_spec, "extra", Scalar(Type::kAny));

    Prop(template_spec, "metadata", Object(meta));
    Prop(template_spec, "spec", Object(pod_spec));

    Prop(spec, "replicas", Scalar(Type::kInteger));
    Prop(spec, "paused", Scalar(Type::kBoolean));
    Prop(spec, "minReadySeconds", Scalar(Type::kInteger));
    Prop(spec, "selector", Object(selector));
    Prop(spec, "template", Object(template_spec));

    Prop(status, "replicas", Scalar(Type::kInteger));
    // Required as upstream's OpenAPI says: such fields are never omitted from a zero object.
    Require(spec, "selector");
    Require(spec, "template");
    Require(pod_spec, "containers");
    Require(container, "name");

    Prop(deployment_, "apiVersion", Scalar(Type::kString));
    Prop(deployment_, "kind", Scalar(Type::kString));
    Prop(deployment_, "metadata", Object(meta));
    Prop(deployment_, "spec", Object(spec));
    Prop(deployment_, "status", Object(status));
    catalog_.Seal();
  }

  const schema::Definition& deployment() const { return *deployment_; }

 private:
  schema::Definition* Def(const std::string& name) {
    auto definition = std::make_unique<schema::Definition>();
    definition->name = name;
    return catalog_.Add(std::move(definition));
  }
  static schema::Shape Scalar(schema::Type type) {
    schema::Shape shape;
    shape.type = type;
    return shape;
  }
  static schema::Shape Object(const schema::Definition* definition) {
    schema::Shape shape;
    shape.type = schema::Type::kObject;
    shape.definition = definition;
    return shape;
  }
  static schema::Shape List(schema::Shape items, schema::ListType list_type) {
    schema::Shape shape;
    shape.type = schema::Type::kArray;
    shape.items = std::make_shared<const schema::Shape>(std::move(items));
    shape.list_type = list_type;
    return shape;
  }
  static schema::Shape Map(schema::Shape values) {
    schema::Shape shape;
    shape.type = schema::Type::kMap;
    shape.items = std::make_shared<const schema::Shape>(std::move(values));
    return shape;
  }
  static void Prop(schema::Definition* definition, const std::string& name, schema::Shape shape,
                   const std::string& strategy = "", const std::string& merge_key = "") {
    schema::Property property;
    property.name = name;
    property.shape = std::move(shape);
    property.patch_strategy = strategy;
    property.patch_merge_key = merge_key;
    definition->properties.push_back(std::move(property));
  }

  static void Require(schema::Definition* definition, const std::string& name) {
    for (schema::Property& property : definition->properties) {
      if (property.name == name) property.required = true;
    }
  }

  schema::Catalog catalog_;
  schema::Definition* deployment_ = nullptr;
};

inline const schema::Definition& Deployment() {
  static const TestCatalog* catalog = new TestCatalog();
  return catalog->deployment();
}

}  // namespace k1s::api::testing
