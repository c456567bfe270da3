// Deletion order of pods when a ReplicaSet scales down (upstream ActivePodsWithRanks).
#include "controllers/replicaset/pod_ranking.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/timestamps.h"
#include "base/clock.h"

namespace k1s::controllers::replicaset {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;

struct PodSpec {
  std::string name{};
  std::string node{};
  std::string phase = "Running";
  bool ready = true;
  int64_t ready_age = 3600;    // seconds since Ready
  int64_t created_age = 7200;  // seconds since creation
  int32_t restarts = 0;
  std::string cost{};  // pod-deletion-cost annotation
};

client::ObjectPtr Pod(const PodSpec& spec) {
  json pod = {{"metadata",
               {{"name", spec.name},
                {"namespace", "default"},
                {"uid", "uid-" + spec.name},
                {"creationTimestamp", api::FormatTimestamp(kNow - spec.created_age)}}},
              {"spec", json::object()},
              {"status",
               {{"phase", spec.phase},
                {"conditions",
                 {{{"type", "Ready"},
                   {"status", spec.ready ? "True" : "False"},
                   {"lastTransitionTime", api::FormatTimestamp(kNow - spec.ready_age)}}}},
                {"containerStatuses", {{{"name", "app"}, {"restartCount", spec.restarts}}}}}}};
  if (!spec.node.empty()) pod["spec"]["nodeName"] = spec.node;
  if (!spec.cost.empty()) {
    pod["metadata"]["annotations"] = {{"controller.kubernetes.io/pod-deletion-cost", spec.cost}};
  }
  return std::make_shared<const json>(std::move(pod));
}

std::vector<std::string> Order(const std::vector<client::ObjectPtr>& pods,
                               const std::vector<client::ObjectPtr>& related = {}) {
  std::vector<std::string> names;
  for (const client::ObjectPtr& pod : PodsToDelete(
           pods, related, static_cast<int32_t>(pods.size()) - 1, kNow * base::kNanosPerSecond)) {
    names.push_back((*pod)["metadata"]["name"]);
  }
  return names;
}

TEST(PodRankingTest, UnassignedPendingAndNotReadyGoFirst) {
  std::vector<client::ObjectPtr> pods = {
      Pod({.name = "ready", .node = "n1"}),
      Pod({.name = "not-ready", .node = "n1", .ready = false}),
      Pod({.name = "pending", .node = "n1", .phase = "Pending", .ready = false}),
      Pod({.name = "unassigned", .phase = "Pending", .ready = false}),
      Pod({.name = "unknown", .node = "n1", .phase = "Unknown", .ready = false}),
      Pod({.name = "ready-2", .node = "n1"}),
  };
  EXPECT_EQ(Order(pods),
            (std::vector<std::string>{"unassigned", "pending", "unknown", "not-ready", "ready"}));
}

TEST(PodRankingTest, DeletionCostThenColocationThenRecentReadiness) {
  std::vector<client::ObjectPtr> pods = {
      Pod({.name = "old-ready", .node = "n1", .ready_age = 86400}),
      Pod({.name = "new-ready", .node = "n1", .ready_age = 10}),
      Pod({.name = "crowded", .node = "n2", .ready_age = 86400}),
      Pod({.name = "cheap", .node = "n1", .ready_age = 86400, .cost = "-5"}),
  };
  // Siblings crowd n2.
  std::vector<client::ObjectPtr> related = {Pod({.name = "s1", .node = "n2"}),
                                            Pod({.name = "s2", .node = "n2"}),
                                            Pod({.name = "s3", .node = "n1"})};
  EXPECT_EQ(Order(pods, related), (std::vector<std::string>{"cheap", "crowded", "new-ready"}));
}

TEST(PodRankingTest, RestartsThenNewerCreationBreakTies) {
  std::vector<client::ObjectPtr> pods = {
      Pod({.name = "old", .node = "n1", .created_age = 86400}),
      Pod({.name = "restarting", .node = "n1", .created_age = 86400, .restarts = 4}),
      Pod({.name = "young", .node = "n1", .created_age = 60}),
  };
  EXPECT_EQ(Order(pods), (std::vector<std::string>{"restarting", "young"}));
}

TEST(PodRankingTest, ReturnsEveryPodWithoutSortingWhenAllGo) {
  std::vector<client::ObjectPtr> pods = {Pod({.name = "a"}), Pod({.name = "b"})};
  EXPECT_EQ(PodsToDelete(pods, {}, 5, 0).size(), 2u);
  EXPECT_TRUE(PodsToDelete(pods, {}, 0, 0).empty());
}

}  // namespace
}  // namespace k1s::controllers::replicaset
