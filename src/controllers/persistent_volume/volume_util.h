#pragma once
// PersistentVolume / PersistentVolumeClaim facts the binder needs, as upstream's
// component-helpers/storage/volume computes them: storage classes (with the beta annotation),
// access and volume modes, capacity, node affinity, whether a volume is bound to a claim, and
// the choice of the best volume for a claim (the smallest that fits).
//
// Stateless; thread-safe. Malformed fields read as absent.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "client/informer.h"

namespace k1s::controllers::pv {

inline constexpr char kAnnBindCompleted[] = "pv.kubernetes.io/bind-completed";
inline constexpr char kAnnBoundByController[] = "pv.kubernetes.io/bound-by-controller";
inline constexpr char kAnnSelectedNode[] = "volume.kubernetes.io/selected-node";
inline constexpr char kAnnStorageProvisioner[] = "volume.kubernetes.io/storage-provisioner";
inline constexpr char kAnnBetaStorageProvisioner[] =
    "volume.beta.kubernetes.io/storage-provisioner";
inline constexpr char kAnnDynamicallyProvisioned[] = "pv.kubernetes.io/provisioned-by";
inline constexpr char kAnnBetaStorageClass[] = "volume.beta.kubernetes.io/storage-class";
inline constexpr char kAnnDefaultClass[] = "storageclass.kubernetes.io/is-default-class";
inline constexpr char kAnnBetaDefaultClass[] = "storageclass.beta.kubernetes.io/is-default-class";

// Small accessors.
std::string StringAt(const nlohmann::json& object, std::string_view section,
                     std::string_view key);  // object[section][key] as a string
bool HasAnnotation(const nlohmann::json& object, std::string_view key);
std::string Annotation(const nlohmann::json& object, std::string_view key);
std::string ClaimKey(const nlohmann::json& claim);  // "ns/name"
// "ns/name" of a volume's spec.claimRef ("" without one), and its uid.
std::string ClaimRefKey(const nlohmann::json& volume);
std::string ClaimRefUid(const nlohmann::json& volume);
bool HasClaimRef(const nlohmann::json& volume);

// The class a claim asks for: the beta annotation, else spec.storageClassName, else "".
std::string ClaimClass(const nlohmann::json& claim);
// The claim names a class at all (an empty spec.storageClassName counts).
bool ClaimHasClass(const nlohmann::json& claim);
std::string VolumeClass(const nlohmann::json& volume);

// Every access mode the claim asks for is offered by the volume.
bool AccessModesSatisfied(const nlohmann::json& claim, const nlohmann::json& volume);
// spec.volumeMode differs (both default to Filesystem).
bool VolumeModeMismatch(const nlohmann::json& claim, const nlohmann::json& volume);
// spec.claimRef names the claim (and its uid, when the reference has one).
bool IsVolumeBoundToClaim(const nlohmann::json& volume, const nlohmann::json& claim);
// The volume's spec.nodeAffinity admits `node` (no affinity admits every node).
bool NodeAffinityMatches(const nlohmann::json& volume, const nlohmann::json& node);
// "" when `volume` can serve `claim` (a claim naming it); the reason otherwise.
std::string CheckVolumeSatisfiesClaim(const nlohmann::json& volume, const nlohmann::json& claim);

// The best volume for `claim` among `volumes`: one already bound to the claim, else the
// smallest Available one that fits (capacity, class, volume mode, selector, not being
// deleted), searching volumes with the fewest extra access modes first. With `delay_binding`
// and no `node`, only volumes bound to the claim are considered; with a `node`, its affinity
// and the access modes must match too. Null when none fits; an error for a bad selector.
absl::StatusOr<client::ObjectPtr> FindBestMatch(const nlohmann::json& claim,
                                                const std::vector<client::ObjectPtr>& volumes,
                                                bool delay_binding, const nlohmann::json* node);

// The default StorageClass among `classes` (the newest, then by name), or null.
client::ObjectPtr DefaultClass(const std::vector<client::ObjectPtr>& classes);

// {kind, namespace, name, uid, apiVersion, resourceVersion} of a claim, for spec.claimRef.
nlohmann::json ClaimReference(const nlohmann::json& claim);

}  // namespace k1s::controllers::pv
