#include "auth/bootstrap_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "auth/rbac.h"

namespace k1s::auth {
namespace {

using nlohmann::json;

std::string Name(const json& object) { return object["metadata"]["name"]; }

std::optional<json> Find(const std::vector<json>& objects, std::string_view name,
                         std::string_view ns = "") {
  for (const json& object : objects) {
    if (Name(object) == name && object["metadata"].value("namespace", "") == ns) return object;
  }
  return std::nullopt;
}

TEST(BootstrapPolicyTest, ClusterAdminMayDoEverything) {
  std::optional<json> admin = Find(BootstrapClusterRoles(), "cluster-admin");
  ASSERT_TRUE(admin.has_value());
  EXPECT_EQ((*admin)["rules"], json::parse(R"([{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},
                            {"nonResourceURLs":["*"],"verbs":["*"]}])"));
  std::optional<json> binding = Find(BootstrapClusterRoleBindings(), "cluster-admin");
  ASSERT_TRUE(binding.has_value());
  EXPECT_EQ((*binding)["subjects"],
            json::parse(R"([{"apiGroup":"rbac.authorization.k8s.io","kind":"Group",
                             "name":"system:masters"}])"));
}

TEST(BootstrapPolicyTest, ExpectedRolesExist) {
  std::vector<json> roles = BootstrapClusterRoles();
  for (const char* name : {"admin",
                           "edit",
                           "view",
                           "system:aggregate-to-admin",
                           "system:aggregate-to-edit",
                           "system:aggregate-to-view",
                           "system:basic-user",
                           "system:discovery",
                           "system:public-info-viewer",
                           "system:monitoring",
                           "system:auth-delegator",
                           "system:node",
                           "system:node-proxier",
                           "system:node-bootstrapper",
                           "system:kube-scheduler",
                           "system:kube-controller-manager",
                           "system:kube-dns",
                           "system:service-account-issuer-discovery",
                           "system:volume-scheduler",
                           "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                           "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                           "system:certificates.k8s.io:kube-apiserver-client-approver",
                           "system:certificates.k8s.io:kubelet-serving-approver"}) {
    EXPECT_TRUE(Find(roles, name).has_value()) << name;
  }
  for (const char* controller : {"attachdetach-controller",
                                 "clusterrole-aggregation-controller",
                                 "cronjob-controller",
                                 "daemon-set-controller",
                                 "deployment-controller",
                                 "disruption-controller",
                                 "endpoint-controller",
                                 "endpointslice-controller",
                                 "ephemeral-volume-controller",
                                 "expand-controller",
                                 "generic-garbage-collector",
                                 "horizontal-pod-autoscaler",
                                 "job-controller",
                                 "namespace-controller",
                                 "node-controller",
                                 "persistent-volume-binder",
                                 "pod-garbage-collector",
                                 "replicaset-controller",
                                 "replication-controller",
                                 "resourcequota-controller",
                                 "root-ca-cert-publisher",
                                 "route-controller",
                                 "service-account-controller",
                                 "service-controller",
                                 "statefulset-controller",
                                 "ttl-controller",
                                 "ttl-after-finished-controller",
                                 "certificate-controller",
                                 "pvc-protection-controller",
                                 "pv-protection-controller",
                                 "legacy-service-account-token-cleaner"}) {
    std::string name = std::string("system:controller:") + controller;
    EXPECT_TRUE(Find(roles, name).has_value()) << name;
    std::optional<json> binding = Find(BootstrapClusterRoleBindings(), name);
    ASSERT_TRUE(binding.has_value()) << name;
    EXPECT_EQ(
        (*binding)["subjects"],
        json::array(
            {{{"kind", "ServiceAccount"}, {"name", controller}, {"namespace", "kube-system"}}}));
  }
  std::vector<json> ns_roles = BootstrapRoles();
  for (const char* name :
       {"extension-apiserver-authentication-reader",
        "system::leader-locking-kube-controller-manager", "system::leader-locking-kube-scheduler",
        "system:controller:bootstrap-signer", "system:controller:token-cleaner",
        "system:controller:cloud-provider"}) {
    EXPECT_TRUE(Find(ns_roles, name, "kube-system").has_value()) << name;
  }
  EXPECT_TRUE(Find(ns_roles, "system:controller:bootstrap-signer", "kube-public").has_value());
}

TEST(BootstrapPolicyTest, EveryObjectIsLabelledAndUnique) {
  std::vector<std::vector<json>> lists = {BootstrapClusterRoles(), BootstrapClusterRoleBindings(),
                                          BootstrapRoles(), BootstrapRoleBindings()};
  for (const std::vector<json>& objects : lists) {
    std::set<std::string> keys;
    for (const json& object : objects) {
      EXPECT_EQ(object["apiVersion"], "rbac.authorization.k8s.io/v1");
      const json& meta = object["metadata"];
      EXPECT_EQ(meta["labels"]["kubernetes.io/bootstrapping"], "rbac-defaults") << meta;
      EXPECT_EQ(meta["annotations"]["rbac.authorization.kubernetes.io/autoupdate"], "true");
      EXPECT_TRUE(keys.insert(meta.value("namespace", "") + "/" + Name(object)).second) << meta;
    }
  }
}

TEST(BootstrapPolicyTest, EveryBindingsRoleExists) {
  std::vector<json> cluster_roles = BootstrapClusterRoles();
  for (const json& binding : BootstrapClusterRoleBindings()) {
    EXPECT_EQ(binding["kind"], "ClusterRoleBinding");
    EXPECT_EQ(binding["roleRef"]["kind"], "ClusterRole");
    EXPECT_EQ(binding["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
    EXPECT_TRUE(Find(cluster_roles, binding["roleRef"]["name"].get<std::string>()).has_value())
        << binding;
  }
  std::vector<json> roles = BootstrapRoles();
  for (const json& binding : BootstrapRoleBindings()) {
    EXPECT_EQ(binding["roleRef"]["kind"], "Role");
    EXPECT_TRUE(Find(roles, binding["roleRef"]["name"].get<std::string>(),
                     binding["metadata"]["namespace"].get<std::string>())
                    .has_value())
        << binding;
  }
  // Kept, but bound to nobody since the Node authorizer exists.
  std::optional<json> node = Find(BootstrapClusterRoleBindings(), "system:node");
  ASSERT_TRUE(node.has_value());
  EXPECT_FALSE(node->contains("subjects"));
}

TEST(BootstrapPolicyTest, RulesAreSortedLikeUpstreams) {
  for (const json& role : BootstrapClusterRoles()) {
    for (const json& rule : role["rules"]) {
      for (const auto& [key, list] : rule.items()) {
        std::vector<std::string> items = list;
        EXPECT_TRUE(std::is_sorted(items.begin(), items.end())) << Name(role) << " " << key;
      }
    }
  }
  std::optional<json> scheduler = Find(BootstrapClusterRoles(), "system:kube-scheduler");
  ASSERT_TRUE(scheduler.has_value());
  EXPECT_EQ((*scheduler)["rules"][0],
            json::parse(R"({"apiGroups":["","events.k8s.io"],"resources":["events"],
                            "verbs":["create","patch","update"]})"));
}

TEST(BootstrapPolicyTest, AggregatedRolesAndLabels) {
  std::vector<json> roles = BootstrapClusterRoles();
  std::optional<json> edit = Find(roles, "edit");
  ASSERT_TRUE(edit.has_value());
  EXPECT_EQ((*edit)["rules"], json::array());
  EXPECT_EQ((*edit)["aggregationRule"], json::parse(R"({"clusterRoleSelectors":[{"matchLabels":
                            {"rbac.authorization.k8s.io/aggregate-to-edit":"true"}}]})"));
  EXPECT_EQ((*edit)["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-admin"], "true");
  std::optional<json> view = Find(roles, "view");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ((*view)["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-edit"], "true");
}

TEST(BootstrapPolicyTest, ViewHasNoSecrets) {
  std::optional<json> view_rules = Find(BootstrapClusterRoles(), "system:aggregate-to-view");
  ASSERT_TRUE(view_rules.has_value());
  for (const json& rule : (*view_rules)["rules"]) {
    for (const json& resource : rule["resources"]) EXPECT_NE(resource, "secrets");
  }
}

TEST(BootstrapPolicyTest, NodeRulesAreSystemNodes) {
  std::optional<json> node = Find(BootstrapClusterRoles(), "system:node");
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ((*node)["rules"], json(NodeRules()));
  Attributes lease;
  lease.verb = "update";
  lease.resource_request = true;
  lease.api_group = "coordination.k8s.io";
  lease.resource = "leases";
  std::vector<json> rules = NodeRules();
  EXPECT_TRUE(std::any_of(rules.begin(), rules.end(),
                          [&](const json& rule) { return RuleAllows(rule, lease); }));
}

TEST(BootstrapPolicyTest, RulesCover) {
  json wanted = json::parse(R"([{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}])");
  EXPECT_TRUE(RulesCover(json::parse(R"([{"apiGroups":["*"],"resources":["pods"],"verbs":["*"]}])"),
                         wanted));
  EXPECT_FALSE(RulesCover(
      json::parse(R"([{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}])"), wanted));
  EXPECT_FALSE(RulesCover(nullptr, wanted));
  EXPECT_TRUE(RulesCover(nullptr, json::array()));
}

}  // namespace
}  // namespace k1s::auth
