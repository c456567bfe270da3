// The StatefulSet controller against a real apiserver. The test plays the kubelet (marking pods
// running and ready, finishing graceful deletions); no scheduler or garbage collector runs.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "base/clock.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/testing/controller_harness.h"
#include "controllers/statefulset/statefulset_controller.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using nlohmann::json;

constexpr char kNamespace[] = "data";
constexpr auto kTimeout = std::chrono::seconds(4);

class StatefulSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    ASSERT_TRUE(harness_.cluster().CreateNamespace(kNamespace).ok());
    controller_ = &harness_.Start<StatefulSetController>();
  }

  // A set "web" of `replicas` nginx pods with a "www" claim template.
  json StatefulSet(int32_t replicas, const json& extra_spec = json::object()) {
    json container = {{"name", "nginx"}, {"image", "nginx:1"}};
    json claim = {{"metadata", {{"name", "www"}}},
                  {"spec",
                   {{"accessModes", {"ReadWriteOnce"}},
                    {"resources", {{"requests", {{"storage", "1Gi"}}}}}}}};
    json spec = {{"replicas", replicas},
                 {"serviceName", "web"},
                 {"selector", {{"matchLabels", {{"app", "web"}}}}},
                 {"template",
                  {{"metadata", {{"labels", {{"app", "web"}}}}},
                   {"spec", {{"containers", json::array({container})}}}}},
                 {"volumeClaimTemplates", json::array({claim})}};
    spec.update(extra_spec);
    return {{"apiVersion", "apps/v1"},
            {"kind", "StatefulSet"},
            {"metadata", {{"name", "web"}, {"namespace", kNamespace}}},
            {"spec", spec}};
  }

  json Create(const json& set) {
    auto created = admin_.Create(client::resources::StatefulSets(), kNamespace, set);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  void Change(const std::function<void(json&)>& change) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto set = admin_.Get(client::resources::StatefulSets(), kNamespace, "web");
      ASSERT_TRUE(set.ok()) << set.status();
      change(*set);
      if (admin_.Update(client::resources::StatefulSets(), *set).ok()) return;
    }
    FAIL() << "could not update the set";
  }

  std::optional<json> Pod(const std::string& name) {
    auto pod = admin_.Get(client::resources::Pods(), kNamespace, name);
    if (!pod.ok()) return std::nullopt;
    return *pod;
  }

  std::set<std::string> PodNames() {
    std::set<std::string> names;
    auto list = admin_.List(client::resources::Pods(), kNamespace);
    if (!list.ok()) return names;
    for (const json& pod : (*list)["items"]) names.insert(pod["metadata"]["name"]);
    return names;
  }

  void Run(const std::string& name) {
    auto pod = client::testing::MarkPodRunning(admin_, kNamespace, name);
    ASSERT_TRUE(pod.ok()) << name << ": " << pod.status();
  }

  // Plays the kubelet for every pod not yet running.
  void RunAll() {
    auto list = admin_.List(client::resources::Pods(), kNamespace);
    if (!list.ok()) return;
    for (const json& pod : (*list)["items"]) {
      if (pod["status"].value("phase", "") == "Running") continue;
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      (void)client::testing::MarkPodRunning(admin_, kNamespace, pod["metadata"]["name"]);
    }
  }

  json Status() {
    auto set = admin_.Get(client::resources::StatefulSets(), kNamespace, "web");
    if (!set.ok() || !(*set)["status"].is_object()) return json::object();
    return (*set)["status"];
  }

  std::string Image(const std::string& pod) {
    std::optional<json> stored = Pod(pod);
    return stored ? (*stored)["spec"]["containers"][0].value("image", "") : "";
  }

  bool HasEvent(const std::string& reason, const std::string& message_part) {
    return harness_.HasEvent(reason, message_part);
  }

  testing::ControllerHarness harness_;
  client::Client& admin_ = harness_.admin;
  StatefulSetController* controller_ = nullptr;
};

TEST_F(StatefulSetControllerTest, OrderedReadyCreatesPodsOneAtATimeWithClaims) {
  json set = Create(StatefulSet(3));
  ASSERT_TRUE(Eventually([&] { return Pod("web-0").has_value(); }, kTimeout));
  // web-0 is not ready yet: web-1 must wait.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(PodNames(), std::set<std::string>{"web-0"});

  json pod = *Pod("web-0");
  EXPECT_EQ(pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"], "web-0");
  EXPECT_EQ(pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"], "0");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], set["metadata"]["uid"]);
  EXPECT_EQ(pod["spec"]["hostname"], "web-0");
  EXPECT_EQ(pod["spec"]["subdomain"], "web");
  ASSERT_TRUE(pod["spec"]["volumes"].is_array());
  EXPECT_EQ(pod["spec"]["volumes"][0]["name"], "www");
  EXPECT_EQ(pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"], "www-web-0");
  std::string revision = pod["metadata"]["labels"]["controller-revision-hash"];
  EXPECT_EQ(revision.rfind("web-", 0), 0u) << revision;

  auto claim = admin_.Get(client::resources::PersistentVolumeClaims(), kNamespace, "www-web-0");
  ASSERT_TRUE(claim.ok()) << claim.status();
  EXPECT_EQ((*claim)["metadata"]["labels"]["app"], "web");
  EXPECT_FALSE((*claim)["metadata"].contains("ownerReferences")) << "Retain/Retain";
  EXPECT_TRUE(
      HasEvent("SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success"));
  EXPECT_TRUE(HasEvent("SuccessfulCreate", "create Pod web-0 in StatefulSet web successful"));

  Run("web-0");
  ASSERT_TRUE(Eventually([&] { return Pod("web-1").has_value(); }, kTimeout));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(Pod("web-2").has_value());
  Run("web-1");
  ASSERT_TRUE(Eventually([&] { return Pod("web-2").has_value(); }, kTimeout));
  Run("web-2");
  ASSERT_TRUE(Eventually([&] { return Status().value("readyReplicas", 0) == 3; }, kTimeout));
  json status = Status();
  EXPECT_EQ(status["replicas"], 3);
  EXPECT_EQ(status["availableReplicas"], 3);
  EXPECT_EQ(status["currentReplicas"], 3);
  EXPECT_EQ(status["updatedReplicas"], 3);
  EXPECT_EQ(status["currentRevision"], revision);
  EXPECT_EQ(status["updateRevision"], revision);
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_EQ(status["collisionCount"], 0);

  auto revisions = admin_.List(client::resources::ControllerRevisions(), kNamespace);
  ASSERT_TRUE(revisions.ok());
  ASSERT_EQ((*revisions)["items"].size(), 1u);
  EXPECT_EQ((*revisions)["items"][0]["metadata"]["name"], revision);
  EXPECT_EQ((*revisions)["items"][0]["revision"], 1);
  EXPECT_EQ((*revisions)["items"][0]["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
  for (const char* name : {"www-web-1", "www-web-2"}) {
    EXPECT_TRUE(admin_.Get(client::resources::PersistentVolumeClaims(), kNamespace, name).ok());
  }
}

TEST_F(StatefulSetControllerTest, ScalesDownInReverseOrdinalOrder) {
  // Bound pods terminate gracefully, so the order of deletions is visible.
  Create(StatefulSet(3, {{"template",
                          {{"metadata", {{"labels", {{"app", "web"}}}}},
                           {"spec",
                            {{"nodeName", "node-1"},
                             {"containers", {{{"name", "nginx"}, {"image", "nginx:1"}}}}}}}}}));
  for (const char* name : {"web-0", "web-1", "web-2"}) {
    ASSERT_TRUE(Eventually([&] { return Pod(name).has_value(); }, kTimeout)) << name;
    Run(name);
  }
  ASSERT_TRUE(Eventually([&] { return Status().value("readyReplicas", 0) == 3; }, kTimeout));

  Change([](json& set) { set["spec"]["replicas"] = 1; });
  auto terminating = [&](const std::string& name) {
    std::optional<json> pod = Pod(name);
    return pod && (*pod)["metadata"].contains("deletionTimestamp");
  };
  ASSERT_TRUE(Eventually([&] { return terminating("web-2"); }, kTimeout));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(terminating("web-1")) << "web-1 must wait until web-2 is gone";

  // The kubelet finishes web-2; only then does web-1 go.
  client::DeleteOptions now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(admin_.Delete(client::resources::Pods(), kNamespace, "web-2", now).ok());
  ASSERT_TRUE(Eventually([&] { return terminating("web-1"); }, kTimeout));
  EXPECT_FALSE(terminating("web-0"));
  ASSERT_TRUE(admin_.Delete(client::resources::Pods(), kNamespace, "web-1", now).ok());
  ASSERT_TRUE(Eventually([&] { return Status().value("replicas", 0) == 1; }, kTimeout));
  EXPECT_EQ(PodNames(), std::set<std::string>{"web-0"});
  EXPECT_TRUE(HasEvent("SuccessfulDelete", "delete Pod web-2 in StatefulSet web successful"));
  EXPECT_TRUE(HasEvent("SuccessfulDelete", "delete Pod web-1 in StatefulSet web successful"));
  // Retain: the claims of the removed pods stay.
  EXPECT_TRUE(
      admin_.Get(client::resources::PersistentVolumeClaims(), kNamespace, "www-web-2").ok());
}

TEST_F(StatefulSetControllerTest, PartitionedRollingUpdateStopsAtThePartition) {
  Create(StatefulSet(
      3, {{"updateStrategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 1}}}}}}));
  ASSERT_TRUE(Eventually(
      [&] {
        RunAll();
        return Status().value("readyReplicas", 0) == 3;
      },
      kTimeout));
  std::string old_revision = Status()["currentRevision"];

  Change([](json& set) { set["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2"; });
  ASSERT_TRUE(Eventually(
      [&] {
        RunAll();
        json status = Status();
        return Image("web-2") == "nginx:2" && Image("web-1") == "nginx:2" &&
               status.value("updatedReplicas", 0) == 2 && status.value("readyReplicas", 0) == 3;
      },
      kTimeout));
  EXPECT_EQ(Image("web-0"), "nginx:1");
  json status = Status();
  EXPECT_EQ(status["currentRevision"], old_revision);
  EXPECT_NE(status["updateRevision"], old_revision);
  EXPECT_EQ(status["currentReplicas"], 1);
  EXPECT_EQ((*Pod("web-2"))["metadata"]["labels"]["controller-revision-hash"],
            status["updateRevision"]);
  EXPECT_EQ((*Pod("web-0"))["metadata"]["labels"]["controller-revision-hash"], old_revision);
  auto revisions = admin_.List(client::resources::ControllerRevisions(), kNamespace);
  ASSERT_TRUE(revisions.ok());
  EXPECT_EQ((*revisions)["items"].size(), 2u);

  // Dropping the partition finishes the rollout and makes the new revision current.
  Change([](json& set) { set["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = 0; });
  ASSERT_TRUE(Eventually(
      [&] {
        RunAll();
        json now = Status();
        return Image("web-0") == "nginx:2" && now.value("currentRevision", "") != old_revision &&
               now.value("currentReplicas", 0) == 3;
      },
      kTimeout));
}

TEST_F(StatefulSetControllerTest, ParallelCreatesAllPodsAtOnce) {
  Create(StatefulSet(3, {{"podManagementPolicy", "Parallel"}}));
  ASSERT_TRUE(Eventually(
      [&] {
        return PodNames() == std::set<std::string>{"web-0", "web-1", "web-2"};
      },
      kTimeout));
  ASSERT_TRUE(Eventually([&] { return Status().value("replicas", 0) == 3; }, kTimeout));
  EXPECT_EQ(Status().value("readyReplicas", 0), 0);
  // And scales down all at once, without waiting for readiness.
  Change([](json& set) { set["spec"]["replicas"] = 0; });
  ASSERT_TRUE(Eventually([&] { return PodNames().empty(); }, kTimeout));
}

TEST_F(StatefulSetControllerTest, RetentionPolicyOwnsClaims) {
  Create(StatefulSet(2, {{"podManagementPolicy", "Parallel"},
                         {"persistentVolumeClaimRetentionPolicy",
                          {{"whenDeleted", "Delete"}, {"whenScaled", "Delete"}}}}));
  auto owner_kinds = [&](const std::string& claim) {
    std::set<std::string> kinds;
    auto stored = admin_.Get(client::resources::PersistentVolumeClaims(), kNamespace, claim);
    if (!stored.ok()) return kinds;
    for (const json& ref : (*stored)["metadata"].value("ownerReferences", json::array())) {
      kinds.insert(ref.value("kind", ""));
    }
    return kinds;
  };
  ASSERT_TRUE(Eventually(
      [&] {
        RunAll();
        return owner_kinds("www-web-0") == std::set<std::string>{"StatefulSet"} &&
               owner_kinds("www-web-1") == std::set<std::string>{"StatefulSet"};
      },
      kTimeout));
  // Scaled away: the claim of web-1 now belongs to its pod, for the garbage collector.
  Change([](json& set) { set["spec"]["replicas"] = 1; });
  ASSERT_TRUE(Eventually(
      [&] { return owner_kinds("www-web-1") == std::set<std::string>{"Pod"} && !Pod("web-1"); },
      kTimeout));
  EXPECT_EQ(owner_kinds("www-web-0"), std::set<std::string>{"StatefulSet"});
}

}  // namespace
}  // namespace k1s::controllers
