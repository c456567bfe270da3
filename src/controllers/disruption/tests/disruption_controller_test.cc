// The disruption controller against a real apiserver: PDB status from ready pods and their
// controllers' scale, the DisruptionAllowed condition, evictions through pods/eviction,
// disruptedPods bookkeeping, warning events and stale DisruptionTarget cleanup. No workload
// controller runs: the tests create the ReplicaSets / Deployments and their pods themselves.
#include "controllers/disruption/disruption_controller.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/errors.h"
#include "api/timestamps.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/pods.h"
#include "controllers/common/testing/controller_harness.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using client::testing::MarkPodRunning;
using nlohmann::json;
namespace resources = client::resources;
using namespace std::chrono_literals;

constexpr char kNs[] = "apps";

int64_t NowSeconds() { return base::RealClock().NowUnixNanos() / base::kNanosPerSecond; }

class DisruptionControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    ASSERT_TRUE(harness_.cluster().CreateNamespace(kNs).ok());
    controller_ = std::make_unique<DisruptionController>(harness_.context());
    ASSERT_TRUE(harness_.StartInformers());
  }
  void TearDown() override { controller_->Stop(); }

  void StartController() { ASSERT_TRUE(controller_->Start().ok()); }
  client::Client& admin() { return harness_.admin; }

  static json PodTemplate() {
    return {{"metadata", {{"labels", {{"app", "web"}}}}},
            {"spec", {{"containers", {{{"name", "app"}, {"image", "nginx"}}}}}}};
  }

  // A ReplicaSet object (no controller runs for it); returns it as stored.
  json CreateReplicaSet(const std::string& name, int32_t replicas, const json& owner = json()) {
    json rs = {{"apiVersion", "apps/v1"},
               {"kind", "ReplicaSet"},
               {"metadata", {{"name", name}}},
               {"spec",
                {{"replicas", replicas},
                 {"selector", {{"matchLabels", {{"app", "web"}}}}},
                 {"template", PodTemplate()}}}};
    if (!owner.is_null()) rs["metadata"]["ownerReferences"] = json::array({owner});
    absl::StatusOr<json> created = admin().Create(resources::ReplicaSets(), kNs, rs);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  json CreateDeployment(const std::string& name, int32_t replicas) {
    json deployment = {{"apiVersion", "apps/v1"},
                       {"kind", "Deployment"},
                       {"metadata", {{"name", name}}},
                       {"spec",
                        {{"replicas", replicas},
                         {"selector", {{"matchLabels", {{"app", "web"}}}}},
                         {"template", PodTemplate()}}}};
    absl::StatusOr<json> created = admin().Create(resources::Deployments(), kNs, deployment);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  static json ControllerRef(const json& owner) {
    return {{"apiVersion", owner.value("apiVersion", "")},
            {"kind", owner.value("kind", "")},
            {"name", owner["metadata"]["name"]},
            {"uid", owner["metadata"]["uid"]},
            {"controller", true}};
  }

  // A running pod labelled app=web on node-1, owned by `owner` (a controllerRef) if given.
  void CreatePod(const std::string& name, const json& owner_ref, bool ready = true) {
    json pod = {
        {"metadata", {{"name", name}, {"labels", {{"app", "web"}}}}},
        {"spec",
         {{"nodeName", "node-1"}, {"containers", {{{"name", "app"}, {"image", "nginx"}}}}}}};
    if (!owner_ref.is_null()) pod["metadata"]["ownerReferences"] = json::array({owner_ref});
    absl::StatusOr<json> created = admin().Create(resources::Pods(), kNs, pod);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_TRUE(MarkPodRunning(admin(), kNs, name, ready).ok());
  }

  void CreatePdb(const std::string& name, const json& spec) {
    json pdb = {{"apiVersion", "policy/v1"},
                {"kind", "PodDisruptionBudget"},
                {"metadata", {{"name", name}}},
                {"spec", spec}};
    absl::StatusOr<json> created = admin().Create(resources::PodDisruptionBudgets(), kNs, pdb);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  json GetPdb(const std::string& name) {
    absl::StatusOr<json> pdb = admin().Get(resources::PodDisruptionBudgets(), kNs, name);
    return pdb.ok() ? *pdb : json();
  }

  // Waits until the PDB's status has every field of `expected` with that value.
  bool StatusReaches(const std::string& name, const json& expected) {
    return Eventually(
        [&] {
          json status = GetPdb(name).value("status", json::object());
          for (const auto& [key, value] : expected.items()) {
            if (!status.contains(key) || status[key] != value) return false;
          }
          return true;
        },
        4s);
  }

  json AllowedCondition(const std::string& name) {
    const json pdb = GetPdb(name);
    const json* condition = FindCondition(pdb, "DisruptionAllowed");
    return condition != nullptr ? *condition : json::object();
  }

  // The Event with `reason` about `kind`/`name`, once it was written.
  json FindEvent(const std::string& kind, const std::string& name, const std::string& reason) {
    json found;
    Eventually(
        [&] {
          harness_.events().Flush();
          absl::StatusOr<json> events = admin().List(resources::Events(), kNs);
          if (!events.ok()) return false;
          for (const json& event : (*events)["items"]) {
            const json& involved = event["involvedObject"];
            if (involved.value("kind", "") == kind && involved.value("name", "") == name &&
                event.value("reason", "") == reason) {
              found = event;
              return true;
            }
          }
          return false;
        },
        4s);
    return found;
  }

  absl::Status Evict(const std::string& pod) {
    json eviction = {{"apiVersion", "policy/v1"},
                     {"kind", "Eviction"},
                     {"metadata", {{"name", pod}, {"namespace", kNs}}}};
    return admin().Create(resources::Pods(), kNs, eviction, {}, pod, "eviction").status();
  }

  // Writes status.disruptedPods of the PDB as the eviction endpoint does.
  void RecordDisruption(const std::string& pdb_name, const std::string& pod, int64_t at) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      json pdb = GetPdb(pdb_name);
      pdb["status"]["disruptedPods"][pod] = api::FormatTimestamp(at);
      absl::StatusOr<json> written = admin().UpdateStatus(resources::PodDisruptionBudgets(), pdb);
      if (written.ok()) return;
      ASSERT_TRUE(api::IsConflict(written.status())) << written.status();
    }
    FAIL() << "could not record the disruption";
  }

  controllers::testing::ControllerHarness harness_;
  std::unique_ptr<DisruptionController> controller_;
};

TEST_F(DisruptionControllerTest, MinAvailableCountsReadyPodsAndKeepsTheCondition) {
  StartController();
  json rs = CreateReplicaSet("web", 3);
  for (const char* name : {"web-a", "web-b", "web-c"}) CreatePod(name, ControllerRef(rs));
  CreatePdb("web", {{"minAvailable", 2}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});

  ASSERT_TRUE(StatusReaches("web", {{"currentHealthy", 3},
                                    {"desiredHealthy", 2},
                                    {"expectedPods", 3},
                                    {"disruptionsAllowed", 1},
                                    {"observedGeneration", 1}}));
  json condition = AllowedCondition("web");
  EXPECT_EQ(condition["status"], "True");
  EXPECT_EQ(condition["reason"], "SufficientPods");
  EXPECT_EQ(condition["message"], "");
  EXPECT_EQ(condition["observedGeneration"], 1);
  EXPECT_TRUE(api::ParseTimestamp(condition.value("lastTransitionTime", "")).has_value());

  // One pod not ready: nothing may go.
  ASSERT_TRUE(MarkPodRunning(admin(), kNs, "web-c", /*ready=*/false).ok());
  ASSERT_TRUE(StatusReaches("web", {{"currentHealthy", 2}, {"disruptionsAllowed", 0}}));
  json insufficient = AllowedCondition("web");
  EXPECT_EQ(insufficient["status"], "False");
  EXPECT_EQ(insufficient["reason"], "InsufficientPods");

  // Still no disruption allowed: the condition's transition time stays.
  ASSERT_TRUE(MarkPodRunning(admin(), kNs, "web-b", /*ready=*/false).ok());
  ASSERT_TRUE(StatusReaches("web", {{"currentHealthy", 1}, {"disruptionsAllowed", 0}}));
  EXPECT_EQ(AllowedCondition("web")["lastTransitionTime"], insufficient["lastTransitionTime"]);

  // A spec change is observed.
  json pdb = GetPdb("web");
  pdb["spec"]["minAvailable"] = 1;
  ASSERT_TRUE(admin().Update(resources::PodDisruptionBudgets(), pdb).ok());
  EXPECT_TRUE(StatusReaches("web", {{"observedGeneration", 2}, {"desiredHealthy", 1}}));
}

TEST_F(DisruptionControllerTest, MaxUnavailablePercentOfTheReplicaSetScale) {
  StartController();
  // The ReplicaSet wants 4; only 3 pods exist (all ready).
  json rs = CreateReplicaSet("web", 4);
  for (const char* name : {"web-a", "web-b", "web-c"}) CreatePod(name, ControllerRef(rs));
  CreatePdb("web", {{"maxUnavailable", "30%"}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});
  // 30% of 4 rounds up to 2 unavailable: 2 must stay healthy, 3 are.
  EXPECT_TRUE(StatusReaches("web", {{"expectedPods", 4},
                                    {"desiredHealthy", 2},
                                    {"currentHealthy", 3},
                                    {"disruptionsAllowed", 1}}));
}

TEST_F(DisruptionControllerTest, MinAvailablePercentUsesTheDeploymentScale) {
  StartController();
  json deployment = CreateDeployment("web", 6);
  // The ReplicaSet's own replicas (1) must not count: its Deployment's (6) do.
  json rs = CreateReplicaSet("web-5d8f", 1, ControllerRef(deployment));
  for (const char* name : {"web-a", "web-b", "web-c", "web-d"}) CreatePod(name, ControllerRef(rs));
  CreatePdb("web", {{"minAvailable", "50%"}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});
  EXPECT_TRUE(StatusReaches("web", {{"expectedPods", 6},
                                    {"desiredHealthy", 3},
                                    {"currentHealthy", 4},
                                    {"disruptionsAllowed", 1}}));
}

TEST_F(DisruptionControllerTest, EvictionIsAdmittedOnceTheStatusAllowsIt) {
  json rs = CreateReplicaSet("web", 3);
  for (const char* name : {"web-a", "web-b", "web-c"}) CreatePod(name, ControllerRef(rs));
  CreatePdb("web", {{"minAvailable", 2}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});

  // Not yet processed by the controller: the eviction endpoint refuses.
  absl::Status early = Evict("web-a");
  EXPECT_EQ(api::ErrorReason(early), "TooManyRequests") << early;

  StartController();
  ASSERT_TRUE(StatusReaches("web", {{"disruptionsAllowed", 1}, {"observedGeneration", 1}}));
  absl::Status evicted = Evict("web-a");
  ASSERT_TRUE(evicted.ok()) << evicted;
  // The evicted pod no longer counts; the budget is spent.
  ASSERT_TRUE(StatusReaches("web", {{"currentHealthy", 2}, {"disruptionsAllowed", 0}}));
  EXPECT_EQ(AllowedCondition("web")["reason"], "InsufficientPods");
  absl::Status refused = Evict("web-b");
  EXPECT_EQ(api::ErrorReason(refused), "TooManyRequests") << refused;
  absl::StatusOr<json> pod = admin().Get(resources::Pods(), kNs, "web-b");
  ASSERT_TRUE(pod.ok());
  EXPECT_FALSE(IsBeingDeleted(*pod));
}

TEST_F(DisruptionControllerTest, RecentDisruptionsAreNotHealthyExpiredOnesAreDropped) {
  StartController();
  json rs = CreateReplicaSet("web", 3);
  for (const char* name : {"web-a", "web-b", "web-c"}) CreatePod(name, ControllerRef(rs));
  CreatePdb("web", {{"minAvailable", 2}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});
  ASSERT_TRUE(StatusReaches("web", {{"disruptionsAllowed", 1}}));

  // Recorded by an eviction moments ago but not deleted yet: counted as disrupted.
  RecordDisruption("web", "web-a", NowSeconds());
  ASSERT_TRUE(StatusReaches("web", {{"currentHealthy", 2}, {"disruptionsAllowed", 0}}));
  EXPECT_TRUE(GetPdb("web")["status"]["disruptedPods"].contains("web-a"));

  // Recorded 3 minutes ago and still not deleted: dropped, with a NotDeleted event.
  RecordDisruption("web", "web-a", NowSeconds() - 180);
  ASSERT_TRUE(StatusReaches("web", {{"currentHealthy", 3}, {"disruptionsAllowed", 1}}));
  EXPECT_FALSE(GetPdb("web")["status"].contains("disruptedPods"));
  json event = FindEvent("Pod", "web-a", "NotDeleted");
  EXPECT_EQ(event.value("type", ""), "Warning");
  EXPECT_EQ(event.value("message", ""),
            "Pod was expected by PDB apps/apps to be deleted but it wasn't");
  EXPECT_EQ(event["source"].value("component", ""), "controllermanager");
}

TEST_F(DisruptionControllerTest, UnmanagedPodsAreReported) {
  StartController();
  CreatePod("bare-a", json());
  CreatePod("bare-b", json());
  CreatePdb("web", {{"maxUnavailable", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});
  ASSERT_TRUE(StatusReaches("web", {{"expectedPods", 0},
                                    {"currentHealthy", 2},
                                    {"desiredHealthy", 0},
                                    {"disruptionsAllowed", 0}}));
  json event = FindEvent("PodDisruptionBudget", "web", "UnmanagedPods");
  EXPECT_EQ(event.value("type", ""), "Warning");
  EXPECT_EQ(event.value("message", ""),
            "Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:"
            "map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}) were "
            "found to be unmanaged. As a result, the status of the PDB cannot be calculated "
            "correctly, which may result in undefined behavior. To account for these pods please "
            "set \".spec.minAvailable\" field of the PDB to an integer value.");
}

TEST_F(DisruptionControllerTest, PodsWithoutAFoundControllerFailSafe) {
  StartController();
  json ghost = {{"apiVersion", "apps/v1"},
                {"kind", "ReplicaSet"},
                {"name", "ghost"},
                {"uid", "00000000-0000-0000-0000-000000000001"},
                {"controller", true}};
  CreatePod("orphan", ghost);
  CreatePdb("web", {{"maxUnavailable", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});
  ASSERT_TRUE(
      Eventually([&] { return AllowedCondition("web").value("reason", "") == "SyncFailed"; }, 4s));
  json condition = AllowedCondition("web");
  EXPECT_EQ(condition["status"], "False");
  EXPECT_EQ(condition["message"], "found no controllers for pod \"orphan\"");
  EXPECT_EQ(GetPdb("web")["status"].value("disruptionsAllowed", -1), 0);
  json event = FindEvent("PodDisruptionBudget", "web", "CalculateExpectedPodCountFailed");
  EXPECT_EQ(event.value("message", ""),
            "Failed to calculate the number of expected pods: found no controllers for pod "
            "\"orphan\"");
}

TEST_F(DisruptionControllerTest, UnknownControllerKindFailSafe) {
  StartController();
  CreatePod("custom", {{"apiVersion", "example.com/v1"},
                       {"kind", "Widget"},
                       {"name", "w"},
                       {"uid", "00000000-0000-0000-0000-000000000002"},
                       {"controller", true}});
  CreatePdb("web", {{"minAvailable", "50%"}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});
  ASSERT_TRUE(
      Eventually([&] { return AllowedCondition("web").value("reason", "") == "SyncFailed"; }, 4s));
  EXPECT_EQ(AllowedCondition("web")["message"],
            "no matches for kind \"Widget\" in version \"example.com/v1\"");
}

TEST_F(DisruptionControllerTest, PodInSeveralBudgetsIsReported) {
  StartController();
  json rs = CreateReplicaSet("web", 1);
  CreatePdb("a", {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "web"}}}}}});
  CreatePdb("b", {{"maxUnavailable", 1}, {"selector", json::object()}});  // {} selects all
  CreatePod("web-a", ControllerRef(rs));
  json event = FindEvent("Pod", "web-a", "MultiplePodDisruptionBudgets");
  EXPECT_EQ(event.value("message", ""),
            "Pod \"apps\"/\"web-a\" matches multiple PodDisruptionBudgets.  Chose \"a\" "
            "arbitrarily.");
  // Both are kept current.
  EXPECT_TRUE(StatusReaches("a", {{"currentHealthy", 1}, {"disruptionsAllowed", 0}}));
  EXPECT_TRUE(StatusReaches("b", {{"expectedPods", 1}, {"disruptionsAllowed", 1}}));
}

TEST_F(DisruptionControllerTest, NoMatchingPodsIsANormalEvent) {
  StartController();
  CreatePdb("empty", {{"minAvailable", 1}, {"selector", {{"matchLabels", {{"app", "none"}}}}}});
  ASSERT_TRUE(StatusReaches("empty", {{"expectedPods", 0}, {"disruptionsAllowed", 0}}));
  json event = FindEvent("PodDisruptionBudget", "empty", "NoPods");
  EXPECT_EQ(event.value("type", ""), "Normal");
  EXPECT_EQ(event.value("message", ""), "No matching pods found");
}

TEST_F(DisruptionControllerTest, StaleDisruptionTargetIsResetToFalse) {
  StartController();
  auto add_condition = [&](const std::string& name, const std::string& reason, int64_t since) {
    CreatePod(name, json());
    absl::StatusOr<json> pod = admin().Get(resources::Pods(), kNs, name);
    ASSERT_TRUE(pod.ok());
    (*pod)["status"]["conditions"].push_back({{"type", "DisruptionTarget"},
                                              {"status", "True"},
                                              {"reason", reason},
                                              {"message", "Eviction API: evicting"},
                                              {"lastTransitionTime", api::FormatTimestamp(since)}});
    ASSERT_TRUE(admin().UpdateStatus(resources::Pods(), *pod).ok());
  };
  add_condition("stale", "EvictionByEvictionAPI", NowSeconds() - 180);
  add_condition("by-kubelet", "TerminationByKubelet", NowSeconds() - 180);
  add_condition("fresh", "EvictionByEvictionAPI", NowSeconds());

  auto condition_of = [&](const std::string& name) {
    absl::StatusOr<json> pod = admin().Get(resources::Pods(), kNs, name);
    const json* condition = pod.ok() ? FindCondition(*pod, "DisruptionTarget") : nullptr;
    return condition != nullptr ? *condition : json::object();
  };
  ASSERT_TRUE(Eventually([&] { return condition_of("stale").value("status", "") == "False"; }, 4s));
  EXPECT_FALSE(condition_of("stale").contains("reason"));
  EXPECT_EQ(condition_of("by-kubelet")["status"], "True");
  EXPECT_EQ(condition_of("fresh")["status"], "True");
}

}  // namespace
}  // namespace k1s::controllers
