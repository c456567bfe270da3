#include "apiserver/cluster_reader.h"

#include "api/field_selector.h"

namespace k1s::apiserver {

using nlohmann::json;

std::optional<json> ClusterReader::Get(const std::string& group, const std::string& kind,
                                       std::string_view namespace_name,
                                       std::string_view name) const {
  const api::ResourceType* type = resources_.FindType(group, kind);
  if (type == nullptr) return std::nullopt;
  ObjectRef object = cache_.Get(*type, namespace_name, name);
  if (object == nullptr) {
    Registry* registry = resources_.Find(type->group, type->version, type->plural);
    if (registry == nullptr) return std::nullopt;
    absl::StatusOr<ObjectRef> stored = registry->Get(namespace_name, name);
    if (!stored.ok()) return std::nullopt;
    object = *stored;
  }
  json parsed = json::parse(object->json, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::vector<json> ClusterReader::List(const std::string& group, const std::string& kind,
                                      std::string_view namespace_name, const std::string& field,
                                      const std::string& value) const {
  std::vector<json> objects;
  const api::ResourceType* type = resources_.FindType(group, kind);
  if (type == nullptr) return objects;
  ObjectFilter filter;
  filter.namespace_name = std::string(namespace_name);
  if (!field.empty()) filter.fields = api::FieldSelector::OneTermEqual(field, value);
  for (const ObjectRef& object : cache_.List(*type, filter).objects) {
    json parsed = json::parse(object->json, nullptr, false);
    if (!parsed.is_discarded()) objects.push_back(std::move(parsed));
  }
  return objects;
}

std::vector<json> ClusterReader::ListResource(std::string_view group, std::string_view resource,
                                              std::string_view namespace_name) const {
  for (const api::ResourceType* type : resources_.ServedTypes()) {
    if (type->group == group && type->plural == resource && !type->is_view()) {
      return List(type->group, type->kind, namespace_name);
    }
  }
  return {};
}

}  // namespace k1s::apiserver
