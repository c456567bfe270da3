#include "apiserver/eviction.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

json RunningPod(bool ready = true) {
  return {{"metadata", {{"name", "web-1"}, {"namespace", "default"}, {"labels", {{"app", "web"}}}}},
          {"status",
           {{"phase", "Running"},
            {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
}

json Budget(int64_t allowed, int64_t current = 3, int64_t desired = 2) {
  return {{"metadata", {{"name", "web-pdb"}, {"generation", 1}, {"resourceVersion", "7"}}},
          {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}, {"minAvailable", 2}}},
          {"status",
           {{"observedGeneration", 1},
            {"disruptionsAllowed", allowed},
            {"currentHealthy", current},
            {"desiredHealthy", desired}}}};
}

json Body(const absl::Status& status) {
  return json::parse(api::ToHttpError(status).body);
}

TEST(PlanEvictionTest, NoBudgetDeletesWithoutWrites) {
  json budget;
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(), {}, 100, &budget);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(*plan);
}

TEST(PlanEvictionTest, TakesOneDisruptionAndRecordsThePod) {
  json budget;
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(), {Budget(1)}, 0, &budget);
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_TRUE(*plan);
  EXPECT_EQ(budget["status"]["disruptionsAllowed"], 0);
  EXPECT_EQ(budget["status"]["disruptedPods"]["web-1"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(budget["metadata"]["resourceVersion"], "7");
}

TEST(PlanEvictionTest, ExhaustedBudgetAnswers429WithTheUpstreamCause) {
  json scratch;
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(), {Budget(0, 2, 2)}, 0, &scratch);
  ASSERT_FALSE(plan.ok());
  api::HttpError error = api::ToHttpError(plan.status());
  EXPECT_EQ(error.code, 429);
  json body = Body(plan.status());
  EXPECT_EQ(body["reason"], "TooManyRequests");
  EXPECT_EQ(body["message"], "Cannot evict pod as it would violate the pod's disruption budget.");
  EXPECT_EQ(body["details"]["retryAfterSeconds"], 10);
  EXPECT_EQ(body["details"]["causes"][0]["reason"], "DisruptionBudget");
  EXPECT_EQ(body["details"]["causes"][0]["message"],
            "The disruption budget web-pdb needs 2 healthy pods and has 2 currently");
}

TEST(PlanEvictionTest, UnprocessedBudgetBlocks) {
  json scratch;
  json budget = Budget(1);
  budget["metadata"]["generation"] = 2;
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(), {budget}, 0, &scratch);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(Body(plan.status())["details"]["causes"][0]["message"],
            "The disruption budget web-pdb is still being processed by the server.");
}

TEST(PlanEvictionTest, NegativeAllowanceIsForbidden) {
  json scratch;
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(), {Budget(-1)}, 0, &scratch);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(api::ToHttpError(plan.status()).code, 403);
}

TEST(PlanEvictionTest, PodsThatAreNotRunningIgnoreBudgets) {
  json scratch;
  json pod = RunningPod();
  pod["status"]["phase"] = "Succeeded";
  absl::StatusOr<bool> plan = PlanEviction(pod, {Budget(0)}, 0, &scratch);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(*plan);
}

TEST(PlanEvictionTest, UnhealthyPodGoesWhenTheBudgetIsMet) {
  json scratch;
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(/*ready=*/false), {Budget(0, 2, 2)}, 0, &scratch);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(*plan);
  // Below the budget an unhealthy pod is still protected (IfHealthyBudget).
  plan = PlanEviction(RunningPod(false), {Budget(0, 1, 2)}, 0, &scratch);
  EXPECT_FALSE(plan.ok());
}

TEST(PlanEvictionTest, BudgetsThatSelectOtherPodsDoNotCount) {
  json scratch;
  json other = Budget(0);
  other["spec"]["selector"]["matchLabels"]["app"] = "db";
  json missing = Budget(0);
  missing["spec"].erase("selector");
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(), {other, missing}, 0, &scratch);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(*plan);
}

TEST(PlanEvictionTest, AnEmptySelectorCoversEveryPod) {
  json scratch;
  json everything = Budget(0);
  everything["spec"]["selector"] = json::object();
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(), {everything}, 0, &scratch);
  EXPECT_EQ(api::ToHttpError(plan.status()).code, 429) << plan.status();
}

TEST(PlanEvictionTest, TwoCoveringBudgetsAreAnInternalError) {
  json scratch;
  absl::StatusOr<bool> plan = PlanEviction(RunningPod(), {Budget(1), Budget(1)}, 0, &scratch);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(api::ToHttpError(plan.status()).code, 500);
}

}  // namespace
}  // namespace k1s::apiserver
