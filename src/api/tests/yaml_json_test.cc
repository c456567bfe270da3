#include "api/yaml_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"

namespace k1s::api {
namespace {

using nlohmann::json;

json Yaml(const std::string& yaml) {
  absl::StatusOr<json> result = YamlToJson(yaml);
  EXPECT_TRUE(result.ok()) << yaml << ": " << result.status();
  return result.ok() ? *result : json("<error>");
}

TEST(YamlToJsonTest, ConvertsManifest) {
  EXPECT_EQ(Yaml(R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
    args: ["--port", "80"]
)"),
            json::parse(R"({"apiVersion":"v1","kind":"Pod",
                "metadata":{"name":"web","labels":{"app":"web"}},
                "spec":{"containers":[{"name":"nginx","image":"nginx:1.25",
                    "ports":[{"containerPort":80}],"args":["--port","80"]}]}})"));
}

TEST(YamlToJsonTest, PlainBoolsFollowGoYamlV2) {
  for (const char* word :
       {"true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON"}) {
    EXPECT_EQ(Yaml(std::string("v: ") + word), json::parse(R"({"v":true})")) << word;
  }
  for (const char* word :
       {"false", "False", "FALSE", "no", "No", "NO", "n", "N", "off", "Off", "OFF"}) {
    EXPECT_EQ(Yaml(std::string("v: ") + word), json::parse(R"({"v":false})")) << word;
  }
  EXPECT_EQ(Yaml("v: tRUE"), json::parse(R"({"v":"tRUE"})"));
}

TEST(YamlToJsonTest, NullForms) {
  EXPECT_EQ(Yaml("a:\nb: ~\nc: null\nd: Null\ne: NULL\n"),
            json::parse(R"({"a":null,"b":null,"c":null,"d":null,"e":null})"));
  EXPECT_EQ(Yaml(""), json());
  EXPECT_EQ(Yaml("# only a comment\n"), json());
}

TEST(YamlToJsonTest, Integers) {
  json j = Yaml(
      "a: 42\nb: -7\nc: +3\nd: 0x1F\ne: 017\nf: 0o17\ng: 0b101\nh: 1_000\n"
      "i: 9223372036854775807\nj: -9223372036854775808\nk: 18446744073709551615\n"
      "l: 0\n");
  EXPECT_EQ(j, json::parse(R"({"a":42,"b":-7,"c":3,"d":31,"e":15,"f":15,"g":5,"h":1000,
      "i":9223372036854775807,"j":-9223372036854775808,"k":18446744073709551615,"l":0})"));
  EXPECT_TRUE(j["a"].is_number_integer());
  EXPECT_EQ(j["i"].get<int64_t>(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(j["k"].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
}

TEST(YamlToJsonTest, Floats) {
  json j = Yaml("a: 1.5\nb: -0.25\nc: .5\nd: 1e+30\ne: 3.0\nf: 1e3\ng: 2.5E-3\n");
  EXPECT_TRUE(j["a"].is_number_float());
  EXPECT_DOUBLE_EQ(j["a"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(j["b"].get<double>(), -0.25);
  EXPECT_DOUBLE_EQ(j["c"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["d"].get<double>(), 1e30);
  EXPECT_DOUBLE_EQ(j["g"].get<double>(), 0.0025);
  // Integral floats come out as integers, as upstream's JSON encoding makes them.
  EXPECT_TRUE(j["e"].is_number_integer());
  EXPECT_EQ(j["e"].get<int64_t>(), 3);
  EXPECT_EQ(j["f"].get<int64_t>(), 1000);
}

TEST(YamlToJsonTest, NonNumbersStayStrings) {
  json j = Yaml(
      "a: 1.2.3\nb: 0x\nc: 1e\nd: 2024-01-02\ne: 10Gi\nf: 0x1p3\ng: '-'\nh: 1e400\n"
      "i: 12:30\nj: 0.0.0.0/0\n");
  EXPECT_EQ(j, json::parse(R"({"a":"1.2.3","b":"0x","c":"1e","d":"2024-01-02","e":"10Gi",
      "f":"0x1p3","g":"-","h":"1e400","i":"12:30","j":"0.0.0.0/0"})"));
}

TEST(YamlToJsonTest, QuotedAndBlockScalarsStayStrings) {
  EXPECT_EQ(Yaml("a: \"true\"\nb: '123'\nc: \"\"\nd: 'null'\ne: !!str 42\nf: |\n  yes\n"
                 "g: >-\n  1\n"),
            json::parse(R"({"a":"true","b":"123","c":"","d":"null","e":"42","f":"yes\n",
                "g":"1"})"));
}

TEST(YamlToJsonTest, NonStringKeysBecomeStrings) {
  EXPECT_EQ(Yaml("1: a\n0x10: b\ntrue: c\non: d\n'on': e\n1.5: f\n"),
            json::parse(R"({"1":"a","16":"b","true":"d","on":"e","1.5":"f"})"));
}

TEST(YamlToJsonTest, AnchorsAliasesAndMergeKeys) {
  EXPECT_EQ(Yaml(R"(base: &base
  image: nginx
  pull: Always
list: &list [1, 2]
copy: *list
one:
  <<: *base
  pull: Never
two:
  <<: [{a: 1}, {a: 2, b: 2}]
)"),
            json::parse(R"({"base":{"image":"nginx","pull":"Always"},"list":[1,2],"copy":[1,2],
                "one":{"image":"nginx","pull":"Never"},"two":{"a":1,"b":2}})"));
}

TEST(YamlToJsonTest, DuplicateKeysKeepLastValue) {
  EXPECT_EQ(Yaml("a: 1\na: 2\n"), json::parse(R"({"a":2})"));
}

TEST(YamlToJsonTest, FlowStyleAndJsonInput) {
  EXPECT_EQ(Yaml(R"({"a": [1, "x", {"b": null}], "c": true})"),
            json::parse(R"({"a":[1,"x",{"b":null}],"c":true})"));
}

TEST(YamlToJsonTest, OnlyFirstDocument) {
  EXPECT_EQ(Yaml("a: 1\n---\nb: 2\n"), json::parse(R"({"a":1})"));
}

TEST(YamlToJsonTest, MalformedYamlNamesLineAndColumn) {
  absl::StatusOr<json> result = YamlToJson("a: 1\nb: [1, 2\nc: 3\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              testing::MatchesRegex("yaml: line [0-9]+, column [0-9]+: .+"));

  result = YamlToJson("a: b: c\n");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), testing::HasSubstr("yaml: line 1, column"));
}

TEST(YamlToJsonTest, RejectsContentAfterEndedCollection) {
  // yaml-cpp would read this as two documents; go-yaml (and so kubectl) rejects it.
  absl::StatusOr<json> result = YamlToJson("- a\nb: c\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(std::string(result.status().message()),
            "yaml: line 2, column 1: did not find expected <document start>");
  EXPECT_FALSE(YamlDocumentsToJson("a: 1\n- b\n").ok());
}

TEST(YamlToJsonTest, RejectsUnrepresentableValues) {
  EXPECT_EQ(YamlToJson("a: .inf\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(YamlToJson("a: .nan\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(YamlToJson("? [a]\n: 1\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(YamlToJson("~: 1\n").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(YamlToJson("a: !!int abc\n").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(YamlToJsonTest, AliasBombFails) {
  std::string yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 0; k < 9; ++k) yaml += ", " + prev;
    yaml += "]\n";
  }
  absl::StatusOr<json> result = YamlToJson(yaml);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), testing::HasSubstr("excessive aliasing"));
}

TEST(YamlDocumentsToJsonTest, SplitsAndSkipsEmptyDocuments) {
  absl::StatusOr<std::vector<json>> docs =
      YamlDocumentsToJson("---\n# comment\n---\nkind: A\n---\n---\nkind: B\n...\n");
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[0], json::parse(R"({"kind":"A"})"));
  EXPECT_EQ((*docs)[1], json::parse(R"({"kind":"B"})"));
  EXPECT_TRUE(YamlDocumentsToJson("")->empty());
  EXPECT_EQ(YamlDocumentsToJson("a: 1\n---\nb: [\n").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(JsonToYamlTest, PrintsLikeKubectl) {
  json pod = json::parse(R"({"apiVersion":"v1","kind":"Pod",
      "metadata":{"name":"web","labels":{"app":"web"},"annotations":{}},
      "spec":{"containers":[{"name":"nginx","args":["--port","80"],"ports":[{"containerPort":80}]}],
              "tolerations":[]}})");
  EXPECT_EQ(JsonToYaml(pod), R"(apiVersion: v1
kind: Pod
metadata:
  annotations: {}
  labels:
    app: web
  name: web
spec:
  containers:
  - args:
    - --port
    - "80"
    name: nginx
    ports:
    - containerPort: 80
  tolerations: []
)");
}

TEST(JsonToYamlTest, QuotesStringsThatWouldChangeType) {
  EXPECT_EQ(JsonToYaml(json::parse(
                R"({"a":"true","b":"123","c":"","d":"null","e":" x","f":"yes","g":"1.5",
                    "h":"~","i":"plain text","j":"a: b","k":"- x","l":"#c","m":"0x1F"})")),
            "a: \"true\"\nb: \"123\"\nc: \"\"\nd: \"null\"\ne: \" x\"\nf: \"yes\"\n"
            "g: \"1.5\"\nh: \"~\"\ni: plain text\nj: \"a: b\"\nk: \"- x\"\nl: \"#c\"\n"
            "m: \"0x1F\"\n");
}

TEST(JsonToYamlTest, MultiLineStringsUseLiteralBlocks) {
  EXPECT_EQ(JsonToYaml(json::parse(R"({"script":"echo a\n  echo b\n","s":["x\ny"]})")),
            "s:\n- |-\n  x\n  y\nscript: |\n  echo a\n    echo b\n");
}

TEST(JsonToYamlTest, Scalars) {
  EXPECT_EQ(JsonToYaml(json()), "null\n");
  EXPECT_EQ(JsonToYaml(json::object()), "{}\n");
  EXPECT_EQ(JsonToYaml(json::array()), "[]\n");
  EXPECT_EQ(JsonToYaml(json("hi")), "hi\n");
  EXPECT_EQ(JsonToYaml(json(-5)), "-5\n");
  EXPECT_EQ(JsonToYaml(json(1.5)), "1.5\n");
  EXPECT_EQ(JsonToYaml(json::parse("[[1,2],[]]")), "- - 1\n  - 2\n- []\n");
}

TEST(JsonToYamlTest, RoundTripsNastyValues) {
  const char* const kDocs[] = {
      R"({"unicode":"héllo wörld ✓ 日本語 🚀","rtl":"שלום","emptyMap":{},"emptyList":[],
          "nested":[[[]],[{}],[[1,[2,[3]]]],[{"a":[{"b":{}}]}]],
          "big":9223372036854775807,"small":-9223372036854775808,"u":18446744073709551615,
          "neg":-42,"f1":1.5,"f2":1e+30,"f3":-2.5e-8,"f4":0.1,"zero":0,
          "b":true,"nil":null})",
      R"({"strings":["true","false","yes","no","on","off","y","n","Y","N","null","Null","~","",
          "123","-1","+1","0x10","017","0b1","1_0","1.5",".5","1e3","-.inf",".nan","<<",
          " lead","trail ","  ","\t","a\tb","---","--- x","...","- x","-","--flag=a",
          "? x",":x","x:","a: b","a #b","a#b","#","&a","*a","!tag","|","> x","'q'","\"dq\"",
          "%p","@at","`bt","[x]","{x}","a,b","a[0]{1}","x,","\\back\\slash","quote\"in",
          "multi\nline","trailing\n","keep\n\n","\nleading newline","\n\n","  indented\nx",
          "x\n  indented","tab\n\tline","crlf\r\nx","bell\u0007","nel\u0085x","ls\u2028x",
          "bom\ufeff","del\u007f","long line with spaces and words repeated to make it long"]})",
      R"({"":"empty key","true":1,"123":2,"a: b":3,"multi\nline key":4," ":5,"null":6,
          "-":7,"<<":8,"#":9})",
      R"([["a"],{"k":[{"x":[1,{"y":"z"}]}]},[],{}])",
      R"("top\nlevel\n")",
      R"("---")",
      "1e+30",
      "-0.0"};
  for (const char* text : kDocs) {
    json value = json::parse(text);
    std::string yaml = JsonToYaml(value);
    absl::StatusOr<json> back = YamlToJson(yaml);
    ASSERT_TRUE(back.ok()) << back.status() << "\n" << yaml;
    EXPECT_EQ(*back, value) << yaml;
    if (value.is_object() && value.contains("strings")) {
      // Compare element by element for readable failures.
      for (size_t i = 0; i < value["strings"].size(); ++i) {
        EXPECT_EQ((*back)["strings"][i], value["strings"][i]) << i;
      }
    }
  }
}

}  // namespace
}  // namespace k1s::api
