#include "controllers/job/pod_selection.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "base/strings.h"
#include "controllers/common/pods.h"
#include "controllers/job/job_util.h"
#include "controllers/job/policies.h"

namespace k1s::controllers::job {

using nlohmann::json;

namespace {

// Upstream's names.MaxGeneratedNameLength (63 - 5 random characters).
constexpr size_t kMaxGeneratedNameLength = 58;

int32_t PhaseOrdinal(const json& pod) {
  std::string phase = PodPhase(pod);
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 0;
}

int64_t ReadySince(const json& pod) {
  const json* ready = FindCondition(pod, "Ready");
  if (ready == nullptr) return 0;
  return api::ParseTimestamp(StringMember(*ready, "lastTransitionTime")).value_or(0);
}

int32_t MaxContainerRestarts(const json& pod) {
  int64_t most = 0;
  const json& statuses = Member(Member(pod, "status"), "containerStatuses");
  if (statuses.is_array()) {
    for (const json& status : statuses) {
      most = std::max(most, IntMember(status, "restartCount").value_or(0));
    }
  }
  return static_cast<int32_t>(most);
}

// Go's afterOrZero: a zero time sorts first, then the later time.
bool AfterOrZero(int64_t a, int64_t b) {
  if (a == 0 || b == 0) return a == 0;
  return a > b;
}

std::set<int32_t> IndexesOf(const std::vector<const json*>& pods) {
  std::set<int32_t> result;
  for (const json* pod : pods) {
    int32_t index = CompletionIndex(*pod);
    if (index != kUnknownCompletionIndex) result.insert(index);
  }
  return result;
}

std::vector<int32_t> Sorted(const std::set<int32_t>& indexes) {
  return std::vector<int32_t>(indexes.begin(), indexes.end());
}

int32_t AbsoluteIndexFailureCount(const json& pod) {
  return IndexFailureCount(pod) + IndexIgnoredFailureCount(pod);
}

bool IsIndexFailed(const json& job, const json& pod) {
  bool counted = false;
  if (IsPodFailed(pod, job)) {
    if (const json* policy = PodFailurePolicy(job)) {
      FailurePolicyMatch match = MatchPodFailurePolicy(policy, pod);
      if (match.action == "FailIndex") return true;
      counted = match.count_failed;
    } else {
      counted = true;
    }
  }
  return counted && IndexFailureCount(pod) >= BackoffLimitPerIndex(job).value_or(0);
}

void AddIndexEnv(json& container) {
  if (!container.is_object()) return;
  json& env = container["env"];
  if (!env.is_array()) env = json::array();
  for (const json& var : env) {
    if (StringMember(var, "name") == "JOB_COMPLETION_INDEX") return;
  }
  env.push_back(
      {{"name", "JOB_COMPLETION_INDEX"},
       {"valueFrom",
        {{"fieldRef",
          {{"fieldPath", base::StrCat("metadata.labels['", kCompletionIndexAnnotation, "']")}}}}}});
}

}  // namespace

bool ActivePodLess(const json& a, const json& b) {
  std::string node_a = StringMember(Member(a, "spec"), "nodeName");
  std::string node_b = StringMember(Member(b, "spec"), "nodeName");
  if (node_a != node_b && (node_a.empty() || node_b.empty())) return node_a.empty();
  if (PhaseOrdinal(a) != PhaseOrdinal(b)) return PhaseOrdinal(a) < PhaseOrdinal(b);
  bool ready_a = IsPodReady(a);
  bool ready_b = IsPodReady(b);
  if (ready_a != ready_b) return !ready_a;
  if (ready_a && ready_b && ReadySince(a) != ReadySince(b)) {
    return AfterOrZero(ReadySince(a), ReadySince(b));
  }
  if (MaxContainerRestarts(a) != MaxContainerRestarts(b)) {
    return MaxContainerRestarts(a) > MaxContainerRestarts(b);
  }
  if (CreationSeconds(a) != CreationSeconds(b)) {
    return AfterOrZero(CreationSeconds(a), CreationSeconds(b));
  }
  return false;
}

std::vector<const json*> ActivePodsForRemoval(const json& job, std::vector<const json*> pods,
                                              int32_t rm_at_least) {
  auto active_less = [](const json* a, const json* b) { return ActivePodLess(*a, *b); };
  std::vector<const json*> rm;
  std::vector<const json*> left;
  if (IsIndexedJob(job)) {
    int32_t completions = Completions(job).value_or(0);
    std::stable_sort(pods.begin(), pods.end(), [](const json* a, const json* b) {
      return CompletionIndex(*a) < CompletionIndex(*b);
    });
    size_t i = 0;
    while (i < pods.size()) {
      int32_t index = CompletionIndex(*pods[i]);
      if (index >= completions) {
        rm.insert(rm.end(), pods.begin() + static_cast<ptrdiff_t>(i), pods.end());
        break;
      }
      size_t end = i;
      while (end < pods.size() && CompletionIndex(*pods[end]) == index) ++end;
      std::vector<const json*> same(pods.begin() + static_cast<ptrdiff_t>(i),
                                    pods.begin() + static_cast<ptrdiff_t>(end));
      if (index == kUnknownCompletionIndex) {
        rm.insert(rm.end(), same.begin(), same.end());
      } else {
        std::stable_sort(same.begin(), same.end(), active_less);
        rm.insert(rm.end(), same.begin(), same.end() - 1);
        left.push_back(same.back());
      }
      i = end;
    }
  } else {
    left = std::move(pods);
  }
  if (static_cast<int32_t>(rm.size()) < rm_at_least) {
    std::stable_sort(left.begin(), left.end(), active_less);
    size_t more = std::min(left.size(), static_cast<size_t>(rm_at_least) - rm.size());
    rm.insert(rm.end(), left.begin(), left.begin() + static_cast<ptrdiff_t>(more));
  }
  return rm;
}

std::vector<const json*> ValidPodsWithFilter(const SyncContext& sync,
                                             const std::set<std::string>* uncounted,
                                             const std::function<bool(const json&)>& filter) {
  std::vector<const json*> result;
  bool indexed = IsIndexedJob(sync.job);
  int32_t completions = Completions(sync.job).value_or(0);
  for (const client::ObjectPtr& pod : sync.pods) {
    std::string uid = PodUid(*pod);
    if (!HasTrackingFinalizer(*pod) || (uncounted != nullptr && uncounted->count(uid) > 0) ||
        sync.expected_rm_finalizers.count(uid) > 0) {
      continue;
    }
    if (indexed) {
      int32_t index = CompletionIndex(*pod);
      if (index == kUnknownCompletionIndex || index >= completions) continue;
    }
    if (filter(*pod)) result.push_back(pod.get());
  }
  return result;
}

std::pair<std::vector<const json*>, std::vector<const json*>> NewFinishedPods(
    const SyncContext& sync) {
  auto succeeded = ValidPodsWithFilter(sync, &sync.uncounted_succeeded, [](const json& pod) {
    return PodPhase(pod) == "Succeeded";
  });
  auto failed = ValidPodsWithFilter(sync, &sync.uncounted_failed,
                                    [&](const json& pod) { return IsPodFailed(pod, sync.job); });
  return {std::move(succeeded), std::move(failed)};
}

int32_t NonIgnoredFailedCount(const SyncContext& sync, const std::vector<const json*>& failed) {
  int32_t result = static_cast<int32_t>(failed.size());
  if (const json* policy = PodFailurePolicy(sync.job)) {
    for (const json* pod : failed) {
      if (!MatchPodFailurePolicy(policy, *pod).count_failed) --result;
    }
  }
  return result;
}

std::pair<OrderedIntervals, OrderedIntervals> CalculateSucceededIndexes(
    const json& job, const std::vector<client::ObjectPtr>& pods) {
  int32_t completions = Completions(job).value_or(0);
  OrderedIntervals prev =
      OrderedIntervals::Parse(StringMember(Member(job, "status"), "completedIndexes"), completions);
  std::set<int32_t> succeeded;
  for (const client::ObjectPtr& pod : pods) {
    int32_t index = CompletionIndex(*pod);
    if (PodPhase(*pod) == "Succeeded" && index != kUnknownCompletionIndex && index < completions &&
        HasTrackingFinalizer(*pod)) {
      succeeded.insert(index);
    }
  }
  OrderedIntervals result = prev.WithIndexes(Sorted(succeeded));
  return {std::move(prev), std::move(result)};
}

OrderedIntervals CalculateFailedIndexes(const json& job,
                                        const std::vector<client::ObjectPtr>& pods) {
  int32_t completions = Completions(job).value_or(0);
  OrderedIntervals prev;
  const json& failed_text = Member(Member(job, "status"), "failedIndexes");
  if (failed_text.is_string()) {
    prev = OrderedIntervals::Parse(failed_text.get<std::string>(), completions);
  }
  std::set<int32_t> failed;
  for (const client::ObjectPtr& pod : pods) {
    int32_t index = CompletionIndex(*pod);
    if (index != kUnknownCompletionIndex && index < completions && HasTrackingFinalizer(*pod) &&
        IsIndexFailed(job, *pod)) {
      failed.insert(index);
    }
  }
  return prev.WithIndexes(Sorted(failed));
}

std::map<int32_t, const json*> PodsWithDelayedDeletionPerIndex(const SyncContext& sync) {
  std::set<int32_t> active = IndexesOf(sync.active_pods);
  int32_t completions = Completions(sync.job).value_or(0);
  std::map<int32_t, const json*> delayed;
  ValidPodsWithFilter(sync, nullptr, [&](const json& pod) {
    if (!IsPodFailed(pod, sync.job)) return false;
    int32_t index = CompletionIndex(pod);
    if (index == kUnknownCompletionIndex || index >= completions) return false;
    if (sync.succeeded_indexes.Has(index) ||
        (sync.failed_indexes && sync.failed_indexes->Has(index)) || active.count(index) > 0) {
      return false;
    }
    auto it = delayed.find(index);
    if (it == delayed.end()) {
      delayed[index] = &pod;
    } else if (AbsoluteIndexFailureCount(*it->second) <= AbsoluteIndexFailureCount(pod) &&
               PodFinishedSeconds(pod) >= PodFinishedSeconds(*it->second)) {
      it->second = &pod;
    }
    return false;
  });
  return delayed;
}

std::vector<int32_t> FirstPendingIndexes(const SyncContext& sync, int32_t count,
                                         int32_t completions) {
  std::vector<int32_t> result;
  if (count <= 0) return result;
  OrderedIntervals non_pending =
      sync.succeeded_indexes.WithIndexes(Sorted(IndexesOf(sync.active_pods)));
  if (OnlyReplaceFailedPods(sync.job)) {
    std::vector<const json*> terminating;
    for (const client::ObjectPtr& pod : sync.pods) {
      if (IsPodTerminating(*pod)) terminating.push_back(pod.get());
    }
    non_pending = non_pending.WithIndexes(Sorted(IndexesOf(terminating)));
  }
  if (sync.failed_indexes) non_pending = non_pending.Merge(*sync.failed_indexes);
  int32_t candidate = 0;
  for (const Interval& interval : non_pending.intervals()) {
    for (; candidate < completions && static_cast<int32_t>(result.size()) < count &&
           candidate < interval.first;
         ++candidate) {
      result.push_back(candidate);
    }
    if (candidate < interval.last + 1) candidate = interval.last + 1;
  }
  for (; candidate < completions && static_cast<int32_t>(result.size()) < count; ++candidate) {
    result.push_back(candidate);
  }
  return result;
}

bool PastBackoffLimitOnFailure(const json& job, const std::vector<client::ObjectPtr>& pods) {
  if (StringMember(Member(Member(Member(job, "spec"), "template"), "spec"), "restartPolicy") !=
      "OnFailure") {
    return false;
  }
  int64_t restarts = 0;
  for (const client::ObjectPtr& pod : pods) {
    std::string phase = PodPhase(*pod);
    if (phase == "Running" || phase == "Pending") restarts += PodRestartCount(*pod);
  }
  int32_t limit = BackoffLimit(job);
  if (limit == 0) return restarts > 0;
  return restarts >= limit;
}

std::optional<std::string> FailJobMessage(const json& job,
                                          const std::vector<client::ObjectPtr>& pods) {
  const json* policy = PodFailurePolicy(job);
  if (policy == nullptr) return std::nullopt;
  for (const client::ObjectPtr& pod : pods) {
    if (!IsPodFailed(*pod, job)) continue;
    FailurePolicyMatch match = MatchPodFailurePolicy(policy, *pod);
    if (match.fail_job_message) return match.fail_job_message;
  }
  return std::nullopt;
}

std::string PodGenerateNameWithIndex(const std::string& job_name, int32_t index) {
  std::string suffix = base::StrCat("-", index, "-");
  std::string prefix = job_name + suffix;
  if (prefix.size() > kMaxGeneratedNameLength) {
    prefix = job_name.substr(0, kMaxGeneratedNameLength - suffix.size()) + suffix;
  }
  return prefix;
}

void AddCompletionIndexEnvVariables(json& pod_template) {
  json& spec = pod_template["spec"];
  if (!spec.is_object()) return;
  for (const char* key : {"initContainers", "containers"}) {
    auto it = spec.find(key);
    if (it == spec.end() || !it->is_array()) continue;
    for (json& container : *it) AddIndexEnv(container);
  }
}

void AddIndexFailureCountAnnotations(json& pod_template, const json& job, const json* replaced) {
  int32_t failures = 0;
  int32_t ignored = 0;
  if (replaced != nullptr) {
    failures = IndexFailureCount(*replaced);
    ignored = IndexIgnoredFailureCount(*replaced);
    if (const json* policy = PodFailurePolicy(job)) {
      if (MatchPodFailurePolicy(policy, *replaced).count_failed) {
        ++failures;
      } else {
        ++ignored;
      }
    } else {
      ++failures;
    }
  }
  json& annotations = pod_template["metadata"]["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  annotations[kIndexFailureCountAnnotation] = std::to_string(failures);
  if (ignored > 0) annotations[kIndexIgnoredFailureCountAnnotation] = std::to_string(ignored);
}

}  // namespace k1s::controllers::job
