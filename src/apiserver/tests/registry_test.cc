#include "apiserver/registry.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "apiserver/strategies.h"
#include "base/testing/fake_clock.h"
#include "datastore/sqlite_backend.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

const api::ResourceType& TypeOf(const std::string& group, const std::string& kind) {
  for (const api::ResourceType& type : api::BuiltinResourceTypes()) {
    if (type.group == group && type.kind == kind) return type;
  }
  throw std::logic_error("no such type");
}

class RegistryTest : public ::testing::Test {
 protected:
  RegistryTest()
      : backend_(*datastore::OpenSqliteBackend({})),
        service_ips_(0x0A2B0001, 65534, 256),
        node_ports_(30000, 2768, 0),
        context_{&service_ips_, "10.43.0.0/16", &node_ports_} {}

  std::unique_ptr<Registry> Make(const api::ResourceType& type) {
    return std::make_unique<Registry>(
        type, *backend_, clock_, MakeStrategy(type, context_),
        [this](const api::ResourceType&, std::string_view, std::string_view ns) {
          return ns == "gone" ? api::NotFoundError(TypeOf("", "Namespace"), ns) : absl::OkStatus();
        });
  }

  static json Parse(const ObjectRef& object) { return json::parse(object->json); }

  base::FakeClock clock_;
  std::unique_ptr<Backend> backend_;
  RangeAllocator service_ips_;
  RangeAllocator node_ports_;
  StrategyContext context_;
};

json ConfigMap(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}}},
          {"data", {{"a", "1"}}}};
}

TEST_F(RegistryTest, CreateFillsServerFieldsAndRefusesDuplicates) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  absl::StatusOr<ObjectRef> created = registry->Create("default", ConfigMap("one"), {});
  ASSERT_TRUE(created.ok()) << created.status();
  json object = Parse(*created);
  EXPECT_EQ(object["metadata"]["namespace"], "default");
  EXPECT_EQ(object["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_EQ(object["metadata"]["creationTimestamp"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(object["metadata"]["resourceVersion"], std::to_string((*created)->revision));

  absl::StatusOr<ObjectRef> again = registry->Create("default", ConfigMap("one"), {});
  EXPECT_TRUE(api::IsAlreadyExists(again.status()));
  EXPECT_EQ(again.status().message(), "configmaps \"one\" already exists");
}

TEST_F(RegistryTest, GenerateNameAndNamespaceChecks) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  json object = ConfigMap("");
  object["metadata"] = {{"generateName", "web-"}};
  absl::StatusOr<ObjectRef> created = registry->Create("default", object, {});
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ((*created)->name.substr(0, 4), "web-");
  EXPECT_EQ((*created)->name.size(), 9u);

  EXPECT_TRUE(api::IsNotFound(registry->Create("gone", ConfigMap("x"), {}).status()));
  json other = ConfigMap("y");
  other["metadata"]["namespace"] = "elsewhere";
  absl::StatusOr<ObjectRef> mismatch = registry->Create("default", other, {});
  EXPECT_EQ(api::ToHttpError(mismatch.status()).code, 400);
}

TEST_F(RegistryTest, InvalidNameIs422WithCause) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  absl::StatusOr<ObjectRef> created = registry->Create("default", ConfigMap("Bad_Name"), {});
  api::HttpError error = api::ToHttpError(created.status());
  EXPECT_EQ(error.code, 422);
  json body = json::parse(error.body);
  EXPECT_EQ(body["reason"], "Invalid");
  EXPECT_EQ(body["details"]["causes"][0]["field"], "metadata.name");
}

TEST_F(RegistryTest, StaleUpdateConflictsAndUnconditionalUpdateWins) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  ObjectRef first = *registry->Create("default", ConfigMap("c"), {});
  json update = Parse(first);
  update["data"]["a"] = "2";
  ObjectRef second = *registry->Update("default", "c", update, "", {});
  EXPECT_GT(second->revision, first->revision);

  update["data"]["a"] = "3";  // still carries the first resourceVersion
  absl::StatusOr<ObjectRef> stale = registry->Update("default", "c", update, "", {});
  EXPECT_TRUE(api::IsConflict(stale.status()));
  EXPECT_EQ(stale.status().message(),
            "Operation cannot be fulfilled on configmaps \"c\": the object has been modified; "
            "please apply your changes to the latest version and try again");

  update["metadata"].erase("resourceVersion");
  absl::StatusOr<ObjectRef> forced = registry->Update("default", "c", update, "", {});
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ(Parse(*forced)["data"]["a"], "3");
  EXPECT_EQ(Parse(*forced)["metadata"]["uid"], Parse(first)["metadata"]["uid"]);
}

TEST_F(RegistryTest, NoOpUpdateKeepsResourceVersion) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  ObjectRef created = *registry->Create("default", ConfigMap("same"), {});
  ObjectRef updated = *registry->Update("default", "same", Parse(created), "", {});
  EXPECT_EQ(updated->revision, created->revision);
}

TEST_F(RegistryTest, StatusSubresourceOwnsStatus) {
  auto registry = Make(TypeOf("", "Pod"));
  json pod = {{"metadata", {{"name", "p"}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  ObjectRef created = *registry->Create("default", pod, {});
  json object = Parse(created);
  EXPECT_EQ(object["status"]["phase"], "Pending");
  EXPECT_EQ(object["metadata"]["generation"], 1);

  object["status"]["phase"] = "Running";
  object["metadata"]["labels"] = {{"ignored", "yes"}};
  ObjectRef status_written = *registry->Update("default", "p", object, "status", {});
  json after = Parse(status_written);
  EXPECT_EQ(after["status"]["phase"], "Running");
  EXPECT_FALSE(after["metadata"].contains("labels"));

  after["status"]["phase"] = "Failed";
  after["metadata"]["labels"] = {{"kept", "yes"}};
  json main = Parse(*registry->Update("default", "p", after, "", {}));
  EXPECT_EQ(main["status"]["phase"], "Running");
  EXPECT_EQ(main["metadata"]["labels"]["kept"], "yes");
  EXPECT_EQ(main["metadata"]["generation"], 1);  // spec unchanged
}

TEST_F(RegistryTest, PatchesApplyAndRetryOnlyWhenUnpinned) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  ObjectRef created = *registry->Create("default", ConfigMap("p"), {});
  json merged = Parse(*registry->Patch("default", "p", PatchType::kMerge,
                                       {{"data", {{"b", "2"}, {"a", nullptr}}}}, "", {}));
  EXPECT_EQ(merged["data"], json({{"b", "2"}}));
  json patched = Parse(*registry->Patch(
      "default", "p", PatchType::kJson,
      json::array({{{"op", "add"}, {"path", "/data/c"}, {"value", "3"}}}), "", {}));
  EXPECT_EQ(patched["data"]["c"], "3");
  absl::StatusOr<ObjectRef> pinned = registry->Patch(
      "default", "p", PatchType::kMerge,
      {{"metadata", {{"resourceVersion", std::to_string(created->revision)}}}}, "", {});
  EXPECT_TRUE(api::IsConflict(pinned.status()));
  absl::StatusOr<ObjectRef> failed =
      registry->Patch("default", "p", PatchType::kJson,
                      json::array({{{"op", "remove"}, {"path", "/data/missing"}}}), "", {});
  EXPECT_EQ(api::ToHttpError(failed.status()).code, 422);
}

TEST_F(RegistryTest, DryRunStoresNothing) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  absl::StatusOr<ObjectRef> dry = registry->Create("default", ConfigMap("dry"), {true});
  ASSERT_TRUE(dry.ok());
  EXPECT_FALSE(Parse(*dry)["metadata"].contains("resourceVersion"));
  EXPECT_TRUE(api::IsNotFound(registry->Get("default", "dry").status()));
}

TEST_F(RegistryTest, FinalizersDeferDeletionUntilRemoved) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  json object = ConfigMap("f");
  object["metadata"]["finalizers"] = {"example.com/hold"};
  registry->Create("default", object, {}).IgnoreError();
  absl::StatusOr<DeleteResult> marked = registry->Delete("default", "f", {});
  ASSERT_TRUE(marked.ok()) << marked.status();
  EXPECT_FALSE(marked->deleted);
  json current = Parse(marked->object);
  EXPECT_TRUE(current["metadata"].contains("deletionTimestamp"));

  current["metadata"]["finalizers"] = json::array();
  ASSERT_TRUE(registry->Update("default", "f", current, "", {}).ok());
  EXPECT_TRUE(api::IsNotFound(registry->Get("default", "f").status()));
}

TEST_F(RegistryTest, PropagationPolicySwapsTheCollectorsFinalizers) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  json object = ConfigMap("p");
  object["metadata"]["finalizers"] = {"example.com/hold"};
  registry->Create("default", object, {}).IgnoreError();
  auto delete_with = [&](const std::string& policy) {
    DeleteOptions options;
    options.propagation_policy = policy;
    absl::StatusOr<DeleteResult> result = registry->Delete("default", "p", options);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? Parse(result->object)["metadata"].value("finalizers", json::array())
                       : json();
  };
  EXPECT_EQ(delete_with("Foreground"), json({"example.com/hold", "foregroundDeletion"}));
  // A second DELETE of a terminating object with another policy replaces the finalizer.
  EXPECT_EQ(delete_with("Orphan"), json({"example.com/hold", "orphan"}));
  EXPECT_EQ(delete_with("Background"), json({"example.com/hold"}));
}

TEST_F(RegistryTest, DeletePreconditions) {
  auto registry = Make(TypeOf("", "ConfigMap"));
  registry->Create("default", ConfigMap("d"), {}).IgnoreError();
  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "nope";
  EXPECT_TRUE(api::IsConflict(registry->Delete("default", "d", wrong_uid).status()));
  absl::StatusOr<DeleteResult> deleted = registry->Delete("default", "d", {});
  ASSERT_TRUE(deleted.ok());
  EXPECT_TRUE(deleted->deleted);
  EXPECT_TRUE(api::IsNotFound(registry->Delete("default", "d", {}).status()));
}

TEST_F(RegistryTest, ServicesGetClusterIpsAndNodePorts) {
  auto registry = Make(TypeOf("", "Service"));
  json service = {{"metadata", {{"name", "web"}}},
                  {"spec", {{"type", "NodePort"}, {"ports", {{{"port", 80}}}}}}};
  json created = Parse(*registry->Create("default", service, {}));
  std::string ip = created["spec"]["clusterIP"];
  EXPECT_EQ(ip.rfind("10.43.", 0), 0u);
  int64_t node_port = created["spec"]["ports"][0]["nodePort"];
  EXPECT_GE(node_port, 30000);
  EXPECT_LE(node_port, 32767);
  EXPECT_EQ(created["spec"]["ports"][0]["targetPort"], 80);

  json taken = {{"metadata", {{"name", "other"}}},
                {"spec", {{"clusterIP", ip}, {"ports", {{{"port", 81}}}}}}};
  absl::StatusOr<ObjectRef> conflict = registry->Create("default", taken, {});
  EXPECT_EQ(api::ToHttpError(conflict.status()).code, 422);
  EXPECT_NE(std::string(conflict.status().message()).find("provided IP is already allocated"),
            std::string::npos);

  ASSERT_TRUE(registry->Delete("default", "web", {}).ok());
  EXPECT_TRUE(registry->Create("default", taken, {}).ok());  // the address was released
}

TEST_F(RegistryTest, PodBoundToANodeDeletesGracefully) {
  auto registry = Make(TypeOf("", "Pod"));
  json pod = {
      {"metadata", {{"name", "p"}}},
      {"spec", {{"nodeName", "n1"}, {"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  registry->Create("default", pod, {}).IgnoreError();
  absl::StatusOr<DeleteResult> marked = registry->Delete("default", "p", {});
  ASSERT_TRUE(marked.ok());
  EXPECT_FALSE(marked->deleted);
  EXPECT_EQ(Parse(marked->object)["metadata"]["deletionGracePeriodSeconds"], 30);
  DeleteOptions now;
  now.grace_period_seconds = 0;
  absl::StatusOr<DeleteResult> forced = registry->Delete("default", "p", now);
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(forced->deleted);
}

TEST_F(RegistryTest, OnlyBindingAssignsANode) {
  auto registry = Make(TypeOf("", "Pod"));
  json pod = {{"metadata", {{"name", "p"}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  registry->Create("default", pod, {}).IgnoreError();
  absl::StatusOr<ObjectRef> moved =
      registry->Patch("default", "p", PatchType::kMerge, {{"spec", {{"nodeName", "n1"}}}}, "", {});
  EXPECT_EQ(api::ToHttpError(moved.status()).code, 422);
  auto bind = [](json& object) {
    object["spec"]["nodeName"] = "n1";
    return absl::OkStatus();
  };
  absl::StatusOr<ObjectRef> bound = registry->GuaranteedUpdate("default", "p", bind, "binding", {});
  ASSERT_TRUE(bound.ok()) << bound.status();
  EXPECT_EQ(Parse(*bound)["spec"]["nodeName"], "n1");
}

TEST_F(RegistryTest, HugeGracePeriodsStayValidTimestamps) {
  auto registry = Make(TypeOf("", "Pod"));
  json pod = {
      {"metadata", {{"name", "p"}}},
      {"spec", {{"nodeName", "n1"}, {"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
  registry->Create("default", pod, {}).IgnoreError();
  DeleteOptions options;
  options.grace_period_seconds = int64_t{300'000'000'000};
  absl::StatusOr<DeleteResult> marked = registry->Delete("default", "p", options);
  ASSERT_TRUE(marked.ok()) << marked.status();
  std::string timestamp = Parse(marked->object)["metadata"]["deletionTimestamp"];
  EXPECT_EQ(timestamp.size(), 20u) << timestamp;  // "YYYY-MM-DDTHH:MM:SSZ"
}

}  // namespace
}  // namespace k1s::apiserver
