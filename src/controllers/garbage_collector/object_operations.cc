#include "controllers/garbage_collector/object_operations.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/strings.h"

namespace k1s::controllers::gc {

using nlohmann::json;

namespace {

constexpr int kMaxConflictRetries = 5;

const json& MetadataOf(const json& object) {
  static const json kEmpty = json::object();
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

absl::StatusOr<client::Resource> ObjectOperations::ResourceOf(const ObjectReference& ref) const {
  return mapper_.ResourceFor(ref.api_version, ref.kind);
}

std::string ObjectOperations::NamespaceFor(const client::Resource& resource,
                                           const ObjectReference& ref) {
  return resource.namespaced ? ref.namespace_name : "";
}

absl::StatusOr<json> ObjectOperations::Get(const ObjectReference& ref) {
  absl::StatusOr<client::Resource> resource = ResourceOf(ref);
  if (!resource.ok()) return resource.status();
  return client_.Get(*resource, NamespaceFor(*resource, ref), ref.name);
}

absl::Status ObjectOperations::Delete(const ObjectReference& ref,
                                      const std::string& resource_version,
                                      const std::vector<OwnerReference>& owners_at_version,
                                      const std::string& propagation_policy) {
  absl::StatusOr<client::Resource> resource = ResourceOf(ref);
  if (!resource.ok()) return resource.status();
  std::string namespace_name = NamespaceFor(*resource, ref);
  client::DeleteOptions options;
  options.precondition_uid = ref.uid;
  if (!resource_version.empty()) options.precondition_resource_version = resource_version;
  options.propagation_policy = propagation_policy;
  absl::Status status = client_.Delete(*resource, namespace_name, ref.name, options);
  if (!api::IsConflict(status) || resource_version.empty()) return status;
  // The object changed since it was read. When its ownerReferences did not, unrelated updates
  // must not starve the collector: delete without the version precondition.
  absl::StatusOr<json> live = client_.Get(*resource, namespace_name, ref.name);
  if (api::IsNotFound(live.status())) return absl::OkStatus();
  if (!live.ok()) return status;
  const json& metadata = MetadataOf(*live);
  if (StringOf(metadata, "uid") != ref.uid ||
      StringOf(metadata, "resourceVersion") == resource_version ||
      OwnerReferencesOf(*live) != owners_at_version) {
    return status;
  }
  options.precondition_resource_version.reset();
  return client_.Delete(*resource, namespace_name, ref.name, options);
}

absl::Status ObjectOperations::PatchMetadata(
    const ObjectReference& ref,
    const std::function<std::optional<json>(const json& object)>& fields) {
  absl::StatusOr<client::Resource> resource = ResourceOf(ref);
  if (!resource.ok()) return resource.status();
  std::string namespace_name = NamespaceFor(*resource, ref);
  absl::Status last = absl::OkStatus();
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    absl::StatusOr<json> live = client_.Get(*resource, namespace_name, ref.name);
    if (!live.ok()) return live.status();
    const json& metadata = MetadataOf(*live);
    if (StringOf(metadata, "uid") != ref.uid) {
      return absl::NotFoundError(
          base::StrCat(ref.String(), " was replaced by an object with another uid"));
    }
    std::optional<json> changes = fields(*live);
    if (!changes) return absl::OkStatus();
    json patch = {{"metadata", *changes}};
    patch["metadata"]["uid"] = ref.uid;
    patch["metadata"]["resourceVersion"] = StringOf(metadata, "resourceVersion");
    absl::StatusOr<json> patched =
        client_.Patch(*resource, namespace_name, ref.name, client::PatchType::kMerge, patch.dump());
    if (patched.ok()) return absl::OkStatus();
    last = patched.status();
    if (!api::IsConflict(last)) return last;
  }
  return last;
}

absl::Status ObjectOperations::RemoveOwnerReferences(const ObjectReference& ref,
                                                     const std::set<std::string>& owner_uids) {
  return PatchMetadata(ref, [&](const json& object) -> std::optional<json> {
    const json& metadata = MetadataOf(object);
    auto refs = metadata.find("ownerReferences");
    if (refs == metadata.end() || !refs->is_array()) return std::nullopt;
    json kept = json::array();
    bool removed = false;
    for (const json& entry : *refs) {
      if (entry.is_object() && owner_uids.count(StringOf(entry, "uid")) > 0) {
        removed = true;
      } else {
        kept.push_back(entry);
      }
    }
    if (!removed) return std::nullopt;
    return json{{"ownerReferences", kept.empty() ? json(nullptr) : kept}};
  });
}

absl::Status ObjectOperations::UnblockOwnerReferences(const ObjectReference& ref) {
  return PatchMetadata(ref, [&](const json& object) -> std::optional<json> {
    const json& metadata = MetadataOf(object);
    auto refs = metadata.find("ownerReferences");
    if (refs == metadata.end() || !refs->is_array()) return std::nullopt;
    json updated = *refs;
    bool changed = false;
    for (json& entry : updated) {
      if (!entry.is_object()) continue;
      auto block = entry.find("blockOwnerDeletion");
      if (block != entry.end() && block->is_boolean() && block->get<bool>()) {
        *block = false;
        changed = true;
      }
    }
    if (!changed) return std::nullopt;
    return json{{"ownerReferences", updated}};
  });
}

absl::Status ObjectOperations::RemoveFinalizer(const ObjectReference& ref,
                                               const std::string& finalizer) {
  absl::Status status = PatchMetadata(ref, [&](const json& object) -> std::optional<json> {
    const json& metadata = MetadataOf(object);
    auto finalizers = metadata.find("finalizers");
    if (finalizers == metadata.end() || !finalizers->is_array()) return std::nullopt;
    json kept = json::array();
    bool found = false;
    for (const json& entry : *finalizers) {
      if (entry.is_string() && entry.get<std::string>() == finalizer) {
        found = true;
      } else {
        kept.push_back(entry);
      }
    }
    if (!found) return std::nullopt;
    return json{{"finalizers", kept.empty() ? json(nullptr) : kept}};
  });
  if (api::IsNotFound(status)) return absl::OkStatus();
  if (api::IsConflict(status)) {
    return absl::AbortedError(base::StrCat("updateMaxRetries(", kMaxConflictRetries,
                                           ") has reached. The garbage collector will retry later "
                                           "for owner ",
                                           ref.String()));
  }
  return status;
}

}  // namespace k1s::controllers::gc
