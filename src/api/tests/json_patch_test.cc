#include "api/json_patch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"

namespace k1s::api {
namespace {

using nlohmann::json;

json Apply(const char* document, const char* patch) {
  absl::StatusOr<json> result = ApplyJsonPatch(json::parse(document), json::parse(patch));
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : json();
}

absl::Status ApplyError(const char* document, const char* patch) {
  absl::StatusOr<json> result = ApplyJsonPatch(json::parse(document), json::parse(patch));
  EXPECT_FALSE(result.ok()) << result->dump();
  return result.status();
}

// RFC 6902 appendix A, examples A.1 - A.16 (A.13 is about duplicate JSON members, which a parsed
// document cannot express).
TEST(JsonPatchTest, Rfc6902AppendixA) {
  EXPECT_EQ(Apply(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])"),
            json::parse(R"({"baz":"qux","foo":"bar"})"));
  EXPECT_EQ(Apply(R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])"),
            json::parse(R"({"foo":["bar","qux","baz"]})"));
  EXPECT_EQ(Apply(R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])"),
            json::parse(R"({"foo":"bar"})"));
  EXPECT_EQ(Apply(R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])"),
            json::parse(R"({"foo":["bar","baz"]})"));
  EXPECT_EQ(
      Apply(R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])"),
      json::parse(R"({"baz":"boo","foo":"bar"})"));
  EXPECT_EQ(Apply(R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
                  R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])"),
            json::parse(R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"));
  EXPECT_EQ(Apply(R"({"foo":["all","grass","cows","eat"]})",
                  R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])"),
            json::parse(R"({"foo":["all","cows","eat","grass"]})"));
  EXPECT_EQ(Apply(R"({"baz":"qux","foo":["a",2,"c"]})",
                  R"([{"op":"test","path":"/baz","value":"qux"},
                      {"op":"test","path":"/foo/1","value":2}])"),
            json::parse(R"({"baz":"qux","foo":["a",2,"c"]})"));
  EXPECT_EQ(
      ApplyError(R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])").message(),
      "testing value /baz failed: test failed");
  EXPECT_EQ(
      Apply(R"({"foo":"bar"})", R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])"),
      json::parse(R"({"foo":"bar","child":{"grandchild":{}}})"));
  EXPECT_EQ(Apply(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])"),
            json::parse(R"({"foo":"bar","baz":"qux"})"));
  EXPECT_EQ(
      ApplyError(R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])").code(),
      absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Apply(R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])"),
            json::parse(R"({"/":9,"~1":10})"));
  EXPECT_EQ(
      ApplyError(R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])").message(),
      "testing value /~01 failed: test failed");
  EXPECT_EQ(Apply(R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])"),
            json::parse(R"({"foo":["bar",["abc","def"]]})"));
}

TEST(JsonPatchTest, AddIntoObjectReplacesExistingMember) {
  EXPECT_EQ(Apply(R"({"metadata":{"labels":{"a":"1"}}})",
                  R"([{"op":"add","path":"/metadata/labels","value":{"b":"2"}}])"),
            json::parse(R"({"metadata":{"labels":{"b":"2"}}})"));
}

TEST(JsonPatchTest, EscapedPointerTokens) {
  EXPECT_EQ(Apply(R"({"metadata":{"annotations":{}}})",
                  R"([{"op":"add","path":"/metadata/annotations/example.com~1a~0b","value":"x"}])"),
            json::parse(R"({"metadata":{"annotations":{"example.com/a~b":"x"}}})"));
}

TEST(JsonPatchTest, NegativeIndicesCountFromTheEnd) {
  EXPECT_EQ(Apply(R"({"a":[1,2,3]})", R"([{"op":"remove","path":"/a/-1"}])"),
            json::parse(R"({"a":[1,2]})"));
  EXPECT_EQ(Apply(R"({"a":[1,2,3]})", R"([{"op":"replace","path":"/a/-3","value":0}])"),
            json::parse(R"({"a":[0,2,3]})"));
}

TEST(JsonPatchTest, AddAtArrayEndIndexAppends) {
  EXPECT_EQ(Apply(R"([1,2])", R"([{"op":"add","path":"/2","value":3}])"), json::parse("[1,2,3]"));
}

TEST(JsonPatchTest, RootOperations) {
  EXPECT_EQ(Apply(R"({"a":1})", R"([{"op":"replace","path":"","value":{"b":2}}])"),
            json::parse(R"({"b":2})"));
  EXPECT_EQ(Apply(R"({"a":1})", R"([{"op":"add","path":"","value":[1]}])"), json::parse("[1]"));
  EXPECT_EQ(Apply(R"({"a":{"b":1}})", R"([{"op":"test","path":"","value":{"a":{"b":1.0}}}])"),
            json::parse(R"({"a":{"b":1}})"));
  EXPECT_EQ(ApplyError(R"({"a":1})", R"([{"op":"remove","path":""}])").message(),
            "remove operation does not apply: doc is missing path: \"\": missing value");
}

TEST(JsonPatchTest, CopyDeepCopiesValue) {
  EXPECT_EQ(Apply(R"({"a":{"b":[1,{"c":2}]}})",
                  R"([{"op":"copy","from":"/a","path":"/d"},
                      {"op":"add","path":"/d/b/1/c","value":3}])"),
            json::parse(R"({"a":{"b":[1,{"c":2}]},"d":{"b":[1,{"c":3}]}})"));
}

TEST(JsonPatchTest, TestComparesDeeplyAndMissingEqualsNull) {
  EXPECT_EQ(Apply(R"({"spec":{"x":[1,{"y":true}]}})",
                  R"([{"op":"test","path":"/spec","value":{"x":[1,{"y":true}]}},
                      {"op":"test","path":"/spec/missing","value":null}])"),
            json::parse(R"({"spec":{"x":[1,{"y":true}]}})"));
  EXPECT_EQ(
      ApplyError(R"({"spec":{"x":[1,2]}})", R"([{"op":"test","path":"/spec/x","value":[2,1]}])")
          .message(),
      "testing value /spec/x failed: test failed");
}

TEST(JsonPatchTest, FailedPatchLeavesInputUntouched) {
  json document = json::parse(R"({"a":1,"b":[1]})");
  const json before = document;
  absl::StatusOr<json> result =
      ApplyJsonPatch(document, json::parse(R"([{"op":"add","path":"/c","value":1},
                                {"op":"remove","path":"/b/0"},
                                {"op":"test","path":"/a","value":2}])"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(document, before);
}

TEST(JsonPatchTest, ApplyErrorsUseEvanphxMessages) {
  EXPECT_EQ(
      ApplyError(R"({"metadata":{}})", R"([{"op":"add","path":"/metadata/labels/x","value":"y"}])")
          .message(),
      "add operation does not apply: doc is missing path: \"/metadata/labels/x\": "
      "missing value");
  EXPECT_EQ(ApplyError(R"({"a":1})", R"([{"op":"remove","path":"/x"}])").message(),
            "error in remove for path: '/x': Unable to remove nonexistent key: x: missing value");
  EXPECT_EQ(ApplyError(R"({"a":1})", R"([{"op":"replace","path":"/x","value":1}])").message(),
            "replace operation does not apply: doc is missing key: /x: missing value");
  EXPECT_EQ(ApplyError(R"({"a":[1]})", R"([{"op":"remove","path":"/a/5"}])").message(),
            "error in remove for path: '/a/5': Unable to access invalid index: 5: invalid index "
            "referenced");
  EXPECT_EQ(ApplyError(R"({"a":[1]})", R"([{"op":"add","path":"/a/3","value":1}])").message(),
            "error in add for path: '/a/3': Unable to access invalid index: 3: invalid index "
            "referenced");
  EXPECT_EQ(ApplyError(R"({"a":[1]})", R"([{"op":"add","path":"/a/x","value":1}])").message(),
            "error in add for path: '/a/x': value was not a proper array index: 'x': "
            "strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_EQ(ApplyError(R"({"a":1})", R"([{"op":"move","from":"/b/c","path":"/d"}])").message(),
            "move operation does not apply: doc is missing from path: /b/c: missing value");
  EXPECT_EQ(ApplyError(R"({"a":1})", R"([{"op":"copy","from":"/a","path":"/b/c"}])").message(),
            "copy operation does not apply: doc is missing destination path: /b/c: missing value");
  EXPECT_EQ(ApplyError(R"({"a":1})", R"([{"op":"copy","from":"/x","path":"/b"}])").message(),
            "error in copy for from: '/x': unable to get nonexistent key: x: missing value");
  EXPECT_EQ(ApplyError(R"({"a":1})", R"([{"op":"test","path":"/a/b/c","value":1}])").message(),
            "test operation does not apply: is missing path: /a/b/c: missing value");
}

TEST(JsonPatchTest, MoveIntoOwnChildFails) {
  EXPECT_EQ(ApplyError(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/c"}])").code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(JsonPatchTest, MalformedPatchIsInvalidArgument) {
  EXPECT_EQ(ApplyError("{}", R"({"op":"add"})").message(),
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  EXPECT_EQ(ApplyError("{}", R"(["add"])").message(),
            "json: cannot unmarshal string into Go value of type jsonpatch.Operation");
  EXPECT_EQ(ApplyError("{}", R"([{"path":"/a"}])").message(), "Unexpected kind: unknown");
  EXPECT_EQ(ApplyError("{}", R"([{"op":"merge","path":"/a"}])").message(),
            "Unexpected kind: merge");
  EXPECT_EQ(ApplyError("{}", R"([{"op":"add","value":1}])").message(),
            "add operation failed to decode path: operation missing path field: missing value");
  EXPECT_EQ(ApplyError("{}", R"([{"op":"move","path":"/a"}])").message(),
            "move operation failed to decode from: operation, missing from field: missing value");
  EXPECT_THAT(std::string(ApplyError("{}", R"([{"op":"add","path":"a","value":1}])").message()),
              testing::HasSubstr("invalid JSON pointer"));
  EXPECT_THAT(std::string(ApplyError("{}", R"([{"op":"add","path":"/a~2","value":1}])").message()),
              testing::HasSubstr("invalid JSON pointer"));
  // A malformed later operation is reported even though an earlier one would fail to apply.
  EXPECT_EQ(ApplyError("{}", R"([{"op":"remove","path":"/x"},{"op":"bogus","path":"/a"}])").code(),
            absl::StatusCode::kInvalidArgument);
  for (const char* patch : {R"({"op":"add"})", R"([1])", R"([{"op":"add","value":1}])"}) {
    EXPECT_EQ(ApplyError("{}", patch).code(), absl::StatusCode::kInvalidArgument) << patch;
  }
}

TEST(JsonPatchTest, MissingValueCountsAsNull) {
  EXPECT_EQ(Apply(R"({})", R"([{"op":"add","path":"/a"}])"), json::parse(R"({"a":null})"));
}

}  // namespace
}  // namespace k1s::api
