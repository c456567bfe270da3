#pragma once
// ownerReferences: who controls an object, and adopting or releasing objects the way upstream's
// ControllerRefManager does (adopt orphans whose labels match a live controller's selector with
// a PATCH guarded by the object's uid; release owned objects whose labels stopped matching).
// Stateless helpers plus one class; thread-safe.
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "api/label_selector.h"
#include "client/client.h"
#include "client/informer.h"

namespace k1s::controllers {

// The ownerReference with controller=true, or null.
const nlohmann::json* ControllerRefOf(const nlohmann::json& object);
// {apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true} for `owner`.
nlohmann::json MakeControllerRef(const nlohmann::json& owner, std::string_view api_version,
                                 std::string_view kind);
bool IsControlledBy(const nlohmann::json& object, std::string_view owner_uid);

// Sorts candidates (e.g. the pods of a namespace) for one controller: returns those it owns
// after adopting matching orphans and releasing owned objects that no longer match. Adoption
// is skipped while the owner is being deleted. Errors of individual patches are collected; a
// NotFound (the object went away) is ignored.
class ControllerRefManager {
 public:
  ControllerRefManager(client::Client& client, const client::Resource& owned,
                       const nlohmann::json& owner, std::string_view owner_api_version,
                       std::string_view owner_kind, const api::LabelSelector& selector);

  absl::StatusOr<std::vector<client::ObjectPtr>> Claim(
      const std::vector<client::ObjectPtr>& candidates);

 private:
  client::Client& client_;
  const client::Resource& owned_;
  const nlohmann::json& owner_;
  const std::string owner_api_version_;
  const std::string owner_kind_;
  const api::LabelSelector& selector_;
};

}  // namespace k1s::controllers
