// The binder's volume side: syncVolume and reclaiming released volumes, as upstream.
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/persistent_volume/pv_controller.h"
#include "controllers/persistent_volume/pv_internal.h"
#include "controllers/persistent_volume/volume_util.h"

namespace k1s::controllers {

using nlohmann::json;
using pv::StringAt;

namespace {

bool IsReleasedOrFailed(const json& volume) {
  std::string phase = StringAt(volume, "status", "phase");
  return phase == "Released" || phase == "Failed";
}

}  // namespace

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::ClaimOfVolume(const json& volume) {
  std::string key = pv::ClaimRefKey(volume);
  auto [namespace_name, name] = client::SplitObjectKey(key);
  client::ObjectPtr claim = claims_.Get(key);
  if (claim == nullptr && !IsReleasedOrFailed(volume)) {
    // A volume made by a provisioner or bound by another binder may come before its claim
    // reaches our cache: check the informer and the apiserver before releasing it.
    claim = claims_informer_.GetByKey(key);
    if (claim == nullptr) {
      absl::StatusOr<json> live =
          client_.Get(client::resources::PersistentVolumeClaims(), namespace_name, name);
      if (!live.ok() && !api::IsNotFound(live.status())) return live.status();
      if (live.ok()) claim = std::make_shared<const json>(*std::move(live));
    }
  }
  std::string ref_uid = pv::ClaimRefUid(volume);
  if (claim != nullptr && StringAt(*claim, "metadata", "uid") != ref_uid) {
    // The cached claim may be older than the reference: ask the apiserver.
    absl::StatusOr<json> live =
        client_.Get(client::resources::PersistentVolumeClaims(), namespace_name, name);
    if (!live.ok() && !api::IsNotFound(live.status())) return live.status();
    claim = nullptr;
    if (live.ok() && StringAt(*live, "metadata", "uid") == ref_uid) {
      claim = std::make_shared<const json>(*std::move(live));
    }
  }
  return claim;
}

absl::Status PersistentVolumeBinder::SyncVolume(const client::ObjectPtr& volume_ptr) {
  const json& volume = *volume_ptr;
  std::string volume_name = StringAt(volume, "metadata", "name");
  if (!pv::HasClaimRef(volume) || pv::ClaimRefUid(volume).empty()) {
    // Unused, or reserved for a claim that has not bound yet (the claim's sync does that).
    return UpdateVolumePhase(volume_ptr, "Available", "").status();
  }
  absl::StatusOr<client::ObjectPtr> claim_or = ClaimOfVolume(volume);
  if (!claim_or.ok()) return claim_or.status();
  client::ObjectPtr claim = *claim_or;
  if (claim == nullptr) {
    // The claim was deleted: release the volume (keeping a Failed phase visible) and apply
    // its reclaim policy.
    client::ObjectPtr current = volume_ptr;
    if (!IsReleasedOrFailed(volume)) {
      pv::Logger()->info("volume {} is released and reclaim policy {} will be executed",
                         volume_name, StringAt(volume, "spec", "persistentVolumeReclaimPolicy"));
      absl::StatusOr<client::ObjectPtr> released = UpdateVolumePhase(current, "Released", "");
      if (!released.ok()) return released.status();
      current = *released;
    }
    return ReclaimVolume(current);
  }
  std::string claim_volume = StringAt(*claim, "spec", "volumeName");
  if (claim_volume.empty()) {
    if (pv::VolumeModeMismatch(*claim, volume)) {
      recorder_->Event(
          pv::EventObject(volume, "PersistentVolume"), client::kEventWarning, "VolumeMismatch",
          base::StrCat("Cannot bind PersistentVolume to requested "
                       "PersistentVolumeClaim \"",
                       StringAt(*claim, "metadata", "name"), "\" due to incompatible volumeMode."));
      recorder_->Event(pv::EventObject(*claim, "PersistentVolumeClaim"), client::kEventWarning,
                       "VolumeMismatch",
                       base::StrCat("Cannot bind PersistentVolume \"", volume_name,
                                    "\" to requested PersistentVolumeClaim due to incompatible "
                                    "volumeMode."));
      return absl::OkStatus();
    }
    // Binding is half done (or the claim came unbound): the claim's sync finishes it.
    claim_queue_.Add(pv::ClaimKey(*claim));
    return absl::OkStatus();
  }
  if (claim_volume == volume_name) {
    return UpdateVolumePhase(volume_ptr, "Bound", "").status();
  }
  // The claim is bound to another volume.
  if (pv::HasAnnotation(volume, pv::kAnnDynamicallyProvisioned) &&
      StringAt(volume, "spec", "persistentVolumeReclaimPolicy") == "Delete") {
    // Provisioned for this claim but no longer needed: released for its provisioner to delete.
    client::ObjectPtr current = volume_ptr;
    if (!IsReleasedOrFailed(volume)) {
      absl::StatusOr<client::ObjectPtr> released = UpdateVolumePhase(current, "Released", "");
      if (!released.ok()) return released.status();
      current = *released;
    }
    return ReclaimVolume(current);
  }
  // Bound by us: roll our binding back. Pre-bound by the user: keep the reservation but
  // forget the claim's uid.
  return UnbindVolume(volume_ptr);
}

absl::Status PersistentVolumeBinder::ReclaimVolume(const client::ObjectPtr& volume_ptr) {
  const json& volume = *volume_ptr;
  if (!pv::Annotation(volume, "pv.kubernetes.io/migrated-to").empty()) {
    return absl::OkStatus();  // an external provisioner handles migrated volumes
  }
  std::string policy = StringAt(volume, "spec", "persistentVolumeReclaimPolicy");
  std::string name = StringAt(volume, "metadata", "name");
  if (policy == "Retain") return absl::OkStatus();
  if (policy == "Recycle") {
    // No recycler plugins are built in.
    return UpdateVolumePhaseWithEvent(volume_ptr, "Failed", client::kEventWarning,
                                      "VolumeFailedRecycle",
                                      "No recycler plugin found for the volume!")
        .status();
  }
  if (policy == "Delete") {
    std::string provisioned_by = pv::Annotation(volume, pv::kAnnDynamicallyProvisioned);
    bool external =
        (!provisioned_by.empty() && provisioned_by.rfind("kubernetes.io/", 0) != 0) ||
        (volume.contains("spec") && volume["spec"].is_object() && volume["spec"].contains("csi"));
    if (external) return absl::OkStatus();  // its provisioner deletes it
    // No in-tree deleter exists for a volume nobody provisioned.
    return UpdateVolumePhaseWithEvent(
               volume_ptr, "Failed", client::kEventWarning, "VolumeFailedDelete",
               base::StrCat("error getting deleter volume plugin for volume \"", name,
                            "\": no deletable volume plugin matched"))
        .status();
  }
  return UpdateVolumePhaseWithEvent(volume_ptr, "Failed", client::kEventWarning,
                                    "VolumeUnknownReclaimPolicy",
                                    "Volume has unrecognized PersistentVolumeReclaimPolicy")
      .status();
}

}  // namespace k1s::controllers
