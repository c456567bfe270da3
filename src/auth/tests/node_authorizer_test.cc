#include "auth/node_authorizer.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "auth/tests/attributes_builder.h"

namespace k1s::auth {
namespace {

using nlohmann::json;

class FakeGraph : public NodeGraphSource {
 public:
  std::vector<json> pods;
  std::map<std::string, json> claims;  // "ns/name"
  std::map<std::string, json> volumes;
  std::map<std::string, json> attachments;

  std::vector<json> PodsOnNode(std::string_view node) override {
    std::vector<json> out;
    for (const json& pod : pods) {
      if (pod["spec"].value("nodeName", "") == node) out.push_back(pod);
    }
    return out;
  }
  std::optional<json> PersistentVolumeClaim(std::string_view ns, std::string_view name) override {
    return Lookup(claims, std::string(ns) + "/" + std::string(name));
  }
  std::optional<json> PersistentVolume(std::string_view name) override {
    return Lookup(volumes, std::string(name));
  }
  std::optional<json> VolumeAttachment(std::string_view name) override {
    return Lookup(attachments, std::string(name));
  }

 private:
  static std::optional<json> Lookup(const std::map<std::string, json>& objects,
                                    const std::string& key) {
    auto it = objects.find(key);
    if (it == objects.end()) return std::nullopt;
    return it->second;
  }
};

constexpr char kNoRelationship[] = "no relationship found between node 'pi4' and this object";

class NodeAuthorizerTest : public ::testing::Test {
 protected:
  NodeAuthorizerTest() {
    graph_.pods.push_back(json::parse(R"({
      "metadata": {"namespace": "default", "name": "web"},
      "spec": {
        "nodeName": "pi4",
        "serviceAccountName": "builder",
        "imagePullSecrets": [{"name": "registry"}],
        "containers": [{"name": "app",
          "envFrom": [{"configMapRef": {"name": "app-env"}}],
          "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db-pass", "key": "p"}}}]}],
        "volumes": [
          {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
          {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {}}},
          {"name": "certs", "projected": {"sources": [{"secret": {"name": "tls"}},
                                                      {"configMap": {"name": "ca"}}]}}],
        "resourceClaims": [{"name": "gpu", "resourceClaimTemplateName": "gpu-template"}]},
      "status": {"resourceClaimStatuses": [{"name": "gpu", "resourceClaimName": "web-gpu-x1"}]}
    })"));
    graph_.pods.push_back(json::parse(R"({
      "metadata": {"namespace": "kube-system", "name": "static-web-pi4",
                   "annotations": {"kubernetes.io/config.mirror": "abc"}},
      "spec": {"nodeName": "pi4", "volumes": [{"name": "s", "secret": {"secretName": "mirror"}}]}
    })"));
    graph_.pods.push_back(json::parse(R"({
      "metadata": {"namespace": "default", "name": "elsewhere"},
      "spec": {"nodeName": "pi5", "volumes": [{"name": "s", "secret": {"secretName": "other"}}]}
    })"));
    graph_.claims["default/data"] = json::parse(R"({"spec": {"volumeName": "pv1"}})");
    graph_.volumes["pv1"] = json::parse(R"({"spec": {
      "claimRef": {"namespace": "default", "name": "data"},
      "csi": {"driver": "d", "nodePublishSecretRef": {"namespace": "storage", "name": "csi-creds"},
              "controllerPublishSecretRef": {"namespace": "storage", "name": "ctrl-creds"}}}})");
    graph_.volumes["pv2"] =
        json::parse(R"({"spec": {"claimRef": {"namespace": "default", "name": "nope"}}})");
  }

  Attributes Node(std::string verb, std::string group, std::string resource, std::string ns,
                  std::string name = "", std::string subresource = "") const {
    return testing::ResourceAttributes(UserInfo{.name = "system:node:pi4",
                                                .uid = "",
                                                .groups = {kNodesGroup, kAuthenticated},
                                                .extra = {}},
                                       std::move(verb), std::move(group), std::move(resource),
                                       std::move(ns), std::move(name), std::move(subresource));
  }

  void ExpectAllowed(const Attributes& a) const {
    AuthorizationResult result = authorizer_.Authorize(a);
    EXPECT_EQ(result.decision, Decision::kAllow)
        << a.verb << " " << a.resource << "/" << a.subresource << " " << a.namespace_name << "/"
        << a.name << ": " << result.reason;
  }

  void ExpectRefused(const Attributes& a, std::string_view reason) const {
    AuthorizationResult result = authorizer_.Authorize(a);
    EXPECT_EQ(result.decision, Decision::kNoOpinion)
        << a.verb << " " << a.resource << " " << a.namespace_name << "/" << a.name;
    EXPECT_EQ(result.reason, reason);
  }

  FakeGraph graph_;
  NodeAuthorizer authorizer_{graph_};
};

TEST_F(NodeAuthorizerTest, OnlyNodesAreJudged) {
  Attributes a = Node("get", "", "secrets", "default", "db-pass");
  a.user = UserInfo{.name = "jane", .uid = "", .groups = {kNodesGroup}, .extra = {}};
  ExpectRefused(a, "");
  a.user = UserInfo{.name = "system:node:pi4", .uid = "", .groups = {kAuthenticated}, .extra = {}};
  ExpectRefused(a, "");
  a.user = UserInfo{.name = "system:node:", .uid = "", .groups = {kNodesGroup}, .extra = {}};
  ExpectRefused(a, R"(unknown node for user "system:node:")");
  EXPECT_EQ(NodeIdentity(UserInfo{
                .name = "system:node:pi4", .uid = "", .groups = {kNodesGroup}, .extra = {}}),
            "pi4");
}

TEST_F(NodeAuthorizerTest, SecretsOfThePodsOnTheNode) {
  for (const char* secret : {"db-pass", "registry", "tls"}) {
    ExpectAllowed(Node("get", "", "secrets", "default", secret));
  }
  ExpectAllowed(Node("watch", "", "secrets", "default", "db-pass"));
  ExpectRefused(Node("get", "", "secrets", "default", "other"), kNoRelationship);
  ExpectRefused(Node("get", "", "secrets", "kube-system", "db-pass"), kNoRelationship);
  // A mirror pod gives its node nothing.
  ExpectRefused(Node("get", "", "secrets", "kube-system", "mirror"), kNoRelationship);
  ExpectRefused(Node("list", "", "secrets", "default"), "No Object name found");
  ExpectRefused(Node("list", "", "secrets", ""), "can only read namespaced object of this type");
  ExpectRefused(Node("create", "", "secrets", "default", "x"),
                "can only read resources of this type");
  ExpectRefused(Node("get", "", "secrets", "default", "db-pass", "x"), "cannot read subresource");
}

TEST_F(NodeAuthorizerTest, VolumeSecretsReachThroughTheClaim) {
  ExpectAllowed(Node("get", "", "secrets", "storage", "csi-creds"));
  // Secrets for the CSI controller are not the kubelet's.
  ExpectRefused(Node("get", "", "secrets", "storage", "ctrl-creds"), kNoRelationship);
}

TEST_F(NodeAuthorizerTest, ConfigMapsClaimsVolumesAndClaims) {
  ExpectAllowed(Node("get", "", "configmaps", "default", "app-env"));
  ExpectAllowed(Node("get", "", "configmaps", "default", "ca"));
  ExpectRefused(Node("get", "", "configmaps", "default", "other"), kNoRelationship);

  ExpectAllowed(Node("get", "", "persistentvolumeclaims", "default", "data"));
  ExpectAllowed(Node("get", "", "persistentvolumeclaims", "default", "web-scratch"));
  ExpectAllowed(Node("patch", "", "persistentvolumeclaims", "default", "data", "status"));
  ExpectRefused(Node("get", "", "persistentvolumeclaims", "default", "data", "status"),
                "can only get/update/patch this type");
  ExpectRefused(Node("list", "", "persistentvolumeclaims", "default"),
                "can only get individual resources of this type");

  ExpectAllowed(Node("get", "", "persistentvolumes", "", "pv1"));
  ExpectRefused(Node("get", "", "persistentvolumes", "", "pv2"), kNoRelationship);
  ExpectRefused(Node("get", "", "persistentvolumes", "", "pv1", "status"),
                "cannot get subresource");

  ExpectAllowed(Node("get", "resource.k8s.io", "resourceclaims", "default", "web-gpu-x1"));
  ExpectRefused(Node("get", "resource.k8s.io", "resourceclaims", "default", "gpu-template"),
                kNoRelationship);
}

TEST_F(NodeAuthorizerTest, ServiceAccountTokens) {
  ExpectAllowed(Node("create", "", "serviceaccounts", "default", "builder", "token"));
  ExpectRefused(Node("create", "", "serviceaccounts", "default", "admin", "token"),
                kNoRelationship);
  ExpectRefused(Node("get", "", "serviceaccounts", "default", "builder"),
                "can only create tokens for individual service accounts");
  ExpectRefused(Node("create", "", "serviceaccounts", "default", "builder"),
                "can only create token subresource of serviceaccount");
}

TEST_F(NodeAuthorizerTest, OwnLeaseAndCsiNode) {
  ExpectAllowed(Node("update", "coordination.k8s.io", "leases", "kube-node-lease", "pi4"));
  ExpectAllowed(Node("create", "coordination.k8s.io", "leases", "kube-node-lease"));
  ExpectRefused(Node("update", "coordination.k8s.io", "leases", "kube-node-lease", "pi5"),
                "can only access node lease with the same name as the requesting node");
  ExpectRefused(Node("get", "coordination.k8s.io", "leases", "default", "pi4"),
                R"(can only access leases in the "kube-node-lease" system namespace)");
  ExpectRefused(Node("list", "coordination.k8s.io", "leases", "kube-node-lease"),
                "can only get, create, update, patch, or delete a node lease");

  ExpectAllowed(Node("get", "storage.k8s.io", "csinodes", "", "pi4"));
  ExpectRefused(Node("get", "storage.k8s.io", "csinodes", "", "pi5"),
                "can only access CSINode with the same name as the requesting node");
  ExpectRefused(Node("watch", "storage.k8s.io", "csinodes", "", "pi4"),
                "can only get, create, update, patch, or delete a CSINode");
  ExpectRefused(Node("get", "storage.k8s.io", "csinodes", "", "pi4", "x"),
                "cannot authorize CSINode subresources");
}

TEST_F(NodeAuthorizerTest, NodesAndPods) {
  ExpectAllowed(Node("get", "", "nodes", "", "pi4"));
  ExpectAllowed(Node("create", "", "nodes", ""));
  ExpectAllowed(Node("patch", "", "nodes", "", "pi4", "status"));
  ExpectRefused(Node("get", "", "nodes", "", "pi5"),
                "node 'pi4' cannot read 'pi5', only its own Node object");
  ExpectRefused(Node("list", "", "nodes", ""),
                "node 'pi4' cannot read all nodes, only its own Node object");
  ExpectRefused(Node("delete", "", "nodes", "", "pi4"), "");

  Attributes list = Node("list", "", "pods", "");
  ExpectRefused(list, "can only list/watch pods with spec.nodeName field selector");
  list.field_selector = {{.field = "spec.nodeName", .equals = true, .value = "pi5"}};
  ExpectRefused(list, "can only list/watch pods with spec.nodeName field selector");
  list.field_selector = {{.field = "spec.nodeName", .equals = true, .value = "pi4"}};
  ExpectAllowed(list);
  ExpectAllowed(Node("get", "", "pods", "default", "web"));
  ExpectAllowed(Node("get", "", "pods", "kube-system", "static-web-pi4"));
  ExpectRefused(Node("get", "", "pods", "default", "elsewhere"), kNoRelationship);
  ExpectAllowed(Node("update", "", "pods", "default", "web", "status"));
  ExpectAllowed(Node("create", "", "pods", "default", "web", "eviction"));
  ExpectAllowed(Node("create", "", "pods", "kube-system"));
  ExpectRefused(Node("update", "", "pods", "default", "web"), "");
}

TEST_F(NodeAuthorizerTest, VolumeAttachments) {
  ExpectRefused(Node("get", "storage.k8s.io", "volumeattachments", "", "va1"), kNoRelationship);
  graph_.attachments["va1"] = json::parse(R"({"spec": {"nodeName": "pi4"}})");
  graph_.attachments["va2"] = json::parse(R"({"spec": {"nodeName": "pi5"}})");
  ExpectAllowed(Node("get", "storage.k8s.io", "volumeattachments", "", "va1"));
  ExpectRefused(Node("get", "storage.k8s.io", "volumeattachments", "", "va2"), kNoRelationship);
}

TEST_F(NodeAuthorizerTest, EverythingElseUsesTheStaticNodeRules) {
  ExpectAllowed(Node("get", "", "endpoints", "default", "kubernetes"));
  ExpectAllowed(Node("create", "", "events", "default"));
  ExpectAllowed(Node("watch", "", "services", ""));
  ExpectAllowed(Node("create", "certificates.k8s.io", "certificatesigningrequests", ""));
  ExpectRefused(Node("get", "apps", "deployments", "default", "web"), "");
  ExpectRefused(Node("list", "", "endpoints", ""), "");
  Attributes path = Node("get", "", "", "");
  path.resource_request = false;
  path.path = "/healthz";
  ExpectRefused(path, "");
}

}  // namespace
}  // namespace k1s::auth
