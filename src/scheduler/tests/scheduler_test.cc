// The scheduler against a real apiserver: bindings, events, conditions, retries and order.
#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "client/testing/test_cluster.h"
#include "scheduler/tests/test_objects.h"

namespace k1s::scheduler {
namespace {

using client::testing::Eventually;
using nlohmann::json;

class SchedulerTest : public testing::SchedulerClusterTest {
 protected:
  void CreateNodeWithCpu(const std::string& name, const std::string& cpu) {
    CreateNode(name, testing::Allocatable(cpu));
  }

  bool BoundTo(const std::string& name, const std::string& node,
               std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    return Eventually([&] { return NodeOf(name) == node; }, timeout);
  }
  json Condition(const std::string& name, const std::string& type) {
    json pod = GetPod(name);
    if (!pod.contains("status") || !pod["status"].contains("conditions")) return json();
    for (const json& condition : pod["status"]["conditions"]) {
      if (condition.value("type", "") == type) return condition;
    }
    return json();
  }
  // The message of the PodScheduled=False condition once it is set.
  std::string UnschedulableMessage(const std::string& name) {
    std::string message;
    Eventually(
        [&] {
          json condition = Condition(name, "PodScheduled");
          if (!condition.is_object() || condition["status"] != "False") return false;
          message = condition.value("message", "");
          return true;
        },
        std::chrono::seconds(3));
    return message;
  }
};

TEST_F(SchedulerTest, BindsToAFittingNodeAndRecordsScheduled) {
  CreateNodeWithCpu("small", "1");
  CreateNodeWithCpu("big", "4");
  StartScheduler();
  CreatePod(PodSpec("web", {{"cpu", "2"}}));
  ASSERT_TRUE(BoundTo("web", "big"));
  EXPECT_EQ(Condition("web", "PodScheduled")["status"], "True");
  ASSERT_TRUE(Eventually([&] { return !Events("web", "Scheduled").empty(); }));
  json event = Events("web", "Scheduled").front();
  EXPECT_EQ(event["message"], "Successfully assigned default/web to big");
  EXPECT_EQ(event["type"], "Normal");
  EXPECT_EQ(event["source"]["component"], "default-scheduler");
  // Pods for another scheduler are left alone.
  json other = PodSpec("other");
  other["spec"]["schedulerName"] = "my-scheduler";
  CreatePod(other);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(NodeOf("other"), "");
}

TEST_F(SchedulerTest, ExplainsWhyAPodFitsNowhere) {
  CreateNodeWithCpu("small", "1");
  json control_plane =
      json::array({{{"key", "node-role.kubernetes.io/control-plane"}, {"effect", "NoSchedule"}}});
  CreateNode("cp-1", {{"cpu", "8"}, {"memory", "8Gi"}, {"pods", "110"}}, json::object(),
             control_plane);
  CreateNode("cp-2", {{"cpu", "8"}, {"memory", "8Gi"}, {"pods", "110"}}, json::object(),
             control_plane);
  StartScheduler();
  CreatePod(PodSpec("hungry", {{"cpu", "2"}}));
  const std::string expected =
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
      "{node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 3 "
      "Preemption is not helpful for scheduling.";
  EXPECT_EQ(UnschedulableMessage("hungry"), expected);
  EXPECT_EQ(Condition("hungry", "PodScheduled")["reason"], "Unschedulable");
  ASSERT_TRUE(Eventually([&] { return !Events("hungry", "FailedScheduling").empty(); }));
  json event = Events("hungry", "FailedScheduling").front();
  EXPECT_EQ(event["message"], expected);
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(NodeOf("hungry"), "");
}

TEST_F(SchedulerTest, RetriesWhenANodeAppears) {
  StartScheduler();
  CreatePod(PodSpec("waiting"));
  EXPECT_EQ(UnschedulableMessage("waiting"), "no nodes available to schedule pods");
  CreateNodeWithCpu("late", "2");
  EXPECT_TRUE(BoundTo("waiting", "late", std::chrono::seconds(4)));
}

TEST_F(SchedulerTest, RetriesWhenResourcesAreFreed) {
  CreateNodeWithCpu("only", "2");
  StartScheduler();
  CreatePod(PodSpec("first", {{"cpu", "1500m"}}));
  ASSERT_TRUE(BoundTo("first", "only"));
  CreatePod(PodSpec("second", {{"cpu", "1500m"}}));
  EXPECT_EQ(UnschedulableMessage("second"),
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 "
            "No preemption victims found for incoming pod.");
  client::DeleteOptions now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(admin_.Delete(client::resources::Pods(), "default", "first", now).ok());
  EXPECT_TRUE(BoundTo("second", "only", std::chrono::seconds(4)));
}

TEST_F(SchedulerTest, SchedulesHigherPriorityFirst) {
  CreatePriorityClass("low", 10);
  CreatePriorityClass("high", 1000);
  CreateNodeWithCpu("only", "4");
  // Created before the scheduler starts, lowest priority first: the high one still wins.
  json low = PodSpec("low", {{"cpu", "3"}});
  low["spec"]["priorityClassName"] = "low";
  CreatePod(low);
  json high = PodSpec("high", {{"cpu", "3"}});
  high["spec"]["priorityClassName"] = "high";
  CreatePod(high);
  StartScheduler();
  ASSERT_TRUE(BoundTo("high", "only"));
  EXPECT_EQ(UnschedulableMessage("low"),
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 "
            "No preemption victims found for incoming pod.");
  EXPECT_EQ(NodeOf("low"), "");
}

TEST_F(SchedulerTest, AppliesEveryFilter) {
  CreateNode("cordoned", testing::Allocatable(), json::object(), json::array(),
             /*unschedulable=*/true);
  CreateNode("tainted", testing::Allocatable(), json::object(),
             json::array({{{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoSchedule"}}}));
  CreateNode("labeled", testing::Allocatable(), {{"disk", "ssd"}, {"generation", "5"}});
  CreateNode("gpu", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"}, {"example.com/gpu", "2"}});
  StartScheduler();
  auto pinned = [&](const std::string& name, const std::string& node) {
    json pod = PodSpec(name);
    pod["spec"]["nodeSelector"] = {{"kubernetes.io/hostname", node}};
    return pod;
  };
  // NodeUnschedulable: a cordoned node takes only pods tolerating the unschedulable taint.
  CreatePod(pinned("plain-on-cordoned", "cordoned"));
  json tolerant = pinned("tolerant-on-cordoned", "cordoned");
  tolerant["spec"]["tolerations"] = json::array({{{"key", "node.kubernetes.io/unschedulable"},
                                                  {"operator", "Exists"},
                                                  {"effect", "NoSchedule"}}});
  CreatePod(tolerant);
  // TaintToleration.
  json gpu_user = pinned("tolerates-dedicated", "tainted");
  gpu_user["spec"]["tolerations"] = json::array(
      {{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "gpu"}, {"effect", "NoSchedule"}}});
  CreatePod(gpu_user);
  // NodeAffinity with Gt and In.
  json affinity = PodSpec("wants-ssd");
  affinity["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
      {"nodeSelectorTerms",
       json::array(
           {{{"matchExpressions",
              json::array({{{"key", "disk"}, {"operator", "In"}, {"values", {"ssd"}}},
                           {{"key", "generation"}, {"operator", "Gt"}, {"values", {"3"}}}})}}})}};
  CreatePod(affinity);
  // NodeResourcesFit on an extended resource.
  auto gpus = [&](const std::string& name, const std::string& count) {
    json pod = PodSpec(name, {{"example.com/gpu", count}});
    pod["spec"]["containers"][0]["resources"]["limits"] = {{"example.com/gpu", count}};
    return pod;
  };
  CreatePod(gpus("wants-gpu", "2"));
  EXPECT_TRUE(BoundTo("tolerant-on-cordoned", "cordoned"));
  EXPECT_TRUE(BoundTo("tolerates-dedicated", "tainted"));
  EXPECT_TRUE(BoundTo("wants-ssd", "labeled"));
  EXPECT_TRUE(BoundTo("wants-gpu", "gpu"));
  EXPECT_EQ(UnschedulableMessage("plain-on-cordoned"),
            "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) "
            "were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: "
            "0/4 nodes are available: 4 Preemption is not helpful for scheduling.");
  // The gpus are all taken now.
  CreatePod(gpus("wants-more-gpu", "1"));
  EXPECT_EQ(UnschedulableMessage("wants-more-gpu"),
            "0/4 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) "
            "were unschedulable, 2 Insufficient example.com/gpu. preemption: 0/4 nodes are "
            "available: 1 No preemption victims found for incoming pod, 3 Preemption is not "
            "helpful for scheduling.");
}

TEST_F(SchedulerTest, ScoresSpreadAndPrefer) {
  CreateNode("soft", testing::Allocatable(), json::object(),
             json::array({{{"key", "spot"}, {"effect", "PreferNoSchedule"}}}));
  CreateNode("zone-a", testing::Allocatable(), {{"zone", "a"}});
  CreateNode("zone-b", testing::Allocatable(), {{"zone", "b"}});
  StartScheduler();
  // NodeAffinity preferred: zone b wins over the equally empty zone a.
  json prefers = PodSpec("prefers-b");
  prefers["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] =
      json::array(
          {{{"weight", 50},
            {"preference",
             {{"matchExpressions",
               json::array({{{"key", "zone"}, {"operator", "In"}, {"values", {"b"}}}})}}}}});
  CreatePod(prefers);
  ASSERT_TRUE(BoundTo("prefers-b", "zone-b"));
  // LeastAllocated + TaintToleration: a big pod on zone-b makes zone-a the best, and "soft"
  // (untolerated PreferNoSchedule) is never chosen while others fit.
  CreatePod(PodSpec("big", {{"cpu", "3"}, {"memory", "6Gi"}}));
  ASSERT_TRUE(Eventually([&] { return !NodeOf("big").empty(); }));
  EXPECT_NE(NodeOf("big"), "soft");
  const std::string big_node = NodeOf("big");
  CreatePod(PodSpec("next", {{"cpu", "500m"}}));
  ASSERT_TRUE(Eventually([&] { return !NodeOf("next").empty(); }));
  EXPECT_NE(NodeOf("next"), "soft");
  EXPECT_NE(NodeOf("next"), big_node);
}

TEST_F(SchedulerTest, ThroughputWithAHundredNodes) {
  constexpr int kNodes = 100;
  constexpr int kPods = 1000;
  for (int i = 0; i < kNodes; ++i) {
    CreateNode("node-" + std::to_string(i), {{"cpu", "32"}, {"memory", "64Gi"}, {"pods", "110"}});
  }
  for (int i = 0; i < kPods; ++i) {
    CreatePod(PodSpec("pod-" + std::to_string(i), {{"cpu", "100m"}, {"memory", "128Mi"}}));
  }
  auto start = std::chrono::steady_clock::now();
  StartScheduler();
  ASSERT_TRUE(
      Eventually([&] { return scheduler_->GetStats().bound >= kPods; }, std::chrono::seconds(60)));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ throughput ] bound %d pods on %d nodes in %.2f s: %.0f pods/s\n", kPods, kNodes,
              seconds, kPods / seconds);
  // Spread evenly by LeastAllocated: no node got more than twice its share.
  std::map<std::string, int> per_node;
  absl::StatusOr<json> pods = admin_.List(client::resources::Pods(), "default");
  ASSERT_TRUE(pods.ok());
  for (const json& pod : (*pods)["items"]) ++per_node[pod["spec"].value("nodeName", "")];
  EXPECT_EQ(per_node.count(""), 0u);
  for (const auto& [node, count] : per_node) EXPECT_LE(count, 2 * kPods / kNodes) << node;
}

}  // namespace
}  // namespace k1s::scheduler
