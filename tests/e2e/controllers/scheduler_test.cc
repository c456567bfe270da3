// The scheduler's acceptance walk with kubectl 1.32 on three simulated nodes: a Deployment
// spreads one pod per node, a taint keeps pods away until they tolerate it, `kubectl describe`
// explains an unsatisfiable request with upstream's FailedScheduling text, required
// anti-affinity leaves the fourth replica Pending, and a higher-priority pod preempts a lower
// one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/controllers/simulated_cluster_fixture.h"

namespace k1s::e2e {
namespace {

using ::testing::HasSubstr;

class SchedulerTest : public SimulatedClusterTest {
 protected:
  // The message of the newest FailedScheduling event about pod `name` ("" until there is one).
  std::string FailedScheduling(const std::string& name) {
    std::string message;
    Eventually([&] {
      nlohmann::json events = NsJson({"events", "--field-selector",
                                      "reason=FailedScheduling,involvedObject.name=" + name});
      if (!events.is_object() || events["items"].empty()) return false;
      message = events["items"].back().value("message", "");
      return !message.empty();
    });
    return message;
  }

  // Pods matching `selector` by phase.
  std::map<std::string, int> Phases(const std::string& selector) {
    std::map<std::string, int> phases;
    for (const auto& pod : Pods(selector)) ++phases[Str(pod, "/status/phase"_json_pointer)];
    return phases;
  }

  std::string PodWithRequests(const std::string& name, const std::string& cpu,
                              const std::string& extra_spec = "") {
    return Manifest(name + ".yaml", "apiVersion: v1\n"
                                    "kind: Pod\n"
                                    "metadata: {name: " +
                                        name + ", labels: {app: " + name +
                                        "}}\n"
                                        "spec:\n" +
                                        extra_spec +
                                        "  containers:\n"
                                        "  - name: app\n"
                                        "    image: busybox:local\n"
                                        "    resources: {requests: {cpu: \"" +
                                        cpu + "\"}}\n");
  }
};

TEST_F(SchedulerTest, DeploymentSpreadsOnePodPerNode) {
  CreateAvailableDeployment("spread", 3);
  auto pods = WaitForReadyPods("app=spread", 3, "busybox:local");
  EXPECT_EQ(NodesOf(pods), (std::set<std::string>{"sim-0", "sim-1", "sim-2"}));

  // Doubling it keeps the spread even: two per node.
  NsOk({"scale", "deployment", "spread", "--replicas=6"});
  pods = WaitForReadyPods("app=spread", 6, "busybox:local");
  std::map<std::string, int> per_node;
  for (const auto& pod : pods) ++per_node[Str(pod, "/spec/nodeName"_json_pointer)];
  EXPECT_EQ(per_node, (std::map<std::string, int>{{"sim-0", 2}, {"sim-1", 2}, {"sim-2", 2}}));
  // Each binding is announced as upstream's scheduler does.
  std::string name = Str(pods[0], "/metadata/name"_json_pointer);
  EXPECT_THAT(NsOut({"get", "events", "--field-selector",
                     "reason=Scheduled,involvedObject.name=" + name, "-o",
                     "jsonpath={.items[0].source.component} {.items[0].message}"}),
              ::testing::MatchesRegex("default-scheduler Successfully assigned " + ns_ + "/" +
                                      name + " to sim-[012]"));
}

TEST_F(SchedulerTest, TaintKeepsPodsAwayUntilTolerated) {
  Ok({"taint", "nodes", "sim-0", "sim-1", "sim-2", "dedicated=infra:NoSchedule"});
  NsOk({"create", "deployment", "infra", "--image=busybox:local", "--replicas=2"});
  ASSERT_TRUE(Eventually(
      [&] { return Phases("app=infra") == std::map<std::string, int>{{"Pending", 2}}; }));
  std::string pending = Str(Pods("app=infra")[0], "/metadata/name"_json_pointer);
  EXPECT_EQ(FailedScheduling(pending),
            "0/3 nodes are available: 3 node(s) had untolerated taint {dedicated: infra}. "
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.");
  EXPECT_EQ(Jsonpath("pod/" + pending,
                     R"({.status.conditions[?(@.type=="PodScheduled")].reason})"),
            "Unschedulable");

  // Tolerating the taint lets the new ReplicaSet's pods run.
  NsOk({"patch", "deployment", "infra", "-p",
        R"({"spec":{"template":{"spec":{"tolerations":[{"key":"dedicated","operator":"Equal",)"
        R"("value":"infra","effect":"NoSchedule"}]}}}})"});
  NsLong({"rollout", "status", "deployment/infra", "--timeout=60s"});
  WaitForReadyPods("app=infra", 2, "busybox:local");
  Ok({"taint", "nodes", "sim-0", "sim-1", "sim-2", "dedicated=infra:NoSchedule-"});
}

TEST_F(SchedulerTest, DescribeExplainsAnUnsatisfiableRequest) {
  NsOk({"create", "-f", PodWithRequests("huge", "64")});
  std::string message = FailedScheduling("huge");
  // 64 cpus exceed every node's 32 even if it were empty: preemption cannot help.
  EXPECT_EQ(message,
            "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
            "3 Preemption is not helpful for scheduling.");
  std::string describe = NsOut({"describe", "pod", "huge"});
  EXPECT_THAT(describe, ::testing::ContainsRegex(
                            "Warning +FailedScheduling +.* +default-scheduler +0/3 nodes are "
                            "available: 3 Insufficient cpu\\."));
  EXPECT_THAT(describe, ::testing::ContainsRegex("PodScheduled +False"));
  EXPECT_EQ(Jsonpath("pod/huge", "{.status.phase}"), "Pending");
}

TEST_F(SchedulerTest, RequiredAntiAffinityLeavesTheFourthReplicaPending) {
  NsOk({"create", "-f", Manifest("apart.yaml", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: apart}
spec:
  replicas: 4
  selector: {matchLabels: {app: apart}}
  template:
    metadata: {labels: {app: apart}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: apart}}
            topologyKey: kubernetes.io/hostname
      containers:
      - {name: app, image: "busybox:local"}
)")});
  ASSERT_TRUE(Eventually([&] {
    return Phases("app=apart") == std::map<std::string, int>{{"Pending", 1}, {"Running", 3}};
  }));
  std::vector<nlohmann::json> pods = Pods("app=apart");
  std::set<std::string> nodes;
  std::string pending;
  for (const auto& pod : pods) {
    if (Str(pod, "/status/phase"_json_pointer) == "Pending") {
      pending = Str(pod, "/metadata/name"_json_pointer);
    } else {
      nodes.insert(Str(pod, "/spec/nodeName"_json_pointer));
    }
  }
  EXPECT_EQ(nodes, (std::set<std::string>{"sim-0", "sim-1", "sim-2"}));
  EXPECT_THAT(FailedScheduling(pending),
              HasSubstr("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity "
                        "rules. preemption: "));
}

TEST_F(SchedulerTest, HigherPriorityPodPreemptsALowerOne) {
  const std::vector<std::string> kLowPods = {"low-0", "low-1", "low-2"};
  Ok({"create", "priorityclass", "e2e-high-" + ns_, "--value=1000"});
  // Each simulated node has 32 cpus: one 20-cpu pod fills it.
  for (const std::string& name : kLowPods) {
    NsOk({"create", "-f", PodWithRequests(name, "20")});
  }
  ASSERT_TRUE(Eventually([&] {
    int running = 0;
    for (const std::string& name : kLowPods) {
      running += Jsonpath("pod/" + name, "{.status.phase}") == "Running" ? 1 : 0;
    }
    return running == 3;
  }));
  NsOk({"create", "-f",
        PodWithRequests("urgent", "20", "  priorityClassName: e2e-high-" + ns_ + "\n")});
  // One victim goes; the preemptor is nominated to its node and then runs there.
  ASSERT_TRUE(Eventually([&] { return Jsonpath("pod/urgent", "{.status.phase}") == "Running"; },
                         60))
      << NsOut({"get", "pods,events", "-o", "wide"});
  std::string node = Jsonpath("pod/urgent", "{.spec.nodeName}");
  int remaining = 0;
  for (const std::string& name : kLowPods) {
    auto result = server_->KubectlStdout({"-n", ns_, "get", "pod", name, "-o",
                                          "jsonpath={.spec.nodeName}"});
    if (result.exit_code == 0) {
      ++remaining;
      EXPECT_NE(result.output, node) << name << " still runs beside its preemptor";
    }
  }
  EXPECT_EQ(remaining, 2);
  nlohmann::json preempted = NsJson({"events", "--field-selector", "reason=Preempted"});
  ASSERT_TRUE(preempted.is_object());
  ASSERT_EQ(preempted["items"].size(), 1u) << preempted.dump();
  EXPECT_THAT(preempted["items"][0].value("message", ""),
              ::testing::MatchesRegex("Preempted by .* on node " + node));
}

}  // namespace
}  // namespace k1s::e2e
