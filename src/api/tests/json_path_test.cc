#include "api/json_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace k1s::api {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const json& Doc() {
  static const json kDoc = {
      {"metadata",
       {{"name", "web"},
        {"creationTimestamp", "2026-11-22T10:00:00Z"},
        {"labels", {{"app", "nginx"}, {"app.kubernetes.io/name", "web"}}}}},
      {"spec",
       {{"replicas", 3},
        {"ratio", 0.25},
        {"paused", false},
        {"selector", {{"matchLabels", {{"app", "nginx"}}}}},
        {"containers", {{{"name", "a"}, {"image", "x"}}, {{"name", "b"}, {"image", "y"}}}}}},
      {"status",
       {{"conditions",
         {{{"type", "Available"}, {"status", "False"}},
          {{"type", "Ready"}, {"status", "True"}, {"observedGeneration", 4}}}}}},
      {"items", {"i0", "i1", "i2", "i3"}}};
  return kDoc;
}

std::vector<json> Find(std::string_view expr) {
  auto path = JsonPath::Parse(expr);
  EXPECT_TRUE(path.ok()) << expr << ": " << path.status();
  if (!path.ok()) return {};
  return path->FindResults(Doc());
}

TEST(JsonPathTest, FieldsIndicesAndWildcards) {
  EXPECT_THAT(Find(".spec.replicas"), ElementsAre(3));
  EXPECT_THAT(Find("{.spec.replicas}"), ElementsAre(3));
  EXPECT_THAT(Find("$.metadata.name"), ElementsAre("web"));
  EXPECT_THAT(Find(".metadata.labels.app"), ElementsAre("nginx"));
  EXPECT_THAT(Find(".metadata.labels['app.kubernetes.io/name']"), ElementsAre("web"));
  EXPECT_THAT(Find(".metadata.labels.app\\.kubernetes\\.io/name"), ElementsAre("web"));
  EXPECT_THAT(Find(".items[0]"), ElementsAre("i0"));
  EXPECT_THAT(Find(".items[-1]"), ElementsAre("i3"));
  EXPECT_THAT(Find(".items[1:3]"), ElementsAre("i1", "i2"));
  EXPECT_THAT(Find(".items[::2]"), ElementsAre("i0", "i2"));
  EXPECT_THAT(Find(".spec.containers[*].name"), ElementsAre("a", "b"));
  EXPECT_THAT(Find(".spec.selector.matchLabels.*"), ElementsAre("nginx"));
  EXPECT_THAT(Find("..image"), ElementsAre("x", "y"));
}

TEST(JsonPathTest, Filters) {
  EXPECT_THAT(Find(".status.conditions[?(@.type==\"Ready\")].status"), ElementsAre("True"));
  EXPECT_THAT(Find(".status.conditions[?(@.type=='Available')].status"), ElementsAre("False"));
  EXPECT_THAT(Find(".status.conditions[?(@.type!=\"Ready\")].type"), ElementsAre("Available"));
  EXPECT_THAT(Find(".status.conditions[?(@.observedGeneration>3)].type"), ElementsAre("Ready"));
  EXPECT_THAT(Find(".status.conditions[?(@.observedGeneration)].type"), ElementsAre("Ready"));
}

TEST(JsonPathTest, MissingSelectsNothing) {
  EXPECT_THAT(Find(".spec.nothing.here"), IsEmpty());
  EXPECT_THAT(Find(".items[9]"), IsEmpty());
  EXPECT_THAT(Find(".status.conditions[?(@.type==\"Gone\")].status"), IsEmpty());
  EXPECT_THAT(Find(".spec.replicas[0]"), IsEmpty());
}

TEST(JsonPathTest, ParseErrors) {
  EXPECT_FALSE(JsonPath::Parse("").ok());
  EXPECT_FALSE(JsonPath::Parse("spec").ok());
  EXPECT_FALSE(JsonPath::Parse(".items[").ok());
  EXPECT_FALSE(JsonPath::Parse(".items[x]").ok());
  EXPECT_FALSE(JsonPath::Parse(".a[?(@.b==)]").ok());
}

json Cell(std::string_view expr, std::string_view type) {
  auto path = JsonPath::Parse(expr);
  EXPECT_TRUE(path.ok());
  // 2026-11-22T12:30:00Z
  return PrinterColumnCell(Doc(), *path, type, 1795350600);
}

TEST(PrinterColumnCellTest, ConvertsByType) {
  EXPECT_EQ(Cell(".spec.replicas", "integer"), json(3));
  EXPECT_EQ(Cell(".spec.ratio", "integer"), json(0));
  EXPECT_EQ(Cell(".spec.replicas", "number"), json(3.0));
  EXPECT_EQ(Cell(".spec.paused", "boolean"), json(false));
  EXPECT_EQ(Cell(".spec.replicas", "boolean"), json(nullptr));
  EXPECT_EQ(Cell(".metadata.name", "integer"), json(nullptr));
  EXPECT_EQ(Cell(".spec.missing", "string"), json(nullptr));
  EXPECT_EQ(Cell(".spec.replicas", "string"), json("3"));
  EXPECT_EQ(Cell(".spec.ratio", "string"), json("0.25"));
  EXPECT_EQ(Cell(".spec.paused", "string"), json("false"));
  EXPECT_EQ(Cell(".spec.selector", "string"), json("{\"matchLabels\":{\"app\":\"nginx\"}}"));
  EXPECT_EQ(Cell(".spec.containers[*].name", "string"), json("a"));
  EXPECT_EQ(Cell(".metadata.creationTimestamp", "date"), json("150m"));
  EXPECT_EQ(Cell(".metadata.name", "date"), json("<invalid>"));
}

TEST(GoFormatFloatTest, MatchesGoPercentV) {
  EXPECT_EQ(GoFormatFloat(10), "10");
  EXPECT_EQ(GoFormatFloat(1.5), "1.5");
  EXPECT_EQ(GoFormatFloat(0.1), "0.1");
  EXPECT_EQ(GoFormatFloat(-2.25), "-2.25");
  EXPECT_EQ(GoFormatFloat(1e6), "1000000");
  EXPECT_EQ(GoFormatFloat(1e21), "1e+21");
  EXPECT_EQ(GoFormatFloat(0.00001), "1e-05");
  EXPECT_EQ(GoFormatFloat(0.0001), "0.0001");
  EXPECT_EQ(GoFormatFloat(123456789.125), "123456789.125");
}

}  // namespace
}  // namespace k1s::api
