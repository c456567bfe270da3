#include "controllers/garbage_collector/object_reference.h"

#include <nlohmann/json.hpp>
#include <tuple>

#include "base/strings.h"

namespace k1s::controllers::gc {

using nlohmann::json;

namespace {

std::string StringField(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<bool> BoolField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

const json& Metadata(const json& object) {
  static const json kEmpty = json::object();
  if (!object.is_object()) return kEmpty;
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

}  // namespace

bool ObjectReference::operator<(const ObjectReference& other) const {
  return std::tie(kind, api_version, namespace_name, name, uid) <
         std::tie(other.kind, other.api_version, other.namespace_name, other.name, other.uid);
}

std::string ObjectReference::String() const {
  return base::StrCat("[", api_version, "/", kind, ", namespace: ", namespace_name,
                      ", name: ", name, ", uid: ", uid, "]");
}

std::vector<OwnerReference> OwnerReferencesOf(const json& object) {
  std::vector<OwnerReference> refs;
  const json& metadata = Metadata(object);
  auto it = metadata.find("ownerReferences");
  if (it == metadata.end() || !it->is_array()) return refs;
  for (const json& entry : *it) {
    if (!entry.is_object()) continue;
    OwnerReference ref;
    ref.api_version = StringField(entry, "apiVersion");
    ref.kind = StringField(entry, "kind");
    ref.name = StringField(entry, "name");
    ref.uid = StringField(entry, "uid");
    ref.controller = BoolField(entry, "controller");
    ref.block_owner_deletion = BoolField(entry, "blockOwnerDeletion");
    if (!ref.uid.empty()) refs.push_back(std::move(ref));
  }
  return refs;
}

bool MatchesCoordinates(const OwnerReference& ref, const ObjectReference& identity) {
  return ref.uid == identity.uid && ref.name == identity.name && ref.kind == identity.kind &&
         ref.api_version == identity.api_version;
}

ObjectReference IdentityOf(const OwnerReference& ref, const std::string& namespace_name) {
  return ObjectReference{ref.api_version, ref.kind, ref.name, ref.uid, namespace_name};
}

bool HasFinalizer(const json& object, const std::string& finalizer) {
  const json& metadata = Metadata(object);
  auto it = metadata.find("finalizers");
  if (it == metadata.end() || !it->is_array()) return false;
  for (const json& entry : *it) {
    if (entry.is_string() && entry.get<std::string>() == finalizer) return true;
  }
  return false;
}

ObjectState StateOf(const json& object) {
  ObjectState state;
  const json& metadata = Metadata(object);
  auto it = metadata.find("deletionTimestamp");
  state.being_deleted = it != metadata.end() && it->is_string() && !it->get<std::string>().empty();
  state.has_foreground = HasFinalizer(object, kFinalizerForeground);
  state.has_orphan = HasFinalizer(object, kFinalizerOrphan);
  return state;
}

}  // namespace k1s::controllers::gc
