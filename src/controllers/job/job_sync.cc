// JobController::SyncJob: claims pods, decides terminal conditions and manages pods.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/label_selector.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/common/slow_start.h"
#include "controllers/job/job_controller.h"
#include "controllers/job/job_util.h"
#include "controllers/job/pod_selection.h"
#include "controllers/job/policies.h"
#include "controllers/job/sync_context.h"

namespace k1s::controllers::job {

using nlohmann::json;

namespace {

// Upstream's MaxPodCreateDeletePerSync and SlowStartInitialBatchSize.
constexpr int32_t kMaxPodCreateDeletePerSync = 500;
constexpr int32_t kSlowStartInitialBatchSize = 1;

std::shared_ptr<spdlog::logger> Log() { return base::Logger("job-controller"); }

json FailureCondition(std::string_view reason, std::string_view message, int64_t now) {
  // JobManagedBy and JobPodReplacementPolicy are on in v1.32: terminal conditions are delayed
  // behind the interim FailureTarget / SuccessCriteriaMet ones.
  return NewJobCondition("FailureTarget", "True", reason, message, now);
}

std::set<std::string> UidSet(const json& uids) {
  std::set<std::string> result;
  if (!uids.is_array()) return result;
  for (const json& uid : uids) {
    if (uid.is_string()) result.insert(uid.get<std::string>());
  }
  return result;
}

std::string SelectorError(const absl::Status& status) {
  return base::StrCat("couldn't convert Job selector: ", status.message());
}

}  // namespace

// ---- claiming pods ----

absl::StatusOr<std::vector<client::ObjectPtr>> JobController::ClaimPods(const json& job) {
  const json& metadata = Member(job, "metadata");
  const json& spec = Member(job, "spec");
  std::string namespace_name = StringMember(metadata, "namespace");
  std::string uid = StringMember(metadata, "uid");
  const json& selector_json = Member(spec, "selector");
  absl::StatusOr<api::LabelSelector> selector = api::LabelSelector::FromJson(selector_json);
  if (!selector.ok()) return absl::InvalidArgumentError(SelectorError(selector.status()));
  // A missing selector selects nothing.
  auto matches = [&](const json& pod) {
    return selector_json.is_object() &&
           selector->Matches(Member(Member(pod, "metadata"), "labels"));
  };

  // Candidates: pods we control plus pods the selector picks. Generated selectors pin the
  // controller-uid label, which has its own index; manual selectors scan the namespace.
  std::map<std::string, client::ObjectPtr> candidates;
  for (const client::ObjectPtr& pod : pods_.ByIndex(kPodControllerUidIndex, uid)) {
    candidates[client::ObjectKey(*pod)] = pod;
  }
  std::vector<client::ObjectPtr> selected = Member(spec, "manualSelector") == true
                                                ? pods_.List(namespace_name, *selector)
                                                : pods_.ByIndex(kPodJobUidLabelIndex, uid);
  for (const client::ObjectPtr& pod : selected) candidates[client::ObjectKey(*pod)] = pod;

  bool job_deleting = Member(metadata, "deletionTimestamp").is_string();
  std::optional<bool> can_adopt;  // decided on the first adoption (a fresh read of the Job)
  std::vector<client::ObjectPtr> claimed;
  absl::Status first_error;
  for (const auto& [key, pod] : candidates) {
    const json& pod_metadata = Member(*pod, "metadata");
    std::string pod_uid = StringMember(pod_metadata, "uid");
    if (StringMember(pod_metadata, "namespace") != namespace_name) continue;
    if (const json* ref = ControllerRefOf(*pod)) {
      if (StringMember(*ref, "uid") != uid) continue;  // someone else's
      if (matches(*pod)) {
        claimed.push_back(pod);
        continue;
      }
      if (job_deleting) continue;
      // Ours but no longer selected: release it and its tracking finalizer.
      json patch = {{"metadata",
                     {{"ownerReferences", json::array({{{"$patch", "delete"}, {"uid", uid}}})},
                      {"$deleteFromPrimitiveList/finalizers", json::array({kTrackingFinalizer})},
                      {"uid", pod_uid}}}};
      absl::StatusOr<json> released = client_.Patch(
          client::resources::Pods(), namespace_name, StringMember(pod_metadata, "name"),
          client::PatchType::kStrategicMerge, patch.dump());
      if (!released.ok() && !api::IsNotFound(released.status()) && first_error.ok()) {
        first_error = released.status();
      }
      continue;
    }
    // An orphan the selector picks: adopt it unless either side is going away.
    if (job_deleting || !matches(*pod) || Member(pod_metadata, "deletionTimestamp").is_string()) {
      continue;
    }
    if (!can_adopt) {
      absl::StatusOr<json> fresh =
          client_.Get(client::resources::Jobs(), namespace_name, StringMember(metadata, "name"));
      if (!fresh.ok()) {
        if (first_error.ok()) first_error = fresh.status();
        can_adopt = false;
      } else {
        can_adopt = StringMember(Member(*fresh, "metadata"), "uid") == uid &&
                    !Member(Member(*fresh, "metadata"), "deletionTimestamp").is_string();
      }
    }
    if (!*can_adopt) continue;
    json patch = {{"metadata",
                   {{"ownerReferences", json::array({MakeControllerRef(job, "batch/v1", "Job")})},
                    {"finalizers", json::array({kTrackingFinalizer})},
                    {"uid", pod_uid}}}};
    absl::StatusOr<json> adopted =
        client_.Patch(client::resources::Pods(), namespace_name, StringMember(pod_metadata, "name"),
                      client::PatchType::kStrategicMerge, patch.dump());
    if (!adopted.ok()) {
      if (!api::IsNotFound(adopted.status()) && first_error.ok()) first_error = adopted.status();
      continue;
    }
    // Counted from now on as if the cache had the finalizer already.
    claimed.push_back(std::make_shared<const json>(std::move(*adopted)));
  }
  if (!first_error.ok()) return first_error;
  return claimed;
}

// ---- SyncJob ----

absl::Status JobController::SyncJob(const std::string& key) {
  auto [namespace_name, name] = client::SplitObjectKey(key);
  if (namespace_name.empty() || name.empty()) {
    return absl::InvalidArgumentError(
        base::StrCat("invalid job key \"", key, "\": either namespace or name is missing"));
  }
  client::ObjectPtr shared = jobs_.Get(namespace_name, name);
  if (shared == nullptr) {
    expectations_.Delete(key);
    finalizer_expectations_.Delete(key);
    backoff_store_.Remove(key);
    return absl::OkStatus();
  }
  if (ManagedByOtherController(*shared)) return absl::OkStatus();
  if (IsJobFinished(*shared)) {
    backoff_store_.Remove(key);
    return absl::OkStatus();
  }

  SyncContext sync;
  sync.key = key;
  sync.job = *shared;
  json& job = sync.job;
  std::string mode = StringMember(Member(job, "spec"), "completionMode");
  if (!mode.empty() && mode != "NonIndexed" && mode != "Indexed") {
    recorder_->Event(EventObject(job, "batch/v1", "Job"), client::kEventWarning,
                     "UnknownCompletionMode",
                     "Skipped Job sync because completion mode is unknown");
    return absl::OkStatus();
  }
  if (!job["status"].is_object()) job["status"] = json::object();
  json& status = job["status"];
  if (!status["uncountedTerminatedPods"].is_object()) {
    status["uncountedTerminatedPods"] = json::object();
  }

  // Expectations are checked before the pods are read: a pod created after this point defers
  // the management to the next sync instead of being missed.
  bool satisfied = expectations_.Satisfied(key);
  absl::StatusOr<std::vector<client::ObjectPtr>> pods = ClaimPods(job);
  if (!pods.ok()) return pods.status();
  sync.pods = std::move(*pods);
  for (const client::ObjectPtr& pod : sync.pods) {
    if (IsPodActive(*pod)) {
      sync.active_pods.push_back(pod.get());
      if (IsPodReady(*pod)) ++sync.ready;
    }
    if (IsPodTerminating(*pod)) ++sync.terminating;
  }
  sync.uncounted_succeeded = UidSet(Member(status["uncountedTerminatedPods"], "succeeded"));
  sync.uncounted_failed = UidSet(Member(status["uncountedTerminatedPods"], "failed"));
  sync.expected_rm_finalizers = finalizer_expectations_.ExpectedUids(key);

  int32_t active = static_cast<int32_t>(sync.active_pods.size());
  auto [new_succeeded, new_failed] = NewFinishedPods(sync);
  sync.succeeded = static_cast<int32_t>(IntMember(status, "succeeded").value_or(0) +
                                        new_succeeded.size() + sync.uncounted_succeeded.size());
  sync.failed =
      static_cast<int32_t>(IntMember(status, "failed").value_or(0) +
                           NonIgnoredFailedCount(sync, new_failed) + sync.uncounted_failed.size());

  int64_t now = NowSeconds();
  if (!Member(status, "startTime").is_string() && !IsSuspended(job)) {
    status["startTime"] = api::FormatTimestamp(now);
  }
  sync.new_backoff_record = backoff_store_.NewRecord(key, new_succeeded, new_failed);

  // ---- terminal conditions ----
  if (HasTrueCondition(job, "SuccessCriteriaMet")) {
    sync.finished_condition = *FindJobCondition(job, "SuccessCriteriaMet");
  }
  if (!sync.finished_condition) {
    // The pod failure policy is only evaluated before success criteria were met.
    if (HasTrueCondition(job, "FailureTarget")) {
      const json& target = *FindJobCondition(job, "FailureTarget");
      sync.finished_condition = NewJobCondition("Failed", "True", StringMember(target, "reason"),
                                                StringMember(target, "message"), now);
    } else if (std::optional<std::string> message = FailJobMessage(job, sync.pods)) {
      // Recorded as the interim FailureTarget before finalizers (holding the pods) go away.
      sync.finished_condition = FailureCondition("PodFailurePolicy", *message, now);
    }
  }
  if (!sync.finished_condition) {
    std::optional<int64_t> deadline = IntMember(Member(job, "spec"), "activeDeadlineSeconds");
    std::optional<int64_t> start = api::ParseTimestamp(StringMember(status, "startTime"));
    int64_t elapsed_nanos = start ? ctx_.clock.NowUnixNanos() - *start * base::kNanosPerSecond : 0;
    if (sync.failed > BackoffLimit(job) || PastBackoffLimitOnFailure(job, sync.pods)) {
      sync.finished_condition = FailureCondition(
          "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
    } else if (deadline && start && !IsSuspended(job) &&
               elapsed_nanos >= *deadline * base::kNanosPerSecond) {
      sync.finished_condition = FailureCondition(
          "DeadlineExceeded", "Job was active longer than specified deadline", now);
    } else if (deadline && start && !IsSuspended(job)) {
      int64_t remaining = *deadline * base::kNanosPerSecond - elapsed_nanos;
      queue_.AddAfter(key, std::chrono::milliseconds(NanosToDelayMillis(remaining)));
    }
  }

  if (IsIndexedJob(job)) {
    int32_t completions = Completions(job).value_or(0);
    std::tie(sync.prev_succeeded_indexes, sync.succeeded_indexes) =
        CalculateSucceededIndexes(job, sync.pods);
    sync.succeeded = sync.succeeded_indexes.Total();
    if (BackoffLimitPerIndex(job)) {
      sync.failed_indexes = CalculateFailedIndexes(job, sync.pods);
      if (!sync.finished_condition) {
        std::optional<int64_t> max_failed = IntMember(Member(job, "spec"), "maxFailedIndexes");
        int32_t failed_total = sync.failed_indexes->Total();
        if (max_failed && failed_total > *max_failed) {
          sync.finished_condition = FailureCondition(
              "MaxFailedIndexesExceeded",
              "Job has exceeded the specified maximal number of failed indexes", now);
        } else if (failed_total > 0 &&
                   failed_total + sync.succeeded_indexes.Total() >= completions) {
          sync.finished_condition =
              FailureCondition("FailedIndexes", "Job has failed indexes", now);
        }
      }
      sync.delayed_deletion_per_index = PodsWithDelayedDeletionPerIndex(sync);
    }
    if (!sync.finished_condition) {
      if (std::optional<std::string> message = MatchSuccessPolicy(
              Member(Member(job, "spec"), "successPolicy"), completions, sync.succeeded_indexes)) {
        sync.finished_condition =
            NewJobCondition("SuccessCriteriaMet", "True", "SuccessPolicy", *message, now);
      }
    }
  }

  // ---- pods ----
  absl::Status manage_error;
  bool suspend_condition_changed = false;
  if (sync.finished_condition) {
    auto [deleted, deleted_ready] = DeleteActivePods(sync, manage_error);
    if (deleted != active || !satisfied) {
      // Not finished yet: finalizers remain, or pods the cache does not show yet.
      sync.finished_condition.reset();
    }
    active -= deleted;
    sync.terminating += deleted;
    sync.ready -= deleted_ready;
  } else {
    bool managed = false;
    if (satisfied && !Member(Member(job, "metadata"), "deletionTimestamp").is_string()) {
      active = ManageJob(sync, manage_error);
      managed = true;
    }
    std::optional<int32_t> completions = Completions(job);
    bool complete = completions ? sync.succeeded >= *completions && active == 0
                                : sync.succeeded > 0 && active == 0;
    if (complete) {
      sync.finished_condition = NewJobCondition("SuccessCriteriaMet", "True", "CompletionsReached",
                                                "Reached expected number of succeeded pods", now);
    } else if (managed) {
      // Conditions and events only from the sync that managed the pods.
      json event_object = EventObject(job, "batch/v1", "Job");
      if (IsSuspended(job)) {
        if (EnsureJobCondition(job, "Suspended", "True", "JobSuspended", "Job suspended", now)) {
          suspend_condition_changed = true;
          recorder_->Event(event_object, client::kEventNormal, "Suspended", "Job suspended");
        }
      } else if (EnsureJobCondition(job, "Suspended", "False", "JobResumed", "Job resumed", now)) {
        suspend_condition_changed = true;
        recorder_->Event(event_object, client::kEventNormal, "Resumed", "Job resumed");
        // activeDeadlineSeconds counts continuous activity: a resumed Job starts again.
        job["status"]["startTime"] = api::FormatTimestamp(now);
      }
    }
  }

  json& current = job["status"];
  bool needs_update = suspend_condition_changed ||
                      active != IntMember(current, "active").value_or(0) ||
                      IntMember(current, "ready") != std::optional<int64_t>(sync.ready) ||
                      IntMember(current, "terminating") != std::optional<int64_t>(sync.terminating);
  current["active"] = active;
  current["ready"] = sync.ready;
  current["terminating"] = sync.terminating;
  absl::Status tracked = TrackJobStatusAndRemoveFinalizers(sync, needs_update);
  if (!tracked.ok()) {
    return absl::Status(tracked.code(), base::StrCat("tracking status: ", tracked.message()));
  }
  return manage_error;
}

// ---- managing pods ----

int32_t JobController::ManageJob(SyncContext& sync, absl::Status& error) {
  const json& job = sync.job;
  int32_t active = static_cast<int32_t>(sync.active_pods.size());
  int32_t parallelism = Parallelism(job);

  if (IsSuspended(job)) {
    std::vector<const json*> to_delete = ActivePodsForRemoval(job, sync.active_pods, active);
    expectations_.ExpectDeletions(sync.key, static_cast<int32_t>(to_delete.size()));
    auto [removed, removed_ready] = DeleteJobPods(sync, to_delete, error);
    sync.terminating += removed;
    sync.ready -= removed_ready;
    return active - removed;
  }

  int32_t want_active = 0;
  std::optional<int32_t> completions = Completions(job);
  if (!completions) {
    // Any success completes the Job: keep what runs, start nothing new after one.
    want_active = sync.succeeded > 0 ? active : parallelism;
  } else {
    want_active = std::clamp(*completions - sync.succeeded, 0, std::max(parallelism, 0));
  }

  int32_t rm_at_least = std::max(active - want_active, 0);
  std::vector<const json*> to_delete = ActivePodsForRemoval(job, sync.active_pods, rm_at_least);
  if (to_delete.size() > static_cast<size_t>(kMaxPodCreateDeletePerSync)) {
    to_delete.resize(kMaxPodCreateDeletePerSync);
  }
  if (!to_delete.empty()) {
    // Deletion and creation never happen in the same sync; deletion first.
    expectations_.ExpectDeletions(sync.key, static_cast<int32_t>(to_delete.size()));
    auto [removed, removed_ready] = DeleteJobPods(sync, to_delete, error);
    sync.terminating += removed;
    sync.ready -= removed_ready;
    return active - removed;
  }

  int32_t terminating = OnlyReplaceFailedPods(job) ? sync.terminating : 0;
  int32_t diff = want_active - terminating - active;
  if (diff <= 0) return active;

  int64_t now_nanos = ctx_.clock.NowUnixNanos();
  int64_t base_nanos = options_.pod_failure_backoff.count() * base::kNanosPerMilli;
  int64_t max_nanos = options_.max_pod_failure_backoff.count() * base::kNanosPerMilli;
  bool per_index = BackoffLimitPerIndex(job).has_value();
  if (!per_index) {
    int64_t remaining = RemainingBackoffNanos(now_nanos, base_nanos, max_nanos,
                                              sync.new_backoff_record.failures_after_last_success,
                                              sync.new_backoff_record.last_failure_seconds);
    if (remaining > 0) {
      EnqueueJob(sync.key, std::max(options_.sync_batch_period,
                                    std::chrono::milliseconds(NanosToDelayMillis(remaining))));
      return active;
    }
  }
  diff = std::min(diff, kMaxPodCreateDeletePerSync);

  std::vector<int32_t> indexes;
  if (IsIndexedJob(job)) {
    indexes = FirstPendingIndexes(sync, diff, completions.value_or(0));
    if (per_index) {
      // Indexes whose last failure still backs off wait; the others start now.
      std::vector<int32_t> ready_now;
      std::optional<int64_t> min_remaining;
      for (int32_t index : indexes) {
        auto it = sync.delayed_deletion_per_index.find(index);
        int64_t remaining = 0;
        if (it != sync.delayed_deletion_per_index.end()) {
          const json& last = *it->second;
          remaining =
              RemainingBackoffNanos(now_nanos, base_nanos, max_nanos,
                                    IndexFailureCount(last) + IndexIgnoredFailureCount(last) + 1,
                                    PodFinishedSeconds(last));
        }
        if (remaining == 0) {
          ready_now.push_back(index);
        } else if (!min_remaining || remaining < *min_remaining) {
          min_remaining = remaining;
        }
      }
      if (ready_now.empty() && min_remaining) {
        EnqueueJob(sync.key,
                   std::max(options_.sync_batch_period,
                            std::chrono::milliseconds(NanosToDelayMillis(*min_remaining))));
        return active;
      }
      indexes = std::move(ready_now);
    }
    diff = static_cast<int32_t>(indexes.size());
  }
  return active + CreatePods(sync, diff, indexes, error);
}

int32_t JobController::CreatePods(SyncContext& sync, int32_t count,
                                  const std::vector<int32_t>& indexes, absl::Status& error) {
  const json& job = sync.job;
  std::string job_name = StringMember(Member(job, "metadata"), "name");
  expectations_.ExpectCreations(sync.key, count);
  json pod_template = Member(Member(job, "spec"), "template");
  if (!pod_template.is_object()) pod_template = json::object();
  if (IsIndexedJob(job)) AddCompletionIndexEnvVariables(pod_template);
  json& finalizers = pod_template["metadata"]["finalizers"];
  if (!finalizers.is_array()) finalizers = json::array();
  if (std::find(finalizers.begin(), finalizers.end(), json(kTrackingFinalizer)) ==
      finalizers.end()) {
    finalizers.push_back(kTrackingFinalizer);
  }

  // The pods to create, each with its completion index when the Job is Indexed.
  std::vector<std::pair<json, std::string>> pods;  // pod, generateName
  pods.reserve(static_cast<size_t>(count));
  for (int32_t i = 0; i < count; ++i) {
    json pod = pod_template;
    std::string generate_name = base::StrCat(job_name, "-");
    if (static_cast<size_t>(i) < indexes.size()) {
      int32_t index = indexes[static_cast<size_t>(i)];
      std::string text = std::to_string(index);
      pod["metadata"]["annotations"][kCompletionIndexAnnotation] = text;
      pod["metadata"]["labels"][kCompletionIndexAnnotation] = text;
      pod["spec"]["hostname"] = base::StrCat(job_name, "-", index);
      generate_name = PodGenerateNameWithIndex(job_name, index);
      if (BackoffLimitPerIndex(job)) {
        auto it = sync.delayed_deletion_per_index.find(index);
        AddIndexFailureCountAnnotations(
            pod, job, it == sync.delayed_deletion_per_index.end() ? nullptr : it->second);
      }
    }
    pods.emplace_back(std::move(pod), std::move(generate_name));
  }
  // Slow start: a failing create (quota, admission) fails once, not `count` times.
  BatchResult result = SlowStartBatch(count, kSlowStartInitialBatchSize, [&](int32_t i) {
    const auto& [pod, generate_name] = pods[static_cast<size_t>(i)];
    absl::StatusOr<json> created = pod_control_.CreatePod(job, pod, generate_name);
    if (created.ok()) return absl::OkStatus();
    // The informer will never show this pod.
    expectations_.CreationObserved(sync.key);
    Log()->warn("creating pod for job {}: {}", sync.key, created.status());
    return created.status();
  });
  if (!result.first_error.ok() && error.ok()) error = result.first_error;
  // Skipped pods are not expected; the next sync retries the slow start.
  for (int32_t i = result.attempted; i < count; ++i) expectations_.CreationObserved(sync.key);
  return result.successes;
}

std::pair<int32_t, int32_t> JobController::DeleteJobPods(SyncContext& sync,
                                                         const std::vector<const json*>& pods,
                                                         absl::Status& error) {
  int32_t deleted = 0;
  int32_t deleted_ready = 0;
  for (const json* pod : pods) {
    const json& metadata = Member(*pod, "metadata");
    absl::Status status = pod_control_.RemoveTrackingFinalizer(*pod);
    if (status.ok()) {
      status = pod_control_.DeletePod(sync.job, StringMember(metadata, "namespace"),
                                      StringMember(metadata, "name"));
    }
    if (!status.ok()) {
      // The informer will not observe this deletion.
      expectations_.DeletionObserved(sync.key);
      if (!api::IsNotFound(status)) {
        if (error.ok()) error = status;
        continue;
      }
    }
    ++deleted;
    if (IsPodReady(*pod)) ++deleted_ready;
  }
  return {deleted, deleted_ready};
}

std::pair<int32_t, int32_t> JobController::DeleteActivePods(SyncContext& sync,
                                                            absl::Status& error) {
  int32_t deleted = 0;
  int32_t deleted_ready = 0;
  for (const json* pod : sync.active_pods) {
    const json& metadata = Member(*pod, "metadata");
    absl::Status status = pod_control_.DeletePod(sync.job, StringMember(metadata, "namespace"),
                                                 StringMember(metadata, "name"));
    if (!status.ok() && !api::IsNotFound(status)) {
      if (error.ok()) error = status;
      continue;
    }
    ++deleted;
    if (IsPodReady(*pod)) ++deleted_ready;
  }
  return {deleted, deleted_ready};
}

}  // namespace k1s::controllers::job
