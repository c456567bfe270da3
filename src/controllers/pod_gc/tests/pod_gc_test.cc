// The pod garbage collector against a real apiserver: orphaned pods after their node is gone,
// terminated pods over the threshold, unscheduled terminating pods.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/errors.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/pods.h"
#include "controllers/common/testing/controller_harness.h"
#include "controllers/pod_gc/pod_gc_controller.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using nlohmann::json;
namespace resources = client::resources;
using namespace std::chrono_literals;

class PodGcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    ASSERT_TRUE(harness_.cluster().CreateNamespace("apps").ok());
  }
  void TearDown() override {
    if (controller_) controller_->Stop();
  }

  // Builds the controller (registering its informers) and starts the informers.
  void Prepare(PodGcOptions options) {
    controller_ = std::make_unique<PodGcController>(harness_.context(), options);
    ASSERT_TRUE(harness_.StartInformers());
  }

  client::Client& admin() { return harness_.admin; }

  void CreatePod(const std::string& name, const std::string& node,
                 const std::vector<std::string>& finalizers = {}) {
    json pod = {{"metadata", {{"name", name}}},
                {"spec", {{"containers", {{{"name", "app"}, {"image", "busybox"}}}}}}};
    if (!node.empty()) pod["spec"]["nodeName"] = node;
    if (!finalizers.empty()) pod["metadata"]["finalizers"] = finalizers;
    absl::StatusOr<json> created = admin().Create(resources::Pods(), "apps", pod);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  json GetPod(const std::string& name) {
    absl::StatusOr<json> pod = admin().Get(resources::Pods(), "apps", name);
    return pod.ok() ? *pod : json();
  }

  bool PodGone(const std::string& name) {
    return api::IsNotFound(admin().Get(resources::Pods(), "apps", name).status());
  }

  // Waits until the shared pod informer shows `count` pods matching `ready`.
  bool InformerShows(size_t count, const std::function<bool(const json&)>& ready) {
    client::Informer& pods = harness_.context().informers.For(resources::Pods());
    return Eventually([&] {
      size_t seen = 0;
      for (const client::ObjectPtr& pod : pods.List("apps")) seen += ready(*pod) ? 1 : 0;
      return seen == count;
    });
  }

  controllers::testing::ControllerHarness harness_;
  std::unique_ptr<PodGcController> controller_;
};

TEST_F(PodGcTest, PodsOfADeletedNodeAreMarkedFailedAndForceDeleted) {
  PodGcOptions options;
  options.gc_period = 20ms;
  options.quarantine = 50ms;
  Prepare(options);
  ASSERT_TRUE(client::testing::CreateReadyNode(admin(), "doomed", json::object()).ok());
  ASSERT_TRUE(client::testing::CreateReadyNode(admin(), "healthy", json::object()).ok());
  CreatePod("plain", "doomed");
  // A finalizer keeps the pod visible after its forced deletion.
  CreatePod("held", "doomed", {"example.com/hold"});
  CreatePod("safe", "healthy");
  ASSERT_TRUE(client::testing::MarkPodRunning(admin(), "apps", "held").ok());
  ASSERT_TRUE(controller_->Start().ok());

  ASSERT_TRUE(admin().Delete(resources::Nodes(), "", "doomed").ok());
  EXPECT_TRUE(Eventually([&] { return PodGone("plain"); }, 4s));
  EXPECT_TRUE(
      Eventually([&] { return GetPod("held")["metadata"].contains("deletionTimestamp"); }, 4s));
  json held = GetPod("held");
  EXPECT_EQ(held["status"]["phase"], "Failed");
  const json* disruption = FindCondition(held, "DisruptionTarget");
  ASSERT_NE(disruption, nullptr);
  EXPECT_EQ((*disruption)["status"], "True");
  EXPECT_EQ((*disruption)["reason"], "DeletionByPodGC");
  EXPECT_EQ((*disruption)["message"], "PodGC: node no longer exists");
  EXPECT_EQ(held["metadata"]["deletionGracePeriodSeconds"], 0);
  EXPECT_FALSE(PodGone("safe"));
}

TEST_F(PodGcTest, MissingNodeIsQuarantinedFirst) {
  PodGcOptions options;
  options.gc_period = std::chrono::hours(1);  // passes run by hand
  options.quarantine = std::chrono::hours(1);
  Prepare(options);
  CreatePod("stray", "never-existed");
  ASSERT_TRUE(InformerShows(1, [](const json&) { return true; }));
  controller_->RunOnce();
  controller_->RunOnce();
  EXPECT_FALSE(PodGone("stray"));
}

TEST_F(PodGcTest, TerminatedPodsOverTheThresholdGoEvictedThenOldestFirst) {
  PodGcOptions options;
  options.terminated_pod_threshold = 2;
  options.gc_period = std::chrono::hours(1);
  Prepare(options);
  for (const char* name : {"p1", "p2", "p3", "p4", "running"}) CreatePod(name, "");
  ASSERT_TRUE(client::testing::MarkPodSucceeded(admin(), "apps", "p1").ok());
  ASSERT_TRUE(client::testing::MarkPodFailed(admin(), "apps", "p2").ok());
  ASSERT_TRUE(client::testing::MarkPodSucceeded(admin(), "apps", "p3").ok());
  ASSERT_TRUE(client::testing::MarkPodRunning(admin(), "apps", "running").ok());
  json evicted = GetPod("p4");
  evicted["status"]["phase"] = "Failed";
  evicted["status"]["reason"] = "Evicted";
  ASSERT_TRUE(admin().UpdateStatus(resources::Pods(), evicted).ok());
  ASSERT_TRUE(InformerShows(4, [](const json& pod) { return IsPodTerminal(pod); }));

  ASSERT_TRUE(controller_->Start().ok());  // the first pass runs at once
  EXPECT_TRUE(Eventually([&] { return PodGone("p4") && PodGone("p1"); }, 4s));
  EXPECT_FALSE(PodGone("p2"));
  EXPECT_FALSE(PodGone("p3"));
  EXPECT_FALSE(PodGone("running"));
}

TEST_F(PodGcTest, UnscheduledTerminatingPodIsForceDeleted) {
  PodGcOptions options;
  options.gc_period = 20ms;
  Prepare(options);
  CreatePod("pending", "", {"example.com/hold"});
  ASSERT_TRUE(controller_->Start().ok());
  client::DeleteOptions graceful;
  graceful.grace_period_seconds = 30;
  ASSERT_TRUE(admin().Delete(resources::Pods(), "apps", "pending", graceful).ok());
  EXPECT_TRUE(Eventually(
      [&] {
        json pod = GetPod("pending");
        return pod.is_object() && pod["status"].value("phase", "") == "Failed" &&
               pod["metadata"].value("deletionGracePeriodSeconds", -1) == 0;
      },
      4s));
}

}  // namespace
}  // namespace k1s::controllers
