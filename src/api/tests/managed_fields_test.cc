#include "api/managed_fields.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/tests/apply_test_catalog.h"

namespace k1s::api {
namespace {

using nlohmann::json;
using testing::Deployment;

constexpr int64_t kNanos = 1'000'000'000;

FieldSet Decode(const std::string& text) {
  absl::StatusOr<FieldSet> set = FieldSet::FromFieldsV1(json::parse(text));
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *set : FieldSet();
}

TEST(FieldSetTest, FieldsV1RoundTripsUpstreamBytes) {
  const std::string text =
      R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{)"
      R"("k:{\"name\":\"nginx\"}":{".":{},"f:image":{}}}}})";
  FieldSet set = Decode(text);
  EXPECT_EQ(set.ToFieldsV1String(), text);
  EXPECT_EQ(set.ToFieldsV1(), json::parse(text));
  EXPECT_EQ(set.ToString(),
            ".metadata.labels\n.metadata.labels.app\n.spec.containers[name=\"nginx\"]\n"
            ".spec.containers[name=\"nginx\"].image");
  EXPECT_EQ(set.Size(), 4u);
  EXPECT_TRUE(set.Has(MakeFieldPath({"metadata", "labels"})));
  EXPECT_FALSE(set.Has(MakeFieldPath({"metadata"})));
}

TEST(FieldSetTest, ElementsSerializeAndOrderAsUpstream) {
  FieldSet set;
  FieldPath ports = MakeFieldPath({"ports"});
  for (int port : {443, 80}) {
    FieldPath path = ports;
    path.push_back(PathElement::Key(json{{"protocol", "TCP"}, {"containerPort", port}}));
    set.Insert(path);
  }
  FieldPath finalizer = MakeFieldPath({"finalizers"});
  finalizer.push_back(PathElement::Value("a<b"));
  set.Insert(finalizer);
  FieldPath index = MakeFieldPath({"args"});
  index.push_back(PathElement::Index(2));
  set.Insert(index);
  // Keys compare by value (80 before 443), not as text; "<" is escaped in the element, and that
  // backslash again in the FieldsV1 key.
  EXPECT_EQ(set.ToFieldsV1String(),
            R"({"f:args":{"i:2":{}},"f:finalizers":{"v:\"a\\u003cb\"":{}},"f:ports":{)"
            R"("k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{},)"
            R"("k:{\"containerPort\":443,\"protocol\":\"TCP\"}":{}}})");
  EXPECT_EQ(set.ToString(),
            ".args[2]\n.finalizers[=\"a<b\"]\n.ports[containerPort=80,protocol=\"TCP\"]\n"
            ".ports[containerPort=443,protocol=\"TCP\"]");
  FieldSet decoded = Decode(set.ToFieldsV1String());
  EXPECT_EQ(decoded, set);
}

TEST(FieldSetTest, DecodeSkipsUnknownElementTypesAndRejectsBadKeys) {
  FieldSet set = Decode(R"({"f:a":{},"z:future":{},"f:b":{"x:y":{}}})");
  // "f:b" holds only an unknown element: it is a member.
  EXPECT_EQ(set.ToString(), ".a\n.b");
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"fa":{}})")).ok());
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"k:{bad":{}})")).ok());
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"({"i:x":{}})")).ok());
  EXPECT_FALSE(FieldSet::FromFieldsV1(json::parse(R"([])")).ok());
}

TEST(FieldSetTest, SetOperations) {
  FieldSet a{MakeFieldPath({"a"}), MakeFieldPath({"b", "c"}), MakeFieldPath({"b", "d"})};
  FieldSet b{MakeFieldPath({"b", "c"}), MakeFieldPath({"e"})};
  EXPECT_EQ(a.Union(b).ToString(), ".a\n.e\n.b.c\n.b.d");
  EXPECT_EQ(a.Intersection(b).ToString(), ".b.c");
  EXPECT_EQ(a.Difference(b).ToString(), ".a\n.b.d");
  FieldSet b_node{MakeFieldPath({"b"})};
  EXPECT_EQ(a.Difference(b_node).ToString(), ".a\n.b.c\n.b.d");
  EXPECT_EQ(a.RecursiveDifference(b_node).ToString(), ".a");
  EXPECT_EQ(a.WithPrefix(PathElement::Field("b")).ToString(), ".c\n.d");
  EXPECT_TRUE(a.Intersection(FieldSet{MakeFieldPath({"z"})}).Empty());
  EXPECT_TRUE(FieldSet().Empty());
  EXPECT_EQ(FieldSet().ToFieldsV1String(), "{}");
}

json DeploymentConfig() {
  return json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
      "replicas": 2,
      "selector": {"matchLabels": {"app": "web"}},
      "template": {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "nginx", "image": "nginx:1", "args": ["a"],
                                  "ports": [{"containerPort": 80}]}]}
      }
    }
  })");
}

TEST(FieldSetOfTest, AppliedConfiguration) {
  FieldSet set = FieldSetOf(Deployment(), DeploymentConfig());
  // Ports are keyed by containerPort and protocol, whose default is TCP; the selector is an
  // atomic struct and args an atomic list: leaves.
  EXPECT_EQ(set.ToFieldsV1String(),
            R"({"f:apiVersion":{},"f:kind":{},"f:metadata":{"f:labels":{"f:app":{}},)"
            R"("f:name":{}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{)"
            R"("f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{)"
            R"("k:{\"name\":\"nginx\"}":{".":{},"f:args":{},"f:image":{},"f:name":{},)"
            R"("f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},)"
            R"("f:containerPort":{}}}}}}}}})");
}

TEST(FieldSetOfTest, EmptyValuesSetsAndInferredMergeLists) {
  json object = json::parse(R"({
    "metadata": {"labels": {}, "finalizers": ["b", "a"], "annotations": null},
    "spec": {"template": {"spec": {"containers": [
      {"name": "c", "env": [{"name": "X", "value": "1"}]}
    ], "nodeSelector": {"k": "v"}, "extra": {"any": [1]}}}}
  })");
  EXPECT_EQ(FieldSetOf(Deployment(), object).ToString(),
            ".metadata.annotations\n.metadata.labels\n.metadata.finalizers[=\"a\"]\n"
            ".metadata.finalizers[=\"b\"]\n.spec.template.spec.extra\n"
            ".spec.template.spec.containers[name=\"c\"]\n"
            ".spec.template.spec.containers[name=\"c\"].name\n"
            ".spec.template.spec.containers[name=\"c\"].env[name=\"X\"]\n"
            ".spec.template.spec.containers[name=\"c\"].env[name=\"X\"].name\n"
            ".spec.template.spec.containers[name=\"c\"].env[name=\"X\"].value\n"
            ".spec.template.spec.nodeSelector.k");
}

TEST(FieldSetOfTest, DuplicatedItemsAreOwnedWhole) {
  json object = json::parse(
      R"({"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x"},
                                                         {"name": "a", "image": "y"}]}}}})");
  EXPECT_EQ(FieldSetOf(Deployment(), object).ToString(),
            ".spec.template.spec.containers[name=\"a\"]");
}

TEST(CompareObjectsTest, AddedModifiedRemoved) {
  json before = json::parse(
      R"({"metadata": {"name": "a", "labels": {"x": "1"}},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}}}})");
  json after = json::parse(
      R"({"metadata": {"name": "a", "annotations": {"n": "v"}},
          "spec": {"replicas": 2, "selector": {"matchLabels": {"a": "c"}}, "paused": true}})");
  FieldComparison compare = CompareObjects(Deployment(), &before, &after);
  // A new map is added as a node as well as its keys.
  EXPECT_EQ(compare.added.ToFieldsV1String(),
            R"({"f:metadata":{"f:annotations":{".":{},"f:n":{}}},"f:spec":{"f:paused":{}}})");
  EXPECT_EQ(compare.modified.ToString(), ".spec.replicas\n.spec.selector");
  EXPECT_EQ(compare.removed.ToString(), ".metadata.labels\n.metadata.labels.x");
  EXPECT_TRUE(CompareObjects(Deployment(), &before, &before).Same());
}

TEST(CompareObjectsTest, ListItemsByKey) {
  json before = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "a", "image": "1"}, {"name": "b", "image": "1"}]}}}})");
  json after = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "b", "image": "2"}, {"name": "c", "image": "1"}]}}}})");
  FieldComparison compare = CompareObjects(Deployment(), &before, &after);
  const std::string c = ".spec.template.spec.containers";
  EXPECT_EQ(compare.modified.ToString(), c + "[name=\"b\"].image");
  EXPECT_EQ(compare.added.ToString(),
            c + "[name=\"c\"]\n" + c + "[name=\"c\"].image\n" + c + "[name=\"c\"].name");
  EXPECT_EQ(compare.removed.ToString(),
            c + "[name=\"a\"]\n" + c + "[name=\"a\"].image\n" + c + "[name=\"a\"].name");
}

TEST(MergeObjectsTest, MergesByKeyAndKeepsLiveOrder) {
  json live = json::parse(R"({"metadata": {"labels": {"a": "1", "b": "2"}},
    "spec": {"selector": {"matchLabels": {"x": "1", "y": "2"}},
             "template": {"spec": {"containers": [
      {"name": "a", "image": "1", "args": ["x", "y"]},
      {"name": "b", "image": "1"},
      {"name": "c", "image": "1"}]}}}})");
  json applied = json::parse(R"({"metadata": {"labels": {"b": "3"}},
    "spec": {"selector": {"matchLabels": {"z": "1"}},
             "template": {"spec": {"containers": [
      {"name": "d", "image": "2"}, {"name": "a", "args": ["z"]}]}}}})");
  absl::StatusOr<json> merged = MergeObjects(Deployment(), live, applied);
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(*merged, json::parse(R"({"metadata": {"labels": {"a": "1", "b": "3"}},
    "spec": {"selector": {"matchLabels": {"z": "1"}},
             "template": {"spec": {"containers": [
      {"name": "d", "image": "2"},
      {"name": "a", "image": "1", "args": ["z"]},
      {"name": "b", "image": "1"},
      {"name": "c", "image": "1"}]}}}})"));
}

TEST(MergeObjectsTest, DuplicateAppliedItemsFail) {
  json applied = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "a"}, {"name": "a"}]}}}})");
  absl::StatusOr<json> merged = MergeObjects(Deployment(), json::object(), applied);
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().message(),
            ".spec.template.spec.containers: duplicate entries for key [name=\"a\"]");
}

TEST(RemoveFieldsTest, RemovesPathsAndSubtrees) {
  json object = json::parse(R"({"metadata": {"labels": {"a": "1", "b": "2"}},
    "spec": {"replicas": 1, "template": {"spec": {"containers": [
      {"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}}}})");
  FieldPath container_b = MakeFieldPath({"spec", "template", "spec", "containers"});
  container_b.push_back(PathElement::Key(json{{"name", "b"}}));
  FieldSet remove{MakeFieldPath({"metadata", "labels", "b"}), MakeFieldPath({"spec", "replicas"}),
                  container_b};
  EXPECT_EQ(RemoveFields(Deployment(), object, remove), json::parse(R"({
    "metadata": {"labels": {"a": "1"}},
    "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "1"}]}}}})"));
}

TEST(EnsureNamedFieldsAreMembersTest, AddsStructMembersOnly) {
  FieldSet set{MakeFieldPath({"metadata", "labels", "a"}), MakeFieldPath({"spec", "replicas"})};
  EXPECT_EQ(EnsureNamedFieldsAreMembers(Deployment(), set).ToString(),
            ".metadata\n.spec\n.metadata.labels\n.metadata.labels.a\n.spec.replicas");
}

TEST(ValidateTypedTest, UpstreamMessages) {
  EXPECT_EQ(ValidateTyped(Deployment(), DeploymentConfig(), false), "");
  EXPECT_EQ(ValidateTyped(Deployment(), json::parse(R"({"spec": {"replicaz": 1}})"), false),
            ".spec.replicaz: field not declared in schema");
  json ports = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "c", "ports": [{"protocol": "UDP"}]}]}}}})");
  EXPECT_EQ(ValidateTyped(Deployment(), ports, false),
            ".spec.template.spec.containers[name=\"c\"].ports: element 0: associative list with "
            "keys has an element that omits key field \"containerPort\" (and doesn't have "
            "default value)");
  json duplicates = json::parse(R"({"spec": {"template": {"spec": {"containers": [
      {"name": "c", "env": [{"name": "A"}, {"name": "A"}],
       "ports": [{"containerPort": 1}, {"containerPort": 1, "protocol": "TCP"}]}]}}}})");
  EXPECT_EQ(ValidateTyped(Deployment(), duplicates, false),
            "errors:\n"
            "  .spec.template.spec.containers[name=\"c\"].env: duplicate entries for key "
            "[name=\"A\"]\n"
            "  .spec.template.spec.containers[name=\"c\"].ports: duplicate entries for key "
            "[containerPort=1,protocol=\"TCP\"]");
  EXPECT_EQ(ValidateTyped(Deployment(), duplicates, true), "");
  EXPECT_EQ(ValidateTyped(Deployment(), json::parse(R"({"spec": {"replicas": "x"}})"), false),
            ".spec.replicas: expected numeric (int or float), got string");
}

TEST(ManagedFieldsCodecTest, DecodeErrors) {
  auto error = [](const char* text) {
    return std::string(DecodeManagedFields(json::parse(text)).status().message());
  };
  EXPECT_EQ(error(R"([{"manager": "m", "operation": "Patch", "apiVersion": "v1"}])"),
            "operation must be `Apply` or `Update`");
  EXPECT_EQ(error(R"([{"manager": "m", "operation": "Apply"}])"), "apiVersion must not be empty");
  EXPECT_EQ(error(R"([{"manager": "m", "operation": "Apply", "apiVersion": "v1"}])"),
            "missing fieldsType in managed fields entry 0");
  EXPECT_EQ(error(R"([{"manager": "m", "operation": "Apply", "apiVersion": "v1",
                       "fieldsType": "FieldsV2"}])"),
            "invalid fieldsType \"FieldsV2\" in managed fields entry 0");
  EXPECT_TRUE(DecodeManagedFields(json(nullptr)).ok());
}

TEST(ManagedFieldsCodecTest, EncodesSortedEntries) {
  std::vector<ManagedFieldsEntry> entries(3);
  entries[0] = {"b", "Update", "apps/v1", 20, "", FieldSet{MakeFieldPath({"spec", "paused"})}};
  entries[1] = {"a", "Update", "apps/v1", 20, "status", FieldSet{MakeFieldPath({"status"})}};
  entries[2] = {"z", "Apply", "apps/v1", 30, "", FieldSet{MakeFieldPath({"spec", "replicas"})}};
  json encoded = EncodeManagedFields(entries);
  EXPECT_EQ(encoded, json::parse(R"([
    {"manager": "z", "operation": "Apply", "apiVersion": "apps/v1",
     "time": "1970-01-01T00:00:30Z", "fieldsType": "FieldsV1",
     "fieldsV1": {"f:spec": {"f:replicas": {}}}},
    {"manager": "a", "operation": "Update", "apiVersion": "apps/v1",
     "time": "1970-01-01T00:00:20Z", "fieldsType": "FieldsV1",
     "fieldsV1": {"f:status": {}}, "subresource": "status"},
    {"manager": "b", "operation": "Update", "apiVersion": "apps/v1",
     "time": "1970-01-01T00:00:20Z", "fieldsType": "FieldsV1",
     "fieldsV1": {"f:spec": {"f:paused": {}}}}])"));
  absl::StatusOr<std::vector<ManagedFieldsEntry>> decoded = DecodeManagedFields(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), 3u);
  EXPECT_EQ((*decoded)[1].subresource, "status");
  EXPECT_EQ((*decoded)[1].time, 20);
  EXPECT_EQ((*decoded)[2].fields, entries[0].fields);
}

TEST(ManagerIdentifierTest, AsUpstream) {
  EXPECT_EQ(ManagerIdentifier("kubectl", "Apply", "apps/v1", ""),
            R"({"manager":"kubectl","operation":"Apply"})");
  EXPECT_EQ(ManagerIdentifier("k", "Update", "v1", "status"),
            R"({"manager":"k","operation":"Update","apiVersion":"v1","subresource":"status"})");
}

TEST(ManagerFromUserAgentTest, PrefixBeforeSlash) {
  EXPECT_EQ(ManagerFromUserAgent("", "kubectl-client-side-apply/v1.32.0 (linux/amd64)"),
            "kubectl-client-side-apply");
  EXPECT_EQ(ManagerFromUserAgent("mine", "kubectl/v1.32.0"), "mine");
  EXPECT_EQ(ManagerFromUserAgent("", "a\tb/1"), "ab");
  EXPECT_EQ(ManagerFromUserAgent("", std::string(200, 'x')).size(), 128u);
}

FieldManagerRequest Request(const std::string& manager, int64_t seconds) {
  FieldManagerRequest request;
  request.manager = manager;
  request.api_version = "apps/v1";
  request.now_nanos = seconds * kNanos + 500;
  request.reset_fields = FieldSet{MakeFieldPath({"status"})};
  return request;
}

json Entries(const json& object) { return object["metadata"].value("managedFields", json()); }

TEST(UpdateManagedFieldsTest, CreateOwnsEverythingSet) {
  json created = json::parse(R"({"apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default", "uid": "u1",
                 "labels": {"app": "web"}},
    "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}},
    "status": {"replicas": 0}})");
  json out = UpdateManagedFields(Deployment(), nullptr, created,
                                 Request("kubectl-create", 1'700'000'000));
  json entries = Entries(out);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0]["manager"], "kubectl-create");
  EXPECT_EQ(entries[0]["operation"], "Update");
  EXPECT_EQ(entries[0]["apiVersion"], "apps/v1");
  EXPECT_EQ(entries[0]["time"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(entries[0]["fieldsType"], "FieldsV1");
  EXPECT_FALSE(entries[0].contains("subresource"));
  // Status is reset by the strategy; name, uid... are never owned.
  EXPECT_EQ(FieldSet::FromFieldsV1(entries[0]["fieldsV1"])->ToFieldsV1String(),
            R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},)"
            R"("f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},)"
            R"("f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},)"
            R"("f:name":{}}}}}}})");
  created.erase("status");
  out.erase("status");
  out["metadata"].erase("managedFields");
  EXPECT_EQ(out, created);
}

TEST(UpdateManagedFieldsTest, UpdateMovesChangedFieldsBetweenManagers) {
  json v1 = json::parse(R"({"metadata": {"name": "web", "uid": "u1", "labels": {"a": "1"}},
                            "spec": {"replicas": 1, "paused": false}})");
  json live = UpdateManagedFields(Deployment(), nullptr, v1, Request("creator", 100));
  json v2 = live;
  v2["spec"]["replicas"] = 3;
  v2["metadata"]["labels"].erase("a");
  json out = UpdateManagedFields(Deployment(), &live, v2, Request("scaler", 200));
  json entries = Entries(out);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["manager"], "creator");
  EXPECT_EQ(entries[0]["time"], "1970-01-01T00:01:40Z");
  // The removed label leaves the creator; the map node stays its own.
  EXPECT_EQ(entries[0]["fieldsV1"],
            json::parse(R"({"f:metadata":{"f:labels":{}},"f:spec":{"f:paused":{}}})"));
  EXPECT_EQ(entries[1]["manager"], "scaler");
  EXPECT_EQ(entries[1]["time"], "1970-01-01T00:03:20Z");
  EXPECT_EQ(entries[1]["fieldsV1"], json::parse(R"({"f:spec":{"f:replicas":{}}})"));

  // A write that changes nothing leaves entries and times alone.
  json same = UpdateManagedFields(Deployment(), &out, out, Request("other", 300));
  EXPECT_EQ(Entries(same), entries);

  // The same manager again: one entry, merged, with the new time.
  json v3 = out;
  v3["spec"]["paused"] = true;
  json again = UpdateManagedFields(Deployment(), &out, v3, Request("scaler", 400));
  ASSERT_EQ(Entries(again).size(), 2u);
  EXPECT_EQ(Entries(again)[0]["fieldsV1"], json::parse(R"({"f:metadata":{"f:labels":{}}})"));
  EXPECT_EQ(Entries(again)[1]["fieldsV1"],
            json::parse(R"({"f:spec":{"f:paused":{},"f:replicas":{}}})"));
  EXPECT_EQ(Entries(again)[1]["time"], "1970-01-01T00:06:40Z");
}

TEST(UpdateManagedFieldsTest, UntrackedObjectsStayUntracked) {
  json live = json::parse(R"({"metadata": {"name": "web", "uid": "u1"}, "spec": {"replicas": 1}})");
  json updated = live;
  updated["spec"]["replicas"] = 2;
  json out = UpdateManagedFields(Deployment(), &live, updated, Request("m", 1));
  EXPECT_FALSE(out["metadata"].contains("managedFields"));
  EXPECT_EQ(out, updated);
}

TEST(UpdateManagedFieldsTest, SentManagedFieldsResetOrReplaceOrAreIgnored) {
  json live = UpdateManagedFields(
      Deployment(), nullptr,
      json::parse(R"({"metadata": {"name": "web", "uid": "u1"}, "spec": {"replicas": 1}})"),
      Request("creator", 1));
  // No managedFields in the body: the live ones are kept.
  json body = live;
  body["metadata"].erase("managedFields");
  body["spec"]["paused"] = true;
  json kept = UpdateManagedFields(Deployment(), &live, body, Request("editor", 2));
  ASSERT_EQ(Entries(kept).size(), 2u);
  // An empty list resets them: the object becomes untracked.
  body["metadata"]["managedFields"] = json::array();
  json reset = UpdateManagedFields(Deployment(), &live, body, Request("editor", 2));
  EXPECT_FALSE(reset["metadata"].contains("managedFields"));
  // One empty entry resets them too.
  body["metadata"]["managedFields"] = json::array({json::object()});
  EXPECT_FALSE(UpdateManagedFields(Deployment(), &live, body, Request("editor", 2))["metadata"]
                   .contains("managedFields"));
  // Valid entries replace them.
  body["metadata"]["managedFields"] = json::parse(R"([{"manager": "x", "operation": "Apply",
      "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
      "fieldsV1": {"f:spec": {"f:replicas": {}}}}])");
  json replaced = UpdateManagedFields(Deployment(), &live, body, Request("editor", 2));
  ASSERT_EQ(Entries(replaced).size(), 2u);
  EXPECT_EQ(Entries(replaced)[0]["manager"], "x");
  EXPECT_EQ(Entries(replaced)[1]["manager"], "editor");
  EXPECT_EQ(Entries(replaced)[1]["fieldsV1"], json::parse(R"({"f:spec":{"f:paused":{}}})"));
  // Invalid ones are ignored.
  body["metadata"]["managedFields"] = json::parse(R"([{"manager": "x", "operation": "Bad"}])");
  EXPECT_EQ(Entries(UpdateManagedFields(Deployment(), &live, body, Request("e", 2))).size(), 2u);
}

TEST(UpdateManagedFieldsTest, SubresourceEntries) {
  json live = UpdateManagedFields(
      Deployment(), nullptr,
      json::parse(R"({"metadata": {"name": "web", "uid": "u1"}, "spec": {"replicas": 1}})"),
      Request("creator", 1));
  json updated = live;
  updated["status"] = {{"replicas", 1}};
  updated["metadata"]["managedFields"] = json::array();  // ignored for subresources
  FieldManagerRequest request = Request("kube-controller-manager", 5);
  request.subresource = "status";
  request.reset_fields = FieldSet{MakeFieldPath({"spec"})};
  json out = UpdateManagedFields(Deployment(), &live, updated, request);
  json entries = Entries(out);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1]["manager"], "kube-controller-manager");
  EXPECT_EQ(entries[1]["subresource"], "status");
  EXPECT_EQ(entries[1]["fieldsV1"], json::parse(R"({"f:status":{".":{},"f:replicas":{}}})"));
}

TEST(UpdateManagedFieldsTest, CapsUpdateManagers) {
  json object = json::parse(R"({"metadata": {"name": "web", "uid": "u1", "labels": {}}})");
  json live = UpdateManagedFields(Deployment(), nullptr, object, Request("m00", 0));
  for (int i = 1; i <= 11; ++i) {
    json updated = live;
    updated["metadata"]["labels"]["l" + std::to_string(i)] = "v";
    std::string name = (i < 10 ? "m0" : "m") + std::to_string(i);
    live = UpdateManagedFields(Deployment(), &live, updated, Request(name, i));
  }
  json entries = Entries(live);
  ASSERT_EQ(entries.size(), 10u);
  // m00..m02 (the oldest three) merged into one entry with the newest of their times.
  EXPECT_EQ(entries[0]["manager"], "ancient-changes");
  EXPECT_EQ(entries[0]["time"], "1970-01-01T00:00:02Z");
  EXPECT_EQ(entries[0]["fieldsV1"],
            json::parse(R"({"f:metadata":{"f:labels":{".":{},"f:l1":{},"f:l2":{}}}})"));
  EXPECT_EQ(entries[1]["manager"], "m03");
  EXPECT_EQ(entries[9]["manager"], "m11");
}

}  // namespace
}  // namespace k1s::api
