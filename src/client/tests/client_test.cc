// The Client against a real apiserver through the in-process transport: CRUD, patches,
// subresources, errors in Kubernetes' shapes, RBAC for a non-admin identity, and watches.
#include "client/client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "client/testing/test_cluster.h"

namespace k1s::client {
namespace {

using nlohmann::json;

json ConfigMap(const std::string& name, json data = {{"k", "v"}}) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}}}, {"data", std::move(data)}};
}

class ClientTest : public ::testing::Test {
 protected:
  testing::TestCluster cluster_;
  Client client_ = cluster_.Admin("client-test");
};

TEST_F(ClientTest, CreateGetUpdatePatchDelete) {
  ASSERT_TRUE(cluster_.ok());
  absl::StatusOr<json> created = client_.Create(resources::ConfigMaps(), "", ConfigMap("one"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ((*created)["metadata"]["managedFields"][0]["manager"], "client-test");

  absl::StatusOr<json> got = client_.Get(resources::ConfigMaps(), "default", "one");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)["data"]["k"], "v");

  (*got)["data"]["k"] = "changed";
  absl::StatusOr<json> updated = client_.Update(resources::ConfigMaps(), *got);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)["data"]["k"], "changed");

  // The old resourceVersion is stale now: a Conflict, as upstream.
  absl::StatusOr<json> stale = client_.Update(resources::ConfigMaps(), *got);
  EXPECT_TRUE(api::IsConflict(stale.status())) << stale.status();

  absl::StatusOr<json> patched = client_.Patch(resources::ConfigMaps(), "default", "one",
                                               PatchType::kMerge, R"({"data":{"x":"y"}})");
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["data"]["x"], "y");

  ASSERT_TRUE(client_.Delete(resources::ConfigMaps(), "default", "one").ok());
  absl::StatusOr<json> gone = client_.Get(resources::ConfigMaps(), "default", "one");
  EXPECT_TRUE(api::IsNotFound(gone.status()));
  EXPECT_EQ(gone.status().message(), "configmaps \"one\" not found");
  EXPECT_EQ(api::ErrorReason(gone.status()), "NotFound");
}

TEST_F(ClientTest, ErrorsCarryTheServersStatus) {
  ASSERT_TRUE(cluster_.ok());
  ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", ConfigMap("dup")).ok());
  absl::StatusOr<json> again = client_.Create(resources::ConfigMaps(), "", ConfigMap("dup"));
  EXPECT_TRUE(api::IsAlreadyExists(again.status()));

  absl::StatusOr<json> invalid =
      client_.Create(resources::ConfigMaps(), "", ConfigMap("Not_Valid"));
  EXPECT_EQ(invalid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(api::ErrorReason(invalid.status()), "Invalid");
  EXPECT_NE(std::string(invalid.status().message()).find("metadata.name"), std::string::npos);
}

TEST_F(ClientTest, ListWithSelectorsAndPaging) {
  ASSERT_TRUE(cluster_.ok());
  for (int i = 0; i < 5; ++i) {
    json map = ConfigMap("m" + std::to_string(i));
    map["metadata"]["labels"]["parity"] = i % 2 == 0 ? "even" : "odd";
    ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", map).ok());
  }
  ListOptions even;
  even.label_selector = "parity=even";
  absl::StatusOr<json> list = client_.List(resources::ConfigMaps(), "default", even);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ((*list)["items"].size(), 3u);

  ListOptions page;
  page.label_selector = "parity in (even,odd)";
  page.limit = 2;
  absl::StatusOr<json> first = client_.List(resources::ConfigMaps(), "default", page);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ((*first)["items"].size(), 2u);
  EXPECT_FALSE((*first)["metadata"].value("continue", "").empty());
}

TEST_F(ClientTest, StatusSubresourceAndBinding) {
  ASSERT_TRUE(cluster_.ok());
  ASSERT_TRUE(testing::CreateReadyNode(client_, "n1", json::object()).ok());
  json pod = {{"metadata", {{"name", "p"}, {"namespace", "default"}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  ASSERT_TRUE(client_.Create(resources::Pods(), "", pod).ok());
  json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", "p"}}},
                  {"target", {{"kind", "Node"}, {"name", "n1"}}}};
  absl::StatusOr<json> bound =
      client_.Create(resources::Pods(), "default", binding, {}, "p", "binding");
  ASSERT_TRUE(bound.ok()) << bound.status();
  absl::StatusOr<json> running = testing::MarkPodRunning(client_, "default", "p");
  ASSERT_TRUE(running.ok()) << running.status();
  EXPECT_EQ((*running)["spec"]["nodeName"], "n1");
  EXPECT_EQ((*running)["status"]["phase"], "Running");
}

TEST_F(ClientTest, RbacAppliesToOtherIdentities) {
  ASSERT_TRUE(cluster_.ok());
  Client nobody = cluster_.As("jane", {"system:authenticated"});
  absl::StatusOr<json> denied = nobody.List(resources::Secrets(), "default");
  EXPECT_EQ(denied.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.status().message(),
            "secrets is forbidden: User \"jane\" cannot list resource \"secrets\" in API group "
            "\"\" in the namespace \"default\"");
}

TEST_F(ClientTest, WatchStreamsEventsUntilCancelled) {
  ASSERT_TRUE(cluster_.ok());
  absl::StatusOr<json> list = client_.List(resources::ConfigMaps(), "default");
  ASSERT_TRUE(list.ok());
  ListOptions from;
  from.resource_version = (*list)["metadata"]["resourceVersion"];
  absl::StatusOr<std::unique_ptr<WatchStream>> watch =
      client_.Watch(resources::ConfigMaps(), "default", from);
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_TRUE(client_.Create(resources::ConfigMaps(), "", ConfigMap("watched")).ok());
  absl::StatusOr<std::optional<std::string>> line;
  do {
    line = (*watch)->Next(std::chrono::seconds(5));
    ASSERT_TRUE(line.ok()) << line.status();
    ASSERT_TRUE(line->has_value());
  } while (json::parse(**line)["object"]["metadata"]["name"] != "watched");
  EXPECT_EQ(json::parse(**line)["type"], "ADDED");
  (*watch)->Cancel();
  line = (*watch)->Next(std::chrono::seconds(1));
  EXPECT_TRUE(absl::IsOutOfRange(line.status())) << line.status();
}

TEST_F(ClientTest, WatchWithAMalformedResourceVersionIsRefused) {
  ASSERT_TRUE(cluster_.ok());
  ListOptions options;
  options.resource_version = "not-a-number";
  absl::StatusOr<std::unique_ptr<WatchStream>> watch =
      client_.Watch(resources::ConfigMaps(), "default", options);
  EXPECT_FALSE(watch.ok());
  EXPECT_EQ(watch.status().code(), absl::StatusCode::kInvalidArgument) << watch.status();
}

}  // namespace
}  // namespace k1s::client
