#include "simulate/node_simulator.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "client/testing/test_cluster.h"

namespace k1s::simulate {
namespace {

using client::testing::Eventually;
using client::testing::TestCluster;
using nlohmann::json;

class NodeSimulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cluster_.ok()); }

  std::unique_ptr<NodeSimulator> StartSimulator(int32_t nodes, NodeSimulatorOptions options = {}) {
    options.nodes = nodes;
    auto simulator = std::make_unique<NodeSimulator>(admin_, base::RealClock(), options);
    EXPECT_TRUE(simulator->Start().ok());
    EXPECT_TRUE(simulator->WaitForRegistration(std::chrono::seconds(4)).ok());
    return simulator;
  }

  json Get(const client::Resource& resource, const std::string& ns, const std::string& name) {
    absl::StatusOr<json> object = admin_.Get(resource, ns, name);
    return object.ok() ? *object : json();
  }

  json CreatePod(const std::string& name, const std::string& node, json extra_spec = {},
                 const std::string& namespace_name = "default") {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", namespace_name}}},
                {"spec",
                 {{"nodeName", node},
                  {"containers", json::array({{{"name", "app"}, {"image", "nginx"}}})}}}};
    if (extra_spec.is_object()) pod["spec"].update(extra_spec);
    absl::StatusOr<json> created = admin_.Create(client::resources::Pods(), namespace_name, pod);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  std::string Phase(const std::string& name, const std::string& namespace_name = "default") {
    json pod = Get(client::resources::Pods(), namespace_name, name);
    return pod.is_object() ? pod["status"].value("phase", "") : "";
  }

  TestCluster cluster_;
  client::Client admin_ = cluster_.Admin();
};

TEST_F(NodeSimulatorTest, RegistersReadyNodesWithLeases) {
  auto simulator = StartSimulator(3);
  EXPECT_EQ(simulator->NodeNames(), (std::vector<std::string>{"sim-0", "sim-1", "sim-2"}));
  EXPECT_EQ(simulator->RegisteredNodes(), 3);
  json node = Get(client::resources::Nodes(), "", "sim-2");
  ASSERT_TRUE(node.is_object());
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/hostname"], "sim-2");
  EXPECT_EQ(node["metadata"]["labels"]["node.k1s.io/simulated"], "true");
  EXPECT_EQ(node["metadata"]["labels"]["kubernetes.io/os"], "linux");
  EXPECT_EQ(node["status"]["allocatable"]["pods"], "110");
  EXPECT_EQ(node["status"]["capacity"]["cpu"], "32");
  EXPECT_EQ(node["status"]["addresses"][0],
            json({{"type", "InternalIP"}, {"address", "10.200.0.3"}}));
  bool ready = false;
  for (const json& condition : node["status"]["conditions"]) {
    if (condition["type"] == "Ready") ready = condition["status"] == "True";
  }
  EXPECT_TRUE(ready);
  ASSERT_TRUE(Eventually(
      [&] { return Get(client::resources::Leases(), "kube-node-lease", "sim-2").is_object(); },
      std::chrono::seconds(3)));
  json lease = Get(client::resources::Leases(), "kube-node-lease", "sim-2");
  EXPECT_EQ(lease["spec"]["holderIdentity"], "sim-2");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 40);
  EXPECT_EQ(lease["metadata"]["ownerReferences"][0]["uid"], node["metadata"]["uid"]);
  EXPECT_EQ(lease["metadata"]["ownerReferences"][0]["kind"], "Node");
}

TEST_F(NodeSimulatorTest, RenewsLeasesAndRefreshesStatus) {
  NodeSimulatorOptions options;
  options.lease_renew_interval = std::chrono::milliseconds(200);
  options.status_report_interval = std::chrono::milliseconds(1200);
  auto simulator = StartSimulator(1, options);
  ASSERT_TRUE(Eventually(
      [&] { return Get(client::resources::Leases(), "kube-node-lease", "sim-0").is_object(); },
      std::chrono::seconds(3)));
  std::string first =
      Get(client::resources::Leases(), "kube-node-lease", "sim-0")["spec"]["renewTime"];
  EXPECT_TRUE(Eventually(
      [&] {
        json lease = Get(client::resources::Leases(), "kube-node-lease", "sim-0");
        return lease.is_object() && lease["spec"]["renewTime"] != first;
      },
      std::chrono::seconds(2)));
  std::string version = Get(client::resources::Nodes(), "", "sim-0")["metadata"]["resourceVersion"];
  EXPECT_TRUE(Eventually(
      [&] {
        return Get(client::resources::Nodes(), "", "sim-0")["metadata"]["resourceVersion"] !=
               version;
      },
      std::chrono::seconds(3)));
}

TEST_F(NodeSimulatorTest, RunsBoundPods) {
  auto simulator = StartSimulator(2);
  CreatePod("web", "sim-1",
            {{"initContainers", json::array({{{"name", "setup"}, {"image", "busybox"}}})}});
  ASSERT_TRUE(Eventually([&] { return Phase("web") == "Running"; }, std::chrono::seconds(3)));
  json pod = Get(client::resources::Pods(), "default", "web");
  EXPECT_EQ(pod["status"]["hostIP"], "10.200.0.2");
  EXPECT_EQ(pod["status"]["podIP"], "10.244.1.2");
  EXPECT_EQ(pod["status"]["qosClass"], "BestEffort");
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["ready"], true);
  EXPECT_EQ(pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"],
            "Completed");
  // A pod on a node that is not simulated is left alone.
  CreatePod("elsewhere", "real-node");
  CreatePod("web2", "sim-1");
  ASSERT_TRUE(Eventually([&] { return Phase("web2") == "Running"; }, std::chrono::seconds(3)));
  EXPECT_EQ(Get(client::resources::Pods(), "default", "web2")["status"]["podIP"], "10.244.1.3");
  EXPECT_EQ(Phase("elsewhere"), "Pending");
}

TEST_F(NodeSimulatorTest, UsesThePodCidrAndHostNetwork) {
  auto simulator = StartSimulator(1);
  ASSERT_TRUE(admin_
                  .Patch(client::resources::Nodes(), "", "sim-0", client::PatchType::kMerge,
                         R"({"spec":{"podCIDR":"10.42.7.0/24","podCIDRs":["10.42.7.0/24"]}})")
                  .ok());
  // The simulator reads the CIDR from its informer: give it a moment to see it.
  ASSERT_TRUE(Eventually([&] {
    return Get(client::resources::Nodes(), "", "sim-0")["spec"].value("podCIDR", "") != "";
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CreatePod("a", "sim-0");
  // (kube-system: the default namespace's baseline pod security forbids host networking)
  CreatePod("host", "sim-0", {{"hostNetwork", true}}, "kube-system");
  ASSERT_TRUE(Eventually(
      [&] { return Phase("a") == "Running" && Phase("host", "kube-system") == "Running"; },
      std::chrono::seconds(3)));
  EXPECT_EQ(Get(client::resources::Pods(), "default", "a")["status"]["podIP"], "10.42.7.2");
  EXPECT_EQ(Get(client::resources::Pods(), "kube-system", "host")["status"]["podIP"], "10.200.0.1");
}

TEST_F(NodeSimulatorTest, CompletesAnnotatedPods) {
  auto simulator = StartSimulator(1);
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", "job"},
                {"namespace", "default"},
                {"annotations", {{kCompleteAfterAnnotation, "0.5"}}}}},
              {"spec",
               {{"nodeName", "sim-0"},
                {"restartPolicy", "Never"},
                {"containers", json::array({{{"name", "work"}, {"image", "busybox"}}})}}}};
  ASSERT_TRUE(admin_.Create(client::resources::Pods(), "default", pod).ok());
  // Same annotation with restartPolicy Always: keeps running.
  pod["metadata"]["name"] = "service";
  pod["spec"]["restartPolicy"] = "Always";
  ASSERT_TRUE(admin_.Create(client::resources::Pods(), "default", pod).ok());
  ASSERT_TRUE(Eventually([&] { return Phase("job") == "Succeeded"; }, std::chrono::seconds(3)));
  json done = Get(client::resources::Pods(), "default", "job");
  EXPECT_EQ(done["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  EXPECT_EQ(Phase("service"), "Running");
}

TEST_F(NodeSimulatorTest, FinishesDeletionOfTerminatingPods) {
  auto simulator = StartSimulator(1);
  CreatePod("doomed", "sim-0");
  ASSERT_TRUE(Eventually([&] { return Phase("doomed") == "Running"; }, std::chrono::seconds(3)));
  ASSERT_TRUE(admin_.Delete(client::resources::Pods(), "default", "doomed").ok());
  EXPECT_TRUE(Eventually(
      [&] {
        absl::StatusOr<json> pod = admin_.Get(client::resources::Pods(), "default", "doomed");
        return api::IsNotFound(pod.status());
      },
      std::chrono::seconds(3)));
  // Its IP is free again.
  CreatePod("next", "sim-0");
  ASSERT_TRUE(Eventually([&] { return Phase("next") == "Running"; }, std::chrono::seconds(3)));
  EXPECT_EQ(Get(client::resources::Pods(), "default", "next")["status"]["podIP"], "10.244.0.2");
}

TEST_F(NodeSimulatorTest, TakesOverExistingNodesAfterARestart) {
  auto first = StartSimulator(1);
  first->Stop();
  std::string uid = Get(client::resources::Nodes(), "", "sim-0")["metadata"]["uid"];
  auto second = StartSimulator(1);
  EXPECT_EQ(Get(client::resources::Nodes(), "", "sim-0")["metadata"]["uid"], uid);
}

TEST_F(NodeSimulatorTest, RejectsBadOptions) {
  NodeSimulatorOptions options;
  options.shape.memory = "lots";
  NodeSimulator simulator(admin_, base::RealClock(), options);
  EXPECT_EQ(simulator.Start().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace k1s::simulate
