// The binder's claim side: syncClaim, syncUnboundClaim and syncBoundClaim of upstream.
#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "client/resource.h"
#include "controllers/common/pods.h"
#include "controllers/persistent_volume/pv_controller.h"
#include "controllers/persistent_volume/pv_internal.h"
#include "controllers/persistent_volume/volume_util.h"

namespace k1s::controllers {

using nlohmann::json;
using pv::StringAt;

absl::Status PersistentVolumeBinder::SyncClaim(const client::ObjectPtr& claim) {
  if (!pv::HasAnnotation(*claim, pv::kAnnBindCompleted)) return SyncUnboundClaim(claim);
  return SyncBoundClaim(claim);
}

absl::StatusOr<bool> PersistentVolumeBinder::IsDelayBindingMode(const json& claim) const {
  std::string class_name = pv::ClaimClass(claim);
  if (class_name.empty()) return false;
  client::ObjectPtr storage_class = classes_informer_.GetByKey(class_name);
  if (storage_class == nullptr) return false;
  auto mode = storage_class->find("volumeBindingMode");
  if (mode == storage_class->end() || !mode->is_string()) {
    return absl::InternalError(
        base::StrCat("VolumeBindingMode not set for StorageClass \"", class_name, "\""));
  }
  return mode->get<std::string>() == "WaitForFirstConsumer";
}

absl::StatusOr<client::ObjectPtr> PersistentVolumeBinder::FindBestMatch(const json& claim,
                                                                        bool delay_binding) const {
  // Candidates: volumes of the claim's class, and volumes pre-bound to the claim (whatever
  // their class).
  std::vector<client::ObjectPtr> candidates =
      volumes_.ByIndex(pv::kClassIndex, pv::ClaimClass(claim));
  for (const client::ObjectPtr& volume : volumes_.ByIndex(pv::kClaimIndex, pv::ClaimKey(claim))) {
    bool present = false;
    for (const client::ObjectPtr& candidate : candidates) present |= candidate == volume;
    if (!present) candidates.push_back(volume);
  }
  client::ObjectPtr node;
  if (delay_binding && options_.bind_on_selected_node &&
      pv::HasAnnotation(claim, pv::kAnnSelectedNode)) {
    node = nodes_informer_.GetByKey(pv::Annotation(claim, pv::kAnnSelectedNode));
  }
  return pv::FindBestMatch(claim, candidates, delay_binding, node.get());
}

absl::Status PersistentVolumeBinder::SyncUnboundClaim(const client::ObjectPtr& claim_ptr) {
  const json& claim = *claim_ptr;
  std::string key = pv::ClaimKey(claim);
  std::string volume_name = StringAt(claim, "spec", "volumeName");
  if (volume_name.empty()) {
    // The user did not ask for a particular volume.
    absl::StatusOr<bool> delay_binding = IsDelayBindingMode(claim);
    if (!delay_binding.ok()) return delay_binding.status();
    absl::StatusOr<client::ObjectPtr> volume = FindBestMatch(claim, *delay_binding);
    if (!volume.ok()) {
      return absl::InternalError(
          base::StrCat("error finding PV for claim \"", key, "\": ", volume.status().message()));
    }
    if (*volume != nullptr) return Bind(*volume, claim_ptr);
    // No volume fits: provision one if possible.
    absl::StatusOr<bool> assigned = AssignDefaultStorageClass(claim);
    if (!assigned.ok()) {
      return absl::Status(assigned.status().code(),
                          base::StrCat("can't update PersistentVolumeClaim[\"", key,
                                       "\"]: ", assigned.status().message()));
    }
    if (*assigned) return absl::OkStatus();  // synced again with its new class
    if (*delay_binding && !pv::HasAnnotation(claim, pv::kAnnSelectedNode)) {
      // No consumer was scheduled yet.
      if (absl::Status status = EmitWaitForFirstConsumer(claim); !status.ok()) return status;
    } else if (!pv::ClaimClass(claim).empty()) {
      return ProvisionClaim(claim_ptr);
    } else {
      recorder_->Event(pv::EventObject(claim, "PersistentVolumeClaim"), client::kEventNormal,
                       "FailedBinding",
                       "no persistent volumes available for this claim and no storage class is "
                       "set");
    }
    return UpdateClaimStatus(claim_ptr, "Pending", nullptr).status();
  }

  // The user asked for a particular volume.
  client::ObjectPtr volume = volumes_.Get(volume_name);
  if (volume == nullptr) {
    // Not there (yet): try again later.
    return UpdateClaimStatus(claim_ptr, "Pending", nullptr).status();
  }
  if (!pv::HasClaimRef(*volume)) {
    std::string mismatch = pv::CheckVolumeSatisfiesClaim(*volume, claim);
    if (!mismatch.empty()) {
      recorder_->Event(
          pv::EventObject(claim, "PersistentVolumeClaim"), client::kEventWarning, "VolumeMismatch",
          base::StrCat("Cannot bind to requested volume \"", volume_name, "\": ", mismatch));
      return UpdateClaimStatus(claim_ptr, "Pending", nullptr).status();
    }
    return Bind(volume, claim_ptr);
  }
  if (pv::IsVolumeBoundToClaim(*volume, claim)) {
    // Pre-bound to this claim: finish the binding.
    return Bind(volume, claim_ptr);
  }
  recorder_->Event(
      pv::EventObject(claim, "PersistentVolumeClaim"), client::kEventWarning, "FailedBinding",
      base::StrCat("volume \"", volume_name, "\" already bound to a different claim."));
  if (!pv::HasAnnotation(claim, pv::kAnnBoundByController)) {
    // Bound to someone else by the user: retry later.
    return UpdateClaimStatus(claim_ptr, "Pending", nullptr).status();
  }
  return absl::InternalError(base::StrCat("invalid binding of claim \"", key, "\" to volume \"",
                                          volume_name, "\": volume already claimed by \"",
                                          pv::ClaimRefKey(*volume), "\""));
}

absl::Status PersistentVolumeBinder::SyncBoundClaim(const client::ObjectPtr& claim_ptr) {
  const json& claim = *claim_ptr;
  std::string volume_name = StringAt(claim, "spec", "volumeName");
  if (volume_name.empty()) {
    return UpdateClaimStatusWithEvent(claim_ptr, "Lost", client::kEventWarning, "ClaimLost",
                                      "Bound claim has lost reference to PersistentVolume. Data "
                                      "on the volume is lost!")
        .status();
  }
  client::ObjectPtr volume = volumes_.Get(volume_name);
  if (volume == nullptr) {
    return UpdateClaimStatusWithEvent(claim_ptr, "Lost", client::kEventWarning, "ClaimLost",
                                      "Bound claim has lost its PersistentVolume. Data on the "
                                      "volume is lost!")
        .status();
  }
  if (!pv::HasClaimRef(*volume)) {
    // The volume came unbound (or its update is not seen yet): bind it again.
    return Bind(volume, claim_ptr);
  }
  if (pv::ClaimRefUid(*volume) == StringAt(claim, "metadata", "uid")) {
    // All is well; Bind only fixes what is missing.
    return Bind(volume, claim_ptr);
  }
  return UpdateClaimStatusWithEvent(claim_ptr, "Lost", client::kEventWarning, "ClaimMisbound",
                                    "Two claims are bound to the same volume, this one is bound "
                                    "incorrectly")
      .status();
}

absl::StatusOr<bool> PersistentVolumeBinder::AssignDefaultStorageClass(const json& claim) {
  if (pv::ClaimHasClass(claim)) return false;
  client::ObjectPtr default_class = pv::DefaultClass(classes_informer_.List());
  if (default_class == nullptr) return false;
  json updated = claim;
  updated["spec"]["storageClassName"] = StringAt(*default_class, "metadata", "name");
  absl::StatusOr<json> written =
      client_.Update(client::resources::PersistentVolumeClaims(), updated);
  if (!written.ok()) return written.status();
  pv::Logger()->info("assigned StorageClass {} to PersistentVolumeClaim {}",
                     StringAt(*default_class, "metadata", "name"), pv::ClaimKey(claim));
  return true;
}

absl::Status PersistentVolumeBinder::EmitWaitForFirstConsumer(const json& claim) {
  std::string reason = "WaitForFirstConsumer";
  std::string message = "waiting for first consumer to be created before binding";
  std::vector<std::string> unscheduled;
  for (const client::ObjectPtr& pod :
       pods_informer_.ByIndex(pv::kPodClaimIndex, pv::ClaimKey(claim))) {
    if (IsPodTerminal(*pod)) continue;
    if (StringAt(*pod, "spec", "nodeName").empty()) {
      unscheduled.push_back(StringAt(*pod, "metadata", "name"));
    }
  }
  if (unscheduled.size() == 1) {
    reason = "WaitForPodScheduled";
    message = base::StrCat("waiting for pod ", unscheduled[0], " to be scheduled");
  } else if (unscheduled.size() > 1) {
    reason = "WaitForPodScheduled";
    std::string names;
    for (const std::string& name : unscheduled) {
      base::StrAppend(&names, names.empty() ? "" : ",", name);
    }
    message = base::StrCat("waiting for pods ", names, " to be scheduled");
  }
  recorder_->Event(pv::EventObject(claim, "PersistentVolumeClaim"), client::kEventNormal, reason,
                   message);
  return absl::OkStatus();
}

absl::Status PersistentVolumeBinder::ProvisionClaim(const client::ObjectPtr& claim_ptr) {
  const json& claim = *claim_ptr;
  json event_object = pv::EventObject(claim, "PersistentVolumeClaim");
  std::string class_name = pv::ClaimClass(claim);
  client::ObjectPtr storage_class = classes_informer_.GetByKey(class_name);
  if (storage_class == nullptr) {
    recorder_->Event(event_object, client::kEventWarning, "ProvisioningFailed",
                     base::StrCat("storageclass.storage.k8s.io \"", class_name, "\" not found"));
    return absl::OkStatus();  // retried on the next resync
  }
  std::string provisioner;
  if (auto it = storage_class->find("provisioner"); it != storage_class->end() && it->is_string()) {
    provisioner = it->get<std::string>();
  }
  if (provisioner.rfind("kubernetes.io/", 0) == 0) {
    // In-tree provisioners are not built into k1s ("kubernetes.io/no-provisioner" among them).
    recorder_->Event(event_object, client::kEventWarning, "ProvisioningFailed",
                     base::StrCat("no volume plugin matched name: ", provisioner));
    return absl::OkStatus();
  }
  // Tell the external provisioner this claim is its to provision.
  if (pv::Annotation(claim, pv::kAnnStorageProvisioner) != provisioner ||
      !pv::HasAnnotation(claim, pv::kAnnStorageProvisioner)) {
    json updated = claim;
    updated["metadata"]["annotations"][pv::kAnnStorageProvisioner] = provisioner;
    updated["metadata"]["annotations"][pv::kAnnBetaStorageProvisioner] = provisioner;
    absl::StatusOr<client::ObjectPtr> written = WriteClaim(updated, /*status=*/false);
    if (!written.ok()) {
      recorder_->Event(event_object, client::kEventWarning, "ProvisioningFailed",
                       base::StrCat("Error saving claim: ", written.status().message()));
      return written.status();
    }
    event_object = pv::EventObject(**written, "PersistentVolumeClaim");
  }
  recorder_->Event(event_object, client::kEventNormal, "ExternalProvisioning",
                   base::StrCat("Waiting for a volume to be created either by the external "
                                "provisioner '",
                                provisioner,
                                "' or manually by the system administrator. If volume creation "
                                "is delayed, please verify that the provisioner is running and "
                                "correctly registered."));
  return absl::OkStatus();
}

}  // namespace k1s::controllers
