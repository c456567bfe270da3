// The DaemonSet controller against a real apiserver. The test plays the kubelet (marking pods
// running) and adds, relabels and taints nodes; no scheduler runs, so pods stay bound to their
// node only through the metadata.name affinity, as upstream creates them.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "base/clock.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/testing/controller_harness.h"
#include "controllers/daemonset/daemonset_controller.h"
#include "controllers/daemonset/node_placement.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using nlohmann::json;

constexpr char kNamespace[] = "infra";
constexpr auto kTimeout = std::chrono::seconds(4);

class DaemonSetControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    ASSERT_TRUE(harness_.cluster().CreateNamespace(kNamespace).ok());
  }

  void StartController() { controller_ = &harness_.Start<DaemonSetController>(); }

  void Node(const std::string& name, const json& labels = json::object()) {
    auto node = client::testing::CreateReadyNode(admin_, name, labels);
    ASSERT_TRUE(node.ok()) << node.status();
  }

  // Applies `change` to the stored node.
  void ChangeNode(const std::string& name, const std::function<void(json&)>& change) {
    auto node = admin_.Get(client::resources::Nodes(), "", name);
    ASSERT_TRUE(node.ok()) << node.status();
    change(*node);
    auto updated = admin_.Update(client::resources::Nodes(), *node);
    ASSERT_TRUE(updated.ok()) << updated.status();
  }

  // Applies `change` to the stored DaemonSet, retrying conflicts with the controller's writes.
  void ChangeDaemonSet(const std::string& name, const std::function<void(json&)>& change) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto ds = admin_.Get(client::resources::DaemonSets(), kNamespace, name);
      ASSERT_TRUE(ds.ok()) << ds.status();
      change(*ds);
      if (admin_.Update(client::resources::DaemonSets(), *ds).ok()) return;
    }
    FAIL() << "could not update daemon set " << name;
  }

  json DaemonSet(const std::string& name, const std::string& image,
                 const json& extra_spec = json::object()) {
    json pod_spec = {{"containers", {{{"name", "agent"}, {"image", image}}}}};
    pod_spec.update(extra_spec);
    return {{"apiVersion", "apps/v1"},
            {"kind", "DaemonSet"},
            {"metadata", {{"name", name}, {"namespace", kNamespace}}},
            {"spec",
             {{"selector", {{"matchLabels", {{"app", name}}}}},
              {"template", {{"metadata", {{"labels", {{"app", name}}}}}, {"spec", pod_spec}}}}}};
  }

  json CreateDaemonSet(const json& ds) {
    auto created = admin_.Create(client::resources::DaemonSets(), kNamespace, ds);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  std::vector<json> Pods(const std::string& app) {
    client::ListOptions options;
    options.label_selector = "app=" + app;
    auto list = admin_.List(client::resources::Pods(), kNamespace, options);
    std::vector<json> pods;
    if (!list.ok()) return pods;
    for (const json& pod : (*list)["items"]) pods.push_back(pod);
    return pods;
  }

  // Target node -> pods meant for it.
  std::map<std::string, std::vector<json>> PodsByNode(const std::string& app) {
    std::map<std::string, std::vector<json>> by_node;
    for (json& pod : Pods(app)) {
      by_node[daemonset::TargetNodeName(pod).value_or("")].push_back(std::move(pod));
    }
    return by_node;
  }

  std::set<std::string> PodNodes(const std::string& app) {
    std::set<std::string> nodes;
    for (const auto& [node, pods] : PodsByNode(app)) nodes.insert(node);
    return nodes;
  }

  // Plays the kubelet for every pod of `app` not yet running.
  void RunPods(const std::string& app) {
    for (const json& pod : Pods(app)) {
      if (pod["status"].value("phase", "") == "Running") continue;
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      (void)client::testing::MarkPodRunning(admin_, kNamespace, pod["metadata"]["name"]);
    }
  }

  json Status(const std::string& name) {
    auto ds = admin_.Get(client::resources::DaemonSets(), kNamespace, name);
    if (!ds.ok() || !(*ds)["status"].is_object()) return json::object();
    return (*ds)["status"];
  }

  bool HasEvent(const std::string& reason, const std::string& message_part) {
    return harness_.HasEvent(reason, message_part);
  }

  testing::ControllerHarness harness_;
  client::Client& admin_ = harness_.admin;
  DaemonSetController* controller_ = nullptr;
};

TEST_F(DaemonSetControllerTest, CreatesOnePodPerEligibleNode) {
  Node("node-a", {{"role", "worker"}});
  Node("node-b", {{"role", "worker"}});
  Node("node-c", {{"role", "db"}});
  ChangeNode("node-b", [](json& node) {
    node["spec"]["taints"] = {{{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoSchedule"}}};
  });
  StartController();
  json ds =
      CreateDaemonSet(DaemonSet("agent", "agent:1", {{"nodeSelector", {{"role", "worker"}}}}));

  ASSERT_TRUE(
      Eventually([&] { return PodNodes("agent") == std::set<std::string>{"node-a"}; }, kTimeout));
  std::vector<json> pods = Pods("agent");
  ASSERT_EQ(pods.size(), 1u);
  const json& pod = pods[0];
  EXPECT_EQ(pod["metadata"]["generateName"], "agent-");
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["uid"], ds["metadata"]["uid"]);
  EXPECT_EQ(pod["metadata"]["ownerReferences"][0]["kind"], "DaemonSet");
  EXPECT_FALSE(pod["metadata"]["labels"].value("controller-revision-hash", "").empty());
  EXPECT_FALSE(pod["spec"].contains("nodeName")) << "the scheduler binds, not the controller";
  std::set<std::string> tolerations;
  for (const json& toleration : pod["spec"]["tolerations"]) {
    tolerations.insert(toleration.value("key", "") + ":" + toleration.value("effect", ""));
  }
  EXPECT_TRUE(tolerations.count("node.kubernetes.io/not-ready:NoExecute"));
  EXPECT_TRUE(tolerations.count("node.kubernetes.io/unreachable:NoExecute"));
  EXPECT_TRUE(tolerations.count("node.kubernetes.io/unschedulable:NoSchedule"));
  EXPECT_TRUE(tolerations.count("node.kubernetes.io/pid-pressure:NoSchedule"));

  // One ControllerRevision, named after the pods' hash.
  auto revisions = admin_.List(client::resources::ControllerRevisions(), kNamespace);
  ASSERT_TRUE(revisions.ok());
  ASSERT_EQ((*revisions)["items"].size(), 1u);
  EXPECT_EQ((*revisions)["items"][0]["metadata"]["name"],
            "agent-" + pod["metadata"]["labels"]["controller-revision-hash"].get<std::string>());
  EXPECT_EQ((*revisions)["items"][0]["revision"], 1);

  RunPods("agent");
  ASSERT_TRUE(Eventually(
      [&] {
        json status = Status("agent");
        return status.value("numberReady", 0) == 1 && status.value("numberAvailable", 0) == 1;
      },
      kTimeout));
  json status = Status("agent");
  EXPECT_EQ(status["desiredNumberScheduled"], 1);
  EXPECT_EQ(status["currentNumberScheduled"], 1);
  EXPECT_EQ(status["updatedNumberScheduled"], 1);
  EXPECT_EQ(status["numberMisscheduled"], 0);
  EXPECT_FALSE(status.contains("numberUnavailable")) << "omitempty when 0";
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_TRUE(HasEvent("SuccessfulCreate", "Created pod: agent-"));
}

TEST_F(DaemonSetControllerTest, FollowsNodesAppearingAndChanging) {
  Node("node-1");
  StartController();
  CreateDaemonSet(DaemonSet("logs", "logs:1"));
  ASSERT_TRUE(
      Eventually([&] { return PodNodes("logs") == std::set<std::string>{"node-1"}; }, kTimeout));

  Node("node-2");
  ASSERT_TRUE(Eventually(
      [&] {
        return PodNodes("logs") == std::set<std::string>{"node-1", "node-2"};
      },
      kTimeout));
  ASSERT_TRUE(
      Eventually([&] { return Status("logs").value("desiredNumberScheduled", 0) == 2; }, kTimeout));

  // A NoSchedule taint only stops new pods; NoExecute evicts.
  ChangeNode("node-2", [](json& node) {
    node["spec"]["taints"] = {{{"key", "maintenance"}, {"effect", "NoSchedule"}}};
  });
  ASSERT_TRUE(
      Eventually([&] { return Status("logs").value("numberMisscheduled", 0) == 1; }, kTimeout));
  EXPECT_EQ(PodNodes("logs"), (std::set<std::string>{"node-1", "node-2"}));
  ChangeNode("node-2", [](json& node) {
    node["spec"]["taints"] = {{{"key", "maintenance"}, {"effect", "NoExecute"}}};
  });
  ASSERT_TRUE(
      Eventually([&] { return PodNodes("logs") == std::set<std::string>{"node-1"}; }, kTimeout));
  EXPECT_TRUE(HasEvent("SuccessfulDelete", "Deleted pod: logs-"));

  // A node that goes away takes its still unscheduled pod with it.
  ASSERT_TRUE(admin_.Delete(client::resources::Nodes(), "", "node-1").ok());
  ASSERT_TRUE(Eventually([&] { return Pods("logs").empty(); }, kTimeout));
}

TEST_F(DaemonSetControllerTest, RemovesPodWhenNodeStopsMatchingSelector) {
  Node("node-1", {{"disk", "ssd"}});
  Node("node-2", {{"disk", "ssd"}});
  StartController();
  CreateDaemonSet(DaemonSet("cache", "cache:1", {{"nodeSelector", {{"disk", "ssd"}}}}));
  ASSERT_TRUE(Eventually(
      [&] {
        return PodNodes("cache") == std::set<std::string>{"node-1", "node-2"};
      },
      kTimeout));
  ChangeNode("node-2", [](json& node) { node["metadata"]["labels"]["disk"] = "hdd"; });
  ASSERT_TRUE(
      Eventually([&] { return PodNodes("cache") == std::set<std::string>{"node-1"}; }, kTimeout));
  ASSERT_TRUE(Eventually([&] { return Status("cache").value("desiredNumberScheduled", 0) == 1; },
                         kTimeout));
}

TEST_F(DaemonSetControllerTest, RollingUpdateReplacesPodsWithinMaxUnavailable) {
  Node("node-1");
  Node("node-2");
  Node("node-3");
  StartController();
  CreateDaemonSet(DaemonSet("proxy", "proxy:1"));
  ASSERT_TRUE(Eventually([&] { return Pods("proxy").size() == 3; }, kTimeout));
  RunPods("proxy");
  ASSERT_TRUE(
      Eventually([&] { return Status("proxy").value("numberAvailable", 0) == 3; }, kTimeout));
  std::string old_hash = Pods("proxy")[0]["metadata"]["labels"]["controller-revision-hash"];

  ChangeDaemonSet("proxy", [](json& ds) {
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "proxy:2";
  });

  // maxUnavailable 1: never more than one node without an available pod. Play the kubelet
  // until every node runs the new template.
  int32_t max_missing = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        RunPods("proxy");
        auto by_node = PodsByNode("proxy");
        int32_t missing = 0, updated = 0;
        for (const std::string node : {"node-1", "node-2", "node-3"}) {
          bool running = false;
          for (const json& pod : by_node[node]) {
            if (pod["status"].value("phase", "") != "Running") continue;
            running = true;
            if (pod["metadata"]["labels"]["controller-revision-hash"] != old_hash) ++updated;
          }
          if (!running) ++missing;
        }
        max_missing = std::max(max_missing, missing);
        return updated == 3 && Pods("proxy").size() == 3;
      },
      kTimeout));
  EXPECT_LE(max_missing, 1);
  for (const json& pod : Pods("proxy")) {
    EXPECT_EQ(pod["spec"]["containers"][0]["image"], "proxy:2");
  }
  ASSERT_TRUE(Eventually(
      [&] {
        json status = Status("proxy");
        return status.value("updatedNumberScheduled", 0) == 3 &&
               status.value("numberAvailable", 0) == 3 &&
               status.value("observedGeneration", 0) == 2;
      },
      kTimeout));
  auto revisions = admin_.List(client::resources::ControllerRevisions(), kNamespace);
  ASSERT_TRUE(revisions.ok());
  EXPECT_EQ((*revisions)["items"].size(), 2u);
}

TEST_F(DaemonSetControllerTest, OnDeleteLeavesOldPodsUntilDeleted) {
  Node("node-1");
  StartController();
  json spec = DaemonSet("ondel", "img:1");
  spec["spec"]["updateStrategy"] = {{"type", "OnDelete"}};
  CreateDaemonSet(spec);
  ASSERT_TRUE(Eventually([&] { return Pods("ondel").size() == 1; }, kTimeout));
  RunPods("ondel");
  ChangeDaemonSet("ondel", [](json& ds) {
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "img:2";
  });
  ASSERT_TRUE(
      Eventually([&] { return Status("ondel").value("observedGeneration", 0) == 2; }, kTimeout));
  std::vector<json> pods = Pods("ondel");
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_EQ(pods[0]["spec"]["containers"][0]["image"], "img:1");
  EXPECT_EQ(Status("ondel").value("desiredNumberScheduled", 0), 1);
  EXPECT_FALSE(Status("ondel").contains("updatedNumberScheduled")) << "omitempty when 0";

  ASSERT_TRUE(admin_
                  .Delete(client::resources::Pods(), kNamespace,
                          pods[0]["metadata"]["name"].get<std::string>())
                  .ok());
  ASSERT_TRUE(Eventually(
      [&] {
        std::vector<json> now = Pods("ondel");
        return now.size() == 1 && now[0]["spec"]["containers"][0]["image"] == "img:2";
      },
      kTimeout));
}

TEST_F(DaemonSetControllerTest, FailedPodIsReplaced) {
  Node("node-1");
  StartController();
  CreateDaemonSet(DaemonSet("flaky", "flaky:1"));
  ASSERT_TRUE(Eventually([&] { return Pods("flaky").size() == 1; }, kTimeout));
  std::string first = Pods("flaky")[0]["metadata"]["name"];
  ASSERT_TRUE(client::testing::MarkPodFailed(admin_, kNamespace, first).ok());
  ASSERT_TRUE(Eventually(
      [&] {
        std::vector<json> pods = Pods("flaky");
        return pods.size() == 1 && pods[0]["metadata"]["name"] != first;
      },
      kTimeout));
  EXPECT_TRUE(HasEvent("FailedDaemonPod", "Found failed daemon pod infra/" + first));
}

}  // namespace
}  // namespace k1s::controllers
