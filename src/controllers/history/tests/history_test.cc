#include "controllers/history/history.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "api/label_selector.h"
#include "client/informer.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/history/hash.h"

namespace k1s::controllers::history {
namespace {

using nlohmann::json;

json StatefulSet(std::string name, std::string image) {
  json container = {{"name", "c"}, {"image", image}};
  json pod_template = {{"metadata", {{"labels", {{"app", name}}}}},
                       {"spec", {{"containers", json::array({container})}}}};
  json spec = {{"selector", {{"matchLabels", {{"app", name}}}}}, {"template", pod_template}};
  return {{"apiVersion", "apps/v1"},
          {"kind", "StatefulSet"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}}},
          {"spec", spec}};
}

client::ObjectPtr Revision(std::string name, int64_t number, json data = json::object()) {
  return std::make_shared<const json>(
      json{{"metadata", {{"name", name}}}, {"revision", number}, {"data", data}});
}

TEST(HashTest, FnvMatchesReferenceVectors) {
  // Published FNV test vectors.
  EXPECT_EQ(Fnv32(""), 0x811c9dc5u);
  EXPECT_EQ(Fnv32a(""), 0x811c9dc5u);
  EXPECT_EQ(Fnv32("a"), 0x050c5d7eu);
  EXPECT_EQ(Fnv32a("a"), 0xe40c292cu);
  EXPECT_EQ(Fnv32a("foobar"), 0xbf9cf968u);
}

TEST(HashTest, SafeEncodeAvoidsVowels) {
  EXPECT_EQ(SafeEncodeString("0123"), "4567");  // '0' is 48: alphabet[48 % 27] is '4'
  std::string hash = ComputePodTemplateHash(json{{"a", 1}}, std::nullopt);
  EXPECT_EQ(hash.find_first_of("aeiou01"), std::string::npos);
  EXPECT_NE(hash, ComputePodTemplateHash(json{{"a", 1}}, 1));
  EXPECT_EQ(hash, ComputePodTemplateHash(json{{"a", 1}}, std::nullopt));
}

TEST(HistoryTest, NewRevisionIsNamedAndLabelledByItsDataHash) {
  json set = StatefulSet("web", "nginx:1");
  json revision = NewControllerRevision(set, "apps/v1", "StatefulSet",
                                        set["spec"]["template"]["metadata"]["labels"],
                                        TemplatePatch(set), 3, 0);
  std::string hash = revision["metadata"]["labels"][std::string(kControllerRevisionHashLabel)];
  EXPECT_EQ(revision["metadata"]["name"], "web-" + hash);
  EXPECT_EQ(revision["metadata"]["labels"]["app"], "web");
  EXPECT_EQ(revision["revision"], 3);
  EXPECT_EQ(revision["metadata"]["ownerReferences"][0]["uid"], "uid-web");
  EXPECT_EQ(revision["metadata"]["ownerReferences"][0]["controller"], true);
  EXPECT_EQ(revision["data"]["spec"]["template"]["$patch"], "replace");

  json other =
      NewControllerRevision(StatefulSet("web", "nginx:2"), "apps/v1", "StatefulSet", json::object(),
                            TemplatePatch(StatefulSet("web", "nginx:2")), 4, 0);
  EXPECT_NE(other["metadata"]["name"], revision["metadata"]["name"]);
  EXPECT_FALSE(EqualRevision(revision, other));
  EXPECT_TRUE(
      EqualRevision(revision, NewControllerRevision(set, "apps/v1", "StatefulSet", json::object(),
                                                    TemplatePatch(set), 9, 0)));
}

TEST(HistoryTest, ApplyTemplatePatchRestoresTheTemplate) {
  json old_set = StatefulSet("web", "nginx:1");
  json new_set = StatefulSet("web", "nginx:2");
  json revision = {{"data", TemplatePatch(old_set)}};
  json restored = ApplyTemplatePatch(new_set, revision);
  EXPECT_EQ(restored["spec"]["template"], old_set["spec"]["template"]);
  EXPECT_EQ(restored["spec"]["selector"], new_set["spec"]["selector"]);
}

TEST(HistoryTest, SortsAndTruncatesOldestNonLiveFirst) {
  std::vector<client::ObjectPtr> revisions = {Revision("c", 3), Revision("a", 1), Revision("b", 2),
                                              Revision("d", 4)};
  SortControllerRevisions(revisions);
  ASSERT_EQ(revisions.size(), 4u);
  EXPECT_EQ((*revisions[0])["metadata"]["name"], "a");
  EXPECT_EQ((*revisions[3])["metadata"]["name"], "d");
  EXPECT_EQ(NextRevision(revisions), 5);
  EXPECT_EQ(NextRevision({}), 1);

  auto chosen = OldestNotLive(
      revisions, [](const json& r) { return r["metadata"]["name"] == "a"; }, 2);
  ASSERT_EQ(chosen.size(), 2u);
  EXPECT_EQ((*chosen[0])["metadata"]["name"], "b");
  EXPECT_EQ((*chosen[1])["metadata"]["name"], "c");

  EXPECT_EQ(RevisionHistoryLimit(json::object()), 10);
  EXPECT_EQ(RevisionHistoryLimit(json{{"spec", {{"revisionHistoryLimit", 2}}}}), 2);
}

// Against a real apiserver: create, find the same data again, collide, renumber, adopt.
TEST(HistoryClusterTest, CreateListRenumberAdoptDelete) {
  client::testing::TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  client::Client admin = cluster.Admin();
  auto created_set =
      admin.Create(client::resources::StatefulSets(), "default", StatefulSet("web", "nginx:1"));
  ASSERT_TRUE(created_set.ok()) << created_set.status();
  json set = *created_set;

  client::InformerFactory factory(admin);
  client::Informer& informer = factory.For(client::resources::ControllerRevisions());
  ASSERT_TRUE(factory.Start().ok());
  ASSERT_TRUE(factory.WaitForSync(std::chrono::seconds(5)).ok());
  History history(admin, informer);

  json revision = NewControllerRevision(set, "apps/v1", "StatefulSet",
                                        set["spec"]["template"]["metadata"]["labels"],
                                        TemplatePatch(set), 1, 0);
  // Someone else's data already sits under the name the revision hashes to.
  json squatter = revision;
  squatter["data"] = TemplatePatch(StatefulSet("web", "nginx:9"));
  squatter["metadata"].erase("ownerReferences");
  squatter["metadata"]["labels"] = {{"other", "yes"}};
  ASSERT_TRUE(admin.Create(client::resources::ControllerRevisions(), "default", squatter).ok());

  int32_t collisions = 0;
  auto first = history.Create(set, revision, collisions);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(collisions, 1);
  EXPECT_NE((*first)["metadata"]["name"], revision["metadata"]["name"]);
  EXPECT_EQ((*first)["metadata"]["name"], "web-" + HashControllerRevision(revision, 1));
  // The same data again: the existing revision comes back.
  auto again = history.Create(set, revision, collisions);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)["metadata"]["uid"], (*first)["metadata"]["uid"]);
  EXPECT_EQ(collisions, 1);
  auto second =
      history.Create(set,
                     NewControllerRevision(set, "apps/v1", "StatefulSet", {{"app", "web"}},
                                           TemplatePatch(StatefulSet("web", "nginx:2")), 2, 0),
                     collisions);
  ASSERT_TRUE(second.ok()) << second.status();

  auto selector = api::LabelSelector::FromJson(set["spec"]["selector"]);
  ASSERT_TRUE(selector.ok());
  ASSERT_TRUE(
      client::testing::Eventually([&] { return history.List(set, *selector).size() == 2; }));

  auto renumbered = history.Renumber(*first, 7);
  ASSERT_TRUE(renumbered.ok()) << renumbered.status();
  EXPECT_EQ((*renumbered)["revision"], 7);

  // An orphan with matching labels is listed and can be adopted.
  json orphan = {{"apiVersion", "apps/v1"},
                 {"kind", "ControllerRevision"},
                 {"metadata", {{"name", "orphan"}, {"labels", {{"app", "web"}}}}},
                 {"data", TemplatePatch(StatefulSet("web", "nginx:0"))},
                 {"revision", 0}};
  auto stored_orphan = admin.Create(client::resources::ControllerRevisions(), "default", orphan);
  ASSERT_TRUE(stored_orphan.ok()) << stored_orphan.status();
  ASSERT_TRUE(
      client::testing::Eventually([&] { return history.List(set, *selector).size() == 3; }));
  auto adopted = history.Adopt(set, "apps/v1", "StatefulSet", *stored_orphan);
  ASSERT_TRUE(adopted.ok()) << adopted.status();
  EXPECT_EQ((*adopted)["metadata"]["ownerReferences"][0]["uid"], set["metadata"]["uid"]);
  EXPECT_FALSE(history.Adopt(set, "apps/v1", "StatefulSet", *adopted).ok());

  ASSERT_TRUE(history.Delete(*adopted).ok());
  ASSERT_TRUE(
      client::testing::Eventually([&] { return history.List(set, *selector).size() == 2; }));
  factory.Stop();
}

}  // namespace
}  // namespace k1s::controllers::history
