#include "api/label_selector.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace k1s::api {
namespace {

using json = nlohmann::json;
using Labels = std::map<std::string, std::string>;

LabelSelector MustParse(std::string_view text) {
  absl::StatusOr<LabelSelector> s = LabelSelector::Parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.status();
  return s.ok() ? *s : LabelSelector();
}

std::string ParseError(std::string_view text) {
  absl::StatusOr<LabelSelector> s = LabelSelector::Parse(text);
  EXPECT_FALSE(s.ok()) << text;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

TEST(LabelSelectorTest, EmptyTextMatchesEverything) {
  for (std::string_view text : {"", "   ", "\t\n"}) {
    LabelSelector s = MustParse(text);
    EXPECT_TRUE(s.Empty());
    EXPECT_TRUE(s.Matches(Labels{}));
    EXPECT_TRUE(s.Matches(json(nullptr)));
    EXPECT_EQ(s.String(), "");
  }
}

TEST(LabelSelectorTest, ParsesEveryOperatorAndPrintsCanonically) {
  LabelSelector s = MustParse("k,!m,a=b,c==d,e!=f,g in (y,x),h notin (z),n>3,o<9");
  EXPECT_FALSE(s.Empty());
  EXPECT_EQ(s.String(), "a=b,c==d,e!=f,g in (x,y),h notin (z),k,!m,n>3,o<9");
  ASSERT_EQ(s.requirements().size(), 9u);
  EXPECT_EQ(s.requirements()[3].op, LabelSelector::Operator::kIn);
}

TEST(LabelSelectorTest, ToleratesWhitespace) {
  EXPECT_EQ(MustParse("  x  in ( b , a ) ,  y != z , w").String(), "w,x in (a,b),y!=z");
  EXPECT_EQ(MustParse("env notin(prod)").String(), "env notin (prod)");
}

TEST(LabelSelectorTest, InAndNotInAreIdentifiersInValuePosition) {
  LabelSelector s = MustParse("in in (in,notin)");
  EXPECT_TRUE(s.Matches(Labels{{"in", "notin"}}));
  EXPECT_FALSE(s.Matches(Labels{{"in", "x"}}));
}

TEST(LabelSelectorTest, EmptyValues) {
  LabelSelector eq = MustParse("a=");
  EXPECT_TRUE(eq.Matches(Labels{{"a", ""}}));
  EXPECT_FALSE(eq.Matches(Labels{}));
  EXPECT_EQ(MustParse("a in (,b)").String(), "a in (,b)");
  EXPECT_EQ(MustParse("a in ()").String(), "a in ()");
  EXPECT_EQ(MustParse("a in (b,,c)").String(), "a in (,b,c)");
}

TEST(LabelSelectorTest, MatchSemantics) {
  LabelSelector s = MustParse("app in (web,api),tier notin (db),!legacy,env!=prod,team");
  EXPECT_TRUE(s.Matches(Labels{{"app", "web"}, {"team", "a"}}));
  EXPECT_TRUE(s.Matches(Labels{{"app", "api"}, {"team", "a"}, {"tier", "fe"}, {"env", "dev"}}));
  EXPECT_FALSE(s.Matches(Labels{{"app", "web"}}));                                  // no team
  EXPECT_FALSE(s.Matches(Labels{{"app", "web"}, {"team", "a"}, {"tier", "db"}}));   // notin
  EXPECT_FALSE(s.Matches(Labels{{"app", "web"}, {"team", "a"}, {"legacy", ""}}));   // !legacy
  EXPECT_FALSE(s.Matches(Labels{{"app", "web"}, {"team", "a"}, {"env", "prod"}}));  // !=
  EXPECT_FALSE(s.Matches(Labels{{"app", "db"}, {"team", "a"}}));                    // in
}

TEST(LabelSelectorTest, MatchesJsonLabels) {
  LabelSelector s = MustParse("app=web,!legacy");
  EXPECT_TRUE(s.Matches(json{{"app", "web"}}));
  EXPECT_FALSE(s.Matches(json{{"app", "db"}}));
  EXPECT_FALSE(s.Matches(json(nullptr)));
  EXPECT_TRUE(MustParse("!legacy,x notin (y)").Matches(json(nullptr)));
}

TEST(LabelSelectorTest, GreaterAndLessThanCompareIntegers) {
  LabelSelector gt = MustParse("n>3");
  EXPECT_TRUE(gt.Matches(Labels{{"n", "10"}}));
  EXPECT_FALSE(gt.Matches(Labels{{"n", "3"}}));
  EXPECT_FALSE(gt.Matches(Labels{{"n", "abc"}}));
  EXPECT_FALSE(gt.Matches(Labels{}));
  EXPECT_TRUE(MustParse("n<5").Matches(Labels{{"n", "-5"}}));
  // Like upstream, the value must also be a valid label value, so negatives cannot be written.
  EXPECT_EQ(ParseError("n<-1").substr(0, 58),
            "unable to parse requirement: values[0][n]: Invalid value: ");
}

TEST(LabelSelectorTest, SyntaxErrorsUseUpstreamText) {
  EXPECT_EQ(ParseError("a b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(ParseError("a=b c"), "found 'c', expected: ',' or 'end of string'");
  EXPECT_EQ(ParseError("a,"), "found '', expected: identifier after ','");
  EXPECT_EQ(ParseError(","), "found ',', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(ParseError("a in b"), "unable to parse requirement: found 'b' expected: '('");
  EXPECT_EQ(ParseError("a in (b"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(ParseError("a in (=)"),
            "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  EXPECT_EQ(ParseError("a ("),
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(ParseError("a===b"), "unable to parse requirement: found '=', expected: identifier");
  EXPECT_EQ(ParseError("!!a"), "unable to parse requirement: found '!', expected: identifier");
}

TEST(LabelSelectorTest, InvalidKeysAndValuesUseUpstreamText) {
  EXPECT_EQ(ParseError("a/b/c"),
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key "
            "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
            "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
            "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional "
            "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
  EXPECT_EQ(ParseError("a=b@d"),
            "unable to parse requirement: values[0][a]: Invalid value: \"b@d\": a valid label "
            "must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
            "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  "
            "or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(ParseError("n>x"),
            "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' "
            "operators, the value must be an integer");
}

TEST(LabelSelectorTest, FromJsonCombinesMatchLabelsAndExpressions) {
  json selector = json::parse(R"({
    "matchLabels": {"app": "web"},
    "matchExpressions": [
      {"key": "tier", "operator": "In", "values": ["b", "a"]},
      {"key": "legacy", "operator": "DoesNotExist"},
      {"key": "zone", "operator": "Exists"},
      {"key": "env", "operator": "NotIn", "values": ["prod"]}
    ]})");
  absl::StatusOr<LabelSelector> s = LabelSelector::FromJson(selector);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->String(), "app=web,env notin (prod),!legacy,tier in (a,b),zone");
  EXPECT_TRUE(s->Matches(json{{"app", "web"}, {"tier", "a"}, {"zone", "z1"}}));
  EXPECT_FALSE(s->Matches(json{{"app", "web"}, {"tier", "a"}}));
}

TEST(LabelSelectorTest, FromJsonEmptyFormsSelectEverything) {
  for (const json& j : {json(nullptr), json::object(), json{{"matchLabels", json::object()}}}) {
    absl::StatusOr<LabelSelector> s = LabelSelector::FromJson(j);
    ASSERT_TRUE(s.ok());
    EXPECT_TRUE(s->Empty());
  }
}

TEST(LabelSelectorTest, FromJsonErrorsUseUpstreamText) {
  auto error = [](const char* text) {
    absl::StatusOr<LabelSelector> s = LabelSelector::FromJson(json::parse(text));
    EXPECT_FALSE(s.ok()) << text;
    return s.ok() ? std::string() : std::string(s.status().message());
  };
  EXPECT_EQ(error(R"({"matchExpressions":[{"key":"a","operator":"Foo"}]})"),
            "\"Foo\" is not a valid label selector operator");
  EXPECT_EQ(error(R"({"matchExpressions":[{"key":"a","operator":"In"}]})"),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");
  EXPECT_EQ(error(R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})"),
            "values: Invalid value: [\"x\"]: values set must be empty for exists and does not "
            "exist");
  EXPECT_EQ(error(R"({"matchLabels":{"a":"-x"}})").substr(0, 50),
            "values[0][a]: Invalid value: \"-x\": a valid label m");
  EXPECT_EQ(error(R"({"matchLabels":{"a_":"x"}})").substr(0, 37),
            "key: Invalid value: \"a_\": name part m");
}

TEST(LabelSelectorTest, RequiresExactMatch) {
  std::string value;
  EXPECT_TRUE(MustParse("a=b,c in (d)").RequiresExactMatch("a", &value));
  EXPECT_EQ(value, "b");
  EXPECT_TRUE(MustParse("c in (d)").RequiresExactMatch("c", &value));
  EXPECT_EQ(value, "d");
  EXPECT_FALSE(MustParse("c in (d,e)").RequiresExactMatch("c", &value));
  EXPECT_FALSE(MustParse("a!=b").RequiresExactMatch("a", &value));
  EXPECT_FALSE(MustParse("a=b").RequiresExactMatch("x", &value));
}

}  // namespace
}  // namespace k1s::api
