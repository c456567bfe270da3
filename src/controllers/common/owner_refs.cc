#include "controllers/common/owner_refs.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/strings.h"
#include "controllers/common/pods.h"

namespace k1s::controllers {

using nlohmann::json;

namespace {

const json& Metadata(const json& object) {
  static const json kEmpty = json::object();
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return kEmpty;
  }
  return object["metadata"];
}

std::string Uid(const json& object) { return Metadata(object).value("uid", ""); }

}  // namespace

const json* ControllerRefOf(const json& object) {
  const json& metadata = Metadata(object);
  if (!metadata.contains("ownerReferences") || !metadata["ownerReferences"].is_array()) {
    return nullptr;
  }
  for (const json& owner : metadata["ownerReferences"]) {
    if (owner.is_object() && owner.value("controller", false)) return &owner;
  }
  return nullptr;
}

json MakeControllerRef(const json& owner, std::string_view api_version, std::string_view kind) {
  return {{"apiVersion", api_version},
          {"kind", kind},
          {"name", Metadata(owner).value("name", "")},
          {"uid", Uid(owner)},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

bool IsControlledBy(const json& object, std::string_view owner_uid) {
  const json* ref = ControllerRefOf(object);
  return ref != nullptr && ref->value("uid", "") == owner_uid;
}

ControllerRefManager::ControllerRefManager(client::Client& client, const client::Resource& owned,
                                           const json& owner, std::string_view owner_api_version,
                                           std::string_view owner_kind,
                                           const api::LabelSelector& selector)
    : client_(client),
      owned_(owned),
      owner_(owner),
      owner_api_version_(owner_api_version),
      owner_kind_(owner_kind),
      selector_(selector) {}

absl::StatusOr<std::vector<client::ObjectPtr>> ControllerRefManager::Claim(
    const std::vector<client::ObjectPtr>& candidates) {
  const std::string owner_uid = Uid(owner_);
  std::vector<client::ObjectPtr> claimed;
  std::vector<std::string> errors;
  for (const client::ObjectPtr& candidate : candidates) {
    const json& metadata = Metadata(*candidate);
    static const json kNoLabels = json::object();
    const json& labels = metadata.contains("labels") ? metadata["labels"] : kNoLabels;
    const bool matches = selector_.Matches(labels);
    const json* ref = ControllerRefOf(*candidate);
    const std::string name = metadata.value("name", "");
    const std::string namespace_name = metadata.value("namespace", "");
    if (ref != nullptr) {
      if (ref->value("uid", "") != owner_uid) continue;  // someone else's
      if (matches || IsBeingDeleted(owner_)) {
        claimed.push_back(candidate);
        continue;
      }
      // Ours but no longer selected: release it, guarded by both uids as upstream does.
      if (IsBeingDeleted(*candidate)) continue;
      json patch = {{"metadata",
                     {{"ownerReferences", json::array({{{"$patch", "delete"}, {"uid", owner_uid}}})},
                      {"uid", metadata.value("uid", "")}}}};
      absl::StatusOr<json> released = client_.Patch(owned_, namespace_name, name,
                                                    client::PatchType::kStrategicMerge,
                                                    patch.dump());
      if (!released.ok() && !api::IsNotFound(released.status())) {
        errors.push_back(std::string(released.status().message()));
      }
      continue;
    }
    // An orphan: adopt it when it matches and neither side is going away.
    if (!matches || IsBeingDeleted(owner_) || IsBeingDeleted(*candidate)) continue;
    json patch = {
        {"metadata",
         {{"ownerReferences",
           json::array({MakeControllerRef(owner_, owner_api_version_, owner_kind_)})},
          {"uid", metadata.value("uid", "")}}}};
    absl::StatusOr<json> adopted = client_.Patch(owned_, namespace_name, name,
                                                 client::PatchType::kStrategicMerge, patch.dump());
    if (adopted.ok()) {
      claimed.push_back(std::make_shared<const json>(*std::move(adopted)));
    } else if (!api::IsNotFound(adopted.status())) {
      errors.push_back(std::string(adopted.status().message()));
    }
  }
  if (!errors.empty()) {
    return absl::InternalError(base::StrCat("claim: ", errors.front(),
                                            errors.size() > 1 ? " (and more)" : ""));
  }
  return claimed;
}

}  // namespace k1s::controllers
