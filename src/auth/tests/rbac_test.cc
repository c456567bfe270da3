#include "auth/rbac.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/aggregation.h"
#include "auth/bootstrap_policy.h"
#include "auth/tests/attributes_builder.h"
#include "auth/tests/fake_rbac_source.h"

namespace k1s::auth {
namespace {

using nlohmann::json;
using testing::ClusterRoleBinding;
using testing::FakeRbacSource;
using testing::NamedRole;
using testing::RoleBinding;

UserInfo Jane() {
  return UserInfo{.name = "jane", .uid = "", .groups = {kAuthenticated}, .extra = {}};
}

Attributes Resource(std::string verb, std::string group, std::string resource, std::string ns = "",
                    std::string name = "", std::string subresource = "") {
  return testing::ResourceAttributes(Jane(), std::move(verb), std::move(group), std::move(resource),
                                     std::move(ns), std::move(name), std::move(subresource));
}

Attributes Path(std::string verb, std::string path) {
  Attributes a;
  a.user = Jane();
  a.verb = std::move(verb);
  a.path = std::move(path);
  return a;
}

TEST(RuleAllowsTest, VerbsGroupsAndResources) {
  json rule = {{"verbs", {"get", "list"}}, {"apiGroups", {"", "apps"}}, {"resources", {"pods"}}};
  EXPECT_TRUE(RuleAllows(rule, Resource("get", "", "pods", "ns1")));
  EXPECT_TRUE(RuleAllows(rule, Resource("list", "apps", "pods")));
  EXPECT_FALSE(RuleAllows(rule, Resource("delete", "", "pods", "ns1")));
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "batch", "pods", "ns1")));
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "", "secrets", "ns1")));
  // A subresource needs its own "res/sub" entry.
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "", "pods", "ns1", "web", "log")));
}

TEST(RuleAllowsTest, Wildcards) {
  json everything = {{"verbs", {"*"}}, {"apiGroups", {"*"}}, {"resources", {"*"}}};
  EXPECT_TRUE(RuleAllows(everything, Resource("escalate", "rbac.authorization.k8s.io", "roles")));
  EXPECT_TRUE(RuleAllows(everything, Resource("get", "", "pods", "ns", "x", "exec")));
  // Resource rules never match non-resource requests.
  EXPECT_FALSE(RuleAllows(everything, Path("get", "/healthz")));
}

TEST(RuleAllowsTest, Subresources) {
  json rule = {{"verbs", {"get"}}, {"apiGroups", {"*"}}, {"resources", {"pods/log", "*/scale"}}};
  EXPECT_TRUE(RuleAllows(rule, Resource("get", "", "pods", "ns", "web", "log")));
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "", "pods", "ns", "web")));
  EXPECT_TRUE(RuleAllows(rule, Resource("get", "apps", "deployments", "ns", "d", "scale")));
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "apps", "deployments", "ns", "d")));
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "apps", "deployments", "ns", "d", "status")));
  // "*/scale" is no prefix pattern: "*/scale" does not match subresource "cale".
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "apps", "deployments", "ns", "d", "cale")));
}

TEST(RuleAllowsTest, ResourceNames) {
  json rule = {{"verbs", {"get", "list"}},
               {"apiGroups", {""}},
               {"resources", {"configmaps"}},
               {"resourceNames", {"app-config"}}};
  EXPECT_TRUE(RuleAllows(rule, Resource("get", "", "configmaps", "ns", "app-config")));
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "", "configmaps", "ns", "other")));
  // A list names no object, so a rule limited to names never allows it.
  EXPECT_FALSE(RuleAllows(rule, Resource("list", "", "configmaps", "ns")));
  rule["resourceNames"] = json::array();
  EXPECT_TRUE(RuleAllows(rule, Resource("list", "", "configmaps", "ns")));
}

TEST(RuleAllowsTest, NonResourceUrls) {
  json rule = {{"verbs", {"get"}}, {"nonResourceURLs", {"/healthz", "/apis/*", "/logs**"}}};
  EXPECT_TRUE(RuleAllows(rule, Path("get", "/healthz")));
  EXPECT_FALSE(RuleAllows(rule, Path("get", "/healthz/etcd")));
  EXPECT_TRUE(RuleAllows(rule, Path("get", "/apis/apps/v1")));
  EXPECT_TRUE(RuleAllows(rule, Path("get", "/apis/")));
  EXPECT_FALSE(RuleAllows(rule, Path("get", "/apis")));
  EXPECT_TRUE(RuleAllows(rule, Path("get", "/logsanything")));  // every trailing * is dropped
  EXPECT_FALSE(RuleAllows(rule, Path("post", "/healthz")));
  EXPECT_TRUE(RuleAllows({{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}, Path("put", "/x")));
  // URL rules never match resource requests.
  EXPECT_FALSE(
      RuleAllows({{"verbs", {"*"}}, {"nonResourceURLs", {"*"}}}, Resource("get", "", "pods")));
}

TEST(RuleAllowsTest, MalformedRulesAllowNothing) {
  EXPECT_FALSE(RuleAllows(json(nullptr), Resource("get", "", "pods")));
  EXPECT_FALSE(RuleAllows(json::array(), Resource("get", "", "pods")));
  EXPECT_FALSE(RuleAllows({{"verbs", "*"}, {"apiGroups", {"*"}}, {"resources", {"*"}}},
                          Resource("get", "", "pods")));
  EXPECT_FALSE(RuleAllows({{"verbs", {1, 2}}, {"apiGroups", {"*"}}, {"resources", {"*"}}},
                          Resource("get", "", "pods")));
}

TEST(SubjectMatchesTest, Kinds) {
  UserInfo sa{.name = "system:serviceaccount:ns1:builder",
              .uid = "u1",
              .groups = {"system:serviceaccounts", "system:serviceaccounts:ns1"},
              .extra = {}};
  EXPECT_TRUE(SubjectMatches({{"kind", "User"}, {"name", "jane"}}, Jane(), ""));
  EXPECT_FALSE(SubjectMatches({{"kind", "User"}, {"name", "bob"}}, Jane(), ""));
  EXPECT_TRUE(SubjectMatches({{"kind", "Group"}, {"name", kAuthenticated}}, Jane(), ""));
  EXPECT_FALSE(SubjectMatches({{"kind", "Group"}, {"name", "jane"}}, Jane(), ""));
  json local_sa = {{"kind", "ServiceAccount"}, {"name", "builder"}};
  EXPECT_TRUE(SubjectMatches(local_sa, sa, "ns1"));
  EXPECT_FALSE(SubjectMatches(local_sa, sa, "ns2"));
  // A cluster role binding gives no namespace to default to.
  EXPECT_FALSE(SubjectMatches(local_sa, sa, ""));
  local_sa["namespace"] = "ns1";
  EXPECT_TRUE(SubjectMatches(local_sa, sa, ""));
  EXPECT_TRUE(SubjectMatches(local_sa, sa, "ns2"));
  EXPECT_FALSE(SubjectMatches({{"kind", "Robot"}, {"name", "jane"}}, Jane(), ""));
  EXPECT_FALSE(SubjectMatches("jane", Jane(), ""));
}

class RbacAuthorizerTest : public ::testing::Test {
 protected:
  RbacAuthorizerTest() {
    source_.cluster_roles = BootstrapClusterRoles();
    AggregateClusterRoles(&source_.cluster_roles);
    source_.cluster_role_bindings = BootstrapClusterRoleBindings();
    source_.role_bindings.push_back(
        RoleBinding("ns1", "jane-view", "ClusterRole", "view", {testing::User("jane")}));
  }

  FakeRbacSource source_;
  RbacAuthorizer authorizer_{source_};
};

TEST_F(RbacAuthorizerTest, RoleBindingGrantsInItsNamespaceOnly) {
  AuthorizationResult in_ns1 = authorizer_.Authorize(Resource("list", "", "pods", "ns1"));
  EXPECT_EQ(in_ns1.decision, Decision::kAllow);
  EXPECT_EQ(in_ns1.reason,
            R"(RBAC: allowed by RoleBinding "jane-view/ns1" of ClusterRole "view" to User "jane")");

  AuthorizationResult in_ns2 = authorizer_.Authorize(Resource("list", "", "pods", "ns2"));
  EXPECT_EQ(in_ns2.decision, Decision::kNoOpinion);
  EXPECT_EQ(in_ns2.reason, "");

  EXPECT_EQ(authorizer_.Authorize(Resource("create", "", "pods", "ns1")).decision,
            Decision::kNoOpinion);
  EXPECT_EQ(authorizer_.Authorize(Resource("get", "", "secrets", "ns1", "db")).decision,
            Decision::kNoOpinion);
  // Cluster-wide lists are not covered by a namespaced binding.
  EXPECT_EQ(authorizer_.Authorize(Resource("list", "", "pods")).decision, Decision::kNoOpinion);
}

TEST_F(RbacAuthorizerTest, DefaultBindingsApply) {
  // system:basic-user and system:discovery are bound to every authenticated user.
  EXPECT_EQ(
      authorizer_.Authorize(Resource("create", "authorization.k8s.io", "selfsubjectaccessreviews"))
          .decision,
      Decision::kAllow);
  EXPECT_EQ(authorizer_.Authorize(Path("get", "/apis/apps/v1")).decision, Decision::kAllow);
  EXPECT_EQ(authorizer_.Authorize(Path("get", "/metrics")).decision, Decision::kNoOpinion);

  Attributes admin = Resource("delete", "", "nodes", "", "pi4");
  admin.user = UserInfo{.name = "root", .uid = "", .groups = {kSystemMasters}, .extra = {}};
  AuthorizationResult result = authorizer_.Authorize(admin);
  EXPECT_EQ(result.decision, Decision::kAllow);
  EXPECT_EQ(result.reason, R"(RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole )"
                           R"("cluster-admin" to Group "system:masters")");
}

TEST_F(RbacAuthorizerTest, ServiceAccountSubjects) {
  source_.role_bindings.push_back(RoleBinding("ns1", "builder-edit", "ClusterRole", "edit",
                                              {{{"kind", "ServiceAccount"}, {"name", "builder"}}}));
  Attributes request = Resource("create", "apps", "deployments", "ns1");
  request.user =
      UserInfo{.name = "system:serviceaccount:ns1:builder", .uid = "", .groups = {}, .extra = {}};
  AuthorizationResult result = authorizer_.Authorize(request);
  EXPECT_EQ(result.decision, Decision::kAllow);
  EXPECT_EQ(result.reason,
            R"(RBAC: allowed by RoleBinding "builder-edit/ns1" of ClusterRole "edit")"
            R"( to ServiceAccount "builder/ns1")");
}

TEST_F(RbacAuthorizerTest, RoleInTheBindingsNamespace) {
  source_.roles.push_back(
      NamedRole("ns2", "pod-reader",
                json::array({{{"verbs", {"get"}}, {"apiGroups", {""}}, {"resources", {"pods"}}}})));
  source_.role_bindings.push_back(
      RoleBinding("ns2", "read", "Role", "pod-reader", {testing::User("jane")}));
  EXPECT_EQ(authorizer_.Authorize(Resource("get", "", "pods", "ns2", "web")).decision,
            Decision::kAllow);
  EXPECT_EQ(authorizer_.Authorize(Resource("list", "", "pods", "ns2")).decision,
            Decision::kNoOpinion);
}

TEST_F(RbacAuthorizerTest, MissingRolesAreReported) {
  source_.role_bindings.push_back(
      RoleBinding("ns1", "ghost", "ClusterRole", "ghost", {testing::User("jane")}));
  AuthorizationResult result = authorizer_.Authorize(Resource("create", "", "pods", "ns1"));
  EXPECT_EQ(result.decision, Decision::kNoOpinion);
  EXPECT_EQ(result.reason, R"(RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found)");

  source_.role_bindings.push_back(
      RoleBinding("ns1", "gone", "Role", "gone", {testing::User("jane")}));
  source_.role_bindings.push_back(
      RoleBinding("ns1", "ghost-again", "ClusterRole", "ghost", {testing::User("jane")}));
  result = authorizer_.Authorize(Resource("create", "", "pods", "ns1"));
  EXPECT_EQ(result.reason, R"(RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, )"
                           R"(role.rbac.authorization.k8s.io "gone" not found])");
  // A granted request is still allowed when other bindings are broken.
  EXPECT_EQ(authorizer_.Authorize(Resource("get", "", "pods", "ns1", "web")).decision,
            Decision::kAllow);
}

TEST_F(RbacAuthorizerTest, RulesFor) {
  RbacAuthorizer::Rules cluster = authorizer_.RulesFor(Jane(), "");
  RbacAuthorizer::Rules ns1 = authorizer_.RulesFor(Jane(), "ns1");
  EXPECT_TRUE(cluster.errors.empty());
  EXPECT_GT(ns1.rules.size(), cluster.rules.size());
  // Cluster-wide rules come first, as upstream visits cluster role bindings first.
  for (size_t i = 0; i < cluster.rules.size(); ++i) EXPECT_EQ(ns1.rules[i], cluster.rules[i]);

  source_.role_bindings.push_back(
      RoleBinding("ns1", "ghost", "ClusterRole", "ghost", {testing::User("jane")}));
  EXPECT_EQ(authorizer_.RulesFor(Jane(), "ns1").errors,
            std::vector<std::string>{R"(clusterrole.rbac.authorization.k8s.io "ghost" not found)"});
  EXPECT_EQ(
      authorizer_.RulesFor(Jane(), "ns1", RbacAuthorizer::ErrorStyle::kRegistry).errors,
      std::vector<std::string>{R"(clusterroles.rbac.authorization.k8s.io "ghost" not found)"});
}

TEST_F(RbacAuthorizerTest, RoleReferenceRules) {
  absl::StatusOr<std::vector<json>> view = authorizer_.RoleReferenceRules(
      {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "view"}},
      "ns1");
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_FALSE(view->empty());

  absl::StatusOr<std::vector<json>> missing =
      authorizer_.RoleReferenceRules({{"kind", "Role"}, {"name", "nope"}}, "ns1");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), R"(roles.rbac.authorization.k8s.io "nope" not found)");

  absl::StatusOr<std::vector<json>> bad =
      authorizer_.RoleReferenceRules({{"kind", "Robot"}, {"name", "x"}}, "ns1");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), R"(unsupported role reference kind: "Robot")");
}

TEST_F(RbacAuthorizerTest, MalformedBindingsAreSkipped) {
  source_.role_bindings.push_back(
      {{"metadata", {{"name", "junk"}, {"namespace", "ns1"}}}, {"subjects", "jane"}});
  source_.role_bindings.push_back({{"metadata", {{"name", "no-ref"}, {"namespace", "ns1"}}},
                                   {"subjects", {testing::User("jane")}}});
  AuthorizationResult result = authorizer_.Authorize(Resource("create", "", "pods", "ns1"));
  EXPECT_EQ(result.decision, Decision::kNoOpinion);
  EXPECT_EQ(result.reason, R"(RBAC: unsupported role reference kind: "")");
}

}  // namespace
}  // namespace k1s::auth
