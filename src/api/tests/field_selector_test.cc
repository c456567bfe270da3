#include "api/field_selector.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace k1s::api {
namespace {

using Fields = std::map<std::string, std::string>;

std::string ParseError(std::string_view text) {
  absl::StatusOr<FieldSelector> s = FieldSelector::Parse(text);
  EXPECT_FALSE(s.ok()) << text;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

TEST(FieldSelectorTest, EmptyMatchesEverything) {
  for (std::string_view text : {"", ",", "=", ",,"}) {
    absl::StatusOr<FieldSelector> s = FieldSelector::Parse(text);
    ASSERT_TRUE(s.ok()) << text;
    EXPECT_TRUE(s->Empty());
    EXPECT_TRUE(s->Matches(Fields{{"metadata.name", "x"}}));
    EXPECT_EQ(s->String(), "");
  }
}

TEST(FieldSelectorTest, ParsesTermsInUpstreamOrder) {
  absl::StatusOr<FieldSelector> s =
      FieldSelector::Parse("status.phase!=Running,metadata.name=foo,spec.nodeName==n1");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->String(), "metadata.name=foo,spec.nodeName=n1,status.phase!=Running");
  EXPECT_EQ(s->Fields(),
            (std::vector<std::string>{"metadata.name", "spec.nodeName", "status.phase"}));
}

TEST(FieldSelectorTest, MissingFieldsCountAsEmpty) {
  absl::StatusOr<FieldSelector> s = FieldSelector::Parse("metadata.name=foo,status.phase!=Running");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->Matches(Fields{{"metadata.name", "foo"}}));
  EXPECT_TRUE(s->Matches(Fields{{"metadata.name", "foo"}, {"status.phase", "Pending"}}));
  EXPECT_FALSE(s->Matches(Fields{{"metadata.name", "foo"}, {"status.phase", "Running"}}));
  EXPECT_FALSE(s->Matches(Fields{{"metadata.name", "bar"}}));
  absl::StatusOr<FieldSelector> empty_value = FieldSelector::Parse("spec.nodeName=");
  ASSERT_TRUE(empty_value.ok());
  EXPECT_TRUE(empty_value->Matches(Fields{}));
  EXPECT_FALSE(empty_value->Matches(Fields{{"spec.nodeName", "n1"}}));
}

TEST(FieldSelectorTest, RequiredValue) {
  absl::StatusOr<FieldSelector> s =
      FieldSelector::Parse("metadata.name==foo,status.phase!=Running");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->RequiredValue("metadata.name"), "foo");
  EXPECT_EQ(s->RequiredValue("status.phase"), std::nullopt);
  EXPECT_EQ(s->RequiredValue("spec.nodeName"), std::nullopt);
  EXPECT_EQ(FieldSelector::OneTermEqual("metadata.name", "x").RequiredValue("metadata.name"), "x");
}

TEST(FieldSelectorTest, EscapedValuesRoundTrip) {
  absl::StatusOr<FieldSelector> s = FieldSelector::Parse(R"(a=x\,y\=z\\,b=c)");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->terms().size(), 2u);
  EXPECT_EQ(s->terms()[0].value, R"(x,y=z\)");
  EXPECT_TRUE(s->Matches(Fields{{"a", R"(x,y=z\)"}, {"b", "c"}}));
  EXPECT_EQ(s->String(), R"(a=x\,y\=z\\,b=c)");
  EXPECT_EQ(EscapeFieldSelectorValue("a,b=c"), R"(a\,b\=c)");
}

TEST(FieldSelectorTest, ErrorsUseUpstreamText) {
  EXPECT_EQ(ParseError("a"), "invalid selector: 'a'; can't understand 'a'");
  EXPECT_EQ(ParseError("x=1,bogus"), "invalid selector: 'x=1,bogus'; can't understand 'bogus'");
  EXPECT_EQ(ParseError("a=b=c"), "invalid field selector: unescaped character in value: 61");
  EXPECT_EQ(ParseError(R"(a=b\x)"), R"(invalid field selector: invalid escape sequence: \x)");
  EXPECT_EQ(ParseError(R"(a=b\)"), R"(invalid field selector: invalid escape sequence: \)");
}

TEST(FieldSelectorTest, NoWhitespaceTrimming) {
  absl::StatusOr<FieldSelector> s = FieldSelector::Parse("metadata.name = foo");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->Fields(), (std::vector<std::string>{"metadata.name "}));
  EXPECT_EQ(s->terms()[0].value, " foo");
}

TEST(FieldSelectorTest, NotEqualsWinsOverEqualsAtSamePosition) {
  absl::StatusOr<FieldSelector> s = FieldSelector::Parse("a!=b");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->terms().size(), 1u);
  EXPECT_FALSE(s->terms()[0].equals);
  EXPECT_EQ(s->terms()[0].field, "a");
  EXPECT_EQ(s->terms()[0].value, "b");
}

}  // namespace
}  // namespace k1s::api
