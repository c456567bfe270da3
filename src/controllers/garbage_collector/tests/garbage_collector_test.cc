// The garbage collector against a real apiserver: background, foreground and orphan deletion
// across kinds (custom resources included), dangling references and invalid namespaces.
#include "controllers/garbage_collector/garbage_collector.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/errors.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/testing/controller_harness.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using nlohmann::json;
namespace resources = client::resources;
using namespace std::chrono_literals;

class GarbageCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    ASSERT_TRUE(harness_.cluster().CreateNamespace("gc").ok());
    GarbageCollectorOptions options;
    options.resync_period = 200ms;
    options.min_rediscovery_interval = 50ms;
    gc_ = std::make_unique<GarbageCollector>(harness_.context(), options);
    ASSERT_TRUE(gc_->Start().ok());
    ASSERT_TRUE(harness_.StartInformers());
    ASSERT_TRUE(Eventually([&] { return gc_->IsSynced(); }, 5s));
  }
  void TearDown() override {
    if (gc_) gc_->Stop();
  }

  client::Client& admin() { return harness_.admin; }

  json Create(const client::Resource& resource, const std::string& name, json owners = nullptr,
              const std::string& namespace_name = "gc") {
    json object = {{"metadata", {{"name", name}}}};
    if (!owners.is_null()) object["metadata"]["ownerReferences"] = owners;
    absl::StatusOr<json> created = admin().Create(resource, namespace_name, object);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json::object();
  }

  static json RefTo(const json& owner, bool block = false) {
    json ref = {{"apiVersion", owner.value("apiVersion", "v1")},
                {"kind", owner.value("kind", "ConfigMap")},
                {"name", owner["metadata"]["name"]},
                {"uid", owner["metadata"]["uid"]}};
    if (block) ref["blockOwnerDeletion"] = true;
    return ref;
  }

  bool Gone(const client::Resource& resource, const std::string& name,
            const std::string& namespace_name = "gc") {
    return api::IsNotFound(admin().Get(resource, namespace_name, name).status());
  }

  json Get(const client::Resource& resource, const std::string& name) {
    absl::StatusOr<json> object = admin().Get(resource, "gc", name);
    return object.ok() ? *object : json();
  }

  absl::Status DeleteWith(const std::string& name, const std::string& policy) {
    client::DeleteOptions options;
    options.propagation_policy = policy;
    return admin().Delete(resources::ConfigMaps(), "gc", name, options);
  }

  controllers::testing::ControllerHarness harness_;
  std::unique_ptr<GarbageCollector> gc_;
};

TEST_F(GarbageCollectorTest, BackgroundDeletionRemovesDependentsOfAnyKind) {
  json owner = Create(resources::ConfigMaps(), "owner");
  Create(resources::ConfigMaps(), "child-config", json::array({RefTo(owner)}));
  Create(resources::Secrets(), "child-secret", json::array({RefTo(owner)}));
  Create(resources::ConfigMaps(), "bystander");

  ASSERT_TRUE(admin().Delete(resources::ConfigMaps(), "gc", "owner").ok());
  EXPECT_TRUE(Eventually(
      [&] {
        return Gone(resources::ConfigMaps(), "child-config") &&
               Gone(resources::Secrets(), "child-secret");
      },
      5s));
  EXPECT_FALSE(Gone(resources::ConfigMaps(), "bystander"));
}

TEST_F(GarbageCollectorTest, DependentWithAnotherLiveOwnerLosesOnlyTheDanglingReference) {
  json first = Create(resources::ConfigMaps(), "first");
  json second = Create(resources::ConfigMaps(), "second");
  Create(resources::Secrets(), "shared", json::array({RefTo(first), RefTo(second)}));

  ASSERT_TRUE(admin().Delete(resources::ConfigMaps(), "gc", "first").ok());
  EXPECT_TRUE(Eventually(
      [&] {
        json shared = Get(resources::Secrets(), "shared");
        return shared.is_object() && shared["metadata"]["ownerReferences"].size() == 1;
      },
      5s));
  json shared = Get(resources::Secrets(), "shared");
  ASSERT_TRUE(shared.is_object());
  EXPECT_EQ(shared["metadata"]["ownerReferences"][0]["uid"], second["metadata"]["uid"]);
}

TEST_F(GarbageCollectorTest, ForegroundDeletionRemovesDependentsBeforeTheOwner) {
  json owner = Create(resources::ConfigMaps(), "owner");
  Create(resources::ConfigMaps(), "child", json::array({RefTo(owner, /*block=*/true)}));
  // A blocking dependent that cannot go yet: it holds the owner.
  json held = {{"metadata",
                {{"name", "held"},
                 {"finalizers", {"example.com/hold"}},
                 {"ownerReferences", json::array({RefTo(owner, /*block=*/true)})}}}};
  ASSERT_TRUE(admin().Create(resources::Secrets(), "gc", held).ok());

  ASSERT_TRUE(DeleteWith("owner", "Foreground").ok());
  // The apiserver marks the owner and hands it over with the foregroundDeletion finalizer.
  json marked = Get(resources::ConfigMaps(), "owner");
  ASSERT_TRUE(marked.is_object());
  EXPECT_TRUE(marked["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(marked["metadata"]["finalizers"], json::array({"foregroundDeletion"}));

  EXPECT_TRUE(Eventually([&] { return Gone(resources::ConfigMaps(), "child"); }, 5s));
  EXPECT_TRUE(Eventually(
      [&] {
        json secret = Get(resources::Secrets(), "held");
        return secret.is_object() && secret["metadata"].contains("deletionTimestamp");
      },
      5s));
  // The held dependent blocks the owner's deletion.
  EXPECT_FALSE(Gone(resources::ConfigMaps(), "owner"));

  ASSERT_TRUE(admin()
                  .Patch(resources::Secrets(), "gc", "held", client::PatchType::kMerge,
                         R"({"metadata":{"finalizers":null}})")
                  .ok());
  EXPECT_TRUE(Eventually(
      [&] { return Gone(resources::Secrets(), "held") && Gone(resources::ConfigMaps(), "owner"); },
      5s));
}

TEST_F(GarbageCollectorTest, OrphanDeletionKeepsDependentsWithoutTheReference) {
  json owner = Create(resources::ConfigMaps(), "owner");
  json other = Create(resources::ConfigMaps(), "other");
  Create(resources::ConfigMaps(), "child", json::array({RefTo(owner)}));
  Create(resources::Secrets(), "co-owned", json::array({RefTo(owner), RefTo(other)}));

  ASSERT_TRUE(DeleteWith("owner", "Orphan").ok());
  ASSERT_TRUE(Eventually([&] { return Gone(resources::ConfigMaps(), "owner"); }, 15s));
  json child = Get(resources::ConfigMaps(), "child");
  ASSERT_TRUE(child.is_object());
  EXPECT_FALSE(child["metadata"].contains("ownerReferences"));
  json co_owned = Get(resources::Secrets(), "co-owned");
  ASSERT_TRUE(co_owned.is_object());
  EXPECT_EQ(co_owned["metadata"]["ownerReferences"], json::array({RefTo(other)}));
}

TEST_F(GarbageCollectorTest, CustomResourceOwnsDependents) {
  json crd = json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
             "versions": [{"name": "v1", "served": true, "storage": true,
                           "schema": {"openAPIV3Schema": {"type": "object",
                                      "x-kubernetes-preserve-unknown-fields": true}}}]}})");
  client::Resource crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                        "CustomResourceDefinition", false};
  ASSERT_TRUE(admin().Create(crds, "", crd).ok());
  client::Resource widgets{"example.com", "v1", "widgets", "Widget", true};
  absl::StatusOr<json> widget;
  ASSERT_TRUE(Eventually(
      [&] {
        widget = admin().Create(widgets, "gc", json{{"metadata", {{"name", "w"}}}});
        return widget.ok();
      },
      5s));
  // A widget owning a widget and a ConfigMap.
  json ref = {{"apiVersion", "example.com/v1"},
              {"kind", "Widget"},
              {"name", "w"},
              {"uid", (*widget)["metadata"]["uid"]}};
  Create(resources::ConfigMaps(), "child", json::array({ref}));
  Create(widgets, "child-widget", json::array({ref}));

  ASSERT_TRUE(admin().Delete(widgets, "gc", "w").ok());
  EXPECT_TRUE(Eventually(
      [&] { return Gone(resources::ConfigMaps(), "child") && Gone(widgets, "child-widget"); }, 5s));
}

TEST_F(GarbageCollectorTest, ReferenceToAnOwnerThatNeverExistedIsGarbage) {
  json ghost = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "ghost"}, {"uid", "0000"}};
  Create(resources::ConfigMaps(), "orphan", json::array({ghost}));
  // Same name as a live object, but another uid: the reference is dangling too.
  json live = Create(resources::ConfigMaps(), "live");
  json stale = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "live"}, {"uid", "1111"}};
  Create(resources::Secrets(), "stale", json::array({stale}));

  EXPECT_TRUE(Eventually(
      [&] {
        return Gone(resources::ConfigMaps(), "orphan") && Gone(resources::Secrets(), "stale");
      },
      5s));
  EXPECT_FALSE(Gone(resources::ConfigMaps(), "live"));
}

TEST_F(GarbageCollectorTest, OwnerInAnotherNamespaceIsReportedAndIgnored) {
  ASSERT_TRUE(harness_.cluster().CreateNamespace("elsewhere").ok());
  json owner = Create(resources::ConfigMaps(), "owner");
  // The owner is observed in "gc" (the ConfigMap informer delivers it before the dependent);
  // a dependent in "elsewhere" cannot belong to it.
  Create(resources::ConfigMaps(), "misplaced", json::array({RefTo(owner)}), "elsewhere");

  EXPECT_TRUE(
      Eventually([&] { return Gone(resources::ConfigMaps(), "misplaced", "elsewhere"); }, 5s));
  EXPECT_FALSE(Gone(resources::ConfigMaps(), "owner"));
  EXPECT_TRUE(Eventually(
      [&] {
        absl::StatusOr<json> events = admin().List(resources::Events(), "elsewhere");
        if (!events.ok()) return false;
        for (const json& event : (*events)["items"]) {
          if (event.value("reason", "") == "OwnerRefInvalidNamespace" &&
              event["involvedObject"].value("name", "") == "misplaced") {
            EXPECT_EQ(event.value("type", ""), "Warning");
            EXPECT_EQ(event["source"].value("component", ""), "garbage-collector-controller");
            EXPECT_EQ(event.value("message", ""),
                      "ownerRef [v1/ConfigMap, namespace: elsewhere, name: owner, uid: " +
                          owner["metadata"]["uid"].get<std::string>() +
                          "] does not exist in namespace \"elsewhere\"");
            return true;
          }
        }
        return false;
      },
      5s));
}

}  // namespace
}  // namespace k1s::controllers
