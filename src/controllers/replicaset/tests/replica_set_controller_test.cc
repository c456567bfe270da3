// The ReplicaSet controller against a real apiserver: creating and deleting pods to match
// spec.replicas, deletion order, adoption and release, status, failures and minReadySeconds.
#include "controllers/replicaset/replica_set_controller.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/testing/controller_harness.h"

namespace k1s::controllers {
namespace {

using client::resources::Pods;
using client::resources::ReplicaSets;
using client::testing::Eventually;
using client::testing::MarkPodRunning;
using nlohmann::json;

json ReplicaSet(const std::string& name, int32_t replicas, json pod_spec = json::object()) {
  if (pod_spec.empty()) pod_spec = {{"containers", {{{"name", "app"}, {"image", "nginx"}}}}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "ReplicaSet"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}, {"tier", "web"}}}}}, {"spec", pod_spec}}}}}};
}

std::string UidOf(const json& object) { return object["metadata"].value("uid", ""); }

std::string ControllerUid(const json& pod) {
  for (const json& ref : pod["metadata"].value("ownerReferences", json::array())) {
    if (ref.value("controller", false)) return ref.value("uid", "");
  }
  return "";
}

json Conditions(const json& rs) {
  if (!rs.contains("status") || !rs["status"].is_object()) return json::array();
  return rs["status"].value("conditions", json::array());
}

int64_t StatusField(const json& rs, const char* field) {
  return rs.contains("status") ? rs["status"].value(field, int64_t{0}) : 0;
}

class ReplicaSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    harness_.Start<ReplicaSetController>();
  }

  json Create(const json& rs) {
    absl::StatusOr<json> created = harness_.admin.Create(ReplicaSets(), "default", rs);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  void Scale(const std::string& name, int32_t replicas) {
    ASSERT_TRUE(harness_.admin
                    .Patch(ReplicaSets(), "default", name, client::PatchType::kMerge,
                           json{{"spec", {{"replicas", replicas}}}}.dump())
                    .ok());
  }

  testing::ControllerHarness harness_;
};

TEST_F(ReplicaSetControllerTest, CreatesPodsFromTheTemplateAndCountsThem) {
  json rs = Create(ReplicaSet("web", 3));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=web").size() == 3; }));
  std::vector<json> pods = harness_.ActivePods("app=web");
  for (const json& pod : pods) {
    EXPECT_EQ(pod["metadata"].value("generateName", ""), "web-");
    EXPECT_EQ(pod["metadata"]["labels"].value("tier", ""), "web");
    EXPECT_EQ(ControllerUid(pod), UidOf(rs));
    EXPECT_EQ(pod["metadata"]["ownerReferences"][0].value("kind", ""), "ReplicaSet");
  }
  ASSERT_TRUE(Eventually([&] {
    json current = harness_.Get(ReplicaSets(), "web");
    return StatusField(current, "replicas") == 3 &&
           StatusField(current, "fullyLabeledReplicas") == 3 &&
           StatusField(current, "observedGeneration") == current["metadata"].value("generation", 0);
  }));
  // Two pods become ready (available at once: minReadySeconds is 0).
  ASSERT_TRUE(MarkPodRunning(harness_.admin, "default", pods[0]["metadata"]["name"]).ok());
  ASSERT_TRUE(MarkPodRunning(harness_.admin, "default", pods[1]["metadata"]["name"]).ok());
  ASSERT_TRUE(Eventually([&] {
    json current = harness_.Get(ReplicaSets(), "web");
    return StatusField(current, "readyReplicas") == 2 &&
           StatusField(current, "availableReplicas") == 2;
  }));
  std::vector<json> created;
  ASSERT_TRUE(Eventually([&] {
    created = harness_.Events("web", "SuccessfulCreate");
    return !created.empty();
  }));
  EXPECT_EQ(created[0]["source"].value("component", ""), "replicaset-controller");
  EXPECT_EQ(created[0].value("message", "").rfind("Created pod: web-", 0), 0u);
  // Exactly three pods, even after more syncs.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(harness_.ActivePods("app=web").size(), 3u);
}

TEST_F(ReplicaSetControllerTest, ScalingDownDeletesNotReadyPodsFirst) {
  Create(ReplicaSet("api", 3));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=api").size() == 3; }));
  std::vector<json> pods = harness_.ActivePods("app=api");
  const std::string not_ready = pods[1]["metadata"]["name"];
  ASSERT_TRUE(MarkPodRunning(harness_.admin, "default", pods[0]["metadata"]["name"]).ok());
  ASSERT_TRUE(MarkPodRunning(harness_.admin, "default", not_ready, /*ready=*/false).ok());
  ASSERT_TRUE(MarkPodRunning(harness_.admin, "default", pods[2]["metadata"]["name"]).ok());
  ASSERT_TRUE(Eventually(
      [&] { return StatusField(harness_.Get(ReplicaSets(), "api"), "readyReplicas") == 2; }));

  Scale("api", 2);
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=api").size() == 2; }));
  for (const json& pod : harness_.ActivePods("app=api")) {
    EXPECT_NE(pod["metadata"].value("name", ""), not_ready);
  }
  // The event follows the delete: wait for it.
  std::vector<json> deleted;
  ASSERT_TRUE(Eventually([&] {
    deleted = harness_.Events("api", "SuccessfulDelete");
    return !deleted.empty();
  }));
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].value("message", ""), "Deleted pod: " + not_ready);
  ASSERT_TRUE(Eventually([&] {
    json current = harness_.Get(ReplicaSets(), "api");
    return StatusField(current, "replicas") == 2 && StatusField(current, "readyReplicas") == 2;
  }));
}

TEST_F(ReplicaSetControllerTest, AdoptsAMatchingOrphanInsteadOfCreating) {
  json orphan = {
      {"metadata", {{"name", "stray"}, {"namespace", "default"}, {"labels", {{"app", "adopt"}}}}},
      {"spec", {{"containers", {{{"name", "app"}, {"image", "nginx"}}}}}}};
  ASSERT_TRUE(harness_.admin.Create(Pods(), "default", orphan).ok());
  json rs = Create(ReplicaSet("adopt", 2));
  ASSERT_TRUE(Eventually([&] {
    return ControllerUid(harness_.Get(Pods(), "stray")) == UidOf(rs) &&
           harness_.ActivePods("app=adopt").size() == 2;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<json> pods = harness_.ActivePods("app=adopt");
  EXPECT_EQ(pods.size(), 2u);
  for (const json& pod : pods) EXPECT_EQ(ControllerUid(pod), UidOf(rs));
}

TEST_F(ReplicaSetControllerTest, ReleasesAPodWhoseLabelsNoLongerMatch) {
  json rs = Create(ReplicaSet("rel", 1));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=rel").size() == 1; }));
  const std::string first = harness_.ActivePods("app=rel")[0]["metadata"]["name"];
  ASSERT_TRUE(harness_.admin
                  .Patch(Pods(), "default", first, client::PatchType::kMerge,
                         R"({"metadata":{"labels":{"app":"debugging"}}})")
                  .ok());
  // Released (no controller any more), and replaced by a new pod.
  ASSERT_TRUE(Eventually([&] {
    std::vector<json> pods = harness_.ActivePods("app=rel");
    return ControllerUid(harness_.Get(Pods(), first)).empty() && pods.size() == 1 &&
           pods[0]["metadata"].value("name", "") != first && ControllerUid(pods[0]) == UidOf(rs);
  }));
}

TEST_F(ReplicaSetControllerTest, ReportsFailedCreatesAsReplicaFailure) {
  json pod_spec = {{"serviceAccountName", "ghost"},
                   {"containers", {{{"name", "app"}, {"image", "nginx"}}}}};
  Create(ReplicaSet("broken", 2, pod_spec));
  ASSERT_TRUE(Eventually([&] {
    json current = harness_.Get(ReplicaSets(), "broken");
    for (const json& c : Conditions(current)) {
      if (c.value("type", "") == "ReplicaFailure") {
        return c.value("reason", "") == "FailedCreate" && c.value("status", "") == "True" &&
               c.value("message", "").find("ghost") != std::string::npos;
      }
    }
    return false;
  }));
  std::vector<json> failed;
  ASSERT_TRUE(Eventually([&] {
    failed = harness_.Events("broken", "FailedCreate");
    return !failed.empty();
  }));
  EXPECT_EQ(failed[0].value("type", ""), "Warning");
  EXPECT_EQ(failed[0].value("message", "").rfind("Error creating: ", 0), 0u);
  EXPECT_TRUE(harness_.ActivePods("app=broken").empty());

  // Once pods can be created the condition goes away.
  json account = {{"metadata", {{"name", "ghost"}, {"namespace", "default"}}}};
  ASSERT_TRUE(harness_.admin.Create(client::resources::ServiceAccounts(), "default", account).ok());
  ASSERT_TRUE(Eventually([&] {
    json current = harness_.Get(ReplicaSets(), "broken");
    return harness_.ActivePods("app=broken").size() == 2 && Conditions(current).empty();
  }));
}

TEST_F(ReplicaSetControllerTest, CountsPodsAvailableAfterMinReadySeconds) {
  json rs = ReplicaSet("slow", 1);
  rs["spec"]["minReadySeconds"] = 1;
  Create(rs);
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=slow").size() == 1; }));
  harness_.MarkAllReady("app=slow");
  ASSERT_TRUE(Eventually(
      [&] { return StatusField(harness_.Get(ReplicaSets(), "slow"), "readyReplicas") == 1; }));
  EXPECT_EQ(StatusField(harness_.Get(ReplicaSets(), "slow"), "availableReplicas"), 0);
  // Nothing changes in the cluster; the controller's own requeue makes the pod available.
  ASSERT_TRUE(Eventually(
      [&] { return StatusField(harness_.Get(ReplicaSets(), "slow"), "availableReplicas") == 1; },
      std::chrono::seconds(4)));
}

}  // namespace
}  // namespace k1s::controllers
