// Namespace deletion against a real apiserver: contents of every kind (custom resources
// included) are deleted, conditions say what is left and why, and the namespace goes once
// the last finalizer is removed.
#include "controllers/namespace/namespace_controller.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "controllers/common/pods.h"
#include "controllers/common/testing/controller_harness.h"

namespace k1s::controllers {
namespace {

using client::testing::Eventually;
using nlohmann::json;

class NamespaceControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(harness_.ok());
    controller_ = std::make_unique<NamespaceController>(harness_.context());
    ASSERT_TRUE(harness_.StartInformers());
    ASSERT_TRUE(controller_->Start().ok());
    ASSERT_TRUE(harness_.cluster().CreateNamespace("doomed").ok());
  }
  void TearDown() override {
    if (controller_ != nullptr) controller_->Stop();
  }
  bool NamespaceGone() {
    return api::IsNotFound(
        harness_.admin.Get(client::resources::Namespaces(), "", "doomed").status());
  }

  testing::ControllerHarness harness_;
  std::unique_ptr<NamespaceController> controller_;
};

TEST_F(NamespaceControllerTest, DeletesEveryKindThenTheNamespace) {
  client::Client& admin = harness_.admin;
  json crd = json::parse(R"({
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
             "versions": [{"name": "v1", "served": true, "storage": true,
                           "schema": {"openAPIV3Schema": {"type": "object",
                                      "x-kubernetes-preserve-unknown-fields": true}}}]}})");
  client::Resource crds{"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                        "CustomResourceDefinition", false};
  ASSERT_TRUE(admin.Create(crds, "", crd).ok());
  client::Resource widgets{"example.com", "v1", "widgets", "Widget", true};
  ASSERT_TRUE(Eventually([&] {
    return admin.Create(widgets, "doomed", json{{"metadata", {{"name", "w"}}}}).ok();
  }));
  ASSERT_TRUE(admin
                  .Create(client::resources::ConfigMaps(), "doomed",
                          json{{"metadata", {{"name", "c"}}}})
                  .ok());
  ASSERT_TRUE(admin.Delete(client::resources::Namespaces(), "", "doomed").ok());
  ASSERT_TRUE(Eventually([&] { return NamespaceGone(); }, std::chrono::seconds(15)));
}

TEST_F(NamespaceControllerTest, ConditionsNameWhatIsLeftUntilFinalizersGo) {
  client::Client& admin = harness_.admin;
  json held = {{"metadata", {{"name", "held"}, {"finalizers", {"example.com/hold"}}}}};
  ASSERT_TRUE(admin.Create(client::resources::ConfigMaps(), "doomed", held).ok());
  ASSERT_TRUE(admin.Delete(client::resources::Namespaces(), "", "doomed").ok());

  auto condition = [&](const std::string& type) {
    absl::StatusOr<json> ns = admin.Get(client::resources::Namespaces(), "", "doomed");
    const json* found = ns.ok() ? FindCondition(*ns, type) : nullptr;
    return found == nullptr ? json::object() : *found;
  };
  ASSERT_TRUE(Eventually([&] {
    return condition("NamespaceFinalizersRemaining").value("status", "") == "True";
  }));
  EXPECT_EQ(condition("NamespaceFinalizersRemaining")["message"],
            "Some content in the namespace has finalizers remaining: example.com/hold in 1 "
            "resource instances");
  EXPECT_EQ(condition("NamespaceContentRemaining")["message"],
            "Some resources are remaining: configmaps has 1 resource instances");
  EXPECT_EQ(condition("NamespaceDeletionDiscoveryFailure")["reason"], "ResourcesDiscovered");
  EXPECT_FALSE(NamespaceGone());

  ASSERT_TRUE(admin
                  .Patch(client::resources::ConfigMaps(), "doomed", "held",
                         client::PatchType::kMerge, R"({"metadata":{"finalizers":null}})")
                  .ok());
  ASSERT_TRUE(Eventually([&] { return NamespaceGone(); }, std::chrono::seconds(15)));
}

}  // namespace
}  // namespace k1s::controllers
