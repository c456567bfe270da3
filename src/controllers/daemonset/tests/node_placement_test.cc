// Pure placement rules: node selectors, required node affinity, taints and tolerations, the
// DaemonSet tolerations, the metadata.name binding, and int-or-percent scaling.
#include "controllers/daemonset/node_placement.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "controllers/daemonset/daemon_pods.h"

namespace k1s::controllers::daemonset {
namespace {

using nlohmann::json;

json Node(const std::string& name, json labels = json::object(), json taints = json::array()) {
  return {{"metadata", {{"name", name}, {"labels", labels}}}, {"spec", {{"taints", taints}}}};
}

json DaemonSet(json pod_spec) {
  return {{"metadata", {{"name", "agent"}, {"namespace", "default"}}},
          {"spec", {{"template", {{"spec", pod_spec}}}}}};
}

json Term(json expressions, json fields = json::array()) {
  return {{"matchExpressions", expressions}, {"matchFields", fields}};
}

json RequiredAffinity(json terms) {
  return {
      {"affinity",
       {{"nodeAffinity",
         {{"requiredDuringSchedulingIgnoredDuringExecution", {{"nodeSelectorTerms", terms}}}}}}}};
}

TEST(NodePlacementTest, NodeSelectorAndTemplateNodeName) {
  json ds = DaemonSet({{"nodeSelector", {{"role", "worker"}}}});
  EXPECT_TRUE(NodeShouldRunDaemonPod(Node("a", {{"role", "worker"}}), ds).should_run);
  Placement other = NodeShouldRunDaemonPod(Node("b", {{"role", "db"}}), ds);
  EXPECT_FALSE(other.should_run);
  EXPECT_FALSE(other.should_continue_running);
  EXPECT_FALSE(NodeShouldRunDaemonPod(Node("c"), ds).should_run);

  json pinned = DaemonSet({{"nodeName", "a"}});
  EXPECT_TRUE(NodeShouldRunDaemonPod(Node("a"), pinned).should_run);
  EXPECT_FALSE(NodeShouldRunDaemonPod(Node("b"), pinned).should_run);
}

TEST(NodePlacementTest, RequiredNodeAffinityOperators) {
  json node = Node("n1", {{"zone", "z1"}, {"cpus", "8"}});
  auto runs = [&](json terms) {
    return NodeShouldRunDaemonPod(node, DaemonSet(RequiredAffinity(terms))).should_run;
  };
  EXPECT_TRUE(runs({Term({{{"key", "zone"}, {"operator", "In"}, {"values", {"z1", "z2"}}}})}));
  EXPECT_FALSE(runs({Term({{{"key", "zone"}, {"operator", "NotIn"}, {"values", {"z1"}}}})}));
  EXPECT_TRUE(runs({Term({{{"key", "gpu"}, {"operator", "DoesNotExist"}}})}));
  EXPECT_TRUE(runs({Term({{{"key", "cpus"}, {"operator", "Gt"}, {"values", {"4"}}}})}));
  EXPECT_FALSE(runs({Term({{{"key", "cpus"}, {"operator", "Lt"}, {"values", {"4"}}}})}));
  // Terms are ORed; requirements within a term are ANDed.
  EXPECT_TRUE(runs({Term({{{"key", "gpu"}, {"operator", "Exists"}}}),
                    Term({{{"key", "zone"}, {"operator", "Exists"}}})}));
  EXPECT_FALSE(runs({Term(
      {{{"key", "gpu"}, {"operator", "Exists"}}, {{"key", "zone"}, {"operator", "Exists"}}})}));
  // An empty term selects nothing.
  EXPECT_FALSE(runs({json::object()}));
  EXPECT_TRUE(runs(
      {Term(json::array(), {{{"key", "metadata.name"}, {"operator", "In"}, {"values", {"n1"}}}})}));
  EXPECT_FALSE(runs(
      {Term(json::array(), {{{"key", "metadata.name"}, {"operator", "In"}, {"values", {"n2"}}}})}));
}

TEST(NodePlacementTest, TaintsDecideRunAndContinueRunning) {
  json ds = DaemonSet(json::object());
  json no_schedule =
      Node("a", {}, {{{"key", "dedicated"}, {"value", "db"}, {"effect", "NoSchedule"}}});
  Placement placement = NodeShouldRunDaemonPod(no_schedule, ds);
  EXPECT_FALSE(placement.should_run);
  EXPECT_TRUE(placement.should_continue_running);

  json no_execute =
      Node("b", {}, {{{"key", "dedicated"}, {"value", "db"}, {"effect", "NoExecute"}}});
  placement = NodeShouldRunDaemonPod(no_execute, ds);
  EXPECT_FALSE(placement.should_run);
  EXPECT_FALSE(placement.should_continue_running);

  json tolerant = DaemonSet(
      {{"tolerations", {{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "db"}}}}});
  EXPECT_TRUE(NodeShouldRunDaemonPod(no_execute, tolerant).should_run);

  // The automatic DaemonSet tolerations cover a cordoned or not-ready node.
  json cordoned = Node("c", {},
                       {{{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}},
                        {{"key", "node.kubernetes.io/not-ready"}, {"effect", "NoExecute"}}});
  EXPECT_TRUE(NodeShouldRunDaemonPod(cordoned, ds).should_run);
  json network = Node(
      "d", {}, {{{"key", "node.kubernetes.io/network-unavailable"}, {"effect", "NoSchedule"}}});
  EXPECT_FALSE(NodeShouldRunDaemonPod(network, ds).should_run);
  EXPECT_TRUE(NodeShouldRunDaemonPod(network, DaemonSet({{"hostNetwork", true}})).should_run);
}

TEST(NodePlacementTest, DaemonTolerationsReplaceMatchingOnes) {
  json spec = {{"tolerations",
                {{{"key", "node.kubernetes.io/not-ready"},
                  {"operator", "Exists"},
                  {"effect", "NoExecute"},
                  {"tolerationSeconds", 300}},
                 {{"key", "custom"}, {"operator", "Exists"}}}}};
  AddDaemonPodTolerations(spec);
  ASSERT_EQ(spec["tolerations"].size(), 7u);  // custom + 6 added (one replaced in place)
  EXPECT_FALSE(spec["tolerations"][0].contains("tolerationSeconds"));
  EXPECT_EQ(spec["tolerations"][1]["key"], "custom");
  AddDaemonPodTolerations(spec);
  EXPECT_EQ(spec["tolerations"].size(), 7u);
}

TEST(NodePlacementTest, NodeNameAffinityRoundTrips) {
  json spec = RequiredAffinity({Term({{{"key", "zone"}, {"operator", "Exists"}}})});
  spec["affinity"]["podAntiAffinity"] = json::object();
  SetNodeNameAffinity(spec, "node-7");
  const json& terms = spec["affinity"]["nodeAffinity"]
                          ["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"];
  ASSERT_EQ(terms.size(), 1u);
  EXPECT_EQ(terms[0]["matchFields"][0]["key"], "metadata.name");
  EXPECT_TRUE(spec["affinity"].contains("podAntiAffinity"));
  EXPECT_EQ(TargetNodeName(json{{"spec", spec}}), "node-7");
  EXPECT_EQ(TargetNodeName(json{{"spec", {{"nodeName", "bound"}}}}), "bound");
  EXPECT_EQ(TargetNodeName(json{{"spec", json::object()}}), std::nullopt);
}

TEST(DaemonPodsTest, ScaledValuesAndUpdatedPods) {
  EXPECT_EQ(*ScaledValue(3, 10, true), 3);
  EXPECT_EQ(*ScaledValue("25%", 10, true), 3);
  EXPECT_EQ(*ScaledValue("25%", 10, false), 2);
  EXPECT_FALSE(ScaledValue("abc", 10, true).ok());
  json ds = {{"spec",
              {{"updateStrategy",
                {{"type", "RollingUpdate"},
                 {"rollingUpdate", {{"maxUnavailable", 0}, {"maxSurge", "50%"}}}}}}}};
  EXPECT_EQ(*SurgeCount(ds, 3), 2);
  EXPECT_EQ(*UnavailableCount(ds, 3), 0);
  EXPECT_TRUE(AllowsSurge(ds));
  EXPECT_FALSE(AllowsSurge(json{{"spec", {{"updateStrategy", {{"type", "OnDelete"}}}}}}));

  json pod = {{"metadata", {{"labels", {{"controller-revision-hash", "abc"}}}}}};
  EXPECT_TRUE(IsPodUpdated(pod, "abc", std::nullopt));
  EXPECT_FALSE(IsPodUpdated(pod, "def", std::nullopt));
  pod["metadata"]["labels"]["pod-template-generation"] = "4";
  EXPECT_TRUE(IsPodUpdated(pod, "def", 4));

  json made = CreatePodTemplate({{"metadata", {{"labels", {{"app", "a"}}}}}}, 2, "h1");
  EXPECT_EQ(made["metadata"]["labels"]["controller-revision-hash"], "h1");
  EXPECT_EQ(made["metadata"]["labels"]["pod-template-generation"], "2");
  EXPECT_EQ(made["spec"]["tolerations"].size(), 6u);
}

}  // namespace
}  // namespace k1s::controllers::daemonset
