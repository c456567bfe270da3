// The disruption controller's pure parts: int-or-percent scaling, Go-formatted selectors,
// disruptedPods bookkeeping, healthy counts, stale DisruptionTarget timing and the status /
// condition it writes.
#include "controllers/disruption/pdb_util.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "controllers/disruption/controller_finder.h"
#include "controllers/disruption/pdb_status.h"

namespace k1s::controllers::disruption {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;  // seconds
constexpr int64_t kNowNanos = kNow * base::kNanosPerSecond;

client::ObjectPtr Pod(const std::string& name, bool ready, bool deleting = false) {
  json pod = {{"metadata", {{"name", name}, {"namespace", "apps"}}},
              {"status",
               {{"phase", "Running"},
                {"conditions", {{{"type", "Ready"}, {"status", ready ? "True" : "False"}}}}}}};
  if (deleting) pod["metadata"]["deletionTimestamp"] = api::FormatTimestamp(kNow);
  return std::make_shared<const json>(std::move(pod));
}

TEST(ScaledValueTest, IntegersAndPercents) {
  EXPECT_EQ(*ScaledValue(json(3), 10, true), 3);
  EXPECT_EQ(*ScaledValue(json("34%"), 3, true), 2);  // 1.02 rounds up
  EXPECT_EQ(*ScaledValue(json("34%"), 3, false), 1);
  EXPECT_EQ(*ScaledValue(json("50%"), 0, true), 0);
  EXPECT_EQ(*ScaledValue(json("100%"), 7, true), 7);
}

TEST(ScaledValueTest, UpstreamErrors) {
  EXPECT_EQ(ScaledValue(json("5"), 3, true).status().message(),
            "invalid value for IntOrString: invalid type: string is not a percentage");
  EXPECT_EQ(ScaledValue(json("x%"), 3, true).status().message(),
            "invalid value for IntOrString: invalid value \"x%\": strconv.Atoi: parsing \"x\": "
            "invalid syntax");
  EXPECT_EQ(ScaledValue(json(), 3, true).status().message(), "nil value for IntOrString");
}

TEST(GoSelectorStringTest, PrintsLikeGo) {
  json selector = {
      {"matchLabels", {{"tier", "web"}, {"app", "shop"}}},
      {"matchExpressions", {{{"key", "env"}, {"operator", "In"}, {"values", {"prod", "qa"}}}}}};
  EXPECT_EQ(GoSelectorString(selector),
            "&LabelSelector{MatchLabels:map[string]string{app: shop,tier: web,},"
            "MatchExpressions:[]LabelSelectorRequirement{LabelSelectorRequirement{Key:env,"
            "Operator:In,Values:[prod qa],},},}");
  EXPECT_EQ(GoSelectorString(json()), "nil");
}

TEST(DisruptedPodsTest, KeepsRecentEntriesDropsExpiredAndDeleting) {
  json pdb = {{"status",
               {{"disruptedPods",
                 {{"recent", api::FormatTimestamp(kNow - 10)},
                  {"old", api::FormatTimestamp(kNow - 121)},
                  {"deleting", api::FormatTimestamp(kNow - 5)},
                  {"gone", api::FormatTimestamp(kNow - 5)}}}}}};
  std::vector<client::ObjectPtr> pods = {Pod("recent", true), Pod("old", true),
                                         Pod("deleting", true, true), Pod("other", true)};
  DisruptedPods result = BuildDisruptedPods(pods, pdb, kNowNanos);
  EXPECT_EQ(result.kept, (std::map<std::string, int64_t>{{"recent", kNow - 10}}));
  ASSERT_EQ(result.expired.size(), 1u);
  EXPECT_EQ(MetaString(*result.expired[0], "name"), "old");
  ASSERT_TRUE(result.recheck_at_nanos.has_value());
  EXPECT_EQ(*result.recheck_at_nanos, (kNow - 10 + 120) * base::kNanosPerSecond);

  // Healthy: ready, not deleting, not recently disrupted.
  EXPECT_EQ(CountHealthyPods(pods, result.kept, kNowNanos), 2);  // "old" and "other"
}

TEST(StaleDisruptionWaitTest, OnlyNonTerminatingPodsWithAnEvictionCondition) {
  auto with_condition = [](std::string reason, int64_t since) {
    return json{{"metadata", {{"name", "p"}}},
                {"status",
                 {{"phase", "Running"},
                  {"conditions",
                   {{{"type", "DisruptionTarget"},
                     {"status", "True"},
                     {"reason", reason},
                     {"lastTransitionTime", api::FormatTimestamp(since)}}}}}}};
  };
  const int64_t timeout = kStalePodDisruptionTimeoutNanos;
  EXPECT_EQ(
      StaleDisruptionWait(with_condition("EvictionByEvictionAPI", kNow - 30), kNowNanos, timeout),
      90 * base::kNanosPerSecond);
  EXPECT_EQ(
      StaleDisruptionWait(with_condition("EvictionByEvictionAPI", kNow - 300), kNowNanos, timeout),
      0);
  EXPECT_FALSE(
      StaleDisruptionWait(with_condition("TerminationByKubelet", kNow - 300), kNowNanos, timeout));
  json terminating = with_condition("EvictionByEvictionAPI", kNow - 300);
  terminating["metadata"]["deletionTimestamp"] = api::FormatTimestamp(kNow);
  EXPECT_FALSE(StaleDisruptionWait(terminating, kNowNanos, timeout));
  json failed = with_condition("EvictionByEvictionAPI", kNow - 300);
  failed["status"]["phase"] = "Failed";
  EXPECT_FALSE(StaleDisruptionWait(failed, kNowNanos, timeout));
  EXPECT_FALSE(StaleDisruptionWait(*Pod("plain", true), kNowNanos, timeout));
}

TEST(PdbStatusTest, WritesCountsAndSufficientPodsCondition) {
  json pdb = {{"metadata", {{"name", "web"}, {"generation", 2}}}};
  BudgetCounts counts{3, 2, 3, {}};
  std::optional<json> status = UpdatedStatus(pdb, counts, kNow);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, json({{"currentHealthy", 3},
                           {"desiredHealthy", 2},
                           {"expectedPods", 3},
                           {"disruptionsAllowed", 1},
                           {"observedGeneration", 2},
                           {"conditions",
                            {{{"type", "DisruptionAllowed"},
                              {"status", "True"},
                              {"reason", "SufficientPods"},
                              {"message", ""},
                              {"observedGeneration", 2},
                              {"lastTransitionTime", api::FormatTimestamp(kNow)}}}}}));
  // Stored as computed: nothing to write.
  pdb["status"] = *status;
  EXPECT_FALSE(UpdatedStatus(pdb, counts, kNow + 50).has_value());
  // A new generation alone is written.
  pdb["metadata"]["generation"] = 3;
  EXPECT_TRUE(UpdatedStatus(pdb, counts, kNow + 50).has_value());
}

TEST(PdbStatusTest, TransitionTimeMovesOnlyWithTheStatus) {
  json pdb = {{"metadata", {{"generation", 1}}}};
  pdb["status"] = *UpdatedStatus(pdb, BudgetCounts{3, 2, 3, {}}, kNow);
  // Down to no disruption: False / InsufficientPods, new transition time.
  json down = *UpdatedStatus(pdb, BudgetCounts{2, 2, 3, {}}, kNow + 10);
  EXPECT_EQ(down["disruptionsAllowed"], 0);
  EXPECT_EQ(down["conditions"][0]["status"], "False");
  EXPECT_EQ(down["conditions"][0]["reason"], "InsufficientPods");
  EXPECT_EQ(down["conditions"][0]["lastTransitionTime"], api::FormatTimestamp(kNow + 10));
  pdb["status"] = down;
  // Still none allowed: the transition time stays.
  json still = *UpdatedStatus(pdb, BudgetCounts{1, 2, 3, {}}, kNow + 20);
  EXPECT_EQ(still["conditions"][0]["lastTransitionTime"], api::FormatTimestamp(kNow + 10));
}

TEST(PdbStatusTest, NoExpectedPodsAllowsNothingAndDisruptedPodsAreKept) {
  json pdb = {{"metadata", {{"generation", 1}}}};
  EXPECT_EQ(DisruptionsAllowed(BudgetCounts{3, 0, 0, {}}), 0);
  EXPECT_EQ(DisruptionsAllowed(BudgetCounts{1, 2, 3, {}}), 0);
  json status = *UpdatedStatus(pdb, BudgetCounts{2, 2, 3, {{"a", kNow}}}, kNow);
  EXPECT_EQ(status["disruptedPods"], json({{"a", api::FormatTimestamp(kNow)}}));
}

TEST(PdbStatusTest, FailSafeZeroesTheAllowanceWithSyncFailed) {
  json pdb = {{"metadata", {{"generation", 1}}}};
  pdb["status"] = *UpdatedStatus(pdb, BudgetCounts{3, 2, 3, {}}, kNow);
  json status = FailSafeStatus(pdb, "found no controllers for pod \"x\"", kNow + 5);
  EXPECT_EQ(status["disruptionsAllowed"], 0);
  EXPECT_EQ(status["currentHealthy"], 3);
  ASSERT_EQ(status["conditions"].size(), 1u);
  EXPECT_EQ(status["conditions"][0]["status"], "False");
  EXPECT_EQ(status["conditions"][0]["reason"], "SyncFailed");
  EXPECT_EQ(status["conditions"][0]["message"], "found no controllers for pod \"x\"");
  EXPECT_EQ(status["conditions"][0]["lastTransitionTime"], api::FormatTimestamp(kNow + 5));
}

TEST(ParseGroupVersionTest, LikeSchema) {
  EXPECT_EQ(*ParseGroupVersion("v1"), (std::pair<std::string, std::string>{"", "v1"}));
  EXPECT_EQ(*ParseGroupVersion("apps/v1"), (std::pair<std::string, std::string>{"apps", "v1"}));
  EXPECT_EQ(*ParseGroupVersion(""), (std::pair<std::string, std::string>{"", ""}));
  EXPECT_EQ(ParseGroupVersion("a/b/c").status().message(), "unexpected GroupVersion string: a/b/c");
}

}  // namespace
}  // namespace k1s::controllers::disruption
