// The binder's writes: binding a volume and a claim to each other, phases and claim status.
// Each successful write is stored in the binder's cache so the next sync sees it.
#include <nlohmann/json.hpp>

#include "api/validate_util.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/persistent_volume/pv_controller.h"
#include "controllers/persistent_volume/pv_internal.h"
#include "controllers/persistent_volume/volume_util.h"

namespace k1s::controllers {

using nlohmann::json;
using pv::StringAt;

namespace {

constexpr char kAnnPreResizeCapacity[] = "volume.alpha.kubernetes.io/pre-resize-capacity";

json& Status(json& object) {
  json& status = object["status"];
  if (!status.is_object()) status = json::object();
  return status;
}

json& Annotations(json& object) {
  json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  json& annotations = metadata["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  return annotations;
}

const json& FieldOr(const json& object, const char* section, const char* key) {
  static const json kNull;
  if (!object.is_object() || !object.contains(section) || !object[section].is_object()) {
    return kNull;
  }
  const json& part = object[section];
  return part.contains(key) ? part[key] : kNull;
}

}  // namespace

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::WriteVolume(const json& volume,
                                                                      bool status) {
  client::Resource resource = client::resources::PersistentVolumes();
  absl::StatusOr<json> written =
      status ? client_.UpdateStatus(resource, volume) : client_.Update(resource, volume);
  if (!written.ok()) return written.status();
  auto stored = std::make_shared<const json>(*std::move(written));
  volumes_.Store(stored);
  return client::ObjectPtr(stored);
}

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::WriteClaim(const json& claim,
                                                                     bool status) {
  client::Resource resource = client::resources::PersistentVolumeClaims();
  absl::StatusOr<json> written =
      status ? client_.UpdateStatus(resource, claim) : client_.Update(resource, claim);
  if (!written.ok()) return written.status();
  auto stored = std::make_shared<const json>(*std::move(written));
  claims_.Store(stored);
  return client::ObjectPtr(stored);
}

absl::Status PersistentVolumeBinder::Bind(client::ObjectPtr volume, client::ObjectPtr claim) {
  // The volume first: a crash in between leaves a volume reserved for the claim, which the
  // next sync completes.
  absl::StatusOr<client::ObjectPtr> bound_volume = BindVolumeToClaim(volume, *claim);
  if (!bound_volume.ok()) return bound_volume.status();
  absl::StatusOr<client::ObjectPtr> volume_phase = UpdateVolumePhase(*bound_volume, "Bound", "");
  if (!volume_phase.ok()) return volume_phase.status();
  absl::StatusOr<client::ObjectPtr> bound_claim = BindClaimToVolume(claim, **volume_phase);
  if (!bound_claim.ok()) return bound_claim.status();
  absl::StatusOr<client::ObjectPtr> claim_status =
      UpdateClaimStatus(*bound_claim, "Bound", volume_phase->get());
  if (!claim_status.ok()) return claim_status.status();
  if (*volume_phase != volume || *claim_status != claim) {
    pv::Logger()->info("volume {} bound to claim {}", StringAt(**volume_phase, "metadata", "name"),
                       pv::ClaimKey(**claim_status));
  }
  return absl::OkStatus();
}

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::BindVolumeToClaim(
    const client::ObjectPtr& volume, const json& claim) {
  bool bound_already = pv::IsVolumeBoundToClaim(*volume, claim);
  json updated = *volume;
  bool dirty = false;
  const json& ref = FieldOr(*volume, "spec", "claimRef");
  if (!ref.is_object() || ref.value("name", json()) != StringAt(claim, "metadata", "name") ||
      ref.value("namespace", json()) != StringAt(claim, "metadata", "namespace") ||
      ref.value("uid", json()) != StringAt(claim, "metadata", "uid")) {
    updated["spec"]["claimRef"] = pv::ClaimReference(claim);
    dirty = true;
  }
  if (!bound_already && !pv::HasAnnotation(updated, pv::kAnnBoundByController)) {
    Annotations(updated)[pv::kAnnBoundByController] = "yes";
    dirty = true;
  }
  if (!dirty) return volume;
  return WriteVolume(updated, /*status=*/false);
}

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::BindClaimToVolume(
    const client::ObjectPtr& claim, const json& volume) {
  json updated = *claim;
  bool dirty = false;
  std::string volume_name = StringAt(volume, "metadata", "name");
  if (StringAt(*claim, "spec", "volumeName") != volume_name) {
    updated["spec"]["volumeName"] = volume_name;
    if (!pv::HasAnnotation(updated, pv::kAnnBoundByController)) {
      Annotations(updated)[pv::kAnnBoundByController] = "yes";
    }
    dirty = true;
  }
  if (!pv::HasAnnotation(updated, pv::kAnnBindCompleted)) {
    Annotations(updated)[pv::kAnnBindCompleted] = "yes";
    dirty = true;
  }
  if (!dirty) return claim;
  return WriteClaim(updated, /*status=*/false);
}

absl::Status PersistentVolumeBinder::UnbindVolume(const client::ObjectPtr& volume) {
  json updated = *volume;
  if (pv::HasAnnotation(*volume, pv::kAnnBoundByController)) {
    // Bound by the controller: undo it entirely.
    updated["spec"].erase("claimRef");
    json& annotations = Annotations(updated);
    annotations.erase(pv::kAnnBoundByController);
    if (annotations.empty()) updated["metadata"].erase("annotations");
  } else if (updated["spec"]["claimRef"].is_object()) {
    // Pre-bound by the user: keep the reservation, forget the claim's uid.
    updated["spec"]["claimRef"].erase("uid");
  }
  absl::StatusOr<client::ObjectPtr> written = WriteVolume(updated, /*status=*/false);
  if (!written.ok()) return written.status();
  return UpdateVolumePhase(*written, "Available", "").status();
}

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::UpdateVolumePhase(
    const client::ObjectPtr& volume, std::string_view phase, std::string_view message) {
  if (StringAt(*volume, "status", "phase") == phase) return volume;
  json updated = *volume;
  json& status = Status(updated);
  status["phase"] = phase;
  if (message.empty()) {
    status.erase("message");
  } else {
    status["message"] = message;
  }
  absl::StatusOr<client::ObjectPtr> written = WriteVolume(updated, /*status=*/true);
  if (written.ok()) {
    pv::Logger()->info("volume {} entered phase {}", StringAt(*volume, "metadata", "name"), phase);
  }
  return written;
}

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::UpdateVolumePhaseWithEvent(
    const client::ObjectPtr& volume, std::string_view phase, std::string_view type,
    std::string_view reason, std::string_view message) {
  if (StringAt(*volume, "status", "phase") == phase) return volume;
  absl::StatusOr<client::ObjectPtr> written = UpdateVolumePhase(volume, phase, message);
  if (!written.ok()) return written.status();
  recorder_->Event(pv::EventObject(**written, "PersistentVolume"), type, reason, message);
  return written;
}

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::UpdateClaimStatus(
    const client::ObjectPtr& claim, std::string_view phase, const json* volume) {
  json updated = *claim;
  json& status = Status(updated);
  bool dirty = false;
  bool phase_changes = StringAt(*claim, "status", "phase") != phase;
  if (phase_changes) {
    status["phase"] = phase;
    dirty = true;
  }
  if (volume == nullptr) {
    // No volume: no access modes or capacity.
    for (const char* field : {"accessModes", "capacity"}) {
      if (status.contains(field)) {
        status.erase(field);
        dirty = true;
      }
    }
  } else {
    const json& modes = FieldOr(*volume, "spec", "accessModes");
    if (status.value("accessModes", json()) != modes) {
      status["accessModes"] = modes;
      dirty = true;
    }
    // Capacity is set when the claim becomes Bound, not later: a difference may be meant (a
    // filesystem smaller than its block device).
    if (phase_changes) {
      const json& capacity = FieldOr(*volume, "spec", "capacity");
      if (!capacity.is_object() || !capacity.contains("storage")) {
        return absl::FailedPreconditionError(base::StrCat("PersistentVolume \"",
                                                          StringAt(*volume, "metadata", "name"),
                                                          "\" is without a storage capacity"));
      }
      std::string pre_resize = pv::Annotation(*volume, kAnnPreResizeCapacity);
      const json& claim_capacity = FieldOr(*claim, "status", "capacity");
      if (!pre_resize.empty()) {
        std::optional<api::validate::Quantity> quantity =
            api::validate::ParseQuantity(json(pre_resize));
        status["capacity"]["storage"] = quantity ? json(quantity->canonical) : capacity["storage"];
        dirty = true;
      } else {
        std::optional<api::validate::Quantity> have =
            claim_capacity.is_object() && claim_capacity.contains("storage")
                ? api::validate::ParseQuantity(claim_capacity["storage"])
                : std::nullopt;
        std::optional<api::validate::Quantity> want =
            api::validate::ParseQuantity(capacity["storage"]);
        if (!have || !want || have->Compare(*want) != 0) {
          status["capacity"] = capacity;
          dirty = true;
        }
      }
    }
  }
  if (!dirty) return claim;
  absl::StatusOr<client::ObjectPtr> written = WriteClaim(updated, /*status=*/true);
  if (written.ok() && phase_changes) {
    pv::Logger()->info("claim {} entered phase {}", pv::ClaimKey(*claim), phase);
  }
  return written;
}

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::UpdateClaimStatusWithEvent(
    const client::ObjectPtr& claim, std::string_view phase, std::string_view type,
    std::string_view reason, std::string_view message) {
  if (StringAt(*claim, "status", "phase") == phase) return claim;
  absl::StatusOr<client::ObjectPtr> written = UpdateClaimStatus(claim, phase, nullptr);
  if (!written.ok()) return written.status();
  recorder_->Event(pv::EventObject(**written, "PersistentVolumeClaim"), type, reason, message);
  return written;
}

}  // namespace k1s::controllers
