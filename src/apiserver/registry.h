#pragma once
// The generic registry: create, read, update, patch and delete of one resource type over the
// datastore, the same for every kind. Kind-specific rules come from a Strategy.
//
// Objects are stored as JSON at ObjectKey(type, namespace, name) without resourceVersion; the
// datastore revision of the write becomes metadata.resourceVersion. Every write is one datastore
// transaction guarded by the revision it was computed from, so concurrent writers get 409
// Conflict instead of overwriting each other. Thread-safe.
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "api/resource_types.h"
#include "apiserver/admission.h"
#include "apiserver/cached_object.h"
#include "apiserver/strategy.h"
#include "base/clock.h"
#include "k1s/backend.h"

namespace k1s::apiserver {

struct WriteOptions {
  bool dry_run = false;  // validate and answer, store nothing (dryRun=All)
  // Who writes (the fieldManager parameter or the User-Agent's program name): the fields this
  // write changes are recorded for it in metadata.managedFields. Empty for the server's own
  // writes, which leave managedFields as they are.
  std::string field_manager{};
  // The object already carries its final managedFields (a server-side apply computed them).
  bool managed_fields_final = false;
  // The admission plugins and the requesting user for a write from a user request; null for
  // the server's own bookkeeping writes.
  const AdmissionContext* admission = nullptr;
};

struct DeleteOptions {
  bool dry_run = false;
  std::optional<int64_t> grace_period_seconds;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::string propagation_policy;  // "", "Orphan", "Background" or "Foreground"
};

struct DeleteResult {
  ObjectRef object;      // the last state, or the marked object when not yet gone
  bool deleted = false;  // removed now (false: waits for finalizers or a graceful end)
};

enum class PatchType { kJson, kMerge, kStrategicMerge };

// Applies a patch document of `patch_type` to `document` (an object of group/kind). Errors are
// API errors: 400 for a malformed patch, 422 for one that does not apply.
absl::StatusOr<nlohmann::json> ApplyPatch(PatchType patch_type, const nlohmann::json& document,
                                          const nlohmann::json& patch, std::string_view group,
                                          std::string_view kind);

// Answers whether object `name` of `type` may be created in `namespace_name`: OK, 404 when the
// namespace does not exist, 403 while it is terminating.
using NamespaceCheck = std::function<absl::Status(
    const api::ResourceType& type, std::string_view name, std::string_view namespace_name)>;

class Registry {
 public:
  Registry(const api::ResourceType& type, Backend& backend, base::Clock& clock,
           std::unique_ptr<Strategy> strategy, NamespaceCheck namespace_check);
  ~Registry();

  const api::ResourceType& type() const { return type_; }
  Strategy& strategy() { return *strategy_; }

  // The object as currently stored (a linearizable datastore read).
  absl::StatusOr<ObjectRef> Get(std::string_view namespace_name, std::string_view name);
  // Stores a new object (201). generateName, uid, creationTimestamp and defaults are filled.
  absl::StatusOr<ObjectRef> Create(std::string_view namespace_name, nlohmann::json object,
                                   const WriteOptions& options);
  // Replaces an object (PUT). `subresource` is "" or "status". A resourceVersion in the object
  // must match the stored one (409 otherwise); without one the update is unconditional.
  absl::StatusOr<ObjectRef> Update(std::string_view namespace_name, std::string_view name,
                                   nlohmann::json object, std::string_view subresource,
                                   const WriteOptions& options);
  // Applies a patch document to the stored object and updates it, retrying when another writer
  // got there first (unless the patch itself names a resourceVersion).
  absl::StatusOr<ObjectRef> Patch(std::string_view namespace_name, std::string_view name,
                                  PatchType patch_type, const nlohmann::json& patch,
                                  std::string_view subresource, const WriteOptions& options);
  // Read-modify-write with conflict retries: `mutate` edits the current object (return an
  // error to abort). Used for subresources like pods/binding.
  absl::StatusOr<ObjectRef> GuaranteedUpdate(
      std::string_view namespace_name, std::string_view name,
      const std::function<absl::Status(nlohmann::json& object)>& mutate,
      std::string_view subresource, const WriteOptions& options);
  absl::StatusOr<DeleteResult> Delete(std::string_view namespace_name, std::string_view name,
                                      const DeleteOptions& options);

 private:
  struct Stored;
  absl::StatusOr<Stored> ReadStored(std::string_view namespace_name, std::string_view name);
  // Validates `object` as a replacement of `current` and writes it guarded by current's revision.
  absl::StatusOr<ObjectRef> WriteUpdate(Stored& current, nlohmann::json object,
                                        std::string_view subresource, const WriteOptions& options);
  absl::StatusOr<DeleteResult> RemoveNow(Stored& current, const DeleteOptions& options);
  // How metadata.name is checked: upstream's rule for a built-in kind, the strategy's otherwise.
  api::NameRule NameRule() const;
  // Records in `object`'s managedFields what this write changes relative to `old` (null for a
  // create), per `options`.
  void TrackManagedFields(nlohmann::json& object, const nlohmann::json* old,
                          std::string_view subresource, const WriteOptions& options) const;
  // Runs the mutating (`mutate`) or validating admission phase when `options` carry admission.
  absl::Status RunAdmission(bool mutate, AdmissionOperation operation, nlohmann::json& object,
                            const nlohmann::json* old, std::string_view subresource,
                            const WriteOptions& options) const;

  const api::ResourceType type_;
  Backend& backend_;
  base::Clock& clock_;
  std::unique_ptr<Strategy> strategy_;
  NamespaceCheck namespace_check_;
};

}  // namespace k1s::apiserver
