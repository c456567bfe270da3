#include "api/merge_patch.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace k1s::api {
namespace {

using nlohmann::json;

struct Case {
  const char* original;
  const char* patch;
  const char* result;
};

// RFC 7386 appendix A, every row.
TEST(MergePatchTest, Rfc7386AppendixA) {
  const Case kCases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", R"(null)", R"(null)"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ApplyMergePatch(json::parse(c.original), json::parse(c.patch)), json::parse(c.result))
        << c.original << " + " << c.patch;
  }
}

TEST(MergePatchTest, KeepsNullsInsideArrays) {
  EXPECT_EQ(ApplyMergePatch(json::parse(R"({})"), json::parse(R"({"a":[null,1]})")),
            json::parse(R"({"a":[null,1]})"));
}

TEST(MergePatchTest, LabelsPatchTouchesOnlyNamedKeys) {
  json pod = json::parse(R"({"metadata":{"name":"p","labels":{"app":"web","tier":"fe"}},
                             "spec":{"containers":[{"name":"c"}]}})");
  json patched = ApplyMergePatch(pod, json::parse(R"({"metadata":{"labels":{"tier":null,
                                                      "env":"prod"}}})"));
  EXPECT_EQ(patched, json::parse(R"({"metadata":{"name":"p","labels":{"app":"web","env":"prod"}},
                                     "spec":{"containers":[{"name":"c"}]}})"));
}

TEST(MergePatchTest, CreateMergePatchDiffs) {
  json original = json::parse(R"({"a":1,"b":{"c":2,"d":3},"e":[1,2],"f":"x"})");
  json modified = json::parse(R"({"a":1,"b":{"c":5},"e":[1],"g":{"h":true}})");
  json patch = CreateMergePatch(original, modified);
  EXPECT_EQ(patch, json::parse(R"({"b":{"c":5,"d":null},"e":[1],"f":null,"g":{"h":true}})"));
  EXPECT_EQ(ApplyMergePatch(original, patch), modified);
}

TEST(MergePatchTest, CreateMergePatchOfEqualObjectsIsEmpty) {
  json doc = json::parse(R"({"a":{"b":[1,2]},"c":1.0})");
  EXPECT_EQ(CreateMergePatch(doc, json::parse(R"({"a":{"b":[1,2]},"c":1})")), json::object());
}

TEST(MergePatchTest, CreateMergePatchOfNonObjectsReplaces) {
  EXPECT_EQ(CreateMergePatch(json::parse("[1]"), json::parse(R"({"a":1})")),
            json::parse(R"({"a":1})"));
  EXPECT_EQ(CreateMergePatch(json::parse(R"({"a":1})"), json::parse("[2]")), json::parse("[2]"));
  EXPECT_EQ(CreateMergePatch(json::parse(R"({"a":{"b":1}})"), json::parse(R"({"a":2})")),
            json::parse(R"({"a":2})"));
}

}  // namespace
}  // namespace k1s::api
