#pragma once
// Pure decisions of a Job sync over its pods: which pods count as newly finished, which to
// delete first, which completion indexes are pending, succeeded or failed, and what the next pod
// of an index looks like. Internal to the Job controller. Stateless; thread-safe.
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "controllers/job/indexes.h"
#include "controllers/job/sync_context.h"

namespace k1s::controllers::job {

// Upstream's controller.ActivePods order: pods that are cheaper to lose come first (unassigned,
// pending, not ready, ready for less time, more restarts, newer).
bool ActivePodLess(const nlohmann::json& a, const nlohmann::json& b);

// Active pods to delete: for Indexed Jobs every pod without a valid index and all but one pod
// per repeated index, then the first of ActivePodLess order until `rm_at_least` are chosen.
std::vector<const nlohmann::json*> ActivePodsForRemoval(const nlohmann::json& job,
                                                        std::vector<const nlohmann::json*> pods,
                                                        int32_t rm_at_least);

// Pods that still carry the tracking finalizer, are not in `uncounted` (may be null) nor
// expected to lose their finalizer, have a valid index (Indexed Jobs), and pass `filter`.
std::vector<const nlohmann::json*> ValidPodsWithFilter(
    const SyncContext& sync, const std::set<std::string>* uncounted,
    const std::function<bool(const nlohmann::json&)>& filter);
// Succeeded and failed pods not yet accounted for in the status.
std::pair<std::vector<const nlohmann::json*>, std::vector<const nlohmann::json*>> NewFinishedPods(
    const SyncContext& sync);
// How many of `failed` count toward the backoff limit (Ignore rules excluded).
int32_t NonIgnoredFailedCount(const SyncContext& sync,
                              const std::vector<const nlohmann::json*>& failed);

// status.completedIndexes before, and with the succeeded pods that still have a finalizer.
std::pair<OrderedIntervals, OrderedIntervals> CalculateSucceededIndexes(
    const nlohmann::json& job, const std::vector<client::ObjectPtr>& pods);
// status.failedIndexes plus indexes whose failures reached backoffLimitPerIndex (or FailIndex).
OrderedIntervals CalculateFailedIndexes(const nlohmann::json& job,
                                        const std::vector<client::ObjectPtr>& pods);
std::map<int32_t, const nlohmann::json*> PodsWithDelayedDeletionPerIndex(const SyncContext& sync);
// `count` indexes below `completions` that are neither succeeded, failed, active nor (when only
// failed pods are replaced) terminating.
std::vector<int32_t> FirstPendingIndexes(const SyncContext& sync, int32_t count,
                                         int32_t completions);

// restartPolicy OnFailure: container restarts of running/pending pods reached backoffLimit.
bool PastBackoffLimitOnFailure(const nlohmann::json& job,
                               const std::vector<client::ObjectPtr>& pods);
// The FailJob message of the first failed pod matching a FailJob rule.
std::optional<std::string> FailJobMessage(const nlohmann::json& job,
                                          const std::vector<client::ObjectPtr>& pods);

// "<job>-<index>-", shortened to fit a generated name.
std::string PodGenerateNameWithIndex(const std::string& job_name, int32_t index);
// JOB_COMPLETION_INDEX from the completion index label, in every (init) container.
void AddCompletionIndexEnvVariables(nlohmann::json& pod_template);
// The failure-count annotations of a replacement for `replaced` (may be null).
void AddIndexFailureCountAnnotations(nlohmann::json& pod_template, const nlohmann::json& job,
                                     const nlohmann::json* replaced);

}  // namespace k1s::controllers::job
