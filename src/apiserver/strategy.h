#pragma once
// What differs between kinds on the write path: defaults, server-owned fields, validation and
// resources reserved for an object (service ClusterIPs and NodePorts). The generic Registry
// calls these hooks; a kind without special rules uses the base class as is.
//
// Objects are full JSON documents (apiVersion, kind, metadata, ...). Implementations must be
// thread-safe: the registry calls them from many request threads.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/validation.h"

namespace k1s::apiserver {

class Strategy {
 public:
  virtual ~Strategy() = default;

  // Fills defaults and server-owned fields of a new object (after metadata is set).
  virtual void PrepareForCreate(nlohmann::json& object) {}
  // The same for an update of `old` (status and metadata handling is the registry's).
  virtual void PrepareForUpdate(nlohmann::json& object, const nlohmann::json& old) {}
  // Field errors of a new object beyond the metadata checks every kind gets.
  virtual api::FieldErrors Validate(const nlohmann::json& object) { return {}; }
  virtual api::FieldErrors ValidateUpdate(const nlohmann::json& object, const nlohmann::json& old) {
    return Validate(object);
  }
  virtual api::NameRule name_rule() const { return api::NameRule::kDnsSubdomain; }
  // Paths of fields the kind's schema does not know ("spec.foo"), for fieldValidation.
  virtual std::vector<std::string> UnknownFields(const nlohmann::json& object) { return {}; }

  // Reserves what the object needs (e.g. a ClusterIP) just before it is stored; errors are API
  // errors (422 for a taken IP). Release undoes it when the write fails or the object is gone.
  virtual absl::Status Reserve(nlohmann::json& object, const nlohmann::json* old) {
    return absl::OkStatus();
  }
  // Releases what `object` holds and `keep` (the object's other version) does not; `keep` is
  // null when the object is gone.
  virtual void Release(const nlohmann::json& object, const nlohmann::json* keep) {}

  // How a DELETE treats the object: nullopt removes it at once (when it has no finalizers);
  // a value only marks it (deletionTimestamp = now + value) and leaves the removal to someone
  // else, as for a pod bound to a node (its kubelet) or a namespace (the namespace finalizer).
  // `requested` is the request's gracePeriodSeconds.
  virtual std::optional<int64_t> DeletionGracePeriod(const nlohmann::json& object,
                                                     std::optional<int64_t> requested) {
    return std::nullopt;
  }
  // Why this object may never be deleted ("" = it may), e.g. the system namespaces.
  virtual std::string DeleteForbiddenReason(const nlohmann::json& object) { return ""; }
  // Extra changes when an object is marked for deletion (a namespace turns Terminating).
  virtual void MarkForDeletion(nlohmann::json& object) {}
  // Whether a marked object may now be removed: by default once deletionGracePeriodSeconds is 0
  // and no finalizers are left, as upstream decides on update.
  virtual bool ReadyToRemove(const nlohmann::json& object);
  // Whether PUT of a missing object creates it.
  virtual bool allow_create_on_update() const { return false; }
};

}  // namespace k1s::apiserver
