// InterPodAffinity on hand-built snapshots: required affinity and anti-affinity of the incoming
// pod and of placed pods, namespaces and namespaceSelectors, preferred and symmetric scoring,
// and the FailedScheduling text through the Algorithm.
#include "scheduler/plugins/inter_pod_affinity.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "client/resource.h"
#include "scheduler/algorithm.h"
#include "scheduler/preemption.h"
#include "scheduler/tests/test_objects.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;
using plugins::InterPodAffinity;

using testing::Info;
using testing::SnapshotOf;

constexpr const char* kHostname = testing::kHostnameLabel;
constexpr const char* kZone = testing::kZoneLabel;
constexpr char kReasonAffinity[] = "node(s) didn't match pod affinity rules";
constexpr char kReasonAntiAffinity[] = "node(s) didn't match pod anti-affinity rules";
constexpr char kReasonExisting[] = "node(s) didn't satisfy existing pods anti-affinity rules";

// A default node in `zone` ("" = none); pods carry labels, even empty ones.
json Node(const std::string& name, const std::string& zone) {
  return testing::ZonedNode(name, zone);
}
json Pod(const std::string& name, json labels = json::object(),
         const std::string& namespace_name = "default") {
  return testing::LabeledPod(name, std::move(labels), namespace_name);
}

// A PodAffinityTerm selecting app=`app` over `topology_key`.
json Term(const std::string& app, const std::string& topology_key) {
  return {{"labelSelector", {{"matchLabels", {{"app", app}}}}}, {"topologyKey", topology_key}};
}

// Adds `term` to spec.affinity.<kind>.<required|preferred>...; weight > 0 means preferred.
json With(json pod, const std::string& kind, json term, int32_t weight = 0) {
  json& section = pod["spec"]["affinity"][kind];
  if (weight > 0) {
    section["preferredDuringSchedulingIgnoredDuringExecution"].push_back(
        {{"weight", weight}, {"podAffinityTerm", std::move(term)}});
  } else {
    section["requiredDuringSchedulingIgnoredDuringExecution"].push_back(std::move(term));
  }
  return pod;
}

// n1, n2 in zone a; n3 in zone b.
std::vector<json> ThreeNodes() { return {Node("n1", "a"), Node("n2", "a"), Node("n3", "b")}; }

// PreFilter and Filter on every node: node name -> status.
std::map<std::string, Status> FilterAll(const InterPodAffinity& plugin, const json& pod,
                                        const Snapshot& snapshot) {
  PodInfo info = Info(pod);
  CycleState state;
  std::optional<std::set<std::string>> names;
  Status pre = plugin.PreFilter(state, info, snapshot, &names);
  EXPECT_TRUE(pre.ok());
  EXPECT_FALSE(names.has_value());
  std::map<std::string, Status> result;
  for (const NodeInfoPtr& node : snapshot.nodes) {
    result[node->name()] = plugin.Filter(state, info, *node);
  }
  return result;
}

// The normalized scores of every node (empty when PreScore skips).
std::vector<int64_t> ScoreAll(const InterPodAffinity& plugin, const json& pod,
                              const Snapshot& snapshot) {
  PodInfo info = Info(pod);
  CycleState state;
  std::optional<std::set<std::string>> names;
  EXPECT_TRUE(plugin.PreFilter(state, info, snapshot, &names).ok());
  if (plugin.PreScore(state, info, snapshot, snapshot.nodes).code == Code::kSkip) return {};
  std::vector<int64_t> scores;
  for (const NodeInfoPtr& node : snapshot.nodes) scores.push_back(plugin.Score(state, info, *node));
  plugin.NormalizeScore(state, info, scores);
  return scores;
}

void ExpectPasses(const std::map<std::string, Status>& statuses,
                  const std::set<std::string>& passing, Code failure, const std::string& reason) {
  for (const auto& [name, status] : statuses) {
    SCOPED_TRACE(name);
    if (passing.count(name) > 0) {
      EXPECT_TRUE(status.ok());
    } else {
      EXPECT_EQ(status.code, failure);
      EXPECT_EQ(status.reasons, std::vector<std::string>{reason});
    }
  }
}

TEST(InterPodAffinityTest, RequiredAffinityNeedsAMatchingPodInTheZone) {
  InterPodAffinity plugin(nullptr);
  auto snapshot = SnapshotOf(
      ThreeNodes(), {{Pod("db", {{"app", "db"}}), "n1"}, {Pod("other", {{"app", "web"}}), "n3"}});
  json pod = With(Pod("p"), "podAffinity", Term("db", kZone));
  ExpectPasses(FilterAll(plugin, pod, *snapshot), {"n1", "n2"}, Code::kUnschedulableAndUnresolvable,
               kReasonAffinity);
  // Per hostname only the db's node qualifies.
  json by_host = With(Pod("p"), "podAffinity", Term("db", kHostname));
  ExpectPasses(FilterAll(plugin, by_host, *snapshot), {"n1"}, Code::kUnschedulableAndUnresolvable,
               kReasonAffinity);
  // Every term must be satisfied.
  json both = With(pod, "podAffinity", Term("web", kHostname));
  ExpectPasses(FilterAll(plugin, both, *snapshot), {}, Code::kUnschedulableAndUnresolvable,
               kReasonAffinity);
  // A null labelSelector matches no pod.
  json null_selector = With(Pod("p", {{"app", "db"}}), "podAffinity", json{{"topologyKey", kZone}});
  ExpectPasses(FilterAll(plugin, null_selector, *snapshot), {}, Code::kUnschedulableAndUnresolvable,
               kReasonAffinity);
}

TEST(InterPodAffinityTest, FirstPodOfAGroupMayMatchItself) {
  InterPodAffinity plugin(nullptr);
  std::vector<json> nodes = ThreeNodes();
  nodes.push_back(Node("n4", ""));  // no zone label: never qualifies
  auto empty = SnapshotOf(nodes, {{Pod("x", {{"app", "other"}}), "n1"}});
  json self = With(Pod("p", {{"app", "web"}}), "podAffinity", Term("web", kZone));
  ExpectPasses(FilterAll(plugin, self, *empty), {"n1", "n2", "n3"},
               Code::kUnschedulableAndUnresolvable, kReasonAffinity);
  // A pod not matching its own term has nowhere to go.
  json not_self = With(Pod("p", {{"app", "api"}}), "podAffinity", Term("web", kZone));
  ExpectPasses(FilterAll(plugin, not_self, *empty), {}, Code::kUnschedulableAndUnresolvable,
               kReasonAffinity);
  // Once a matching pod exists, only its zone does.
  auto one = SnapshotOf(nodes, {{Pod("web-0", {{"app", "web"}}), "n3"}});
  ExpectPasses(FilterAll(plugin, self, *one), {"n3"}, Code::kUnschedulableAndUnresolvable,
               kReasonAffinity);
}

TEST(InterPodAffinityTest, RequiredAntiAffinity) {
  InterPodAffinity plugin(nullptr);
  auto snapshot = SnapshotOf(ThreeNodes(), {{Pod("web-0", {{"app", "web"}}), "n1"}});
  json pod = With(Pod("web-1", {{"app", "web"}}), "podAntiAffinity", Term("web", kZone));
  ExpectPasses(FilterAll(plugin, pod, *snapshot), {"n3"}, Code::kUnschedulable,
               kReasonAntiAffinity);
  json by_host = With(Pod("web-1", {{"app", "web"}}), "podAntiAffinity", Term("web", kHostname));
  ExpectPasses(FilterAll(plugin, by_host, *snapshot), {"n2", "n3"}, Code::kUnschedulable,
               kReasonAntiAffinity);
  // Pods of other namespaces are not counted (no namespaces, no selector: the pod's own).
  auto elsewhere =
      SnapshotOf(ThreeNodes(), {{Pod("web-0", {{"app", "web"}}, "kube-system"), "n1"}});
  ExpectPasses(FilterAll(plugin, pod, *elsewhere), {"n1", "n2", "n3"}, Code::kUnschedulable,
               kReasonAntiAffinity);
}

TEST(InterPodAffinityTest, PlacedPodsAntiAffinityKeepsMatchingPodsAway) {
  InterPodAffinity plugin(nullptr);
  json guard = With(Pod("guard", {{"app", "db"}}), "podAntiAffinity", Term("web", kZone));
  auto snapshot = SnapshotOf(ThreeNodes(), {{guard, "n1"}});
  ExpectPasses(FilterAll(plugin, Pod("web", {{"app", "web"}}), *snapshot), {"n3"},
               Code::kUnschedulable, kReasonExisting);
  // Pods it does not select, or in another namespace, go anywhere.
  ExpectPasses(FilterAll(plugin, Pod("api", {{"app", "api"}}), *snapshot), {"n1", "n2", "n3"},
               Code::kUnschedulable, kReasonExisting);
  ExpectPasses(FilterAll(plugin, Pod("web", {{"app", "web"}}, "other"), *snapshot),
               {"n1", "n2", "n3"}, Code::kUnschedulable, kReasonExisting);
  // The pod's own rules are checked first: affinity, then anti-affinity.
  json both = With(With(Pod("web", {{"app", "web"}}), "podAffinity", Term("db", kHostname)),
                   "podAntiAffinity", Term("db", kZone));
  std::map<std::string, Status> statuses = FilterAll(plugin, both, *snapshot);
  EXPECT_EQ(statuses["n1"].reasons, std::vector<std::string>{kReasonAntiAffinity});
  EXPECT_EQ(statuses["n3"].reasons, std::vector<std::string>{kReasonAffinity});
}

TEST(InterPodAffinityTest, NamespacesAndNamespaceSelector) {
  auto objects = std::make_shared<StaticObjects>();
  objects->Add(client::resources::Namespaces(),
               {{"metadata", {{"name", "team-a"}, {"labels", {{"team", "a"}}}}}});
  objects->Add(client::resources::Namespaces(),
               {{"metadata", {{"name", "team-b"}, {"labels", {{"team", "b"}}}}}});
  objects->Add(client::resources::Namespaces(), {{"metadata", {{"name", "default"}}}});
  InterPodAffinity plugin(objects);
  auto snapshot = SnapshotOf(ThreeNodes(), {{Pod("db-a", {{"app", "db"}}, "team-a"), "n1"},
                                            {Pod("db-b", {{"app", "db"}}, "team-b"), "n3"}});
  auto affinity = [](json term) {
    return With(Pod("p", {{"app", "web"}}), "podAffinity", std::move(term));
  };
  json term = Term("db", kHostname);
  json selected = term;
  selected["namespaceSelector"] = {{"matchLabels", {{"team", "a"}}}};
  ExpectPasses(FilterAll(plugin, affinity(selected), *snapshot), {"n1"},
               Code::kUnschedulableAndUnresolvable, kReasonAffinity);
  json all = term;
  all["namespaceSelector"] = json::object();
  ExpectPasses(FilterAll(plugin, affinity(all), *snapshot), {"n1", "n3"},
               Code::kUnschedulableAndUnresolvable, kReasonAffinity);
  json named = term;
  named["namespaces"] = {"team-b"};
  ExpectPasses(FilterAll(plugin, affinity(named), *snapshot), {"n3"},
               Code::kUnschedulableAndUnresolvable, kReasonAffinity);
  // Names and selector add up.
  named["namespaceSelector"] = {{"matchLabels", {{"team", "a"}}}};
  ExpectPasses(FilterAll(plugin, affinity(named), *snapshot), {"n1", "n3"},
               Code::kUnschedulableAndUnresolvable, kReasonAffinity);
  // Neither: the pod's own namespace (default), which has no db.
  ExpectPasses(FilterAll(plugin, affinity(term), *snapshot), {},
               Code::kUnschedulableAndUnresolvable, kReasonAffinity);

  // A placed pod's selector is matched against the incoming pod's Namespace labels.
  json guard_term = Term("web", kZone);
  guard_term["namespaceSelector"] = {{"matchLabels", {{"team", "b"}}}};
  json guard = With(Pod("guard", {{"app", "db"}}, "team-a"), "podAntiAffinity", guard_term);
  auto guarded = SnapshotOf(ThreeNodes(), {{guard, "n3"}});
  ExpectPasses(FilterAll(plugin, Pod("w", {{"app", "web"}}, "team-b"), *guarded), {"n1", "n2"},
               Code::kUnschedulable, kReasonExisting);
  ExpectPasses(FilterAll(plugin, Pod("w", {{"app", "web"}}, "team-a"), *guarded),
               {"n1", "n2", "n3"}, Code::kUnschedulable, kReasonExisting);
}

TEST(InterPodAffinityTest, MatchLabelKeysJoinTheSelector) {
  json term = Term("web", kHostname);
  term["matchLabelKeys"] = {"version"};
  term["mismatchLabelKeys"] = {"tenant", "absent"};
  json pod =
      With(Pod("p", {{"app", "web"}, {"version", "v2"}, {"tenant", "t1"}}), "podAffinity", term);
  std::shared_ptr<const PodAffinityTerms> terms = Info(pod).pod_affinity;
  ASSERT_NE(terms, nullptr);
  ASSERT_EQ(terms->required_affinity.size(), 1u);
  const AffinityTerm& parsed = terms->required_affinity[0];
  EXPECT_EQ(parsed.namespaces, std::set<std::string>{"default"});
  EXPECT_FALSE(parsed.namespace_selector.has_value());
  ASSERT_TRUE(parsed.selector.has_value());
  EXPECT_EQ(parsed.selector->String(), "app=web,tenant notin (t1),version in (v2)");
  EXPECT_TRUE(parsed.Matches("default", {{"app", "web"}, {"version", "v2"}, {"tenant", "t2"}}, {}));
  EXPECT_FALSE(parsed.Matches("default", {{"app", "web"}, {"version", "v1"}}, {}));
  EXPECT_FALSE(
      parsed.Matches("default", {{"app", "web"}, {"version", "v2"}, {"tenant", "t1"}}, {}));
  // Pods without terms carry nothing.
  EXPECT_EQ(Info(Pod("plain")).pod_affinity, nullptr);
  EXPECT_EQ(Info(Pod("plain")).placed->pod_affinity, nullptr);
}

TEST(InterPodAffinityTest, AntiAffinityPerHostnameThroughTheAlgorithm) {
  SchedulerCache cache;
  for (const json& node : ThreeNodes()) cache.AddNode(std::make_shared<const json>(node));
  Algorithm algorithm(DefaultPlugins(), testing::SeededOptions(7));
  std::set<std::string> used;
  for (int i = 0; i < 4; ++i) {
    std::string name = "web-" + std::to_string(i);
    PodInfo pod =
        Info(With(Pod(name, {{"app", "web"}}), "podAntiAffinity", Term("web", kHostname)));
    ScheduleResult result = algorithm.Schedule(pod, *cache.GetSnapshot());
    if (i < 3) {
      ASSERT_FALSE(result.node.empty()) << result.message;
      EXPECT_TRUE(used.insert(result.node).second) << result.node;
      cache.AssumePod(pod.placed, result.node);
      continue;
    }
    EXPECT_TRUE(result.node.empty());
    EXPECT_EQ(result.code, Code::kUnschedulable);
    EXPECT_EQ(result.message,
              "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. "
              "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming "
              "pod.");
  }
}

TEST(InterPodAffinityTest, NodesChangedAfterPreFilterAreCountedAsTheyAre) {
  // Preemption's dry run and nominated pods hand Filter modified copies of snapshot nodes.
  InterPodAffinity plugin(nullptr);
  json guard = With(Pod("guard", {{"app", "db"}}), "podAntiAffinity", Term("web", kHostname));
  auto snapshot = SnapshotOf(ThreeNodes(), {{Pod("web-0", {{"app", "web"}}), "n1"}, {guard, "n2"}});
  PodInfo pod = Info(With(Pod("web-1", {{"app", "web"}}), "podAntiAffinity", Term("web", kZone)));
  CycleState state;
  std::optional<std::set<std::string>> names;
  ASSERT_TRUE(plugin.PreFilter(state, pod, *snapshot, &names).ok());
  EXPECT_EQ(plugin.Filter(state, pod, *snapshot->Get("n1")).reasons,
            std::vector<std::string>{kReasonAntiAffinity});
  NodeInfo without_web = *snapshot->Get("n1");
  ASSERT_TRUE(without_web.RemovePod("default/web-0"));
  NodeInfo without_guard = *snapshot->Get("n2");
  ASSERT_TRUE(without_guard.RemovePod("default/guard"));
  // n2 still shares zone a with web-0 on n1.
  EXPECT_EQ(plugin.Filter(state, pod, without_guard).reasons,
            std::vector<std::string>{kReasonAntiAffinity});
  EXPECT_TRUE(plugin.Filter(state, pod, without_web).ok());
  // The guard's own anti-affinity goes with it.
  PodInfo plain = Info(Pod("web-3", {{"app", "web"}}));
  CycleState plain_state;
  ASSERT_TRUE(plugin.PreFilter(plain_state, plain, *snapshot, &names).ok());
  EXPECT_EQ(plugin.Filter(plain_state, plain, *snapshot->Get("n2")).reasons,
            std::vector<std::string>{kReasonExisting});
  EXPECT_TRUE(plugin.Filter(plain_state, plain, without_guard).ok());
  NodeInfo with_web = *snapshot->Get("n3");
  with_web.AddPod(Info(Pod("web-2", {{"app", "web"}})).placed);
  EXPECT_TRUE(plugin.Filter(state, pod, *snapshot->Get("n3")).ok());
  EXPECT_EQ(plugin.Filter(state, pod, with_web).reasons,
            std::vector<std::string>{kReasonAntiAffinity});

  // Without the only matching pod, a pod matching its own affinity term may go anywhere.
  PodInfo follower = Info(With(Pod("web-1", {{"app", "web"}}), "podAffinity", Term("web", kZone)));
  CycleState follower_state;
  ASSERT_TRUE(plugin.PreFilter(follower_state, follower, *snapshot, &names).ok());
  NodeInfo n3 = *snapshot->Get("n3");
  EXPECT_EQ(plugin.Filter(follower_state, follower, n3).reasons,
            std::vector<std::string>{kReasonAffinity});
  EXPECT_TRUE(plugin.Filter(follower_state, follower, without_web).ok());
}

TEST(InterPodAffinityTest, AHigherPriorityPodPreemptsWhatItsAntiAffinityRejects) {
  SchedulerCache cache;
  for (const json& node : ThreeNodes()) cache.AddNode(std::make_shared<const json>(node));
  for (const std::string node : {"n1", "n2", "n3"}) {
    json low = Pod("low-" + node, {{"app", "web"}});
    low["spec"]["nodeName"] = node;
    cache.AddPod(std::make_shared<const json>(low));
  }
  json pod = With(Pod("high", {{"app", "web"}}), "podAntiAffinity", Term("web", kHostname));
  pod["spec"]["priority"] = 100;
  Algorithm algorithm(DefaultPlugins(), testing::SeededOptions(7));
  ScheduleResult result = algorithm.Schedule(Info(pod), *cache.GetSnapshot());
  EXPECT_TRUE(result.node.empty());
  ASSERT_NE(result.preemption, nullptr) << result.message;
  ASSERT_EQ(result.preemption->victims.pods.size(), 1u);
  EXPECT_EQ(result.preemption->victims.pods[0]->key, "default/low-" + result.preemption->node);
  EXPECT_EQ(result.nominated_node, result.preemption->node);
}

TEST(InterPodAffinityTest, PreferredTermsScoreTheirZone) {
  InterPodAffinity plugin(nullptr);
  auto snapshot = SnapshotOf(
      ThreeNodes(), {{Pod("db", {{"app", "db"}}), "n1"}, {Pod("cache", {{"app", "cache"}}), "n3"}});
  json near = With(Pod("p"), "podAffinity", Term("db", kZone), 10);
  EXPECT_EQ(ScoreAll(plugin, near, *snapshot), (std::vector<int64_t>{100, 100, 0}));
  json away = With(Pod("p"), "podAntiAffinity", Term("db", kZone), 10);
  EXPECT_EQ(ScoreAll(plugin, away, *snapshot), (std::vector<int64_t>{0, 0, 100}));
  // Weights add up per node and normalize min-max: n1 10+4, n2 10, n3 -5.
  json mixed = With(With(near, "podAffinity", Term("db", kHostname), 4), "podAntiAffinity",
                    Term("cache", kZone), 5);
  EXPECT_EQ(ScoreAll(plugin, mixed, *snapshot), (std::vector<int64_t>{100, 78, 0}));
  // Nothing matches: skipped.
  EXPECT_TRUE(
      ScoreAll(plugin, With(Pod("p"), "podAffinity", Term("x", kZone), 10), *snapshot).empty());
}

TEST(InterPodAffinityTest, PlacedPodsTermsScoreSymmetrically) {
  InterPodAffinity plugin(nullptr);
  json likes = With(Pod("likes", {{"app", "db"}}), "podAffinity", Term("web", kZone), 5);
  json needs = With(Pod("needs", {{"app", "db"}}), "podAffinity", Term("web", kHostname));
  json avoids = With(Pod("avoids", {{"app", "db"}}), "podAntiAffinity", Term("web", kZone), 5);
  json web = Pod("web", {{"app", "web"}});
  EXPECT_EQ(ScoreAll(plugin, web, *SnapshotOf(ThreeNodes(), {{likes, "n3"}})),
            (std::vector<int64_t>{0, 0, 100}));
  // Required affinity counts with hardPodAffinityWeight 1.
  EXPECT_EQ(ScoreAll(plugin, web, *SnapshotOf(ThreeNodes(), {{needs, "n2"}})),
            (std::vector<int64_t>{0, 100, 0}));
  EXPECT_EQ(ScoreAll(plugin, web, *SnapshotOf(ThreeNodes(), {{avoids, "n1"}})),
            (std::vector<int64_t>{0, 0, 100}));
  // n1/n2 zone a: +5 -5 +1 (n2 only); n3: 0.
  auto all = SnapshotOf(ThreeNodes(), {{likes, "n1"}, {avoids, "n1"}, {needs, "n2"}});
  EXPECT_EQ(ScoreAll(plugin, web, *all), (std::vector<int64_t>{0, 100, 0}));
  // A pod the terms do not select is not scored; plain pods everywhere skip at once.
  EXPECT_TRUE(ScoreAll(plugin, Pod("api", {{"app", "api"}}), *all).empty());
  auto plain = SnapshotOf(ThreeNodes(), {{Pod("a"), "n1"}, {Pod("b"), "n2"}});
  EXPECT_TRUE(ScoreAll(plugin, web, *plain).empty());
}

}  // namespace
}  // namespace k1s::scheduler
