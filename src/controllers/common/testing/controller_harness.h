#pragma once
// Everything a controller test needs around a real TestCluster: shared informers, an event
// broadcaster and a ControllerContext whose clients act as the controllers' own service
// accounts (so the default RBAC roles are exercised too). The context's clock is the one given
// (a FakeClock for schedule tests); the apiserver and event timestamps keep real time. Tests
// create objects through `admin`, start controllers with Start<T>(), and play the kubelet with
// MarkPodRunning / MarkAllReady. Not thread-safe; one per test.
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
#include "controllers/common/pods.h"

namespace k1s::controllers::testing {

class ControllerHarness {
 public:
  explicit ControllerHarness(base::Clock& clock = base::RealClock())
      : clock_(clock),
        cluster_(base::RealClock()),
        admin(cluster_.Admin("test")),
        informers_(cluster_.Admin("informers"), std::chrono::minutes(10)),
        events_(cluster_.Admin("events"), base::RealClock()),
        context_{[this](std::string_view name) {
                   return cluster_.As(
                       "system:serviceaccount:kube-system:" + std::string(name),
                       {"system:serviceaccounts", "system:serviceaccounts:kube-system",
                        "system:authenticated"},
                       std::string(name));
                 },
                 informers_, events_, clock_, 2} {}

  ~ControllerHarness() {
    // Informers first: no handler runs while controllers go away.
    informers_.Stop();
    for (auto& controller : controllers_) controller->Stop();
    controllers_.clear();
  }

  bool ok() const { return cluster_.ok(); }

  // Starts the informers controllers registered with and waits until they have synced.
  bool StartInformers() {
    return informers_.Start().ok() && informers_.WaitForSync(std::chrono::seconds(10)).ok();
  }

  // Constructs a controller on the shared context (plus `args`), starts the informers, then it.
  template <typename T, typename... Args>
  T& Start(Args&&... args) {
    auto controller = std::make_unique<T>(context_, std::forward<Args>(args)...);
    T& ref = *controller;
    controllers_.push_back(std::move(controller));
    EXPECT_TRUE(StartInformers());
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

  // The pods matching `selector` that are neither finished nor being deleted.
  std::vector<nlohmann::json> ActivePods(const std::string& selector) {
    std::vector<nlohmann::json> out;
    for (nlohmann::json& pod : List(client::resources::Pods(), selector)) {
      if (IsPodActive(pod)) out.push_back(std::move(pod));
    }
    return out;
  }

  nlohmann::json Get(const client::Resource& resource, const std::string& name) {
    absl::StatusOr<nlohmann::json> object = admin.Get(resource, "default", name);
    return object.ok() ? *object : nlohmann::json();
  }

  // Events about `name` with `reason`. Controllers record events just after the writes a test
  // waits for, so this waits up to 5 s for the first one to be written.
  std::vector<nlohmann::json> Events(const std::string& name, const std::string& reason) {
    std::vector<nlohmann::json> out;
    client::testing::Eventually(
        [&] {
          events_.Flush();
          out.clear();
          for (nlohmann::json& event : List(client::resources::Events())) {
            if (event["involvedObject"].value("name", "") == name &&
                event.value("reason", "") == reason) {
              out.push_back(std::move(event));
            }
          }
          return !out.empty();
        },
        std::chrono::seconds(5));
    return out;
  }

  // Whether an event with `reason` whose message contains `message_part` appears within 5 s
  // (about any object in any namespace: a controller's pods have generated names).
  bool HasEvent(const std::string& reason, const std::string& message_part) {
    return client::testing::Eventually(
        [&] {
          events_.Flush();
          absl::StatusOr<nlohmann::json> list = admin.List(client::resources::Events(), "");
          if (!list.ok()) return false;
          for (const nlohmann::json& event : (*list)["items"]) {
            if (event.value("reason", "") == reason &&
                event.value("message", "").find(message_part) != std::string::npos) {
              return true;
            }
          }
          return false;
        },
        std::chrono::seconds(5));
  }

  // Marks every active pod matching `selector` Running and Ready (the kubelet's part).
  void MarkAllReady(const std::string& selector) {
    for (const nlohmann::json& pod : ActivePods(selector)) {
      if (IsPodReady(pod)) continue;
      EXPECT_TRUE(
          client::testing::MarkPodRunning(admin, "default", pod["metadata"].value("name", ""))
              .ok());
    }
  }

  client::testing::TestCluster& cluster() { return cluster_; }
  ControllerContext& context() { return context_; }
  client::EventBroadcaster& events() { return events_; }
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

}  // namespace k1s::controllers::testing
