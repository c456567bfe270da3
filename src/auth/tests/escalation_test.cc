#include "auth/escalation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/aggregation.h"
#include "auth/bootstrap_policy.h"
#include "auth/tests/fake_rbac_source.h"

namespace k1s::auth {
namespace {

using nlohmann::json;

UserInfo Jane() {
  return UserInfo{.name = "jane", .uid = "", .groups = {kAuthenticated}, .extra = {}};
}

json Rule(std::vector<std::string> verbs, std::vector<std::string> groups,
          std::vector<std::string> resources, std::vector<std::string> names = {}) {
  json rule = {{"verbs", verbs}, {"apiGroups", groups}, {"resources", resources}};
  if (!names.empty()) rule["resourceNames"] = names;
  return rule;
}

json UrlRule(std::vector<std::string> verbs, std::vector<std::string> urls) {
  return {{"verbs", verbs}, {"nonResourceURLs", urls}};
}

TEST(BreakdownRuleTest, OneTuplePerRule) {
  std::vector<json> subrules =
      BreakdownRule(Rule({"get", "list"}, {"", "apps"}, {"pods"}, {"a", "b"}));
  ASSERT_EQ(subrules.size(), 8u);
  EXPECT_EQ(subrules[0], Rule({"get"}, {""}, {"pods"}, {"a"}));
  EXPECT_EQ(subrules[1], Rule({"get"}, {""}, {"pods"}, {"b"}));
  EXPECT_EQ(subrules[2], Rule({"list"}, {""}, {"pods"}, {"a"}));
  EXPECT_EQ(subrules[7], Rule({"list"}, {"apps"}, {"pods"}, {"b"}));

  std::vector<json> urls = BreakdownRule(UrlRule({"get", "post"}, {"/a", "/b"}));
  ASSERT_EQ(urls.size(), 4u);
  EXPECT_EQ(urls[1], UrlRule({"post"}, {"/a"}));
}

TEST(RuleCoversTest, Cases) {
  EXPECT_TRUE(RuleCovers(Rule({"*"}, {"*"}, {"*"}), Rule({"get"}, {"apps"}, {"deployments"})));
  EXPECT_TRUE(RuleCovers(Rule({"get"}, {""}, {"*/scale"}), Rule({"get"}, {""}, {"rc/scale"})));
  EXPECT_FALSE(RuleCovers(Rule({"get"}, {""}, {"*/scale"}), Rule({"get"}, {""}, {"rc"})));
  // An owner limited to names covers only those names, never "all names".
  EXPECT_TRUE(
      RuleCovers(Rule({"get"}, {""}, {"cm"}, {"a", "b"}), Rule({"get"}, {""}, {"cm"}, {"a"})));
  EXPECT_FALSE(RuleCovers(Rule({"get"}, {""}, {"cm"}, {"a"}), Rule({"get"}, {""}, {"cm"})));
  EXPECT_TRUE(RuleCovers(Rule({"get"}, {""}, {"cm"}), Rule({"get"}, {""}, {"cm"}, {"a"})));
  EXPECT_TRUE(RuleCovers(UrlRule({"get"}, {"/apis/*"}), UrlRule({"get"}, {"/apis/apps"})));
  EXPECT_FALSE(RuleCovers(UrlRule({"get"}, {"/apis/*"}), UrlRule({"get"}, {"/api"})));
  EXPECT_FALSE(RuleCovers(Rule({"*"}, {"*"}, {"*"}), UrlRule({"get"}, {"/metrics"})));
}

TEST(UncoveredRulesTest, ListsWhatIsMissing) {
  std::vector<json> owner = {Rule({"get", "list"}, {""}, {"pods"})};
  std::vector<json> missing = UncoveredRules(owner, {Rule({"get", "create"}, {""}, {"pods"})});
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], Rule({"create"}, {""}, {"pods"}));
  EXPECT_TRUE(UncoveredRules(owner, {Rule({"list"}, {""}, {"pods"})}).empty());
}

TEST(CompactRulesTest, MergesVerbsOfSimpleRules) {
  std::vector<json> compact =
      CompactRules({Rule({"get"}, {""}, {"pods"}), UrlRule({"get"}, {"/x"}),
                    Rule({"list"}, {""}, {"pods"}), Rule({"get"}, {""}, {"cm"}, {"a"}),
                    Rule({"list"}, {""}, {"cm"}, {"a"}), Rule({"get"}, {""}, {"cm"}, {"b"})});
  ASSERT_EQ(compact.size(), 4u);
  EXPECT_EQ(compact[0], UrlRule({"get"}, {"/x"}));
  EXPECT_EQ(compact[1], Rule({"get", "list"}, {""}, {"pods"}));
  EXPECT_EQ(compact[2], Rule({"get", "list"}, {""}, {"cm"}, {"a"}));
  EXPECT_EQ(compact[3], Rule({"get"}, {""}, {"cm"}, {"b"}));
}

TEST(CompactStringTest, Format) {
  EXPECT_EQ(CompactString(Rule({"create"}, {""}, {"pods"})),
            R"({APIGroups:[""], Resources:["pods"], Verbs:["create"]})");
  EXPECT_EQ(CompactString(Rule({"get", "update"}, {"apps"}, {"deployments"}, {"web"})),
            R"({APIGroups:["apps"], Resources:["deployments"], ResourceNames:["web"], )"
            R"(Verbs:["get" "update"]})");
  EXPECT_EQ(CompactString(UrlRule({"get"}, {"/metrics"})),
            R"({NonResourceURLs:["/metrics"], Verbs:["get"]})");
}

TEST(EscalationTest, ExactMessage) {
  RbacAuthorizer::Rules owner{.rules = {Rule({"get", "list", "watch"}, {""}, {"pods"})},
                              .errors = {}};
  std::optional<std::string> refusal =
      CheckNoEscalation(Jane(), owner, {Rule({"create"}, {""}, {"pods"})});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(*refusal,
            "user \"jane\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC "
            "permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"pods\"], "
            "Verbs:[\"create\"]}");
  EXPECT_FALSE(CheckNoEscalation(Jane(), owner, {Rule({"get", "watch"}, {""}, {"pods"})}));
}

TEST(EscalationTest, MessageIsCompactedSortedAndCarriesResolutionErrors) {
  UserInfo user{.name = "jane", .uid = "", .groups = {"dev", kAuthenticated}, .extra = {}};
  RbacAuthorizer::Rules owner{
      .rules = {}, .errors = {R"(clusterroles.rbac.authorization.k8s.io "ghost" not found)"}};
  std::optional<std::string> refusal = CheckNoEscalation(
      user, owner,
      {UrlRule({"get"}, {"/metrics"}), Rule({"get"}, {""}, {"secrets"}),
       Rule({"create", "delete"}, {""}, {"pods"}), Rule({"get"}, {""}, {"secrets"})});
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(*refusal,
            "user \"jane\" (groups=[\"dev\" \"system:authenticated\"]) is attempting to grant RBAC "
            "permissions not currently held:\n"
            "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"create\" \"delete\"]}\n"
            "{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"get\"]}\n"
            "{NonResourceURLs:[\"/metrics\"], Verbs:[\"get\"]}"
            "; resolution errors: [clusterroles.rbac.authorization.k8s.io \"ghost\" not found]");
}

TEST(EscalationTest, ViewHolderCannotGrantAdmin) {
  testing::FakeRbacSource source;
  source.cluster_roles = BootstrapClusterRoles();
  AggregateClusterRoles(&source.cluster_roles);
  source.role_bindings.push_back(
      testing::RoleBinding("ns1", "jane-view", "ClusterRole", "view", {testing::User("jane")}));
  RbacAuthorizer authorizer(source);
  RbacAuthorizer::Rules owner =
      authorizer.RulesFor(Jane(), "ns1", RbacAuthorizer::ErrorStyle::kRegistry);

  absl::StatusOr<std::vector<json>> admin = authorizer.RoleReferenceRules(
      {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "admin"}},
      "ns1");
  ASSERT_TRUE(admin.ok());
  std::optional<std::string> refusal = CheckNoEscalation(Jane(), owner, *admin);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->find("\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\" "
                          "\"watch\" \"create\" \"delete\" \"deletecollection\" \"patch\" "
                          "\"update\"]}"),
            std::string::npos)
      << *refusal;

  absl::StatusOr<std::vector<json>> view = authorizer.RoleReferenceRules(
      {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "view"}},
      "ns1");
  ASSERT_TRUE(view.ok());
  EXPECT_FALSE(CheckNoEscalation(Jane(), owner, *view).has_value());
}

TEST(EscalationTest, FullAuthority) {
  std::vector<json> cluster_admin = {Rule({"*"}, {"*"}, {"*"}), UrlRule({"*"}, {"*"})};
  EXPECT_TRUE(UncoveredRules(cluster_admin, FullAuthorityRules()).empty());
  EXPECT_FALSE(UncoveredRules({Rule({"*"}, {"*"}, {"*"})}, FullAuthorityRules()).empty());
}

TEST(EscalationTest, SystemMastersMayEscalate) {
  EXPECT_FALSE(EscalationAllowed(Jane()));
  EXPECT_TRUE(EscalationAllowed({.name = "x", .uid = "", .groups = {kSystemMasters}, .extra = {}}));
}

TEST(EscalationTest, BindAndEscalateAttributes) {
  std::optional<Attributes> bind = BindCheckAttributes(
      Jane(),
      {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", "ClusterRole"}, {"name", "admin"}},
      "ns1");
  ASSERT_TRUE(bind.has_value());
  EXPECT_EQ(bind->user.name, "jane");
  EXPECT_EQ(bind->verb, "bind");
  EXPECT_TRUE(bind->resource_request);
  EXPECT_EQ(bind->api_group, "rbac.authorization.k8s.io");
  EXPECT_EQ(bind->api_version, "*");
  EXPECT_EQ(bind->resource, "clusterroles");
  EXPECT_EQ(bind->name, "admin");
  EXPECT_EQ(bind->namespace_name, "ns1");
  EXPECT_EQ(BindCheckAttributes(Jane(), {{"kind", "Role"}, {"name", "r"}}, "ns1")->resource,
            "roles");
  EXPECT_FALSE(BindCheckAttributes(Jane(), {{"kind", "Group"}, {"name", "r"}}, "ns1"));
  EXPECT_FALSE(BindCheckAttributes(Jane(), "admin", "ns1"));

  std::optional<Attributes> escalate = EscalateCheckAttributes(Jane(), "ClusterRole", "ops", "");
  ASSERT_TRUE(escalate.has_value());
  EXPECT_EQ(escalate->verb, "escalate");
  EXPECT_EQ(escalate->resource, "clusterroles");
  EXPECT_EQ(escalate->api_group, "rbac.authorization.k8s.io");
  EXPECT_EQ(EscalateCheckAttributes(Jane(), "roles", "r", "ns1")->namespace_name, "ns1");
  EXPECT_FALSE(EscalateCheckAttributes(Jane(), "Pod", "r", "ns1"));

  // A user allowed to bind exactly "admin" passes through the authorizer.
  testing::FakeRbacSource source;
  source.cluster_roles.push_back(testing::NamedRole(
      "", "binder",
      json::array({Rule({"bind"}, {"rbac.authorization.k8s.io"}, {"clusterroles"}, {"admin"})})));
  source.cluster_role_bindings.push_back(
      testing::ClusterRoleBinding("binder", "binder", {testing::User("jane")}));
  RbacAuthorizer authorizer(source);
  EXPECT_EQ(authorizer.Authorize(*bind).decision, Decision::kAllow);
  bind->name = "edit";
  EXPECT_EQ(authorizer.Authorize(*bind).decision, Decision::kNoOpinion);
}

}  // namespace
}  // namespace k1s::auth
