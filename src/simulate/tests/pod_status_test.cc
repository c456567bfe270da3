#include "simulate/pod_status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "simulate/node_object.h"
#include "simulate/pod_ips.h"

namespace k1s::simulate {
namespace {

using nlohmann::json;

json Container(const std::string& name, json resources = json::object()) {
  return {{"name", name}, {"image", "nginx"}, {"resources", resources}};
}

json PodWith(json containers, json init_containers = json::array()) {
  return {{"metadata", {{"name", "p"}, {"namespace", "default"}, {"uid", "uid-1"}}},
          {"spec", {{"containers", containers}, {"initContainers", init_containers}}},
          {"status",
           {{"phase", "Pending"},
            {"conditions", json::array({{{"type", "PodScheduled"},
                                         {"status", "True"},
                                         {"lastTransitionTime", "2024-01-01T00:00:00Z"}}})}}}};
}

TEST(QosClassTest, FollowsUpstreamRules) {
  EXPECT_EQ(ComputeQosClass(PodWith(json::array({Container("a")}))), "BestEffort");
  // Limits alone are Burstable until defaulting copies them into requests.
  json limits_only = {{"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}};
  EXPECT_EQ(ComputeQosClass(PodWith(json::array({Container("a", limits_only)}))), "Burstable");
  json guaranteed = {{"requests", {{"cpu", "1"}, {"memory", "1Gi"}}},
                     {"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}};
  EXPECT_EQ(ComputeQosClass(PodWith(json::array({Container("a", guaranteed)}))), "Guaranteed");
  json both = {{"requests", {{"cpu", "1000m"}, {"memory", "1Gi"}}},
               {"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}};
  EXPECT_EQ(ComputeQosClass(PodWith(json::array({Container("a", both), Container("b", both)}))),
            "Guaranteed");
  json less = {{"requests", {{"cpu", "500m"}, {"memory", "1Gi"}}},
               {"limits", {{"cpu", "1"}, {"memory", "1Gi"}}}};
  EXPECT_EQ(ComputeQosClass(PodWith(json::array({Container("a", less)}))), "Burstable");
  json cpu_only = {{"limits", {{"cpu", "1"}}}};
  EXPECT_EQ(ComputeQosClass(PodWith(json::array({Container("a", cpu_only)}))), "Burstable");
  // A best-effort init container breaks Guaranteed.
  EXPECT_EQ(ComputeQosClass(PodWith(json::array({Container("a", guaranteed)}),
                                    json::array({Container("init")}))),
            "Burstable");
  // Zero requests do not count; other resources are ignored.
  json zero = {{"requests", {{"cpu", "0"}, {"example.com/gpu", "1"}}}};
  EXPECT_EQ(ComputeQosClass(PodWith(json::array({Container("a", zero)}))), "BestEffort");
}

TEST(NormalizeImageTest, AddsRegistryAndTag) {
  EXPECT_EQ(NormalizeImage("nginx"), "docker.io/library/nginx:latest");
  EXPECT_EQ(NormalizeImage("nginx:1.27"), "docker.io/library/nginx:1.27");
  EXPECT_EQ(NormalizeImage("bitnami/redis"), "docker.io/bitnami/redis:latest");
  EXPECT_EQ(NormalizeImage("ghcr.io/a/b:v1"), "ghcr.io/a/b:v1");
  EXPECT_EQ(NormalizeImage("localhost:5000/app"), "localhost:5000/app:latest");
  EXPECT_EQ(NormalizeImage("busybox@sha256:abcd"), "docker.io/library/busybox@sha256:abcd");
  EXPECT_EQ(FakeHex64("x").size(), 64u);
  EXPECT_EQ(FakeHex64("x"), FakeHex64("x"));
  EXPECT_NE(FakeHex64("x"), FakeHex64("y"));
}

TEST(RunningStatusTest, ReportsWhatAKubeletReports) {
  json pod =
      PodWith(json::array({Container("web"), Container("sidecar")}),
              json::array({Container("init"),
                           {{"name", "proxy"}, {"image", "envoy"}, {"restartPolicy", "Always"}}}));
  RunningFacts facts{"10.200.0.1", "10.244.0.2", 1'700'000'000};
  json status = RunningStatus(pod, facts);
  EXPECT_EQ(status["phase"], "Running");
  EXPECT_EQ(status["hostIP"], "10.200.0.1");
  EXPECT_EQ(status["hostIPs"], json::array({{{"ip", "10.200.0.1"}}}));
  EXPECT_EQ(status["podIP"], "10.244.0.2");
  EXPECT_EQ(status["podIPs"], json::array({{{"ip", "10.244.0.2"}}}));
  EXPECT_EQ(status["startTime"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(status["qosClass"], "BestEffort");
  std::vector<std::string> types;
  for (const json& condition : status["conditions"]) {
    types.push_back(condition["type"]);
    EXPECT_EQ(condition["status"], "True");
  }
  EXPECT_EQ(types, (std::vector<std::string>{"PodReadyToStartContainers", "Initialized", "Ready",
                                             "ContainersReady", "PodScheduled"}));
  // PodScheduled keeps its transition time.
  EXPECT_EQ(status["conditions"][4]["lastTransitionTime"], "2024-01-01T00:00:00Z");
  ASSERT_EQ(status["containerStatuses"].size(), 2u);
  const json& web = status["containerStatuses"][0];
  EXPECT_EQ(web["name"], "web");
  EXPECT_EQ(web["ready"], true);
  EXPECT_EQ(web["started"], true);
  EXPECT_EQ(web["restartCount"], 0);
  EXPECT_EQ(web["image"], "docker.io/library/nginx:latest");
  EXPECT_EQ(web["imageID"].get<std::string>().rfind("docker.io/library/nginx@sha256:", 0), 0u);
  EXPECT_EQ(web["containerID"].get<std::string>().size(), std::string("containerd://").size() + 64);
  EXPECT_EQ(web["state"]["running"]["startedAt"], "2023-11-14T22:13:20Z");
  EXPECT_NE(web["containerID"], status["containerStatuses"][1]["containerID"]);
  ASSERT_EQ(status["initContainerStatuses"].size(), 2u);
  const json& init = status["initContainerStatuses"][0];
  EXPECT_EQ(init["state"]["terminated"]["reason"], "Completed");
  EXPECT_EQ(init["state"]["terminated"]["exitCode"], 0);
  EXPECT_EQ(init["ready"], true);
  EXPECT_EQ(init["started"], false);
  EXPECT_TRUE(status["initContainerStatuses"][1]["state"].contains("running"));
}

TEST(SucceededStatusTest, TerminatesEveryContainer) {
  json pod = PodWith(json::array({Container("job")}), json::array({Container("init")}));
  pod["status"] = RunningStatus(pod, {"10.200.0.1", "10.244.0.2", 1'700'000'000});
  json status = SucceededStatus(pod, 1'700'000'005);
  // The init container's completion is not rewritten.
  EXPECT_EQ(status["initContainerStatuses"][0], pod["status"]["initContainerStatuses"][0]);
  EXPECT_EQ(status["phase"], "Succeeded");
  EXPECT_EQ(status["podIP"], "10.244.0.2");
  const json& terminated = status["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(terminated["reason"], "Completed");
  EXPECT_EQ(terminated["exitCode"], 0);
  EXPECT_EQ(terminated["startedAt"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(terminated["finishedAt"], "2023-11-14T22:13:25Z");
  EXPECT_EQ(status["containerStatuses"][0]["ready"], false);
  for (const json& condition : status["conditions"]) {
    if (condition["type"] == "Ready" || condition["type"] == "ContainersReady") {
      EXPECT_EQ(condition["status"], "False");
      EXPECT_EQ(condition["reason"], "PodCompleted");
    }
    if (condition["type"] == "Initialized") {
      EXPECT_EQ(condition["reason"], "PodCompleted");
    }
  }
}

TEST(PodIpPoolTest, AssignsFromTheNodeRange) {
  PodIpPool pool(3);
  EXPECT_EQ(pool.Assign("a", ""), "10.244.3.2");
  EXPECT_EQ(pool.Assign("b", ""), "10.244.3.3");
  EXPECT_EQ(pool.Assign("a", ""), "10.244.3.2");  // stable
  pool.Release("a");
  EXPECT_EQ(pool.Assign("c", ""), "10.244.3.2");  // reused
  EXPECT_EQ(pool.Assign("d", "10.42.7.0/24"), "10.42.7.2");
  pool.Claim("e", "10.42.7.3");
  EXPECT_EQ(pool.Assign("f", "10.42.7.0/24"), "10.42.7.4");
  EXPECT_EQ(PodIpPool(300).Assign("a", ""), "10.245.44.2");
  PodIpPool tiny(0);
  EXPECT_EQ(tiny.Assign("a", "10.1.0.0/30"), "10.1.0.2");
  EXPECT_EQ(tiny.Assign("b", "10.1.0.0/30"), "");  // full
  uint32_t base = 0;
  int32_t prefix = 0;
  EXPECT_FALSE(ParseIpv4Cidr("fd00::/64", &base, &prefix));
  EXPECT_FALSE(ParseIpv4Cidr("10.0.0.256/24", &base, &prefix));
  EXPECT_TRUE(ParseIpv4Cidr("10.42.7.9/24", &base, &prefix));
  EXPECT_EQ(FormatIpv4(base), "10.42.7.0");
}

TEST(NodeObjectTest, StatusKeepsTransitionTimes) {
  NodeShape shape;
  json status = NodeStatus("sim-0", 0, shape, json::object(), 100);
  EXPECT_EQ(status["capacity"]["cpu"], "32");
  EXPECT_EQ(status["allocatable"]["memory"], "256Gi");
  EXPECT_EQ(status["addresses"][0]["address"], "10.200.0.1");
  EXPECT_EQ(status["nodeInfo"]["kubeletVersion"], "v1.32.0+k1s1");
  json later = NodeStatus("sim-0", 0, shape, status, 200);
  for (const json& condition : later["conditions"]) {
    EXPECT_EQ(condition["lastTransitionTime"], "1970-01-01T00:01:40Z");
    EXPECT_EQ(condition["lastHeartbeatTime"], "1970-01-01T00:03:20Z");
  }
  EXPECT_EQ(later["conditions"][3]["type"], "Ready");
  EXPECT_EQ(later["conditions"][3]["reason"], "KubeletReady");
  EXPECT_EQ(NodeInternalIp(254), "10.200.1.1");
}

}  // namespace
}  // namespace k1s::simulate
