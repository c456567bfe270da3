#include "api/strategic_merge_patch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/patch_strategies.h"

namespace k1s::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json Apply(const json& document, const char* patch, std::string_view group = "",
           std::string_view kind = "Pod") {
  absl::StatusOr<json> result = ApplyStrategicMergePatch(document, json::parse(patch), group, kind);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : json();
}

absl::Status ApplyError(const json& document, const char* patch, std::string_view group = "",
                        std::string_view kind = "Pod") {
  absl::StatusOr<json> result = ApplyStrategicMergePatch(document, json::parse(patch), group, kind);
  EXPECT_FALSE(result.ok()) << result->dump();
  return result.status();
}

json TwoContainerPod() {
  return json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "default",
                 "labels": {"app": "web", "tier": "frontend"},
                 "annotations": {"note": "x", "keep": "y"}},
    "spec": {
      "containers": [
        {"name": "web", "image": "nginx:1.25",
         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
         "ports": [{"containerPort": 80, "protocol": "TCP"}]},
        {"name": "sidecar", "image": "busybox", "args": ["sleep", "3600"]}
      ],
      "tolerations": [{"key": "a", "operator": "Exists"}],
      "volumes": [{"name": "data", "emptyDir": {}}]
    }})");
}

TEST(StrategicMergePatchTest, EditContainerImageKeepsOtherContainers) {
  json pod = TwoContainerPod();
  json patched = Apply(pod, R"({"spec":{"$setElementOrder/containers":[{"name":"web"},
      {"name":"sidecar"}],"containers":[{"name":"web","image":"nginx:1.26"}]}})");
  json expected = pod;
  expected["spec"]["containers"][0]["image"] = "nginx:1.26";
  EXPECT_EQ(patched, expected);
  // Without $setElementOrder the merged item keeps its place too.
  EXPECT_EQ(Apply(pod, R"({"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}})"),
            expected);
}

TEST(StrategicMergePatchTest, AddEnvVarInDeploymentTemplate) {
  json deployment = json::parse(R"({"metadata":{"name":"d"},"spec":{"replicas":1,"template":{
      "metadata":{"labels":{"app":"d"}},
      "spec":{"containers":[{"name":"app","image":"i","env":[{"name":"A","value":"1"}]}]}}}})");
  json patched = Apply(deployment, R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"app"}],
      "containers":[{"name":"app","$setElementOrder/env":[{"name":"A"},{"name":"C"}],
                     "env":[{"name":"C","value":"3"}]}]}}}})",
                       "apps", "Deployment");
  EXPECT_EQ(patched["spec"]["template"]["spec"]["containers"],
            json::parse(R"([{"name":"app","image":"i",
                             "env":[{"name":"A","value":"1"},{"name":"C","value":"3"}]}])"));
  EXPECT_EQ(patched["spec"]["replicas"], 1);
}

TEST(StrategicMergePatchTest, NewItemWithoutOrderGoesFirstLikeUpstream) {
  // Upstream places patch items not known to the document ahead of the document's items.
  json patched =
      Apply(TwoContainerPod(), R"({"spec":{"containers":[{"name":"debug","image":"alpine"}]}})");
  std::vector<std::string> names;
  for (const json& c : patched["spec"]["containers"]) names.push_back(c["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"debug", "web", "sidecar"}));
}

TEST(StrategicMergePatchTest, RemoveContainerWithPatchDelete) {
  json patched = Apply(TwoContainerPod(), R"({"spec":{
      "$setElementOrder/containers":[{"name":"web"}],
      "containers":[{"$patch":"delete","name":"sidecar"}]}})");
  ASSERT_EQ(patched["spec"]["containers"].size(), 1u);
  EXPECT_EQ(patched["spec"]["containers"][0]["name"], "web");
  // Deleting an item that is not there is not an error.
  json again = Apply(patched, R"({"spec":{"containers":[{"$patch":"delete","name":"gone"}]}})");
  EXPECT_EQ(again, patched);
}

TEST(StrategicMergePatchTest, DeleteEnvVarByMergeKey) {
  json patched = Apply(TwoContainerPod(), R"({"spec":{"containers":[{"name":"web",
      "env":[{"$patch":"delete","name":"A"}]}]}})");
  EXPECT_EQ(patched["spec"]["containers"][0]["env"], json::parse(R"([{"name":"B","value":"2"}])"));
}

TEST(StrategicMergePatchTest, ReorderWithSetElementOrderKeepsServerOnlyItems) {
  // Upstream vector "set elements order in a list with server-only items 2", on containers.
  json pod = json::parse(R"({"spec":{"containers":[{"name":"1","other":"a"},{"name":"2","v":2},
      {"name":"9"},{"name":"3","v":3},{"name":"4","v":4}]}})");
  json patched = Apply(pod, R"({"spec":{"$setElementOrder/containers":[{"name":"2"},
      {"name":"1"},{"name":"4"},{"name":"3"}]}})");
  EXPECT_EQ(patched, json::parse(R"({"spec":{"containers":[{"name":"2","v":2},
      {"name":"1","other":"a"},{"name":"9"},{"name":"4","v":4},{"name":"3","v":3}]}})"));
}

TEST(StrategicMergePatchTest, SetElementOrderWithAddedItems) {
  // Upstream vector "merge lists of maps".
  json pod = json::parse(R"({"spec":{"containers":[{"name":"1","other":"a"},
      {"name":"2","value":2,"other":"b"}]}})");
  json patched = Apply(pod, R"({"spec":{
      "$setElementOrder/containers":[{"name":"4"},{"name":"1"},{"name":"2"},{"name":"3"}],
      "containers":[{"name":"4","value":4},{"name":"3","value":3}]}})");
  EXPECT_EQ(patched["spec"]["containers"], json::parse(R"([{"name":"4","value":4},
      {"name":"1","other":"a"},{"name":"2","value":2,"other":"b"},{"name":"3","value":3}])"));
}

TEST(StrategicMergePatchTest, DeleteAndReorderInTwoLists) {
  // Upstream vector "delete and reorder in one list, reorder in another".
  json pod = json::parse(R"({"spec":{
      "containers":[{"name":"a","value":"a"},{"name":"b","value":"b"}],
      "volumes":[{"name":"c","value":"c"},{"name":"d","value":"d"}]}})");
  json patched = Apply(pod, R"({"spec":{"$setElementOrder/containers":[{"name":"b"}],
      "$setElementOrder/volumes":[{"name":"d"},{"name":"c"}],
      "containers":[{"$patch":"delete","name":"a"}]}})");
  EXPECT_EQ(patched, json::parse(R"({"spec":{"containers":[{"name":"b","value":"b"}],
      "volumes":[{"name":"d","value":"d"},{"name":"c","value":"c"}]}})"));
}

TEST(StrategicMergePatchTest, SetElementOrderMismatchIsRejected) {
  json pod = json::parse(R"({"spec":{"containers":[{"name":"1"},{"name":"3"},{"name":"2"}]}})");
  absl::Status status = ApplyError(pod, R"({"spec":{
      "$setElementOrder/containers":[{"name":"1"},{"name":"2"},{"name":"3"}],
      "containers":[{"name":"3","value":3},{"name":"1","value":1}]}})");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "The order in patch list:\n[map[name:3 value:3] map[name:1 value:1]]\n doesn't match "
            "$setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n");
  EXPECT_EQ(ApplyError(pod, R"({"spec":{"$setElementOrder/containers":"x"}})").message(),
            "expected a []interface {}, but received a string");
  EXPECT_EQ(ApplyError(pod, R"({"spec":{"$setElementOrderX":[]}})").message(),
            "invalid patch format of setElementOrder list");
}

TEST(StrategicMergePatchTest, LabelsMergeAndNullDeletesAnnotation) {
  json pod = TwoContainerPod();
  json patched = Apply(pod, R"({"metadata":{"labels":{"tier":"backend","env":"prod"},
                                            "annotations":{"note":null,"absent":null}}})");
  EXPECT_EQ(patched["metadata"]["labels"],
            json::parse(R"({"app":"web","tier":"backend","env":"prod"})"));
  EXPECT_EQ(patched["metadata"]["annotations"], json::parse(R"({"keep":"y"})"));
  EXPECT_EQ(patched["spec"], pod["spec"]);
}

TEST(StrategicMergePatchTest, FinalizersMergeAsSetUnion) {
  json pod = json::parse(R"({"metadata":{"finalizers":["a","b"]}})");
  EXPECT_EQ(Apply(pod, R"({"metadata":{"finalizers":["b","c"]}})")["metadata"]["finalizers"],
            json::parse(R"(["a","b","c"])"));
  // Upstream vector "preserve the order from the patch in a merging list".
  json three = json::parse(R"({"metadata":{"finalizers":["1","2","3"]}})");
  EXPECT_EQ(Apply(three, R"({"metadata":{"finalizers":["3","1"]}})")["metadata"]["finalizers"],
            json::parse(R"(["2","3","1"])"));
  // A new finalizer without $setElementOrder lands in front, as upstream.
  EXPECT_EQ(Apply(pod, R"({"metadata":{"finalizers":["c"]}})")["metadata"]["finalizers"],
            json::parse(R"(["c","a","b"])"));
}

TEST(StrategicMergePatchTest, DeleteFromPrimitiveList) {
  json pod = json::parse(R"({"metadata":{"finalizers":["a","b","c"]}})");
  // kubectl edit removing "b" and appending "d".
  json patched = Apply(pod, R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"],
      "$setElementOrder/finalizers":["a","c","d"],"finalizers":["d"]}})");
  EXPECT_EQ(patched["metadata"]["finalizers"], json::parse(R"(["a","c","d"])"));
  // Deleting from a missing list adds nothing.
  json bare = json::parse(R"({"metadata":{"name":"x"}})");
  EXPECT_EQ(Apply(bare, R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a"]}})"), bare);
  // Also on lists without merge strategy (Namespace spec.finalizers).
  json ns = json::parse(R"({"spec":{"finalizers":["kubernetes","other"]}})");
  EXPECT_EQ(
      Apply(ns, R"({"spec":{"$deleteFromPrimitiveList/finalizers":["other"]}})", "", "Namespace"),
      json::parse(R"({"spec":{"finalizers":["kubernetes"]}})"));
  EXPECT_EQ(ApplyError(pod, R"({"metadata":{"$deleteFromPrimitiveListX":["a"]}})").message(),
            "invalid patch format of primitive list");
}

TEST(StrategicMergePatchTest, ListsWithoutStrategyAreReplaced) {
  json pod = TwoContainerPod();
  json patched = Apply(pod, R"({"spec":{"tolerations":[{"key":"b","operator":"Exists"}],
      "containers":[{"name":"sidecar","args":["sleep","1"]}]}})");
  EXPECT_EQ(patched["spec"]["tolerations"], json::parse(R"([{"key":"b","operator":"Exists"}])"));
  EXPECT_EQ(patched["spec"]["containers"][1]["args"], json::parse(R"(["sleep","1"])"));
  // Namespace spec.finalizers has no patch strategy upstream.
  json ns = json::parse(R"({"spec":{"finalizers":["kubernetes"]}})");
  EXPECT_EQ(Apply(ns, R"({"spec":{"finalizers":["x"]}})", "", "Namespace"),
            json::parse(R"({"spec":{"finalizers":["x"]}})"));
}

TEST(StrategicMergePatchTest, RetainKeysClearsOtherFieldsOfDeploymentStrategy) {
  json deployment = json::parse(R"({"spec":{"strategy":{"type":"RollingUpdate",
      "rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}}})");
  json patched = Apply(deployment, R"({"spec":{"strategy":{"$retainKeys":["type"],
      "type":"Recreate"}}})",
                       "apps", "Deployment");
  EXPECT_EQ(patched, json::parse(R"({"spec":{"strategy":{"type":"Recreate"}}})"));
  // Without the directive the map merges as usual.
  EXPECT_EQ(Apply(deployment, R"({"spec":{"strategy":{"type":"Recreate"}}})", "apps",
                  "Deployment")["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
            "25%");
}

TEST(StrategicMergePatchTest, RetainKeysInVolumeItemSwitchesSource) {
  json pod = TwoContainerPod();
  json patched = Apply(pod, R"({"spec":{"volumes":[{"$retainKeys":["configMap","name"],
      "name":"data","configMap":{"name":"cfg"}}]}})");
  EXPECT_EQ(patched["spec"]["volumes"],
            json::parse(R"([{"name":"data","configMap":{"name":"cfg"}}])"));
}

TEST(StrategicMergePatchTest, RetainKeysErrors) {
  json deployment = json::parse(R"({"spec":{"strategy":{"type":"RollingUpdate"}}})");
  EXPECT_EQ(ApplyError(deployment, R"({"spec":{"strategy":{"$retainKeys":["type"],
      "rollingUpdate":{}}}})",
                       "apps", "Deployment")
                .message(),
            "invalid patch format of retainKeys");
  EXPECT_EQ(ApplyError(deployment, R"({"spec":{"strategy":{"$retainKeys":"type"}}})", "apps",
                       "Deployment")
                .message(),
            "invalid patch format of retainKeys");
}

TEST(StrategicMergePatchTest, PatchReplaceDirective) {
  json pod = TwoContainerPod();
  pod["spec"]["nodeSelector"] = {{"zone", "a"}, {"disk", "ssd"}};
  json patched = Apply(pod, R"({"spec":{
      "nodeSelector":{"$patch":"replace","zone":"b"},
      "containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}})");
  EXPECT_EQ(patched["spec"]["nodeSelector"], json::parse(R"({"zone":"b"})"));
  EXPECT_EQ(patched["spec"]["containers"], json::parse(R"([{"name":"only","image":"x"}])"));
  // At the root the patch becomes the whole object.
  EXPECT_EQ(Apply(pod, R"({"$patch":"replace","metadata":{"name":"n"}})"),
            json::parse(R"({"metadata":{"name":"n"}})"));
}

TEST(StrategicMergePatchTest, PatchDeleteDirectiveOnMap) {
  json pod = TwoContainerPod();
  pod["spec"]["affinity"] = {{"nodeAffinity", {{"x", 1}}}};
  json patched = Apply(pod, R"({"spec":{"affinity":{"$patch":"delete"},
                                        "dnsConfig":{"$patch":"delete"}}})");
  // Upstream leaves an empty map behind and adds nothing for a missing field.
  EXPECT_EQ(patched["spec"]["affinity"], json::object());
  EXPECT_FALSE(patched["spec"].contains("dnsConfig"));
}

TEST(StrategicMergePatchTest, BadPatchDirectives) {
  json pod = TwoContainerPod();
  absl::Status bad_item =
      ApplyError(pod, R"({"spec":{"containers":[{"$patch":"nope","name":"web"}]}})");
  EXPECT_EQ(bad_item.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_item.message(), "unknown patch type: nope in map: map[$patch:nope name:web]");
  EXPECT_EQ(ApplyError(pod, R"({"spec":{"$patch":"merge"}})").message(),
            "unknown patch type: merge in map: map[$patch:merge]");
  EXPECT_EQ(ApplyError(pod, R"({"spec":{"containers":[{"$patch":"merge"}]}})").message(),
            "merging lists cannot yet be specified in the patch");
  EXPECT_EQ(ApplyError(pod, R"({"spec":{"containers":[{"name":"web",
      "ports":[{"$patch":"bad","containerPort":8080}]}]}})")
                .message(),
            "unknown patch type: bad in map: map[$patch:bad containerPort:8080]");
}

TEST(StrategicMergePatchTest, MissingMergeKeyIsRejected) {
  json pod = TwoContainerPod();
  EXPECT_EQ(ApplyError(pod, R"({"spec":{"containers":[{"image":"x"}]}})").message(),
            "map: map[image:x] does not contain declared merge key: name");
  EXPECT_EQ(ApplyError(pod, R"({"spec":{"containers":[{"$patch":"delete"}]}})").message(),
            "map: map[$patch:delete] does not contain declared merge key: name");
  EXPECT_EQ(ApplyError(pod, R"({"spec":{"containers":[{"name":"web",
      "ports":[{"hostPort":1000000,"protocol":"UDP"}]}]}})")
                .message(),
            "map: map[hostPort:1e+06 protocol:UDP] does not contain declared merge key: "
            "containerPort");
  EXPECT_EQ(std::string(ApplyError(pod, R"({"spec":{"containers":["web"]}})").message()),
            "list element types are not identical: [[map[env:[map[name:A value:1] map[name:B "
            "value:2]] image:nginx:1.25 name:web ports:[map[containerPort:80 protocol:TCP]]] "
            "map[args:[sleep 3600] image:busybox name:sidecar]] [web]]");
}

TEST(StrategicMergePatchTest, ContainerPortsVolumeMountsAndServicePorts) {
  json pod = json::parse(R"({"spec":{"containers":[{"name":"c",
      "ports":[{"containerPort":80,"name":"http"},{"containerPort":443,"name":"https"}],
      "volumeMounts":[{"mountPath":"/data","name":"data"}]}]}})");
  json patched = Apply(pod, R"({"spec":{"containers":[{"name":"c",
      "ports":[{"containerPort":443,"hostPort":8443}],
      "volumeMounts":[{"mountPath":"/data","readOnly":true}]}]}})");
  EXPECT_EQ(patched["spec"]["containers"][0]["ports"], json::parse(R"([
      {"containerPort":80,"name":"http"},{"containerPort":443,"name":"https","hostPort":8443}])"));
  EXPECT_EQ(patched["spec"]["containers"][0]["volumeMounts"],
            json::parse(R"([{"mountPath":"/data","name":"data","readOnly":true}])"));

  json service = json::parse(R"({"spec":{"type":"ClusterIP","ports":[
      {"name":"http","port":80,"targetPort":8080},{"name":"https","port":443}]}})");
  json svc = Apply(service, R"({"spec":{"ports":[{"port":80,"targetPort":9090}]}})", "", "Service");
  EXPECT_EQ(svc["spec"]["ports"], json::parse(R"([{"name":"http","port":80,"targetPort":9090},
      {"name":"https","port":443}])"));
}

TEST(StrategicMergePatchTest, NodeStatusConditionsAndAddressesByType) {
  json node = json::parse(R"({"status":{
      "conditions":[{"type":"Ready","status":"False"},{"type":"MemoryPressure","status":"False"}],
      "addresses":[{"type":"InternalIP","address":"10.0.0.1"},
                   {"type":"Hostname","address":"n"}]}})");
  json patched = Apply(node, R"({"status":{
      "$setElementOrder/conditions":[{"type":"Ready"},{"type":"MemoryPressure"}],
      "conditions":[{"type":"Ready","status":"True","reason":"KubeletReady"}],
      "addresses":[{"type":"InternalIP","address":"10.0.0.2"}]}})",
                       "", "Node");
  EXPECT_EQ(patched["status"]["conditions"], json::parse(R"([
      {"type":"Ready","status":"True","reason":"KubeletReady"},
      {"type":"MemoryPressure","status":"False"}])"));
  EXPECT_EQ(patched["status"]["addresses"], json::parse(R"([
      {"type":"InternalIP","address":"10.0.0.2"},{"type":"Hostname","address":"n"}])"));
}

TEST(StrategicMergePatchTest, OwnerReferencesMergeByUid) {
  json rs = json::parse(R"({"metadata":{"ownerReferences":[
      {"uid":"u1","kind":"Deployment","name":"d","controller":true}]}})");
  json patched = Apply(rs, R"({"metadata":{"ownerReferences":[
      {"uid":"u1","blockOwnerDeletion":true}]}})",
                       "apps", "ReplicaSet");
  EXPECT_EQ(patched["metadata"]["ownerReferences"], json::parse(R"([
      {"uid":"u1","kind":"Deployment","name":"d","controller":true,"blockOwnerDeletion":true}])"));
}

TEST(StrategicMergePatchTest, CronJobTemplateLivesUnderJobTemplate) {
  json cron = json::parse(R"({"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{
      "spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}}}}}})");
  json patched = Apply(cron, R"({"spec":{"jobTemplate":{"spec":{"template":{"spec":{
      "containers":[{"name":"b","image":"z"}]}}}}}})",
                       "batch", "CronJob");
  EXPECT_EQ(patched["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"],
            json::parse(R"([{"name":"a","image":"x"},{"name":"b","image":"z"}])"));
  // A Job's containers at the same depth as a Deployment's also merge.
  json job = json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"a"}]}}}})");
  EXPECT_EQ(
      Apply(job, R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"q"}]}}}})",
            "batch", "Job")["spec"]["template"]["spec"]["containers"],
      json::parse(R"([{"name":"a","image":"q"}])"));
}

TEST(StrategicMergePatchTest, ReplaceStrategyMapAndWebhookLists) {
  json pdb = json::parse(R"({"spec":{"minAvailable":1,
      "selector":{"matchLabels":{"app":"a"},"matchExpressions":[]}}})");
  json patched = Apply(pdb, R"({"spec":{"selector":{"matchLabels":{"app":"b"}}}})", "policy",
                       "PodDisruptionBudget");
  EXPECT_EQ(patched["spec"]["selector"], json::parse(R"({"matchLabels":{"app":"b"}})"));

  json hooks = json::parse(R"({"webhooks":[{"name":"a.example.com","matchConditions":[
      {"name":"m1","expression":"true"}]},{"name":"b.example.com"}]})");
  json hooked = Apply(hooks, R"({"webhooks":[{"name":"a.example.com","matchConditions":[
      {"name":"m1","expression":"false"}]}]})",
                      "admissionregistration.k8s.io", "ValidatingWebhookConfiguration");
  EXPECT_EQ(hooked["webhooks"][0]["matchConditions"],
            json::parse(R"([{"name":"m1","expression":"false"}])"));
  EXPECT_EQ(hooked["webhooks"][1]["name"], "b.example.com");
}

TEST(StrategicMergePatchTest, ValuesTakenFromPatchLoseNullsAndDirectives) {
  json pod = json::parse(R"({"spec":{"containers":[{"name":"a"}]}})");
  json patched = Apply(pod, R"({"spec":{
      "securityContext":{"runAsUser":1000,"fsGroup":null},
      "containers":[{"name":"b","image":"x","resources":null,
                     "env":[{"name":"E","value":null}]}]}})");
  EXPECT_EQ(patched["spec"]["securityContext"], json::parse(R"({"runAsUser":1000})"));
  EXPECT_EQ(patched["spec"]["containers"][0],
            json::parse(R"({"name":"b","image":"x","env":[{"name":"E"}]})"));
  // Type changes take the patch value.
  EXPECT_EQ(Apply(pod, R"({"spec":{"containers":"none"}})")["spec"]["containers"], "none");
}

TEST(StrategicMergePatchTest, SupportedKindsAndMalformedInput) {
  EXPECT_TRUE(IsStrategicMergePatchSupported("", "Pod"));
  EXPECT_TRUE(IsStrategicMergePatchSupported("", "ConfigMap"));
  EXPECT_TRUE(IsStrategicMergePatchSupported("apps", "Deployment"));
  EXPECT_TRUE(IsStrategicMergePatchSupported("coordination.k8s.io", "Lease"));
  EXPECT_FALSE(IsStrategicMergePatchSupported("example.com", "Widget"));
  EXPECT_FALSE(IsStrategicMergePatchSupported("apps", "Pod"));

  json cm = json::parse(R"({"data":{"a":"1"}})");
  absl::Status unsupported = ApplyError(cm, R"({"data":{"b":"2"}})", "example.com", "Widget");
  EXPECT_EQ(unsupported.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(unsupported.message(), "strategic merge patch format is not supported");
  EXPECT_EQ(ApplyError(cm, "[1]", "", "ConfigMap").message(),
            "json: cannot unmarshal array into Go value of type map[string]interface {}");
  EXPECT_EQ(Apply(cm, "null", "", "ConfigMap"), cm);
  EXPECT_EQ(Apply(cm, "{}", "", "ConfigMap"), cm);
  EXPECT_EQ(Apply(cm, R"({"data":{"b":"2"}})", "", "ConfigMap"),
            json::parse(R"({"data":{"a":"1","b":"2"}})"));
}

TEST(PatchStrategiesTest, TableMountsPodSpecPerKind) {
  const PatchSchema* deployment = FindPatchSchema("apps", "Deployment");
  ASSERT_NE(deployment, nullptr);
  const PatchSchema* spec = deployment->Child("spec")->Child("template")->Child("spec");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->Meta("containers").strategy, PatchStrategy::kMerge);
  EXPECT_EQ(spec->Meta("containers").merge_key, "name");
  EXPECT_EQ(spec->Child("containers")->Meta("ports").merge_key, "containerPort");
  EXPECT_TRUE(spec->Meta("volumes").retain_keys);
  EXPECT_EQ(spec->Meta("tolerations").strategy, PatchStrategy::kDefault);
  EXPECT_TRUE(deployment->Child("spec")->Meta("strategy").retain_keys);
  EXPECT_EQ(deployment->Child("status")->Meta("conditions").merge_key, "type");

  // Mounted copies are independent: the shared PodSpec was not modified by any kind.
  EXPECT_EQ(PodSpecPatchSchema().Child("template"), nullptr);
  const PatchSchema* pod = FindPatchSchema("", "Pod");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->Child("metadata")->Meta("ownerReferences").merge_key, "uid");
  EXPECT_EQ(pod->Child("metadata")->Meta("finalizers").strategy, PatchStrategy::kMerge);
  EXPECT_EQ(pod->Child("spec")->Meta("topologySpreadConstraints").merge_key, "topologyKey");
  EXPECT_EQ(pod->Child("status")->Meta("podIPs").merge_key, "ip");
  EXPECT_EQ(FindPatchSchema("", "Service")->Child("spec")->Meta("ports").merge_key, "port");
  EXPECT_EQ(FindPatchSchema("", "Namespace")->Child("spec"), nullptr);
}

TEST(StrategicMergePatchTest, DocumentIsNotModified) {
  const json pod = TwoContainerPod();
  json copy = pod;
  Apply(pod, R"({"metadata":{"labels":null},"spec":{"containers":[{"$patch":"delete",
      "name":"web"}]}})");
  EXPECT_EQ(pod, copy);
}

}  // namespace
}  // namespace k1s::api
