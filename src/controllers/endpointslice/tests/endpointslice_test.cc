// The EndpointSlice controller against a real apiserver: slices of at most 100 endpoints with
// their labels, owner, ports, conditions, node and zone; in-place updates without churn;
// terminating endpoints; the placeholder slice reused once pods appear.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "api/timestamps.h"
#include "base/clock.h"
#include "client/testing/test_cluster.h"
#include "controllers/endpointslice/endpointslice_controller.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using client::testing::TestCluster;
using nlohmann::json;
namespace es = endpointslice;

constexpr char kNamespace[] = "apps";

class EndpointSliceControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.ok());
    ASSERT_TRUE(cluster_.CreateNamespace(kNamespace).ok());
    ASSERT_TRUE(client::testing::CreateReadyNode(admin_, "node-1",
                                                 {{"topology.kubernetes.io/zone", "zone-a"}})
                    .ok());
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
    controller_ = std::make_unique<EndpointSliceController>(*ctx_);
    ASSERT_TRUE(informers_->Start().ok());
    ASSERT_TRUE(informers_->WaitForSync(std::chrono::seconds(5)).ok());
    ASSERT_TRUE(controller_->Start().ok());
  }

  void TearDown() override {
    if (controller_) controller_->Stop();
    if (informers_) informers_->Stop();
  }

  void CreateService(const std::string& name, const json& spec) {
    json service = {
        {"apiVersion", "v1"},
        {"kind", "Service"},
        {"metadata", {{"name", name}, {"namespace", kNamespace}, {"labels", {{"team", "a"}}}}},
        {"spec", spec}};
    absl::StatusOr<json> created =
        admin_.Create(client::resources::Services(), kNamespace, service);
    ASSERT_TRUE(created.ok()) << created.status();
    service_uid_ = (*created)["metadata"]["uid"];
  }

  // A pod on node-1 serving port "http" (8080), running with `ip` (one status write, as the
  // kubelet does).
  void CreateRunningPod(const std::string& name, const std::string& app, const std::string& ip,
                        bool ready = true) {
    json pod = {
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata", {{"name", name}, {"namespace", kNamespace}, {"labels", {{"app", app}}}}},
        {"spec",
         {{"nodeName", "node-1"},
          {"containers",
           {{{"name", "app"},
             {"image", "nginx"},
             {"ports", {{{"name", "http"}, {"containerPort", 8080}}}}}}}}}};
    absl::StatusOr<json> created = admin_.Create(client::resources::Pods(), kNamespace, pod);
    ASSERT_TRUE(created.ok()) << created.status();
    SetStatus(*created, ip, ready);
  }

  void SetStatus(json pod, const std::string& ip, bool ready) {
    const std::string now =
        api::FormatTimestamp(base::RealClock().NowUnixNanos() / base::kNanosPerSecond);
    pod["status"] = {
        {"phase", "Running"},
        {"podIP", ip},
        {"podIPs", {{{"ip", ip}}}},
        {"conditions",
         {{{"type", "Ready"}, {"status", ready ? "True" : "False"}, {"lastTransitionTime", now}}}}};
    absl::StatusOr<json> updated = admin_.UpdateStatus(client::resources::Pods(), pod);
    ASSERT_TRUE(updated.ok()) << updated.status();
  }

  std::vector<json> Slices(const std::string& service) {
    client::ListOptions options;
    options.label_selector = std::string(es::kServiceNameLabel) + "=" + service;
    absl::StatusOr<json> list =
        admin_.List(client::resources::EndpointSlices(), kNamespace, options);
    if (!list.ok()) return {};
    return (*list)["items"].get<std::vector<json>>();
  }

  static size_t TotalEndpoints(const std::vector<json>& slices) {
    size_t total = 0;
    for (const json& slice : slices) total += slice.value("endpoints", json::array()).size();
    return total;
  }

  TestCluster cluster_;
  client::Client admin_ = cluster_.Admin();
  std::unique_ptr<client::InformerFactory> informers_;
  std::unique_ptr<client::EventBroadcaster> events_;
  std::unique_ptr<ControllerContext> ctx_;
  std::unique_ptr<EndpointSliceController> controller_;
  std::string service_uid_;
};

TEST_F(EndpointSliceControllerTest, SplitsIntoSlicesOfAHundredAndUpdatesInPlace) {
  for (int i = 0; i < 250; ++i) {
    CreateRunningPod("web-" + std::to_string(i), "web",
                     "10.42." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1));
  }
  // The Service comes last, so one sync sees every pod (arriving one by one, pods may fill
  // slices in other proportions, as upstream's would).
  client::Informer& pods = informers_->For(client::resources::Pods());
  ASSERT_TRUE(Eventually([&] {
    size_t running = 0;
    for (const client::ObjectPtr& pod : pods.List(kNamespace)) {
      if ((*pod)["status"].contains("podIP")) ++running;
    }
    return running == 250;
  }));
  CreateService(
      "web",
      {{"selector", {{"app", "web"}}},
       {"ports",
        {{{"name", "http"}, {"port", 80}, {"targetPort", "http"}, {"appProtocol", "http"}}}}});
  std::vector<json> slices;
  ASSERT_TRUE(Eventually([&] {
    slices = Slices("web");
    return TotalEndpoints(slices) == 250;
  })) << "endpoints: "
      << TotalEndpoints(slices);
  ASSERT_EQ(slices.size(), 3u);
  std::multiset<size_t> sizes;
  std::set<std::string> addresses;
  for (const json& slice : slices) {
    sizes.insert(slice["endpoints"].size());
    EXPECT_EQ(slice["addressType"], "IPv4");
    EXPECT_EQ(slice["metadata"]["generateName"], "web-");
    EXPECT_EQ(slice["metadata"]["labels"], json({{"team", "a"},
                                                 {es::kServiceNameLabel, "web"},
                                                 {es::kManagedByLabel, es::kManagedByValue}}));
    const json& owner = slice["metadata"]["ownerReferences"][0];
    EXPECT_EQ(owner["kind"], "Service");
    EXPECT_EQ(owner["uid"], service_uid_);
    EXPECT_EQ(owner["controller"], true);
    EXPECT_EQ(
        slice["ports"],
        json::parse(R"([{"name":"http","port":8080,"protocol":"TCP","appProtocol":"http"}])"));
    for (const json& endpoint : slice["endpoints"]) {
      addresses.insert(endpoint["addresses"][0].get<std::string>());
      EXPECT_EQ(endpoint["conditions"],
                json({{"ready", true}, {"serving", true}, {"terminating", false}}));
      EXPECT_EQ(endpoint["nodeName"], "node-1");
      EXPECT_EQ(endpoint["zone"], "zone-a");
      EXPECT_EQ(endpoint["targetRef"]["kind"], "Pod");
      EXPECT_FALSE(endpoint.contains("hints"));
    }
  }
  EXPECT_EQ(sizes, (std::multiset<size_t>{50, 100, 100}));
  EXPECT_EQ(addresses.size(), 250u);

  // One pod turning unready rewrites only the slice that holds it.
  std::map<std::string, std::string> versions;
  for (const json& slice : slices) {
    versions[slice["metadata"]["name"]] = slice["metadata"]["resourceVersion"];
  }
  absl::StatusOr<json> pod = admin_.Get(client::resources::Pods(), kNamespace, "web-7");
  ASSERT_TRUE(pod.ok());
  SetStatus(*pod, "10.42.0.8", false);
  ASSERT_TRUE(Eventually([&] {
    slices = Slices("web");
    for (const json& slice : slices) {
      for (const json& endpoint : slice["endpoints"]) {
        if (endpoint["targetRef"]["name"] == "web-7") {
          return endpoint["conditions"]["ready"] == false;
        }
      }
    }
    return false;
  }));
  int32_t changed = 0;
  for (const json& slice : slices) {
    ASSERT_TRUE(versions.count(slice["metadata"]["name"])) << "a slice was replaced";
    if (versions[slice["metadata"]["name"]] != slice["metadata"]["resourceVersion"]) ++changed;
  }
  EXPECT_EQ(changed, 1);
}

TEST_F(EndpointSliceControllerTest, TerminatingPodsStayWithTheirConditions) {
  CreateService("api", {{"selector", {{"app", "api"}}}, {"ports", {{{"port", 80}}}}});
  CreateRunningPod("api-0", "api", "10.42.0.40");
  ASSERT_TRUE(Eventually([&] { return TotalEndpoints(Slices("api")) == 1; }));
  // The pod has a node, so deletion is graceful: it stays, terminating, until its kubelet acts.
  ASSERT_TRUE(admin_.Delete(client::resources::Pods(), kNamespace, "api-0").ok());
  json endpoint;
  ASSERT_TRUE(Eventually([&] {
    std::vector<json> slices = Slices("api");
    if (TotalEndpoints(slices) != 1) return false;
    endpoint = slices[0]["endpoints"][0];
    return endpoint["conditions"]["terminating"] == true;
  })) << endpoint.dump();
  EXPECT_EQ(endpoint["conditions"]["ready"], false);
  EXPECT_EQ(endpoint["conditions"]["serving"], true);
  EXPECT_EQ(endpoint["addresses"], json::array({"10.42.0.40"}));
}

TEST_F(EndpointSliceControllerTest, PlaceholderSliceIsReusedForTheFirstEndpoints) {
  CreateService("idle", {{"selector", {{"app", "idle"}}}, {"ports", {{{"port", 80}}}}});
  std::vector<json> slices;
  ASSERT_TRUE(Eventually([&] {
    slices = Slices("idle");
    return slices.size() == 1;
  }));
  EXPECT_TRUE(slices[0].value("endpoints", json::array()).empty());
  const std::string name = slices[0]["metadata"]["name"];

  CreateRunningPod("idle-0", "idle", "10.42.0.50", /*ready=*/false);
  ASSERT_TRUE(Eventually([&] {
    slices = Slices("idle");
    return TotalEndpoints(slices) == 1;
  }));
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_EQ(slices[0]["metadata"]["name"], name);
  EXPECT_EQ(slices[0]["endpoints"][0]["conditions"]["ready"], false);
  EXPECT_EQ(slices[0]["ports"][0]["port"], 80);

  // A slice deleted behind the controller's back comes back.
  ASSERT_TRUE(admin_.Delete(client::resources::EndpointSlices(), kNamespace, name).ok());
  ASSERT_TRUE(Eventually(
      [&] {
        slices = Slices("idle");
        return TotalEndpoints(slices) == 1 && slices[0]["metadata"]["name"] != name;
      },
      std::chrono::seconds(4)));
}

}  // namespace
}  // namespace k1s::controllers
