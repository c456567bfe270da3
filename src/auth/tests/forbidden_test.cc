#include "auth/forbidden.h"

#include <gtest/gtest.h>

#include "auth/tests/attributes_builder.h"
namespace k1s::auth {
namespace {

Attributes Request(std::string verb, std::string group, std::string resource, std::string ns,
                   std::string name = "", std::string subresource = "") {
  return testing::ResourceAttributes(
      UserInfo{.name = "jane", .uid = "", .groups = {kAuthenticated}, .extra = {}}, std::move(verb),
      std::move(group), std::move(resource), std::move(ns), std::move(name),
      std::move(subresource));
}

TEST(ForbiddenMessageTest, Collection) {
  EXPECT_EQ(ForbiddenMessage(Request("list", "", "pods", "default"), ""),
            R"(pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the )"
            R"(namespace "default")");
}

TEST(ForbiddenMessageTest, NamedObject) {
  EXPECT_EQ(ForbiddenMessage(Request("get", "", "pods", "default", "x"), ""),
            R"(pods "x" is forbidden: User "jane" cannot get resource "pods" in API group "" in )"
            R"(the namespace "default")");
}

TEST(ForbiddenMessageTest, SubresourceAndGroup) {
  EXPECT_EQ(ForbiddenMessage(Request("create", "", "pods", "default", "x", "exec"), ""),
            R"(pods "x" is forbidden: User "jane" cannot create resource "pods/exec" in API )"
            R"(group "" in the namespace "default")");
  EXPECT_EQ(ForbiddenMessage(Request("update", "apps", "deployments", "prod", "web", "scale"), ""),
            R"(deployments.apps "web" is forbidden: User "jane" cannot update resource )"
            R"("deployments/scale" in API group "apps" in the namespace "prod")");
}

TEST(ForbiddenMessageTest, ClusterScope) {
  EXPECT_EQ(ForbiddenMessage(Request("list", "", "nodes", ""), ""),
            R"(nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at )"
            R"(the cluster scope)");
  EXPECT_EQ(ForbiddenMessage(
                Request("delete", "rbac.authorization.k8s.io", "clusterroles", "", "admin"), ""),
            R"(clusterroles.rbac.authorization.k8s.io "admin" is forbidden: User "jane" cannot )"
            R"(delete resource "clusterroles" in API group "rbac.authorization.k8s.io" at the )"
            R"(cluster scope)");
}

TEST(ForbiddenMessageTest, NonResource) {
  Attributes a;
  a.user.name = "jane";
  a.verb = "get";
  a.path = "/metrics";
  EXPECT_EQ(ForbiddenMessage(a, ""), R"(forbidden: User "jane" cannot get path "/metrics")");
  EXPECT_EQ(ForbiddenMessage(a, "no"), R"(forbidden: User "jane" cannot get path "/metrics": no)");
}

TEST(ForbiddenMessageTest, ReasonSuffixIsVerbatim) {
  EXPECT_EQ(ForbiddenMessage(Request("get", "", "secrets", "ns1", "db"),
                             R"(RBAC: clusterrole.rbac.authorization.k8s.io "x" not found)"),
            R"(secrets "db" is forbidden: User "jane" cannot get resource "secrets" in API group )"
            R"("" in the namespace "ns1": RBAC: clusterrole.rbac.authorization.k8s.io "x" not )"
            R"(found)");
}

TEST(ForbiddenMessageTest, HtmlIsNeutralisedAndQuotesEscaped) {
  Attributes a = Request("get", "", "pods", "ns1", "a\"b");
  a.user.name = "<script>&";
  EXPECT_EQ(ForbiddenMessage(a, "<r>"),
            R"(pods "a\"b" is forbidden: User "&lt;script&gt;&amp;" cannot get resource "pods" in )"
            R"(API group "" in the namespace "ns1": <r>)");
}

TEST(ForbiddenDetailsTest, ResourceGoesInKind) {
  ForbiddenDetails details =
      ForbiddenStatusDetails(Request("get", "apps", "deployments", "ns1", "web", "scale"));
  EXPECT_EQ(details.name, "web");
  EXPECT_EQ(details.group, "apps");
  EXPECT_EQ(details.kind, "deployments");
}

}  // namespace
}  // namespace k1s::auth
