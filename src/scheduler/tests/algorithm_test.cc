// The scheduling algorithm on hand-built snapshots: resource arithmetic, selectors, each filter
// and score, the FailedScheduling text and the preemption verdict.
#include "scheduler/algorithm.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scheduler/plugins/plugins.h"
#include "scheduler/resources.h"
#include "scheduler/selectors.h"
#include "scheduler/tests/test_objects.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;

using testing::Info;
using testing::Node;
using testing::Pod;
using testing::Seeded;
using testing::SnapshotOf;

TEST(ResourcesTest, PodRequestsFollowUpstreamRules) {
  json pod = Pod("p", {{"cpu", "500m"}, {"memory", "1Gi"}});
  pod["spec"]["containers"].push_back(
      {{"name", "d"}, {"resources", {{"requests", {{"cpu", "250m"}, {"example.com/gpu", "1"}}}}}});
  // An init container bigger than the containers' sum sets the cpu request.
  pod["spec"]["initContainers"] = json::array(
      {{{"name", "init"}, {"resources", {{"requests", {{"cpu", "2"}, {"memory", "100Mi"}}}}}}});
  pod["spec"]["overhead"] = {{"cpu", "100m"}, {"memory", "10Mi"}};
  Resources requests = PodRequests(pod);
  EXPECT_EQ(requests.milli_cpu, 2100);
  EXPECT_EQ(requests.memory, (1024 + 10) * 1024 * 1024);
  EXPECT_EQ(requests.scalar.at("example.com/gpu"), 1);
  // Sidecars (restartable init containers) add to the containers and to later init steps.
  json sidecar = Pod("s", {{"cpu", "1"}});
  sidecar["spec"]["initContainers"] =
      json::array({{{"name", "proxy"},
                    {"restartPolicy", "Always"},
                    {"resources", {{"requests", {{"cpu", "500m"}}}}}},
                   {{"name", "init"}, {"resources", {{"requests", {{"cpu", "1200m"}}}}}}});
  EXPECT_EQ(PodRequests(sidecar).milli_cpu, 1700);
  // Scoring counts 100m / 200Mi for containers that name no request.
  Resources non_zero = PodRequests(Pod("b"), /*non_zero=*/true);
  EXPECT_EQ(non_zero.milli_cpu, kDefaultMilliCpuRequest);
  EXPECT_EQ(non_zero.memory, kDefaultMemoryRequest);
  EXPECT_EQ(PodRequests(Pod("b")).milli_cpu, 0);
  EXPECT_TRUE(IsScalarResourceName("example.com/gpu"));
  EXPECT_TRUE(IsScalarResourceName("hugepages-2Mi"));
  EXPECT_FALSE(IsScalarResourceName("cpu"));
  EXPECT_EQ(NodeAllocatable(Node("n")).allowed_pods, 110);
}

TEST(SelectorsTest, OperatorsMatchAsUpstream) {
  json term = {{"matchExpressions",
                json::array({{{"key", "zone"}, {"operator", "In"}, {"values", {"a", "b"}}},
                             {{"key", "gen"}, {"operator", "Gt"}, {"values", {"3"}}},
                             {{"key", "old"}, {"operator", "DoesNotExist"}}})}};
  NodeSelectorTerm parsed = ParseNodeSelectorTerm(term);
  EXPECT_TRUE(parsed.Matches({{"zone", "a"}, {"gen", "4"}}, "n"));
  EXPECT_FALSE(parsed.Matches({{"zone", "a"}, {"gen", "3"}}, "n"));
  EXPECT_FALSE(parsed.Matches({{"zone", "a"}, {"gen", "x"}}, "n"));
  EXPECT_FALSE(parsed.Matches({{"zone", "c"}, {"gen", "9"}}, "n"));
  EXPECT_FALSE(parsed.Matches({{"zone", "a"}, {"gen", "9"}, {"old", ""}}, "n"));
  NodeSelectorTerm others = ParseNodeSelectorTerm(
      {{"matchExpressions",
        json::array({{{"key", "zone"}, {"operator", "NotIn"}, {"values", {"a"}}},
                     {{"key", "gen"}, {"operator", "Lt"}, {"values", {"3"}}},
                     {{"key", "ssd"}, {"operator", "Exists"}}})},
       {"matchFields",
        json::array({{{"key", "metadata.name"}, {"operator", "In"}, {"values", {"n1"}}}})}});
  EXPECT_TRUE(others.Matches({{"gen", "2"}, {"ssd", "true"}}, "n1"));
  EXPECT_FALSE(others.Matches({{"gen", "2"}, {"ssd", "true"}}, "n2"));
  EXPECT_FALSE(others.Matches({{"zone", "a"}, {"gen", "2"}, {"ssd", "true"}}, "n1"));
  // Empty and malformed terms match nothing.
  EXPECT_FALSE(ParseNodeSelectorTerm(json::object()).Matches({}, "n"));
  EXPECT_FALSE(ParseNodeSelectorTerm(
                   {{"matchExpressions",
                     json::array({{{"key", "a"}, {"operator", "Gt"}, {"values", {"x"}}}})}})
                   .Matches({{"a", "1"}}, "n"));
  Toleration exists{"", "Exists", "", ""};
  EXPECT_TRUE(exists.Tolerates({"any", "v", "NoSchedule"}));
  Toleration equal{"k", "Equal", "v", "NoSchedule"};
  EXPECT_TRUE(equal.Tolerates({"k", "v", "NoSchedule"}));
  EXPECT_FALSE(equal.Tolerates({"k", "w", "NoSchedule"}));
  EXPECT_FALSE(equal.Tolerates({"k", "v", "NoExecute"}));
}

TEST(AlgorithmTest, FitErrorNamesEveryReason) {
  json small = Node("small", {{"cpu", "1"}, {"memory", "8Gi"}, {"pods", "110"}});
  std::vector<json> nodes = {small};
  for (const char* name : {"cp-1", "cp-2"}) {
    json node = Node(name);
    node["spec"]["taints"] =
        json::array({{{"key", "node-role.kubernetes.io/control-plane"}, {"effect", "NoSchedule"}}});
    nodes.push_back(node);
  }
  // The small node holds a pod of the same priority: nothing to preempt there.
  auto snapshot = SnapshotOf(nodes, {{Pod("busy", {{"cpu", "500m"}}), "small"}});
  Algorithm algorithm = Seeded();
  ScheduleResult result = algorithm.Schedule(Info(Pod("p", {{"cpu", "800m"}})), *snapshot);
  EXPECT_TRUE(result.node.empty());
  EXPECT_EQ(result.message,
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 1 No "
            "preemption victims found for incoming pod, 2 Preemption is not helpful for "
            "scheduling.");
  EXPECT_EQ(result.code, Code::kUnschedulable);
  // Asking for more than the whole node is unresolvable: preemption cannot help anywhere.
  result = algorithm.Schedule(Info(Pod("big", {{"cpu", "2"}})), *snapshot);
  EXPECT_EQ(result.message,
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 3 "
            "Preemption is not helpful for scheduling.");
  EXPECT_EQ(result.code, Code::kUnschedulableAndUnresolvable);
  json never = Pod("never", {{"cpu", "800m"}});
  never["spec"]["preemptionPolicy"] = "Never";
  result = algorithm.Schedule(Info(never), *snapshot);
  EXPECT_EQ(result.message,
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }. preemption: not eligible due to "
            "preemptionPolicy=Never.");
  // With lower-priority pods that would not free enough, the filters' verdict without them.
  json high = Pod("high", {{"cpu", "2"}});
  high["spec"]["priority"] = 1000;
  json mid = Pod("mid", {{"cpu", "1500m"}});
  mid["spec"]["priority"] = 1000;
  auto crowded = SnapshotOf({Node("n", {{"cpu", "3"}, {"memory", "2Gi"}, {"pods", "110"}})},
                            {{Pod("low", {{"cpu", "1"}}), "n"}, {mid, "n"}});
  result = algorithm.Schedule(Info(high), *crowded);
  EXPECT_EQ(result.message,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 "
            "Insufficient cpu.");
  EXPECT_EQ(algorithm.Schedule(Info(Pod("x")), *SnapshotOf({})).message,
            "no nodes available to schedule pods");
  // Reasons are sorted as strings, so 10 comes before 2.
  Diagnosis diagnosis;
  for (int i = 0; i < 10; ++i)
    diagnosis.node_statuses["a" + std::to_string(i)] = Status::Unresolvable({"x"});
  for (int i = 0; i < 2; ++i)
    diagnosis.node_statuses["b" + std::to_string(i)] = Status::Unresolvable({"w"});
  EXPECT_EQ(FitErrorMessage(12, diagnosis), "0/12 nodes are available: 10 x, 2 w.");
}

TEST(AlgorithmTest, EachFilterRejectsWithUpstreamReason) {
  Algorithm algorithm = Seeded();
  CycleState state;
  auto check = [&](const json& node, const json& pod) {
    auto snapshot = SnapshotOf({node});
    Status status = algorithm.RunFilters(state, Info(pod), *snapshot->nodes.at(0));
    return status.ok() ? std::string("fits") : status.plugin + ": " + status.reasons.at(0);
  };
  json cordoned = Node("n");
  cordoned["spec"]["unschedulable"] = true;
  EXPECT_EQ(check(cordoned, Pod("p")), "NodeUnschedulable: node(s) were unschedulable");
  json tolerant = Pod("p");
  tolerant["spec"]["tolerations"] = json::array({{{"key", "node.kubernetes.io/unschedulable"},
                                                  {"operator", "Exists"},
                                                  {"effect", "NoSchedule"}}});
  EXPECT_EQ(check(cordoned, tolerant), "fits");

  json named = Pod("p");
  named["spec"]["nodeName"] = "other";
  EXPECT_EQ(check(Node("n"), named), "NodeName: node(s) didn't match the requested node name");

  json tainted = Node("n");
  tainted["spec"]["taints"] =
      json::array({{{"key", "dedicated"}, {"value", "gpu"}, {"effect", "NoExecute"}},
                   {{"key", "soft"}, {"effect", "PreferNoSchedule"}}});
  EXPECT_EQ(check(tainted, Pod("p")),
            "TaintToleration: node(s) had untolerated taint {dedicated: gpu}");
  json tolerates = Pod("p");
  tolerates["spec"]["tolerations"] = json::array(
      {{{"key", "dedicated"}, {"operator", "Equal"}, {"value", "gpu"}, {"effect", "NoExecute"}}});
  EXPECT_EQ(check(tainted, tolerates), "fits");

  json labeled = Node("n");
  labeled["metadata"]["labels"]["disk"] = "ssd";
  json selector = Pod("p");
  selector["spec"]["nodeSelector"] = {{"disk", "hdd"}};
  EXPECT_EQ(check(labeled, selector),
            "NodeAffinity: node(s) didn't match Pod's node affinity/selector");
  selector["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  EXPECT_EQ(check(labeled, selector), "fits");
  json affinity = Pod("p");
  affinity["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
      {"nodeSelectorTerms",
       json::array(
           {{{"matchExpressions",
              json::array({{{"key", "disk"}, {"operator", "NotIn"}, {"values", {"ssd"}}}})}},
            {{"matchExpressions", json::array({{{"key", "gpu"}, {"operator", "Exists"}}})}}})}};
  EXPECT_EQ(check(labeled, affinity),
            "NodeAffinity: node(s) didn't match Pod's node affinity/selector");
  labeled["metadata"]["labels"]["gpu"] = "1";  // the second term matches
  EXPECT_EQ(check(labeled, affinity), "fits");

  EXPECT_EQ(check(Node("n"), Pod("p", {{"memory", "9Gi"}})),
            "NodeResourcesFit: Insufficient memory");
  EXPECT_EQ(check(Node("n"), Pod("p", {{"example.com/gpu", "1"}})),
            "NodeResourcesFit: Insufficient example.com/gpu");
  json gpu_node = Node("n", {{"cpu", "4"},
                             {"memory", "8Gi"},
                             {"pods", "110"},
                             {"example.com/gpu", "2"},
                             {"ephemeral-storage", "10Gi"}});
  EXPECT_EQ(check(gpu_node, Pod("p", {{"example.com/gpu", "2"}})), "fits");
  EXPECT_EQ(check(gpu_node, Pod("p", {{"ephemeral-storage", "20Gi"}})),
            "NodeResourcesFit: Insufficient ephemeral-storage");
  json init = Pod("p", {{"cpu", "1"}});
  init["spec"]["initContainers"] =
      json::array({{{"name", "i"}, {"resources", {{"requests", {{"cpu", "5"}}}}}}});
  EXPECT_EQ(check(Node("n"), init), "NodeResourcesFit: Insufficient cpu");
  json overhead = Pod("p", {{"cpu", "3900m"}});
  overhead["spec"]["overhead"] = {{"cpu", "200m"}};
  EXPECT_EQ(check(Node("n"), overhead), "NodeResourcesFit: Insufficient cpu");
  EXPECT_EQ(check(Node("n", {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "0"}}), Pod("p")),
            "NodeResourcesFit: Too many pods");
}

TEST(AlgorithmTest, NodeAffinityMatchFieldsNarrowTheNodes) {
  Algorithm algorithm = Seeded();
  json pinned = Pod("ds");
  pinned["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
      {"nodeSelectorTerms", json::array({{{"matchFields", json::array({{{"key", "metadata.name"},
                                                                        {"operator", "In"},
                                                                        {"values", {"n2"}}}})}}})}};
  auto snapshot = SnapshotOf({Node("n1"), Node("n2"), Node("n3")});
  ScheduleResult result = algorithm.Schedule(Info(pinned), *snapshot);
  EXPECT_EQ(result.node, "n2");
  EXPECT_EQ(result.evaluated_nodes, 1);
  auto full = SnapshotOf(
      {Node("n1"), Node("n2", {{"cpu", "1"}, {"memory", "1Gi"}, {"pods", "0"}}), Node("n3")});
  result = algorithm.Schedule(Info(pinned), *full);
  EXPECT_EQ(result.message,
            "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't satisfy plugin(s) "
            "[NodeAffinity]. preemption: 0/3 nodes are available: 1 No preemption victims found "
            "for incoming pod, 2 Preemption is not helpful for scheduling.");
}

TEST(AlgorithmTest, ScoresPickTheBestNode) {
  Algorithm algorithm = Seeded();
  // LeastAllocated: the emptier node wins.
  auto snapshot = SnapshotOf({Node("busy"), Node("idle")},
                             {{Pod("a", {{"cpu", "3"}, {"memory", "6Gi"}}), "busy"}});
  EXPECT_EQ(algorithm.Schedule(Info(Pod("p", {{"cpu", "100m"}})), *snapshot).node, "idle");
  // TaintToleration: an untolerated PreferNoSchedule taint loses.
  json soft = Node("soft");
  soft["spec"]["taints"] = json::array({{{"key", "k"}, {"effect", "PreferNoSchedule"}}});
  snapshot = SnapshotOf({soft, Node("plain")});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(algorithm.Schedule(Info(Pod("p")), *snapshot).node, "plain");
  }
  // NodeAffinity preferred terms add their weights.
  json zoned = Node("zoned");
  zoned["metadata"]["labels"]["zone"] = "a";
  snapshot = SnapshotOf({Node("other"), zoned});
  json prefers = Pod("p");
  prefers["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] =
      json::array(
          {{{"weight", 10},
            {"preference",
             {{"matchExpressions",
               json::array({{{"key", "zone"}, {"operator", "In"}, {"values", {"a"}}}})}}}}});
  for (int i = 0; i < 5; ++i) EXPECT_EQ(algorithm.Schedule(Info(prefers), *snapshot).node, "zoned");
  // BalancedAllocation: 100 * (1 - std) of the cpu and memory fractions.
  snapshot = SnapshotOf({Node("lopsided", {{"cpu", "4"}, {"memory", "4Gi"}, {"pods", "110"}}),
                         Node("balanced", {{"cpu", "4"}, {"memory", "4Gi"}, {"pods", "110"}})},
                        {{Pod("x", {{"cpu", "3"}}), "lopsided"},
                         {Pod("z", {{"cpu", "1500m"}, {"memory", "1536Mi"}}), "balanced"}});
  plugins::BalancedAllocation balanced;
  CycleState state;
  EXPECT_EQ(balanced.Score(state, Info(Pod("p")), *snapshot->Get("balanced")), 100);
  EXPECT_EQ(balanced.Score(state, Info(Pod("p")), *snapshot->Get("lopsided")), 62);
  // Ties are broken at random: both equal nodes get picked over many tries.
  snapshot = SnapshotOf({Node("a"), Node("b")});
  std::set<std::string> picked;
  for (int i = 0; i < 50; ++i) picked.insert(algorithm.Schedule(Info(Pod("p")), *snapshot).node);
  EXPECT_EQ(picked, (std::set<std::string>{"a", "b"}));
}

TEST(AlgorithmTest, ScoreValuesMatchUpstreamFormulas) {
  auto snapshot = SnapshotOf({Node("n")}, {{Pod("a", {{"cpu", "1"}, {"memory", "2Gi"}}), "n"}});
  const NodeInfo& node = *snapshot->nodes.at(0);
  CycleState state;
  PodInfo pod = Info(Pod("p", {{"cpu", "1"}, {"memory", "2Gi"}}));
  // cpu (4000-2000)*100/4000 = 50, memory (8-4)*100/8 = 50.
  EXPECT_EQ(plugins::NodeResourcesFit().Score(state, pod, node), 50);
  // fractions 0.5 and 0.5: perfectly balanced.
  EXPECT_EQ(plugins::BalancedAllocation().Score(state, pod, node), 100);
  PodInfo cpu_only = Info(Pod("q", {{"cpu", "2"}}));
  // fractions 0.75 and 0.25: std 0.25.
  EXPECT_EQ(plugins::BalancedAllocation().Score(state, cpu_only, node), 75);
  std::vector<int64_t> counts = {0, 1, 2};
  DefaultNormalizeScore(100, /*reverse=*/true, counts);
  EXPECT_EQ(counts, (std::vector<int64_t>{100, 50, 0}));
  Algorithm algorithm = Seeded();
  EXPECT_EQ(algorithm.NumFeasibleNodesToFind(50), 50);
  EXPECT_EQ(algorithm.NumFeasibleNodesToFind(1000), 420);
  EXPECT_EQ(algorithm.NumFeasibleNodesToFind(5000), 500);
  EXPECT_EQ(algorithm.NumFeasibleNodesToFind(150), 100);
}

}  // namespace
}  // namespace k1s::scheduler
