#include "controllers/statefulset/stateful_pod_control.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/errors.h"
#include "base/strings.h"
#include "controllers/common/pods.h"
#include "controllers/history/object_fields.h"
#include "controllers/statefulset/stateful_set_utils.h"

namespace k1s::controllers::statefulset {
namespace {

using history::NameOf;
using history::NamespaceOf;
using nlohmann::json;

// retry.DefaultBackoff's step count for conflict retries.
constexpr int kConflictRetries = 5;

std::string Title(std::string_view verb) {
  std::string title(verb);
  if (!title.empty()) title[0] = static_cast<char>(std::toupper(title[0]));
  return title;
}

absl::Status Aggregate(const std::vector<absl::Status>& errors) {
  if (errors.empty()) return absl::OkStatus();
  if (errors.size() == 1) return errors.front();
  std::string message = "[";
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) message += ", ";
    message += std::string(errors[i].message());
  }
  return absl::Status(errors.front().code(), message + "]");
}

json SetReference(const json& set) {
  return history::EventReference(set, "apps/v1", "StatefulSet");
}

}  // namespace

absl::Status StatefulPodControl::CreateStatefulPod(const json& set, const json& pod) {
  if (absl::Status claims = CreatePersistentVolumeClaims(set, pod); !claims.ok()) {
    RecordPodEvent("create", set, pod, claims);
    return claims;
  }
  absl::StatusOr<json> created = client_.Create(client::resources::Pods(), NamespaceOf(set), pod);
  // Someone else made it (or we did on a stale cache): nothing to report.
  if (api::IsAlreadyExists(created.status())) return created.status();
  if (created.ok()) {
    if (absl::Status owned = UpdatePodClaimForRetentionPolicy(set, *created); !owned.ok()) {
      RecordPodEvent("update", set, pod, owned);
      return owned;
    }
  }
  RecordPodEvent("create", set, pod, created.status());
  return created.status();
}

absl::Status StatefulPodControl::UpdateStatefulPod(const json& set, json pod) {
  bool attempted = false;
  absl::Status result;
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    bool consistent = true;
    if (!IdentityMatches(set, pod)) {
      UpdateIdentity(set, pod);
      consistent = false;
    }
    if (!StorageMatches(set, pod)) {
      UpdateStorage(set, pod);
      consistent = false;
      if (absl::Status claims = CreatePersistentVolumeClaims(set, pod); !claims.ok()) {
        RecordPodEvent("update", set, pod, claims);
        return claims;
      }
    }
    absl::StatusOr<bool> match = ClaimsMatchRetentionPolicy(set, pod);
    if (!match.ok()) {
      RecordPodEvent("update", set, pod, match.status());
      return match.status();
    }
    if (!*match) {
      if (absl::Status owned = UpdatePodClaimForRetentionPolicy(set, pod); !owned.ok()) {
        RecordPodEvent("update", set, pod, owned);
        return owned;
      }
      consistent = false;
    }
    if (consistent) {
      result = absl::OkStatus();
      break;
    }
    attempted = true;
    absl::StatusOr<json> updated = client_.Update(client::resources::Pods(), pod);
    result = updated.status();
    if (updated.ok() || !api::IsConflict(result)) break;
    absl::StatusOr<json> fresh =
        client_.Get(client::resources::Pods(), NamespaceOf(set), NameOf(pod));
    if (fresh.ok()) pod = *std::move(fresh);
  }
  if (attempted) RecordPodEvent("update", set, pod, result);
  return result;
}

absl::Status StatefulPodControl::DeleteStatefulPod(const json& set, const json& pod) {
  absl::Status deleted = client_.Delete(client::resources::Pods(), NamespaceOf(pod), NameOf(pod));
  RecordPodEvent("delete", set, pod, deleted);
  return deleted;
}

absl::StatusOr<bool> StatefulPodControl::ClaimsMatchRetentionPolicy(const json& set,
                                                                    const json& pod) {
  for (const auto& [template_name, claim] : ClaimsFor(set, pod)) {
    client::ObjectPtr stored = claims_.Get(NamespaceOf(set), NameOf(claim));
    if (stored == nullptr) continue;  // picked up once it exists
    if (!IsClaimOwnerUpToDate(*stored, set, pod)) return false;
  }
  return true;
}

absl::Status StatefulPodControl::UpdatePodClaimForRetentionPolicy(const json& set,
                                                                  const json& pod) {
  for (const auto& [template_name, claim] : ClaimsFor(set, pod)) {
    client::ObjectPtr stored = claims_.Get(NamespaceOf(set), NameOf(claim));
    if (stored == nullptr) continue;
    if (HasUnexpectedController(*stored, set, pod)) {
      recorder_.Event(SetReference(set), client::kEventWarning, "ConflictingController",
                      base::StrCat("PersistentVolumeClaim ", NameOf(claim),
                                   " has a conflicting OwnerReference that acts as a manging "
                                   "controller, the retention policy is ignored for this claim"));
    }
    if (IsClaimOwnerUpToDate(*stored, set, pod)) continue;
    json update = *stored;
    UpdateClaimOwnerRefs(update, set, pod);
    absl::StatusOr<json> written =
        client_.Update(client::resources::PersistentVolumeClaims(), update);
    if (!written.ok()) {
      return absl::Status(
          written.status().code(),
          base::StrCat("could not update claim ", NameOf(claim),
                       " for delete policy ownerRefs: ", written.status().message()));
    }
  }
  return absl::OkStatus();
}

bool StatefulPodControl::PodClaimIsStale(const json& set, const json& pod) {
  if (!RetentionPolicyOf(set).delete_when_scaled) return false;  // claims are meant for reuse
  for (const auto& [template_name, claim] : ClaimsFor(set, pod)) {
    client::ObjectPtr stored = claims_.Get(NamespaceOf(set), NameOf(claim));
    if (stored != nullptr && HasStalePodOwnerRef(*stored, pod)) return true;
  }
  return false;
}

absl::Status StatefulPodControl::CreateMissingPersistentVolumeClaims(const json& set,
                                                                     const json& pod) {
  if (absl::Status claims = CreatePersistentVolumeClaims(set, pod); !claims.ok()) return claims;
  if (absl::Status owned = UpdatePodClaimForRetentionPolicy(set, pod); !owned.ok()) {
    RecordPodEvent("update", set, pod, owned);
    return owned;
  }
  return absl::OkStatus();
}

absl::Status StatefulPodControl::CreatePersistentVolumeClaims(const json& set, const json& pod) {
  std::vector<absl::Status> errors;
  for (const auto& [template_name, claim] : ClaimsFor(set, pod)) {
    client::ObjectPtr stored = claims_.Get(NamespaceOf(set), NameOf(claim));
    if (stored != nullptr) {
      if (IsBeingDeleted(*stored)) {
        errors.push_back(absl::FailedPreconditionError(
            base::StrCat("pvc ", NameOf(claim), " is being deleted")));
      }
      continue;
    }
    absl::StatusOr<json> created =
        client_.Create(client::resources::PersistentVolumeClaims(), NamespaceOf(set), claim);
    if (!created.ok()) {
      errors.push_back(absl::Status(
          created.status().code(),
          base::StrCat("failed to create PVC ", NameOf(claim), ": ", created.status().message())));
    }
    if (created.ok() || !api::IsAlreadyExists(created.status())) {
      RecordClaimEvent("create", set, pod, claim, created.status());
    }
  }
  return Aggregate(errors);
}

void StatefulPodControl::RecordPodEvent(std::string_view verb, const json& set, const json& pod,
                                        const absl::Status& status) {
  if (status.ok()) {
    recorder_.Event(
        SetReference(set), client::kEventNormal, base::StrCat("Successful", Title(verb)),
        base::StrCat(verb, " Pod ", NameOf(pod), " in StatefulSet ", NameOf(set), " successful"));
    return;
  }
  recorder_.Event(SetReference(set), client::kEventWarning, base::StrCat("Failed", Title(verb)),
                  base::StrCat(verb, " Pod ", NameOf(pod), " in StatefulSet ", NameOf(set),
                               " failed error: ", status.message()));
}

void StatefulPodControl::RecordClaimEvent(std::string_view verb, const json& set, const json& pod,
                                          const json& claim, const absl::Status& status) {
  if (status.ok()) {
    recorder_.Event(SetReference(set), client::kEventNormal,
                    base::StrCat("Successful", Title(verb)),
                    base::StrCat(verb, " Claim ", NameOf(claim), " Pod ", NameOf(pod),
                                 " in StatefulSet ", NameOf(set), " success"));
    return;
  }
  recorder_.Event(
      SetReference(set), client::kEventWarning, base::StrCat("Failed", Title(verb)),
      base::StrCat(verb, " Claim ", NameOf(claim), " for Pod ", NameOf(pod), " in StatefulSet ",
                   NameOf(set), " failed error: ", status.message()));
}

}  // namespace k1s::controllers::statefulset
