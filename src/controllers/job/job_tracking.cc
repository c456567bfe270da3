// JobController: accounting of finished pods through status.uncountedTerminatedPods and the
// tracking finalizer, so that each pod is counted exactly once even across controller restarts:
//  1. a finished pod's UID is added to uncountedTerminatedPods and the status written;
//  2. its finalizer is removed;
//  3. UIDs whose pods no longer have the finalizer move into succeeded / failed.
// A crash between the steps leaves the UID in the status, never a pod counted twice or lost.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/job/job_controller.h"
#include "controllers/job/job_util.h"
#include "controllers/job/policies.h"
#include "controllers/job/sync_context.h"

namespace k1s::controllers::job {

using nlohmann::json;

namespace {

// Upstream's MaxUncountedPods: keeps uncountedTerminatedPods under ~20 KB per write.
constexpr size_t kMaxUncountedPods = 500;

json& UncountedList(json& job, const char* which) {
  json& list = job["status"]["uncountedTerminatedPods"][which];
  if (!list.is_array()) list = json::array();
  return list;
}

// Moves UIDs of pods that lost their finalizer (or are gone) from the uncounted lists into the
// counters. Returns whether the status changed.
bool CleanUncountedPodsWithoutFinalizers(json& job, const std::set<std::string>& with_finalizer) {
  bool updated = false;
  for (const char* which : {"succeeded", "failed"}) {
    json& list = UncountedList(job, which);
    json kept = json::array();
    for (const json& uid : list) {
      if (uid.is_string() && with_finalizer.count(uid.get<std::string>()) > 0) kept.push_back(uid);
    }
    if (kept.size() != list.size()) {
      updated = true;
      json& counter = job["status"][which];
      int64_t value = counter.is_number_integer() ? counter.get<int64_t>() : 0;
      counter = value + static_cast<int64_t>(list.size() - kept.size());
      list = std::move(kept);
    }
  }
  return updated;
}

bool ListHas(const json& list, const std::string& uid) {
  return std::find(list.begin(), list.end(), json(uid)) != list.end();
}

// Drops fields upstream's JSON omits when empty (omitempty), so the stored status looks the same.
void OmitEmptyStatusFields(json& job) {
  json& status = job["status"];
  for (const char* key : {"active", "succeeded", "failed"}) {
    if (status.contains(key) && status[key] == 0) status.erase(key);
  }
  if (status.contains("completedIndexes") && status["completedIndexes"] == "") {
    status.erase("completedIndexes");
  }
  if (status.contains("conditions") && status["conditions"].empty()) status.erase("conditions");
  json& uncounted = status["uncountedTerminatedPods"];
  if (!uncounted.is_object()) uncounted = json::object();
  for (const char* key : {"succeeded", "failed"}) {
    if (uncounted.contains(key) && (!uncounted[key].is_array() || uncounted[key].empty())) {
      uncounted.erase(key);
    }
  }
}

}  // namespace

absl::Status JobController::UpdateJobStatus(SyncContext& sync) {
  OmitEmptyStatusFields(sync.job);
  absl::StatusOr<json> updated = client_.UpdateStatus(client::resources::Jobs(), sync.job);
  if (!updated.ok()) return updated.status();
  sync.job = std::move(*updated);
  if (!sync.job["status"].is_object()) sync.job["status"] = json::object();
  if (!sync.job["status"]["uncountedTerminatedPods"].is_object()) {
    sync.job["status"]["uncountedTerminatedPods"] = json::object();
  }
  return absl::OkStatus();
}

absl::Status JobController::TrackJobStatusAndRemoveFinalizers(SyncContext& sync, bool needs_flush) {
  json& job = sync.job;
  bool indexed = IsIndexedJob(job);
  int32_t completions = Completions(job).value_or(0);
  const json* policy = PodFailurePolicy(job);

  std::vector<const json*> pods;
  for (const client::ObjectPtr& pod : sync.pods) pods.push_back(pod.get());
  if (indexed) {
    // Completed indexes are introduced in order.
    std::stable_sort(pods.begin(), pods.end(), [](const json* a, const json* b) {
      return CompletionIndex(*a) < CompletionIndex(*b);
    });
  }
  std::set<std::string> uids_with_finalizer;
  for (const json* pod : pods) {
    std::string uid = PodUid(*pod);
    if (HasTrackingFinalizer(*pod) && sync.expected_rm_finalizers.count(uid) == 0) {
      uids_with_finalizer.insert(uid);
    }
  }
  if (CleanUncountedPodsWithoutFinalizers(job, uids_with_finalizer)) needs_flush = true;

  std::vector<const json*> pods_to_remove_finalizer;
  std::vector<int32_t> new_succeeded_indexes;
  bool reached_max_uncounted = false;
  bool finished_as_failure = sync.finished_condition &&
                             StringMember(*sync.finished_condition, "type") != "SuccessCriteriaMet";
  for (const json* pod : pods) {
    std::string uid = PodUid(*pod);
    if (!HasTrackingFinalizer(*pod) || sync.expected_rm_finalizers.count(uid) > 0) {
      continue;  // processed by an earlier sync
    }
    bool considered_failed = IsPodFailed(*pod, job);
    // The finalizer can go when the Job is terminating, the pod succeeded, or it failed (unless
    // it is kept until its index's replacement carries its failure count).
    bool removable = Member(Member(job, "metadata"), "deletionTimestamp").is_string() ||
                     sync.finished_condition.has_value() || PodPhase(*pod) == "Succeeded";
    if (!removable && considered_failed) {
      removable = true;
      if (BackoffLimitPerIndex(job)) {
        auto it = sync.delayed_deletion_per_index.find(CompletionIndex(*pod));
        if (it != sync.delayed_deletion_per_index.end() && PodUid(*it->second) == uid) {
          removable = false;
        }
      }
    }
    if (!removable) continue;
    pods_to_remove_finalizer.push_back(pod);
    json& uncounted_succeeded = UncountedList(job, "succeeded");
    json& uncounted_failed = UncountedList(job, "failed");
    if (PodPhase(*pod) == "Succeeded" && sync.uncounted_failed.count(uid) == 0) {
      if (indexed) {
        // The completion index is enough to avoid counting twice: no UID needed.
        int32_t index = CompletionIndex(*pod);
        if (index != kUnknownCompletionIndex && index < completions &&
            !sync.prev_succeeded_indexes.Has(index)) {
          new_succeeded_indexes.push_back(index);
          needs_flush = true;
        }
      } else if (sync.uncounted_succeeded.count(uid) == 0 && !ListHas(uncounted_succeeded, uid)) {
        needs_flush = true;
        uncounted_succeeded.push_back(uid);
      }
    } else if (considered_failed || finished_as_failure) {
      // Once the Job failed, every pod that did not succeed counts as failed.
      int32_t index = CompletionIndex(*pod);
      if (sync.uncounted_failed.count(uid) == 0 && !ListHas(uncounted_failed, uid) &&
          (!indexed || (index != kUnknownCompletionIndex && index < completions))) {
        if (policy == nullptr || MatchPodFailurePolicy(policy, *pod).count_failed) {
          needs_flush = true;
          uncounted_failed.push_back(uid);
        }
      }
    }
    if (new_succeeded_indexes.size() + uncounted_succeeded.size() + uncounted_failed.size() >=
        kMaxUncountedPods) {
      // Enough for one write; the status and pod updates bring the Job back for the rest.
      reached_max_uncounted = true;
      break;
    }
  }

  json& status = job["status"];
  if (indexed) {
    std::sort(new_succeeded_indexes.begin(), new_succeeded_indexes.end());
    sync.succeeded_indexes = sync.succeeded_indexes.WithIndexes(new_succeeded_indexes);
    std::string completed = sync.succeeded_indexes.String();
    if (completed != StringMember(status, "completedIndexes")) needs_flush = true;
    status["succeeded"] = sync.succeeded_indexes.Total();
    status["completedIndexes"] = completed;
    json failed_indexes = sync.failed_indexes ? json(sync.failed_indexes->String()) : json();
    if (Member(status, "failedIndexes") != failed_indexes) {
      if (failed_indexes.is_null()) {
        status.erase("failedIndexes");
      } else {
        status["failedIndexes"] = failed_indexes;
      }
      needs_flush = true;
    }
  }
  int64_t now = NowSeconds();
  if (sync.finished_condition &&
      StringMember(*sync.finished_condition, "type") == "FailureTarget") {
    // The interim condition is written before the finalizers go; Failed follows once all pods
    // are accounted for.
    if (!status["conditions"].is_array()) status["conditions"] = json::array();
    status["conditions"].push_back(*sync.finished_condition);
    needs_flush = true;
    sync.finished_condition =
        NewJobCondition("Failed", "True", StringMember(*sync.finished_condition, "reason"),
                        StringMember(*sync.finished_condition, "message"), now);
  }
  if (sync.finished_condition &&
      StringMember(*sync.finished_condition, "type") == "SuccessCriteriaMet") {
    if (!HasTrueCondition(job, "SuccessCriteriaMet")) {
      if (!status["conditions"].is_array()) status["conditions"] = json::array();
      status["conditions"].push_back(*sync.finished_condition);
      needs_flush = true;
    }
    sync.finished_condition =
        NewJobCondition("Complete", "True", StringMember(*sync.finished_condition, "reason"),
                        StringMember(*sync.finished_condition, "message"), now);
  }

  if (absl::Status status = FlushUncountedAndRemoveFinalizers(sync, pods_to_remove_finalizer,
                                                              uids_with_finalizer, needs_flush);
      !status.ok()) {
    return status;
  }
  bool finished = !reached_max_uncounted && EnactJobFinished(sync);
  if (finished) needs_flush = true;
  if (needs_flush) {
    if (absl::Status status = UpdateJobStatus(sync); !status.ok()) {
      return absl::Status(status.code(),
                          base::StrCat("removing uncounted pods from status: ", status.message()));
    }
    if (finished) RecordJobFinished(sync);
  }
  return absl::OkStatus();
}

absl::Status JobController::FlushUncountedAndRemoveFinalizers(
    SyncContext& sync, const std::vector<const json*>& pods_to_remove_finalizer,
    std::set<std::string>& uids_with_finalizer, bool& needs_flush) {
  if (needs_flush) {
    if (absl::Status status = UpdateJobStatus(sync); !status.ok()) {
      return absl::Status(status.code(),
                          base::StrCat("adding uncounted pods to status: ", status.message()));
    }
    backoff_store_.Update(sync.new_backoff_record);
    needs_flush = false;
  }
  absl::Status remove_error;
  if (!pods_to_remove_finalizer.empty()) {
    std::vector<bool> removed =
        RemoveTrackingFinalizers(sync, pods_to_remove_finalizer, remove_error);
    for (size_t i = 0; i < pods_to_remove_finalizer.size(); ++i) {
      if (removed[i]) uids_with_finalizer.erase(PodUid(*pods_to_remove_finalizer[i]));
    }
  }
  if (CleanUncountedPodsWithoutFinalizers(sync.job, uids_with_finalizer)) needs_flush = true;
  if (!remove_error.ok() && needs_flush) {
    // Save the partial progress before reporting the failure.
    if (absl::Status status = UpdateJobStatus(sync); !status.ok()) {
      return absl::Status(status.code(),
                          base::StrCat("removing uncounted pods from status: ", status.message()));
    }
    needs_flush = false;
  }
  return remove_error;
}

std::vector<bool> JobController::RemoveTrackingFinalizers(SyncContext& sync,
                                                          const std::vector<const json*>& pods,
                                                          absl::Status& error) {
  std::vector<bool> removed(pods.size(), false);
  std::vector<std::string> uids;
  for (const json* pod : pods) uids.push_back(PodUid(*pod));
  finalizer_expectations_.ExpectFinalizersRemoved(sync.key, uids);
  for (size_t i = 0; i < pods.size(); ++i) {
    absl::Status status = pod_control_.RemoveTrackingFinalizer(*pods[i]);
    if (!status.ok()) {
      // No pod update will show the removal: stop expecting it.
      finalizer_expectations_.FinalizerRemovalObserved(sync.key, uids[i]);
      if (!api::IsNotFound(status)) {
        if (error.ok()) error = status;
        continue;
      }
    }
    removed[i] = true;
  }
  return removed;
}

bool JobController::EnactJobFinished(SyncContext& sync) {
  if (!sync.finished_condition) return false;
  const json& uncounted = Member(Member(sync.job, "status"), "uncountedTerminatedPods");
  size_t pending = Member(uncounted, "succeeded").size() + Member(uncounted, "failed").size();
  if (pending > 0) return false;           // pods still to account for
  if (sync.terminating > 0) return false;  // pods still shutting down
  const json& condition = *sync.finished_condition;
  std::string type = StringMember(condition, "type");
  EnsureJobCondition(sync.job, type, StringMember(condition, "status"),
                     StringMember(condition, "reason"), StringMember(condition, "message"),
                     NowSeconds());
  if (type == "Complete") {
    sync.job["status"]["completionTime"] = Member(condition, "lastTransitionTime");
  }
  return true;
}

void JobController::RecordJobFinished(const SyncContext& sync) {
  const json& job = sync.job;
  json event_object = EventObject(job, "batch/v1", "Job");
  const json& condition = *sync.finished_condition;
  if (StringMember(condition, "type") == "Complete") {
    std::optional<int32_t> completions = Completions(job);
    if (completions && IntMember(Member(job, "status"), "succeeded").value_or(0) > *completions) {
      recorder_->Event(event_object, client::kEventWarning, "TooManySucceededPods",
                       "Too many succeeded pods running after completion count reached");
    }
    recorder_->Event(event_object, client::kEventNormal, "Completed", "Job completed");
  } else {
    recorder_->Event(event_object, client::kEventWarning, StringMember(condition, "reason"),
                     StringMember(condition, "message"));
  }
}

}  // namespace k1s::controllers::job
