#include "api/validate_kinds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/validate_util.h"

namespace k1s::api {
namespace {

using json = nlohmann::json;
using ::testing::Contains;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

std::vector<std::string> Strings(const FieldErrors& errs) {
  std::vector<std::string> out;
  for (const FieldError& e : errs) out.push_back(e.ToString());
  return out;
}

constexpr char kLabelRegexMsg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

// A pod spec as the defaulting leaves it.
json Spec() {
  return json::parse(R"({
    "containers": [{
      "name": "app", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
      "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
      "resources": {}
    }],
    "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
    "schedulerName": "default-scheduler", "securityContext": {}, "serviceAccountName": "default"
  })");
}

json Pod(json spec = Spec()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec", std::move(spec)}};
}

FieldErrors PodErrors(const json& spec) { return ValidateKind("", "Pod", Pod(spec)); }

TEST(ValidatePodSpecTest, DefaultedPodIsValid) { EXPECT_THAT(PodErrors(Spec()), IsEmpty()); }

TEST(ValidatePodSpecTest, ContainersRequired) {
  json spec = Spec();
  spec["containers"] = json::array();
  EXPECT_THAT(Strings(PodErrors(spec)), Contains("spec.containers: Required value"));
}

TEST(ValidatePodSpecTest, ContainerNameAndImage) {
  json spec = Spec();
  spec["containers"][0]["name"] = "App_1";
  spec["containers"][0].erase("image");
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains(std::string("spec.containers[0].name: Invalid value: \"App_1\": ") +
                       kLabelRegexMsg));
  EXPECT_THAT(Strings(PodErrors(spec)), Contains("spec.containers[0].image: Required value"));
}

TEST(ValidatePodSpecTest, ContainerNamesUniqueAcrossInitContainers) {
  json spec = Spec();
  spec["containers"].push_back(spec["containers"][0]);
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.containers[1].name: Duplicate value: \"app\""));
  spec = Spec();
  spec["initContainers"] = json::array({Spec()["containers"][0]});
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.initContainers[0].name: Duplicate value: \"app\""));
  spec["initContainers"][0]["name"] = "init";
  EXPECT_THAT(PodErrors(spec), IsEmpty());
}

TEST(ValidatePodSpecTest, EphemeralContainersForbiddenOnCreate) {
  json spec = Spec();
  json ephemeral = Spec()["containers"][0];
  ephemeral["name"] = "debug";
  spec["ephemeralContainers"] = json::array({ephemeral});
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.ephemeralContainers: Forbidden: cannot be set on create"));
}

TEST(ValidatePodSpecTest, Ports) {
  json spec = Spec();
  spec["containers"][0]["ports"] = json::parse(R"([
    {"containerPort": 70000, "protocol": "TCP", "name": "http"},
    {"containerPort": 80, "protocol": "HTTP", "name": "http"},
    {"containerPort": 81, "protocol": "TCP", "name": "Web--x"},
    {"protocol": "TCP", "hostPort": 8080}
  ])");
  std::vector<std::string> errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
                             "must be between 1 and 65535, inclusive"));
  EXPECT_THAT(errs, Contains("spec.containers[0].ports[1].name: Duplicate value: \"http\""));
  EXPECT_THAT(errs, Contains("spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": "
                             "supported values: \"SCTP\", \"TCP\", \"UDP\""));
  EXPECT_THAT(errs, Contains("spec.containers[0].ports[2].name: Invalid value: \"Web--x\": must "
                             "contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"));
  EXPECT_THAT(errs, Contains("spec.containers[0].ports[2].name: Invalid value: \"Web--x\": must "
                             "not contain consecutive hyphens"));
  EXPECT_THAT(errs, Contains("spec.containers[0].ports[3].containerPort: Required value"));
  spec["containers"][0]["ports"] =
      json::parse(R"([{"containerPort": 80, "protocol": "TCP", "name": "http"}])");
  EXPECT_THAT(PodErrors(spec), IsEmpty());
}

TEST(ValidatePodSpecTest, HostPortConflictsAndHostNetwork) {
  json spec = Spec();
  json c2 = spec["containers"][0];
  c2["name"] = "b";
  spec["containers"].push_back(c2);
  spec["containers"][0]["ports"] =
      json::parse(R"([{"containerPort": 80, "hostPort": 8080, "protocol": "TCP"}])");
  spec["containers"][1]["ports"] = spec["containers"][0]["ports"];
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//8080\""));
  spec["containers"].erase(1);
  spec["hostNetwork"] = true;
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.containers[0].ports[0].hostPort: Invalid value: 8080: must match "
                       "`containerPort` when `hostNetwork` is true"));
}

TEST(ValidatePodSpecTest, EnvVars) {
  json spec = Spec();
  spec["containers"][0]["env"] = json::parse(R"([
    {"name": "A=B", "value": "x"},
    {"name": "FROM"},
    {"name": "BOTH", "value": "x",
     "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
    {"name": "TWO", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"},
                                  "secretKeyRef": {"name": "s", "key": "k"}}},
    {"name": "NONE", "valueFrom": {}},
    {"name": "BAD",
     "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.schedulerName"}}},
    {"name": "my.env-name", "value": "ok"}
  ])");
  std::vector<std::string> errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid "
                             "environment variable name must consist only of printable ASCII "
                             "characters other than '='"));
  EXPECT_THAT(errs, Contains("spec.containers[0].env[2].valueFrom: Invalid value: \"\": may not "
                             "be specified when `value` is not empty"));
  EXPECT_THAT(errs, Contains("spec.containers[0].env[3].valueFrom: Invalid value: \"\": may not "
                             "have more than one field specified at a time"));
  EXPECT_THAT(errs, Contains("spec.containers[0].env[4].valueFrom: Invalid value: \"\": must "
                             "specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                             "or `secretKeyRef`"));
  EXPECT_THAT(errs, Contains("spec.containers[0].env[5].valueFrom.fieldRef.fieldPath: Unsupported "
                             "value: \"spec.schedulerName\": supported values: \"metadata.name\", "
                             "\"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", "
                             "\"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", "
                             "\"status.podIP\", \"status.podIPs\""));
  EXPECT_EQ(errs.size(), 5u);
}

TEST(ValidatePodSpecTest, VolumesAndMounts) {
  json spec = Spec();
  spec["volumes"] = json::parse(R"([
    {"name": "data", "emptyDir": {}},
    {"name": "data", "emptyDir": {}},
    {"name": "two", "emptyDir": {}, "configMap": {"name": "c"}},
    {"name": "none"},
    {"name": "Bad_Name", "secret": {"secretName": "s"}},
    {"name": "cm", "configMap": {"defaultMode": 1000}}
  ])");
  spec["containers"][0]["volumeMounts"] = json::parse(R"([
    {"name": "data", "mountPath": "/data"},
    {"name": "missing", "mountPath": "/data"}
  ])");
  std::vector<std::string> errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.volumes[1].name: Duplicate value: \"data\""));
  EXPECT_THAT(errs, Contains("spec.volumes[2].configMap: Forbidden: may not specify more than 1 "
                             "volume type"));
  EXPECT_THAT(errs, Contains("spec.volumes[3]: Required value: must specify a volume type"));
  EXPECT_THAT(errs, Contains(std::string("spec.volumes[4].name: Invalid value: \"Bad_Name\": ") +
                             kLabelRegexMsg));
  EXPECT_THAT(errs, Contains("spec.volumes[5].configMap.name: Required value"));
  EXPECT_THAT(errs, Contains("spec.volumes[5].configMap.defaultMode: Invalid value: 1000: must be "
                             "a number between 0 and 0777 (octal), both inclusive"));
  EXPECT_THAT(errs, Contains("spec.containers[0].volumeMounts[1].name: Not found: \"missing\""));
  EXPECT_THAT(errs, Contains("spec.containers[0].volumeMounts[1].mountPath: Invalid value: "
                             "\"/data\": must be unique"));
  EXPECT_THAT(errs, Not(Contains("spec.containers[0].volumeMounts[0].name: Not found: \"data\"")));
}

TEST(ValidatePodSpecTest, Resources) {
  json spec = Spec();
  spec["containers"][0]["resources"] = json::parse(R"({
    "limits": {"cpu": "1", "memory": "1Gi"},
    "requests": {"cpu": "2", "memory": "512Mi", "nvidia.com/gpu": "1"}
  })");
  std::vector<std::string> errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.containers[0].resources.requests: Invalid value: \"2\": must "
                             "be less than or equal to cpu limit of 1"));
  EXPECT_THAT(errs, Contains("spec.containers[0].resources.limits: Required value: Limit must be "
                             "set for non overcommitable resources"));
  EXPECT_EQ(errs.size(), 2u);

  spec["containers"][0]["resources"] = json::parse(R"({
    "limits": {"memory": "1.5Gi", "cpu": "500m"}, "requests": {"memory": "2Gi", "cpu": "-1"}
  })");
  errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.containers[0].resources.requests: Invalid value: \"2Gi\": must "
                             "be less than or equal to memory limit of 1536Mi"));
  EXPECT_THAT(errs, Contains("spec.containers[0].resources.requests[cpu]: Invalid value: \"-1\": "
                             "must be greater than or equal to 0"));

  spec["containers"][0]["resources"] = json::parse(R"({"limits": {"cpu": "lots", "disk": "1"}})");
  errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.containers[0].resources.limits[cpu]: Invalid value: \"lots\": "
                             "quantities must match the regular expression "
                             "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
  EXPECT_THAT(errs, Contains("spec.containers[0].resources.limits[disk]: Invalid value: \"disk\": "
                             "must be a standard resource for containers"));

  spec["containers"][0]["resources"] =
      json::parse(R"({"limits": {"cpu": "1000m", "memory": "1Gi"}, "requests": {"cpu": 0.5}})");
  EXPECT_THAT(PodErrors(spec), IsEmpty());
}

TEST(ValidatePodSpecTest, QuantityCanonicalForm) {
  auto canonical = [](const json& v) { return validate::ParseQuantity(v)->canonical; };
  EXPECT_EQ(canonical("1000m"), "1");
  EXPECT_EQ(canonical("1500m"), "1500m");
  EXPECT_EQ(canonical("0.5"), "500m");
  EXPECT_EQ(canonical("2000"), "2k");
  EXPECT_EQ(canonical("1Gi"), "1Gi");
  EXPECT_EQ(canonical("0.5Gi"), "512Mi");
  EXPECT_EQ(canonical("1e3"), "1e3");
  EXPECT_EQ(canonical(3), "3");
  EXPECT_FALSE(validate::ParseQuantity("1.2.3").has_value());
  EXPECT_FALSE(validate::ParseQuantity("5Xi").has_value());
}

TEST(ValidatePodSpecTest, Probes) {
  json spec = Spec();
  spec["containers"][0]["livenessProbe"] =
      json::parse(R"({"httpGet": {"path": "/", "port": 0, "scheme": "HTTP"}, "successThreshold": 2,
                      "exec": {"command": ["true"]}})");
  spec["containers"][0]["readinessProbe"] =
      json::parse(R"({"tcpSocket": {"port": "http"}, "terminationGracePeriodSeconds": 5,
                      "periodSeconds": -1})");
  spec["containers"][0]["startupProbe"] = json::object();
  std::vector<std::string> errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.containers[0].livenessProbe.httpGet: Forbidden: may not "
                             "specify more than 1 handler type"));
  EXPECT_THAT(errs, Contains("spec.containers[0].livenessProbe.successThreshold: Invalid value: "
                             "2: must be 1"));
  EXPECT_THAT(errs, Contains("spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: "
                             "must be greater than or equal to 0"));
  EXPECT_THAT(errs, Contains("spec.containers[0].readinessProbe.terminationGracePeriodSeconds: "
                             "Invalid value: 5: must not be set for readinessProbes"));
  EXPECT_THAT(errs, Contains("spec.containers[0].startupProbe: Required value: must specify a "
                             "handler type"));
  spec["containers"][0].erase("startupProbe");
  spec["containers"][0]["livenessProbe"] = json::parse(R"({"grpc": {"port": 70000}})");
  spec["containers"][0]["readinessProbe"] = json::parse(R"({"httpGet": {"port": 8080}})");
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.containers[0].livenessProbe.grpc.port: Invalid value: 70000: must "
                       "be between 1 and 65535, inclusive"));
  spec["containers"][0]["livenessProbe"] = json::parse(R"({"grpc": {"port": 9000}})");
  EXPECT_THAT(PodErrors(spec), IsEmpty());
}

TEST(ValidatePodSpecTest, InitContainerProbesNeedRestartAlways) {
  json spec = Spec();
  json init = Spec()["containers"][0];
  init["name"] = "init";
  init["readinessProbe"] = json::parse(R"({"exec": {"command": ["true"]}})");
  spec["initContainers"] = json::array({init});
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.initContainers[0].readinessProbe: Forbidden: may not be set for "
                       "init containers without restartPolicy=Always"));
  spec["initContainers"][0]["restartPolicy"] = "Always";
  EXPECT_THAT(PodErrors(spec), IsEmpty());
}

TEST(ValidatePodSpecTest, PolicyEnums) {
  json spec = Spec();
  spec["restartPolicy"] = "Sometimes";
  spec["dnsPolicy"] = "";
  spec["containers"][0]["imagePullPolicy"] = "Maybe";
  spec.erase("terminationGracePeriodSeconds");
  std::vector<std::string> errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.restartPolicy: Unsupported value: \"Sometimes\": supported "
                             "values: \"Always\", \"OnFailure\", \"Never\""));
  EXPECT_THAT(errs, Contains("spec.dnsPolicy: Required value"));
  EXPECT_THAT(errs, Contains("spec.containers[0].imagePullPolicy: Unsupported value: \"Maybe\": "
                             "supported values: \"Always\", \"IfNotPresent\", \"Never\""));
  EXPECT_THAT(errs, Contains("spec.terminationGracePeriodSeconds: Required value"));
}

TEST(ValidatePodSpecTest, PodLevelFields) {
  json spec = Spec();
  spec["activeDeadlineSeconds"] = 0;
  spec["hostname"] = "Host";
  spec["serviceAccountName"] = "bad/name";
  spec["nodeSelector"] = {{"disk", "ssd!"}};
  spec["tolerations"] = json::parse(R"([
    {"operator": "Equal", "value": "x"},
    {"key": "k", "operator": "Exists", "value": "v"},
    {"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule",
     "tolerationSeconds": 5}
  ])");
  spec["securityContext"] = {{"runAsUser", -1}};
  std::vector<std::string> errs = Strings(PodErrors(spec));
  EXPECT_THAT(errs, Contains("spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and "
                             "2147483647, inclusive"));
  EXPECT_THAT(errs,
              Contains(std::string("spec.hostname: Invalid value: \"Host\": ") + kLabelRegexMsg));
  EXPECT_THAT(errs, Contains(testing::StartsWith(
                        "spec.serviceAccountName: Invalid value: \"bad/name\": a lowercase RFC "
                        "1123 subdomain")));
  EXPECT_THAT(errs, Contains(testing::StartsWith(
                        "spec.nodeSelector: Invalid value: \"ssd!\": a valid label must be")));
  EXPECT_THAT(errs, Contains("spec.tolerations[0].operator: Invalid value: \"Equal\": operator "
                             "must be Exists when `key` is empty, which means \"match all values "
                             "and all keys\""));
  EXPECT_THAT(errs, Contains("spec.tolerations[1].operator: Invalid value: \"v\": value must be "
                             "empty when `operator` is 'Exists'"));
  EXPECT_THAT(errs, Contains("spec.tolerations[2].effect: Invalid value: \"NoSchedule\": effect "
                             "must be 'NoExecute' when `tolerationSeconds` is set"));
  EXPECT_THAT(errs, Contains("spec.securityContext.runAsUser: Invalid value: -1: must be between "
                             "0 and 2147483647, inclusive"));
}

TEST(ValidatePodSpecTest, DnsConfigAndAffinity) {
  json spec = Spec();
  spec["dnsPolicy"] = "None";
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.dnsConfig: Required value: must provide `dnsConfig` when "
                       "`dnsPolicy` is None"));
  spec["dnsConfig"] = {{"nameservers", {"1.1.1.1"}}};
  spec["affinity"] =
      json::parse(R"({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "In"}]}]}}})");
  EXPECT_THAT(Strings(PodErrors(spec)),
              Contains("spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
                       "nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be "
                       "specified when `operator` is 'In' or 'NotIn'"));
  spec.erase("affinity");
  EXPECT_THAT(PodErrors(spec), IsEmpty());
}

// ---- pod update ---------------------------------------------------------------------------------

TEST(ValidatePodUpdateTest, ImageAndDeadlineMayChange) {
  json old = Pod();
  json now = Pod();
  now["spec"]["containers"][0]["image"] = "nginx:1.28";
  now["spec"]["activeDeadlineSeconds"] = 100;
  EXPECT_THAT(ValidateKindUpdate("", "Pod", now, old), IsEmpty());
}

TEST(ValidatePodUpdateTest, OtherFieldsForbiddenWithDiff) {
  json old = Pod();
  json now = Pod();
  now["spec"]["restartPolicy"] = "Never";
  FieldErrors errs = ValidateKindUpdate("", "Pod", now, old);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "spec");
  EXPECT_EQ(errs[0].type, FieldError::Type::kForbidden);
  EXPECT_THAT(errs[0].detail,
              StartsWith("pod updates may not change fields other than "
                         "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                         "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                         "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to "
                         "be set to 1 if it was previously negative)\n"));
  EXPECT_THAT(errs[0].detail, testing::HasSubstr("- \tRestartPolicy: \"Always\",\n"
                                                 "+ \tRestartPolicy: \"Never\",\n"));
}

TEST(ValidatePodUpdateTest, ContainersAndTolerations) {
  json old = Pod();
  json now = Pod();
  now["spec"]["containers"].push_back(now["spec"]["containers"][0]);
  now["spec"]["containers"][1]["name"] = "two";
  EXPECT_THAT(Strings(ValidateKindUpdate("", "Pod", now, old)),
              Contains("spec.containers: Forbidden: pod updates may not add or remove "
                       "containers"));
  old["spec"]["tolerations"] = json::parse(R"([{"key": "a", "operator": "Exists"}])");
  now = old;
  now["spec"]["tolerations"] = json::parse(R"([{"key": "b", "operator": "Exists"}])");
  EXPECT_THAT(Strings(ValidateKindUpdate("", "Pod", now, old)),
              Contains("spec.tolerations: Forbidden: existing toleration can not be modified "
                       "except its tolerationSeconds"));
  now["spec"]["tolerations"].push_back(old["spec"]["tolerations"][0]);
  EXPECT_THAT(ValidateKindUpdate("", "Pod", now, old), IsEmpty());
  old["spec"]["activeDeadlineSeconds"] = 10;
  now = old;
  now["spec"]["activeDeadlineSeconds"] = 20;
  EXPECT_THAT(Strings(ValidateKindUpdate("", "Pod", now, old)),
              Contains("spec.activeDeadlineSeconds: Invalid value: 20: must be less than or equal "
                       "to previous value"));
}

// ---- apps ---------------------------------------------------------------------------------------

json Template(json labels = {{"app", "web"}}) {
  return {{"metadata", {{"labels", std::move(labels)}}}, {"spec", Spec()}};
}

json Deployment() {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec",
           {{"replicas", 1},
            {"selector", {{"matchLabels", {{"app", "web"}}}}},
            {"template", Template()},
            {"strategy",
             {{"type", "RollingUpdate"},
              {"rollingUpdate", {{"maxUnavailable", "25%"}, {"maxSurge", "25%"}}}}},
            {"revisionHistoryLimit", 10},
            {"progressDeadlineSeconds", 600}}}};
}

TEST(ValidateAppsTest, DeploymentValid) {
  EXPECT_THAT(ValidateKind("apps", "Deployment", Deployment()), IsEmpty());
}

TEST(ValidateAppsTest, DeploymentSelectorMismatchFullMessage) {
  json d = Deployment();
  d["spec"]["template"]["metadata"]["labels"] = {{"app", "x"}};
  FieldErrors errs = ValidateKind("apps", "Deployment", d);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(InvalidMessage("Deployment.apps", "web", errs),
            "Deployment.apps \"web\" is invalid: spec.template.metadata.labels: Invalid value: "
            "map[string]string{\"app\":\"x\"}: `selector` does not match template `labels`");
}

TEST(ValidateAppsTest, DeploymentSelectorRules) {
  json d = Deployment();
  d["spec"].erase("selector");
  std::vector<std::string> errs = Strings(ValidateKind("apps", "Deployment", d));
  EXPECT_THAT(errs, Contains("spec.selector: Required value"));
  d["spec"]["selector"] = json::object();
  errs = Strings(ValidateKind("apps", "Deployment", d));
  EXPECT_THAT(errs,
              Contains("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:"
                       "map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement"
                       "(nil)}: empty selector is invalid for deployment"));
  d["spec"]["selector"] =
      json::parse(R"({"matchExpressions": [{"key": "app", "operator": "Has"}]})");
  errs = Strings(ValidateKind("apps", "Deployment", d));
  EXPECT_THAT(errs, Contains("spec.selector.matchExpressions[0].operator: Invalid value: \"Has\": "
                             "not a valid selector operator"));
  EXPECT_THAT(errs,
              Contains("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:"
                       "map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement"
                       "{v1.LabelSelectorRequirement{Key:\"app\", Operator:\"Has\", "
                       "Values:[]string(nil)}}}: invalid label selector"));
  d["spec"]["selector"] =
      json::parse(R"({"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]})");
  EXPECT_THAT(ValidateKind("apps", "Deployment", d), IsEmpty());
}

TEST(ValidateAppsTest, DeploymentSpecRules) {
  json d = Deployment();
  d["spec"]["replicas"] = -1;
  d["spec"]["strategy"]["rollingUpdate"] = {{"maxUnavailable", 0}, {"maxSurge", "0%"}};
  d["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  d["spec"]["progressDeadlineSeconds"] = 5;
  d["spec"]["minReadySeconds"] = 10;
  std::vector<std::string> errs = Strings(ValidateKind("apps", "Deployment", d));
  EXPECT_THAT(errs, Contains("spec.replicas: Invalid value: -1: must be greater than or equal to "
                             "0"));
  EXPECT_THAT(errs, Contains("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "
                             "intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}: may not be 0 when "
                             "`maxSurge` is 0"));
  EXPECT_THAT(errs, Contains("spec.template.spec.restartPolicy: Unsupported value: \"Never\": "
                             "supported values: \"Always\""));
  EXPECT_THAT(errs, Contains("spec.progressDeadlineSeconds: Invalid value: 5: must be greater "
                             "than minReadySeconds"));
  d = Deployment();
  d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = "150%";
  d["spec"]["strategy"]["rollingUpdate"]["maxSurge"] = "x%";
  errs = Strings(ValidateKind("apps", "Deployment", d));
  EXPECT_THAT(errs, Contains("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "
                             "intstr.IntOrString{Type:1, IntVal:0, StrVal:\"150%\"}: must not be "
                             "greater than 100%"));
  EXPECT_THAT(errs, Contains("spec.strategy.rollingUpdate.maxSurge: Invalid value: "
                             "intstr.IntOrString{Type:1, IntVal:0, StrVal:\"x%\"}: a valid percent "
                             "string must be a numeric string followed by an ending '%' (e.g. "
                             "'1%',  or '93%', regex used for validation is '[0-9]+%')"));
}

TEST(ValidateAppsTest, TemplateLabelsAndPodSpecAreChecked) {
  json d = Deployment();
  d["spec"]["template"]["metadata"]["labels"]["bad key!"] = "v";
  d["spec"]["template"]["spec"]["containers"][0].erase("image");
  std::vector<std::string> errs = Strings(ValidateKind("apps", "Deployment", d));
  EXPECT_THAT(errs, Contains(StartsWith("spec.template.labels: Invalid value: \"bad key!\": name "
                                        "part must consist of alphanumeric characters")));
  EXPECT_THAT(errs, Contains("spec.template.spec.containers[0].image: Required value"));
}

TEST(ValidateAppsTest, SelectorImmutableOnUpdate) {
  json old = Deployment();
  json now = Deployment();
  now["spec"]["selector"]["matchLabels"]["tier"] = "front";
  now["spec"]["template"]["metadata"]["labels"]["tier"] = "front";
  EXPECT_THAT(Strings(ValidateKindUpdate("apps", "Deployment", now, old)),
              Contains("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:"
                       "map[string]string{\"app\":\"web\", \"tier\":\"front\"}, MatchExpressions:"
                       "[]v1.LabelSelectorRequirement(nil)}: field is immutable"));
  now = Deployment();
  now["spec"]["replicas"] = 5;
  EXPECT_THAT(ValidateKindUpdate("apps", "Deployment", now, old), IsEmpty());
}

TEST(ValidateAppsTest, ReplicaSetAndDaemonSet) {
  json rs = Deployment();
  rs["kind"] = "ReplicaSet";
  rs["spec"].erase("strategy");
  rs["spec"].erase("revisionHistoryLimit");
  rs["spec"].erase("progressDeadlineSeconds");
  EXPECT_THAT(ValidateKind("apps", "ReplicaSet", rs), IsEmpty());
  rs["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 5;
  EXPECT_THAT(Strings(ValidateKind("apps", "ReplicaSet", rs)),
              Contains("spec.template.spec.activeDeadlineSeconds: Forbidden: "
                       "activeDeadlineSeconds in ReplicaSet is not Supported"));

  json ds = {{"spec",
              {{"selector", {{"matchLabels", {{"app", "web"}}}}},
               {"template", Template()},
               {"updateStrategy",
                {{"type", "RollingUpdate"},
                 {"rollingUpdate", {{"maxUnavailable", 1}, {"maxSurge", 0}}}}}}}};
  EXPECT_THAT(ValidateKind("apps", "DaemonSet", ds), IsEmpty());
  ds["spec"]["updateStrategy"]["rollingUpdate"] = {{"maxUnavailable", 0}, {"maxSurge", 0}};
  EXPECT_THAT(Strings(ValidateKind("apps", "DaemonSet", ds)),
              Contains("spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot "
                       "be 0 when maxSurge is 0"));
  ds["spec"]["updateStrategy"]["rollingUpdate"] = {{"maxUnavailable", 1}, {"maxSurge", 1}};
  EXPECT_THAT(Strings(ValidateKind("apps", "DaemonSet", ds)),
              Contains("spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "
                       "intstr.IntOrString{Type:0, IntVal:1, StrVal:\"\"}: may not be set when "
                       "maxUnavailable is non-zero"));
}

json StatefulSet() {
  return {{"spec",
           {{"replicas", 1},
            {"serviceName", "web"},
            {"podManagementPolicy", "OrderedReady"},
            {"updateStrategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"partition", 0}}}}},
            {"selector", {{"matchLabels", {{"app", "web"}}}}},
            {"template", Template()}}}};
}

TEST(ValidateAppsTest, StatefulSet) {
  EXPECT_THAT(ValidateKind("apps", "StatefulSet", StatefulSet()), IsEmpty());
  json ss = StatefulSet();
  ss["spec"]["podManagementPolicy"] = "Random";
  ss["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = -1;
  std::vector<std::string> errs = Strings(ValidateKind("apps", "StatefulSet", ss));
  EXPECT_THAT(errs, Contains("spec.podManagementPolicy: Invalid value: \"Random\": must be "
                             "'OrderedReady' or 'Parallel'"));
  EXPECT_THAT(errs, Contains("spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: "
                             "must be greater than or equal to 0"));
  json old = StatefulSet();
  json now = StatefulSet();
  now["spec"]["replicas"] = 3;
  now["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2";
  EXPECT_THAT(ValidateKindUpdate("apps", "StatefulSet", now, old), IsEmpty());
  now["spec"]["serviceName"] = "other";
  EXPECT_THAT(Strings(ValidateKindUpdate("apps", "StatefulSet", now, old)),
              Contains("spec: Forbidden: updates to statefulset spec for fields other than "
                       "'replicas', 'ordinals', 'template', 'updateStrategy', "
                       "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                       "forbidden"));
}

TEST(ValidateAppsTest, ControllerRevision) {
  EXPECT_THAT(Strings(ValidateKind("apps", "ControllerRevision", {{"revision", -1}})),
              testing::ElementsAre("data: Required value: data is mandatory",
                                   "revision: Invalid value: -1: must be greater than or equal "
                                   "to 0"));
  json old = {{"data", {{"a", 1}}}, {"revision", 1}};
  json now = {{"data", {{"a", 2}}}, {"revision", 1}};
  EXPECT_THAT(Strings(ValidateKindUpdate("apps", "ControllerRevision", now, old)),
              Contains("data: Invalid value: {\"a\":2}: field is immutable"));
}

TEST(ValidateAppsTest, ReplicationControllerAndPodTemplate) {
  json rc = {{"spec", {{"replicas", 1}, {"selector", {{"app", "x"}}}, {"template", Template()}}}};
  EXPECT_THAT(Strings(ValidateKind("", "ReplicationController", rc)),
              Contains("spec.template.metadata.labels: Invalid value: "
                       "map[string]string{\"app\":\"web\"}: `selector` does not match template "
                       "`labels`"));
  rc["spec"]["selector"] = {{"app", "web"}};
  EXPECT_THAT(ValidateKind("", "ReplicationController", rc), IsEmpty());
  json pt = {{"template", Template()}};
  EXPECT_THAT(ValidateKind("", "PodTemplate", pt), IsEmpty());
  pt["template"]["spec"]["containers"] = json::array();
  EXPECT_THAT(Strings(ValidateKind("", "PodTemplate", pt)),
              Contains("template.spec.containers: Required value"));
}

// ---- batch --------------------------------------------------------------------------------------

json Job() {
  json labels = {{"batch.kubernetes.io/controller-uid", "u1"},
                 {"batch.kubernetes.io/job-name", "pi"},
                 {"controller-uid", "u1"},
                 {"job-name", "pi"}};
  json tmpl = Template(labels);
  tmpl["spec"]["restartPolicy"] = "Never";
  return {{"metadata", {{"name", "pi"}, {"namespace", "default"}, {"uid", "u1"}}},
          {"spec",
           {{"parallelism", 1},
            {"completions", 1},
            {"backoffLimit", 6},
            {"completionMode", "NonIndexed"},
            {"suspend", false},
            {"selector", {{"matchLabels", {{"batch.kubernetes.io/controller-uid", "u1"}}}}},
            {"template", tmpl}}}};
}

TEST(ValidateBatchTest, JobValid) { EXPECT_THAT(ValidateKind("batch", "Job", Job()), IsEmpty()); }

TEST(ValidateBatchTest, JobSpecRules) {
  json job = Job();
  job["spec"]["backoffLimit"] = -1;
  job["spec"]["parallelism"] = -2;
  job["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  job["spec"]["completionMode"] = "Sometimes";
  std::vector<std::string> errs = Strings(ValidateKind("batch", "Job", job));
  EXPECT_THAT(errs, Contains("spec.backoffLimit: Invalid value: -1: must be greater than or equal "
                             "to 0"));
  EXPECT_THAT(errs, Contains("spec.parallelism: Invalid value: -2: must be greater than or equal "
                             "to 0"));
  EXPECT_THAT(errs, Contains("spec.template.spec.restartPolicy: Required value: valid values: "
                             "\"OnFailure\", \"Never\""));
  EXPECT_THAT(errs, Contains("spec.completionMode: Unsupported value: \"Sometimes\": supported "
                             "values: \"NonIndexed\", \"Indexed\""));
}

TEST(ValidateBatchTest, JobGeneratedSelector) {
  json job = Job();
  job["spec"]["template"]["metadata"]["labels"].erase("job-name");
  job["spec"]["template"]["metadata"]["labels"]["controller-uid"] = "other";
  std::vector<std::string> errs = Strings(ValidateKind("batch", "Job", job));
  EXPECT_THAT(errs, Contains("spec.template.metadata.labels[job-name]: Required value: must be "
                             "'pi'"));
  EXPECT_THAT(errs, Contains(StartsWith("spec.template.metadata.labels[controller-uid]: Invalid "
                                        "value: map[string]string{")));
  job = Job();
  job["spec"].erase("selector");
  EXPECT_THAT(Strings(ValidateKind("batch", "Job", job)),
              Contains("spec.selector: Required value"));
}

TEST(ValidateBatchTest, JobUpdateImmutability) {
  json old = Job();
  json now = Job();
  now["spec"]["completions"] = 3;
  now["spec"]["template"]["spec"]["containers"][0]["image"] = "busybox";
  std::vector<std::string> errs = Strings(ValidateKindUpdate("batch", "Job", now, old));
  EXPECT_THAT(errs, Contains("spec.completions: Invalid value: 3: field is immutable"));
  EXPECT_THAT(errs, Contains(testing::AllOf(StartsWith("spec.template: Invalid value: "),
                                            testing::EndsWith(": field is immutable"))));
  // A suspended job that never started may change scheduling directives.
  old["spec"]["suspend"] = true;
  now = old;
  now["spec"]["template"]["spec"]["nodeSelector"] = {{"zone", "a"}};
  EXPECT_THAT(ValidateKindUpdate("batch", "Job", now, old), IsEmpty());
}

json CronJob(std::string schedule) {
  json tmpl = Template({{"app", "cron"}});
  tmpl["spec"]["restartPolicy"] = "OnFailure";
  return {{"metadata", {{"name", "nightly"}}},
          {"spec",
           {{"schedule", std::move(schedule)},
            {"concurrencyPolicy", "Allow"},
            {"jobTemplate", {{"spec", {{"template", tmpl}}}}}}}};
}

TEST(ValidateBatchTest, CronJobSchedule) {
  EXPECT_THAT(ValidateKind("batch", "CronJob", CronJob("*/5 * * * *")), IsEmpty());
  EXPECT_THAT(ValidateKind("batch", "CronJob", CronJob("@daily")), IsEmpty());
  EXPECT_THAT(ValidateKind("batch", "CronJob", CronJob("0 0 * jan-mar mon")), IsEmpty());
  EXPECT_THAT(Strings(ValidateKind("batch", "CronJob", CronJob("* * * *"))),
              Contains("spec.schedule: Invalid value: \"* * * *\": expected exactly 5 fields, "
                       "found 4: [* * * *]"));
  EXPECT_THAT(Strings(ValidateKind("batch", "CronJob", CronJob("61 * * * *"))),
              Contains("spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above "
                       "maximum (59): 61"));
  EXPECT_THAT(Strings(ValidateKind("batch", "CronJob", CronJob("x * * * *"))),
              Contains("spec.schedule: Invalid value: \"x * * * *\": failed to parse int from x: "
                       "strconv.Atoi: parsing \"x\": invalid syntax"));
  EXPECT_THAT(Strings(ValidateKind("batch", "CronJob", CronJob("TZ=UTC * * * * *"))),
              Contains("spec.schedule: Invalid value: \"TZ=UTC * * * * *\": cannot use TZ or "
                       "CRON_TZ in schedule, use timeZone field instead"));
}

TEST(ValidateBatchTest, CronJobOtherRules) {
  json cj = CronJob("0 * * * *");
  cj["metadata"]["name"] = std::string(53, 'a');
  cj["spec"]["concurrencyPolicy"] = "Sometimes";
  cj["spec"]["timeZone"] = "Local";
  cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Always";
  std::vector<std::string> errs = Strings(ValidateKind("batch", "CronJob", cj));
  EXPECT_THAT(errs, Contains("metadata.name: Invalid value: \"" + std::string(53, 'a') +
                             "\": must be no more than 52 characters"));
  EXPECT_THAT(errs, Contains("spec.concurrencyPolicy: Unsupported value: \"Sometimes\": "
                             "supported values: \"Allow\", \"Forbid\", \"Replace\""));
  EXPECT_THAT(errs, Contains("spec.timeZone: Invalid value: \"Local\": timeZone must be an "
                             "explicit time zone as defined in https://www.iana.org/time-zones"));
  EXPECT_THAT(errs, Contains("spec.jobTemplate.spec.template.spec.restartPolicy: Required value: "
                             "valid values: \"OnFailure\", \"Never\""));
  cj = CronJob("0 * * * *");
  cj["spec"]["timeZone"] = "";
  EXPECT_THAT(Strings(ValidateKind("batch", "CronJob", cj)),
              Contains("spec.timeZone: Invalid value: \"\": timeZone must be nil or non-empty "
                       "string"));
}

// ---- other groups -------------------------------------------------------------------------------

TEST(ValidateOtherTest, ServicePorts) {
  json svc = {{"spec", {{"type", "ClusterIP"}, {"ports", json::array()}}}};
  EXPECT_THAT(Strings(ValidateKind("", "Service", svc)), Contains("spec.ports: Required value"));
  svc["spec"]["ports"] = json::parse(R"([{"port": 80, "protocol": "TCP"},
                                         {"port": 0, "protocol": "TCP", "name": "b"}])");
  std::vector<std::string> errs = Strings(ValidateKind("", "Service", svc));
  EXPECT_THAT(errs, Contains("spec.ports[0].name: Required value"));
  EXPECT_THAT(errs, Contains("spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, "
                             "inclusive"));
  svc["spec"]["ports"] = json::parse(R"([{"port": 80, "protocol": "TCP", "targetPort": 8080}])");
  EXPECT_THAT(ValidateKind("", "Service", svc), IsEmpty());
}

TEST(ValidateOtherTest, PersistentVolumeClaim) {
  json pvc = {{"spec", json::object()}};
  std::vector<std::string> errs = Strings(ValidateKind("", "PersistentVolumeClaim", pvc));
  EXPECT_THAT(errs, Contains("spec.accessModes: Required value: at least 1 access mode is "
                             "required"));
  EXPECT_THAT(errs, Contains("spec.resources[storage]: Required value"));
  pvc["spec"] = json::parse(R"({"accessModes": ["ReadWriteOnce"],
                                "resources": {"requests": {"storage": "1Gi"}}})");
  EXPECT_THAT(ValidateKind("", "PersistentVolumeClaim", pvc), IsEmpty());
  json now = pvc;
  now["spec"]["accessModes"] = {"ReadWriteMany"};
  EXPECT_THAT(Strings(ValidateKindUpdate("", "PersistentVolumeClaim", now, pvc)),
              testing::ElementsAre(
                  "spec: Forbidden: spec is immutable after creation except resources.requests "
                  "and volumeAttributesClassName for bound claims\n"
                  "  core.PersistentVolumeClaimSpec{\n"
                  "- \tAccessModes: [\"ReadWriteOnce\"],\n"
                  "+ \tAccessModes: [\"ReadWriteMany\"],\n"
                  "  }\n"));
}

TEST(ValidateOtherTest, Ingress) {
  json ing = json::parse(R"({"spec": {"rules": [{"host": "10.0.0.1", "http": {"paths": [
      {"path": "api", "pathType": "Prefix",
       "backend": {"service": {"name": "api", "port": {"number": 80}}}},
      {"path": "/", "pathType": "Regex",
       "backend": {"service": {"name": "api", "port": {}}}}]}}]}})");
  std::vector<std::string> errs = Strings(ValidateKind("networking.k8s.io", "Ingress", ing));
  EXPECT_THAT(errs, Contains("spec.rules[0].host: Invalid value: \"10.0.0.1\": must be a DNS name, "
                             "not an IP address"));
  EXPECT_THAT(errs, Contains("spec.rules[0].http.paths[0].path: Invalid value: \"api\": must be "
                             "an absolute path"));
  EXPECT_THAT(errs, Contains("spec.rules[0].http.paths[1].pathType: Unsupported value: \"Regex\": "
                             "supported values: \"Exact\", \"ImplementationSpecific\", "
                             "\"Prefix\""));
  EXPECT_THAT(errs, Contains("spec.rules[0].http.paths[1].backend: Required value: port name or "
                             "number is required"));
  ing["spec"]["rules"][0]["host"] = "*.example.com";
  ing["spec"]["rules"][0]["http"]["paths"].erase(1);
  ing["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/api";
  EXPECT_THAT(ValidateKind("networking.k8s.io", "Ingress", ing), IsEmpty());
}

TEST(ValidateOtherTest, PodDisruptionBudgetAndHpa) {
  json pdb = {{"spec", {{"minAvailable", 1}, {"maxUnavailable", "10%"}}}};
  EXPECT_THAT(Strings(ValidateKind("policy", "PodDisruptionBudget", pdb)),
              Contains("spec: Invalid value: policy.PodDisruptionBudgetSpec{MinAvailable:"
                       "(*intstr.IntOrString)(0xc000000000), Selector:(*v1.LabelSelector)(nil), "
                       "MaxUnavailable:(*intstr.IntOrString)(0xc000000000), "
                       "UnhealthyPodEvictionPolicy:(*policy.UnhealthyPodEvictionPolicyType)(nil)}"
                       ": minAvailable and maxUnavailable cannot be both set"));
  pdb["spec"].erase("maxUnavailable");
  EXPECT_THAT(ValidateKind("policy", "PodDisruptionBudget", pdb), IsEmpty());

  json hpa = {{"spec",
               {{"scaleTargetRef", {{"kind", "Deployment"}, {"name", "web"}}},
                {"minReplicas", 0},
                {"maxReplicas", 0}}}};
  std::vector<std::string> errs =
      Strings(ValidateKind("autoscaling", "HorizontalPodAutoscaler", hpa));
  EXPECT_THAT(errs, Contains("spec.minReplicas: Invalid value: 0: must be greater than or equal to "
                             "1"));
  EXPECT_THAT(errs, Contains("spec.maxReplicas: Invalid value: 0: must be greater than 0"));
  hpa["spec"]["minReplicas"] = 3;
  hpa["spec"]["maxReplicas"] = 2;
  EXPECT_THAT(Strings(ValidateKind("autoscaling", "HorizontalPodAutoscaler", hpa)),
              testing::ElementsAre("spec.maxReplicas: Invalid value: 2: must be greater than or "
                                   "equal to `minReplicas`"));
}

TEST(ValidateOtherTest, Rbac) {
  const char* group = "rbac.authorization.k8s.io";
  json role = json::parse(R"({"rules": [{"apiGroups": [""], "resources": ["pods"]},
                                         {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]})");
  std::vector<std::string> errs = Strings(ValidateKind(group, "Role", role));
  EXPECT_THAT(errs, Contains("rules[0].verbs: Required value: verbs must contain at least one "
                             "value"));
  EXPECT_THAT(errs, Contains("rules[1].nonResourceURLs: Invalid value: []string{\"/healthz\"}: "
                             "namespaced rules cannot apply to non-resource URLs"));
  EXPECT_THAT(ValidateKind(group, "ClusterRole", {{"rules", {role["rules"][1]}}}), IsEmpty());

  json binding = json::parse(R"({"roleRef": {"apiGroup": "rbac.authorization.k8s.io",
      "kind": "Role", "name": "r"}, "subjects": [{"kind": "Robot", "name": "x"}]})");
  EXPECT_THAT(Strings(ValidateKind(group, "RoleBinding", binding)),
              testing::ElementsAre("subjects[0].kind: Unsupported value: \"Robot\": supported "
                                   "values: \"ServiceAccount\", \"User\", \"Group\""));
  EXPECT_THAT(Strings(ValidateKind(group, "ClusterRoleBinding", binding)),
              Contains("roleRef.kind: Unsupported value: \"Role\": supported values: "
                       "\"ClusterRole\""));
  json now = binding;
  now["subjects"][0]["kind"] = "User";
  now["subjects"][0]["apiGroup"] = group;
  now["roleRef"]["name"] = "other";
  EXPECT_THAT(Strings(ValidateKindUpdate(group, "RoleBinding", now, binding)),
              testing::ElementsAre("roleRef: Invalid value: rbac.RoleRef{APIGroup:"
                                   "\"rbac.authorization.k8s.io\", Kind:\"Role\", Name:\"other\"}: "
                                   "cannot change roleRef"));
}

TEST(ValidateOtherTest, StorageClassPriorityClassRuntimeClass) {
  json sc = {{"provisioner", "rancher.io/local-path"},
             {"volumeBindingMode", "Immediate"},
             {"parameters", {{"a", "b"}}}};
  EXPECT_THAT(ValidateKind("storage.k8s.io", "StorageClass", sc), IsEmpty());
  json now = sc;
  now["parameters"]["a"] = "c";
  EXPECT_THAT(Strings(ValidateKindUpdate("storage.k8s.io", "StorageClass", now, sc)),
              testing::ElementsAre("parameters: Forbidden: updates to parameters are forbidden."));
  EXPECT_THAT(
      Strings(ValidateKind("storage.k8s.io", "StorageClass", {{"volumeBindingMode", "Immediate"}})),
      testing::ElementsAre("provisioner: Required value"));

  json pc = {{"metadata", {{"name", "system-custom"}}}, {"value", 10}};
  EXPECT_THAT(Strings(ValidateKind("scheduling.k8s.io", "PriorityClass", pc)),
              testing::ElementsAre("metadata.name: Forbidden: priority class names with "
                                   "'system-' prefix are reserved for system use only. error: "
                                   "name system-custom is not a known system priority class"));
  pc = {{"metadata", {{"name", "high"}}}, {"value", 2000000000}};
  EXPECT_THAT(Strings(ValidateKind("scheduling.k8s.io", "PriorityClass", pc)),
              testing::ElementsAre("value: Forbidden: maximum allowed value of a user defined "
                                   "priority is 1000000000"));

  EXPECT_THAT(
      Strings(ValidateKind("node.k8s.io", "RuntimeClass", {{"handler", "Run_C"}})),
      testing::ElementsAre(std::string("handler: Invalid value: \"Run_C\": ") + kLabelRegexMsg));
}

TEST(ValidateKindsTest, NameRules) {
  EXPECT_EQ(NameRuleFor("", "Pod"), NameRule::kDnsSubdomain);
  EXPECT_EQ(NameRuleFor("", "Namespace"), NameRule::kDnsLabel);
  EXPECT_EQ(NameRuleFor("", "Service"), NameRule::kDns1035Label);
  EXPECT_EQ(NameRuleFor("rbac.authorization.k8s.io", "ClusterRole"), NameRule::kPathSegment);
  EXPECT_EQ(NameRuleFor("apps", "Deployment"), NameRule::kDnsSubdomain);
  EXPECT_EQ(ValidateName("1web", NameRule::kDns1035Label, false),
            std::vector<std::string>{
                "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                "start with an alphabetic character, and end with an alphanumeric character "
                "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
                "'[a-z]([-a-z0-9]*[a-z0-9])?')"});
  EXPECT_THAT(ValidateKind("example.com", "Widget", json::object()), IsEmpty());
}

}  // namespace
}  // namespace k1s::api
