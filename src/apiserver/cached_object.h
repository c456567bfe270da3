#pragma once
// One stored object as the apiserver serves it: serialized once (with metadata.resourceVersion
// set to the datastore revision) and shared, immutable, between the watch cache, lists and every
// watcher that sends it. The labels and selectable fields are extracted once so that selectors
// never parse JSON.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "absl/status/statusor.h"
#include "api/resource_types.h"

namespace k1s::apiserver {

struct CachedObject {
  std::string key;  // datastore key
  std::string namespace_name;
  std::string name;
  std::string uid;
  int64_t revision = 0;  // datastore mod_revision (= metadata.resourceVersion)
  std::string json;      // the object, metadata.resourceVersion included
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> fields;  // field-selector values (api::SelectableFields)
};
using ObjectRef = std::shared_ptr<const CachedObject>;

// Builds the cached form of a stored value read at `revision`. `value` is the JSON stored in the
// datastore (without resourceVersion). Fails on a value that is not a JSON object.
absl::StatusOr<ObjectRef> MakeCachedObject(const api::ResourceType& type, std::string key,
                                           const std::string& value, int64_t revision);
// The same from an already parsed object (its resourceVersion is overwritten).
ObjectRef MakeCachedObject(const api::ResourceType& type, std::string key, nlohmann::json& object,
                           int64_t revision);

// The datastore key of an object: prefix + "<namespace>/<name>" or prefix + "<name>".
std::string ObjectKey(const api::ResourceType& type, std::string_view namespace_name,
                      std::string_view name);
// The key prefix that holds one namespace's objects (or every object when namespace is "").
std::string NamespacePrefix(const api::ResourceType& type, std::string_view namespace_name);

}  // namespace k1s::apiserver
