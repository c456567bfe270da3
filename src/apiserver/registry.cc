#include "apiserver/registry.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "api/defaults.h"
#include "api/errors.h"
#include "api/field_validation.h"
#include "api/identifiers.h"
#include "api/json_patch.h"
#include "api/managed_fields.h"
#include "api/merge_patch.h"
#include "api/schema.h"
#include "api/strategic_merge_patch.h"
#include "api/timestamps.h"
#include "api/validate_kinds.h"
#include "api/validation.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr int kMaxConflictRetries = 8;

// Metadata fields only the server sets; values sent by clients are ignored.
void ClearServerOwnedMetadata(json& metadata) {
  for (const char* field :
       {"uid", "creationTimestamp", "resourceVersion", "deletionTimestamp",
        "deletionGracePeriodSeconds", "generation", "managedFields", "selfLink"}) {
    metadata.erase(field);
  }
}

const json& Field(const json& object, const char* name) {
  static const json kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

void CopyField(json& to, const json& from, const char* name) {
  auto it = from.find(name);
  if (it == from.end()) {
    if (to.is_object()) to.erase(name);
  } else {
    to[name] = *it;
  }
}

// What upstream's decoding into the Go type does before any rule sees an object: fields the
// type does not declare vanish and defaults are filled. Custom resources do this in their
// strategy, from the CRD's schema.
void Normalize(const api::ResourceType& type, json& object) {
  if (type.is_custom()) return;
  if (const api::schema::Definition* definition =
          api::schema::Catalog::Builtin().ForKind(type.group, type.version, type.kind)) {
    api::PruneUnknownFields(*definition, object);
  }
  api::ApplyDefaults(type.group, type.version, type.kind, object);
}

std::string StoredValue(json object) {
  object["metadata"].erase("resourceVersion");
  return object.dump();
}

bool HasFinalizers(const json& metadata) {
  auto it = metadata.find("finalizers");
  return it != metadata.end() && it->is_array() && !it->empty();
}

void AddFinalizer(json& metadata, const std::string& finalizer) {
  json& finalizers = metadata["finalizers"];
  if (!finalizers.is_array()) finalizers = json::array();
  for (const json& existing : finalizers) {
    if (existing == finalizer) return;
  }
  finalizers.push_back(finalizer);
}

void RemoveFinalizer(json& metadata, const std::string& finalizer) {
  json& finalizers = metadata["finalizers"];
  if (!finalizers.is_array()) return;
  json kept = json::array();
  for (const json& existing : finalizers) {
    if (existing != finalizer) kept.push_back(existing);
  }
  finalizers = std::move(kept);
  if (finalizers.empty()) metadata.erase("finalizers");
}

// Foreground and Orphan deletion hand the object to the garbage collector through finalizers;
// an explicit policy replaces the other one's finalizer (Background removes both), as upstream's
// deletion rules do. Returns whether the finalizers changed.
bool ApplyPropagationPolicy(json& metadata, std::string_view policy) {
  if (policy.empty()) return false;
  const json before = metadata.value("finalizers", json::array());
  if (policy == "Foreground") {
    RemoveFinalizer(metadata, "orphan");
    AddFinalizer(metadata, "foregroundDeletion");
  } else if (policy == "Orphan") {
    RemoveFinalizer(metadata, "foregroundDeletion");
    AddFinalizer(metadata, "orphan");
  } else if (policy == "Background") {
    RemoveFinalizer(metadata, "foregroundDeletion");
    RemoveFinalizer(metadata, "orphan");
  }
  return metadata.value("finalizers", json::array()) != before;
}

// The namespace rule of kube-apiserver's EnsureObjectNamespaceMatchesRequestNamespace.
absl::Status ReconcileNamespace(const api::ResourceType& type, json& metadata,
                                std::string_view request_namespace) {
  std::string object_namespace = metadata.value("namespace", "");
  if (!type.namespaced) {
    metadata.erase("namespace");
    return absl::OkStatus();
  }
  if (object_namespace.empty()) {
    metadata["namespace"] = request_namespace;
  } else if (object_namespace != request_namespace) {
    return api::BadRequestError(
        "the namespace of the provided object does not match the namespace sent on the request");
  }
  return absl::OkStatus();
}

absl::Status ToApiPatchError(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kFailedPrecondition) {
    return api::UnprocessableError(std::string(status.message()));
  }
  return api::BadRequestError(std::string(status.message()));
}

}  // namespace

absl::StatusOr<json> ApplyPatch(PatchType patch_type, const json& document, const json& patch,
                                std::string_view group, std::string_view kind) {
  absl::StatusOr<json> patched;
  switch (patch_type) {
    case PatchType::kJson:
      patched = api::ApplyJsonPatch(document, patch);
      break;
    case PatchType::kMerge:
      patched = api::ApplyMergePatch(document, patch);
      break;
    case PatchType::kStrategicMerge:
      patched = api::ApplyStrategicMergePatch(document, patch, group, kind);
      break;
  }
  if (!patched.ok()) return ToApiPatchError(patched.status());
  if (!patched->is_object() || !Field(*patched, "metadata").is_object()) {
    return api::BadRequestError("the patched object is not a Kubernetes object");
  }
  return patched;
}

bool Strategy::ReadyToRemove(const nlohmann::json& object) {
  const json& metadata = Field(object, "metadata");
  return metadata.contains("deletionTimestamp") && !HasFinalizers(metadata) &&
         metadata.value("deletionGracePeriodSeconds", int64_t{0}) == 0;
}

struct Registry::Stored {
  std::string key;
  json object;  // as stored: no resourceVersion
  int64_t revision = 0;
};

Registry::Registry(const api::ResourceType& type, Backend& backend, base::Clock& clock,
                   std::unique_ptr<Strategy> strategy, NamespaceCheck namespace_check)
    : type_(type),
      backend_(backend),
      clock_(clock),
      strategy_(std::move(strategy)),
      namespace_check_(std::move(namespace_check)) {}

Registry::~Registry() = default;

absl::StatusOr<Registry::Stored> Registry::ReadStored(std::string_view namespace_name,
                                                      std::string_view name) {
  RangeRequest request;
  request.key = ObjectKey(type_, namespace_name, name);
  absl::StatusOr<RangeResponse> range = backend_.Range(request);
  if (!range.ok()) return api::InternalError(std::string(range.status().message()));
  if (range->kvs.empty()) return api::NotFoundError(type_, name);
  Stored stored;
  stored.key = std::move(request.key);
  stored.revision = range->kvs[0].mod_revision;
  stored.object = json::parse(range->kvs[0].value, nullptr, /*allow_exceptions=*/false);
  if (!stored.object.is_object()) {
    return api::InternalError(base::StrCat("stored object ", stored.key, " is not JSON"));
  }
  return stored;
}

api::NameRule Registry::NameRule() const {
  return type_.is_custom() ? strategy_->name_rule() : api::NameRuleFor(type_.group, type_.kind);
}

absl::StatusOr<ObjectRef> Registry::Get(std::string_view namespace_name, std::string_view name) {
  absl::StatusOr<Stored> stored = ReadStored(namespace_name, name);
  if (!stored.ok()) return stored.status();
  return MakeCachedObject(type_, stored->key, stored->object, stored->revision);
}

absl::StatusOr<ObjectRef> Registry::Create(std::string_view namespace_name, json object,
                                           const WriteOptions& options) {
  json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  if (absl::Status status = ReconcileNamespace(type_, metadata, namespace_name); !status.ok()) {
    return status;
  }
  object["apiVersion"] = type_.GroupVersion();
  object["kind"] = type_.kind;
  std::string name = metadata.value("name", "");
  std::string generate_name = metadata.value("generateName", "");
  if (name.empty() && !generate_name.empty()) {
    name = api::GenerateName(generate_name);
    metadata["name"] = name;
  }
  json managed_fields = metadata.value("managedFields", json());
  ClearServerOwnedMetadata(metadata);
  if (options.managed_fields_final && !managed_fields.is_null()) {
    metadata["managedFields"] = std::move(managed_fields);
  }
  // Metadata errors are reported together with the kind's own, as upstream lists every field.
  api::FieldErrors errors = api::ValidateObjectMeta(metadata, type_.namespaced, NameRule());
  if (type_.namespaced) {
    if (absl::Status status = namespace_check_(type_, name, namespace_name); !status.ok())
      return status;
  }
  metadata["uid"] = api::NewUid();
  metadata["creationTimestamp"] = api::FormatTimestamp(clock_.NowUnixNanos() / 1'000'000'000);
  if (object.contains("spec")) metadata["generation"] = 1;
  Normalize(type_, object);
  if (absl::Status status =
          RunAdmission(true, AdmissionOperation::kCreate, object, nullptr, "", options);
      !status.ok()) {
    return status;
  }
  strategy_->PrepareForCreate(object);
  TrackManagedFields(object, nullptr, "", options);
  for (api::FieldError& error : strategy_->Validate(object)) errors.push_back(std::move(error));
  if (!type_.is_custom()) {
    for (api::FieldError& error : api::ValidateKind(type_.group, type_.kind, object)) {
      errors.push_back(std::move(error));
    }
  }
  if (!errors.empty()) return api::InvalidError(type_, name, errors);
  if (absl::Status status =
          RunAdmission(false, AdmissionOperation::kCreate, object, nullptr, "", options);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = strategy_->Reserve(object, nullptr); !status.ok()) return status;

  std::string key = ObjectKey(type_, namespace_name, name);
  if (options.dry_run) {
    strategy_->Release(object, nullptr);
    return MakeCachedObject(type_, std::move(key), object, 0);
  }
  TxnRequest txn;
  txn.compare.push_back({Compare::Result::kEqual, Compare::Target::kCreate, key, "", 0, ""});
  PutRequest put;
  put.key = key;
  put.value = StoredValue(object);
  txn.success.push_back({std::move(put)});
  absl::StatusOr<TxnResponse> response = backend_.Txn(txn);
  if (!response.ok() || !response->succeeded) {
    strategy_->Release(object, nullptr);
    if (!response.ok()) return api::InternalError(std::string(response.status().message()));
    return api::AlreadyExistsError(type_, name);
  }
  return MakeCachedObject(type_, std::move(key), object, response->revision);
}

absl::StatusOr<ObjectRef> Registry::Update(std::string_view namespace_name, std::string_view name,
                                           json object, std::string_view subresource,
                                           const WriteOptions& options) {
  json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  std::string object_name = metadata.value("name", "");
  if (object_name.empty()) {
    metadata["name"] = name;
  } else if (object_name != name) {
    return api::BadRequestError(base::StrCat("the name of the object (", object_name,
                                             ") does not match the name on the URL (", name, ")"));
  }
  if (absl::Status status = ReconcileNamespace(type_, metadata, namespace_name); !status.ok()) {
    return status;
  }
  absl::StatusOr<Stored> current = ReadStored(namespace_name, name);
  if (!current.ok()) {
    if (api::IsNotFound(current.status()) && strategy_->allow_create_on_update() &&
        subresource.empty()) {
      return Create(namespace_name, std::move(object), options);
    }
    return current.status();
  }
  std::string version = metadata.value("resourceVersion", "");
  if (!version.empty() && version != std::to_string(current->revision)) {
    return api::ConflictError(type_, name, api::kStaleObjectDetail);
  }
  return WriteUpdate(*current, std::move(object), subresource, options);
}

absl::StatusOr<ObjectRef> Registry::WriteUpdate(Stored& current, json object,
                                                std::string_view subresource,
                                                const WriteOptions& options) {
  const json& old = current.object;
  const json& old_metadata = old["metadata"];
  if (subresource == "status") {
    // A status write changes .status and nothing else.
    json merged = old;
    CopyField(merged, object, "status");
    object = std::move(merged);
  } else if (subresource == "finalize") {
    json merged = old;
    merged["spec"]["finalizers"] = object["spec"].value("finalizers", json::array());
    object = std::move(merged);
  } else if (subresource == "ephemeralcontainers") {
    // Ephemeral containers are added to a running pod only through this subresource.
    json merged = old;
    CopyField(merged["spec"], Field(object, "spec"), "ephemeralContainers");
    object = std::move(merged);
  } else if (subresource == "approval") {
    // A CSR's approval writes its conditions (Approved, Denied) and nothing else.
    json merged = old;
    CopyField(merged["status"], Field(object, "status"), "conditions");
    object = std::move(merged);
  } else if (subresource.empty() && type_.has_status_subresource()) {
    // The main resource ignores .status: it belongs to the status subresource.
    CopyField(object, old, "status");
  }
  object["apiVersion"] = type_.GroupVersion();
  object["kind"] = type_.kind;
  json& metadata = object["metadata"];
  if (!metadata.contains("uid") || metadata["uid"] == "") CopyField(metadata, old_metadata, "uid");
  for (const char* carried :
       {"creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"}) {
    CopyField(metadata, old_metadata, carried);
  }
  metadata.erase("resourceVersion");
  Normalize(type_, object);
  if (absl::Status status =
          RunAdmission(true, AdmissionOperation::kUpdate, object, &old, subresource, options);
      !status.ok()) {
    return status;
  }
  if (old.contains("spec") && Field(object, "spec") != Field(old, "spec")) {
    metadata["generation"] = old_metadata.value("generation", int64_t{0}) + 1;
  }
  // Status and finalize writes carry only their own part; the kind's rules are for main writes.
  if (subresource.empty() || subresource == "binding") strategy_->PrepareForUpdate(object, old);
  TrackManagedFields(object, &old, subresource, options);
  std::string name = old_metadata.value("name", "");
  api::FieldErrors errors =
      api::ValidateObjectMetaUpdate(metadata, old_metadata, type_.namespaced, NameRule());
  // A binding only sets spec.nodeName (checked by the caller); the kind's update rules would
  // refuse that spec change.
  if (subresource != "binding") {
    for (api::FieldError& error : strategy_->ValidateUpdate(object, old)) {
      errors.push_back(std::move(error));
    }
    if (!type_.is_custom()) {
      for (api::FieldError& error : api::ValidateKindUpdate(type_.group, type_.kind, object, old)) {
        errors.push_back(std::move(error));
      }
    }
  }
  if (!errors.empty()) return api::InvalidError(type_, name, errors);
  if (absl::Status status =
          RunAdmission(false, AdmissionOperation::kUpdate, object, &old, subresource, options);
      !status.ok()) {
    return status;
  }

  if (object == old) {
    // Nothing changed: no write, the resourceVersion stays.
    json unchanged = old;
    return MakeCachedObject(type_, current.key, unchanged, current.revision);
  }
  if (metadata.contains("deletionTimestamp") && strategy_->ReadyToRemove(object)) {
    current.object = std::move(object);
    DeleteOptions remove_options;
    remove_options.dry_run = options.dry_run;
    absl::StatusOr<DeleteResult> removed = RemoveNow(current, remove_options);
    if (!removed.ok()) return removed.status();
    return removed->object;
  }
  if (absl::Status status = strategy_->Reserve(object, &old); !status.ok()) return status;
  if (options.dry_run) {
    strategy_->Release(object, &old);
    return MakeCachedObject(type_, current.key, object, current.revision);
  }
  TxnRequest txn;
  txn.compare.push_back(
      {Compare::Result::kEqual, Compare::Target::kMod, current.key, "", current.revision, ""});
  PutRequest put;
  put.key = current.key;
  put.value = StoredValue(object);
  txn.success.push_back({std::move(put)});
  absl::StatusOr<TxnResponse> response = backend_.Txn(txn);
  if (!response.ok() || !response->succeeded) {
    strategy_->Release(object, &old);
    if (!response.ok()) return api::InternalError(std::string(response.status().message()));
    return api::ConflictError(type_, name, api::kStaleObjectDetail);
  }
  strategy_->Release(old, &object);
  return MakeCachedObject(type_, current.key, object, response->revision);
}

void Registry::TrackManagedFields(json& object, const json* old, std::string_view subresource,
                                  const WriteOptions& options) const {
  json& metadata = object["metadata"];
  if (options.managed_fields_final) return;
  const api::schema::Definition* definition =
      type_.is_custom()
          ? nullptr
          : api::schema::Catalog::Builtin().ForKind(type_.group, type_.version, type_.kind);
  if (options.field_manager.empty() || definition == nullptr) {
    // Nobody to credit: what was recorded stays as it was.
    if (old != nullptr) {
      CopyField(metadata, Field(*old, "metadata"), "managedFields");
    } else {
      metadata.erase("managedFields");
    }
    return;
  }
  api::FieldManagerRequest request;
  request.manager = options.field_manager;
  request.api_version = type_.GroupVersion();
  request.subresource = std::string(subresource);
  request.now_nanos = clock_.NowUnixNanos();
  object = api::UpdateManagedFields(*definition, old, std::move(object), request);
}

absl::StatusOr<ObjectRef> Registry::Patch(std::string_view namespace_name, std::string_view name,
                                          PatchType patch_type, const json& patch,
                                          std::string_view subresource,
                                          const WriteOptions& options) {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<Stored> current = ReadStored(namespace_name, name);
    if (!current.ok()) return current.status();
    json document = current->object;
    std::string current_version = std::to_string(current->revision);
    document["metadata"]["resourceVersion"] = current_version;
    absl::StatusOr<json> patched = ApplyPatch(patch_type, document, patch, type_.group, type_.kind);
    if (!patched.ok()) return patched.status();
    // A resourceVersion the patch itself set is a precondition.
    std::string version = (*patched)["metadata"].value("resourceVersion", "");
    bool pinned = version != current_version;
    if (pinned && !version.empty()) {
      return api::ConflictError(type_, name, api::kStaleObjectDetail);
    }
    absl::StatusOr<ObjectRef> result =
        WriteUpdate(*current, *std::move(patched), subresource, options);
    if (result.ok() || !api::IsConflict(result.status()) || pinned ||
        attempt + 1 >= kMaxConflictRetries) {
      return result;
    }
  }
}

absl::StatusOr<ObjectRef> Registry::GuaranteedUpdate(
    std::string_view namespace_name, std::string_view name,
    const std::function<absl::Status(json& object)>& mutate, std::string_view subresource,
    const WriteOptions& options) {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<Stored> current = ReadStored(namespace_name, name);
    if (!current.ok()) return current.status();
    json object = current->object;
    // The mutation sees the version it works from (a precondition it may check).
    object["metadata"]["resourceVersion"] = std::to_string(current->revision);
    if (absl::Status status = mutate(object); !status.ok()) return status;
    absl::StatusOr<ObjectRef> result =
        WriteUpdate(*current, std::move(object), subresource, options);
    if (result.ok() || !api::IsConflict(result.status()) || attempt + 1 >= kMaxConflictRetries) {
      return result;
    }
  }
}

absl::StatusOr<DeleteResult> Registry::RemoveNow(Stored& current, const DeleteOptions& options) {
  if (options.dry_run) {
    return DeleteResult{MakeCachedObject(type_, current.key, current.object, current.revision),
                        true};
  }
  TxnRequest txn;
  txn.compare.push_back(
      {Compare::Result::kEqual, Compare::Target::kMod, current.key, "", current.revision, ""});
  DeleteRangeRequest remove;
  remove.key = current.key;
  // Built in place: GCC 12 misreads a braced temporary of this variant as uninitialized.
  txn.success.emplace_back().request = std::move(remove);
  absl::StatusOr<TxnResponse> response = backend_.Txn(txn);
  if (!response.ok()) return api::InternalError(std::string(response.status().message()));
  std::string name = current.object["metadata"].value("name", "");
  if (!response->succeeded) return api::ConflictError(type_, name, api::kStaleObjectDetail);
  strategy_->Release(current.object, nullptr);
  return DeleteResult{MakeCachedObject(type_, current.key, current.object, response->revision),
                      true};
}

absl::StatusOr<DeleteResult> Registry::Delete(std::string_view namespace_name,
                                              std::string_view name, const DeleteOptions& options) {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<Stored> current = ReadStored(namespace_name, name);
    if (!current.ok()) return current.status();
    json& metadata = current->object["metadata"];
    std::string uid = metadata.value("uid", "");
    if (options.precondition_uid && *options.precondition_uid != uid) {
      return api::ConflictError(
          type_, name,
          base::StrCat("Precondition failed: UID in precondition: ", *options.precondition_uid,
                       ", UID in object meta: ", uid));
    }
    std::string version = std::to_string(current->revision);
    if (options.precondition_resource_version &&
        *options.precondition_resource_version != version) {
      return api::ConflictError(
          type_, name,
          base::StrCat("Precondition failed: ResourceVersion in precondition: ",
                       *options.precondition_resource_version,
                       ", ResourceVersion in object meta: ", version));
    }
    if (std::string reason = strategy_->DeleteForbiddenReason(current->object); !reason.empty()) {
      return api::ForbiddenError(
          type_, name,
          base::StrCat(api::QualifiedResource(type_), " \"", name, "\" is forbidden: ", reason));
    }
    json object = current->object;
    json& new_metadata = object["metadata"];
    const bool finalizers_changed =
        ApplyPropagationPolicy(new_metadata, options.propagation_policy);
    std::optional<int64_t> grace =
        strategy_->DeletionGracePeriod(object, options.grace_period_seconds);
    bool marked = new_metadata.contains("deletionTimestamp");
    if (!grace && !HasFinalizers(new_metadata)) {
      absl::StatusOr<DeleteResult> removed = RemoveNow(*current, options);
      if (removed.ok() || !api::IsConflict(removed.status()) ||
          attempt + 1 >= kMaxConflictRetries) {
        return removed;
      }
      continue;
    }
    // Bounded so the deletionTimestamp stays a valid RFC 3339 time (year <= 9999).
    constexpr int64_t kMaxGraceSeconds = int64_t{100} * 365 * 86400;
    int64_t grace_seconds = std::clamp<int64_t>(grace.value_or(0), 0, kMaxGraceSeconds);
    // Already being deleted: a shorter grace period moves the deletion time, a new propagation
    // policy swaps the garbage collector's finalizers; anything else changes nothing.
    const bool shorter_grace =
        !marked ||
        grace_seconds < new_metadata.value("deletionGracePeriodSeconds", int64_t{0});
    if (marked && !shorter_grace && !finalizers_changed) {
      return DeleteResult{
          MakeCachedObject(type_, current->key, current->object, current->revision), false};
    }
    if (shorter_grace) {
      int64_t now = clock_.NowUnixNanos() / 1'000'000'000;
      new_metadata["deletionTimestamp"] = api::FormatTimestamp(now + grace_seconds);
      new_metadata["deletionGracePeriodSeconds"] = grace_seconds;
      new_metadata["generation"] = new_metadata.value("generation", int64_t{0}) + 1;
    }
    if (!marked) strategy_->MarkForDeletion(object);
    if (strategy_->ReadyToRemove(object)) {
      absl::StatusOr<DeleteResult> removed = RemoveNow(*current, options);
      if (removed.ok() || !api::IsConflict(removed.status()) ||
          attempt + 1 >= kMaxConflictRetries) {
        return removed;
      }
      continue;
    }
    if (options.dry_run) {
      return DeleteResult{MakeCachedObject(type_, current->key, object, current->revision), false};
    }
    TxnRequest txn;
    txn.compare.push_back(
        {Compare::Result::kEqual, Compare::Target::kMod, current->key, "", current->revision, ""});
    PutRequest put;
    put.key = current->key;
    put.value = StoredValue(object);
    txn.success.push_back({std::move(put)});
    absl::StatusOr<TxnResponse> response = backend_.Txn(txn);
    if (!response.ok()) return api::InternalError(std::string(response.status().message()));
    if (response->succeeded) {
      return DeleteResult{MakeCachedObject(type_, current->key, object, response->revision), false};
    }
    if (attempt + 1 >= kMaxConflictRetries) {
      return api::ConflictError(type_, name, api::kStaleObjectDetail);
    }
  }
}

absl::Status Registry::RunAdmission(bool mutate, AdmissionOperation operation, json& object,
                                    const json* old, std::string_view subresource,
                                    const WriteOptions& options) const {
  const AdmissionContext* admission = options.admission;
  if (admission == nullptr || admission->chain == nullptr) return absl::OkStatus();
  const json& metadata = object["metadata"];
  std::string namespace_name = metadata.value("namespace", "");
  std::string name = metadata.value("name", "");
  AdmissionRequest request;
  request.operation = operation;
  request.type = &type_;
  request.namespace_name = namespace_name;
  request.name = name;
  request.subresource = subresource;
  request.user = &admission->user;
  request.old_object = old;
  request.dry_run = options.dry_run;
  request.warnings = admission->warnings;
  request.audit_annotations = admission->audit_annotations;
  return mutate ? admission->chain->Admit(request, object)
                : admission->chain->Validate(request, object);
}

}  // namespace k1s::apiserver
