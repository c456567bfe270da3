// The Job controller against a real apiserver: completions and parallelism, the tracking
// finalizer protocol, backoffLimit, Indexed Jobs, podFailurePolicy, activeDeadlineSeconds,
// suspend/resume and orphan cleanup. The test plays the kubelet with MarkPodSucceeded/Failed.
#include "controllers/job/job_controller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/job/testing/batch_harness.h"

namespace k1s::controllers::job {
namespace {

using client::resources::Jobs;
using client::resources::Pods;
using client::testing::Eventually;
using client::testing::MarkPodFailed;
using client::testing::MarkPodRunning;
using client::testing::MarkPodSucceeded;
using nlohmann::json;

json JobObject(const std::string& name, int32_t completions, int32_t parallelism,
               json extra_spec = json::object()) {
  json spec = {{"completions", completions},
               {"parallelism", parallelism},
               {"template",
                {{"metadata", {{"labels", {{"app", name}}}}},
                 {"spec",
                  {{"restartPolicy", "Never"},
                   {"containers", {{{"name", "app"}, {"image", "busybox"}}}}}}}}};
  spec.update(extra_spec);
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", spec}};
}

std::string NameOf(const json& object) { return object["metadata"].value("name", ""); }

int64_t StatusInt(const json& job, const char* field) {
  return job.contains("status") ? job["status"].value(field, int64_t{0}) : 0;
}

const json* Condition(const json& job, const std::string& type) {
  if (!job.contains("status") || !job["status"].contains("conditions")) return nullptr;
  for (const json& condition : job["status"]["conditions"]) {
    if (condition.value("type", "") == type) return &condition;
  }
  return nullptr;
}

bool HasCondition(const json& job, const std::string& type, const std::string& status = "True") {
  const json* condition = Condition(job, type);
  return condition != nullptr && condition->value("status", "") == status;
}

bool HasFinalizer(const json& pod) {
  for (const json& finalizer : pod["metadata"].value("finalizers", json::array())) {
    if (finalizer == "batch.kubernetes.io/job-tracking") return true;
  }
  return false;
}

class JobControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    JobControllerOptions options;
    options.sync_batch_period = std::chrono::milliseconds(20);
    options.pod_failure_backoff = std::chrono::milliseconds(10);
    options.max_pod_failure_backoff = std::chrono::milliseconds(100);
    options.api_backoff = std::chrono::milliseconds(10);
    options.max_api_backoff = std::chrono::milliseconds(200);
    harness_.Start<JobController>(options);
  }

  json Create(const json& job) {
    absl::StatusOr<json> created = harness_.admin.Create(Jobs(), "default", job);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  json GetJob(const std::string& name) { return harness_.Get(Jobs(), name); }

  // Waits for `count` active pods of `job` and returns them.
  std::vector<json> WaitForActive(const std::string& job, size_t count) {
    std::vector<json> pods;
    EXPECT_TRUE(Eventually([&] {
      pods = harness_.ActiveJobPods(job);
      return pods.size() == count;
    })) << "active pods of "
        << job << ": " << pods.size() << " want " << count;
    return pods;
  }

  testing::BatchHarness harness_;
};

TEST_F(JobControllerTest, CompletesAfterCompletionsRespectingParallelism) {
  json job = Create(JobObject("work", 3, 2));
  std::string uid = job["metadata"]["uid"];
  std::vector<json> pods = WaitForActive("work", 2);
  // Never more than parallelism.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(harness_.ActiveJobPods("work").size(), 2u);
  for (const json& pod : pods) {
    EXPECT_TRUE(HasFinalizer(pod));
    EXPECT_EQ(pod["metadata"].value("generateName", ""), "work-");
    const json& labels = pod["metadata"]["labels"];
    EXPECT_EQ(labels.value("batch.kubernetes.io/controller-uid", ""), uid);
    EXPECT_EQ(labels.value("controller-uid", ""), uid);
    EXPECT_EQ(labels.value("batch.kubernetes.io/job-name", ""), "work");
    EXPECT_EQ(labels.value("job-name", ""), "work");
    EXPECT_EQ(labels.value("app", ""), "work");
    const json& owner = pod["metadata"]["ownerReferences"][0];
    EXPECT_EQ(owner.value("kind", ""), "Job");
    EXPECT_EQ(owner.value("uid", ""), uid);
    EXPECT_TRUE(owner.value("controller", false));
  }
  ASSERT_TRUE(Eventually([&] {
    json current = GetJob("work");
    return StatusInt(current, "active") == 2 && current["status"].contains("startTime") &&
           current["status"].value("ready", -1) == 0;
  }));

  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(pods[0])).ok());
  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(pods[1])).ok());
  // One more pod for the last completion; the succeeded ones are counted and released.
  std::vector<json> last = WaitForActive("work", 1);
  ASSERT_TRUE(Eventually([&] {
    json current = GetJob("work");
    return StatusInt(current, "succeeded") == 2 && StatusInt(current, "active") == 1;
  }));
  ASSERT_TRUE(Eventually([&] {
    for (const json& pod : harness_.JobPods("work")) {
      if (pod["status"].value("phase", "") == "Succeeded" && HasFinalizer(pod)) return false;
    }
    return true;
  }));

  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(last[0])).ok());
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("work"), "Complete"); }));
  json done = GetJob("work");
  EXPECT_EQ(StatusInt(done, "succeeded"), 3);
  EXPECT_EQ(StatusInt(done, "failed"), 0);
  EXPECT_EQ(StatusInt(done, "active"), 0);
  EXPECT_TRUE(done["status"].contains("completionTime"));
  EXPECT_TRUE(HasCondition(done, "SuccessCriteriaMet"));
  EXPECT_EQ(Condition(done, "Complete")->value("reason", ""), "CompletionsReached");
  EXPECT_EQ(Condition(done, "Complete")->value("message", ""),
            "Reached expected number of succeeded pods");
  EXPECT_EQ(done["status"].value("uncountedTerminatedPods", json::object()), json::object());
  for (const json& pod : harness_.JobPods("work")) EXPECT_FALSE(HasFinalizer(pod));
  EXPECT_EQ(harness_.JobPods("work").size(), 3u);
  ASSERT_FALSE(harness_.Events("work", "Completed").empty());
  EXPECT_EQ(harness_.Events("work", "Completed")[0]["source"].value("component", ""),
            "job-controller");
  std::vector<json> created = harness_.Events("work", "SuccessfulCreate");
  ASSERT_FALSE(created.empty());
  EXPECT_EQ(created[0].value("message", "").rfind("Created pod: work-", 0), 0u);
}

TEST_F(JobControllerTest, ReadyPodsAreReported) {
  Create(JobObject("ready", 2, 2));
  std::vector<json> pods = WaitForActive("ready", 2);
  ASSERT_TRUE(MarkPodRunning(harness_.admin, "default", NameOf(pods[0])).ok());
  ASSERT_TRUE(Eventually([&] {
    json current = GetJob("ready");
    return StatusInt(current, "active") == 2 && current["status"].value("ready", -1) == 1;
  }));
}

TEST_F(JobControllerTest, FailedPodsAreRetriedUntilTheBackoffLimit) {
  Create(JobObject("flaky", 1, 1, {{"backoffLimit", 1}}));
  std::vector<json> first = WaitForActive("flaky", 1);
  ASSERT_TRUE(MarkPodFailed(harness_.admin, "default", NameOf(first[0])).ok());
  // Replaced after the (short) backoff; the failure is counted.
  std::vector<json> second;
  ASSERT_TRUE(Eventually([&] {
    second = harness_.ActiveJobPods("flaky");
    return second.size() == 1 && NameOf(second[0]) != NameOf(first[0]);
  }));
  ASSERT_TRUE(Eventually([&] { return StatusInt(GetJob("flaky"), "failed") == 1; }));
  EXPECT_FALSE(HasCondition(GetJob("flaky"), "Failed"));

  ASSERT_TRUE(MarkPodFailed(harness_.admin, "default", NameOf(second[0])).ok());
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("flaky"), "Failed"); }));
  json failed = GetJob("flaky");
  EXPECT_EQ(StatusInt(failed, "failed"), 2);
  EXPECT_EQ(Condition(failed, "Failed")->value("reason", ""), "BackoffLimitExceeded");
  EXPECT_EQ(Condition(failed, "Failed")->value("message", ""),
            "Job has reached the specified backoff limit");
  EXPECT_TRUE(HasCondition(failed, "FailureTarget"));
  EXPECT_FALSE(failed["status"].contains("completionTime"));
  EXPECT_EQ(harness_.JobPods("flaky").size(), 2u);
  for (const json& pod : harness_.JobPods("flaky")) EXPECT_FALSE(HasFinalizer(pod));
  std::vector<json> events = harness_.Events("flaky", "BackoffLimitExceeded");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].value("type", ""), "Warning");
}

TEST_F(JobControllerTest, IndexedJobTracksCompletedIndexes) {
  Create(JobObject("indexed", 4, 2, {{"completionMode", "Indexed"}}));
  std::vector<json> pods = WaitForActive("indexed", 2);
  std::map<std::string, json> by_index;
  for (const json& pod : pods) {
    std::string index =
        pod["metadata"]["annotations"].value("batch.kubernetes.io/job-completion-index", "");
    EXPECT_EQ(pod["metadata"]["labels"].value("batch.kubernetes.io/job-completion-index", ""),
              index);
    EXPECT_EQ(pod["spec"].value("hostname", ""), "indexed-" + index);
    EXPECT_EQ(pod["metadata"].value("generateName", ""), "indexed-" + index + "-");
    const json& env = pod["spec"]["containers"][0]["env"][0];
    EXPECT_EQ(env.value("name", ""), "JOB_COMPLETION_INDEX");
    EXPECT_EQ(env["valueFrom"]["fieldRef"].value("fieldPath", ""),
              "metadata.labels['batch.kubernetes.io/job-completion-index']");
    by_index[index] = pod;
  }
  ASSERT_EQ(by_index.size(), 2u);
  ASSERT_TRUE(by_index.count("0") && by_index.count("1"));

  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(by_index["1"])).ok());
  ASSERT_TRUE(
      Eventually([&] { return GetJob("indexed")["status"].value("completedIndexes", "") == "1"; }));
  // Index 2 is the first pending one.
  std::vector<json> now = WaitForActive("indexed", 2);
  std::set<std::string> active;
  for (const json& pod : now) {
    active.insert(
        pod["metadata"]["annotations"].value("batch.kubernetes.io/job-completion-index", ""));
  }
  EXPECT_EQ(active, (std::set<std::string>{"0", "2"}));

  for (const json& pod : now) {
    ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(pod)).ok());
  }
  ASSERT_TRUE(Eventually(
      [&] { return GetJob("indexed")["status"].value("completedIndexes", "") == "0-2"; }));
  std::vector<json> last = WaitForActive("indexed", 1);
  EXPECT_EQ(
      last[0]["metadata"]["annotations"].value("batch.kubernetes.io/job-completion-index", ""),
      "3");
  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(last[0])).ok());
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("indexed"), "Complete"); }));
  json done = GetJob("indexed");
  EXPECT_EQ(done["status"].value("completedIndexes", ""), "0-3");
  EXPECT_EQ(StatusInt(done, "succeeded"), 4);
}

TEST_F(JobControllerTest, PodFailurePolicyFailJobOnExitCode) {
  json policy = {
      {"rules",
       {{{"action", "FailJob"}, {"onExitCodes", {{"operator", "In"}, {"values", {42}}}}}}}};
  Create(JobObject("policy", 2, 2, {{"podFailurePolicy", policy}, {"backoffLimit", 6}}));
  std::vector<json> pods = WaitForActive("policy", 2);
  ASSERT_TRUE(MarkPodFailed(harness_.admin, "default", NameOf(pods[0]), 42).ok());
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("policy"), "Failed"); }));
  json failed = GetJob("policy");
  const json* condition = Condition(failed, "Failed");
  EXPECT_EQ(condition->value("reason", ""), "PodFailurePolicy");
  EXPECT_EQ(condition->value("message", ""),
            "Container app for pod default/" + NameOf(pods[0]) +
                " failed with exit code 42 matching FailJob rule at index 0");
  // The other pod was terminated and counted as failed.
  EXPECT_EQ(StatusInt(failed, "failed"), 2);
  EXPECT_EQ(StatusInt(failed, "active"), 0);
  EXPECT_TRUE(harness_.ActiveJobPods("policy").empty());
  EXPECT_FALSE(harness_.Events("policy", "PodFailurePolicy").empty());
}

TEST_F(JobControllerTest, PodFailurePolicyIgnoreDoesNotCountTheFailure) {
  json policy = {
      {"rules", {{{"action", "Ignore"}, {"onExitCodes", {{"operator", "In"}, {"values", {3}}}}}}}};
  Create(JobObject("ignore", 1, 1, {{"podFailurePolicy", policy}, {"backoffLimit", 0}}));
  std::vector<json> first = WaitForActive("ignore", 1);
  ASSERT_TRUE(MarkPodFailed(harness_.admin, "default", NameOf(first[0]), 3).ok());
  std::vector<json> second;
  ASSERT_TRUE(Eventually([&] {
    second = harness_.ActiveJobPods("ignore");
    return second.size() == 1 && NameOf(second[0]) != NameOf(first[0]);
  }));
  json current = GetJob("ignore");
  EXPECT_EQ(StatusInt(current, "failed"), 0);
  EXPECT_FALSE(HasCondition(current, "Failed"));
  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(second[0])).ok());
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("ignore"), "Complete"); }));
  EXPECT_EQ(StatusInt(GetJob("ignore"), "failed"), 0);
}

TEST_F(JobControllerTest, ActiveDeadlineFailsTheJob) {
  Create(JobObject("slow", 1, 1, {{"activeDeadlineSeconds", 1}}));
  WaitForActive("slow", 1);
  ASSERT_TRUE(
      Eventually([&] { return HasCondition(GetJob("slow"), "Failed"); }, std::chrono::seconds(4)));
  json failed = GetJob("slow");
  EXPECT_EQ(Condition(failed, "Failed")->value("reason", ""), "DeadlineExceeded");
  EXPECT_EQ(Condition(failed, "Failed")->value("message", ""),
            "Job was active longer than specified deadline");
  EXPECT_EQ(StatusInt(failed, "active"), 0);
  EXPECT_EQ(StatusInt(failed, "failed"), 1);
  EXPECT_TRUE(harness_.ActiveJobPods("slow").empty());
  EXPECT_FALSE(harness_.Events("slow", "DeadlineExceeded").empty());
}

TEST_F(JobControllerTest, SuspendDeletesPodsAndResumeRecreatesThem) {
  Create(JobObject("paused", 2, 2, {{"suspend", true}}));
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("paused"), "Suspended"); }));
  json suspended = GetJob("paused");
  EXPECT_EQ(Condition(suspended, "Suspended")->value("reason", ""), "JobSuspended");
  EXPECT_FALSE(suspended["status"].contains("startTime"));
  EXPECT_TRUE(harness_.JobPods("paused").empty());

  auto set_suspend = [&](bool suspend) {
    ASSERT_TRUE(harness_.admin
                    .Patch(Jobs(), "default", "paused", client::PatchType::kMerge,
                           json{{"spec", {{"suspend", suspend}}}}.dump())
                    .ok());
  };
  set_suspend(false);
  WaitForActive("paused", 2);
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("paused"), "Suspended", "False"); }));
  json resumed = GetJob("paused");
  EXPECT_EQ(Condition(resumed, "Suspended")->value("reason", ""), "JobResumed");
  EXPECT_TRUE(resumed["status"].contains("startTime"));
  EXPECT_FALSE(harness_.Events("paused", "Resumed").empty());

  set_suspend(true);
  ASSERT_TRUE(Eventually([&] { return harness_.JobPods("paused").empty(); }));
  ASSERT_TRUE(Eventually([&] {
    json current = GetJob("paused");
    return HasCondition(current, "Suspended") && StatusInt(current, "active") == 0;
  }));
  EXPECT_FALSE(harness_.Events("paused", "SuccessfulDelete").empty());
  EXPECT_EQ(StatusInt(GetJob("paused"), "failed"), 0);  // suspension is no failure
}

TEST_F(JobControllerTest, DeletedJobReleasesItsPodsFinalizers) {
  Create(JobObject("gone", 1, 1));
  std::vector<json> pods = WaitForActive("gone", 1);
  ASSERT_TRUE(HasFinalizer(pods[0]));
  client::DeleteOptions orphan;
  orphan.propagation_policy = "Orphan";
  ASSERT_TRUE(harness_.admin.Delete(Jobs(), "default", "gone", orphan).ok());
  // No garbage collector runs here: the pod keeps its ownerReference, but its Job is gone.
  ASSERT_TRUE(Eventually([&] {
    json pod = harness_.Get(Pods(), NameOf(pods[0]));
    return !pod.is_null() && !HasFinalizer(pod);
  }));
}

TEST_F(JobControllerTest, JobWithoutCompletionsFinishesOnFirstSuccess) {
  json job = JobObject("any", 1, 2);
  job["spec"].erase("completions");
  Create(job);
  std::vector<json> pods = WaitForActive("any", 2);
  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(pods[0])).ok());
  // The other pod keeps running; no new pods start.
  ASSERT_TRUE(Eventually([&] { return StatusInt(GetJob("any"), "succeeded") == 1; }));
  EXPECT_EQ(harness_.ActiveJobPods("any").size(), 1u);
  EXPECT_FALSE(HasCondition(GetJob("any"), "Complete"));
  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(pods[1])).ok());
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("any"), "Complete"); }));
  EXPECT_EQ(StatusInt(GetJob("any"), "succeeded"), 2);
}

TEST_F(JobControllerTest, PodsThatStopMatchingAreReleasedAndReplaced) {
  Create(JobObject("release", 1, 1));
  std::vector<json> pods = WaitForActive("release", 1);
  std::string name = NameOf(pods[0]);
  ASSERT_TRUE(harness_.admin
                  .Patch(Pods(), "default", name, client::PatchType::kMerge,
                         json{{"metadata",
                               {{"labels",
                                 {{"batch.kubernetes.io/controller-uid", "someone-else"},
                                  {"batch.kubernetes.io/job-name", "other"}}}}}}
                             .dump())
                  .ok());
  // Released: no owner, no tracking finalizer; a replacement runs in its place.
  ASSERT_TRUE(Eventually([&] {
    json pod = harness_.Get(Pods(), name);
    return !pod.is_null() && !HasFinalizer(pod) &&
           pod["metadata"].value("ownerReferences", json::array()).empty();
  }));
  std::vector<json> replacement = WaitForActive("release", 1);
  EXPECT_NE(NameOf(replacement[0]), name);
}

TEST_F(JobControllerTest, JobCreatedFromACronJobTemplateRuns) {
  // What `kubectl create job --from=cronjob/nightly` sends.
  json job = JobObject("manual", 1, 1);
  job["metadata"]["annotations"] = {{"cronjob.kubernetes.io/instantiate", "manual"}};
  job["metadata"]["ownerReferences"] = {{{"apiVersion", "batch/v1"},
                                         {"kind", "CronJob"},
                                         {"name", "nightly"},
                                         {"uid", "4e1f3c55-0000-4000-8000-000000000001"},
                                         {"controller", true}}};
  Create(job);
  std::vector<json> pods = WaitForActive("manual", 1);
  ASSERT_TRUE(MarkPodSucceeded(harness_.admin, "default", NameOf(pods[0])).ok());
  ASSERT_TRUE(Eventually([&] { return HasCondition(GetJob("manual"), "Complete"); }));
}

}  // namespace
}  // namespace k1s::controllers::job
