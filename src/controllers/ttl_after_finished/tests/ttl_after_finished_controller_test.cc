// The TTL-after-finished controller against a real apiserver, driven by a FakeClock. No Job
// controller runs: tests finish Jobs by writing their status.
#include "controllers/ttl_after_finished/ttl_after_finished_controller.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/timestamps.h"
#include "base/testing/fake_clock.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/job/testing/batch_harness.h"

namespace k1s::controllers::ttl_after_finished {
namespace {

using client::resources::Jobs;
using client::testing::Eventually;
using nlohmann::json;

constexpr int64_t kSecond = base::kNanosPerSecond;

json JobObject(const std::string& name, std::optional<int64_t> ttl) {
  json job = {{"apiVersion", "batch/v1"},
              {"kind", "Job"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec",
               {{"template",
                 {{"spec",
                   {{"restartPolicy", "Never"},
                    {"containers", {{{"name", "app"}, {"image", "busybox"}}}}}}}}}}};
  if (ttl) job["spec"]["ttlSecondsAfterFinished"] = *ttl;
  return job;
}

bool GoneOrDeleting(const json& job) {
  return job.is_null() || job["metadata"].contains("deletionTimestamp");
}

class TtlAfterFinishedControllerTest : public ::testing::Test {
 protected:
  TtlAfterFinishedControllerTest() : clock_(base::RealClock().NowUnixNanos()), harness_(clock_) {}

  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    harness_.Start<TtlAfterFinishedController>();
  }

  void Create(const json& job) {
    absl::StatusOr<json> created = harness_.admin.Create(Jobs(), "default", job);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  // Marks the Job finished now (by the fake clock).
  void Finish(const std::string& name, const std::string& type) {
    json job = harness_.Get(Jobs(), name);
    ASSERT_FALSE(job.is_null());
    std::string now = api::FormatTimestamp(clock_.NowUnixNanos() / kSecond);
    job["status"] = {
        {"startTime", now},
        {"conditions", {{{"type", type}, {"status", "True"}, {"lastTransitionTime", now}}}}};
    ASSERT_TRUE(harness_.admin.UpdateStatus(Jobs(), job).ok());
  }

  void Poke(const std::string& name) {
    ++pokes_;
    ASSERT_TRUE(
        harness_.admin
            .Patch(Jobs(), "default", name, client::PatchType::kMerge,
                   json{{"metadata", {{"labels", {{"poke", std::to_string(pokes_)}}}}}}.dump())
            .ok());
  }

  base::FakeClock clock_;
  job::testing::BatchHarness harness_;
  int pokes_ = 0;
};

TEST_F(TtlAfterFinishedControllerTest, DeletesAFinishedJobOnceItsTtlExpires) {
  Create(JobObject("done", 60));
  Finish("done", "Complete");
  Poke("done");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(GoneOrDeleting(harness_.Get(Jobs(), "done")));

  clock_.Advance(61 * kSecond);
  Poke("done");
  ASSERT_TRUE(Eventually([&] { return GoneOrDeleting(harness_.Get(Jobs(), "done")); },
                         std::chrono::seconds(3)));
  // Foreground propagation: the garbage collector removes the pods first.
  json job = harness_.Get(Jobs(), "done");
  if (!job.is_null()) {
    json finalizers = job["metadata"].value("finalizers", json::array());
    EXPECT_NE(std::find(finalizers.begin(), finalizers.end(), "foregroundDeletion"),
              finalizers.end());
  }
}

TEST_F(TtlAfterFinishedControllerTest, FailedJobsWithZeroTtlGoAtOnce) {
  Create(JobObject("failed", 0));
  Finish("failed", "Failed");
  ASSERT_TRUE(Eventually([&] { return GoneOrDeleting(harness_.Get(Jobs(), "failed")); },
                         std::chrono::seconds(3)));
}

TEST_F(TtlAfterFinishedControllerTest, KeepsRunningJobsAndJobsWithoutTtl) {
  Create(JobObject("running", 0));
  Create(JobObject("forever", std::nullopt));
  Finish("forever", "Complete");
  clock_.Advance(3600 * kSecond);
  Poke("running");
  Poke("forever");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(GoneOrDeleting(harness_.Get(Jobs(), "running")));
  EXPECT_FALSE(GoneOrDeleting(harness_.Get(Jobs(), "forever")));
}

TEST(JobTimeLeftTest, CountsFromTheFinishedCondition) {
  json job = {{"metadata", {{"name", "j"}, {"namespace", "ns"}}},
              {"spec", {{"ttlSecondsAfterFinished", 100}}},
              {"status",
               {{"conditions",
                 {{{"type", "Failed"},
                   {"status", "True"},
                   {"lastTransitionTime", "2024-01-01T00:00:00Z"}}}}}}};
  int64_t finished = 1704067200;
  absl::StatusOr<int64_t> left = JobTimeLeftNanos(job, (finished + 30) * kSecond);
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(*left, 70 * kSecond);
  job["status"]["conditions"][0].erase("lastTransitionTime");
  EXPECT_EQ(JobTimeLeftNanos(job, 0).status().message(),
            "unable to find the time when the Job ns/j finished");
  job["status"]["conditions"][0]["status"] = "False";
  EXPECT_FALSE(JobTimeLeftNanos(job, 0).ok());
}

}  // namespace
}  // namespace k1s::controllers::ttl_after_finished
