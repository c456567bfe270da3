// The Endpoints controller against a real apiserver: addresses by readiness, ports resolved per
// pod, headless hostnames, publishNotReadyAddresses, no writes without changes; plus the pure
// packing and truncation rules.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/clock.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/pods.h"
#include "controllers/endpoints/endpoint_util.h"
#include "controllers/endpoints/endpoints_controller.h"
#include "controllers/endpoints/subsets.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using client::testing::TestCluster;
using nlohmann::json;
namespace ep = endpoints;

constexpr char kNamespace[] = "apps";

class EndpointsControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.ok());
    ASSERT_TRUE(cluster_.CreateNamespace(kNamespace).ok());
    informers_ = std::make_unique<client::InformerFactory>(cluster_.Admin());
    events_ =
        std::make_unique<client::EventBroadcaster>(cluster_.Admin("events"), base::RealClock());
    ctx_ = std::make_unique<ControllerContext>(ControllerContext{
        [this](std::string_view name) {
          return cluster_.As(std::string("system:serviceaccount:kube-system:") + std::string(name),
                             {"system:serviceaccounts", "system:serviceaccounts:kube-system",
                              "system:authenticated"},
                             std::string(name));
        },
        *informers_, *events_, base::RealClock()});
    controller_ = std::make_unique<EndpointsController>(*ctx_);
    ASSERT_TRUE(informers_->Start().ok());
    ASSERT_TRUE(informers_->WaitForSync(std::chrono::seconds(5)).ok());
    ASSERT_TRUE(controller_->Start().ok());
  }

  void TearDown() override {
    if (controller_) controller_->Stop();
    if (informers_) informers_->Stop();
  }

  // A pod on node-1 with one container exposing `ports` ([{name, containerPort}]).
  void CreatePod(const std::string& name, const json& labels, const json& ports = json::array(),
                 const json& extra_spec = json::object()) {
    json spec = {{"nodeName", "node-1"},
                 {"containers", {{{"name", "app"}, {"image", "nginx"}, {"ports", ports}}}}};
    spec.update(extra_spec);
    json pod = {{"apiVersion", "v1"},
                {"kind", "Pod"},
                {"metadata", {{"name", name}, {"namespace", kNamespace}, {"labels", labels}}},
                {"spec", spec}};
    ASSERT_TRUE(admin_.Create(client::resources::Pods(), kNamespace, pod).ok()) << name;
  }

  // Plays the kubelet: the pod gets `ip`, then runs, ready or not.
  void RunPod(const std::string& name, const std::string& ip, bool ready) {
    absl::StatusOr<json> pod = admin_.Get(client::resources::Pods(), kNamespace, name);
    ASSERT_TRUE(pod.ok()) << pod.status();
    (*pod)["status"]["podIP"] = ip;
    (*pod)["status"]["podIPs"] = json::array({{{"ip", ip}}});
    absl::StatusOr<json> updated = admin_.UpdateStatus(client::resources::Pods(), *pod);
    ASSERT_TRUE(updated.ok()) << updated.status();
    absl::StatusOr<json> running = client::testing::MarkPodRunning(admin_, kNamespace, name, ready);
    ASSERT_TRUE(running.ok()) << running.status();
    ASSERT_EQ((*running)["status"]["podIP"], ip);
  }

  void CreateService(const std::string& name, const json& spec, const json& labels = {}) {
    json service = {{"apiVersion", "v1"},
                    {"kind", "Service"},
                    {"metadata", {{"name", name}, {"namespace", kNamespace}}},
                    {"spec", spec}};
    if (!labels.is_null()) service["metadata"]["labels"] = labels;
    absl::StatusOr<json> created =
        admin_.Create(client::resources::Services(), kNamespace, service);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  json GetEndpoints(const std::string& name) {
    absl::StatusOr<json> endpoints = admin_.Get(client::resources::Endpoints(), kNamespace, name);
    return endpoints.ok() ? *endpoints : json();
  }

  // Waits until the Endpoints `name` satisfies `check` and returns them.
  json WaitForEndpoints(const std::string& name, const std::function<bool(const json&)>& check) {
    json last;
    bool ok = Eventually([&] {
      last = GetEndpoints(name);
      return !last.is_null() && check(last);
    });
    EXPECT_TRUE(ok) << "endpoints " << name << " last seen: " << last.dump();
    return last;
  }

  static size_t Count(const json& endpoints, const char* field) {
    size_t count = 0;
    for (const json& subset : endpoints.value("subsets", json::array())) {
      count += subset.value(field, json::array()).size();
    }
    return count;
  }

  TestCluster cluster_;
  client::Client admin_ = cluster_.Admin();
  std::unique_ptr<client::InformerFactory> informers_;
  std::unique_ptr<client::EventBroadcaster> events_;
  std::unique_ptr<ControllerContext> ctx_;
  std::unique_ptr<EndpointsController> controller_;
};

TEST_F(EndpointsControllerTest, ListsReadyAndNotReadyPodsAndFollowsReadiness) {
  CreateService("web",
                {{"selector", {{"app", "web"}}},
                 {"ports", {{{"name", "http"}, {"port", 80}, {"targetPort", 8080}}}}},
                {{"tier", "front"}});
  CreatePod("web-1", {{"app", "web"}});
  CreatePod("web-2", {{"app", "web"}});
  CreatePod("db-1", {{"app", "db"}});
  RunPod("web-1", "10.42.0.11", true);
  RunPod("web-2", "10.42.0.12", false);
  RunPod("db-1", "10.42.0.13", true);

  json endpoints = WaitForEndpoints("web", [](const json& e) {
    return Count(e, "addresses") == 1 && Count(e, "notReadyAddresses") == 1;
  });
  ASSERT_EQ(endpoints["subsets"].size(), 1u);
  const json& subset = endpoints["subsets"][0];
  EXPECT_EQ(subset["addresses"][0]["ip"], "10.42.0.11");
  EXPECT_EQ(subset["addresses"][0]["nodeName"], "node-1");
  EXPECT_EQ(subset["addresses"][0]["targetRef"]["kind"], "Pod");
  EXPECT_EQ(subset["addresses"][0]["targetRef"]["name"], "web-1");
  EXPECT_FALSE(subset["addresses"][0]["targetRef"]["uid"].get<std::string>().empty());
  EXPECT_EQ(subset["notReadyAddresses"][0]["ip"], "10.42.0.12");
  EXPECT_EQ(subset["ports"], json::parse(R"([{"name":"http","port":8080,"protocol":"TCP"}])"));
  EXPECT_EQ(endpoints["metadata"]["labels"], json({{"tier", "front"}}));

  // Readiness moves the address; deleting the Service deletes its Endpoints.
  RunPod("web-2", "10.42.0.12", true);
  endpoints = WaitForEndpoints("web", [](const json& e) {
    return Count(e, "addresses") == 2 && Count(e, "notReadyAddresses") == 0;
  });
  EXPECT_EQ(endpoints["subsets"][0]["addresses"][1]["ip"], "10.42.0.12");
  ASSERT_TRUE(admin_.Delete(client::resources::Services(), kNamespace, "web").ok());
  EXPECT_TRUE(Eventually([&] { return GetEndpoints("web").is_null(); }));

  // The apiserver's own Endpoints are left as they are.
  absl::StatusOr<json> kubernetes =
      admin_.Get(client::resources::Endpoints(), "default", "kubernetes");
  ASSERT_TRUE(kubernetes.ok()) << kubernetes.status();
  EXPECT_FALSE(kubernetes->contains("metadata") &&
               (*kubernetes)["metadata"].contains("annotations") &&
               (*kubernetes)["metadata"]["annotations"].contains(
                   std::string(ep::kLastChangeTriggerTimeAnnotation)));
}

TEST_F(EndpointsControllerTest, ResolvesNamedTargetPortPerPod) {
  CreateService("api", {{"selector", {{"app", "api"}}},
                        {"ports", {{{"name", "web"}, {"port", 80}, {"targetPort", "web"}}}}});
  CreatePod("api-a", {{"app", "api"}}, {{{"name", "web"}, {"containerPort", 8080}}});
  CreatePod("api-b", {{"app", "api"}}, {{{"name", "web"}, {"containerPort", 9090}}});
  CreatePod("api-c", {{"app", "api"}}, {{{"name", "metrics"}, {"containerPort", 9100}}});
  RunPod("api-a", "10.42.0.21", true);
  RunPod("api-b", "10.42.0.22", true);
  RunPod("api-c", "10.42.0.23", true);

  json endpoints = WaitForEndpoints("api", [](const json& e) {
    return e.value("subsets", json::array()).size() == 2 && Count(e, "addresses") == 2;
  });
  std::map<int32_t, std::string> ip_by_port;
  for (const json& subset : endpoints["subsets"]) {
    ASSERT_EQ(subset["addresses"].size(), 1u);
    ip_by_port[subset["ports"][0]["port"].get<int32_t>()] = subset["addresses"][0]["ip"];
  }
  EXPECT_EQ(ip_by_port,
            (std::map<int32_t, std::string>{{8080, "10.42.0.21"}, {9090, "10.42.0.22"}}));
}

TEST_F(EndpointsControllerTest, HeadlessServicePublishesHostnames) {
  CreateService("db", {{"clusterIP", "None"}, {"selector", {{"app", "db"}}}});
  CreatePod("db-0", {{"app", "db"}}, json::array(), {{"hostname", "db-0"}, {"subdomain", "db"}});
  CreatePod("db-x", {{"app", "db"}}, json::array(), {{"hostname", "db-x"}, {"subdomain", "other"}});
  RunPod("db-0", "10.42.0.31", true);
  RunPod("db-x", "10.42.0.32", true);

  json endpoints = WaitForEndpoints("db", [](const json& e) { return Count(e, "addresses") == 2; });
  EXPECT_EQ(endpoints["metadata"]["labels"], json({{ep::kHeadlessServiceLabel, ""}}));
  const json& subset = endpoints["subsets"][0];
  EXPECT_FALSE(subset.contains("ports"));
  EXPECT_EQ(subset["addresses"][0]["hostname"], "db-0");
  EXPECT_FALSE(subset["addresses"][1].contains("hostname"));
}

TEST_F(EndpointsControllerTest, PublishNotReadyAddressesListsUnreadyPodsAsReady) {
  CreateService("peers", {{"selector", {{"app", "peers"}}},
                          {"publishNotReadyAddresses", true},
                          {"ports", {{{"port", 7000}}}}});
  CreatePod("peer-0", {{"app", "peers"}});
  RunPod("peer-0", "10.42.0.41", false);
  json endpoints =
      WaitForEndpoints("peers", [](const json& e) { return Count(e, "addresses") == 1; });
  EXPECT_EQ(Count(endpoints, "notReadyAddresses"), 0u);
  EXPECT_EQ(endpoints["subsets"][0]["ports"][0]["port"], 7000);
}

TEST_F(EndpointsControllerTest, DoesNotRewriteUnchangedEndpoints) {
  CreateService("quiet", {{"selector", {{"app", "quiet"}}}, {"ports", {{{"port", 80}}}}});
  CreatePod("quiet-0", {{"app", "quiet"}});
  RunPod("quiet-0", "10.42.0.51", true);
  json endpoints = WaitForEndpoints("quiet", [](const json& e) {
    return Count(e, "addresses") == 1 && e["subsets"][0]["addresses"][0]["ip"] == "10.42.0.51";
  });
  const std::string version = endpoints["metadata"]["resourceVersion"];

  // A Service change that does not change endpoints, and a pod status write that does not.
  ASSERT_TRUE(admin_
                  .Patch(client::resources::Services(), kNamespace, "quiet",
                         client::PatchType::kMerge, R"({"metadata":{"annotations":{"a":"b"}}})")
                  .ok());
  RunPod("quiet-0", "10.42.0.51", true);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(GetEndpoints("quiet")["metadata"]["resourceVersion"], version);
}

TEST(SubsetsTest, RepackGroupsAddressesByPortsAndPrefersReady) {
  auto address = [](const std::string& ip, const std::string& uid) {
    return json{{"ip", ip}, {"targetRef", {{"kind", "Pod"}, {"uid", uid}}}};
  };
  const json http = {{"name", "http"}, {"port", 80}, {"protocol", "TCP"}};
  const json admin = {{"name", "admin"}, {"port", 81}, {"protocol", "TCP"}};
  json subsets = ep::RepackSubsets({{address("10.0.0.2", "b"), http, true},
                                    {address("10.0.0.1", "a"), http, false},
                                    {address("10.0.0.1", "a"), http, true},
                                    {address("10.0.0.1", "a"), admin, true},
                                    {address("10.0.0.2", "b"), admin, true}});
  ASSERT_EQ(subsets.size(), 1u);
  EXPECT_EQ(subsets[0]["addresses"].size(), 2u);
  EXPECT_EQ(subsets[0]["addresses"][0]["ip"], "10.0.0.1");
  EXPECT_EQ(subsets[0]["ports"], json::array({admin, http}));
  EXPECT_FALSE(subsets[0].contains("notReadyAddresses"));
}

TEST(SubsetsTest, TruncatesToCapacityKeepingReadyFirst) {
  std::vector<ep::AddressPort> entries;
  const json port = {{"port", 80}, {"protocol", "TCP"}};
  for (int i = 0; i < 1200; ++i) {
    json address = {{"ip", "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250)},
                    {"targetRef", {{"uid", std::to_string(i)}}}};
    entries.push_back({address, port, i < 900});
  }
  json subsets = ep::RepackSubsets(entries);
  EXPECT_EQ(ep::CountAddresses(subsets), 1200);
  EXPECT_TRUE(ep::TruncateSubsets(subsets));
  EXPECT_EQ(ep::CountAddresses(subsets), 1000);
  EXPECT_EQ(subsets[0]["addresses"].size(), 900u);
  EXPECT_EQ(subsets[0]["notReadyAddresses"].size(), 100u);
  EXPECT_FALSE(ep::TruncateSubsets(subsets));
}

TEST(EndpointUtilTest, TriggerTimeIsTheEarliestChangeSinceTheLastSync) {
  const json service = json::parse(R"({"metadata": {"namespace": "apps", "name": "web",
                                       "creationTimestamp": "2024-01-01T00:00:00Z"}})");
  auto pod = [](const std::string& name, const std::string& ready_since) {
    return std::make_shared<const json>(
        json{{"metadata", {{"name", name}}},
             {"status",
              {{"conditions",
                {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", ready_since}}}}}}});
  };
  ep::TriggerTimeTracker tracker;
  std::vector<client::ObjectPtr> pods = {pod("a", "2024-01-01T00:01:00Z")};
  // A Service seen for the first time: its creation.
  EXPECT_EQ(tracker.Compute(service, pods), api::ParseTimestamp("2024-01-01T00:00:00Z"));
  EXPECT_EQ(tracker.Compute(service, pods), std::nullopt);
  pods = {pod("a", "2024-01-01T00:03:00Z"), pod("b", "2024-01-01T00:02:00Z")};
  EXPECT_EQ(tracker.Compute(service, pods), api::ParseTimestamp("2024-01-01T00:02:00Z"));
  tracker.DeleteService("apps", "web");
  EXPECT_EQ(tracker.Compute(service, pods), api::ParseTimestamp("2024-01-01T00:00:00Z"));
}

TEST(EndpointUtilTest, FindPortAndPodMembership) {
  json pod = json::parse(R"({
    "metadata": {"namespace": "apps", "labels": {"app": "web"}},
    "spec": {"containers": [{"ports": [{"name": "dns", "containerPort": 53, "protocol": "UDP"},
                                       {"name": "web", "containerPort": 8080}]}],
             "initContainers": [{"restartPolicy": "Always",
                                 "ports": [{"name": "proxy", "containerPort": 15001}]}]},
    "status": {"phase": "Running", "podIP": "10.42.0.9"}})");
  EXPECT_EQ(ep::FindPort(pod, {{"port", 80}, {"targetPort", "web"}}), 8080);
  EXPECT_EQ(ep::FindPort(pod, {{"port", 53}, {"targetPort", "dns"}, {"protocol", "UDP"}}), 53);
  EXPECT_EQ(ep::FindPort(pod, {{"port", 53}, {"targetPort", "dns"}}), std::nullopt);
  EXPECT_EQ(ep::FindPort(pod, {{"port", 80}, {"targetPort", "proxy"}}), 15001);
  EXPECT_EQ(ep::FindPort(pod, {{"port", 80}}), 80);
  EXPECT_EQ(ep::PodIPs(pod), std::vector<std::string>{"10.42.0.9"});
  EXPECT_TRUE(ep::ShouldPodBeInEndpoints(pod, false));
  pod["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  EXPECT_FALSE(ep::ShouldPodBeInEndpoints(pod, false));
  EXPECT_TRUE(ep::ShouldPodBeInEndpoints(pod, true));
  EXPECT_TRUE(ep::SelectorMatches({{"spec", {{"selector", {{"app", "web"}}}}}}, pod));
  EXPECT_FALSE(ep::SelectorMatches({{"spec", {{"selector", json::object()}}}}, pod));
}

}  // namespace
}  // namespace k1s::controllers
