#pragma once
// The identity rules of StatefulSet pods and their claims, as upstream's stateful_set_utils:
// pods are "<set>-<ordinal>" (ordinals from spec.ordinals.start), labelled with their name,
// index and revision, with hostname/subdomain from spec.serviceName; each volumeClaimTemplate
// becomes a PersistentVolumeClaim "<template>-<set>-<ordinal>" mounted by the pod; and the
// persistentVolumeClaimRetentionPolicy is expressed as ownerReferences on those claims (set for
// whenDeleted=Delete, pod for whenScaled=Delete once the pod is scaled away) for the garbage
// collector to act on.
//
// Stateless functions on JSON objects; thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace k1s::controllers::statefulset {

inline constexpr std::string_view kPodNameLabel = "statefulset.kubernetes.io/pod-name";
inline constexpr std::string_view kPodIndexLabel = "apps.kubernetes.io/pod-index";

// Parent name and ordinal from "<parent>-<ordinal>"; ordinal -1 when the name has none.
std::pair<std::string, int32_t> ParentNameAndOrdinal(std::string_view pod_name);
int32_t OrdinalOf(const nlohmann::json& pod);
int32_t StartOrdinal(const nlohmann::json& set);  // spec.ordinals.start, 0 when unset
int32_t SpecReplicas(const nlohmann::json& set);  // spec.replicas (defaulted to 1)
int32_t EndOrdinal(const nlohmann::json& set);    // inclusive
bool InOrdinalRange(const nlohmann::json& pod, const nlohmann::json& set);
std::string PodName(const nlohmann::json& set, int32_t ordinal);
std::string ClaimName(const nlohmann::json& set, const nlohmann::json& claim_template,
                      int32_t ordinal);
// The pod's name parses to this set's name.
bool IsMemberOf(const nlohmann::json& set, const nlohmann::json& pod);

// Name, namespace and pod-name label are those of the set's member at the pod's ordinal.
bool IdentityMatches(const nlohmann::json& set, const nlohmann::json& pod);
// The pod mounts every claim of the set's templates under the template's name.
bool StorageMatches(const nlohmann::json& set, const nlohmann::json& pod);
// Fixes name, namespace, and the pod-name and pod-index labels.
void UpdateIdentity(const nlohmann::json& set, nlohmann::json& pod);
// Makes the pod mount the set's claims (other volumes are kept).
void UpdateStorage(const nlohmann::json& set, nlohmann::json& pod);

// The claims of the pod's ordinal by template name: template plus name, namespace and the
// set's selector.matchLabels.
std::map<std::string, nlohmann::json> ClaimsFor(const nlohmann::json& set,
                                                const nlohmann::json& pod);

// The pod for `ordinal` from the set's template (newStatefulSetPod), labelled with `revision`.
nlohmann::json NewStatefulSetPod(const nlohmann::json& set, int32_t ordinal,
                                 std::string_view revision);
// newVersionedStatefulSetPod: ordinals below the partition (or the current replicas of a
// RollingUpdate without partition) are made at the current revision, the rest at the update
// revision.
nlohmann::json NewVersionedStatefulSetPod(const nlohmann::json& current_set,
                                          const nlohmann::json& update_set,
                                          std::string_view current_revision,
                                          std::string_view update_revision, int32_t ordinal);
std::string PodRevision(const nlohmann::json& pod);  // the controller-revision-hash label

// Pod states as the StatefulSet controller sees them.
std::string PhaseOf(const nlohmann::json& pod);
bool IsCreated(const nlohmann::json& pod);  // has a phase: it exists in the apiserver
bool IsRunningAndReady(const nlohmann::json& pod);
bool IsRunningAndAvailable(const nlohmann::json& pod, int32_t min_ready_seconds,
                           int64_t now_seconds);
bool IsUnavailable(const nlohmann::json& pod, int32_t min_ready_seconds, int64_t now_seconds);
bool IsTerminating(const nlohmann::json& pod);
bool AllowsBurst(const nlohmann::json& set);  // podManagementPolicy Parallel
bool IsOnDelete(const nlohmann::json& set);
int32_t MinReadySeconds(const nlohmann::json& set);

// ---- claim retention -----------------------------------------------------------------------
struct RetentionPolicy {
  bool delete_when_deleted = false;
  bool delete_when_scaled = false;
};
RetentionPolicy RetentionPolicyOf(const nlohmann::json& set);
// Some controller other than the set or pod claims the claim (only matters when a policy
// deletes).
bool HasUnexpectedController(const nlohmann::json& claim, const nlohmann::json& set,
                             const nlohmann::json& pod);
// The claim's ownerReferences already express the policy for this pod (isClaimOwnerUpToDate).
bool IsClaimOwnerUpToDate(const nlohmann::json& claim, const nlohmann::json& set,
                          const nlohmann::json& pod);
// Rewrites the claim's ownerReferences to express the policy (updateClaimOwnerRefForSetAndPod).
void UpdateClaimOwnerRefs(nlohmann::json& claim, const nlohmann::json& set,
                          const nlohmann::json& pod);
// The claim references this pod's name with another uid (a scaled-away predecessor).
bool HasStalePodOwnerRef(const nlohmann::json& claim, const nlohmann::json& pod);

}  // namespace k1s::controllers::statefulset
