#include "api/protobuf_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "absl/status/status.h"

namespace k1s::api {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

// Bodies captured from kubectl 1.32 POSTing to a stub server (Content-Type
// application/vnd.kubernetes.protobuf); the .json beside each is `kubectl ... --dry-run=client
// -o json` with `creationTimestamp: null` and the empty top-level status removed (kubectl has no
// dry-run for token/cani/whoami: those hold Go's JSON of the same objects).
std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(K1S_PROTOBUF_TESTDATA) + "/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

class KubectlFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KubectlFixtureTest, DecodesLikeTheJsonPath) {
  std::string body = ReadFixture(GetParam() + ".pb");
  json expected = json::parse(ReadFixture(GetParam() + ".json"));
  auto decoded = DecodeKubernetesProtobuf(body);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, expected) << "decoded:\n" << decoded->dump(2);
}

TEST_P(KubectlFixtureTest, ReencodesToTheSameJson) {
  auto decoded = DecodeKubernetesProtobuf(ReadFixture(GetParam() + ".pb"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  auto encoded = EncodeKubernetesProtobuf(*decoded);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  auto again = DecodeKubernetesProtobuf(*encoded);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *decoded);
}

INSTANTIATE_TEST_SUITE_P(
    Kubectl, KubectlFixtureTest,
    ::testing::Values("configmap", "secret", "secret_dockerregistry", "namespace", "serviceaccount",
                      "service_nodeport", "service_clusterip", "deployment", "job", "cronjob",
                      "role", "rolebinding", "clusterrole", "clusterrolebinding", "pdb", "quota",
                      "priorityclass", "ingress", "token", "cani", "whoami"),
    [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(ProtobufCodecTest, ConfigMapKeepsBinaryDataAsBase64) {
  auto decoded = DecodeKubernetesProtobuf(ReadFixture("configmap.pb"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  // small.bin held "hello\0\xff\xfe".
  EXPECT_EQ((*decoded)["binaryData"]["bin"], "aGVsbG8A//4=");
  EXPECT_EQ((*decoded)["data"]["a"], "b");
}

TEST(ProtobufCodecTest, DeploymentKeepsZeroReplicas) {
  auto decoded = DecodeKubernetesProtobuf(ReadFixture("deployment.pb"));
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_TRUE((*decoded)["spec"].contains("replicas"));
  EXPECT_EQ((*decoded)["spec"]["replicas"], 0);
  EXPECT_FALSE(decoded->contains("status"));
}

json RoundTrip(const json& object) {
  auto encoded = EncodeKubernetesProtobuf(object);
  EXPECT_TRUE(encoded.ok()) << encoded.status();
  if (!encoded.ok()) return nullptr;
  EXPECT_EQ(encoded->substr(0, 4), std::string("k8s\0", 4));
  auto decoded = DecodeKubernetesProtobuf(*encoded);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  return decoded.ok() ? *decoded : json(nullptr);
}

TEST(ProtobufCodecTest, PodRoundTrip) {
  json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {
      "name": "p", "namespace": "default", "labels": {"app": "p"}, "annotations": {"empty": ""},
      "creationTimestamp": "2026-11-22T22:10:42Z",
      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                           "uid": "u-1", "controller": true}]
    },
    "spec": {
      "volumes": [
        {"name": "scratch", "emptyDir": {}},
        {"name": "cfg", "configMap": {"name": "c", "items": [{"key": "a", "path": "a.txt"}],
                                      "defaultMode": 420}},
        {"name": "sec", "secret": {"secretName": "s", "optional": false}}
      ],
      "containers": [{
        "name": "c", "image": "busybox", "command": ["sleep", "10"],
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [{"name": "A", "value": "1"},
                {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "a"}}}],
        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "100m"}},
        "securityContext": {"runAsUser": 0, "allowPrivilegeEscalation": false},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
        "livenessProbe": {"tcpSocket": {"port": 8080}}
      }],
      "ephemeralContainers": [{"name": "debug", "image": "busybox", "stdin": true,
                               "targetContainerName": "c"}],
      "automountServiceAccountToken": false,
      "terminationGracePeriodSeconds": 30
    },
    "status": {"phase": "Running", "startTime": "2026-11-22T22:10:43Z"}
  })");
  EXPECT_EQ(RoundTrip(pod), pod);
}

TEST(ProtobufCodecTest, ServiceTargetPortAsIntAndString) {
  json service = json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {
      "type": "NodePort", "selector": {"app": "web"},
      "ports": [{"name": "a", "port": 80, "targetPort": 8080, "protocol": "TCP", "nodePort": 30080},
                {"name": "b", "port": 443, "targetPort": "https"}]
    }
  })");
  json decoded = RoundTrip(service);
  EXPECT_EQ(decoded, service);
  EXPECT_TRUE(decoded["spec"]["ports"][0]["targetPort"].is_number());
  EXPECT_TRUE(decoded["spec"]["ports"][1]["targetPort"].is_string());
}

TEST(ProtobufCodecTest, SpecialEncodingsRoundTrip) {
  // MicroTime keeps microseconds.
  json lease = json::parse(R"({
    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
    "metadata": {"name": "node-a", "namespace": "kube-node-lease"},
    "spec": {"holderIdentity": "node-a", "leaseDurationSeconds": 40,
             "renewTime": "2026-11-22T22:10:42.123456Z"}
  })");
  EXPECT_EQ(RoundTrip(lease), lease);

  // RawExtension carries embedded JSON; FieldsV1 likewise.
  json revision = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "ControllerRevision",
    "metadata": {"name": "r", "managedFields": [{"manager": "kubectl", "operation": "Update",
      "apiVersion": "apps/v1", "time": "2026-11-22T22:10:42Z", "fieldsType": "FieldsV1",
      "fieldsV1": {"f:data": {}}}]},
    "data": {"spec": {"template": {"metadata": {"labels": {"a": "b"}}}}},
    "revision": 3
  })");
  EXPECT_EQ(RoundTrip(revision), revision);

  // Wrapper lists (ExtraValue) become plain arrays; bytes become base64.
  json review = json::parse(R"({
    "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
    "metadata": {},
    "spec": {"user": "alice", "groups": ["devs"], "extra": {"scopes": ["a", "b"]},
             "resourceAttributes": {"verb": "get", "resource": "pods"}}
  })");
  EXPECT_EQ(RoundTrip(review), review);
  json secret = json::parse(R"({
    "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque",
    "data": {"bin": "AP8=", "empty": ""}, "immutable": true
  })");
  EXPECT_EQ(RoundTrip(secret), secret);

  // Inline structs: IngressRule.ingressRuleValue, fields renamed for JSON (apiGroup).
  json ingress_class = json::parse(R"({
    "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "c"},
    "spec": {"controller": "k1s.io/ingress",
             "parameters": {"apiGroup": "k1s.io", "kind": "Params", "name": "p"}}
  })");
  EXPECT_EQ(RoundTrip(ingress_class), ingress_class);
}

TEST(ProtobufCodecTest, PersistentVolumeSourceIsInline) {
  json volume = json::parse(R"({
    "apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
    "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
             "hostPath": {"path": "/data", "type": "DirectoryOrCreate"},
             "persistentVolumeReclaimPolicy": "Retain"}
  })");
  EXPECT_EQ(RoundTrip(volume), volume);
}

TEST(ProtobufCodecTest, ZeroValuesOfGoPointersSurviveOthersDrop) {
  // storageClassName is *string (""= no class), replicas *int32, paused/minReadySeconds and
  // nodePort are non-pointer omitempty: Go writes them to protobuf always, JSON drops zeros.
  json claim = json::parse(R"({
    "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
    "spec": {"storageClassName": "", "accessModes": ["ReadWriteOnce"],
             "resources": {"requests": {"storage": "1Gi"}}}
  })");
  EXPECT_EQ(RoundTrip(claim), claim);
  json deployment = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "generation": 0},
    "spec": {"replicas": 0, "paused": false, "minReadySeconds": 0,
             "selector": {"matchLabels": {"a": "b"}},
             "template": {"spec": {"containers": [{"name": "c", "tty": false}],
                                   "hostPID": false}}},
    "status": {"replicas": 0, "observedGeneration": 0}
  })");
  json expected = json::parse(R"({
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
    "spec": {"replicas": 0, "selector": {"matchLabels": {"a": "b"}},
             "template": {"spec": {"containers": [{"name": "c"}]}}}
  })");
  EXPECT_EQ(RoundTrip(deployment), expected);
  json service = json::parse(R"({
    "apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
    "spec": {"ports": [{"port": 80, "nodePort": 0}], "publishNotReadyAddresses": false}
  })");
  EXPECT_EQ(RoundTrip(service)["spec"], json::parse(R"({"ports": [{"port": 80}]})"));
}

TEST(ProtobufCodecTest, EmptyStringsAndZeroTimesAreDropped) {
  json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p", "namespace": ""},
    "spec": {"containers": [{"name": "c", "image": ""}]},
    "status": {}
  })");
  json expected = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "p"},
    "spec": {"containers": [{"name": "c"}]}
  })");
  EXPECT_EQ(RoundTrip(pod), expected);
}

TEST(ProtobufCodecTest, RejectsBodyWithoutMagic) {
  auto decoded = DecodeKubernetesProtobuf(R"({"kind":"Pod"})");
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(decoded.status().message(),
            "provided data does not appear to be a protobuf message, expected prefix "
            "[107 56 115 0]");
  EXPECT_EQ(DecodeKubernetesProtobuf("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ProtobufCodecTest, RejectsTruncatedBody) {
  std::string body = ReadFixture("deployment.pb");
  for (size_t cut : {size_t{5}, body.size() / 2, body.size() - 1}) {
    auto decoded = DecodeKubernetesProtobuf(std::string_view(body).substr(0, cut));
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument) << cut;
  }
}

TEST(ProtobufCodecTest, RejectsUnknownKind) {
  auto encoded = EncodeKubernetesProtobuf(
      json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}}}});
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  // Same envelope, kind renamed in place ("ConfigMap" -> "ConfigMop").
  std::string body = *encoded;
  size_t at = body.find("ConfigMap");
  ASSERT_NE(at, std::string::npos);
  body[at + 7] = 'o';
  auto decoded = DecodeKubernetesProtobuf(body);
  ASSERT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(decoded.status().message(),
              HasSubstr("no kind \"ConfigMop\" is registered for version \"v1\""));

  for (const json& object : {json{{"apiVersion", "example.com/v1"}, {"kind", "Widget"}},
                             json{{"apiVersion", "v1"}, {"kind", "Container"}},
                             json{{"apiVersion", "apps/v9"}, {"kind", "Deployment"}}}) {
    EXPECT_EQ(EncodeKubernetesProtobuf(object).status().code(), absl::StatusCode::kInvalidArgument)
        << object.dump();
  }
}

TEST(ProtobufCodecTest, EncodeRejectsMistypedValues) {
  EXPECT_EQ(EncodeKubernetesProtobuf(json::parse(R"({"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "c"}, "bogus": 1})"))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  auto mistyped = EncodeKubernetesProtobuf(json::parse(
      R"({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": "three"}})"));
  ASSERT_EQ(mistyped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mistyped.status().message(), HasSubstr("spec.replicas"));
  EXPECT_EQ(EncodeKubernetesProtobuf(json::array()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ProtobufCodecTest, DecodesMetaKindsInAnyGroupVersion) {
  json options = {{"apiVersion", "v1"},
                  {"kind", "DeleteOptions"},
                  {"gracePeriodSeconds", 0},
                  {"propagationPolicy", "Foreground"}};
  EXPECT_EQ(RoundTrip(options), options);
}

}  // namespace
}  // namespace k1s::api
