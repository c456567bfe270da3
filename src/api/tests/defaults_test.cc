#include "api/defaults.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace k1s::api {
namespace {

using nlohmann::json;

constexpr char kDigest[] =
    "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// Applies the defaults, checks that a second pass changes nothing, and returns the result.
json Defaulted(const char* group, const char* version, const char* kind, const json& input) {
  json once = input;
  ApplyDefaults(group, version, kind, once);
  json twice = once;
  ApplyDefaults(group, version, kind, twice);
  EXPECT_EQ(twice, once) << "defaulting " << kind << " is not idempotent";
  return once;
}

void ExpectDefaults(const char* group, const char* version, const char* kind, const char* input,
                    const char* expected) {
  SCOPED_TRACE(kind);
  EXPECT_EQ(Defaulted(group, version, kind, json::parse(input)), json::parse(expected));
}

// The pod spec defaults every template gets, around the given containers.
std::string TemplateSpec(const std::string& containers, const std::string& restart = "Always") {
  return R"({"containers":)" + containers + R"(,"dnsPolicy":"ClusterFirst","restartPolicy":")" +
         restart +
         R"(","schedulerName":"default-scheduler","securityContext":{},)"
         R"("terminationGracePeriodSeconds":30})";
}

constexpr char kNginxContainer[] = R"([{"name":"nginx","image":"nginx","resources":{}}])";
constexpr char kNginxDefaulted[] =
    R"([{"name":"nginx","image":"nginx","resources":{},"imagePullPolicy":"Always",)"
    R"("terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}])";

TEST(DefaultsTest, ImageTagFollowsDockerReferenceParsing) {
  const std::string digest = kDigest;
  EXPECT_EQ(ImageTag("nginx"), "latest");
  EXPECT_EQ(ImageTag("nginx:1.25"), "1.25");
  EXPECT_EQ(ImageTag("nginx:latest"), "latest");
  EXPECT_EQ(ImageTag("library/nginx"), "latest");
  EXPECT_EQ(ImageTag("registry.example.com:5000/team/app"), "latest");
  EXPECT_EQ(ImageTag("registry.example.com:5000/team/app:v1"), "v1");
  EXPECT_EQ(ImageTag("localhost/app:dev"), "dev");
  EXPECT_EQ(ImageTag("[::1]:5000/app:v2"), "v2");
  EXPECT_EQ(ImageTag("nginx@" + digest), "");
  EXPECT_EQ(ImageTag("nginx:1.0@" + digest), "1.0");
  // References that do not parse have no tag.
  EXPECT_EQ(ImageTag(""), "");
  EXPECT_EQ(ImageTag("Nginx"), "");
  EXPECT_EQ(ImageTag("gcr.io/Project/app"), "");
  EXPECT_EQ(ImageTag("nginx:"), "");
  EXPECT_EQ(ImageTag("nginx@sha256:abc"), "");
  EXPECT_EQ(ImageTag("nginx@md5:0123456789abcdef0123456789abcdef"), "");
  EXPECT_EQ(ImageTag(std::string(64, 'a')), "");
  EXPECT_EQ(ImageTag(std::string(300, 'a')), "");
  EXPECT_EQ(ImageTag(std::string(5000, 'a') + ":tag"), "");

  EXPECT_EQ(DefaultImagePullPolicy("nginx"), "Always");
  EXPECT_EQ(DefaultImagePullPolicy("nginx:latest"), "Always");
  EXPECT_EQ(DefaultImagePullPolicy("nginx:1.25"), "IfNotPresent");
  EXPECT_EQ(DefaultImagePullPolicy("nginx@" + digest), "IfNotPresent");
  EXPECT_EQ(DefaultImagePullPolicy(""), "IfNotPresent");
}

TEST(DefaultsTest, MinimalPod) {
  ExpectDefaults("", "v1", "Pod",
                 R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},
                     "spec":{"containers":[{"name":"x","image":"nginx:1.25"}]}})",
                 R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},
                     "spec":{"containers":[{"name":"x","image":"nginx:1.25",
                        "imagePullPolicy":"IfNotPresent",
                        "terminationMessagePath":"/dev/termination-log",
                        "terminationMessagePolicy":"File"}],
                      "dnsPolicy":"ClusterFirst","enableServiceLinks":true,
                      "restartPolicy":"Always","schedulerName":"default-scheduler",
                      "securityContext":{},"terminationGracePeriodSeconds":30}})");
}

constexpr char kFullPod[] = R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"full"},
  "spec":{
    "hostNetwork":true,
    "restartPolicy":"OnFailure","enableServiceLinks":false,"terminationGracePeriodSeconds":0,
    "containers":[{"name":"app","image":"nginx",
      "ports":[{"containerPort":80},{"containerPort":53,"protocol":"UDP","hostPort":5353}],
      "env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
             {"name":"B","value":"b"}],
      "resources":{"limits":{"cpu":"1","memory":"1Gi"},"requests":{"cpu":"500m"}},
      "livenessProbe":{"httpGet":{"port":8080}},
      "readinessProbe":{"grpc":{"port":9090},"periodSeconds":5},
      "startupProbe":{"tcpSocket":{"port":80},"timeoutSeconds":0},
      "lifecycle":{"preStop":{"httpGet":{"port":80,"path":"/stop"}},
                   "postStart":{"exec":{"command":["true"]}}}}],
    "initContainers":[{"name":"init","image":"busybox@DIGEST",
      "imagePullPolicy":"","resources":{"limits":{"memory":"64Mi"}},
      "ports":[{"containerPort":9000}]}],
    "ephemeralContainers":[{"name":"debug","image":"busybox:latest",
      "resources":{"limits":{"cpu":"1"}}}],
    "volumes":[
      {"name":"a"},
      {"name":"s","secret":{"secretName":"s"}},
      {"name":"c","configMap":{"name":"c","defaultMode":256}},
      {"name":"h","hostPath":{"path":"/tmp"}},
      {"name":"d","downwardAPI":{"items":[{"path":"p",
        "fieldRef":{"fieldPath":"metadata.labels"}}]}},
      {"name":"p","projected":{"sources":[{"serviceAccountToken":{"path":"token"}},
        {"downwardAPI":{"items":[{"path":"n","fieldRef":{"fieldPath":"metadata.name"}}]}},
        {"configMap":{"name":"c"}}]}},
      {"name":"e","ephemeral":{"volumeClaimTemplate":{"spec":{"accessModes":["ReadWriteOnce"]}}}},
      {"name":"i","iscsi":{"targetPortal":"1.2.3.4","iqn":"iqn.x","lun":0}},
      {"name":"r","rbd":{"monitors":["m"],"image":"img"}},
      {"name":"az","azureDisk":{"diskName":"d","diskURI":"u"}},
      {"name":"sc","scaleIO":{"gateway":"g","system":"s","secretRef":{"name":"x"}}},
      {"name":"pvc","persistentVolumeClaim":{"claimName":"c"}}]}})";

TEST(DefaultsTest, PodNestedDefaults) {
  std::string input = kFullPod;
  input.replace(input.find("DIGEST"), 6, kDigest);
  json pod = Defaulted("", "v1", "Pod", json::parse(input));
  const json& spec = pod["spec"];
  // Explicit values stay, including the Go zero values of pointer fields.
  EXPECT_EQ(spec["restartPolicy"], "OnFailure");
  EXPECT_EQ(spec["enableServiceLinks"], false);
  EXPECT_EQ(spec["terminationGracePeriodSeconds"], 0);
  EXPECT_EQ(spec["dnsPolicy"], "ClusterFirst");

  const json& app = spec["containers"][0];
  EXPECT_EQ(app["imagePullPolicy"], "Always");
  EXPECT_EQ(app["ports"], json::parse(R"([{"containerPort":80,"protocol":"TCP","hostPort":80},
      {"containerPort":53,"protocol":"UDP","hostPort":5353}])"));
  EXPECT_EQ(app["env"], json::parse(R"([{"name":"A","valueFrom":{"fieldRef":
      {"fieldPath":"metadata.name","apiVersion":"v1"}}},{"name":"B","value":"b"}])"));
  EXPECT_EQ(app["resources"], json::parse(R"({"limits":{"cpu":"1","memory":"1Gi"},
      "requests":{"cpu":"500m","memory":"1Gi"}})"));
  EXPECT_EQ(app["livenessProbe"], json::parse(R"({"httpGet":{"port":8080,"path":"/",
      "scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,
      "failureThreshold":3})"));
  EXPECT_EQ(app["readinessProbe"], json::parse(R"({"grpc":{"port":9090,"service":""},
      "timeoutSeconds":1,"periodSeconds":5,"successThreshold":1,"failureThreshold":3})"));
  EXPECT_EQ(app["startupProbe"], json::parse(R"({"tcpSocket":{"port":80},"timeoutSeconds":1,
      "periodSeconds":10,"successThreshold":1,"failureThreshold":3})"));
  EXPECT_EQ(app["lifecycle"], json::parse(R"({"preStop":{"httpGet":{"port":80,"path":"/stop",
      "scheme":"HTTP"}},"postStart":{"exec":{"command":["true"]}}})"));

  const json& init = spec["initContainers"][0];
  EXPECT_EQ(init["imagePullPolicy"], "IfNotPresent");  // digest only: no tag
  EXPECT_EQ(init["resources"]["requests"], json::parse(R"({"memory":"64Mi"})"));
  EXPECT_EQ(init["ports"][0]["hostPort"], 9000);
  EXPECT_EQ(init["terminationMessagePolicy"], "File");

  const json& debug = spec["ephemeralContainers"][0];
  EXPECT_EQ(debug["imagePullPolicy"], "Always");
  EXPECT_EQ(debug["terminationMessagePath"], "/dev/termination-log");
  EXPECT_FALSE(debug["resources"].contains("requests"));  // only regular and init containers

  EXPECT_EQ(spec["volumes"], json::parse(R"([
      {"name":"a","emptyDir":{}},
      {"name":"s","secret":{"secretName":"s","defaultMode":420}},
      {"name":"c","configMap":{"name":"c","defaultMode":256}},
      {"name":"h","hostPath":{"path":"/tmp","type":""}},
      {"name":"d","downwardAPI":{"defaultMode":420,"items":[{"path":"p",
        "fieldRef":{"fieldPath":"metadata.labels","apiVersion":"v1"}}]}},
      {"name":"p","projected":{"defaultMode":420,"sources":[
        {"serviceAccountToken":{"path":"token","expirationSeconds":3600}},
        {"downwardAPI":{"items":[{"path":"n","fieldRef":{"fieldPath":"metadata.name",
          "apiVersion":"v1"}}]}},
        {"configMap":{"name":"c"}}]}},
      {"name":"e","ephemeral":{"volumeClaimTemplate":{"spec":{"accessModes":["ReadWriteOnce"],
        "volumeMode":"Filesystem"}}}},
      {"name":"i","iscsi":{"targetPortal":"1.2.3.4","iqn":"iqn.x","lun":0,
        "iscsiInterface":"default"}},
      {"name":"r","rbd":{"monitors":["m"],"image":"img","pool":"rbd","user":"admin",
        "keyring":"/etc/ceph/keyring"}},
      {"name":"az","azureDisk":{"diskName":"d","diskURI":"u","cachingMode":"ReadWrite",
        "fsType":"ext4","readOnly":false,"kind":"Shared"}},
      {"name":"sc","scaleIO":{"gateway":"g","system":"s","secretRef":{"name":"x"},
        "storageMode":"ThinProvisioned","fsType":"xfs"}},
      {"name":"pvc","persistentVolumeClaim":{"claimName":"c"}}])"));
  EXPECT_FALSE(pod.contains("status"));  // phase Pending is set by the registry, not defaulting
}

TEST(DefaultsTest, PodWithoutHostNetworkKeepsHostPortUnset) {
  json pod = Defaulted("", "v1", "Pod", json::parse(R"({"spec":{"containers":[{"name":"a",
      "image":"a:1","ports":[{"containerPort":80}]}]}})"));
  EXPECT_EQ(pod["spec"]["containers"][0]["ports"],
            json::parse(R"([{"containerPort":80,"protocol":"TCP"}])"));
}

TEST(DefaultsTest, PodTemplate) {
  ExpectDefaults("", "v1", "PodTemplate",
                 (std::string(R"({"metadata":{"name":"t"},"template":{"spec":{"hostNetwork":true,
          "containers":[{"name":"nginx","image":"nginx","resources":{"limits":{"cpu":"1"}}}]}}})"))
                     .c_str(),
                 R"({"metadata":{"name":"t"},"template":{"spec":{"hostNetwork":true,
          "containers":[{"name":"nginx","image":"nginx","resources":{"limits":{"cpu":"1"}},
            "imagePullPolicy":"Always","terminationMessagePath":"/dev/termination-log",
            "terminationMessagePolicy":"File"}],
          "dnsPolicy":"ClusterFirst","restartPolicy":"Always",
          "schedulerName":"default-scheduler","securityContext":{},
          "terminationGracePeriodSeconds":30}}})");
}

TEST(DefaultsTest, ReplicationController) {
  const std::string input = std::string(R"({"metadata":{"name":"rc"},"spec":{"template":{
      "metadata":{"labels":{"app":"x"}},"spec":{"containers":)") +
                            kNginxContainer + "}}}}";
  const std::string expected =
      std::string(R"({"metadata":{"name":"rc","labels":{"app":"x"}},"spec":{"replicas":1,
      "selector":{"app":"x"},"template":{"metadata":{"labels":{"app":"x"}},"spec":)") +
      TemplateSpec(kNginxDefaulted) + "}}}";
  ExpectDefaults("", "v1", "ReplicationController", input.c_str(), expected.c_str());
  // Existing selector and labels win.
  ExpectDefaults("", "v1", "ReplicationController",
                 R"({"metadata":{"labels":{"a":"b"}},"spec":{"replicas":0,"selector":{"c":"d"}}})",
                 R"({"metadata":{"labels":{"a":"b"}},"spec":{"replicas":0,"selector":{"c":"d"}}})");
}

TEST(DefaultsTest, ServiceClusterIP) {
  ExpectDefaults("", "v1", "Service",
                 R"({"metadata":{"name":"s"},"spec":{"selector":{"app":"x"},"ports":[
                     {"port":80},{"name":"dns","port":53,"protocol":"UDP","targetPort":"dns"}]}})",
                 R"({"metadata":{"name":"s"},"spec":{"selector":{"app":"x"},"ports":[
                     {"port":80,"protocol":"TCP","targetPort":80},
                     {"name":"dns","port":53,"protocol":"UDP","targetPort":"dns"}],
                     "sessionAffinity":"None","type":"ClusterIP",
                     "internalTrafficPolicy":"Cluster"}})");
  // External IPs make a ClusterIP service externally accessible.
  ExpectDefaults("", "v1", "Service", R"({"spec":{"externalIPs":["1.2.3.4"],"ports":[
                     {"port":80,"targetPort":""}]}})",
                 R"({"spec":{"externalIPs":["1.2.3.4"],"ports":[{"port":80,"targetPort":80,
                     "protocol":"TCP"}],"sessionAffinity":"None","type":"ClusterIP",
                     "internalTrafficPolicy":"Cluster","externalTrafficPolicy":"Cluster"}})");
}

TEST(DefaultsTest, ServiceNodePortAndLoadBalancer) {
  ExpectDefaults("", "v1", "Service",
                 R"({"spec":{"type":"NodePort","ports":[{"port":80,"targetPort":0}]}})",
                 R"({"spec":{"type":"NodePort","ports":[{"port":80,"targetPort":80,
                     "protocol":"TCP"}],"sessionAffinity":"None",
                     "externalTrafficPolicy":"Cluster","internalTrafficPolicy":"Cluster"}})");
  ExpectDefaults("", "v1", "Service",
                 R"({"spec":{"type":"LoadBalancer","sessionAffinity":"ClientIP",
                     "sessionAffinityConfig":{"clientIP":{}},"ports":[{"port":443}]},
                     "status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"},{"hostname":"h"},
                       {"ip":"5.6.7.8","ipMode":"Proxy"}]}}})",
                 R"({"spec":{"type":"LoadBalancer","sessionAffinity":"ClientIP",
                     "sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}},
                     "ports":[{"port":443,"targetPort":443,"protocol":"TCP"}],
                     "externalTrafficPolicy":"Cluster","internalTrafficPolicy":"Cluster",
                     "allocateLoadBalancerNodePorts":true},
                     "status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4","ipMode":"VIP"},
                       {"hostname":"h"},{"ip":"5.6.7.8","ipMode":"Proxy"}]}}})");
}

TEST(DefaultsTest, ServiceExternalNameDropsAffinityConfig) {
  ExpectDefaults("", "v1", "Service",
                 R"({"spec":{"type":"ExternalName","externalName":"example.com",
                     "sessionAffinityConfig":{"clientIP":{"timeoutSeconds":5}}}})",
                 R"({"spec":{"type":"ExternalName","externalName":"example.com",
                     "sessionAffinity":"None"}})");
  // A ClientIP timeout given by the client is kept.
  ExpectDefaults("", "v1", "Service",
                 R"({"spec":{"sessionAffinity":"ClientIP",
                     "sessionAffinityConfig":{"clientIP":{"timeoutSeconds":5}}}})",
                 R"({"spec":{"sessionAffinity":"ClientIP","type":"ClusterIP",
                     "sessionAffinityConfig":{"clientIP":{"timeoutSeconds":5}},
                     "internalTrafficPolicy":"Cluster"}})");
}

TEST(DefaultsTest, PersistentVolumeAndClaim) {
  ExpectDefaults("", "v1", "PersistentVolume",
                 R"({"metadata":{"name":"pv"},"spec":{"capacity":{"storage":"1Gi"},
                     "accessModes":["ReadWriteOnce"],"hostPath":{"path":"/data"}}})",
                 R"({"metadata":{"name":"pv"},"spec":{"capacity":{"storage":"1Gi"},
                     "accessModes":["ReadWriteOnce"],"hostPath":{"path":"/data","type":""},
                     "persistentVolumeReclaimPolicy":"Retain","volumeMode":"Filesystem"},
                     "status":{"phase":"Pending"}})");
  ExpectDefaults("", "v1", "PersistentVolumeClaim",
                 R"({"metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],
                     "resources":{"requests":{"storage":"1Gi"}}}})",
                 R"({"metadata":{"name":"c"},"spec":{"accessModes":["ReadWriteOnce"],
                     "resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"},
                     "status":{"phase":"Pending"}})");
  ExpectDefaults("", "v1", "PersistentVolumeClaim",
                 R"({"spec":{"volumeMode":"Block"},"status":{"phase":"Bound"}})",
                 R"({"spec":{"volumeMode":"Block"},"status":{"phase":"Bound"}})");
}

TEST(DefaultsTest, NamespaceGetsNameLabelAndPhase) {
  ExpectDefaults("", "v1", "Namespace",
                 R"({"metadata":{"name":"team","labels":{"kubernetes.io/metadata.name":"x"}}})",
                 R"({"metadata":{"name":"team","labels":{"kubernetes.io/metadata.name":"team"}},
                     "status":{"phase":"Active"}})");
  // generateName-only namespaces get no label yet.
  ExpectDefaults("", "v1", "Namespace", R"({"metadata":{"generateName":"t-"}})",
                 R"({"metadata":{"generateName":"t-"},"status":{"phase":"Active"}})");
}

TEST(DefaultsTest, NodeAllocatableFromCapacity) {
  ExpectDefaults("", "v1", "Node",
                 R"({"metadata":{"name":"n"},"status":{"capacity":{"cpu":"4","pods":"110"}}})",
                 R"({"metadata":{"name":"n"},"status":{"capacity":{"cpu":"4","pods":"110"},
                     "allocatable":{"cpu":"4","pods":"110"}}})");
  ExpectDefaults("", "v1", "Node", R"({"metadata":{"name":"n"}})", R"({"metadata":{"name":"n"}})");
}

TEST(DefaultsTest, EndpointsPortsProtocol) {
  ExpectDefaults("", "v1", "Endpoints",
                 R"({"subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"port":80},
                     {"port":53,"protocol":"UDP"}]}]})",
                 R"({"subsets":[{"addresses":[{"ip":"10.0.0.1"}],"ports":[
                     {"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}]})");
}

TEST(DefaultsTest, LimitRangeContainerDefaults) {
  ExpectDefaults("", "v1", "LimitRange",
                 R"({"spec":{"limits":[
                     {"type":"Container","max":{"cpu":"2"},"min":{"memory":"64Mi","cpu":"1m"},
                      "default":{"memory":"256Mi"}},
                     {"type":"Container"},
                     {"type":"Pod","max":{"cpu":"4"}}]}})",
                 R"({"spec":{"limits":[
                     {"type":"Container","max":{"cpu":"2"},"min":{"memory":"64Mi","cpu":"1m"},
                      "default":{"memory":"256Mi","cpu":"2"},
                      "defaultRequest":{"memory":"256Mi","cpu":"2"}},
                     {"type":"Container"},
                     {"type":"Pod","max":{"cpu":"4"}}]}})");
}

TEST(DefaultsTest, SecretTypeAndKindsWithoutDefaults) {
  ExpectDefaults("", "v1", "Secret", R"({"metadata":{"name":"s"},"data":{}})",
                 R"({"metadata":{"name":"s"},"data":{},"type":"Opaque"})");
  ExpectDefaults("", "v1", "Secret", R"({"type":""})", R"({"type":"Opaque"})");
  ExpectDefaults("", "v1", "Secret", R"({"type":"kubernetes.io/tls"})",
                 R"({"type":"kubernetes.io/tls"})");
  const char* kNoDefaults[][3] = {
      {"", "v1", "ConfigMap"},
      {"", "v1", "ServiceAccount"},
      {"", "v1", "Event"},
      {"", "v1", "ResourceQuota"},
      {"apps", "v1", "ControllerRevision"},
      {"networking.k8s.io", "v1", "Ingress"},
      {"policy", "v1", "PodDisruptionBudget"},
      {"rbac.authorization.k8s.io", "v1", "Role"},
      {"rbac.authorization.k8s.io", "v1", "ClusterRole"},
      {"storage.k8s.io", "v1", "CSINode"},
      {"certificates.k8s.io", "v1", "CertificateSigningRequest"},
      {"node.k8s.io", "v1", "RuntimeClass"},
      {"coordination.k8s.io", "v1", "Lease"},
      {"events.k8s.io", "v1", "Event"},
      {"apps", "v1beta2", "Deployment"},  // only the listed versions are defaulted
  };
  const json object = json::parse(R"({"metadata":{"name":"x"},"spec":{"a":1},"data":{"k":"v"}})");
  for (const auto& gvk : kNoDefaults) {
    SCOPED_TRACE(gvk[2]);
    EXPECT_FALSE(HasDefaults(gvk[0], gvk[1], gvk[2]));
    EXPECT_EQ(Defaulted(gvk[0], gvk[1], gvk[2], object), object);
  }
  EXPECT_TRUE(HasDefaults("", "v1", "Pod"));
  EXPECT_TRUE(HasDefaults("apps", "v1", "Deployment"));
  EXPECT_TRUE(HasDefaults("discovery.k8s.io", "v1", "EndpointSlice"));
}

TEST(DefaultsTest, DeploymentLikeKubectlCreate) {
  // kubectl create deployment x --image=nginx --dry-run=server -o json, minus server metadata.
  const std::string input =
      std::string(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x",
      "labels":{"app":"x"}},"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{
      "metadata":{"labels":{"app":"x"}},"spec":{"containers":)") +
      kNginxContainer + "}}}}";
  const std::string expected =
      std::string(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"x",
      "labels":{"app":"x"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"x"}},
      "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%",
      "maxSurge":"25%"}},"revisionHistoryLimit":10,"progressDeadlineSeconds":600,
      "template":{"metadata":{"labels":{"app":"x"}},"spec":)") +
      TemplateSpec(kNginxDefaulted) + "}}}";
  ExpectDefaults("apps", "v1", "Deployment", input.c_str(), expected.c_str());
  // Recreate gets no rollingUpdate block; explicit values are kept.
  ExpectDefaults("apps", "v1", "Deployment",
                 R"({"spec":{"replicas":0,"strategy":{"type":"Recreate"},"template":{"spec":{}}}})",
                 (std::string(R"({"spec":{"replicas":0,"strategy":{"type":"Recreate"},
                     "revisionHistoryLimit":10,"progressDeadlineSeconds":600,
                     "template":{"spec":)") +
                  R"({"dnsPolicy":"ClusterFirst","restartPolicy":"Always",
                     "schedulerName":"default-scheduler","securityContext":{},
                     "terminationGracePeriodSeconds":30}}}})")
                     .c_str());
}

TEST(DefaultsTest, TemplatesDoNotGetPodOnlyDefaults) {
  json deployment = Defaulted("apps", "v1", "Deployment", json::parse(R"({"spec":{"template":{
      "spec":{"hostNetwork":true,"containers":[{"name":"a","image":"a:1",
      "ports":[{"containerPort":80}],"resources":{"limits":{"cpu":"1"}}}]}}}})"));
  const json& spec = deployment["spec"]["template"]["spec"];
  EXPECT_FALSE(spec.contains("enableServiceLinks"));
  EXPECT_FALSE(spec["containers"][0]["ports"][0].contains("hostPort"));
  EXPECT_FALSE(spec["containers"][0]["resources"].contains("requests"));
  EXPECT_EQ(spec["containers"][0]["ports"][0]["protocol"], "TCP");
}

TEST(DefaultsTest, ReplicaSet) {
  const std::string input = std::string(R"({"spec":{"selector":{"matchLabels":{"a":"b"}},
      "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":)") +
                            kNginxContainer + "}}}}";
  const std::string expected =
      std::string(R"({"spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},
      "template":{"metadata":{"labels":{"a":"b"}},"spec":)") +
      TemplateSpec(kNginxDefaulted) + "}}}";
  ExpectDefaults("apps", "v1", "ReplicaSet", input.c_str(), expected.c_str());
}

TEST(DefaultsTest, StatefulSet) {
  const std::string input = std::string(R"({"spec":{"serviceName":"web",
      "selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
      "spec":{"containers":)") +
                            kNginxContainer + R"(}},"volumeClaimTemplates":[{
      "metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],
      "resources":{"requests":{"storage":"1Gi"}}}}]}})";
  const std::string expected = std::string(R"({"spec":{"serviceName":"web","replicas":1,
      "podManagementPolicy":"OrderedReady","revisionHistoryLimit":10,
      "updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"partition":0}},
      "persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Retain","whenScaled":"Retain"},
      "selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
      "spec":)") + TemplateSpec(kNginxDefaulted) +
                               R"(},"volumeClaimTemplates":[{
      "metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],
      "resources":{"requests":{"storage":"1Gi"}},"volumeMode":"Filesystem"},
      "status":{"phase":"Pending"}}]}})";
  ExpectDefaults("apps", "v1", "StatefulSet", input.c_str(), expected.c_str());

  // An explicit RollingUpdate without a rollingUpdate block keeps it nil; OnDelete has no
  // partition; a half-given retention policy is completed.
  json explicit_type = Defaulted("apps", "v1", "StatefulSet", json::parse(R"({"spec":{
      "updateStrategy":{"type":"RollingUpdate"},
      "persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"}}})"));
  EXPECT_EQ(explicit_type["spec"]["updateStrategy"], json::parse(R"({"type":"RollingUpdate"})"));
  EXPECT_EQ(explicit_type["spec"]["persistentVolumeClaimRetentionPolicy"],
            json::parse(R"({"whenDeleted":"Delete","whenScaled":"Retain"})"));
  json on_delete = Defaulted("apps", "v1", "StatefulSet",
                             json::parse(R"({"spec":{"updateStrategy":{"type":"OnDelete"}}})"));
  EXPECT_EQ(on_delete["spec"]["updateStrategy"], json::parse(R"({"type":"OnDelete"})"));
}

TEST(DefaultsTest, DaemonSet) {
  const std::string input = std::string(R"({"spec":{"selector":{"matchLabels":{"a":"b"}},
      "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":)") +
                            kNginxContainer + "}}}}";
  const std::string expected = std::string(R"({"spec":{"selector":{"matchLabels":{"a":"b"}},
      "updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":1,
      "maxSurge":0}},"revisionHistoryLimit":10,
      "template":{"metadata":{"labels":{"a":"b"}},"spec":)") +
                               TemplateSpec(kNginxDefaulted) + "}}}";
  ExpectDefaults("apps", "v1", "DaemonSet", input.c_str(), expected.c_str());
  json partial = Defaulted("apps", "v1", "DaemonSet", json::parse(R"({"spec":{"updateStrategy":
      {"rollingUpdate":{"maxUnavailable":"10%"}}}})"));
  EXPECT_EQ(partial["spec"]["updateStrategy"], json::parse(R"({"type":"RollingUpdate",
      "rollingUpdate":{"maxUnavailable":"10%","maxSurge":0}})"));
}

TEST(DefaultsTest, JobLikeKubectlCreate) {
  // kubectl create job x --image=busybox
  const std::string input =
      std::string(R"({"metadata":{"name":"x"},"spec":{"template":{"metadata":{},
      "spec":{"containers":[{"name":"x","image":"busybox","resources":{}}],
      "restartPolicy":"Never"}}}})");
  const std::string expected =
      std::string(R"({"metadata":{"name":"x"},"spec":{"backoffLimit":6,
      "completionMode":"NonIndexed","completions":1,"parallelism":1,"suspend":false,
      "manualSelector":false,"podReplacementPolicy":"TerminatingOrFailed",
      "template":{"metadata":{},"spec":)") +
      TemplateSpec(R"([{"name":"x","image":"busybox","resources":{},"imagePullPolicy":"Always",
          "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}])",
                   "Never") +
      "}}}";
  ExpectDefaults("batch", "v1", "Job", input.c_str(), expected.c_str());
}

TEST(DefaultsTest, JobPerIndexAndFailurePolicy) {
  json job = Defaulted("batch", "v1", "Job", json::parse(R"({"metadata":{"name":"j"},"spec":{
      "parallelism":3,"completionMode":"Indexed","backoffLimitPerIndex":1,
      "podFailurePolicy":{"rules":[{"action":"FailJob","onPodConditions":[
        {"type":"DisruptionTarget"},{"type":"Ready","status":"False"}]}]},
      "template":{"metadata":{"labels":{"app":"j"}},"spec":{"restartPolicy":"Never"}}}})"));
  const json& spec = job["spec"];
  EXPECT_FALSE(spec.contains("completions"));  // only both-unset defaults completions
  EXPECT_EQ(spec["parallelism"], 3);
  EXPECT_EQ(spec["backoffLimit"], 2147483647);
  EXPECT_EQ(spec["completionMode"], "Indexed");
  EXPECT_EQ(spec["podReplacementPolicy"], "Failed");
  EXPECT_EQ(spec["podFailurePolicy"]["rules"][0]["onPodConditions"],
            json::parse(R"([{"type":"DisruptionTarget","status":"True"},
                            {"type":"Ready","status":"False"}])"));
  EXPECT_EQ(job["metadata"]["labels"], json::parse(R"({"app":"j"})"));

  json only_completions =
      Defaulted("batch", "v1", "Job", json::parse(R"({"spec":{"completions":5}})"));
  EXPECT_EQ(only_completions["spec"]["completions"], 5);
  EXPECT_EQ(only_completions["spec"]["parallelism"], 1);
}

TEST(DefaultsTest, CronJobLikeKubectlCreate) {
  // kubectl create cronjob x --image=busybox --schedule="*/1 * * * *"
  const std::string input = R"({"metadata":{"name":"x"},"spec":{"schedule":"*/1 * * * *",
      "jobTemplate":{"metadata":{"name":"x"},"spec":{"template":{"metadata":{},
      "spec":{"containers":[{"name":"x","image":"busybox","resources":{}}],
      "restartPolicy":"OnFailure"}}}}}})";
  const std::string expected =
      std::string(R"({"metadata":{"name":"x"},"spec":{"schedule":"*/1 * * * *",
      "concurrencyPolicy":"Allow","failedJobsHistoryLimit":1,"successfulJobsHistoryLimit":3,
      "suspend":false,"jobTemplate":{"metadata":{"name":"x"},"spec":{"template":{
      "metadata":{},"spec":)") +
      TemplateSpec(R"([{"name":"x","image":"busybox","resources":{},"imagePullPolicy":"Always",
          "terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}])",
                   "OnFailure") +
      "}}}}}";
  ExpectDefaults("batch", "v1", "CronJob", input.c_str(), expected.c_str());
}

TEST(DefaultsTest, HorizontalPodAutoscaler) {
  ExpectDefaults("autoscaling", "v2", "HorizontalPodAutoscaler",
                 R"({"spec":{"maxReplicas":5,"scaleTargetRef":{"apiVersion":"apps/v1",
                     "kind":"Deployment","name":"x"}}})",
                 R"({"spec":{"maxReplicas":5,"minReplicas":1,"scaleTargetRef":{
                     "apiVersion":"apps/v1","kind":"Deployment","name":"x"},
                     "metrics":[{"type":"Resource","resource":{"name":"cpu",
                       "target":{"type":"Utilization","averageUtilization":80}}}]}})");
  ExpectDefaults("autoscaling", "v2", "HorizontalPodAutoscaler",
                 R"({"spec":{"minReplicas":2,"maxReplicas":5,"metrics":[{"type":"Pods"}],
                     "behavior":{"scaleDown":{"stabilizationWindowSeconds":60}}}})",
                 R"({"spec":{"minReplicas":2,"maxReplicas":5,"metrics":[{"type":"Pods"}],
                     "behavior":{
                       "scaleUp":{"stabilizationWindowSeconds":0,"selectPolicy":"Max",
                         "policies":[{"type":"Pods","value":4,"periodSeconds":15},
                                     {"type":"Percent","value":100,"periodSeconds":15}]},
                       "scaleDown":{"stabilizationWindowSeconds":60,"selectPolicy":"Max",
                         "policies":[{"type":"Percent","value":100,"periodSeconds":15}]}}}})");
  // A given scale-up policy list replaces the default one.
  json hpa = Defaulted("autoscaling", "v2", "HorizontalPodAutoscaler",
                       json::parse(R"({"spec":{"behavior":{"scaleUp":{"selectPolicy":"Min",
                       "policies":[{"type":"Pods","value":1,"periodSeconds":60}]}}}})"));
  EXPECT_EQ(hpa["spec"]["behavior"]["scaleUp"],
            json::parse(R"({"stabilizationWindowSeconds":0,"selectPolicy":"Min",
                "policies":[{"type":"Pods","value":1,"periodSeconds":60}]})"));
}

TEST(DefaultsTest, NetworkPolicyAndIngressClass) {
  ExpectDefaults("networking.k8s.io", "v1", "NetworkPolicy",
                 R"({"spec":{"podSelector":{},"ingress":[{"ports":[{"port":8080}]}],
                     "egress":[{"ports":[{"port":53,"protocol":"UDP"},{"port":80}]}]}})",
                 R"({"spec":{"podSelector":{},"policyTypes":["Ingress","Egress"],
                     "ingress":[{"ports":[{"port":8080,"protocol":"TCP"}]}],
                     "egress":[{"ports":[{"port":53,"protocol":"UDP"},
                                         {"port":80,"protocol":"TCP"}]}]}})");
  ExpectDefaults("networking.k8s.io", "v1", "NetworkPolicy", R"({"spec":{"podSelector":{}}})",
                 R"({"spec":{"podSelector":{},"policyTypes":["Ingress"]}})");
  ExpectDefaults("networking.k8s.io", "v1", "NetworkPolicy",
                 R"({"spec":{"podSelector":{},"policyTypes":["Egress"]}})",
                 R"({"spec":{"podSelector":{},"policyTypes":["Egress"]}})");
  ExpectDefaults("networking.k8s.io", "v1", "IngressClass",
                 R"({"spec":{"controller":"example.com/c","parameters":{"kind":"K","name":"n"}}})",
                 R"({"spec":{"controller":"example.com/c","parameters":{"kind":"K","name":"n",
                     "scope":"Cluster"}}})");
  ExpectDefaults("networking.k8s.io", "v1", "IngressClass",
                 R"({"spec":{"controller":"example.com/c"}})",
                 R"({"spec":{"controller":"example.com/c"}})");
}

TEST(DefaultsTest, RbacBindings) {
  for (const char* kind : {"RoleBinding", "ClusterRoleBinding"}) {
    ExpectDefaults("rbac.authorization.k8s.io", "v1", kind,
                   R"({"roleRef":{"kind":"ClusterRole","name":"view"},"subjects":[
                       {"kind":"User","name":"u"},{"kind":"Group","name":"g","apiGroup":""},
                       {"kind":"ServiceAccount","name":"sa","namespace":"ns"}]})",
                   R"({"roleRef":{"kind":"ClusterRole","name":"view",
                       "apiGroup":"rbac.authorization.k8s.io"},"subjects":[
                       {"kind":"User","name":"u","apiGroup":"rbac.authorization.k8s.io"},
                       {"kind":"Group","name":"g","apiGroup":"rbac.authorization.k8s.io"},
                       {"kind":"ServiceAccount","name":"sa","namespace":"ns"}]})");
  }
}

TEST(DefaultsTest, StorageKinds) {
  ExpectDefaults("storage.k8s.io", "v1", "StorageClass",
                 R"({"metadata":{"name":"fast"},"provisioner":"example.com/p"})",
                 R"({"metadata":{"name":"fast"},"provisioner":"example.com/p",
                     "reclaimPolicy":"Delete","volumeBindingMode":"Immediate"})");
  ExpectDefaults("storage.k8s.io", "v1", "CSIDriver", R"({"metadata":{"name":"d"}})",
                 R"({"metadata":{"name":"d"},"spec":{"attachRequired":true,
                     "podInfoOnMount":false,"storageCapacity":false,
                     "fsGroupPolicy":"ReadWriteOnceWithFSType",
                     "volumeLifecycleModes":["Persistent"],"requiresRepublish":false,
                     "seLinuxMount":false}})");
  ExpectDefaults("storage.k8s.io", "v1", "CSIDriver",
                 R"({"spec":{"attachRequired":false,"volumeLifecycleModes":["Ephemeral"]}})",
                 R"({"spec":{"attachRequired":false,"podInfoOnMount":false,
                     "storageCapacity":false,"fsGroupPolicy":"ReadWriteOnceWithFSType",
                     "volumeLifecycleModes":["Ephemeral"],"requiresRepublish":false,
                     "seLinuxMount":false}})");
  ExpectDefaults("storage.k8s.io", "v1", "VolumeAttachment",
                 R"({"spec":{"attacher":"a","nodeName":"n","source":{"inlineVolumeSpec":{
                     "accessModes":["ReadWriteOnce"],"rbd":{"monitors":["m"],"image":"i"}}}}})",
                 R"({"spec":{"attacher":"a","nodeName":"n","source":{"inlineVolumeSpec":{
                     "accessModes":["ReadWriteOnce"],"rbd":{"monitors":["m"],"image":"i",
                     "pool":"rbd","user":"admin","keyring":"/etc/ceph/keyring"}}}}})");
}

TEST(DefaultsTest, PriorityClass) {
  ExpectDefaults("scheduling.k8s.io", "v1", "PriorityClass", R"({"value":1000})",
                 R"({"value":1000,"preemptionPolicy":"PreemptLowerPriority"})");
  ExpectDefaults("scheduling.k8s.io", "v1", "PriorityClass",
                 R"({"value":1,"preemptionPolicy":"Never"})",
                 R"({"value":1,"preemptionPolicy":"Never"})");
}

constexpr char kWebhookInput[] = R"({"webhooks":[{"name":"w.example.com",
    "clientConfig":{"service":{"namespace":"ns","name":"svc"}},
    "rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],
              "resources":["pods"]}],
    "sideEffects":"None","admissionReviewVersions":["v1"]},
  {"name":"url.example.com","clientConfig":{"url":"https://example.com"},
   "sideEffects":"None","admissionReviewVersions":["v1"],"failurePolicy":"Ignore",
   "timeoutSeconds":5}]})";

TEST(DefaultsTest, WebhookConfigurations) {
  json validating = Defaulted("admissionregistration.k8s.io", "v1",
                              "ValidatingWebhookConfiguration", json::parse(kWebhookInput));
  EXPECT_EQ(validating, json::parse(R"({"webhooks":[{"name":"w.example.com",
      "clientConfig":{"service":{"namespace":"ns","name":"svc","port":443}},
      "rules":[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],
                "resources":["pods"],"scope":"*"}],
      "sideEffects":"None","admissionReviewVersions":["v1"],"failurePolicy":"Fail",
      "matchPolicy":"Equivalent","namespaceSelector":{},"objectSelector":{},"timeoutSeconds":10},
    {"name":"url.example.com","clientConfig":{"url":"https://example.com"},
     "sideEffects":"None","admissionReviewVersions":["v1"],"failurePolicy":"Ignore",
     "timeoutSeconds":5,"matchPolicy":"Equivalent","namespaceSelector":{},
     "objectSelector":{}}]})"));
  json mutating = Defaulted("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
                            json::parse(kWebhookInput));
  EXPECT_EQ(mutating["webhooks"][0]["reinvocationPolicy"], "Never");
  EXPECT_EQ(mutating["webhooks"][1]["reinvocationPolicy"], "Never");
  EXPECT_FALSE(validating["webhooks"][0].contains("reinvocationPolicy"));
}

TEST(DefaultsTest, CustomResourceDefinition) {
  ExpectDefaults("apiextensions.k8s.io", "v1", "CustomResourceDefinition",
                 R"({"metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com",
                     "names":{"plural":"widgets","kind":"Widget"},"scope":"Namespaced",
                     "versions":[{"name":"v1alpha1","served":true,"storage":false},
                                 {"name":"v1","served":true,"storage":true}]}})",
                 R"({"metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com",
                     "names":{"plural":"widgets","kind":"Widget","singular":"widget",
                       "listKind":"WidgetList"},"scope":"Namespaced",
                     "versions":[{"name":"v1alpha1","served":true,"storage":false},
                                 {"name":"v1","served":true,"storage":true}],
                     "conversion":{"strategy":"None"}},
                     "status":{"storedVersions":["v1"]}})");
  json webhook = Defaulted("apiextensions.k8s.io", "v1", "CustomResourceDefinition",
                           json::parse(R"({"spec":{"names":{"kind":"W","singular":"dub",
                           "listKind":"Ws"},"conversion":{"strategy":"Webhook","webhook":{
                           "clientConfig":{"service":{"namespace":"n","name":"s"}},
                           "conversionReviewVersions":["v1"]}}},
                           "status":{"storedVersions":["v0"]}})"));
  EXPECT_EQ(webhook["spec"]["names"], json::parse(R"({"kind":"W","singular":"dub",
      "listKind":"Ws"})"));
  EXPECT_EQ(webhook["spec"]["conversion"]["webhook"]["clientConfig"]["service"]["port"], 443);
  EXPECT_EQ(webhook["status"]["storedVersions"], json::parse(R"(["v0"])"));
}

TEST(DefaultsTest, EndpointSlicePorts) {
  ExpectDefaults("discovery.k8s.io", "v1", "EndpointSlice",
                 R"({"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"]}],
                     "ports":[{"port":80},{"name":"dns","port":53,"protocol":"UDP"}]})",
                 R"({"addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"]}],
                     "ports":[{"port":80,"name":"","protocol":"TCP"},
                              {"name":"dns","port":53,"protocol":"UDP"}]})");
}

struct Sample {
  const char* group;
  const char* version;
  const char* kind;
  std::string object;
};

std::vector<Sample> Samples() {
  std::string pod = kFullPod;
  pod.replace(pod.find("DIGEST"), 6, kDigest);
  const std::string pod_template =
      R"({"metadata":{"labels":{"a":"b"}},"spec":)" + json::parse(pod)["spec"].dump() + "}";
  return {
      {"", "v1", "Pod", pod},
      {"", "v1", "PodTemplate", R"({"template":)" + pod_template + "}"},
      {"", "v1", "ReplicationController", R"({"spec":{"template":)" + pod_template + "}}"},
      {"", "v1", "Service",
       R"({"spec":{"type":"LoadBalancer","sessionAffinity":"ClientIP","externalIPs":["1.1.1.1"],
           "sessionAffinityConfig":{"clientIP":{}},"ports":[{"port":80}]},
           "status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}})"},
      {"", "v1", "PersistentVolume",
       R"({"spec":{"hostPath":{"path":"/"},"rbd":{},"iscsi":{},"azureDisk":{},"scaleIO":{}}})"},
      {"", "v1", "PersistentVolumeClaim", R"({"spec":{"resources":{}}})"},
      {"", "v1", "Namespace", R"({"metadata":{"name":"n","labels":{"a":"b"}}})"},
      {"", "v1", "Node", R"({"status":{"capacity":{"cpu":"1"}}})"},
      {"", "v1", "Endpoints", R"({"subsets":[{"ports":[{"port":1}]}]})"},
      {"", "v1", "LimitRange",
       R"({"spec":{"limits":[{"type":"Container","max":{"cpu":"1"},"min":{"memory":"1"}}]}})"},
      {"", "v1", "Secret", R"({"type":""})"},
      {"apps", "v1", "Deployment",
       R"({"metadata":{"labels":{"a":"b"}},"spec":{"strategy":{},"template":)" + pod_template +
           "}}"},
      {"apps", "v1", "ReplicaSet", R"({"spec":{"template":)" + pod_template + "}}"},
      {"apps", "v1", "StatefulSet",
       R"({"spec":{"updateStrategy":{},"volumeClaimTemplates":[{"spec":{}}],"template":)" +
           pod_template + "}}"},
      {"apps", "v1", "DaemonSet",
       R"({"spec":{"updateStrategy":{},"template":)" + pod_template + "}}"},
      {"batch", "v1", "Job",
       R"({"spec":{"backoffLimitPerIndex":1,"podFailurePolicy":{"rules":[{"onPodConditions":
           [{"type":"x"}]}]},"template":)" +
           pod_template + "}}"},
      {"batch", "v1", "CronJob",
       R"({"spec":{"jobTemplate":{"spec":{"podFailurePolicy":{"rules":[{"onPodConditions":
           [{"type":"x"}]}]},"template":)" +
           pod_template + "}}}}"},
      {"autoscaling", "v2", "HorizontalPodAutoscaler",
       R"({"spec":{"behavior":{"scaleUp":{"policies":[]},"scaleDown":{}}}})"},
      {"networking.k8s.io", "v1", "NetworkPolicy",
       R"({"spec":{"ingress":[{"ports":[{}]}],"egress":[{"ports":[{}]}]}})"},
      {"networking.k8s.io", "v1", "IngressClass", R"({"spec":{"parameters":{}}})"},
      {"rbac.authorization.k8s.io", "v1", "RoleBinding",
       R"({"roleRef":{},"subjects":[{"kind":"User"}]})"},
      {"rbac.authorization.k8s.io", "v1", "ClusterRoleBinding",
       R"({"roleRef":{},"subjects":[{"kind":"Group"}]})"},
      {"storage.k8s.io", "v1", "StorageClass", R"({"provisioner":"p"})"},
      {"storage.k8s.io", "v1", "CSIDriver", R"({"spec":{}})"},
      {"storage.k8s.io", "v1", "VolumeAttachment",
       R"({"spec":{"source":{"inlineVolumeSpec":{"hostPath":{},"iscsi":{}}}}})"},
      {"scheduling.k8s.io", "v1", "PriorityClass", R"({"value":1})"},
      {"admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration", kWebhookInput},
      {"admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration", kWebhookInput},
      {"apiextensions.k8s.io", "v1", "CustomResourceDefinition",
       R"({"spec":{"names":{"kind":"K"},"conversion":{"webhook":{"clientConfig":{"service":{}}}},
           "versions":[{"name":"v1","storage":true}]}})"},
      {"discovery.k8s.io", "v1", "EndpointSlice", R"({"ports":[{}]})"},
  };
}

// Every JSON pointer of `value`, root included.
void CollectPointers(const json& value, const json::json_pointer& at,
                     std::vector<json::json_pointer>& out) {
  out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) CollectPointers(child, at / key, out);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) CollectPointers(value[i], at / i, out);
  }
}

TEST(DefaultsTest, WrongTypesAnywhereNeverThrowAndStayIdempotent) {
  const json kGarbage[] = {nullptr, 7, "text", "", true, json::array(), json::object()};
  for (const Sample& sample : Samples()) {
    SCOPED_TRACE(sample.kind);
    ASSERT_TRUE(HasDefaults(sample.group, sample.version, sample.kind));
    // The defaulted object has every path the defaulters visit; replace each value in turn.
    const json base =
        Defaulted(sample.group, sample.version, sample.kind, json::parse(sample.object));
    std::vector<json::json_pointer> pointers;
    CollectPointers(base, json::json_pointer(), pointers);
    for (const auto& pointer : pointers) {
      for (const json& garbage : kGarbage) {
        json mutated = base;
        mutated[pointer] = garbage;
        SCOPED_TRACE(pointer.to_string() + " = " + garbage.dump());
        EXPECT_NO_THROW(Defaulted(sample.group, sample.version, sample.kind, mutated));
      }
    }
  }
}

}  // namespace
}  // namespace k1s::api
