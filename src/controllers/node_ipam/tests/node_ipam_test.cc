// Node IPAM: the CIDR set arithmetic, and the controller against a real apiserver handing out
// distinct node CIDRs, honouring existing ones, reporting exhaustion and reusing freed CIDRs.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "base/clock.h"
#include "client/testing/test_cluster.h"
#include "controllers/node_ipam/cidr_set.h"
#include "controllers/node_ipam/node_ipam_controller.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using client::testing::TestCluster;
using nlohmann::json;
using node_ipam::CidrSet;

TEST(CidrSetTest, AllocatesRoundRobinAndReleases) {
  absl::StatusOr<CidrSet> set = CidrSet::Create("10.42.0.0/22", 24);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(*set->AllocateNext(), "10.42.0.0/24");
  EXPECT_EQ(*set->AllocateNext(), "10.42.1.0/24");
  ASSERT_TRUE(set->Occupy("10.42.2.0/24").ok());
  EXPECT_EQ(*set->AllocateNext(), "10.42.3.0/24");
  absl::StatusOr<std::string> none = set->AllocateNext();
  EXPECT_EQ(none.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(none.status().message(),
            "CIDR allocation failed; there are no remaining CIDRs left to allocate in the "
            "accepted range");
  ASSERT_TRUE(set->Release("10.42.1.0/24").ok());
  EXPECT_EQ(*set->AllocateNext(), "10.42.1.0/24");
  EXPECT_EQ(set->allocated(), 4);
  EXPECT_FALSE(set->Occupy("10.43.0.0/24").ok());
  EXPECT_FALSE(set->Occupy("fd00::/64").ok());
}

TEST(CidrSetTest, LargerAndSmallerRangesAndIPv6) {
  absl::StatusOr<CidrSet> set = CidrSet::Create("10.42.0.0/16", 24);
  ASSERT_TRUE(set.ok());
  ASSERT_TRUE(set->Occupy("10.42.0.0/23").ok());   // two subnets
  ASSERT_TRUE(set->Occupy("10.42.5.64/26").ok());  // inside one subnet
  EXPECT_EQ(set->allocated(), 3);
  ASSERT_TRUE(set->Occupy("10.0.0.0/8").ok());  // covers the whole cluster range
  EXPECT_EQ(set->allocated(), 256);

  absl::StatusOr<CidrSet> v6 = CidrSet::Create("fd00:10:42::/56", 64);
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(*v6->AllocateNext(), "fd00:10:42::/64");
  EXPECT_EQ(*v6->AllocateNext(), "fd00:10:42:1::/64");
  EXPECT_FALSE(CidrSet::Create("fd00::/48", 96).ok());  // more than 2^16 subnets
  EXPECT_FALSE(CidrSet::Create("10.42.0.0/16", 8).ok());
}

class NodeIpamControllerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cluster_.ok()); }

  void StartController(NodeIpamOptions options) {
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
    controller_ = std::make_unique<NodeIpamController>(*ctx_, std::move(options));
    ASSERT_TRUE(informers_->Start().ok());
    ASSERT_TRUE(informers_->WaitForSync(std::chrono::seconds(5)).ok());
    ASSERT_TRUE(controller_->Start().ok());
  }

  void TearDown() override {
    if (controller_) controller_->Stop();
    if (informers_) informers_->Stop();
  }

  void CreateNode(const std::string& name, const std::string& pod_cidr = "") {
    json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
    if (!pod_cidr.empty()) node["spec"] = {{"podCIDR", pod_cidr}, {"podCIDRs", {pod_cidr}}};
    absl::StatusOr<json> created = admin_.Create(client::resources::Nodes(), "", node);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  std::string PodCidr(const std::string& name) {
    absl::StatusOr<json> node = admin_.Get(client::resources::Nodes(), "", name);
    if (!node.ok() || !(*node)["spec"].contains("podCIDR")) return "";
    EXPECT_EQ((*node)["spec"]["podCIDRs"], json::array({(*node)["spec"]["podCIDR"]}));
    return (*node)["spec"]["podCIDR"];
  }

  std::string WaitForCidr(const std::string& name) {
    std::string cidr;
    EXPECT_TRUE(Eventually([&] {
      cidr = PodCidr(name);
      return !cidr.empty();
    })) << name;
    return cidr;
  }

  TestCluster cluster_;
  client::Client admin_ = cluster_.Admin();
  std::unique_ptr<client::InformerFactory> informers_;
  std::unique_ptr<client::EventBroadcaster> events_;
  std::unique_ptr<ControllerContext> ctx_;
  std::unique_ptr<NodeIpamController> controller_;
};

TEST_F(NodeIpamControllerTest, GivesEveryNodeItsOwnSlash24) {
  StartController({});
  std::set<std::string> cidrs;
  for (const char* name : {"node-a", "node-b", "node-c"}) {
    CreateNode(name);
  }
  for (const char* name : {"node-a", "node-b", "node-c"}) {
    const std::string cidr = WaitForCidr(name);
    EXPECT_EQ(cidr.rfind("10.42.", 0), 0u) << cidr;
    EXPECT_EQ(cidr.substr(cidr.size() - 3), "/24");
    cidrs.insert(cidr);
  }
  EXPECT_EQ(cidrs.size(), 3u);
}

TEST_F(NodeIpamControllerTest, KeepsExistingCidrsReportsExhaustionAndReusesFreedOnes) {
  CreateNode("old", "10.42.0.0/24");
  NodeIpamOptions options;
  options.cluster_cidrs = {"10.42.0.0/23"};
  StartController(options);

  CreateNode("second");
  EXPECT_EQ(WaitForCidr("second"), "10.42.1.0/24");
  EXPECT_EQ(PodCidr("old"), "10.42.0.0/24");

  CreateNode("third");
  EXPECT_TRUE(Eventually([&] {
    absl::StatusOr<json> events = admin_.List(client::resources::Events(), "default");
    if (!events.ok()) return false;
    for (const json& event : (*events)["items"]) {
      if (event["reason"] == "CIDRNotAvailable" && event["involvedObject"]["name"] == "third") {
        EXPECT_EQ(event["message"], "Node third status is now: CIDRNotAvailable");
        EXPECT_EQ(event["source"]["component"], "cidrAllocator");
        return true;
      }
    }
    return false;
  }));
  EXPECT_EQ(PodCidr("third"), "");

  ASSERT_TRUE(admin_.Delete(client::resources::Nodes(), "", "old").ok());
  EXPECT_EQ(WaitForCidr("third"), "10.42.0.0/24");
}

TEST_F(NodeIpamControllerTest, RefusesAnUnusableCidr) {
  NodeIpamOptions options;
  options.cluster_cidrs = {"10.42.0.0/16"};
  options.node_cidr_mask_size_ipv4 = 8;
  informers_ = std::make_unique<client::InformerFactory>(cluster_.Admin());
  events_ = std::make_unique<client::EventBroadcaster>(cluster_.Admin(), base::RealClock());
  ctx_ = std::make_unique<ControllerContext>(
      ControllerContext{[this](std::string_view) { return cluster_.Admin(); }, *informers_,
                        *events_, base::RealClock()});
  NodeIpamController controller(*ctx_, options);
  EXPECT_EQ(controller.Start().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace k1s::controllers
