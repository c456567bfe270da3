#include "api/server_side_apply.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/tests/apply_test_catalog.h"

namespace k1s::api {
namespace {

using nlohmann::json;
using testing::Deployment;

constexpr int64_t kNanos = 1'000'000'000;

ApplyRequest Request(const std::string& manager, int64_t seconds, bool force = false) {
  ApplyRequest request;
  request.manager = manager;
  request.api_version = "apps/v1";
  request.kind = "Deployment";
  request.name = "web";
  request.now_nanos = seconds * kNanos;
  request.reset_fields = FieldSet{MakeFieldPath({"status"})};
  request.force = force;
  return request;
}

FieldManagerRequest UpdateRequest(const std::string& manager, int64_t seconds) {
  FieldManagerRequest request;
  request.manager = manager;
  request.api_version = "apps/v1";
  request.now_nanos = seconds * kNanos;
  request.reset_fields = FieldSet{MakeFieldPath({"status"})};
  return request;
}

json Config(int replicas, const std::string& image = "nginx:1") {
  json config = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
      "selector": {"matchLabels": {"app": "web"}},
      "template": {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "ports": [{"containerPort": 80}]}]}
      }
    }
  })");
  config["spec"]["replicas"] = replicas;
  config["spec"]["template"]["spec"]["containers"][0]["image"] = image;
  return config;
}

json Stored(const json& object) {
  json stored = object;
  stored["metadata"]["uid"] = "u1";
  return stored;
}

json Entries(const json& object) { return object["metadata"].value("managedFields", json()); }

json Body(const absl::Status& status) { return json::parse(ToHttpError(status).body); }

// Created by kubectl's client-side apply: an Update entry owning everything.
json CreatedClientSide(int replicas) {
  return UpdateManagedFields(Deployment(), nullptr, Stored(Config(replicas)),
                             UpdateRequest("kubectl-client-side-apply", 1));
}

TEST(ServerSideApplyTest, CreateOwnsTheAppliedFields) {
  absl::StatusOr<json> created = Apply(Deployment(), nullptr, Config(2), Request("kubectl", 60));
  ASSERT_TRUE(created.ok()) << created.status();
  json entries = Entries(*created);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], json::parse(R"({
    "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1",
    "time": "1970-01-01T00:01:00Z", "fieldsType": "FieldsV1",
    "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}},
                 "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {
                   "f:metadata": {"f:labels": {"f:app": {}}},
                   "f:spec": {"f:containers": {"k:{\"name\":\"nginx\"}": {
                     ".": {}, "f:image": {}, "f:name": {}, "f:ports": {
                       "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {
                         ".": {}, "f:containerPort": {}}}}}}}}}})"));
  json object = *created;
  object["metadata"].erase("managedFields");
  EXPECT_EQ(object, Config(2));
}

TEST(ServerSideApplyTest, ConflictWithAnUpdater) {
  json live = CreatedClientSide(3);
  absl::StatusOr<json> applied = Apply(Deployment(), &live, Config(5), Request("kubectl", 10));
  ASSERT_FALSE(applied.ok());
  EXPECT_TRUE(IsConflict(applied.status()));
  EXPECT_EQ(applied.status().message(),
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using "
            "apps/v1: .spec.replicas");
  json body = Body(applied.status());
  EXPECT_EQ(ToHttpError(applied.status()).code, 409);
  EXPECT_EQ(body["reason"], "Conflict");
  EXPECT_EQ(body["details"], json::parse(R"({"causes": [{"reason": "FieldManagerConflict",
      "message": "conflict with \"kubectl-client-side-apply\" using apps/v1",
      "field": ".spec.replicas"}]})"));
}

TEST(ServerSideApplyTest, SeveralConflictsGroupedByManager) {
  json live = CreatedClientSide(3);
  json minimal = json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "web"}, "spec": {"replicas": 3, "paused": true}})");
  absl::StatusOr<json> other = Apply(Deployment(), &live, minimal, Request("other", 5));
  ASSERT_TRUE(other.ok()) << other.status();

  // "other" applied replicas with the same value: it shares it with the updater.
  absl::StatusOr<json> applied =
      Apply(Deployment(), &*other, Config(4, "nginx:2"), Request("deployer", 10));
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().message(),
            "Apply failed with 3 conflicts: conflicts with \"kubectl-client-side-apply\" using "
            "apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image\n"
            "conflicts with \"other\":\n- .spec.replicas");
  json causes = Body(applied.status())["details"]["causes"];
  ASSERT_EQ(causes.size(), 3u);
  EXPECT_EQ(causes[1]["field"], ".spec.template.spec.containers[name=\"nginx\"].image");
  EXPECT_EQ(causes[1]["message"], "conflict with \"kubectl-client-side-apply\" using apps/v1");
  EXPECT_EQ(causes[2]["message"], "conflict with \"other\"");
  EXPECT_EQ(causes[2]["reason"], "FieldManagerConflict");

  json paused = Config(4, "nginx:2");
  paused["spec"]["paused"] = false;
  applied = Apply(Deployment(), &*other, paused, Request("deployer", 10));
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().message(),
            "Apply failed with 4 conflicts: conflicts with \"kubectl-client-side-apply\" using "
            "apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image\n"
            "conflicts with \"other\":\n- .spec.paused\n- .spec.replicas");
}

TEST(ServerSideApplyTest, SameValuesShareOwnershipAndForceTakesIt) {
  json live = CreatedClientSide(3);
  absl::StatusOr<json> shared = Apply(Deployment(), &live, Config(3), Request("kubectl", 10));
  ASSERT_TRUE(shared.ok()) << shared.status();
  json entries = Entries(*shared);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["manager"], "kubectl");
  EXPECT_EQ(entries[1]["manager"], "kubectl-client-side-apply");
  // Nothing changed: the applier's entry has no time.
  EXPECT_FALSE(entries[0].contains("time"));
  EXPECT_TRUE(FieldSet::FromFieldsV1(entries[1]["fieldsV1"])
                  ->Has(MakeFieldPath({"spec", "replicas"})));

  absl::StatusOr<json> forced =
      Apply(Deployment(), &*shared, Config(5), Request("kubectl", 20, /*force=*/true));
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ((*forced)["spec"]["replicas"], 5);
  entries = Entries(*forced);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["time"], "1970-01-01T00:00:20Z");
  EXPECT_FALSE(FieldSet::FromFieldsV1(entries[1]["fieldsV1"])
                   ->Has(MakeFieldPath({"spec", "replicas"})));
  EXPECT_TRUE(
      FieldSet::FromFieldsV1(entries[0]["fieldsV1"])->Has(MakeFieldPath({"spec", "replicas"})));
}

json WithLabels(const std::vector<std::string>& labels) {
  json config = Config(1);
  for (const std::string& label : labels) config["metadata"]["labels"][label] = "v";
  return config;
}

TEST(ServerSideApplyTest, FieldsNoLongerAppliedAreRemovedUnlessOwnedElsewhere) {
  absl::StatusOr<json> first =
      Apply(Deployment(), nullptr, WithLabels({"a", "b"}), Request("m1", 1));
  ASSERT_TRUE(first.ok()) << first.status();
  json live = Stored(*first);
  absl::StatusOr<json> second = Apply(Deployment(), &live, WithLabels({"a"}), Request("m1", 2));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*second)["metadata"]["labels"], json::parse(R"({"app": "web", "a": "v"})"));

  // m2 applies b too: when m1 drops it, it stays.
  absl::StatusOr<json> shared = Apply(Deployment(), &live, WithLabels({"b"}), Request("m2", 3));
  ASSERT_TRUE(shared.ok()) << shared.status();
  absl::StatusOr<json> kept = Apply(Deployment(), &*shared, WithLabels({"a"}), Request("m1", 4));
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ((*kept)["metadata"]["labels"], json::parse(R"({"app": "web", "a": "v", "b": "v"})"));

  // An updater that changed b took it from m1: it stays too.
  json updated = live;
  updated["metadata"]["labels"]["b"] = "changed";
  updated = UpdateManagedFields(Deployment(), &live, updated, UpdateRequest("editor", 5));
  absl::StatusOr<json> edited =
      Apply(Deployment(), &updated, WithLabels({"a"}), Request("m1", 6));
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ((*edited)["metadata"]["labels"]["b"], "changed");
}

TEST(ServerSideApplyTest, ListItemsMergeByKey) {
  json created = Stored(Config(1));
  created["spec"]["template"]["spec"]["containers"] = json::parse(
      R"([{"name": "a", "image": "a:1"}, {"name": "nginx", "image": "nginx:1",
          "ports": [{"containerPort": 80, "protocol": "TCP"}]}])");
  json live = UpdateManagedFields(Deployment(), nullptr, created, UpdateRequest("creator", 1));
  json config = Config(1);
  config["spec"]["template"]["spec"]["containers"][0]["args"] = json::array({"-v"});
  absl::StatusOr<json> applied = Apply(Deployment(), &live, config, Request("m", 2));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ((*applied)["spec"]["template"]["spec"]["containers"], json::parse(R"([
      {"name": "a", "image": "a:1"},
      {"name": "nginx", "image": "nginx:1", "args": ["-v"],
       "ports": [{"containerPort": 80, "protocol": "TCP"}]}])"));
}

TEST(ServerSideApplyTest, UntrackedObjectsGiveTheirFieldsToBeforeFirstApply) {
  json live = Stored(Config(3));
  absl::StatusOr<json> applied = Apply(Deployment(), &live, Config(5), Request("m", 2));
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.status().message(),
            "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: "
            ".spec.replicas");
  applied = Apply(Deployment(), &live, Config(3), Request("m", 2));
  ASSERT_TRUE(applied.ok()) << applied.status();
  json entries = Entries(*applied);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1]["manager"], "before-first-apply");
  EXPECT_EQ(entries[1]["operation"], "Update");
}

TEST(ServerSideApplyTest, NoOpApplyKeepsObjectAndTime) {
  absl::StatusOr<json> first = Apply(Deployment(), nullptr, Config(2), Request("m", 10));
  ASSERT_TRUE(first.ok()) << first.status();
  json live = Stored(*first);
  absl::StatusOr<json> second = Apply(Deployment(), &live, Config(2), Request("m", 20));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, live);
  EXPECT_EQ(Entries(*second)[0]["time"], "1970-01-01T00:00:10Z");
}

TEST(ServerSideApplyTest, NullsAreOwnedAndDropped) {
  absl::StatusOr<json> first = Apply(Deployment(), nullptr, Config(2), Request("m", 1));
  ASSERT_TRUE(first.ok());
  json live = Stored(*first);
  json config = Config(2);
  config["spec"]["replicas"] = nullptr;
  absl::StatusOr<json> applied = Apply(Deployment(), &live, config, Request("m", 2));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_FALSE((*applied)["spec"].contains("replicas"));
  EXPECT_TRUE(FieldSet::FromFieldsV1(Entries(*applied)[0]["fieldsV1"])
                  ->Has(MakeFieldPath({"spec", "replicas"})));
}

TEST(ServerSideApplyTest, KubectlUpgradesFromClientSideApply) {
  json config = Config(3);
  json created = Stored(config);
  created["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", config.dump() + "\n"}};
  json live =
      UpdateManagedFields(Deployment(), nullptr, created,
                          UpdateRequest("kubectl-client-side-apply", 1));
  // Another manager than kubectl gets the conflict.
  EXPECT_TRUE(IsConflict(Apply(Deployment(), &live, Config(5), Request("other", 2)).status()));

  absl::StatusOr<json> applied = Apply(Deployment(), &live, Config(5), Request("kubectl", 2));
  ASSERT_TRUE(applied.ok()) << applied.status();
  EXPECT_EQ((*applied)["spec"]["replicas"], 5);
  const char* annotation = "kubectl.kubernetes.io/last-applied-configuration";
  EXPECT_EQ((*applied)["metadata"]["annotations"][annotation], Config(5).dump() + "\n");
  json entries = Entries(*applied);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["manager"], "kubectl");
  EXPECT_FALSE(FieldSet::FromFieldsV1(entries[1]["fieldsV1"])
                   ->Has(MakeFieldPath({"spec", "replicas"})));
}

TEST(ServerSideApplyTest, RejectsBadAppliedObjects) {
  json wrong_kind = Config(1);
  wrong_kind["kind"] = "StatefulSet";
  absl::Status status = Apply(Deployment(), nullptr, wrong_kind, Request("m", 1)).status();
  EXPECT_EQ(ToHttpError(status).code, 400);
  EXPECT_EQ(status.message(), "invalid object type: apps/v1, Kind=StatefulSet");
  json core = Config(1);
  core["apiVersion"] = "v1";
  EXPECT_EQ(Apply(Deployment(), nullptr, core, Request("m", 1)).status().message(),
            "invalid object type: /v1, Kind=Deployment");

  json managed = Config(1);
  managed["metadata"]["managedFields"] = json::array();
  status = Apply(Deployment(), nullptr, managed, Request("m", 1)).status();
  EXPECT_EQ(ToHttpError(status).code, 400);
  EXPECT_EQ(status.message(), "metadata.managedFields must be nil");
  managed["metadata"]["managedFields"] = nullptr;
  EXPECT_TRUE(Apply(Deployment(), nullptr, managed, Request("m", 1)).ok());

  json unknown = Config(1);
  unknown["metadata"]["namespace"] = "default";
  unknown["spec"]["replicaz"] = 1;
  status = Apply(Deployment(), nullptr, unknown, Request("m", 1)).status();
  EXPECT_EQ(ToHttpError(status).code, 500);
  EXPECT_EQ(status.message(),
            "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): "
            ".spec.replicaz: field not declared in schema");

  json renamed = Config(1);
  renamed["metadata"]["name"] = "other";
  status = Apply(Deployment(), nullptr, renamed, Request("m", 1)).status();
  EXPECT_EQ(ToHttpError(status).code, 400);
  EXPECT_EQ(status.message(),
            "the name of the object (other) does not match the name on the URL (web)");
  json nameless = Config(1);
  nameless["metadata"].erase("name");
  EXPECT_EQ(Apply(Deployment(), nullptr, nameless, Request("m", 1)).status().message(),
            "the name of the object (web based on URL) was undeterminable: name must be "
            "provided");
}

TEST(ServerSideApplyBuiltinTest, DeploymentWithTheBuiltinCatalog) {
  const schema::Definition* deployment =
      schema::Catalog::Builtin().ForKind("apps", "v1", "Deployment");
  ASSERT_NE(deployment, nullptr);
  json config = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"},
                 "annotations": {"a": "b"}},
    "spec": {
      "replicas": 2,
      "selector": {"matchLabels": {"app": "web"}},
      "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
      "template": {
        "metadata": {"labels": {"app": "web"}},
        "spec": {
          "nodeSelector": {"disk": "ssd"},
          "containers": [{"name": "nginx", "image": "nginx:1", "command": ["nginx"],
                          "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}],
                          "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}]
        }
      }
    }
  })");
  absl::StatusOr<json> created = Apply(*deployment, nullptr, config, Request("kubectl", 1));
  ASSERT_TRUE(created.ok()) << created.status();
  json entries = Entries(*created);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(FieldSet::FromFieldsV1(entries[0]["fieldsV1"])->ToFieldsV1String(),
            R"({"f:metadata":{"f:annotations":{"f:a":{}},"f:labels":{"f:app":{}}},)"
            R"("f:spec":{"f:replicas":{},"f:selector":{},"f:strategy":{"f:rollingUpdate":{)"
            R"("f:maxSurge":{}},"f:type":{}},"f:template":{"f:metadata":{"f:labels":{)"
            R"("f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},)"
            R"("f:command":{},"f:env":{"k:{\"name\":\"A\"}":{".":{},"f:name":{},)"
            R"("f:value":{}}},"f:image":{},"f:name":{},"f:ports":{)"
            R"("k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}},)"
            R"("f:resources":{"f:limits":{"f:cpu":{},"f:memory":{}}}}},"f:nodeSelector":{}}}}})");

  // A controller scales through an update; the next apply of another count conflicts.
  json live = Stored(*created);
  json scaled = live;
  scaled["spec"]["replicas"] = 5;
  scaled = UpdateManagedFields(*deployment, &live, scaled, UpdateRequest("hpa-controller", 2));
  absl::StatusOr<json> reapplied = Apply(*deployment, &scaled, config, Request("kubectl", 3));
  ASSERT_FALSE(reapplied.ok());
  EXPECT_EQ(reapplied.status().message(),
            "Apply failed with 1 conflict: conflict with \"hpa-controller\" using apps/v1: "
            ".spec.replicas");
  // Without replicas in the configuration, the apply goes through and keeps 5.
  config["spec"].erase("replicas");
  reapplied = Apply(*deployment, &scaled, config, Request("kubectl", 3));
  ASSERT_TRUE(reapplied.ok()) << reapplied.status();
  EXPECT_EQ((*reapplied)["spec"]["replicas"], 5);

  config["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x";
  EXPECT_EQ(Apply(*deployment, &scaled, config, Request("kubectl", 4)).status().message(),
            "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): "
            ".spec.template.spec.containers[name=\"nginx\"].imagee: field not declared in "
            "schema");
}

TEST(ServerSideApplyBuiltinTest, CreateEntryWithTheBuiltinCatalog) {
  const schema::Definition* deployment =
      schema::Catalog::Builtin().ForKind("apps", "v1", "Deployment");
  ASSERT_NE(deployment, nullptr);
  json object = Stored(json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})"));
  json created =
      UpdateManagedFields(*deployment, nullptr, object, UpdateRequest("kubectl-create", 7));
  // As kube-apiserver writes it for `kubectl create deployment` (before defaulting).
  EXPECT_EQ(FieldSet::FromFieldsV1(Entries(created)[0]["fieldsV1"])->ToFieldsV1String(),
            R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},)"
            R"("f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},)"
            R"("f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},)"
            R"("f:name":{}}}}}}})");
}

}  // namespace
}  // namespace k1s::api
