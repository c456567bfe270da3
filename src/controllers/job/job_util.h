#pragma once
// Facts about batch/v1 Jobs and their pods shared by the Job, CronJob and TTL-after-finished
// controllers: the label, annotation and finalizer names upstream uses, spec accessors with
// upstream's defaults, pod states as the Job controller sees them (failed, terminating, finish
// time, completion index) and Job conditions. Stateless; thread-safe. Every accessor tolerates
// missing fields and wrong JSON types.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace k1s::controllers::job {

inline constexpr std::string_view kTrackingFinalizer = "batch.kubernetes.io/job-tracking";
inline constexpr std::string_view kCompletionIndexAnnotation =
    "batch.kubernetes.io/job-completion-index";
inline constexpr std::string_view kIndexFailureCountAnnotation =
    "batch.kubernetes.io/job-index-failure-count";
inline constexpr std::string_view kIndexIgnoredFailureCountAnnotation =
    "batch.kubernetes.io/job-index-ignored-failure-count";
inline constexpr std::string_view kControllerUidLabel = "batch.kubernetes.io/controller-uid";
inline constexpr std::string_view kJobNameLabel = "batch.kubernetes.io/job-name";
inline constexpr std::string_view kLegacyControllerUidLabel = "controller-uid";
inline constexpr std::string_view kLegacyJobNameLabel = "job-name";
// spec.managedBy of Jobs this controller reconciles (absent means the same).
inline constexpr std::string_view kJobControllerManagedBy = "kubernetes.io/job-controller";
inline constexpr int32_t kUnknownCompletionIndex = -1;

// ---- JSON access that never throws ----
// The member `key` of `object`, or a null json when `object` is not an object or lacks it.
const nlohmann::json& Member(const nlohmann::json& object, std::string_view key);
std::string StringMember(const nlohmann::json& object, std::string_view key);
std::optional<int64_t> IntMember(const nlohmann::json& object, std::string_view key);
// Strict decimal integer as Go's strconv.Atoi (optional sign); nullopt otherwise.
std::optional<int64_t> ParseInt(std::string_view text);
// Go's Duration in nanoseconds -> milliseconds for work queues, rounded up, never negative.
int64_t NanosToDelayMillis(int64_t nanos);

// ---- Job spec ----
bool IsIndexedJob(const nlohmann::json& job);
bool IsSuspended(const nlohmann::json& job);
int32_t Parallelism(const nlohmann::json& job);                 // default 1
std::optional<int32_t> Completions(const nlohmann::json& job);  // null: any success completes
int32_t BackoffLimit(const nlohmann::json& job);                // default 6
std::optional<int32_t> BackoffLimitPerIndex(const nlohmann::json& job);
// spec.podFailurePolicy when set (an object), else null.
const nlohmann::json* PodFailurePolicy(const nlohmann::json& job);
// Replacement pods are created only once the old ones failed (podReplacementPolicy Failed, or
// any podFailurePolicy), as upstream's onlyReplaceFailedPods.
bool OnlyReplaceFailedPods(const nlohmann::json& job);
// spec.managedBy names another controller: the Job controller leaves the Job alone.
bool ManagedByOtherController(const nlohmann::json& job);

// ---- Job conditions ----
nlohmann::json NewJobCondition(std::string_view type, std::string_view status,
                               std::string_view reason, std::string_view message,
                               int64_t now_seconds);
// The condition of `type` in status.conditions (mutable), or null.
nlohmann::json* FindJobCondition(nlohmann::json& job, std::string_view type);
bool HasTrueCondition(const nlohmann::json& job, std::string_view type);
// "Complete" or "Failed" when such a condition is True, else "".
std::string FinishedConditionType(const nlohmann::json& job);
bool IsJobFinished(const nlohmann::json& job);
// Sets the condition of `type` (replacing it when status, reason or message differ); a new
// condition with status False is not added. Returns whether the list changed.
bool EnsureJobCondition(nlohmann::json& job, std::string_view type, std::string_view status,
                        std::string_view reason, std::string_view message, int64_t now_seconds);

// ---- Pods of a Job ----
bool HasTrackingFinalizer(const nlohmann::json& pod);
std::string PodPhase(const nlohmann::json& pod);
std::string PodUid(const nlohmann::json& pod);
// The batch.kubernetes.io/job-completion-index annotation, or kUnknownCompletionIndex.
int32_t CompletionIndex(const nlohmann::json& pod);
// Failed phase, or (unless only failed pods are replaced) being deleted and not Succeeded.
bool IsPodFailed(const nlohmann::json& pod, const nlohmann::json& job);
// Being deleted and not terminal.
bool IsPodTerminating(const nlohmann::json& pod);
// When the pod finished (Unix seconds): the latest container finishedAt, else the Ready=False
// transition, else deletionTimestamp - grace period, else creation.
int64_t PodFinishedSeconds(const nlohmann::json& pod);
// The job-index-failure-count / job-index-ignored-failure-count annotations (0 when invalid).
int32_t IndexFailureCount(const nlohmann::json& pod);
int32_t IndexIgnoredFailureCount(const nlohmann::json& pod);
// Sum of restartCount over container and init container statuses.
int32_t PodRestartCount(const nlohmann::json& pod);

// A minimal object events can be recorded about (apiVersion, kind, metadata name/namespace/uid/
// resourceVersion), since list items may lack apiVersion and kind.
nlohmann::json EventObject(const nlohmann::json& object, std::string_view api_version,
                           std::string_view kind);

}  // namespace k1s::controllers::job
