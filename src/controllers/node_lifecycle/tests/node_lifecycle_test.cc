// Node lifecycle and taint eviction against a real apiserver, with a fake clock: a silent node
// is marked Unknown and tainted after the grace period, pods are evicted as their tolerations
// allow, taints go when the node comes back; NoExecute taints evict untolerating pods at once
// and tolerating ones after tolerationSeconds, and removing the taint cancels.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/clock.h"
#include "base/testing/fake_clock.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/pods.h"
#include "controllers/node_lifecycle/node_lifecycle_controller.h"
#include "controllers/node_lifecycle/rate_limited_queue.h"
#include "controllers/node_lifecycle/taint_eviction_controller.h"
#include "controllers/node_lifecycle/taints.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using client::testing::TestCluster;
using nlohmann::json;
namespace nl = node_lifecycle;

constexpr char kNamespace[] = "apps";
constexpr char kLeases[] = "kube-node-lease";

json Toleration(const std::string& key, std::optional<int64_t> seconds) {
  json toleration = {{"key", key}, {"operator", "Exists"}, {"effect", "NoExecute"}};
  if (seconds.has_value()) toleration["tolerationSeconds"] = *seconds;
  return toleration;
}

class NodeControllersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.ok());
    ASSERT_TRUE(cluster_.CreateNamespace(kNamespace).ok());
    // The apiserver creates kube-node-lease itself.
    ASSERT_TRUE(
        Eventually([&] { return admin_.Get(client::resources::Namespaces(), "", kLeases).ok(); }));
    ASSERT_TRUE(Eventually([&] {
      return admin_.Get(client::resources::ServiceAccounts(), kNamespace, "default").ok();
    }));
    informers_ = std::make_unique<client::InformerFactory>(cluster_.Admin());
    events_ = std::make_unique<client::EventBroadcaster>(cluster_.Admin("events"), clock_);
    ctx_ = std::make_unique<ControllerContext>(ControllerContext{
        [this](std::string_view name) {
          return cluster_.As(std::string("system:serviceaccount:kube-system:") + std::string(name),
                             {"system:serviceaccounts", "system:serviceaccounts:kube-system",
                              "system:authenticated"},
                             std::string(name));
        },
        *informers_, *events_, clock_});
  }

  void StartInformers() {
    ASSERT_TRUE(informers_->Start().ok());
    ASSERT_TRUE(informers_->WaitForSync(std::chrono::seconds(5)).ok());
  }

  void TearDown() override {
    if (controller_) controller_->Stop();
    if (informers_) informers_->Stop();
  }

  void CreateNodeWithLease(const std::string& name) {
    ASSERT_TRUE(client::testing::CreateReadyNode(admin_, name, json::object()).ok());
    json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", name}, {"namespace", kLeases}}},
                  {"spec",
                   {{"holderIdentity", name},
                    {"leaseDurationSeconds", 40},
                    {"renewTime", api::FormatMicroTimestamp(clock_.NowUnixNanos())}}}};
    ASSERT_TRUE(admin_.Create(client::resources::Leases(), kLeases, lease).ok());
  }

  // Renews `node`'s lease as if at `seconds` from now and waits for the informers to see it.
  void RenewLease(const std::string& node, int64_t seconds) {
    absl::StatusOr<json> lease = admin_.Get(client::resources::Leases(), kLeases, node);
    ASSERT_TRUE(lease.ok());
    const std::string renew =
        api::FormatMicroTimestamp(clock_.NowUnixNanos() + seconds * base::kNanosPerSecond);
    (*lease)["spec"]["renewTime"] = renew;
    ASSERT_TRUE(admin_.Update(client::resources::Leases(), *lease).ok());
    client::Informer& leases = informers_->For(client::resources::Leases());
    ASSERT_TRUE(Eventually([&] {
      client::ObjectPtr seen = leases.Get(kLeases, node);
      return seen != nullptr && (*seen)["spec"].value("renewTime", "") == renew;
    }));
  }

  // Moves time on while `alive` keeps renewing its lease.
  void Advance(int64_t seconds, const std::string& alive = "") {
    if (!alive.empty()) RenewLease(alive, seconds);
    clock_.Advance(seconds * base::kNanosPerSecond);
  }

  void CreatePod(const std::string& name, const std::string& node, const json& tolerations) {
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", kNamespace}}},
                {"spec",
                 {{"nodeName", node},
                  {"tolerations", tolerations},
                  {"containers", {{{"name", "app"}, {"image", "nginx"}}}}}}};
    absl::StatusOr<json> created = admin_.Create(client::resources::Pods(), kNamespace, pod);
    ASSERT_TRUE(created.ok()) << created.status();
    ASSERT_TRUE(client::testing::MarkPodRunning(admin_, kNamespace, name).ok());
  }

  json Get(const client::Resource& resource, const std::string& namespace_name,
           const std::string& name) {
    absl::StatusOr<json> object = admin_.Get(resource, namespace_name, name);
    return object.ok() ? *object : json();
  }

  bool BeingDeleted(const std::string& pod) {
    json object = Get(client::resources::Pods(), kNamespace, pod);
    return object.is_null() || object["metadata"].contains("deletionTimestamp");
  }

  bool HasTaint(const std::string& node, std::string_view key, std::string_view effect) {
    return nl::TaintExists(nl::NodeTaints(Get(client::resources::Nodes(), "", node)),
                           nl::MakeTaint(key, effect));
  }

  // The message of an event with `reason` about `name`, or "".
  bool HasEvent(const std::string& namespace_name, const std::string& reason,
                const std::string& message) {
    absl::StatusOr<json> events = admin_.List(client::resources::Events(), namespace_name);
    if (!events.ok()) return false;
    for (const json& event : (*events)["items"]) {
      if (event["reason"] == reason && event["message"] == message) return true;
    }
    return false;
  }

  base::FakeClock clock_{base::RealClock().NowUnixNanos()};
  TestCluster cluster_;
  client::Client admin_ = cluster_.Admin();
  std::unique_ptr<client::InformerFactory> informers_;
  std::unique_ptr<client::EventBroadcaster> events_;
  std::unique_ptr<ControllerContext> ctx_;
  std::unique_ptr<Controller> controller_;
};

TEST_F(NodeControllersTest, SilentNodeIsMarkedUnknownTaintedAndItsPodsEvicted) {
  CreateNodeWithLease("healthy");
  CreateNodeWithLease("silent");
  const std::string unreachable(nl::kTaintUnreachable);
  CreatePod("short", "silent", json::array({Toleration(unreachable, 20)}));
  CreatePod("long", "silent", json::array({Toleration(unreachable, 300)}));
  CreatePod("elsewhere", "healthy", json::array({Toleration(unreachable, 300)}));
  controller_ = std::make_unique<NodeLifecycleController>(*ctx_);
  StartInformers();
  ASSERT_TRUE(controller_->Start().ok());
  ASSERT_TRUE(Eventually([&] {
    return HasEvent("default", "RegisteredNode",
                    "Node silent event: Registered Node silent in Controller") &&
           HasEvent("default", "RegisteredNode",
                    "Node healthy event: Registered Node healthy in Controller");
  }));

  // Past the grace period: conditions Unknown, NoSchedule taint, pods not ready.
  Advance(41, "healthy");
  json node;
  ASSERT_TRUE(Eventually([&] {
    node = Get(client::resources::Nodes(), "", "silent");
    const json* ready = FindCondition(node, "Ready");
    return ready != nullptr && (*ready)["status"] == "Unknown";
  })) << node.dump();
  const json* ready = FindCondition(node, "Ready");
  EXPECT_EQ((*ready)["reason"], "NodeStatusUnknown");
  EXPECT_EQ((*ready)["message"], "Kubelet stopped posting node status.");
  for (const char* type : {"MemoryPressure", "DiskPressure", "PIDPressure"}) {
    const json* condition = FindCondition(node, type);
    ASSERT_NE(condition, nullptr) << type;
    EXPECT_EQ((*condition)["status"], "Unknown");
    EXPECT_EQ((*condition)["reason"], "NodeStatusNeverUpdated");
    EXPECT_EQ((*condition)["message"], "Kubelet never posted node status.");
  }
  EXPECT_EQ((*FindCondition(Get(client::resources::Nodes(), "", "healthy"), "Ready"))["status"],
            "True");
  EXPECT_TRUE(Eventually([&] { return HasTaint("silent", unreachable, "NoSchedule"); }));
  EXPECT_TRUE(
      Eventually([&] { return !IsPodReady(Get(client::resources::Pods(), kNamespace, "short")); }));
  EXPECT_TRUE(IsPodReady(Get(client::resources::Pods(), kNamespace, "elsewhere")));

  // The next pass taints it NoExecute; pods go when their tolerations run out.
  Advance(5, "healthy");
  ASSERT_TRUE(Eventually([&] { return HasTaint("silent", unreachable, "NoExecute"); }));
  EXPECT_FALSE(HasTaint("healthy", unreachable, "NoExecute"));
  EXPECT_FALSE(BeingDeleted("short"));
  Advance(21, "healthy");
  ASSERT_TRUE(Eventually([&] { return BeingDeleted("short"); }));
  EXPECT_TRUE(Eventually([&] {
    return HasEvent(kNamespace, "TaintManagerEviction", "Marking for deletion Pod apps/short");
  }));
  const json evicted = Get(client::resources::Pods(), kNamespace, "short");
  const json* target = FindCondition(evicted, "DisruptionTarget");
  ASSERT_NE(target, nullptr);
  EXPECT_EQ((*target)["reason"], "DeletionByTaintManager");
  EXPECT_FALSE(BeingDeleted("long"));
  Advance(280, "healthy");
  ASSERT_TRUE(Eventually([&] { return BeingDeleted("long"); }));
  EXPECT_FALSE(BeingDeleted("elsewhere"));

  // The kubelet is back: the taints go.
  json status_update = Get(client::resources::Nodes(), "", "silent");
  for (json& condition : status_update["status"]["conditions"]) {
    condition["status"] = condition["type"] == "Ready" ? "True" : "False";
    condition["lastHeartbeatTime"] =
        api::FormatTimestamp(clock_.NowUnixNanos() / base::kNanosPerSecond);
  }
  ASSERT_TRUE(admin_.UpdateStatus(client::resources::Nodes(), status_update).ok());
  client::Informer& nodes = informers_->For(client::resources::Nodes());
  ASSERT_TRUE(Eventually([&] {
    client::ObjectPtr seen = nodes.Get("", "silent");
    const json* ready = seen != nullptr ? FindCondition(*seen, "Ready") : nullptr;
    return ready != nullptr && (*ready)["status"] == "True";
  }));
  Advance(5, "healthy");
  EXPECT_TRUE(Eventually([&] {
    return !HasTaint("silent", unreachable, "NoExecute") &&
           !HasTaint("silent", unreachable, "NoSchedule");
  }));
}

TEST_F(NodeControllersTest, NoTaintsWhileEveryNodeIsDown) {
  CreateNodeWithLease("only");
  controller_ = std::make_unique<NodeLifecycleController>(*ctx_);
  StartInformers();
  ASSERT_TRUE(controller_->Start().ok());
  ASSERT_TRUE(Eventually([&] {
    return HasEvent("default", "RegisteredNode",
                    "Node only event: Registered Node only in Controller");
  }));
  Advance(41);
  ASSERT_TRUE(Eventually([&] {
    const json node = Get(client::resources::Nodes(), "", "only");
    const json* ready = FindCondition(node, "Ready");
    return ready != nullptr && (*ready)["status"] == "Unknown";
  }));
  ASSERT_TRUE(Eventually([&] {
    return HasEvent("default", "NodeNotReady", "Node only status is now: NodeNotReady");
  }));
  // Master disruption mode: no NoExecute taint however long it lasts.
  for (int i = 0; i < 3; ++i) {
    Advance(5);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  EXPECT_FALSE(HasTaint("only", nl::kTaintUnreachable, "NoExecute"));
  EXPECT_TRUE(HasTaint("only", nl::kTaintUnreachable, "NoSchedule"));
}

TEST_F(NodeControllersTest, NoExecuteTaintEvictsByToleration) {
  ASSERT_TRUE(client::testing::CreateReadyNode(admin_, "worker", json::object()).ok());
  const std::string key = "example.com/maintenance";
  CreatePod("plain", "worker", json::array());
  CreatePod("patient", "worker", json::array({Toleration(key, 60)}));
  CreatePod("forever", "worker", json::array({Toleration(key, std::nullopt)}));
  controller_ = std::make_unique<TaintEvictionController>(*ctx_);
  StartInformers();
  ASSERT_TRUE(controller_->Start().ok());

  auto set_taints = [&](const json& taints) {
    json node = Get(client::resources::Nodes(), "", "worker");
    node["spec"]["taints"] = taints;
    ASSERT_TRUE(admin_.Update(client::resources::Nodes(), node).ok());
  };
  set_taints({{{"key", key}, {"effect", "NoExecute"}}});
  ASSERT_TRUE(Eventually([&] { return BeingDeleted("plain"); }));
  EXPECT_TRUE(Eventually([&] {
    return HasEvent(kNamespace, "TaintManagerEviction", "Marking for deletion Pod apps/plain");
  }));
  Advance(30);
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_FALSE(BeingDeleted("patient"));

  // Lifting the taint cancels; tainting again starts a fresh wait.
  set_taints(json::array());
  ASSERT_TRUE(Eventually([&] {
    return HasEvent(kNamespace, "TaintManagerEviction", "Cancelling deletion of Pod apps/patient");
  }));
  Advance(40);
  set_taints({{{"key", key}, {"effect", "NoExecute"}}});
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  EXPECT_FALSE(BeingDeleted("patient"));
  Advance(61);
  ASSERT_TRUE(Eventually([&] { return BeingDeleted("patient"); }));
  EXPECT_FALSE(BeingDeleted("forever"));
}

TEST(TaintsTest, TolerationsAndMinimumSeconds) {
  const json taint = nl::MakeTaint("k", "NoExecute");
  EXPECT_TRUE(nl::ToleratesTaint({{"operator", "Exists"}}, taint));
  EXPECT_TRUE(nl::ToleratesTaint({{"key", "k"}, {"operator", "Exists"}}, taint));
  EXPECT_FALSE(nl::ToleratesTaint({{"key", "k"}, {"value", "v"}}, taint));
  EXPECT_FALSE(
      nl::ToleratesTaint({{"key", "k"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}, taint));
  std::vector<json> used;
  EXPECT_FALSE(nl::MatchingTolerations({taint}, json::array(), &used));
  EXPECT_TRUE(nl::MatchingTolerations({taint}, {Toleration("k", 30), Toleration("k", 10)}, &used));
  EXPECT_EQ(nl::MinTolerationSeconds(used), 30);
  EXPECT_EQ(nl::MinTolerationSeconds({Toleration("k", std::nullopt)}), -1);
  EXPECT_EQ(nl::MinTolerationSeconds({Toleration("k", 5), Toleration("j", -3)}), 0);
}

TEST(RateLimitedQueueTest, ProcessesOnceAtTheAllowedRate) {
  base::FakeClock clock;
  nl::RateLimitedTimedQueue queue(clock, 0.1);
  EXPECT_TRUE(queue.Add("a", "1"));
  EXPECT_TRUE(queue.Add("b", "2"));
  EXPECT_FALSE(queue.Add("a", "1"));
  std::vector<std::string> done;
  auto action = [&](const nl::RateLimitedTimedQueue::Item& item) {
    done.push_back(item.value);
    return std::make_pair(true, int64_t{0});
  };
  queue.Try(action);
  EXPECT_EQ(done, std::vector<std::string>{"a"});  // burst 1
  clock.Advance(10 * base::kNanosPerSecond);
  queue.Try(action);
  EXPECT_EQ(done, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(queue.Add("a", "1"));  // processed, not removed
  EXPECT_TRUE(queue.Remove("a"));
  EXPECT_TRUE(queue.Add("a", "1"));
  queue.SwapLimiter(0);
  clock.Advance(100 * base::kNanosPerSecond);
  queue.Try(action);
  EXPECT_EQ(done.size(), 2u);
}

}  // namespace
}  // namespace k1s::controllers
