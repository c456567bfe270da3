#include "auth/aggregation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/bootstrap_policy.h"
#include "auth/rbac.h"

namespace k1s::auth {
namespace {

using nlohmann::json;

json Labels() { return {{"team", "a"}, {"tier", "web"}}; }

bool Matches(const json& selector) {
  absl::StatusOr<bool> result = LabelSelectorMatches(selector, Labels());
  EXPECT_TRUE(result.ok()) << result.status();
  return result.value_or(false);
}

json Expression(std::string key, std::string op, std::vector<std::string> values = {}) {
  json e = {{"key", key}, {"operator", op}};
  if (!values.empty()) e["values"] = values;
  return e;
}

TEST(LabelSelectorTest, MatchLabelsAndExpressions) {
  EXPECT_TRUE(Matches(json::object()));  // empty selects everything
  EXPECT_TRUE(Matches({{"matchLabels", {{"team", "a"}}}}));
  EXPECT_FALSE(Matches({{"matchLabels", {{"team", "b"}}}}));
  EXPECT_FALSE(Matches({{"matchLabels", {{"owner", "a"}}}}));
  EXPECT_TRUE(Matches({{"matchExpressions", {Expression("tier", "In", {"db", "web"})}}}));
  EXPECT_FALSE(Matches({{"matchExpressions", {Expression("tier", "NotIn", {"web"})}}}));
  EXPECT_TRUE(Matches({{"matchExpressions", {Expression("owner", "NotIn", {"x"})}}}));
  EXPECT_FALSE(Matches({{"matchExpressions", {Expression("owner", "In", {"x"})}}}));
  EXPECT_TRUE(Matches({{"matchExpressions", {Expression("team", "Exists")}}}));
  EXPECT_TRUE(Matches({{"matchExpressions", {Expression("owner", "DoesNotExist")}}}));
  EXPECT_FALSE(Matches({{"matchLabels", {{"team", "a"}}},
                        {"matchExpressions", {Expression("team", "DoesNotExist")}}}));
  EXPECT_FALSE(LabelSelectorMatches({{"matchLabels", {{"team", "a"}}}}, nullptr).value());
}

TEST(LabelSelectorTest, MalformedSelectorsAreErrors) {
  for (const json& selector :
       {json{{"matchExpressions", {Expression("tier", "In")}}},
        json{{"matchExpressions", {Expression("tier", "Exists", {"x"})}}},
        json{{"matchExpressions", {Expression("tier", "Near", {"x"})}}},
        json{{"matchExpressions", {Expression("", "Exists")}}}, json{{"matchLabels", "a=b"}},
        json{{"matchLabels", {{"a", 1}}}}, json{{"matchExpressions", "x"}}, json("x")}) {
    absl::StatusOr<bool> result = LabelSelectorMatches(selector, Labels());
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << selector.dump();
  }
}

json Role(std::string name, json labels, json rules) {
  return {{"metadata", {{"name", name}, {"labels", labels}}}, {"rules", rules}};
}

json Rule(std::string verb, std::string resource) {
  return {{"verbs", {verb}}, {"apiGroups", {""}}, {"resources", {resource}}};
}

TEST(AggregatedRulesTest, UnionInNameOrderWithoutDuplicates) {
  json aggregator = Role("agg", {{"pick", "yes"}}, json::array());
  aggregator["aggregationRule"] = {
      {"clusterRoleSelectors",
       {{{"matchLabels", {{"pick", "yes"}}}}, {{"matchLabels", {{"also", "yes"}}}}}}};
  std::vector<json> roles = {
      aggregator,
      Role("zeta", {{"pick", "yes"}}, {Rule("get", "pods"), Rule("get", "secrets")}),
      Role("alpha", {{"pick", "yes"}}, {Rule("list", "pods"), Rule("get", "pods")}),
      Role("other", {{"pick", "no"}}, {Rule("delete", "pods")}),
      Role("extra", {{"also", "yes"}}, {Rule("get", "secrets"), Rule("watch", "pods")}),
  };
  absl::StatusOr<json> rules = AggregatedRules(aggregator, roles);
  ASSERT_TRUE(rules.ok()) << rules.status();
  EXPECT_EQ(*rules, json::array({Rule("list", "pods"), Rule("get", "pods"), Rule("get", "secrets"),
                                 Rule("watch", "pods")}));

  aggregator["aggregationRule"]["clusterRoleSelectors"].push_back(
      {{"matchExpressions", {{{"key", "x"}, {"operator", "Bogus"}}}}});
  EXPECT_FALSE(AggregatedRules(aggregator, roles).ok());
  EXPECT_EQ(*AggregatedRules(Role("plain", json::object(), json::array()), roles), json::array());
}

TEST(AggregateClusterRolesTest, BootstrapAdminEditView) {
  std::vector<json> roles = BootstrapClusterRoles();
  std::vector<std::string> changed = AggregateClusterRoles(&roles);
  EXPECT_EQ(changed, (std::vector<std::string>{"admin", "edit", "view"}));
  EXPECT_TRUE(AggregateClusterRoles(&roles).empty());  // settled

  auto rules_of = [&](std::string_view name) {
    for (const json& role : roles) {
      if (role["metadata"]["name"] == name) return role["rules"];
    }
    return json();
  };
  EXPECT_TRUE(RulesCover(rules_of("admin"), rules_of("edit")));
  EXPECT_TRUE(RulesCover(rules_of("edit"), rules_of("view")));
  EXPECT_FALSE(RulesCover(rules_of("view"), rules_of("edit")));
  EXPECT_FALSE(RulesCover(rules_of("edit"), rules_of("admin")));
  EXPECT_TRUE(RulesCover(rules_of("view"), rules_of("system:aggregate-to-view")));
  EXPECT_TRUE(RulesCover(rules_of("admin"), rules_of("system:aggregate-to-admin")));

  Attributes secrets;
  secrets.verb = "get";
  secrets.resource_request = true;
  secrets.resource = "secrets";
  secrets.namespace_name = "ns1";
  auto allows = [&](const json& rules, const Attributes& a) {
    for (const json& rule : rules) {
      if (RuleAllows(rule, a)) return true;
    }
    return false;
  };
  EXPECT_FALSE(allows(rules_of("view"), secrets));
  EXPECT_TRUE(allows(rules_of("edit"), secrets));
}

}  // namespace
}  // namespace k1s::auth
