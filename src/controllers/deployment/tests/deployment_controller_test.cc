// The Deployment controller with the ReplicaSet controller against a real apiserver; the test
// plays the kubelet by marking pods ready, step by step.
#include "controllers/deployment/deployment_controller.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/deployment/hash.h"
#include "controllers/replicaset/replica_set_controller.h"
#include "controllers/common/pods.h"
#include "controllers/common/testing/controller_harness.h"

namespace k1s::controllers {
namespace {

using client::resources::Deployments;
using client::resources::Pods;
using client::resources::ReplicaSets;
using client::testing::Eventually;
using client::testing::MarkPodRunning;
using nlohmann::json;

constexpr char kRevision[] = "deployment.kubernetes.io/revision";

json Deployment(const std::string& name, int32_t replicas, const std::string& image,
                json strategy = json()) {
  json d = {{"apiVersion", "apps/v1"},
            {"kind", "Deployment"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec",
             {{"replicas", replicas},
              {"selector", {{"matchLabels", {{"app", name}}}}},
              {"template",
               {{"metadata", {{"labels", {{"app", name}}}}},
                {"spec", {{"containers", {{{"name", "app"}, {"image", image}}}}}}}}}}};
  if (!strategy.is_null()) d["spec"]["strategy"] = strategy;
  return d;
}

json RollingUpdate(json max_surge, json max_unavailable) {
  return {{"type", "RollingUpdate"},
          {"rollingUpdate", {{"maxSurge", max_surge}, {"maxUnavailable", max_unavailable}}}};
}

int64_t Int(const json& object, const char* section, const char* field) {
  return object.contains(section) ? object[section].value(field, int64_t{0}) : 0;
}

std::string Annotation(const json& object, const std::string& key) {
  return object["metadata"].value("annotations", json::object()).value(key, "");
}

// The condition of `type`, or an empty object (so .value() works on a missing one).
json Condition(const json& object, const std::string& type) {
  const json* found = FindCondition(object, type);
  return found != nullptr ? *found : json::object();
}

class DeploymentControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    harness_.Start<ReplicaSetController>();
    harness_.Start<DeploymentController>();
  }

  json Create(const json& d) {
    absl::StatusOr<json> created = harness_.admin.Create(Deployments(), "default", d);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  void Patch(const std::string& name, const json& patch) {
    absl::StatusOr<json> patched = harness_.admin.Patch(Deployments(), "default", name,
                                                        client::PatchType::kMerge, patch.dump());
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  void SetImage(const std::string& name, const std::string& image) {
    // A strategic merge keyed by container name, as `kubectl set image` sends it.
    absl::StatusOr<json> patched = harness_.admin.Patch(
        Deployments(), "default", name, client::PatchType::kStrategicMerge,
        json{{"spec",
              {{"template", {{"spec", {{"containers", {{{"name", "app"}, {"image", image}}}}}}}}}}}
            .dump());
    ASSERT_TRUE(patched.ok()) << patched.status();
  }

  std::vector<json> ReplicaSetsOf(const std::string& name) {
    return harness_.List(ReplicaSets(), "app=" + name);
  }

  json ReplicaSetWithImage(const std::string& name, const std::string& image) {
    for (const json& rs : ReplicaSetsOf(name)) {
      if (rs["spec"]["template"]["spec"]["containers"][0].value("image", "") == image) return rs;
    }
    return json();
  }

  json Get(const std::string& name) { return harness_.Get(Deployments(), name); }

  // Waits for an event about `name` with `reason` and `message` (events follow the writes).
  bool HasEvent(const std::string& name, const std::string& reason, const std::string& message) {
    return Eventually([&] {
      for (const json& event : harness_.Events(name, reason)) {
        if (event.value("message", "") == message) return true;
      }
      return false;
    });
  }

  // The rollout of `name` is done: every replica updated and available, generation observed.
  bool Complete(const std::string& name) {
    json d = Get(name);
    int64_t replicas = d["spec"].value("replicas", 1);
    return Int(d, "status", "observedGeneration") == d["metadata"].value("generation", 0) &&
           Int(d, "status", "updatedReplicas") == replicas &&
           Int(d, "status", "replicas") == replicas &&
           Int(d, "status", "availableReplicas") == replicas;
  }

  // Plays the kubelet one pod at a time until the rollout completes, calling `check` after
  // every step.
  void DriveRollout(
      const std::string& name, const std::function<void()>& check = [] {}) {
    for (int step = 0; step < 60 && !Complete(name); ++step) {
      Eventually(
          [&] {
            if (Complete(name)) return true;
            for (const json& pod : harness_.ActivePods("app=" + name)) {
              if (!IsPodReady(pod)) return true;
            }
            return false;
          },
          std::chrono::seconds(3));
      for (const json& pod : harness_.ActivePods("app=" + name)) {
        if (IsPodReady(pod)) continue;
        ASSERT_TRUE(MarkPodRunning(harness_.admin, "default", pod["metadata"]["name"]).ok());
        break;
      }
      check();
    }
    ASSERT_TRUE(Eventually([&] { return Complete(name); }));
  }

  testing::ControllerHarness harness_;
};

TEST_F(DeploymentControllerTest, CreatesAHashedReplicaSetAndBecomesAvailable) {
  json d = Create(Deployment("web", 3, "nginx:1"));
  ASSERT_TRUE(Eventually([&] { return ReplicaSetsOf("web").size() == 1; }));
  json rs = ReplicaSetsOf("web")[0];
  const std::string hash = rs["metadata"]["labels"].value("pod-template-hash", "");
  ASSERT_FALSE(hash.empty());
  EXPECT_EQ(hash.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), std::string::npos);
  EXPECT_EQ(rs["metadata"]["name"], "web-" + hash);
  EXPECT_EQ(rs["spec"]["selector"]["matchLabels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"], hash);
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["uid"], d["metadata"]["uid"]);
  EXPECT_EQ(Annotation(rs, kRevision), "1");
  EXPECT_EQ(Annotation(rs, "deployment.kubernetes.io/desired-replicas"), "3");
  EXPECT_EQ(Annotation(rs, "deployment.kubernetes.io/max-replicas"), "4");  // 25% of 3, up

  ASSERT_TRUE(Eventually([&] {
    json current = Get("web");
    return harness_.ActivePods("app=web").size() == 3 &&
           Condition(current, "Available").value("reason", "") == "MinimumReplicasUnavailable";
  }));
  harness_.MarkAllReady("app=web");
  ASSERT_TRUE(Eventually([&] {
    json current = Get("web");
    json available = Condition(current, "Available");
    json progressing = Condition(current, "Progressing");
    return Complete("web") && available.value("status", "") == "True" &&
           available.value("reason", "") == "MinimumReplicasAvailable" &&
           progressing.value("reason", "") == "NewReplicaSetAvailable";
  }));
  json current = Get("web");
  EXPECT_EQ(Int(current, "status", "readyReplicas"), 3);
  EXPECT_EQ(Int(current, "status", "unavailableReplicas"), 0);
  EXPECT_EQ(Condition(current, "Progressing").value("message", ""),
            "ReplicaSet \"web-" + hash + "\" has successfully progressed.");
  EXPECT_EQ(Annotation(current, kRevision), "1");
  EXPECT_TRUE(
      HasEvent("web", "ScalingReplicaSet", "Scaled up replica set web-" + hash + " from 0 to 3"));
  std::vector<json> scaled = harness_.Events("web", "ScalingReplicaSet");
  ASSERT_EQ(scaled.size(), 1u);
  EXPECT_EQ(scaled[0]["source"].value("component", ""), "deployment-controller");
}

TEST_F(DeploymentControllerTest, RollingUpdateStaysWithinSurgeAndUnavailability) {
  Create(Deployment("roll", 4, "nginx:1", RollingUpdate(1, 1)));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=roll").size() == 4; }));
  harness_.MarkAllReady("app=roll");
  ASSERT_TRUE(Eventually([&] { return Complete("roll"); }));

  // Sample the bounds continuously: ReplicaSet sizes within 4 + 1, ready pods at least 4 - 1.
  std::atomic<bool> stop{false};
  std::atomic<int32_t> max_total{0};
  std::atomic<int32_t> min_ready{100};
  std::thread sampler([&] {
    while (!stop) {
      int32_t total = 0;
      for (const json& rs : ReplicaSetsOf("roll")) total += rs["spec"].value("replicas", 0);
      int32_t ready = 0;
      for (const json& pod : harness_.ActivePods("app=roll")) ready += IsPodReady(pod) ? 1 : 0;
      max_total = std::max<int32_t>(max_total, total);
      min_ready = std::min<int32_t>(min_ready, ready);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  SetImage("roll", "nginx:2");
  DriveRollout("roll", [&] {
    int32_t total = 0;
    for (const json& rs : ReplicaSetsOf("roll")) total += rs["spec"].value("replicas", 0);
    EXPECT_LE(total, 5);
  });
  stop = true;
  sampler.join();
  EXPECT_LE(max_total, 5);
  EXPECT_GE(min_ready, 3);
  EXPECT_EQ(ReplicaSetWithImage("roll", "nginx:1")["spec"]["replicas"], 0);
  EXPECT_EQ(ReplicaSetWithImage("roll", "nginx:2")["spec"]["replicas"], 4);
  EXPECT_EQ(Annotation(Get("roll"), kRevision), "2");
  const std::string old_name = ReplicaSetWithImage("roll", "nginx:1")["metadata"]["name"];
  EXPECT_TRUE(HasEvent("roll", "ScalingReplicaSet",
                       "Scaled down replica set " + old_name + " from 4 to 3"));
}

TEST_F(DeploymentControllerTest, RecreateScalesTheOldReplicaSetToZeroFirst) {
  Create(Deployment("re", 2, "nginx:1", json{{"type", "Recreate"}}));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=re").size() == 2; }));
  harness_.MarkAllReady("app=re");
  ASSERT_TRUE(Eventually([&] { return Complete("re"); }));
  const std::string old_uid = ReplicaSetsOf("re")[0]["metadata"]["uid"];

  std::atomic<bool> stop{false};
  std::atomic<bool> overlap{false};
  std::thread sampler([&] {
    while (!stop) {
      // ReplicaSets first, pods second: once the new ReplicaSet wants pods, every old pod
      // must already be gone.
      int32_t new_replicas = 0;
      for (const json& rs : ReplicaSetsOf("re")) {
        if (rs["metadata"]["uid"] != old_uid) new_replicas += rs["spec"].value("replicas", 0);
      }
      if (new_replicas > 0) {
        for (const json& pod : harness_.ActivePods("app=re")) {
          if (pod["metadata"]["ownerReferences"][0].value("uid", "") == old_uid) overlap = true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  SetImage("re", "nginx:2");
  ASSERT_TRUE(Eventually([&] { return ReplicaSetsOf("re").size() == 2; }));
  DriveRollout("re");
  stop = true;
  sampler.join();
  EXPECT_FALSE(overlap);
  EXPECT_EQ(ReplicaSetWithImage("re", "nginx:1")["spec"]["replicas"], 0);
  EXPECT_EQ(ReplicaSetWithImage("re", "nginx:2")["spec"]["replicas"], 2);
}

TEST_F(DeploymentControllerTest, PausedDeploymentMakesNoProgressUntilResumed) {
  Create(Deployment("pause", 2, "nginx:1"));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=pause").size() == 2; }));
  harness_.MarkAllReady("app=pause");
  ASSERT_TRUE(Eventually([&] { return Complete("pause"); }));

  Patch("pause", {{"spec", {{"paused", true}}}});
  ASSERT_TRUE(Eventually([&] {
    json progressing = Condition(Get("pause"), "Progressing");
    return progressing.value("reason", "") == "DeploymentPaused" &&
           progressing.value("status", "") == "Unknown" &&
           progressing.value("message", "") == "Deployment is paused";
  }));
  SetImage("pause", "nginx:2");
  ASSERT_TRUE(Eventually([&] {
    json d = Get("pause");
    return Int(d, "status", "observedGeneration") == d["metadata"].value("generation", 0);
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(ReplicaSetsOf("pause").size(), 1u);  // no new ReplicaSet while paused

  Patch("pause", {{"spec", {{"paused", false}}}});
  ASSERT_TRUE(Eventually([&] { return ReplicaSetsOf("pause").size() == 2; }));
  DriveRollout("pause");
  EXPECT_EQ(ReplicaSetWithImage("pause", "nginx:2")["spec"]["replicas"], 2);
}

TEST_F(DeploymentControllerTest, RestoringAnOldTemplateReusesItsReplicaSet) {
  Create(Deployment("undo", 2, "nginx:1"));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=undo").size() == 2; }));
  DriveRollout("undo");
  json v1 = Get("undo")["spec"]["template"];
  SetImage("undo", "nginx:2");
  ASSERT_TRUE(Eventually([&] { return ReplicaSetsOf("undo").size() == 2; }));
  DriveRollout("undo");
  const std::string first = ReplicaSetWithImage("undo", "nginx:1")["metadata"]["name"];
  EXPECT_EQ(Annotation(ReplicaSetWithImage("undo", "nginx:2"), kRevision), "2");

  // What `kubectl rollout undo` does: put revision 1's template back.
  Patch("undo", {{"spec", {{"template", v1}}}});
  ASSERT_TRUE(Eventually([&] {
    json rs = ReplicaSetWithImage("undo", "nginx:1");
    return Annotation(rs, kRevision) == "3" &&
           Annotation(rs, "deployment.kubernetes.io/revision-history") == "1";
  }));
  DriveRollout("undo");
  EXPECT_EQ(ReplicaSetsOf("undo").size(), 2u);  // no third ReplicaSet
  json reused = ReplicaSetWithImage("undo", "nginx:1");
  EXPECT_EQ(reused["metadata"]["name"], first);
  EXPECT_EQ(reused["spec"]["replicas"], 2);
  EXPECT_EQ(ReplicaSetWithImage("undo", "nginx:2")["spec"]["replicas"], 0);
  EXPECT_TRUE(Eventually([&] { return Annotation(Get("undo"), kRevision) == "3"; }));
}

TEST_F(DeploymentControllerTest, DeprecatedRollbackAnnotationRestoresARevision) {
  Create(Deployment("back", 1, "nginx:1"));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=back").size() == 1; }));
  DriveRollout("back");
  SetImage("back", "nginx:2");
  ASSERT_TRUE(Eventually([&] { return ReplicaSetsOf("back").size() == 2; }));
  DriveRollout("back");
  // extensions/v1beta1's rollbackTo, as kept through conversion; revision 0 means "previous".
  Patch("back", {{"metadata", {{"annotations", {{"deprecated.deployment.rollback.to", "0"}}}}}});
  ASSERT_TRUE(Eventually([&] {
    json d = Get("back");
    return d["spec"]["template"]["spec"]["containers"][0].value("image", "") == "nginx:1" &&
           Annotation(d, "deprecated.deployment.rollback.to").empty();
  }));
  EXPECT_TRUE(
      HasEvent("back", "DeploymentRollback", "Rolled back deployment \"back\" to revision 1"));
  DriveRollout("back");
  EXPECT_EQ(Annotation(ReplicaSetWithImage("back", "nginx:1"), kRevision), "3");
}

TEST_F(DeploymentControllerTest, RevisionHistoryLimitDeletesOldReplicaSets) {
  json d = Deployment("hist", 1, "nginx:1");
  d["spec"]["revisionHistoryLimit"] = 1;
  Create(d);
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=hist").size() == 1; }));
  DriveRollout("hist");
  for (const char* image : {"nginx:2", "nginx:3"}) {
    SetImage("hist", image);
    ASSERT_TRUE(Eventually([&] { return !ReplicaSetWithImage("hist", image).is_null(); }));
    DriveRollout("hist");
  }
  ASSERT_TRUE(Eventually([&] { return ReplicaSetsOf("hist").size() == 2; }));
  EXPECT_TRUE(ReplicaSetWithImage("hist", "nginx:1").is_null());  // revision 1 is gone
  EXPECT_FALSE(ReplicaSetWithImage("hist", "nginx:2").is_null());
  EXPECT_FALSE(ReplicaSetWithImage("hist", "nginx:3").is_null());
}

TEST_F(DeploymentControllerTest, ReportsAnExceededProgressDeadline) {
  json d = Deployment("stuck", 1, "nginx:1");
  d["spec"]["progressDeadlineSeconds"] = 1;
  Create(d);
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=stuck").size() == 1; }));
  // The pod never becomes ready; nothing else happens in the cluster.
  ASSERT_TRUE(Eventually(
      [&] {
        json progressing = Condition(Get("stuck"), "Progressing");
        return progressing.value("status", "") == "False" &&
               progressing.value("reason", "") == "ProgressDeadlineExceeded";
      },
      std::chrono::seconds(4)));
  json rs = ReplicaSetsOf("stuck")[0];
  EXPECT_EQ(Condition(Get("stuck"), "Progressing").value("message", ""),
            "ReplicaSet \"" + rs["metadata"].value("name", "") + "\" has timed out progressing.");
}

TEST_F(DeploymentControllerTest, ScalesProportionallyDuringARollout) {
  Create(Deployment("prop", 10, "nginx:1", RollingUpdate(3, 2)));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=prop").size() == 10; }));
  harness_.MarkAllReady("app=prop");
  ASSERT_TRUE(Eventually([&] { return Complete("prop"); }));
  // The new pods never become ready: the rollout settles at old 8 (10 - maxUnavailable) and
  // new 5 (13 total with maxSurge).
  SetImage("prop", "nginx:2");
  auto sizes = [&](int32_t old_size, int32_t new_size) {
    return ReplicaSetWithImage("prop", "nginx:1")["spec"].value("replicas", -1) == old_size &&
           ReplicaSetWithImage("prop", "nginx:2")["spec"].value("replicas", -1) == new_size;
  };
  ASSERT_TRUE(Eventually([&] { return sizes(8, 5); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ASSERT_TRUE(sizes(8, 5));

  // 20 replicas: 23 allowed, the 10 extra split 8:5 -> old 14, new 9.
  Patch("prop", {{"spec", {{"replicas", 20}}}});
  ASSERT_TRUE(Eventually([&] { return sizes(14, 9); }));
  json old_rs = ReplicaSetWithImage("prop", "nginx:1");
  EXPECT_EQ(Annotation(old_rs, "deployment.kubernetes.io/desired-replicas"), "20");
  EXPECT_EQ(Annotation(old_rs, "deployment.kubernetes.io/max-replicas"), "23");
  EXPECT_TRUE(
      HasEvent("prop", "ScalingReplicaSet",
               "Scaled up replica set " + old_rs["metadata"].value("name", "") + " from 8 to 14"));
}

TEST_F(DeploymentControllerTest, RestartedAtAnnotationRollsOutANewReplicaSet) {
  Create(Deployment("restart", 1, "nginx:1"));
  ASSERT_TRUE(Eventually([&] { return harness_.ActivePods("app=restart").size() == 1; }));
  DriveRollout("restart");
  const std::string first = ReplicaSetsOf("restart")[0]["metadata"]["name"];
  // What `kubectl rollout restart` sends.
  Patch("restart", {{"spec",
                     {{"template",
                       {{"metadata",
                         {{"annotations",
                           {{"kubectl.kubernetes.io/restartedAt", "2024-05-01T10:00:00Z"}}}}}}}}}});
  ASSERT_TRUE(Eventually([&] { return ReplicaSetsOf("restart").size() == 2; }));
  DriveRollout("restart");
  for (const json& rs : ReplicaSetsOf("restart")) {
    EXPECT_EQ(rs["spec"]["replicas"], rs["metadata"]["name"] == first ? 0 : 1);
  }
}

TEST_F(DeploymentControllerTest, ResolvesAHashCollisionWithCollisionCount) {
  json d = Deployment("clash", 1, "nginx:1");
  d["spec"]["paused"] = true;  // a paused Deployment creates no ReplicaSet yet
  json created = Create(d);
  // Someone else's ReplicaSet already has the name the template hashes to.
  const std::string taken =
      "clash-" + deployment::ComputeHash(created["spec"]["template"], std::nullopt);
  json squatter = {{"apiVersion", "apps/v1"},
                   {"kind", "ReplicaSet"},
                   {"metadata", {{"name", taken}, {"namespace", "default"}}},
                   {"spec",
                    {{"replicas", 0},
                     {"selector", {{"matchLabels", {{"app", "other"}}}}},
                     {"template",
                      {{"metadata", {{"labels", {{"app", "other"}}}}},
                       {"spec", {{"containers", {{{"name", "app"}, {"image", "busybox"}}}}}}}}}}};
  ASSERT_TRUE(harness_.admin.Create(ReplicaSets(), "default", squatter).ok());

  Patch("clash", {{"spec", {{"paused", false}}}});
  ASSERT_TRUE(Eventually([&] {
    return Int(Get("clash"), "status", "collisionCount") == 1 && ReplicaSetsOf("clash").size() == 1;
  }));
  json rs = ReplicaSetsOf("clash")[0];
  EXPECT_NE(rs["metadata"]["name"], taken);
  EXPECT_EQ(rs["metadata"]["name"],
            "clash-" + deployment::ComputeHash(created["spec"]["template"], 1));
  EXPECT_EQ(rs["metadata"]["ownerReferences"][0]["uid"], created["metadata"]["uid"]);
  EXPECT_FALSE(harness_.Get(ReplicaSets(), taken)["metadata"].contains("ownerReferences"));
}

}  // namespace
}  // namespace k1s::controllers
