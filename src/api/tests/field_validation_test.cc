#include "api/field_validation.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/schema.h"

namespace k1s::api {
namespace {

using json = nlohmann::json;
using Strings = std::vector<std::string>;
using schema::Catalog;
using schema::Definition;
using schema::Property;
using schema::Shape;
using schema::Type;

Shape Scalar(Type type) {
  Shape shape;
  shape.type = type;
  return shape;
}

Shape Struct(const Definition* definition) {
  Shape shape;
  shape.type = Type::kObject;
  shape.definition = definition;
  return shape;
}

Shape Container(Type type, Shape items) {
  Shape shape;
  shape.type = type;
  shape.items = std::make_shared<const Shape>(std::move(items));
  return shape;
}

Property Prop(std::string name, Shape shape) {
  Property property;
  property.name = std::move(name);
  property.shape = std::move(shape);
  return property;
}

struct Parsed {
  absl::Status status;
  json value;
  Strings findings;
};

Parsed ParseStrict(const std::string& body, const Definition* definition) {
  Parsed parsed;
  absl::StatusOr<json> value = ParseJsonStrict(body, definition, &parsed.findings);
  parsed.status = value.status();
  if (value.ok()) parsed.value = *std::move(value);
  return parsed;
}

Definition* Define(Catalog& catalog, std::string name, std::vector<Property> properties) {
  auto definition = std::make_unique<Definition>();
  definition->name = std::move(name);
  definition->properties = std::move(properties);
  return catalog.Add(std::move(definition));
}

// A small Deployment-like catalog: structs, lists of structs, maps of strings, of Quantity and
// of structs, and an opaque (kAny) member.
class FieldValidationTest : public testing::Test {
 protected:
  void SetUp() override {
    Definition* meta = Define(catalog_, "test.ObjectMeta",
                              {Prop("name", Scalar(Type::kString)),
                               Prop("labels", Container(Type::kMap, Scalar(Type::kString)))});
    Definition* resources =
        Define(catalog_, "test.ResourceRequirements",
               {Prop("limits", Container(Type::kMap, Scalar(Type::kQuantity)))});
    Definition* container =
        Define(catalog_, "test.Container",
               {Prop("name", Scalar(Type::kString)), Prop("image", Scalar(Type::kString)),
                Prop("resources", Struct(resources))});
    Definition* port = Define(catalog_, "test.Port", {Prop("port", Scalar(Type::kInteger))});
    Definition* pod_spec = Define(catalog_, "test.PodSpec",
                                  {Prop("containers", Container(Type::kArray, Struct(container))),
                                   Prop("ports", Container(Type::kMap, Struct(port)))});
    Definition* template_spec =
        Define(catalog_, "test.PodTemplateSpec",
               {Prop("metadata", Struct(meta)), Prop("spec", Struct(pod_spec))});
    Definition* spec =
        Define(catalog_, "test.DeploymentSpec",
               {Prop("replicas", Scalar(Type::kInteger)), Prop("template", Struct(template_spec)),
                Prop("raw", Scalar(Type::kAny))});
    deployment_ = Define(catalog_, "test.Deployment",
                         {Prop("metadata", Struct(meta)), Prop("spec", Struct(spec)),
                          Prop("status", Scalar(Type::kAny))});
    catalog_.Seal();
  }

  Strings Parse(const std::string& body) {
    Parsed parsed = ParseStrict(body, deployment_);
    EXPECT_TRUE(parsed.status.ok()) << parsed.status;
    return parsed.findings;
  }

  Catalog catalog_;
  const Definition* deployment_ = nullptr;
};

TEST_F(FieldValidationTest, UnknownFieldsInDocumentOrderWithUpstreamPaths) {
  std::string body = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a"},
      "spec":{"template":{"spec":{"containers":[{"name":"c"},{"name":"d","bar":1}]}},
              "foo":{"x":1}}})";
  Parsed parsed = ParseStrict(body, deployment_);
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.findings, (Strings{R"(unknown field "spec.template.spec.containers[1].bar")",
                                      R"(unknown field "spec.foo")"}));
  EXPECT_EQ(StrictDecodingMessage(parsed.findings),
            R"(strict decoding error: unknown field "spec.template.spec.containers[1].bar", )"
            R"(unknown field "spec.foo")");
  // The document itself is kept whole, unknown members included.
  EXPECT_EQ(parsed.value["spec"]["foo"], json({{"x", 1}}));
  EXPECT_EQ(parsed.value["spec"]["template"]["spec"]["containers"][1]["name"], "d");
  EXPECT_EQ(parsed.value, json::parse(body));
}

TEST_F(FieldValidationTest, ApiVersionAndKindAreKnownOnlyAtTheTop) {
  EXPECT_EQ(Parse(R"({"apiVersion":"v1","kind":"X","spec":{"kind":"Y"}})"),
            (Strings{R"(unknown field "spec.kind")"}));
}

TEST_F(FieldValidationTest, DuplicateFieldsKeepTheLastValue) {
  Parsed parsed = ParseStrict(R"({"metadata":{"name":"a","labels":{"x":"1","x":"2"},"name":"b"}})",
                              deployment_);
  ASSERT_TRUE(parsed.status.ok());
  EXPECT_EQ(parsed.findings, (Strings{R"(duplicate field "metadata.labels.x")",
                                      R"(duplicate field "metadata.name")"}));
  EXPECT_EQ(parsed.value["metadata"]["name"], "b");
  EXPECT_EQ(parsed.value["metadata"]["labels"]["x"], "2");
}

TEST_F(FieldValidationTest, TopLevelDuplicateHasNoPrefix) {
  EXPECT_EQ(Parse(R"({"kind":"a","kind":"b"})"), (Strings{R"(duplicate field "kind")"}));
}

TEST_F(FieldValidationTest, RepeatedUnknownFieldIsReportedOnce) {
  EXPECT_EQ(Parse(R"({"spec":{"foo":1,"foo":2}})"), (Strings{R"(unknown field "spec.foo")"}));
}

TEST_F(FieldValidationTest, UnknownMembersAreNotLookedInto) {
  EXPECT_EQ(Parse(R"({"spec":{"foo":{"bar":1,"bar":2,"baz":{}}}})"),
            (Strings{R"(unknown field "spec.foo")"}));
}

TEST_F(FieldValidationTest, OpaqueValuesAreNotLookedInto) {
  EXPECT_EQ(Parse(R"({"spec":{"raw":{"a":1,"a":2,"b":[{"c":1}]}},"status":{"x":{"x":1,"x":1}}})"),
            Strings{});
}

TEST_F(FieldValidationTest, MapsOfQuantityAreNotLookedIntoButMapsOfStructsAre) {
  std::string body = R"({"spec":{"template":{"spec":{
      "containers":[{"resources":{"limits":{"cpu":"1","memory":{"odd":1}}}}],
      "ports":{"http":{"port":80,"bogus":1},"grpc":{"port":81,"port":82}}}}}})";
  EXPECT_EQ(Parse(body), (Strings{R"(unknown field "spec.template.spec.ports.http.bogus")",
                                  R"(duplicate field "spec.template.spec.ports.grpc.port")"}));
}

TEST_F(FieldValidationTest, WrongContainerKindIsNotLookedInto) {
  // A list where a struct belongs (and the reverse) is a type error, not unknown fields.
  EXPECT_EQ(Parse(R"({"metadata":[{"bogus":1}],"spec":{"template":{"spec":{"containers":
      {"bogus":1}}}}})"),
            Strings{});
}

TEST_F(FieldValidationTest, WithoutDefinitionOnlyDuplicatesAreReported) {
  Parsed parsed = ParseStrict(
      R"({"spec":{"anything":1,"items":[{"a":1},{"a":1,"a":2}]},"spec2":0,"spec2":1})", nullptr);
  ASSERT_TRUE(parsed.status.ok());
  EXPECT_EQ(parsed.findings,
            (Strings{R"(duplicate field "spec.items[1].a")", R"(duplicate field "spec2")"}));
}

TEST_F(FieldValidationTest, FindingsAreCappedAtOneHundred) {
  json spec = json::object();
  for (int i = 0; i < 150; ++i) spec["f" + std::to_string(1000 + i)] = i;
  Strings findings = Parse(json{{"spec", spec}}.dump());
  ASSERT_EQ(findings.size(), 100u);
  EXPECT_EQ(findings.front(), R"(unknown field "spec.f1000")");
  EXPECT_EQ(findings.back(), R"(unknown field "spec.f1099")");
}

TEST_F(FieldValidationTest, MalformedJsonIsInvalidArgument) {
  Parsed parsed = ParseStrict(R"({"spec": )", deployment_);
  EXPECT_EQ(parsed.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status.message().find("parse error"), std::string::npos) << parsed.status;
  EXPECT_FALSE(ParseStrict(R"({"a":1} x)", nullptr).status.ok());
}

TEST_F(FieldValidationTest, ScalarsAndArraysAtTheTopParse) {
  Parsed parsed = ParseStrict("[1,\"x\",null,true,2.5]", nullptr);
  ASSERT_TRUE(parsed.status.ok());
  EXPECT_EQ(parsed.value, json::parse("[1,\"x\",null,true,2.5]"));
  EXPECT_TRUE(parsed.findings.empty());
}

TEST_F(FieldValidationTest, FindUnknownFieldsWalksADecodedObject) {
  json object = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment","zeta":1,
      "spec":{"template":{"spec":{"containers":[{"name":"c","bar":{"baz":1}}]}},"alpha":true},
      "metadata":{"labels":{"any":"thing"},"extra":"x"}})");
  EXPECT_EQ(FindUnknownFields(*deployment_, object),
            (Strings{R"(unknown field "metadata.extra")", R"(unknown field "spec.alpha")",
                     R"(unknown field "spec.template.spec.containers[0].bar")",
                     R"(unknown field "zeta")"}));
}

// The built-in catalog, with the example kube-apiserver's documentation gives.
TEST(FieldValidationBuiltin, DeploymentUnknownFields) {
  const Definition* deployment = Catalog::Builtin().ForKind("apps", "v1", "Deployment");
  ASSERT_NE(deployment, nullptr);
  std::string body = R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"name":"web","labels":{"app":"web"},"annotations":{"a":"b"}},
      "spec":{"foo":1,"replicas":2,"selector":{"matchLabels":{"app":"web"}},
        "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%"}},
        "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c",
          "image":"nginx","bar":true,"ports":[{"containerPort":80}],
          "resources":{"limits":{"cpu":"1","memory":"1Gi"}}}]}}},
      "status":{"replicas":1}})";
  Parsed parsed = ParseStrict(body, deployment);
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(StrictDecodingMessage(parsed.findings),
            R"(strict decoding error: unknown field "spec.foo", unknown field )"
            R"("spec.template.spec.containers[0].bar")");
  EXPECT_EQ(FindUnknownFields(*deployment, parsed.value),
            (Strings{R"(unknown field "spec.foo")",
                     R"(unknown field "spec.template.spec.containers[0].bar")"}));
}

TEST(FieldValidationBuiltin, ConfigMapDuplicatesAndManagedFields) {
  const Definition* config_map = Catalog::Builtin().ForKind("", "v1", "ConfigMap");
  ASSERT_NE(config_map, nullptr);
  // managedFields[].fieldsV1 is opaque: its members are not fields of any struct.
  Parsed parsed = ParseStrict(R"({"apiVersion":"v1","kind":"ConfigMap",
      "metadata":{"name":"a","name":"b","managedFields":[{"manager":"m",
        "fieldsV1":{"f:data":{"f:x":{}}}}]},
      "data":{"x":"1","x":"2"},"binaryData":{"y":"AA=="},"immutable":false,"extra":1})",
                              config_map);
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.findings, (Strings{R"(duplicate field "metadata.name")",
                                      R"(duplicate field "data.x")", R"(unknown field "extra")"}));
}

TEST(FieldValidationText, WarningHeaderQuotesLikeGo) {
  EXPECT_EQ(WarningHeaderValue(R"(unknown field "spec.foo")"),
            R"(299 - "unknown field \"spec.foo\"")");
  EXPECT_EQ(WarningHeaderValue("a\\b\nc\x01"), R"(299 - "a\\b\nc\x01")");
}

TEST(FieldValidationText, QuotesSpecialCharactersInPaths) {
  Catalog catalog;
  auto definition = std::make_unique<Definition>();
  definition->name = "test.Empty";
  const Definition* empty = catalog.Add(std::move(definition));
  catalog.Seal();
  Parsed parsed = ParseStrict(R"({"a\"b":1})", empty);
  ASSERT_TRUE(parsed.status.ok());
  EXPECT_EQ(parsed.findings, (Strings{R"(unknown field "a\"b")"}));
}

TEST(YamlDuplicateKeys, ReportsRepeatedKeysWithTheirValueLines) {
  EXPECT_EQ(FindYamlDuplicateKeys("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n"),
            "yaml: unmarshal errors:\n  line 4: key \"c\" already set in map\n  line 5: key "
            "\"a\" already set in map");
  EXPECT_EQ(FindYamlDuplicateKeys("items:\n- x: 1\n  y: 2\n  x: 3\n"),
            "yaml: unmarshal errors:\n  line 4: key \"x\" already set in map");
}

TEST(YamlDuplicateKeys, ComparesKeysAsGoYamlResolvesThem) {
  EXPECT_EQ(FindYamlDuplicateKeys("1: a\n0x1: b\n"),
            "yaml: unmarshal errors:\n  line 2: key 1 already set in map");
  EXPECT_EQ(FindYamlDuplicateKeys("true: a\nyes: b\n"),
            "yaml: unmarshal errors:\n  line 2: key true already set in map");
  // A quoted "1" is a string, the plain 1 an int: different keys.
  EXPECT_EQ(FindYamlDuplicateKeys("\"1\": a\n1: b\n"), std::nullopt);
  EXPECT_EQ(FindYamlDuplicateKeys("'x': a\nx: b\n"),
            "yaml: unmarshal errors:\n  line 2: key \"x\" already set in map");
}

TEST(YamlDuplicateKeys, NothingToReport) {
  EXPECT_EQ(FindYamlDuplicateKeys("a: 1\nb: [1, 1]\nc: {d: 1}\n"), std::nullopt);
  EXPECT_EQ(FindYamlDuplicateKeys(""), std::nullopt);
  EXPECT_EQ(FindYamlDuplicateKeys("a: [\n"), std::nullopt);  // malformed: the converter reports
}

TEST(FieldValidationText, ParsesTheDirective) {
  EXPECT_EQ(ParseFieldValidation(""), FieldValidation::kWarn);
  EXPECT_EQ(ParseFieldValidation("Warn"), FieldValidation::kWarn);
  EXPECT_EQ(ParseFieldValidation("Strict"), FieldValidation::kStrict);
  EXPECT_EQ(ParseFieldValidation("Ignore"), FieldValidation::kIgnore);
  EXPECT_EQ(ParseFieldValidation("strict"), std::nullopt);
}

}  // namespace
}  // namespace k1s::api
