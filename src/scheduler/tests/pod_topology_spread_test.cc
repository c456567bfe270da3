// PodTopologySpread on hand-built snapshots: hard constraints (maxSkew, minDomains, node
// inclusion policies, matchLabelKeys, missing labels), soft scoring, the system default
// constraints built from ReplicaSets and Services, and the FailedScheduling text.
#include "scheduler/plugins/pod_topology_spread.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "client/resource.h"
#include "scheduler/algorithm.h"
#include "scheduler/tests/test_objects.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;
using plugins::PodTopologySpread;

using testing::Info;
using testing::SnapshotOf;

constexpr const char* kZone = testing::kZoneLabel;
constexpr char kSpreadReason[] = "node(s) didn't match pod topology spread constraints";
constexpr char kMissingLabelReason[] =
    "node(s) didn't match pod topology spread constraints (missing required label)";

// A default node in `zone` ("" = none); pods carry labels, even empty ones.
json Node(const std::string& name, const std::string& zone = "", json extra_labels = {}) {
  return testing::ZonedNode(name, zone, std::move(extra_labels));
}

json Pod(const std::string& name, json labels = json::object(),
         const std::string& namespace_name = "default") {
  return testing::LabeledPod(name, std::move(labels), namespace_name);
}

json Constraint(const std::string& key, int32_t max_skew, const std::string& when,
                json selector = {{"matchLabels", {{"app", "foo"}}}}) {
  json c = {{"maxSkew", max_skew}, {"topologyKey", key}, {"whenUnsatisfiable", when}};
  if (!selector.is_null()) c["labelSelector"] = selector;
  return c;
}

json WithConstraints(json pod, std::vector<json> constraints) {
  pod["spec"]["topologySpreadConstraints"] = constraints;
  return pod;
}

// PreFilter then Filter on every node: "fits", or the code and reason per node.
std::map<std::string, std::string> FilterAll(const json& pod, const Snapshot& snapshot) {
  PodTopologySpread plugin(nullptr);
  PodInfo info = Info(pod);
  CycleState state;
  std::optional<std::set<std::string>> names;
  Status pre = plugin.PreFilter(state, info, snapshot, &names);
  EXPECT_TRUE(pre.ok() || pre.code == Code::kSkip) << (pre.reasons.empty() ? "" : pre.reasons[0]);
  std::map<std::string, std::string> out;
  for (const NodeInfoPtr& node : snapshot.nodes) {
    Status status = plugin.Filter(state, info, *node);
    if (status.ok()) {
      out[node->name()] = "fits";
    } else {
      std::string code = status.code == Code::kUnschedulable ? "U: " : "UU: ";
      out[node->name()] = code + status.reasons.at(0);
    }
  }
  return out;
}

// PreScore, Score and NormalizeScore over `feasible` (all snapshot nodes when empty).
std::map<std::string, int64_t> ScoreAll(const PodTopologySpread& plugin, const json& pod,
                                        const Snapshot& snapshot, bool* skipped = nullptr,
                                        std::vector<int64_t>* raw = nullptr) {
  PodInfo info = Info(pod);
  CycleState state;
  std::optional<std::set<std::string>> names;
  plugin.PreFilter(state, info, snapshot, &names);
  Status status = plugin.PreScore(state, info, snapshot, snapshot.nodes);
  if (skipped != nullptr) *skipped = status.code == Code::kSkip;
  std::map<std::string, int64_t> out;
  if (status.code == Code::kSkip) return out;
  std::vector<int64_t> scores;
  for (const NodeInfoPtr& node : snapshot.nodes) scores.push_back(plugin.Score(state, info, *node));
  if (raw != nullptr) *raw = scores;
  plugin.NormalizeScore(state, info, scores);
  for (size_t i = 0; i < scores.size(); ++i) out[snapshot.nodes[i]->name()] = scores[i];
  return out;
}

const std::string kFits = "fits";
const std::string kSkewed = std::string("U: ") + kSpreadReason;

TEST(PodTopologySpreadTest, HardConstraintSkewAndMinDomains) {
  json foo = {{"app", "foo"}};
  json terminating = Pod("t", foo);
  terminating["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  // Zone a holds 3 matching pods, zone b 1; a terminating pod, a pod of another namespace and
  // a pod with other labels do not count.
  auto snapshot = SnapshotOf({Node("a1", "a"), Node("a2", "a"), Node("b1", "b"), Node("b2", "b")},
                             {{Pod("p1", foo), "a1"},
                              {Pod("p2", foo), "a1"},
                              {Pod("p3", foo), "a2"},
                              {Pod("p4", foo), "b1"},
                              {terminating, "b1"},
                              {Pod("o", foo, "other"), "b2"},
                              {Pod("bar", {{"app", "bar"}}), "b2"}});
  json pod = WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "DoNotSchedule")});
  // a: 3 + 1 - 1 > 1; b: 1 + 1 - 1 <= 1.
  EXPECT_EQ(FilterAll(pod, *snapshot),
            (std::map<std::string, std::string>{
                {"a1", kSkewed}, {"a2", kSkewed}, {"b1", kFits}, {"b2", kFits}}));
  // A pod its own selector does not match adds nothing: a: 3 + 0 - 1 > 1 still.
  json other = WithConstraints(Pod("new", {{"app", "x"}}), {Constraint(kZone, 2, "DoNotSchedule")});
  EXPECT_EQ(FilterAll(other, *snapshot),
            (std::map<std::string, std::string>{
                {"a1", kFits}, {"a2", kFits}, {"b1", kFits}, {"b2", kFits}}));
  // minDomains 3 with 2 domains: the global minimum counts as 0, so b: 1 + 1 - 0 > 1.
  json min_domains = Constraint(kZone, 1, "DoNotSchedule");
  min_domains["minDomains"] = 3;
  EXPECT_EQ(FilterAll(WithConstraints(Pod("new", foo), {min_domains}), *snapshot),
            (std::map<std::string, std::string>{
                {"a1", kSkewed}, {"a2", kSkewed}, {"b1", kSkewed}, {"b2", kSkewed}}));
  min_domains["maxSkew"] = 2;
  EXPECT_EQ(FilterAll(WithConstraints(Pod("new", foo), {min_domains}), *snapshot),
            (std::map<std::string, std::string>{
                {"a1", kSkewed}, {"a2", kSkewed}, {"b1", kFits}, {"b2", kFits}}));
  // minDomains met (2 domains): the real minimum 1 applies again.
  min_domains["minDomains"] = 2;
  min_domains["maxSkew"] = 1;
  EXPECT_EQ(FilterAll(WithConstraints(Pod("new", foo), {min_domains}), *snapshot),
            (std::map<std::string, std::string>{
                {"a1", kSkewed}, {"a2", kSkewed}, {"b1", kFits}, {"b2", kFits}}));
  // Hostname spreading: b2 (0 matching) is the minimum, so only nodes with 0 fit at skew 1.
  json by_host =
      WithConstraints(Pod("new", foo), {Constraint("kubernetes.io/hostname", 1, "DoNotSchedule")});
  EXPECT_EQ(FilterAll(by_host, *snapshot),
            (std::map<std::string, std::string>{
                {"a1", kSkewed}, {"a2", kSkewed}, {"b1", kSkewed}, {"b2", kFits}}));
  // ScheduleAnyway constraints never filter.
  json soft = WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "ScheduleAnyway")});
  EXPECT_EQ(FilterAll(soft, *snapshot),
            (std::map<std::string, std::string>{
                {"a1", kFits}, {"a2", kFits}, {"b1", kFits}, {"b2", kFits}}));
}

TEST(PodTopologySpreadTest, NodesWithoutTheKeyAreUnresolvable) {
  json foo = {{"app", "foo"}};
  auto snapshot = SnapshotOf({Node("a1", "a"), Node("none")}, {{Pod("p1", foo), "a1"}});
  json pod = WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "DoNotSchedule")});
  // The keyless node is no domain: zone a alone has the minimum and fits.
  EXPECT_EQ(FilterAll(pod, *snapshot),
            (std::map<std::string, std::string>{
                {"a1", kFits}, {"none", std::string("UU: ") + kMissingLabelReason}}));
}

TEST(PodTopologySpreadTest, NodeInclusionPolicies) {
  json foo = {{"app", "foo"}};
  json tainted = Node("c1", "c", {{"disk", "hdd"}});
  tainted["spec"]["taints"] = json::array({{{"key", "dedicated"}, {"effect", "NoSchedule"}}});
  auto snapshot =
      SnapshotOf({Node("a1", "a", {{"disk", "ssd"}}), Node("b1", "b", {{"disk", "ssd"}}), tainted},
                 {{Pod("p1", foo), "a1"}, {Pod("p2", foo), "b1"}});
  // nodeAffinityPolicy Honor (default): c1 does not match the nodeSelector, so zone c is no
  // domain and the minimum is 1: a1 gets 1 + 1 - 1 <= 1.
  json pod = WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "DoNotSchedule")});
  pod["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  EXPECT_EQ(FilterAll(pod, *snapshot).at("a1"), kFits);
  // Ignore: zone c counts with 0 pods.
  pod["spec"]["topologySpreadConstraints"][0]["nodeAffinityPolicy"] = "Ignore";
  EXPECT_EQ(FilterAll(pod, *snapshot).at("a1"), kSkewed);
  // Required node affinity is honored as well.
  json affinity = WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "DoNotSchedule")});
  affinity["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = {
      {"nodeSelectorTerms",
       json::array(
           {{{"matchExpressions",
              json::array({{{"key", "disk"}, {"operator", "In"}, {"values", {"ssd"}}}})}}})}};
  EXPECT_EQ(FilterAll(affinity, *snapshot).at("a1"), kFits);

  // nodeTaintsPolicy Ignore (default): the tainted node's zone counts.
  json taints = WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "DoNotSchedule")});
  EXPECT_EQ(FilterAll(taints, *snapshot).at("a1"), kSkewed);
  // Honor: only nodes whose NoSchedule/NoExecute taints the pod tolerates.
  taints["spec"]["topologySpreadConstraints"][0]["nodeTaintsPolicy"] = "Honor";
  EXPECT_EQ(FilterAll(taints, *snapshot).at("a1"), kFits);
  taints["spec"]["tolerations"] = json::array({{{"key", "dedicated"}, {"operator", "Exists"}}});
  EXPECT_EQ(FilterAll(taints, *snapshot).at("a1"), kSkewed);
}

TEST(PodTopologySpreadTest, MatchLabelKeysNarrowTheSelector) {
  auto snapshot =
      SnapshotOf({Node("n1"), Node("n2")}, {{Pod("old-1", {{"app", "foo"}, {"rev", "1"}}), "n1"},
                                            {Pod("old-2", {{"app", "foo"}, {"rev", "1"}}), "n1"}});
  json pod = Pod("new", {{"app", "foo"}, {"rev", "2"}});
  json c = Constraint("kubernetes.io/hostname", 1, "DoNotSchedule");
  EXPECT_EQ(FilterAll(WithConstraints(pod, {c}), *snapshot).at("n1"), kSkewed);
  // With matchLabelKeys [rev] only rev=2 pods count: none yet.
  c["matchLabelKeys"] = {"rev"};
  EXPECT_EQ(FilterAll(WithConstraints(pod, {c}), *snapshot).at("n1"), kFits);
  // A key the pod lacks adds nothing.
  c["matchLabelKeys"] = {"missing"};
  EXPECT_EQ(FilterAll(WithConstraints(pod, {c}), *snapshot).at("n1"), kSkewed);
  // Without labelSelector the pod's values alone select; with neither, nothing matches.
  json rev1 = Pod("new", {{"app", "bar"}, {"rev", "1"}});
  json bare = Constraint("kubernetes.io/hostname", 1, "DoNotSchedule", nullptr);
  EXPECT_EQ(FilterAll(WithConstraints(rev1, {bare}), *snapshot).at("n1"), kFits);
  bare["matchLabelKeys"] = {"rev"};
  EXPECT_EQ(FilterAll(WithConstraints(rev1, {bare}), *snapshot).at("n1"), kSkewed);

  c["matchLabelKeys"] = {"rev"};
  auto parsed = plugins::ParseSpreadConstraints(WithConstraints(pod, {c, bare}), {{"rev", "2"}},
                                                "DoNotSchedule");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_FALSE((*parsed)[0].selector.Matches({{"app", "foo"}}));
  EXPECT_TRUE((*parsed)[1].selector.Matches({{"rev", "2"}, {"x", "y"}}));
  EXPECT_FALSE((*parsed)[1].selector.Matches({{"rev", "1"}}));
  json bad =
      Constraint(kZone, 1, "DoNotSchedule",
                 {{"matchExpressions", json::array({{{"key", "a"}, {"operator", "Bogus"}}})}});
  EXPECT_FALSE(
      plugins::ParseSpreadConstraints(WithConstraints(pod, {bad}), {}, "DoNotSchedule").ok());
}

TEST(PodTopologySpreadTest, SoftConstraintsPreferTheEmptierDomain) {
  json foo = {{"app", "foo"}};
  auto snapshot = SnapshotOf({Node("a1", "a"), Node("a2", "a"), Node("b1", "b"), Node("none")},
                             {{Pod("p1", foo), "a1"}, {Pod("p2", foo), "a1"}});
  PodTopologySpread plugin(nullptr);
  json pod = WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "ScheduleAnyway")});
  std::vector<int64_t> raw;
  auto scores = ScoreAll(plugin, pod, *snapshot, nullptr, &raw);
  // Zone a: 2 pods * log(2 domains + 2) = 2.77 -> 3; zone b: 0; the keyless node is ignored.
  EXPECT_EQ(raw, (std::vector<int64_t>{3, 3, 0, -1}));
  EXPECT_EQ(scores,
            (std::map<std::string, int64_t>{{"a1", 0}, {"a2", 0}, {"b1", 100}, {"none", 0}}));
  // maxSkew 3 adds 2 to every score, softening the difference: (max + min - x) * 100 / max.
  pod = WithConstraints(Pod("new", foo), {Constraint(kZone, 3, "ScheduleAnyway")});
  scores = ScoreAll(plugin, pod, *snapshot, nullptr, &raw);
  EXPECT_EQ(raw, (std::vector<int64_t>{5, 5, 2, -1}));
  EXPECT_EQ(scores,
            (std::map<std::string, int64_t>{{"a1", 40}, {"a2", 40}, {"b1", 100}, {"none", 0}}));
  // Hostname: per node counts, weight log(4 scored nodes + 2).
  pod =
      WithConstraints(Pod("new", foo), {Constraint("kubernetes.io/hostname", 1, "ScheduleAnyway")});
  scores = ScoreAll(plugin, pod, *snapshot, nullptr, &raw);
  EXPECT_EQ(raw, (std::vector<int64_t>{4, 0, 0, 0}));  // round(2 * log(6)) = 4
  EXPECT_EQ(scores,
            (std::map<std::string, int64_t>{{"a1", 0}, {"a2", 100}, {"b1", 100}, {"none", 100}}));
  // Only hard constraints, or none without a selecting owner: nothing to score.
  bool skipped = false;
  ScoreAll(plugin, WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "DoNotSchedule")}),
           *snapshot, &skipped);
  EXPECT_TRUE(skipped);
  ScoreAll(plugin, Pod("new", foo), *snapshot, &skipped);
  EXPECT_TRUE(skipped);
  // Through the algorithm, zone b wins.
  Algorithm algorithm(DefaultPlugins(), testing::SeededOptions(7));
  pod = WithConstraints(Pod("new", foo), {Constraint(kZone, 1, "ScheduleAnyway")});
  EXPECT_EQ(algorithm.Schedule(Info(pod), *snapshot).node, "b1");
}

json OwnedBy(json pod, const std::string& kind, const std::string& name) {
  pod["metadata"]["ownerReferences"] = json::array({{{"apiVersion", "apps/v1"},
                                                     {"kind", kind},
                                                     {"name", name},
                                                     {"uid", "uid-" + name},
                                                     {"controller", true}}});
  return pod;
}

TEST(PodTopologySpreadTest, DefaultConstraintsSpreadAReplicaSet) {
  namespace r = client::resources;
  auto objects = std::make_shared<StaticObjects>();
  objects->Add(r::ReplicaSets(), {{"metadata", {{"name", "web-1"}, {"namespace", "default"}}},
                                  {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}}}});
  json web = {{"app", "web"}, {"pod-template-hash", "1"}};
  PodInfo replica = Info(OwnedBy(Pod("web-x", web), "ReplicaSet", "web-1"));
  {
    plugins::SpreadSelector selector = plugins::DefaultSpreadSelector(replica, *objects);
    EXPECT_FALSE(selector.Empty());
    EXPECT_TRUE(selector.Matches({{"app", "web"}}));
    EXPECT_FALSE(selector.Matches({{"app", "db"}}));
    // An owner that is not stored, or no owner at all, gives an empty selector.
    EXPECT_TRUE(
        plugins::DefaultSpreadSelector(Info(OwnedBy(Pod("x", web), "ReplicaSet", "gone")), *objects)
            .Empty());
    EXPECT_TRUE(plugins::DefaultSpreadSelector(Info(Pod("x", web)), *objects).Empty());
  }

  // Six replicas on three equal nodes: two each, whatever the pods ask for.
  SchedulerCache cache;
  for (const char* name : {"n1", "n2", "n3"}) {
    cache.AddNode(std::make_shared<const json>(Node(name)));
  }
  Algorithm algorithm(DefaultPlugins(objects), testing::SeededOptions(42));
  std::map<std::string, int32_t> per_node;
  for (int i = 0; i < 6; ++i) {
    PodInfo pod = Info(OwnedBy(Pod("web-" + std::to_string(i), web), "ReplicaSet", "web-1"));
    ScheduleResult result = algorithm.Schedule(pod, *cache.GetSnapshot());
    ASSERT_FALSE(result.node.empty()) << result.message;
    cache.AssumePod(pod.placed, result.node);
    ++per_node[result.node];
  }
  EXPECT_EQ(per_node, (std::map<std::string, int32_t>{{"n1", 2}, {"n2", 2}, {"n3", 2}}));

  // Raw default scores: hostname count * log(3 + 2) + 2; the zone key is missing everywhere,
  // which the system defaults tolerate.
  PodTopologySpread plugin(objects);
  auto snapshot = SnapshotOf({Node("n1"), Node("n2"), Node("n3")},
                             {{OwnedBy(Pod("w1", web), "ReplicaSet", "web-1"), "n1"},
                              {OwnedBy(Pod("w2", web), "ReplicaSet", "web-1"), "n2"}});
  std::vector<int64_t> raw;
  auto scores = ScoreAll(plugin, *replica.pod, *snapshot, nullptr, &raw);
  EXPECT_EQ(raw, (std::vector<int64_t>{4, 4, 2}));
  EXPECT_EQ(scores, (std::map<std::string, int64_t>{{"n1", 50}, {"n2", 50}, {"n3", 100}}));
}

TEST(PodTopologySpreadTest, DefaultConstraintsFromServices) {
  namespace r = client::resources;
  auto objects = std::make_shared<StaticObjects>();
  objects->Add(r::Services(), {{"metadata", {{"name", "web"}, {"namespace", "default"}}},
                               {"spec", {{"selector", {{"app", "web"}}}}}});
  // Services of other namespaces, without a selector or selecting other pods do not count.
  objects->Add(r::Services(), {{"metadata", {{"name", "web"}, {"namespace", "other"}}},
                               {"spec", {{"selector", {{"tier", "x"}}}}}});
  objects->Add(r::Services(), {{"metadata", {{"name", "headless"}, {"namespace", "default"}}},
                               {"spec", json::object()}});
  objects->Add(r::Services(), {{"metadata", {{"name", "db"}, {"namespace", "default"}}},
                               {"spec", {{"selector", {{"app", "db"}}}}}});
  PodInfo pod = Info(Pod("p", {{"app", "web"}, {"tier", "x"}}));
  plugins::SpreadSelector selector = plugins::DefaultSpreadSelector(pod, *objects);
  EXPECT_EQ(selector.match_labels, (Labels{{"app", "web"}}));
  EXPECT_TRUE(selector.parts.empty());
  // Zone spreading joins in where nodes carry zones: zone a has 2 web pods, zone b none.
  auto snapshot =
      SnapshotOf({Node("a1", "a"), Node("a2", "a"), Node("b1", "b")},
                 {{Pod("w1", {{"app", "web"}}), "a1"}, {Pod("w2", {{"app", "web"}}), "a2"}});
  PodTopologySpread plugin(objects);
  std::vector<int64_t> raw;
  auto scores = ScoreAll(plugin, *pod.pod, *snapshot, nullptr, &raw);
  // hostname: 1 * log(5) + 2 (or 2 when empty); zone: 2 * log(4) + 4 (or 4).
  EXPECT_EQ(raw, (std::vector<int64_t>{10, 10, 6}));
  EXPECT_EQ(scores, (std::map<std::string, int64_t>{{"a1", 60}, {"a2", 60}, {"b1", 100}}));
}

TEST(PodTopologySpreadTest, FailedSchedulingMessage) {
  json foo = {{"app", "foo"}};
  auto snapshot = SnapshotOf({Node("a1", "a"), Node("b1", "b"), Node("none")},
                             {{Pod("p1", foo), "a1"}, {Pod("p2", foo), "b1"}});
  json c = Constraint(kZone, 1, "DoNotSchedule");
  c["minDomains"] = 3;
  Algorithm algorithm(DefaultPlugins(), testing::SeededOptions(42));
  ScheduleResult result =
      algorithm.Schedule(Info(WithConstraints(Pod("new", foo), {c})), *snapshot);
  EXPECT_TRUE(result.node.empty());
  EXPECT_EQ(result.code, Code::kUnschedulable);
  const std::string expected =
      "0/3 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing "
      "required label), 2 node(s) didn't match pod topology spread constraints.";
  EXPECT_EQ(result.message.substr(0, expected.size()), expected) << result.message;
  EXPECT_EQ(result.diagnosis.node_statuses.at("a1").plugin, "PodTopologySpread");
  EXPECT_EQ(result.diagnosis.node_statuses.at("none").code, Code::kUnschedulableAndUnresolvable);
}

TEST(PodTopologySpreadTest, ThousandNodesStayCheap) {
  namespace r = client::resources;
  auto objects = std::make_shared<StaticObjects>();
  objects->Add(r::ReplicaSets(), {{"metadata", {{"name", "web-1"}, {"namespace", "default"}}},
                                  {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}}}});
  SchedulerCache cache;
  for (int n = 0; n < 1000; ++n) {
    cache.AddNode(std::make_shared<const json>(
        Node("node-" + std::to_string(n), "zone-" + std::to_string(n % 3))));
  }
  for (int p = 0; p < 10000; ++p) {
    json pod = Pod("bg-" + std::to_string(p), {{"app", "bg-" + std::to_string(p % 50)}});
    pod["spec"]["nodeName"] = "node-" + std::to_string(p % 1000);
    cache.AddPod(std::make_shared<const json>(pod));
  }
  Algorithm algorithm(DefaultPlugins(objects));
  json hard =
      Constraint("kubernetes.io/hostname", 1, "DoNotSchedule", {{"matchLabels", {{"app", "web"}}}});
  auto start = std::chrono::steady_clock::now();
  constexpr int kPods = 200;
  for (int i = 0; i < kPods; ++i) {
    json pod = OwnedBy(Pod("web-" + std::to_string(i), {{"app", "web"}}), "ReplicaSet", "web-1");
    if (i % 2 == 0) pod = WithConstraints(pod, {hard});
    PodInfo info = Info(pod);
    ScheduleResult result = algorithm.Schedule(info, *cache.GetSnapshot());
    ASSERT_FALSE(result.node.empty()) << result.message;
    cache.AssumePod(info.placed, result.node);
  }
  double per_pod_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
      kPods;
  RecordProperty("per_pod_ms", std::to_string(per_pod_ms));
  std::printf("PodTopologySpread: %.3f ms per pod with 1000 nodes, 10000 pods\n", per_pod_ms);
  EXPECT_LT(per_pod_ms, 50.0);  // generous: catches quadratic work, not noise
}

}  // namespace
}  // namespace k1s::scheduler
