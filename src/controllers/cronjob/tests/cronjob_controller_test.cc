// The CronJob controller against a real apiserver, driven by a FakeClock: Jobs at scheduled
// times, status, concurrency policies, history limits and suspension. No Job controller runs:
// tests finish Jobs by writing their status.
#include "controllers/cronjob/cronjob_controller.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/timestamps.h"
#include "base/testing/fake_clock.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/job/testing/batch_harness.h"

namespace k1s::controllers::cronjob {
namespace {

using client::resources::CronJobs;
using client::resources::Jobs;
using client::testing::Eventually;
using nlohmann::json;

constexpr int64_t kSecond = base::kNanosPerSecond;
constexpr int64_t kMinute = 60 * kSecond;

// Half a second before the next minute boundary, at least five (real) seconds away: objects
// the apiserver creates now (with real timestamps) precede that boundary, and no earlier
// boundary lies between their creation and the fake "now" (when one is about to pass in real
// time, the test waits for it first).
int64_t StartNanos() {
  int64_t now = base::RealClock().NowUnixNanos();
  if (now % kMinute > kMinute - 6 * kSecond) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(kMinute - now % kMinute + kSecond / 10));
    now = base::RealClock().NowUnixNanos();
  }
  return (now / kMinute + 1) * kMinute - kSecond / 2;
}

json CronJobObject(const std::string& name, json extra_spec = json::object()) {
  json spec = {{"schedule", "* * * * *"},
               {"jobTemplate",
                {{"metadata", {{"labels", {{"cron", name}}}}},
                 {"spec",
                  {{"template",
                    {{"spec",
                      {{"restartPolicy", "Never"},
                       {"containers", {{{"name", "app"}, {"image", "busybox"}}}}}}}}}}}}};
  spec.update(extra_spec);
  return {{"apiVersion", "batch/v1"},
          {"kind", "CronJob"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", spec}};
}

std::string NameOf(const json& object) { return object["metadata"].value("name", ""); }

class CronJobControllerTest : public ::testing::Test {
 protected:
  CronJobControllerTest() : clock_(StartNanos()), harness_(clock_) {}

  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    harness_.Start<CronJobController>();
  }

  // The first scheduled minute of these tests, in Unix seconds.
  int64_t FirstTick() const { return (StartNanosOf(clock_) + kSecond) / kSecond; }
  static int64_t StartNanosOf(const base::FakeClock& clock) {
    return clock.NowUnixNanos() - clock.MonotonicNanos();
  }
  static std::string JobNameAt(const std::string& cron_job, int64_t unix_seconds) {
    return cron_job + "-" + std::to_string(unix_seconds / 60);
  }

  json Create(const json& cron_job) {
    absl::StatusOr<json> created = harness_.admin.Create(CronJobs(), "default", cron_job);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  // A change of the CronJob that is not its schedule: the controller syncs it right away.
  void Poke(const std::string& name) {
    ++pokes_;
    ASSERT_TRUE(
        harness_.admin
            .Patch(CronJobs(), "default", name, client::PatchType::kMerge,
                   json{{"metadata", {{"annotations", {{"poke", std::to_string(pokes_)}}}}}}.dump())
            .ok());
  }

  // Moves time past the next minute boundary and wakes the controller.
  void Tick(const std::string& name) {
    clock_.Advance(kMinute);
    Poke(name);
  }

  std::vector<json> OwnedJobs() { return harness_.List(Jobs()); }

  json WaitForJob(const std::string& name) {
    json job;
    EXPECT_TRUE(Eventually(
        [&] {
          job = harness_.Get(Jobs(), name);
          return !job.is_null();
        },
        std::chrono::seconds(3)))
        << "no job " << name;
    return job;
  }

  // The kubelet and Job controller's part: the Job finished.
  void Finish(const std::string& name, const std::string& type, int64_t start_seconds) {
    json job = harness_.Get(Jobs(), name);
    ASSERT_FALSE(job.is_null());
    std::string now = api::FormatTimestamp(start_seconds + 10);
    job["status"] = {
        {"startTime", api::FormatTimestamp(start_seconds)},
        {"conditions", {{{"type", type}, {"status", "True"}, {"lastTransitionTime", now}}}}};
    if (type == "Complete") job["status"]["completionTime"] = now;
    absl::StatusOr<json> updated = harness_.admin.UpdateStatus(Jobs(), job);
    ASSERT_TRUE(updated.ok()) << updated.status();
  }

  json GetCronJob(const std::string& name) { return harness_.Get(CronJobs(), name); }

  static size_t ActiveCount(const json& cron_job) {
    if (!cron_job.contains("status") || !cron_job["status"].contains("active")) return 0;
    return cron_job["status"]["active"].size();
  }

  base::FakeClock clock_;
  job::testing::BatchHarness harness_;
  int pokes_ = 0;
};

TEST_F(CronJobControllerTest, CreatesAJobAtTheScheduledTime) {
  Create(CronJobObject("every"));
  // The controller waits for the minute boundary (half a second away on the fake clock).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(OwnedJobs().empty());
  clock_.Advance(kSecond);
  const int64_t tick = FirstTick();
  json job = WaitForJob(JobNameAt("every", tick));
  ASSERT_FALSE(job.is_null());
  EXPECT_EQ(job["metadata"]["labels"].value("cron", ""), "every");
  EXPECT_EQ(
      job["metadata"]["annotations"].value("batch.kubernetes.io/cronjob-scheduled-timestamp", ""),
      api::FormatTimestamp(tick));
  json cron_job = GetCronJob("every");
  const json& owner = job["metadata"]["ownerReferences"][0];
  EXPECT_EQ(owner.value("kind", ""), "CronJob");
  EXPECT_EQ(owner.value("uid", ""), cron_job["metadata"].value("uid", ""));
  EXPECT_TRUE(owner.value("controller", false));
  ASSERT_TRUE(Eventually([&] {
    cron_job = GetCronJob("every");
    return ActiveCount(cron_job) == 1 &&
           cron_job["status"].value("lastScheduleTime", "") == api::FormatTimestamp(tick);
  }));
  EXPECT_EQ(cron_job["status"]["active"][0].value("name", ""), NameOf(job));
  EXPECT_EQ(cron_job["status"]["active"][0].value("kind", ""), "Job");
  std::vector<json> created = harness_.Events("every", "SuccessfulCreate");
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0].value("message", ""), "Created job " + NameOf(job));
  EXPECT_EQ(created[0]["source"].value("component", ""), "cronjob-controller");

  // The Job completes: it leaves status.active, then sets lastSuccessfulTime.
  Finish(NameOf(job), "Complete", tick);
  ASSERT_TRUE(Eventually([&] {
    cron_job = GetCronJob("every");
    return ActiveCount(cron_job) == 0 &&
           cron_job["status"].value("lastSuccessfulTime", "") == api::FormatTimestamp(tick + 10);
  }));
  std::vector<json> saw = harness_.Events("every", "SawCompletedJob");
  ASSERT_FALSE(saw.empty());
  EXPECT_EQ(saw[0].value("message", ""),
            "Saw completed job: " + NameOf(job) + ", status: Complete");
  // Nothing more until the next minute.
  Poke("every");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(OwnedJobs().size(), 1u);
}

TEST_F(CronJobControllerTest, ForbidSkipsWhileAJobIsActive) {
  Create(CronJobObject("forbid", {{"concurrencyPolicy", "Forbid"}}));
  clock_.Advance(kSecond);
  const int64_t tick = FirstTick();
  WaitForJob(JobNameAt("forbid", tick));
  ASSERT_TRUE(Eventually([&] { return ActiveCount(GetCronJob("forbid")) == 1; }));

  Tick("forbid");
  ASSERT_TRUE(Eventually([&] { return !harness_.Events("forbid", "JobAlreadyActive").empty(); }));
  EXPECT_EQ(harness_.Events("forbid", "JobAlreadyActive")[0].value("message", ""),
            "Not starting job because prior execution is running and concurrency policy is "
            "Forbid");
  EXPECT_EQ(OwnedJobs().size(), 1u);

  Finish(JobNameAt("forbid", tick), "Complete", tick);
  // The skipped time is still due (no startingDeadlineSeconds): it runs once the first ends.
  WaitForJob(JobNameAt("forbid", tick + 60));
  ASSERT_TRUE(Eventually([&] {
    json cron_job = GetCronJob("forbid");
    return ActiveCount(cron_job) == 1 &&
           cron_job["status"]["active"][0].value("name", "") == JobNameAt("forbid", tick + 60);
  }));
  EXPECT_EQ(OwnedJobs().size(), 2u);
}

TEST_F(CronJobControllerTest, ReplaceDeletesTheRunningJob) {
  Create(CronJobObject("replace", {{"concurrencyPolicy", "Replace"}}));
  clock_.Advance(kSecond);
  const int64_t tick = FirstTick();
  WaitForJob(JobNameAt("replace", tick));
  ASSERT_TRUE(Eventually([&] { return ActiveCount(GetCronJob("replace")) == 1; }));

  Tick("replace");
  json second = WaitForJob(JobNameAt("replace", tick + 60));
  ASSERT_TRUE(
      Eventually([&] { return harness_.Get(Jobs(), JobNameAt("replace", tick)).is_null(); }));
  ASSERT_TRUE(Eventually([&] {
    json cron_job = GetCronJob("replace");
    return ActiveCount(cron_job) == 1 &&
           cron_job["status"]["active"][0].value("name", "") == NameOf(second);
  }));
  std::vector<json> deleted = harness_.Events("replace", "SuccessfulDelete");
  ASSERT_FALSE(deleted.empty());
  EXPECT_EQ(deleted[0].value("message", ""), "Deleted job " + JobNameAt("replace", tick));
}

TEST_F(CronJobControllerTest, AllowRunsJobsConcurrently) {
  Create(CronJobObject("allow"));
  clock_.Advance(kSecond);
  const int64_t tick = FirstTick();
  WaitForJob(JobNameAt("allow", tick));
  ASSERT_TRUE(Eventually([&] { return ActiveCount(GetCronJob("allow")) == 1; }));
  Tick("allow");
  WaitForJob(JobNameAt("allow", tick + 60));
  ASSERT_TRUE(Eventually([&] { return ActiveCount(GetCronJob("allow")) == 2; }));
}

TEST_F(CronJobControllerTest, HistoryLimitsPruneTheOldestFinishedJobs) {
  Create(
      CronJobObject("history", {{"successfulJobsHistoryLimit", 1}, {"failedJobsHistoryLimit", 1}}));
  clock_.Advance(kSecond);
  const int64_t tick = FirstTick();
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) {
    names.push_back(JobNameAt("history", tick + 60 * i));
    WaitForJob(names.back());
    ASSERT_TRUE(Eventually([&] { return ActiveCount(GetCronJob("history")) == 1; }));
    // Two succeed, two fail, alternating; each started after the one before.
    Finish(names.back(), i % 2 == 0 ? "Complete" : "Failed", tick + 60 * i);
    ASSERT_TRUE(Eventually([&] { return ActiveCount(GetCronJob("history")) == 0; }));
    if (i < 3) Tick("history");
  }
  // Only the newest succeeded (#2) and the newest failed (#3) remain.
  ASSERT_TRUE(Eventually([&] { return OwnedJobs().size() == 2; }));
  EXPECT_TRUE(harness_.Get(Jobs(), names[0]).is_null());
  EXPECT_TRUE(harness_.Get(Jobs(), names[1]).is_null());
  EXPECT_FALSE(harness_.Get(Jobs(), names[2]).is_null());
  EXPECT_FALSE(harness_.Get(Jobs(), names[3]).is_null());
}

TEST_F(CronJobControllerTest, SuspendedCronJobsStartNothingUntilResumed) {
  Create(CronJobObject("paused", {{"suspend", true}}));
  clock_.Advance(kSecond);
  Poke("paused");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(OwnedJobs().empty());
  ASSERT_TRUE(harness_.admin
                  .Patch(CronJobs(), "default", "paused", client::PatchType::kMerge,
                         json{{"spec", {{"suspend", false}}}}.dump())
                  .ok());
  // The missed time is still within reach (no startingDeadlineSeconds).
  WaitForJob(JobNameAt("paused", FirstTick()));
}

TEST_F(CronJobControllerTest, TooManyMissedTimesWarnsAndRunsTheLatest) {
  json cron_job = Create(CronJobObject("late"));
  clock_.Advance(kSecond);
  const int64_t tick = FirstTick();
  WaitForJob(JobNameAt("late", tick));
  ASSERT_TRUE(Eventually([&] { return ActiveCount(GetCronJob("late")) == 1; }));
  // Three hours without the controller.
  clock_.Advance(180 * kMinute);
  Poke("late");
  WaitForJob(JobNameAt("late", tick + 180 * 60));
  ASSERT_TRUE(Eventually([&] { return !harness_.Events("late", "TooManyMissedTimes").empty(); }));
  EXPECT_EQ(OwnedJobs().size(), 2u);
}

}  // namespace
}  // namespace k1s::controllers::cronjob
