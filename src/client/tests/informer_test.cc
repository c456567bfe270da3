// Informers against a real apiserver: the first list, then watch events into the store, indexes,
// handlers (including ones added late), relisting after a watch breaks, and resync.
#include "client/informer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "client/testing/test_cluster.h"

namespace k1s::client {
namespace {

using nlohmann::json;
using testing::Eventually;

json ConfigMap(const std::string& name, const std::string& namespace_name = "default") {
  return {{"metadata", {{"name", name}, {"namespace", namespace_name}}},
          {"data", {{"k", "v"}}}};
}

InformerOptions InDefault() {
  InformerOptions options;
  options.namespace_name = "default";
  return options;
}

struct Counts {
  std::atomic<int32_t> added{0}, updated{0}, deleted{0};
};

EventHandler Counting(Counts& counts) {
  return EventHandler{[&counts](const ObjectPtr&) { ++counts.added; },
                      [&counts](const ObjectPtr&, const ObjectPtr&) { ++counts.updated; },
                      [&counts](const ObjectPtr&) { ++counts.deleted; }};
}

class InformerTest : public ::testing::Test {
 protected:
  testing::TestCluster cluster_;
  Client client_ = cluster_.Admin();
};

TEST_F(InformerTest, ListsThenFollowsWatchEvents) {
  ASSERT_TRUE(cluster_.ok());
  ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", ConfigMap("before")).ok());
  Informer informer(client_, resources::ConfigMaps(), InDefault());
  Counts counts;
  informer.AddHandler(Counting(counts));
  ASSERT_TRUE(informer.Start().ok());
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(5)).ok());
  ASSERT_NE(informer.Get("default", "before"), nullptr);
  EXPECT_EQ(counts.added, 1 + 1);  // "before" and the namespace's kube-root-ca.crt

  ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", ConfigMap("after")).ok());
  ASSERT_TRUE(Eventually([&] { return informer.Get("default", "after") != nullptr; }));
  ASSERT_TRUE(client_
                  .Patch(resources::ConfigMaps(), "default", "after", PatchType::kMerge,
                         R"({"data":{"k":"w"}})")
                  .ok());
  ASSERT_TRUE(Eventually([&] { return (*informer.Get("default", "after"))["data"]["k"] == "w"; }));
  EXPECT_GE(counts.updated, 1);
  ASSERT_TRUE(client_.Delete(resources::ConfigMaps(), "default", "after").ok());
  ASSERT_TRUE(Eventually([&] { return informer.Get("default", "after") == nullptr; }));
  EXPECT_EQ(counts.deleted, 1);
  EXPECT_FALSE(informer.ResourceVersion().empty());
  informer.Stop();
}

TEST_F(InformerTest, IndexesFollowChanges) {
  ASSERT_TRUE(cluster_.ok());
  ASSERT_TRUE(cluster_.CreateNamespace("other").ok());
  Informer informer(client_, resources::ConfigMaps());
  informer.AddIndex("owner", IndexByOwnerUid());
  ASSERT_TRUE(informer.Start().ok());
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(5)).ok());

  json owned = ConfigMap("owned", "other");
  owned["metadata"]["ownerReferences"] =
      json::array({{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "x"}, {"uid", "u-1"}}});
  ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", owned).ok());
  ASSERT_TRUE(Eventually([&] { return informer.ByIndex("owner", "u-1").size() == 1; }));
  ASSERT_TRUE(Eventually([&] {
    for (const ObjectPtr& object : informer.List("other")) {
      if ((*object)["metadata"]["name"] == "owned") return true;
    }
    return false;
  }));
  // Dropping the reference removes the object from that index entry.
  ASSERT_TRUE(client_
                  .Patch(resources::ConfigMaps(), "other", "owned", PatchType::kMerge,
                         R"({"metadata":{"ownerReferences":null}})")
                  .ok());
  ASSERT_TRUE(Eventually([&] { return informer.ByIndex("owner", "u-1").empty(); }));
  // An index added late is built from what is already there.
  informer.AddIndex("name", [](const json& object) {
    return std::vector<std::string>{object["metadata"]["name"].get<std::string>()};
  });
  EXPECT_EQ(informer.ByIndex("name", "owned").size(), 1u);
}

TEST_F(InformerTest, LateHandlersHearAboutExistingObjects) {
  ASSERT_TRUE(cluster_.ok());
  ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", ConfigMap("existing")).ok());
  Informer informer(client_, resources::ConfigMaps(), InDefault());
  ASSERT_TRUE(informer.Start().ok());
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(5)).ok());
  Counts counts;
  informer.AddHandler(Counting(counts));
  ASSERT_TRUE(Eventually([&] { return counts.added == 2; }));
}

TEST_F(InformerTest, ResyncRepeatsEveryObjectAsAnUpdate) {
  ASSERT_TRUE(cluster_.ok());
  InformerOptions options;
  options.namespace_name = "default";
  options.resync = std::chrono::milliseconds(200);
  Informer informer(client_, resources::ConfigMaps(), options);
  Counts counts;
  informer.AddHandler(Counting(counts));
  ASSERT_TRUE(informer.Start().ok());
  ASSERT_TRUE(Eventually([&] { return counts.updated >= 2; }, std::chrono::seconds(5)));
}

TEST_F(InformerTest, SelectorsNarrowWhatIsHeld) {
  ASSERT_TRUE(cluster_.ok());
  json labelled = ConfigMap("labelled");
  labelled["metadata"]["labels"]["app"] = "web";
  ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", labelled).ok());
  ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", ConfigMap("plain")).ok());
  InformerOptions options;
  options.label_selector = "app=web";
  Informer informer(client_, resources::ConfigMaps(), options);
  ASSERT_TRUE(informer.Start().ok());
  ASSERT_TRUE(informer.WaitForSync(std::chrono::seconds(5)).ok());
  EXPECT_EQ(informer.Size(), 1u);
  absl::StatusOr<api::LabelSelector> selector = api::LabelSelector::Parse("app in (web)");
  ASSERT_TRUE(selector.ok());
  EXPECT_EQ(informer.List("default", *selector).size(), 1u);
}

TEST_F(InformerTest, FactorySharesOneInformerPerResource) {
  ASSERT_TRUE(cluster_.ok());
  InformerFactory factory(client_);
  Informer& pods = factory.For(resources::Pods());
  EXPECT_EQ(&pods, &factory.For(resources::Pods()));
  factory.For(resources::ConfigMaps());
  ASSERT_TRUE(factory.Start().ok());
  ASSERT_TRUE(factory.WaitForSync(std::chrono::seconds(5)).ok());
  EXPECT_TRUE(pods.HasSynced());
  EXPECT_GE(factory.For(resources::ConfigMaps()).Size(), 1u);
  factory.Stop();
}

TEST(ObjectKeyTest, JoinsAndSplits) {
  EXPECT_EQ(ObjectKey("ns", "a"), "ns/a");
  EXPECT_EQ(ObjectKey("", "node-1"), "node-1");
  EXPECT_EQ(SplitObjectKey("ns/a"), std::make_pair(std::string("ns"), std::string("a")));
  EXPECT_EQ(SplitObjectKey("node-1"), std::make_pair(std::string(""), std::string("node-1")));
}

}  // namespace
}  // namespace k1s::client
