// Pure pieces of the Job controller: completion-index intervals, podFailurePolicy and
// successPolicy matching, pod failure backoff and deletion order.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "controllers/job/backoff.h"
#include "controllers/job/indexes.h"
#include "controllers/job/job_util.h"
#include "controllers/job/pod_selection.h"
#include "controllers/job/policies.h"

namespace k1s::controllers::job {
namespace {

using nlohmann::json;

TEST(OrderedIntervalsTest, ParsesMergesAndPrintsLikeUpstream) {
  OrderedIntervals parsed = OrderedIntervals::Parse("1,3-5,7", 10);
  EXPECT_EQ(parsed.Total(), 5);
  EXPECT_TRUE(parsed.Has(4));
  EXPECT_FALSE(parsed.Has(2));
  EXPECT_EQ(parsed.String(), "1,3-5,7");
  EXPECT_EQ(parsed.WithIndexes({0, 2, 6}).String(), "0-7");
  EXPECT_EQ(OrderedIntervals().WithIndexes({3, 4}).String(), "3,4");
  // Cut at completions; corrupt parts skipped.
  EXPECT_EQ(OrderedIntervals::Parse("1-9,12", 5).String(), "1-4");
  EXPECT_EQ(OrderedIntervals::Parse("x,2", 5).String(), "2");
  EXPECT_EQ(OrderedIntervals::Parse("", 5).Total(), 0);
  EXPECT_EQ(parsed.Merge(OrderedIntervals::Parse("2,8", 10)).String(), "1-5,7,8");
}

TEST(OrderedIntervalsTest, SucceededIndexesRules) {
  OrderedIntervals succeeded = OrderedIntervals::Parse("0-2,5", 10);
  int32_t two = 2;
  EXPECT_TRUE(MatchesSucceededIndexesRule(OrderedIntervals::Parse("0-2", 10), succeeded, nullptr));
  EXPECT_FALSE(MatchesSucceededIndexesRule(OrderedIntervals::Parse("0-3", 10), succeeded, nullptr));
  EXPECT_TRUE(MatchesSucceededIndexesRule(OrderedIntervals::Parse("4-6", 10), succeeded, &two) ==
              false);
  EXPECT_TRUE(MatchesSucceededIndexesRule(OrderedIntervals::Parse("1-6", 10), succeeded, &two));
  json policy = {{"rules", {{{"succeededIndexes", "7-9"}}, {{"succeededCount", 4}}}}};
  EXPECT_EQ(MatchSuccessPolicy(policy, 10, succeeded).value_or(""), "Matched rules at index 1");
  EXPECT_FALSE(MatchSuccessPolicy(json(), 10, succeeded).has_value());
}

json FailedPod(int32_t exit_code, json conditions = json::array()) {
  return {{"metadata", {{"name", "p"}, {"namespace", "ns"}}},
          {"status",
           {{"phase", "Failed"},
            {"conditions", conditions},
            {"containerStatuses",
             {{{"name", "main"}, {"state", {{"terminated", {{"exitCode", exit_code}}}}}}}}}}};
}

TEST(PodFailurePolicyTest, RulesMatchInOrder) {
  json policy = {
      {"rules",
       {{{"action", "Ignore"},
         {"onPodConditions", {{{"type", "DisruptionTarget"}, {"status", "True"}}}}},
        {{"action", "FailJob"},
         {"onExitCodes", {{"containerName", "main"}, {"operator", "In"}, {"values", {1, 2}}}}},
        {{"action", "Count"}, {"onExitCodes", {{"operator", "NotIn"}, {"values", {5}}}}}}}};
  FailurePolicyMatch fail = MatchPodFailurePolicy(&policy, FailedPod(2));
  EXPECT_EQ(fail.action.value_or(""), "FailJob");
  EXPECT_EQ(fail.fail_job_message.value_or(""),
            "Container main for pod ns/p failed with exit code 2 matching FailJob rule at index 1");
  FailurePolicyMatch ignore = MatchPodFailurePolicy(
      &policy, FailedPod(2, {{{"type", "DisruptionTarget"}, {"status", "True"}}}));
  EXPECT_EQ(ignore.action.value_or(""), "Ignore");
  EXPECT_FALSE(ignore.count_failed);
  EXPECT_EQ(MatchPodFailurePolicy(&policy, FailedPod(7)).action.value_or(""), "Count");
  FailurePolicyMatch none = MatchPodFailurePolicy(&policy, FailedPod(5));
  EXPECT_FALSE(none.action.has_value());
  EXPECT_TRUE(none.count_failed);
  // Exit code 0 never matches.
  EXPECT_FALSE(MatchPodFailurePolicy(&policy, FailedPod(0)).action.has_value());
  EXPECT_FALSE(MatchPodFailurePolicy(nullptr, FailedPod(2)).action.has_value());
}

TEST(BackoffTest, DoublesFromTheBaseUpToTheCap) {
  const int64_t s = base::kNanosPerSecond;
  int64_t now = 1000 * s;
  EXPECT_EQ(RemainingBackoffNanos(now, 10 * s, 360 * s, 0, 990), 0);
  EXPECT_EQ(RemainingBackoffNanos(now, 10 * s, 360 * s, 1, 1000), 10 * s);
  EXPECT_EQ(RemainingBackoffNanos(now, 10 * s, 360 * s, 3, 1000), 40 * s);
  EXPECT_EQ(RemainingBackoffNanos(now, 10 * s, 360 * s, 10, 1000), 360 * s);
  EXPECT_EQ(RemainingBackoffNanos(now, 10 * s, 360 * s, 2, 995), 15 * s);
  EXPECT_EQ(RemainingBackoffNanos(now, 10 * s, 360 * s, 2, 900), 0);
}

TEST(BackoffTest, SuccessResetsTheFailureCount) {
  BackoffStore store;
  json failed_early = {
      {"status",
       {{"containerStatuses",
         {{{"state", {{"terminated", {{"finishedAt", "2024-01-01T00:00:10Z"}}}}}}}}}}};
  json succeeded = failed_early;
  succeeded["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"] =
      "2024-01-01T00:00:20Z";
  json failed_late = failed_early;
  failed_late["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"] =
      "2024-01-01T00:00:30Z";
  BackoffRecord first = store.NewRecord("ns/j", {}, {&failed_early});
  EXPECT_EQ(first.failures_after_last_success, 1);
  store.Update(first);
  BackoffRecord second = store.NewRecord("ns/j", {&succeeded}, {&failed_late});
  EXPECT_EQ(second.failures_after_last_success, 1);
  EXPECT_EQ(second.last_failure_seconds.value_or(0), 1704067230);
  BackoffRecord third = store.NewRecord("ns/j", {&succeeded}, {});
  EXPECT_EQ(third.failures_after_last_success, 0);
}

TEST(PodSelectionTest, DeletesUnscheduledPendingAndNotReadyPodsFirst) {
  json running_ready = {
      {"metadata", {{"name", "a"}, {"creationTimestamp", "2024-01-01T00:00:00Z"}}},
      {"spec", {{"nodeName", "n1"}}},
      {"status",
       {{"phase", "Running"}, {"conditions", {{{"type", "Ready"}, {"status", "True"}}}}}}};
  json running = running_ready;
  running["metadata"]["name"] = "b";
  running["status"]["conditions"][0]["status"] = "False";
  json pending = {{"metadata", {{"name", "c"}}},
                  {"spec", {{"nodeName", "n1"}}},
                  {"status", {{"phase", "Pending"}}}};
  json unscheduled = {{"metadata", {{"name", "d"}}}, {"status", {{"phase", "Pending"}}}};
  json job = {{"spec", {{"completions", 4}}}};
  std::vector<const json*> removed =
      ActivePodsForRemoval(job, {&running_ready, &running, &pending, &unscheduled}, 3);
  ASSERT_EQ(removed.size(), 3u);
  EXPECT_EQ(removed[0], &unscheduled);
  EXPECT_EQ(removed[1], &pending);
  EXPECT_EQ(removed[2], &running);
}

TEST(PodSelectionTest, IndexedJobsDropDuplicateAndOutOfRangeIndexes) {
  auto pod = [](const std::string& name, const std::string& index) {
    json p = {{"metadata", {{"name", name}}}, {"status", {{"phase", "Pending"}}}};
    if (!index.empty()) {
      p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] = index;
    }
    return p;
  };
  json a0 = pod("a0", "0");
  json b0 = pod("b0", "0");
  json c1 = pod("c1", "1");
  json d9 = pod("d9", "9");
  json none = pod("none", "");
  json job = {{"spec", {{"completions", 3}, {"completionMode", "Indexed"}}}};
  std::vector<const json*> removed = ActivePodsForRemoval(job, {&a0, &b0, &c1, &d9, &none}, 0);
  EXPECT_EQ(removed.size(), 3u);  // one of index 0, index 9, the one without index
  EXPECT_NE(std::find(removed.begin(), removed.end(), &d9), removed.end());
  EXPECT_NE(std::find(removed.begin(), removed.end(), &none), removed.end());
  EXPECT_EQ(std::find(removed.begin(), removed.end(), &c1), removed.end());
  EXPECT_EQ(PodGenerateNameWithIndex(std::string(60, 'x'), 12), std::string(54, 'x') + "-12-");
}

TEST(JobUtilTest, ConditionsAndPodStates) {
  json job = {{"status", {{"conditions", json::array()}}}};
  EXPECT_FALSE(IsJobFinished(job));
  EXPECT_FALSE(EnsureJobCondition(job, "Suspended", "False", "JobResumed", "Job resumed", 1));
  EXPECT_TRUE(EnsureJobCondition(job, "Suspended", "True", "JobSuspended", "Job suspended", 1));
  EXPECT_FALSE(EnsureJobCondition(job, "Suspended", "True", "JobSuspended", "Job suspended", 2));
  EXPECT_TRUE(EnsureJobCondition(job, "Complete", "True", "", "", 3));
  EXPECT_EQ(FinishedConditionType(job), "Complete");
  json deleting = {{"metadata", {{"deletionTimestamp", "2024-01-01T00:00:00Z"}}},
                   {"status", {{"phase", "Running"}}}};
  EXPECT_TRUE(IsPodFailed(deleting, json::object()));
  EXPECT_FALSE(IsPodFailed(deleting, {{"spec", {{"podReplacementPolicy", "Failed"}}}}));
  EXPECT_TRUE(IsPodTerminating(deleting));
  // Bad input never throws.
  EXPECT_EQ(CompletionIndex(json("x")), kUnknownCompletionIndex);
  EXPECT_EQ(Parallelism(json::array()), 1);
  EXPECT_EQ(BackoffLimit({{"spec", {{"backoffLimit", "six"}}}}), 6);
}

}  // namespace
}  // namespace k1s::controllers::job
