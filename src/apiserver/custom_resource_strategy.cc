#include "apiserver/custom_resource_strategy.h"

#include <nlohmann/json.hpp>

#include "api/crd_schema.h"
#include "api/custom_resources.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

// The schema of version `version` of `crd`, or null when it has none.
const json* VersionSchema(const json& crd, const std::string& version) {
  auto spec = crd.find("spec");
  if (spec == crd.end() || !spec->is_object()) return nullptr;
  auto versions = spec->find("versions");
  if (versions == spec->end() || !versions->is_array()) return nullptr;
  for (const json& entry : *versions) {
    if (!entry.is_object() || entry.value("name", "") != version) continue;
    auto schema = entry.find("schema");
    if (schema == entry.end() || !schema->is_object()) return nullptr;
    auto openapi = schema->find("openAPIV3Schema");
    return openapi == schema->end() ? nullptr : &*openapi;
  }
  return nullptr;
}

class CustomResourceStrategy : public Strategy {
 public:
  explicit CustomResourceStrategy(std::shared_ptr<const api::CrdSchema> schema)
      : schema_(std::move(schema)) {}

  void PrepareForCreate(json& object) override { Normalize(object); }
  void PrepareForUpdate(json& object, const json& old) override { Normalize(object); }

  api::FieldErrors Validate(const json& object) override {
    return schema_ == nullptr ? api::FieldErrors{} : schema_->Validate(object);
  }
  api::FieldErrors ValidateUpdate(const json& object, const json& old) override {
    return schema_ == nullptr ? api::FieldErrors{} : schema_->ValidateUpdate(object, old);
  }
  std::vector<std::string> UnknownFields(const json& object) override {
    if (schema_ == nullptr) return {};
    json copy = object;
    return schema_->Prune(copy);
  }

 private:
  // What upstream does while decoding a custom object: drop unknown fields, fill defaults.
  void Normalize(json& object) const {
    if (schema_ == nullptr) return;
    schema_->Prune(object);
    schema_->Default(object);
  }

  std::shared_ptr<const api::CrdSchema> schema_;
};

class CustomResourceDefinitionStrategy : public Strategy {
 public:
  void PrepareForCreate(json& object) override {
    object.erase("status");  // the server reports it (crd controller)
    json& finalizers = object["metadata"]["finalizers"];
    if (!finalizers.is_array()) finalizers = json::array();
    for (const json& entry : finalizers) {
      if (entry == api::kCustomResourceCleanupFinalizer) return;
    }
    finalizers.push_back(api::kCustomResourceCleanupFinalizer);
  }

  api::FieldErrors Validate(const json& object) override {
    api::FieldErrors errors = api::ValidateCustomResourceDefinition(object);
    AppendSchemaErrors(object, errors);
    return errors;
  }
  api::FieldErrors ValidateUpdate(const json& object, const json& old) override {
    api::FieldErrors errors = api::ValidateCustomResourceDefinitionUpdate(object, old);
    AppendSchemaErrors(object, errors);
    return errors;
  }

 private:
  static void AppendSchemaErrors(const json& crd, api::FieldErrors& errors) {
    auto spec = crd.find("spec");
    if (spec == crd.end() || !spec->is_object() || !spec->contains("versions")) return;
    const json& versions = (*spec)["versions"];
    if (!versions.is_array()) return;
    for (size_t i = 0; i < versions.size(); ++i) {
      if (!versions[i].is_object()) continue;
      const json* schema = VersionSchema(crd, versions[i].value("name", ""));
      std::string path = "spec.versions[" + std::to_string(i) + "].schema.openAPIV3Schema";
      if (schema == nullptr) {
        errors.push_back(api::Required(path, "schemas are required"));
        continue;
      }
      api::CrdSchema::Compile(*schema, path, &errors);
    }
  }
};

}  // namespace

std::unique_ptr<Strategy> MakeCustomResourceStrategy(const json& crd,
                                                     const api::ResourceType& type) {
  std::shared_ptr<const api::CrdSchema> schema;
  if (const json* openapi = VersionSchema(crd, type.version)) {
    schema = api::CrdSchema::Compile(*openapi, "", nullptr);
  }
  return std::make_unique<CustomResourceStrategy>(std::move(schema));
}

std::unique_ptr<Strategy> MakeCustomResourceDefinitionStrategy() {
  return std::make_unique<CustomResourceDefinitionStrategy>();
}

}  // namespace k1s::apiserver
