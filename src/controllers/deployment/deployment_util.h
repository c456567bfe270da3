#pragma once
// The Deployment controller's vocabulary, as upstream's pkg/controller/deployment/util: the
// annotations it keeps on ReplicaSets (revision, revision-history, desired-replicas,
// max-replicas), condition reasons, rolling-update fenceposts, proportional-scaling shares,
// template matching and the progress/complete/timed-out tests. Pure functions over JSON
// objects; stateless and thread-safe.
//
// ReplicaSets travel as RsPtr (a mutable copy of the informer's object); a null RsPtr is a
// missing new ReplicaSet, and every function here accepts one, as upstream accepts nil.
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace k1s::controllers::deployment {

using RsPtr = std::shared_ptr<nlohmann::json>;
using RsList = std::vector<RsPtr>;

// Annotations and labels.
inline constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr std::string_view kRevisionHistoryAnnotation =
    "deployment.kubernetes.io/revision-history";
inline constexpr std::string_view kDesiredReplicasAnnotation =
    "deployment.kubernetes.io/desired-replicas";
inline constexpr std::string_view kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr std::string_view kRollbackToAnnotation = "deprecated.deployment.rollback.to";
inline constexpr std::string_view kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";
inline constexpr std::string_view kPodTemplateHashLabel = "pod-template-hash";
// revision-history is cut to about 100 revisions.
inline constexpr size_t kMaxRevisionHistoryLengthInChars = 2000;

// Condition types and reasons.
inline constexpr std::string_view kAvailable = "Available";
inline constexpr std::string_view kProgressing = "Progressing";
inline constexpr std::string_view kReplicaFailure = "ReplicaFailure";
inline constexpr std::string_view kReplicaSetUpdatedReason = "ReplicaSetUpdated";
inline constexpr std::string_view kFailedRSCreateReason = "ReplicaSetCreateError";
inline constexpr std::string_view kNewReplicaSetReason = "NewReplicaSetCreated";
inline constexpr std::string_view kFoundNewRSReason = "FoundNewReplicaSet";
inline constexpr std::string_view kNewRSAvailableReason = "NewReplicaSetAvailable";
inline constexpr std::string_view kTimedOutReason = "ProgressDeadlineExceeded";
inline constexpr std::string_view kPausedDeployReason = "DeploymentPaused";
inline constexpr std::string_view kResumedDeployReason = "DeploymentResumed";
inline constexpr std::string_view kMinimumReplicasAvailable = "MinimumReplicasAvailable";
inline constexpr std::string_view kMinimumReplicasUnavailable = "MinimumReplicasUnavailable";
// Rollback event reasons.
inline constexpr std::string_view kRollbackRevisionNotFound = "DeploymentRollbackRevisionNotFound";
inline constexpr std::string_view kRollbackTemplateUnchanged =
    "DeploymentRollbackTemplateUnchanged";
inline constexpr std::string_view kRollbackDone = "DeploymentRollback";

// ---- Conditions (on a status object) ----------------------------------------------------------
nlohmann::json NewCondition(std::string_view type, std::string_view status, std::string_view reason,
                            std::string_view message, int64_t now_unix_seconds);
const nlohmann::json* GetCondition(const nlohmann::json& status, std::string_view type);
// Replaces the condition of the same type unless it has the same status and reason; keeps
// lastTransitionTime when the status is unchanged.
void SetCondition(nlohmann::json& status, nlohmann::json condition);
void RemoveCondition(nlohmann::json& status, std::string_view type);

// ---- Revisions and annotations ----------------------------------------------------------------
// The revision annotation: 0 when absent, nullopt when not an integer.
std::optional<int64_t> Revision(const nlohmann::json& object);
int64_t MaxRevision(const RsList& replica_sets);
// The second highest revision: the one `kubectl rollout undo` goes back to.
int64_t LastRevision(const RsList& replica_sets);
bool SetDeploymentRevision(nlohmann::json& deployment, const std::string& revision);
// Copies the Deployment's annotations (but the ones kept apart) to the new ReplicaSet, raises
// its revision to `new_revision` when lower (keeping the old one in revision-history) and, for
// a ReplicaSet about to be created, sets desired-replicas and max-replicas. True on change.
bool SetNewReplicaSetAnnotations(const nlohmann::json& deployment, nlohmann::json& rs,
                                 const std::string& new_revision, bool exists,
                                 size_t history_limit_chars);
bool SetReplicasAnnotations(nlohmann::json& rs, int32_t desired, int32_t max_replicas);
bool ReplicasAnnotationsNeedUpdate(const nlohmann::json& rs, int32_t desired, int32_t max_replicas);
// An integer annotation of `rs`; nullopt when absent or malformed.
std::optional<int32_t> IntAnnotation(const nlohmann::json& rs, std::string_view key);
// For a rollback: the Deployment keeps only its own kept-apart annotations and takes the rest
// from `rs`.
void SetDeploymentAnnotationsTo(nlohmann::json& deployment, const nlohmann::json& rs);
// The revision the deprecated rollback annotation (extensions/v1beta1 rollbackTo) asks for;
// nullopt when absent or not an integer.
std::optional<int64_t> RollbackRevision(const nlohmann::json& deployment);

// ---- Strategy ---------------------------------------------------------------------------------
bool IsRollingUpdate(const nlohmann::json& deployment);
// maxSurge rounded up and maxUnavailable rounded down against `desired`; both 0 becomes
// unavailable 1. Values are ints or "N%" strings.
absl::StatusOr<std::pair<int32_t, int32_t>> ResolveFenceposts(const nlohmann::json& max_surge,
                                                              const nlohmann::json& max_unavailable,
                                                              int32_t desired);
int32_t MaxSurge(const nlohmann::json& deployment);
int32_t MaxUnavailable(const nlohmann::json& deployment);
bool HasProgressDeadline(const nlohmann::json& deployment);
bool HasRevisionHistoryLimit(const nlohmann::json& deployment);

// ---- ReplicaSets ------------------------------------------------------------------------------
// Pod templates equal apart from the pod-template-hash label (nil and empty alike).
bool EqualIgnoreHash(const nlohmann::json& template1, const nlohmann::json& template2);
// The oldest ReplicaSet whose template matches the Deployment's; sorts `replica_sets` by age.
RsPtr FindNewReplicaSet(const nlohmann::json& deployment, RsList& replica_sets);
// Every ReplicaSet but the new one.
RsList FindOldReplicaSets(const nlohmann::json& deployment, RsList replica_sets);
// The only active ReplicaSet, or the newest one when none is active; null when several are.
RsPtr FindActiveOrLatest(const RsPtr& new_rs, RsList old_rss);
RsList FilterActive(const RsList& replica_sets);  // spec.replicas > 0

int32_t SpecReplicaCount(const RsList& replica_sets);       // sum of spec.replicas
int32_t ActualReplicaCount(const RsList& replica_sets);     // sum of status.replicas
int32_t ReadyReplicaCount(const RsList& replica_sets);      // sum of status.readyReplicas
int32_t AvailableReplicaCount(const RsList& replica_sets);  // sum of status.availableReplicas

// The new ReplicaSet runs the desired count, was told so, and all of them are available.
bool IsSaturated(const nlohmann::json& deployment, const RsPtr& rs);
// How many replicas the new ReplicaSet may have now (within maxSurge for RollingUpdate).
absl::StatusOr<int32_t> NewRSNewReplicas(const nlohmann::json& deployment, const RsList& all_rss,
                                         const nlohmann::json& new_rs);
// The share of `to_add` replicas (negative: to remove) `rs` takes in proportional scaling.
int32_t GetProportion(const RsPtr& rs, const nlohmann::json& deployment, int32_t to_add,
                      int32_t added);

// Orders (in place).
void SortByCreation(RsList& replica_sets);   // oldest first, then by name
void SortBySizeNewer(RsList& replica_sets);  // largest first; newer first among equals
void SortBySizeOlder(RsList& replica_sets);  // largest first; older first among equals
void SortByRevision(RsList& replica_sets);   // lowest revision first

// ---- Progress ---------------------------------------------------------------------------------
// Every replica updated, present and available, and the generation observed.
bool DeploymentComplete(const nlohmann::json& deployment, const nlohmann::json& status);
// `status` shows progress against the Deployment's current status.
bool DeploymentProgressing(const nlohmann::json& deployment, const nlohmann::json& status);
// No progress was reported for progressDeadlineSeconds.
bool DeploymentTimedOut(const nlohmann::json& deployment, const nlohmann::json& status,
                        int64_t now_unix_seconds);

// A copy of a metav1.LabelSelector with matchLabels[key] = value.
nlohmann::json CloneSelectorAndAddLabel(const nlohmann::json& selector, std::string_view key,
                                        std::string_view value);

}  // namespace k1s::controllers::deployment
