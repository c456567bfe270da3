#pragma once
// Test harness for the batch controllers (Job, CronJob, TTL-after-finished): a real
// TestCluster, shared informers, an event broadcaster and a ControllerContext whose clients act
// as the named controller's service account (so the bootstrap RBAC roles apply). The context's
// clock is the one given (a FakeClock for schedule tests); the apiserver keeps real time. Tests
// create objects through `admin` and play the kubelet with MarkPodSucceeded / MarkPodFailed.
// Events are stamped with real time: their names embed the timestamp, so a clock that stands
// still would give two events the same name.
// Not thread-safe; one per test.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/controller.h"

namespace k1s::controllers::job::testing {

class BatchHarness {
 public:
  explicit BatchHarness(base::Clock& clock = base::RealClock())
      : clock_(clock),
        cluster_(base::RealClock()),
        admin(cluster_.Admin()),
        informers_(cluster_.Admin(), std::chrono::minutes(10)),
        events_(cluster_.Admin(), base::RealClock()),
        context_{[this](std::string_view name) {
                   return cluster_.As(
                       "system:serviceaccount:kube-system:" + std::string(name),
                       {"system:serviceaccounts", "system:serviceaccounts:kube-system",
                        "system:authenticated"},
                       std::string(name));
                 },
                 informers_, events_, clock_, 2} {}

  ~BatchHarness() {
    // Informers first: no handler runs while controllers go away.
    informers_.Stop();
    for (auto& controller : controllers_) controller->Stop();
    controllers_.clear();
  }

  bool ok() const { return cluster_.ok(); }

  // Constructs a controller on the shared context (plus `args`), starts the informers, then it.
  template <typename T, typename... Args>
  T& Start(Args&&... args) {
    auto controller = std::make_unique<T>(context_, std::forward<Args>(args)...);
    T& ref = *controller;
    controllers_.push_back(std::move(controller));
    EXPECT_TRUE(informers_.Start().ok());
    EXPECT_TRUE(informers_.WaitForSync(std::chrono::seconds(10)).ok());
    EXPECT_TRUE(ref.Start().ok());
    return ref;
  }

  // Objects of `resource` in "default" matching `selector` ("" = all).
  std::vector<nlohmann::json> List(const client::Resource& resource,
                                   const std::string& selector = "") {
    client::ListOptions options;
    options.label_selector = selector;
    absl::StatusOr<nlohmann::json> list = admin.List(resource, "default", options);
    std::vector<nlohmann::json> out;
    if (!list.ok() || !(*list)["items"].is_array()) return out;
    for (const nlohmann::json& item : (*list)["items"]) out.push_back(item);
    return out;
  }

  // Pods of the Job named `job` (by the batch.kubernetes.io/job-name label).
  std::vector<nlohmann::json> JobPods(const std::string& job) {
    return List(client::resources::Pods(), "batch.kubernetes.io/job-name=" + job);
  }

  // Pods of `job` neither terminal nor being deleted.
  std::vector<nlohmann::json> ActiveJobPods(const std::string& job) {
    std::vector<nlohmann::json> out;
    for (nlohmann::json& pod : JobPods(job)) {
      if (pod["metadata"].contains("deletionTimestamp")) continue;
      std::string phase = pod.contains("status") ? pod["status"].value("phase", "") : "";
      if (phase == "Succeeded" || phase == "Failed") continue;
      out.push_back(std::move(pod));
    }
    return out;
  }

  nlohmann::json Get(const client::Resource& resource, const std::string& name) {
    absl::StatusOr<nlohmann::json> object = admin.Get(resource, "default", name);
    return object.ok() ? *object : nlohmann::json();
  }

  // Events about `name` with `reason`, after flushing what the recorders queued.
  std::vector<nlohmann::json> Events(const std::string& name, const std::string& reason) {
    events_.Flush();
    std::vector<nlohmann::json> out;
    for (nlohmann::json& event : List(client::resources::Events())) {
      if (event["involvedObject"].value("name", "") == name &&
          event.value("reason", "") == reason) {
        out.push_back(std::move(event));
      }
    }
    return out;
  }

  base::Clock& clock() { return clock_; }

 private:
  base::Clock& clock_;
  client::testing::TestCluster cluster_;

 public:
  client::Client admin;

 private:
  client::InformerFactory informers_;
  client::EventBroadcaster events_;
  ControllerContext context_;
  std::vector<std::unique_ptr<Controller>> controllers_;
};

}  // namespace k1s::controllers::job::testing
