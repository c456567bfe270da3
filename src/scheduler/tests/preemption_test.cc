// Preemption (upstream DefaultPreemption): victim selection, PodDisruptionBudgets, node choice
// and the verdict messages on hand-built snapshots; nominated pods in the filters; and the whole
// flow against a real apiserver (evict, nominate, bind once the victim is gone).
#include "scheduler/preemption.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "api/errors.h"
#include "client/testing/test_cluster.h"
#include "scheduler/scheduler.h"
#include "scheduler/tests/test_objects.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;

using testing::Info;
using testing::Seeded;
using testing::SnapshotOf;

json Node(const std::string& name, const std::string& cpu = "4") {
  return testing::Node(name, testing::Allocatable(cpu));
}

// A pod asking for `cpu` at `priority`; `start` ("" for none) is its status.startTime.
json Pod(const std::string& name, const std::string& cpu, int32_t priority,
         const std::string& start = "") {
  json pod = testing::Pod(name, {{"cpu", cpu}});
  pod["spec"]["priority"] = priority;
  if (!start.empty()) pod["status"]["startTime"] = start;
  return pod;
}

std::shared_ptr<const PlacedPod> Placed(const json& pod) {
  return MakePlacedPod(std::make_shared<const json>(pod));
}

std::vector<std::string> Names(const Victims& victims) {
  std::vector<std::string> names;
  for (const auto& pod : victims.pods) names.push_back(client::SplitObjectKey(pod->key).second);
  return names;
}

json Pdb(const json& match_labels, int32_t allowed, const json& disrupted = json::object()) {
  return {{"metadata", {{"name", "pdb"}, {"namespace", "default"}}},
          {"spec", {{"selector", {{"matchLabels", match_labels}}}}},
          {"status", {{"disruptionsAllowed", allowed}, {"disruptedPods", disrupted}}}};
}

std::vector<PodDisruptionBudget> Pdbs(const std::vector<json>& objects) {
  std::vector<client::ObjectPtr> pointers;
  for (const json& object : objects) pointers.push_back(std::make_shared<const json>(object));
  return ParsePodDisruptionBudgets(pointers);
}

constexpr int64_t kNow = 1'800'000'000;  // 2027, after every start time here

class VictimsTest : public ::testing::Test {
 protected:
  Status Select(const json& preemptor, const NodeInfo& node,
                const std::vector<PodDisruptionBudget>& pdbs, Victims* victims) {
    PodInfo pod = Info(preemptor);
    FitsFunc fits = [&](const NodeInfo& trial) {
      return algorithm_.RunFilters(state_, pod, trial);
    };
    return SelectVictimsOnNode(pod, node, pdbs, fits, kNow, victims);
  }

  Algorithm algorithm_ = Seeded();
  CycleState state_;
};

TEST_F(VictimsTest, ReprievesTheMostImportantPodsFirst) {
  // 4 cpu: p1 (prio 1), p2 (prio 2), p3 (prio 3, 2 cpu) and an equal-priority pod that is never a
  // victim. Without every lower-priority pod the preemptor fits; p3 is given back first and still
  // fits, then p2 and p1 do not.
  auto snapshot = SnapshotOf({Node("n", "5")}, {{Pod("p1", "1", 1), "n"},
                                                {Pod("p2", "1", 2), "n"},
                                                {Pod("p3", "2", 3), "n"},
                                                {Pod("peer", "1", 10), "n"}});
  Victims victims;
  ASSERT_TRUE(Select(Pod("high", "2", 10), *snapshot->nodes[0], {}, &victims).ok());
  EXPECT_EQ(Names(victims), (std::vector<std::string>{"p2", "p1"}));
  EXPECT_EQ(victims.num_pdb_violations, 0);
  // Nothing of lower priority: preemption cannot help there.
  Status status = Select(Pod("mid", "2", 1), *snapshot->nodes[0], {}, &victims);
  EXPECT_EQ(status.code, Code::kUnschedulableAndUnresolvable);
  EXPECT_EQ(status.reasons,
            std::vector<std::string>{"No preemption victims found for incoming pod"});
  // Too big even without every lower-priority pod: the filters' verdict.
  status = Select(Pod("huge", "5", 10), *snapshot->nodes[0], {}, &victims);
  EXPECT_EQ(status.code, Code::kUnschedulable);
  EXPECT_EQ(status.reasons, std::vector<std::string>{"Insufficient cpu"});
}

TEST_F(VictimsTest, EqualPriorityVictimsGoByStartTime) {
  // The one started last is the less important: it is the victim.
  auto snapshot = SnapshotOf({Node("n", "2")}, {{Pod("old", "1", 1, "2024-01-01T00:00:00Z"), "n"},
                                                {Pod("new", "1", 1, "2024-06-01T00:00:00Z"), "n"}});
  Victims victims;
  ASSERT_TRUE(Select(Pod("high", "1", 10), *snapshot->nodes[0], {}, &victims).ok());
  EXPECT_EQ(Names(victims), std::vector<std::string>{"new"});
  EXPECT_TRUE(MoreImportantPod(*Placed(Pod("a", "1", 1, "2024-01-01T00:00:00Z")),
                               *Placed(Pod("b", "1", 1, "2024-06-01T00:00:00Z")), kNow));
  EXPECT_TRUE(MoreImportantPod(*Placed(Pod("a", "1", 2)), *Placed(Pod("b", "1", 1)), kNow));
  // No start time counts as now: started later than any real start.
  EXPECT_FALSE(MoreImportantPod(*Placed(Pod("a", "1", 1)),
                                *Placed(Pod("b", "1", 1, "2024-01-01T00:00:00Z")), kNow));
}

TEST_F(VictimsTest, PodsProtectedByABudgetAreGivenBackFirst) {
  json web = Pod("web", "1", 1);
  web["metadata"]["labels"] = {{"app", "web"}};
  json batch = Pod("batch", "1", 5);
  auto snapshot = SnapshotOf({Node("n", "2")}, {{web, "n"}, {batch, "n"}});
  Victims victims;
  // Without budgets the more important pod (batch) is given back and web goes.
  ASSERT_TRUE(Select(Pod("high", "1", 10), *snapshot->nodes[0], {}, &victims).ok());
  EXPECT_EQ(Names(victims), std::vector<std::string>{"web"});
  // A budget with no disruption left makes web "violating": it is given back first.
  ASSERT_TRUE(
      Select(Pod("high", "1", 10), *snapshot->nodes[0], Pdbs({Pdb({{"app", "web"}}, 0)}), &victims)
          .ok());
  EXPECT_EQ(Names(victims), std::vector<std::string>{"batch"});
  EXPECT_EQ(victims.num_pdb_violations, 0);
  // When both must go, web's eviction counts as a violation; victims stay most important first.
  ASSERT_TRUE(
      Select(Pod("high", "2", 10), *snapshot->nodes[0], Pdbs({Pdb({{"app", "web"}}, 0)}), &victims)
          .ok());
  EXPECT_EQ(Names(victims), (std::vector<std::string>{"batch", "web"}));
  EXPECT_EQ(victims.num_pdb_violations, 1);
}

TEST(PdbTest, SplitsLikeUpstream) {
  json a = Pod("a", "1", 1);
  a["metadata"]["labels"] = {{"app", "web"}};
  json b = a;
  b["metadata"]["name"] = "b";
  json c = a;
  c["metadata"]["name"] = "c";
  json other_namespace = a;
  other_namespace["metadata"]["namespace"] = "other";
  std::vector<std::shared_ptr<const PlacedPod>> pods = {Placed(a), Placed(b), Placed(c),
                                                        Placed(other_namespace)};
  std::vector<std::shared_ptr<const PlacedPod>> violating;
  std::vector<std::shared_ptr<const PlacedPod>> non_violating;
  // One disruption allowed; b is already counted as disrupted, so only c exceeds the budget.
  SplitByPdbViolation(pods, Pdbs({Pdb({{"app", "web"}}, 1, {{"b", "2024-01-01T00:00:00Z"}})}),
                      &violating, &non_violating);
  ASSERT_EQ(violating.size(), 1u);
  EXPECT_EQ(violating[0]->key, "default/c");
  EXPECT_EQ(non_violating.size(), 3u);
  // An empty selector protects nothing.
  json empty = Pdb(json::object(), 0);
  empty["spec"]["selector"] = json::object();
  violating.clear();
  non_violating.clear();
  SplitByPdbViolation(pods, Pdbs({empty}), &violating, &non_violating);
  EXPECT_TRUE(violating.empty());
}

TEST(PickNodeTest, AppliesEachCriterionInOrder) {
  auto victims = [](std::vector<json> pods, int64_t violations) {
    Victims v;
    for (const json& pod : pods) v.pods.push_back(Placed(pod));
    v.num_pdb_violations = violations;
    return v;
  };
  const json low = Pod("low", "1", 1);
  const json mid = Pod("mid", "1", 5);
  // Fewest PDB violations wins over everything else.
  std::vector<Candidate> candidates = {{"a", victims({low}, 1)}, {"b", victims({mid, mid}, 0)}};
  EXPECT_EQ(PickOneNodeForPreemption(candidates, kNow), 1u);
  // Then the lowest highest-priority victim.
  candidates = {{"a", victims({mid}, 0)}, {"b", victims({low, low, low}, 0)}};
  EXPECT_EQ(PickOneNodeForPreemption(candidates, kNow), 1u);
  // Then the smallest sum of priorities.
  candidates = {{"a", victims({mid, low, low}, 0)}, {"b", victims({mid, low}, 0)}};
  EXPECT_EQ(PickOneNodeForPreemption(candidates, kNow), 1u);
  // Negative priorities: shifted, so fewer pods still means a smaller sum.
  const json negative = Pod("neg", "1", -5);
  candidates = {{"a", victims({negative, negative}, 0)}, {"b", victims({negative}, 0)}};
  EXPECT_EQ(PickOneNodeForPreemption(candidates, kNow), 1u);
  // Then the latest start among the highest-priority victims.
  candidates = {{"a", victims({Pod("x", "1", 5, "2024-06-01T00:00:00Z")}, 0)},
                {"b", victims({Pod("y", "1", 5, "2024-01-01T00:00:00Z")}, 0)}};
  EXPECT_EQ(PickOneNodeForPreemption(candidates, kNow), 0u);
  // Full tie: the first.
  candidates = {{"a", victims({mid}, 0)}, {"b", victims({mid}, 0)}};
  EXPECT_EQ(PickOneNodeForPreemption(candidates, kNow), 0u);
}

TEST(PreemptionAlgorithmTest, ChoosesTheCheapestNodeAndNominatesIt) {
  // n1 would lose a priority-50 pod, n2 a priority-5 one, n3 has nothing to preempt.
  auto snapshot =
      SnapshotOf({Node("n1", "2"), Node("n2", "2"), Node("n3", "2")},
                 {{Pod("a", "2", 50), "n1"}, {Pod("b", "2", 5), "n2"}, {Pod("c", "2", 100), "n3"}});
  Algorithm algorithm = Seeded();
  ScheduleResult result = algorithm.Schedule(Info(Pod("high", "1", 100)), *snapshot);
  EXPECT_TRUE(result.node.empty());
  ASSERT_NE(result.preemption, nullptr);
  EXPECT_EQ(result.preemption->node, "n2");
  EXPECT_EQ(Names(result.preemption->victims), std::vector<std::string>{"b"});
  EXPECT_EQ(result.nominated_node, std::optional<std::string>("n2"));
  // Preemption succeeded: the message has no preemption part (upstream's Success status).
  EXPECT_EQ(result.message, "0/3 nodes are available: 3 Insufficient cpu.");
  EXPECT_EQ(result.code, Code::kUnschedulable);

  // Budgets steer the choice: b is protected, so n1 (no violation) wins.
  json protected_b = Pdb({{"app", "b"}}, 0);
  json b = Pod("b", "2", 5);
  b["metadata"]["labels"] = {{"app", "b"}};
  auto labeled =
      SnapshotOf({Node("n1", "2"), Node("n2", "2")}, {{Pod("a", "2", 50), "n1"}, {b, "n2"}});
  Algorithm with_pdbs = Seeded(nullptr, [&] {
    return std::vector<client::ObjectPtr>{std::make_shared<const json>(protected_b)};
  });
  result = with_pdbs.Schedule(Info(Pod("high", "1", 100)), *labeled);
  ASSERT_NE(result.preemption, nullptr);
  EXPECT_EQ(result.preemption->node, "n1");
}

TEST(PreemptionAlgorithmTest, VerdictMessages) {
  auto snapshot = SnapshotOf(
      {Node("n1", "3"), Node("n2", "3")},
      {{Pod("a", "1", 50), "n1"}, {Pod("c", "1", 100), "n1"}, {Pod("b", "3", 100), "n2"}});
  Algorithm algorithm = Seeded();
  // n2 has no lower-priority pod; without a, n1 still has only 2 of the 2.5 cpus free.
  ScheduleResult result = algorithm.Schedule(Info(Pod("big", "2500m", 100)), *snapshot);
  EXPECT_EQ(result.message,
            "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 1 "
            "Insufficient cpu, 1 No preemption victims found for incoming pod.");
  EXPECT_EQ(result.nominated_node, std::optional<std::string>(""));  // clears a nomination
  EXPECT_EQ(result.preemption, nullptr);
  json never = Pod("never", "2500m", 100);
  never["spec"]["preemptionPolicy"] = "Never";
  result = algorithm.Schedule(Info(never), *snapshot);
  EXPECT_EQ(result.message,
            "0/2 nodes are available: 2 Insufficient cpu. preemption: not eligible due to "
            "preemptionPolicy=Never.");
  EXPECT_FALSE(result.nominated_node.has_value());
  // Unresolvable everywhere: no node is worth a dry run.
  json pinned = Pod("pinned", "1", 100);
  pinned["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  result = algorithm.Schedule(Info(pinned), *snapshot);
  EXPECT_EQ(result.message,
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. "
            "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.");
  EXPECT_EQ(result.nominated_node, std::optional<std::string>(""));
}

TEST(PreemptionAlgorithmTest, WaitsForVictimsStillTerminatingOnTheNominatedNode) {
  json victim = Pod("victim", "2", 1);
  victim["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  victim["status"]["conditions"] = json::array(
      {{{"type", "DisruptionTarget"}, {"status", "True"}, {"reason", "PreemptionByScheduler"}}});
  auto snapshot = SnapshotOf({Node("n", "2")}, {{victim, "n"}});
  json preemptor = Pod("high", "1", 100);
  preemptor["status"]["nominatedNodeName"] = "n";
  Algorithm algorithm = Seeded();
  ScheduleResult result = algorithm.Schedule(Info(preemptor), *snapshot);
  EXPECT_EQ(result.message,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a "
            "terminating pod on the nominated node.");
  EXPECT_FALSE(result.nominated_node.has_value());  // the nomination stays
  // A pod being deleted for another reason does not hold preemption back.
  json deleted = Pod("deleted", "2", 1);
  deleted["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  result = algorithm.Schedule(Info(preemptor), *SnapshotOf({Node("n", "2")}, {{deleted, "n"}}));
  ASSERT_NE(result.preemption, nullptr);
  EXPECT_EQ(result.preemption->node, "n");
}

TEST(NominatorTest, NominatedPodsCountForEqualOrLowerPriority) {
  auto nominator = std::make_shared<Nominator>();
  Algorithm algorithm = Seeded(nominator);
  auto snapshot = SnapshotOf({Node("a", "2"), Node("b", "2")});
  // A priority-100 pod asking for 2 cpu is nominated to a.
  nominator->Add(std::make_shared<const json>(Pod("nominated", "2", 100)), "a");
  EXPECT_EQ(nominator->NodeOf("default/nominated"), "a");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(algorithm.Schedule(Info(Pod("low", "1", 10)), *snapshot).node, "b");
    EXPECT_EQ(algorithm.Schedule(Info(Pod("equal", "1", 100)), *snapshot).node, "b");
  }
  // A higher-priority pod may take the room.
  std::set<std::string> picked;
  for (int i = 0; i < 30; ++i) {
    picked.insert(algorithm.Schedule(Info(Pod("higher", "1", 1000)), *snapshot).node);
  }
  EXPECT_EQ(picked, (std::set<std::string>{"a", "b"}));
  // The nominated pod itself is not in its own way, and tries its node first.
  json self = Pod("nominated", "2", 100);
  self["status"]["nominatedNodeName"] = "a";
  ScheduleResult result = algorithm.Schedule(Info(self), *snapshot);
  EXPECT_EQ(result.node, "a");
  EXPECT_EQ(result.evaluated_nodes, 1);
  // Both nodes taken by nominations: the lower pod fits nowhere.
  nominator->Add(std::make_shared<const json>(Pod("other", "2", 100)), "b");
  result = algorithm.Schedule(Info(Pod("low", "1", 10)), *snapshot);
  EXPECT_TRUE(result.node.empty());
  EXPECT_EQ(result.message,
            "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 "
            "No preemption victims found for incoming pod.");
  // "" clears a nomination.
  nominator->Add(std::make_shared<const json>(Pod("other", "2", 100)), "");
  EXPECT_EQ(algorithm.Schedule(Info(Pod("low", "1", 10)), *snapshot).node, "b");
}

TEST(NominatorTest, FollowsStatusUpdatesLikeUpstream) {
  Nominator nominator;
  json pod = Pod("p", "1", 1);
  auto plain = std::make_shared<const json>(pod);
  nominator.Add(plain);  // no status.nominatedNodeName: nothing
  EXPECT_EQ(nominator.NodeOf("default/p"), "");
  nominator.Add(plain, "n1");  // the scheduler's own nomination
  // An update without nominatedNodeName on either side keeps the nomination.
  json relabeled = pod;
  relabeled["metadata"]["labels"] = {{"x", "y"}};
  auto relabeled_ptr = std::make_shared<const json>(relabeled);
  nominator.Update(plain, relabeled_ptr);
  EXPECT_EQ(nominator.NodeOf("default/p"), "n1");
  // The status moves it, and removing it from the status removes it.
  json moved = relabeled;
  moved["status"]["nominatedNodeName"] = "n2";
  auto moved_ptr = std::make_shared<const json>(moved);
  nominator.Update(relabeled_ptr, moved_ptr);
  EXPECT_EQ(nominator.NodeOf("default/p"), "n2");
  ASSERT_EQ(nominator.Snapshot()->by_node.count("n2"), 1u);
  EXPECT_EQ(nominator.Snapshot()->by_node.count("n1"), 0u);
  nominator.Update(moved_ptr, relabeled_ptr);
  EXPECT_EQ(nominator.NodeOf("default/p"), "");
  // Assigned pods are never nominated.
  json bound = moved;
  bound["spec"]["nodeName"] = "n2";
  nominator.Add(std::make_shared<const json>(bound));
  EXPECT_EQ(nominator.NodeOf("default/p"), "");
  nominator.Add(moved_ptr);
  nominator.Delete("default/p");
  EXPECT_TRUE(nominator.Snapshot()->by_node.empty());
}

// The whole flow with a real apiserver and the real Scheduler.
class PreemptionClusterTest : public testing::SchedulerClusterTest {
 protected:
  void StartScheduler() {
    SchedulerOptions options = testing::ClusterSchedulerOptions();
    options.queue.initial_backoff = std::chrono::milliseconds(100);
    SchedulerClusterTest::StartScheduler(options);
  }

  void CreateNode(const std::string& name, const std::string& cpu) {
    SchedulerClusterTest::CreateNode(name, testing::Allocatable(cpu));
  }

  void CreatePod(const std::string& name, const std::string& cpu,
                 const std::string& priority_class) {
    json pod = PodSpec(name, {{"cpu", cpu}});
    pod["spec"]["priorityClassName"] = priority_class;
    SchedulerClusterTest::CreatePod(pod);
  }
};

TEST_F(PreemptionClusterTest, HighPriorityPodPreemptsAndIsBoundOnceTheVictimIsGone) {
  using client::testing::Eventually;
  CreatePriorityClass("low", 10);
  CreatePriorityClass("high", 1000);
  CreateNode("only", "2");
  StartScheduler();
  CreatePod("low-a", "1", "low");
  CreatePod("low-b", "1", "low");
  ASSERT_TRUE(Eventually([&] { return NodeOf("low-a") == "only" && NodeOf("low-b") == "only"; },
                         std::chrono::seconds(3)));
  CreatePod("high", "1", "high");
  // One low pod is chosen: marked DisruptionTarget and deleted (gracefully: it terminates).
  std::string victim;
  ASSERT_TRUE(Eventually(
      [&] {
        for (const char* name : {"low-a", "low-b"}) {
          json pod = GetPod(name);
          if (pod.is_object() && pod["metadata"].contains("deletionTimestamp")) victim = name;
        }
        return !victim.empty();
      },
      std::chrono::seconds(3)));
  const std::string survivor = victim == "low-a" ? "low-b" : "low-a";
  json victim_pod = GetPod(victim);
  bool marked = false;
  for (const json& condition : victim_pod["status"]["conditions"]) {
    if (condition.value("type", "") != "DisruptionTarget") continue;
    marked = true;
    EXPECT_EQ(condition["status"], "True");
    EXPECT_EQ(condition["reason"], "PreemptionByScheduler");
    EXPECT_EQ(condition["message"],
              "default-scheduler: preempting to accommodate a higher priority pod");
  }
  EXPECT_TRUE(marked);
  // The preemptor is nominated to the node and told why it waits.
  ASSERT_TRUE(
      Eventually([&] { return GetPod("high")["status"].value("nominatedNodeName", "") == "only"; },
                 std::chrono::seconds(3)));
  EXPECT_EQ(scheduler_->NominatedNodeOf("default/high"), "only");
  ASSERT_TRUE(Eventually([&] { return !Events("high", "FailedScheduling").empty(); }));
  EXPECT_EQ(Events("high", "FailedScheduling").front()["message"],
            "0/1 nodes are available: 1 Insufficient cpu.");
  ASSERT_TRUE(Eventually([&] { return !Events(victim, "Preempted").empty(); }));
  json preempted = Events(victim, "Preempted").front();
  EXPECT_EQ(preempted["message"],
            "Preempted by pod " + GetPod("high")["metadata"].value("uid", "") + " on node only");
  EXPECT_EQ(preempted["type"], "Normal");
  EXPECT_EQ(preempted["source"]["component"], "default-scheduler");
  // While the victim terminates nothing more is preempted and the pod stays pending.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(NodeOf("high"), "");
  EXPECT_FALSE(GetPod(survivor)["metadata"].contains("deletionTimestamp"));
  // The kubelet's part: the victim's containers stopped, the pod goes away.
  client::DeleteOptions now;
  now.grace_period_seconds = 0;
  ASSERT_TRUE(admin_.Delete(client::resources::Pods(), "default", victim, now).ok());
  ASSERT_TRUE(Eventually([&] { return NodeOf("high") == "only"; }, std::chrono::seconds(5)));
  EXPECT_EQ(NodeOf(survivor), "only");
  EXPECT_EQ(scheduler_->NominatedNodeOf("default/high"), "");
  EXPECT_GE(scheduler_->GetStats().preemptions, 1);
}

}  // namespace
}  // namespace k1s::scheduler
