#include "apiserver/cached_object.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "api/selectable_fields.h"
#include "base/strings.h"

namespace k1s::apiserver {

ObjectRef MakeCachedObject(const api::ResourceType& type, std::string key, nlohmann::json& object,
                           int64_t revision) {
  auto cached = std::make_shared<CachedObject>();
  nlohmann::json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = nlohmann::json::object();
  auto text = [&metadata](const char* field) {
    auto it = metadata.find(field);
    return it != metadata.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (revision > 0) {
    metadata["resourceVersion"] = std::to_string(revision);
  } else {
    metadata.erase("resourceVersion");  // a dry-run object was never stored
  }
  cached->key = std::move(key);
  cached->namespace_name = text("namespace");
  cached->name = text("name");
  cached->uid = text("uid");
  cached->revision = revision;
  if (auto labels = metadata.find("labels"); labels != metadata.end() && labels->is_object()) {
    for (const auto& [name, value] : labels->items()) {
      if (value.is_string()) cached->labels.emplace(name, value.get<std::string>());
    }
  }
  cached->fields = api::SelectableFields(type.group, type.kind, type.namespaced, object);
  cached->json = object.dump();
  return cached;
}

absl::StatusOr<ObjectRef> MakeCachedObject(const api::ResourceType& type, std::string key,
                                           const std::string& value, int64_t revision) {
  nlohmann::json object = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) {
    return absl::DataLossError(base::StrCat("stored value at ", key, " is not a JSON object"));
  }
  return MakeCachedObject(type, std::move(key), object, revision);
}

std::string ObjectKey(const api::ResourceType& type, std::string_view namespace_name,
                      std::string_view name) {
  if (!type.namespaced) return base::StrCat(type.storage_prefix, name);
  return base::StrCat(type.storage_prefix, namespace_name, "/", name);
}

std::string NamespacePrefix(const api::ResourceType& type, std::string_view namespace_name) {
  if (!type.namespaced || namespace_name.empty()) return type.storage_prefix;
  return base::StrCat(type.storage_prefix, namespace_name, "/");
}

}  // namespace k1s::apiserver
