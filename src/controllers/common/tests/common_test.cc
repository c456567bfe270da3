// Pod facts and ownerReference claiming against a real apiserver.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/label_selector.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;

TEST(PodsTest, ReadinessAvailabilityAndActivity) {
  json pod = {{"metadata", {{"name", "p"}, {"creationTimestamp", "2026-01-01T00:00:00Z"}}},
              {"status",
               {{"phase", "Running"},
                {"conditions",
                 {{{"type", "Ready"},
                   {"status", "True"},
                   {"lastTransitionTime", "2026-01-01T00:00:10Z"}}}}}}};
  const int64_t ready_at = 1767225610;  // 2026-01-01T00:00:10Z
  EXPECT_TRUE(IsPodReady(pod));
  EXPECT_TRUE(IsPodAvailable(pod, 0, ready_at));
  EXPECT_FALSE(IsPodAvailable(pod, 5, ready_at + 4));
  EXPECT_TRUE(IsPodAvailable(pod, 5, ready_at + 5));
  EXPECT_TRUE(IsPodActive(pod));
  EXPECT_EQ(CreationSeconds(pod), ready_at - 10);
  pod["status"]["phase"] = "Succeeded";
  EXPECT_TRUE(IsPodTerminal(pod));
  EXPECT_FALSE(IsPodActive(pod));
  EXPECT_FALSE(IsPodReady(json{{"status", "not an object"}}));
  EXPECT_FALSE(IsBeingDeleted(json::array()));
}

TEST(OwnerRefsTest, ClaimAdoptsMatchingOrphansAndReleasesMismatches) {
  client::testing::TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  client::Client admin = cluster.Admin();
  absl::StatusOr<json> owner = admin.Create(
      client::resources::ConfigMaps(), "", json{{"metadata", {{"name", "owner"}, {"namespace", "default"}}}});
  ASSERT_TRUE(owner.ok()) << owner.status();
  auto make = [&](const std::string& name, const std::string& app, bool owned) {
    json object = {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", app}}}}}};
    if (owned) {
      object["metadata"]["ownerReferences"] =
          json::array({MakeControllerRef(*owner, "v1", "ConfigMap")});
    }
    absl::StatusOr<json> created = admin.Create(client::resources::Secrets(), "", object);
    EXPECT_TRUE(created.ok()) << created.status();
    return std::make_shared<const json>(created.ok() ? *created : json());
  };
  std::vector<client::ObjectPtr> candidates = {make("orphan-match", "web", false),
                                               make("orphan-other", "db", false),
                                               make("owned-match", "web", true),
                                               make("owned-other", "db", true)};
  absl::StatusOr<api::LabelSelector> selector = api::LabelSelector::Parse("app=web");
  ASSERT_TRUE(selector.ok());
  client::Resource secrets = client::resources::Secrets();
  ControllerRefManager manager(admin, secrets, *owner, "v1", "ConfigMap", *selector);
  absl::StatusOr<std::vector<client::ObjectPtr>> claimed = manager.Claim(candidates);
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  std::set<std::string> names;
  for (const client::ObjectPtr& object : *claimed) names.insert((*object)["metadata"]["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"orphan-match", "owned-match"}));

  absl::StatusOr<json> adopted = admin.Get(secrets, "default", "orphan-match");
  ASSERT_TRUE(adopted.ok());
  EXPECT_TRUE(IsControlledBy(*adopted, (*owner)["metadata"]["uid"].get<std::string>()));
  absl::StatusOr<json> released = admin.Get(secrets, "default", "owned-other");
  ASSERT_TRUE(released.ok());
  EXPECT_EQ(ControllerRefOf(*released), nullptr);
  absl::StatusOr<json> untouched = admin.Get(secrets, "default", "orphan-other");
  ASSERT_TRUE(untouched.ok());
  EXPECT_EQ(ControllerRefOf(*untouched), nullptr);
}

}  // namespace
}  // namespace k1s::controllers
