#include "api/crd_schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace k1s::api {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPrefix[] = "spec.versions[0].schema.openAPIV3Schema";

std::vector<std::string> Strings(const FieldErrors& errs) {
  std::vector<std::string> out;
  for (const FieldError& e : errs) out.push_back(e.ToString());
  return out;
}

std::vector<std::string> CompileErrors(const json& schema) {
  FieldErrors errs;
  auto compiled = CrdSchema::Compile(schema, kPrefix, &errs);
  EXPECT_EQ(compiled == nullptr, !errs.empty());
  return Strings(errs);
}

std::shared_ptr<const CrdSchema> MustCompile(const json& schema) {
  FieldErrors errs;
  auto compiled = CrdSchema::Compile(schema, kPrefix, &errs);
  EXPECT_THAT(Strings(errs), IsEmpty());
  return compiled;
}

json Wrap(const json& spec_properties, const json& required = json::array()) {
  json spec = {{"type", "object"}, {"properties", spec_properties}};
  if (!required.empty()) spec["required"] = required;
  return {{"type", "object"}, {"properties", {{"spec", spec}}}};
}

std::vector<std::string> ValidateSpec(const json& spec_properties, const json& spec,
                                      const json& required = json::array()) {
  auto schema = MustCompile(Wrap(spec_properties, required));
  if (schema == nullptr) return {"<no schema>"};
  return Strings(schema->Validate({{"apiVersion", "x/v1"}, {"kind", "X"}, {"spec", spec}}));
}

TEST(CrdSchemaCompileTest, FieldWithoutTypeIsNotStructural) {
  EXPECT_THAT(CompileErrors({{"type", "object"}, {"properties", {{"spec", json::object()}}}}),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].type: "
                          "Required value: must not be empty for specified object fields"));
}

TEST(CrdSchemaCompileTest, RootAndItemsRules) {
  EXPECT_THAT(CompileErrors({{"type", "string"}}),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.type: Invalid value: "
                          "\"string\": must be object at the root"));
  EXPECT_THAT(
      CompileErrors({{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}),
      ElementsAre("spec.versions[0].schema.openAPIV3Schema.additionalProperties: Forbidden: must "
                  "not be used at the root"));
  EXPECT_THAT(CompileErrors(Wrap({{"list", {{"type", "array"}}}})),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties["
                          "list].items: Required value: must be specified"));
  EXPECT_THAT(CompileErrors(Wrap({{"list", {{"type", "array"}, {"items", json::object()}}}})),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties["
                          "list].items.type: Required value: must not be empty for specified "
                          "array items"));
  EXPECT_THAT(CompileErrors({{"type", "object"}, {"nullable", true}}),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.nullable: Forbidden: nullable "
                          "cannot be true at the root"));
}

TEST(CrdSchemaCompileTest, MetadataMayOnlyRestrictNames) {
  EXPECT_THAT(
      CompileErrors(
          {{"type", "object"},
           {"properties",
            {{"metadata",
              {{"type", "object"}, {"properties", {{"labels", {{"type", "object"}}}}}}}}}}),
      ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[metadata]: Forbidden: must "
                  "not specify anything other than name and generateName, but metadata is "
                  "implicitly specified"));
  MustCompile({{"type", "object"},
               {"properties",
                {{"metadata",
                  {{"type", "object"},
                   {"properties", {{"name", {{"type", "string"}, {"maxLength", 10}}}}}}}}}});
  EXPECT_THAT(CompileErrors({{"type", "object"},
                             {"properties",
                              {{"metadata", {{"type", "object"}, {"default", {{"name", "x"}}}}}}}}),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[metadata].default: "
                          "Forbidden: must not be set in top-level metadata"));
}

TEST(CrdSchemaCompileTest, NestedValueValidationsMustNotCarryStructure) {
  EXPECT_THAT(
      CompileErrors(Wrap(
          {{"x", {{"type", "string"}, {"anyOf", {{{"type", "string"}}, {{"type", "boolean"}}}}}}})),
      ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[x].anyOf["
                  "0].type: Forbidden: must be empty to be structural",
                  "spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[x].anyOf["
                  "1].type: Forbidden: must be empty to be structural"));
  // The int-or-string pattern is the one exception.
  MustCompile(Wrap({{"port",
                     {{"x-kubernetes-int-or-string", true},
                      {"anyOf", {{{"type", "integer"}}, {{"type", "string"}}}}}}}));
  // Completeness is checked for the root's value validations, as upstream.
  EXPECT_THAT(
      CompileErrors({{"type", "object"},
                     {"properties", {{"spec", {{"type", "object"}}}}},
                     {"allOf", {{{"properties", {{"y", {{"minLength", 1}}}}}}}}}),
      ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[y]: Required value: "
                  "because it is defined in spec.versions[0].schema.openAPIV3Schema.allOf[0]"
                  ".properties[y]"));
}

TEST(CrdSchemaCompileTest, CrdSpecificRules) {
  EXPECT_THAT(
      CompileErrors(Wrap({{"m",
                           {{"type", "object"},
                            {"properties", {{"a", {{"type", "string"}}}}},
                            {"additionalProperties", {{"type", "string"}}}}}})),
      ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[m]."
                  "additionalProperties: Forbidden: additionalProperties and properties are "
                  "mutual exclusive"));
  EXPECT_THAT(
      CompileErrors(Wrap(
          {{"l", {{"type", "array"}, {"uniqueItems", true}, {"items", {{"type", "string"}}}}}})),
      ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[l]."
                  "uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime "
                  "complexity becomes quadratic"));
  EXPECT_THAT(
      CompileErrors(Wrap({{"l",
                           {{"type", "array"},
                            {"x-kubernetes-list-type", "map"},
                            {"items", {{"type", "object"}}}}}})),
      ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[l].x-"
                  "kubernetes-list-map-keys: Required value: must not be empty if "
                  "x-kubernetes-list-type is map"));
  EXPECT_THAT(
      CompileErrors(Wrap({{"l",
                           {{"type", "array"},
                            {"x-kubernetes-list-type", "bag"},
                            {"items", {{"type", "string"}}}}}})),
      ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[l].x-"
                  "kubernetes-list-type: Unsupported value: \"bag\": supported values: "
                  "\"atomic\", \"set\", \"map\""));
  EXPECT_THAT(CompileErrors(Wrap({{"r", {{"$ref", "#/definitions/x"}, {"type", "string"}}}})),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[r]"
                          ".$ref: Forbidden: $ref is not supported"));
  EXPECT_THAT(CompileErrors(Wrap({{"n", {{"type", "integer"}, {"default", "x"}}}})),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[n]"
                          ".default: Invalid value: \"string\":  in body must be of type integer: "
                          "\"string\""));
}

TEST(CrdSchemaCompileTest, CelRulesAreRecordedButNotEvaluated) {
  auto schema = MustCompile(
      Wrap({{"a", {{"type", "integer"}, {"x-kubernetes-validations", {{{"rule", "self > 1"}}}}}}}));
  ASSERT_NE(schema, nullptr);
  EXPECT_TRUE(schema->HasCelRules());
  EXPECT_THAT(CompileErrors(Wrap(
                  {{"a", {{"type", "integer"}, {"x-kubernetes-validations", {{{"rule", " "}}}}}}})),
              ElementsAre("spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[a]"
                          ".x-kubernetes-validations[0].rule: Required value: rule is not "
                          "specified"));
}

TEST(CrdSchemaPruneTest, DropsUnknownFieldsAndReportsPaths) {
  auto schema = MustCompile(
      Wrap({{"replicas", {{"type", "integer"}}},
            {"items",
             {{"type", "array"},
              {"items", {{"type", "object"}, {"properties", {{"name", {{"type", "string"}}}}}}}}},
            {"free", {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}},
            {"labels", {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}}}));
  ASSERT_NE(schema, nullptr);
  json obj = {{"apiVersion", "x/v1"},
              {"kind", "X"},
              {"metadata", {{"name", "a"}, {"junk", 1}}},
              {"status", {{"x", 1}}},
              {"spec",
               {{"replicas", 1},
                {"foo", "bar"},
                {"items", {{{"name", "a"}, {"extra", true}}}},
                {"free", {{"anything", {{"goes", 1}}}}},
                {"labels", {{"a", "b"}}}}}};
  EXPECT_THAT(schema->Prune(obj),
              ElementsAre("metadata.junk", "spec.foo", "spec.items[0].extra", "status"));
  EXPECT_EQ(obj, json({{"apiVersion", "x/v1"},
                       {"kind", "X"},
                       {"metadata", {{"name", "a"}}},
                       {"spec",
                        {{"replicas", 1},
                         {"items", {{{"name", "a"}}}},
                         {"free", {{"anything", {{"goes", 1}}}}},
                         {"labels", {{"a", "b"}}}}}}));
}

TEST(CrdSchemaPruneTest, EmbeddedResourcesKeepTypeMeta) {
  auto schema = MustCompile(Wrap(
      {{"template",
        {{"type", "object"},
         {"x-kubernetes-embedded-resource", true},
         {"properties",
          {{"spec", {{"type", "object"}, {"properties", {{"a", {{"type", "string"}}}}}}}}}}}}));
  ASSERT_NE(schema, nullptr);
  json obj = {{"spec",
               {{"template",
                 {{"apiVersion", "v1"},
                  {"kind", "Pod"},
                  {"metadata", {{"labels", {{"a", "b"}}}, {"bogus", 1}}},
                  {"spec", {{"a", "x"}, {"b", "y"}}}}}}}};
  EXPECT_THAT(schema->Prune(obj),
              ElementsAre("spec.template.metadata.bogus", "spec.template.spec.b"));
  EXPECT_EQ(obj["spec"]["template"]["kind"], "Pod");
  EXPECT_EQ(obj["spec"]["template"]["metadata"], json({{"labels", {{"a", "b"}}}}));
}

TEST(CrdSchemaDefaultTest, AppliesDefaultsRecursively) {
  json port = {
      {"type", "object"},
      {"properties",
       {{"name", {{"type", "string"}}}, {"protocol", {{"type", "string"}, {"default", "TCP"}}}}}};
  json limit = {{"type", "object"},
                {"properties", {{"max", {{"type", "integer"}, {"default", 5}}}}}};
  json props = {{"replicas", {{"type", "integer"}, {"default", 1}}},
                {"mode", {{"type", "string"}, {"default", "auto"}}},
                {"opt", {{"type", "string"}, {"nullable", true}, {"default", "d"}}},
                {"gone", {{"type", "string"}}},
                {"ports", {{"type", "array"}, {"items", port}}},
                {"limits", {{"type", "object"}, {"additionalProperties", limit}}}};
  auto schema = MustCompile(Wrap(props));
  ASSERT_NE(schema, nullptr);
  json obj = {{"spec",
               {{"mode", nullptr},
                {"opt", nullptr},
                {"gone", nullptr},
                {"ports", {{{"name", "http"}}, {{"name", "dns"}, {"protocol", "UDP"}}}},
                {"limits", {{"cpu", json::object()}}}}}};
  schema->Default(obj);
  EXPECT_EQ(
      obj,
      json({{"spec",
             {{"replicas", 1},
              {"mode", "auto"},
              {"opt", nullptr},
              {"ports",
               {{{"name", "http"}, {"protocol", "TCP"}}, {{"name", "dns"}, {"protocol", "UDP"}}}},
              {"limits", {{"cpu", {{"max", 5}}}}}}}}));
}

TEST(CrdSchemaValidateTest, TypeMessages) {
  EXPECT_THAT(ValidateSpec({{"replicas", {{"type", "integer"}}}}, {{"replicas", "string"}}),
              ElementsAre("spec.replicas: Invalid value: \"string\": spec.replicas in body must "
                          "be of type integer: \"string\""));
  EXPECT_THAT(ValidateSpec({{"name", {{"type", "string"}}}}, {{"name", nullptr}}),
              ElementsAre("spec.name: Invalid value: \"null\": spec.name in body must be of type "
                          "string: \"null\""));
  EXPECT_THAT(
      ValidateSpec({{"name", {{"type", "string"}, {"nullable", true}}}}, {{"name", nullptr}}),
      IsEmpty());
  // Whole floats are integers; integers are numbers.
  EXPECT_THAT(ValidateSpec({{"n", {{"type", "integer"}}}, {"f", {{"type", "number"}}}},
                           {{"n", 3.0}, {"f", 2}}),
              IsEmpty());
  EXPECT_THAT(ValidateSpec({{"o", {{"type", "object"}}}}, {{"o", json::array()}}),
              ElementsAre("spec.o: Invalid value: \"array\": spec.o in body must be of type "
                          "object: \"array\""));
}

TEST(CrdSchemaValidateTest, IntOrString) {
  json props = {{"port", {{"x-kubernetes-int-or-string", true}}}};
  EXPECT_THAT(ValidateSpec(props, {{"port", 80}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(props, {{"port", "http"}}), IsEmpty());
  EXPECT_THAT(ValidateSpec(props, {{"port", true}}),
              ElementsAre("spec.port: Invalid value: \"boolean\": spec.port in body must be of "
                          "type integer,string: \"boolean\""));
}

TEST(CrdSchemaValidateTest, NumberBounds) {
  EXPECT_THAT(ValidateSpec({{"size", {{"type", "integer"}, {"maximum", 10}}}}, {{"size", 11}}),
              ElementsAre("spec.size: Invalid value: 11: spec.size in body should be less than "
                          "or equal to 10"));
  EXPECT_THAT(
      ValidateSpec({{"n", {{"type", "integer"}, {"minimum", 0}, {"exclusiveMinimum", true}}}},
                   {{"n", 0}}),
      ElementsAre("spec.n: Invalid value: 0: spec.n in body should be greater than 0"));
  EXPECT_THAT(ValidateSpec({{"r", {{"type", "number"}, {"maximum", 1.5}}}}, {{"r", 2.5}}),
              ElementsAre("spec.r: Invalid value: 2.5: spec.r in body should be less than or "
                          "equal to 1.5"));
  EXPECT_THAT(ValidateSpec({{"n", {{"type", "integer"}, {"multipleOf", 5}}}}, {{"n", 7}}),
              ElementsAre("spec.n: Invalid value: 7: spec.n in body should be a multiple of 5"));
  EXPECT_THAT(ValidateSpec({{"n", {{"type", "number"}, {"multipleOf", 0.5}}}}, {{"n", 1.5}}),
              IsEmpty());
}

TEST(CrdSchemaValidateTest, StringsEnumsAndFormats) {
  EXPECT_THAT(ValidateSpec({{"mode", {{"type", "string"}, {"enum", {"a", "b"}}}}}, {{"mode", "x"}}),
              ElementsAre("spec.mode: Unsupported value: \"x\": supported values: \"a\", \"b\""));
  EXPECT_THAT(ValidateSpec({{"n", {{"type", "integer"}, {"enum", {1, 2}}}}}, {{"n", 2}}),
              IsEmpty());
  EXPECT_THAT(ValidateSpec({{"name", {{"type", "string"}, {"maxLength", 3}}}}, {{"name", "abcd"}}),
              ElementsAre("spec.name: Too long: may not be more than 3 bytes"));
  EXPECT_THAT(ValidateSpec({{"name", {{"type", "string"}, {"minLength", 2}}}}, {{"name", "a"}}),
              ElementsAre("spec.name: Invalid value: \"a\": spec.name in body should be at least "
                          "2 chars long"));
  EXPECT_THAT(
      ValidateSpec({{"name", {{"type", "string"}, {"pattern", "^[a-z]+$"}}}}, {{"name", "A1"}}),
      ElementsAre("spec.name: Invalid value: \"A1\": spec.name in body should match "
                  "'^[a-z]+$'"));
  // Patterns are unanchored searches, as Go's MatchString.
  EXPECT_THAT(
      ValidateSpec({{"name", {{"type", "string"}, {"pattern", "[0-9]"}}}}, {{"name", "a1b"}}),
      IsEmpty());
  json formats = {{"when", {{"type", "string"}, {"format", "date-time"}}},
                  {"day", {{"type", "string"}, {"format", "date"}}},
                  {"ip", {{"type", "string"}, {"format", "ipv4"}}},
                  {"id", {{"type", "string"}, {"format", "uuid"}}},
                  {"data", {{"type", "string"}, {"format", "byte"}}},
                  {"n", {{"type", "integer"}, {"format", "int32"}}}};
  EXPECT_THAT(ValidateSpec(formats, {{"when", "2024-01-02T03:04:05Z"},
                                     {"day", "2024-02-29"},
                                     {"ip", "10.0.0.1"},
                                     {"id", "123e4567-e89b-12d3-a456-426614174000"},
                                     {"data", "aGVsbG8="},
                                     {"n", 99999999999}}),
              IsEmpty());
  EXPECT_THAT(ValidateSpec(formats, {{"when", "yesterday"},
                                     {"day", "2023-02-29"},
                                     {"ip", "10.0.0.256"},
                                     {"id", "nope"},
                                     {"data", "a"}}),
              ElementsAre("spec.data: Invalid value: \"a\": spec.data in body must be of type "
                          "byte: \"a\"",
                          "spec.day: Invalid value: \"2023-02-29\": spec.day in body must be of "
                          "type date: \"2023-02-29\"",
                          "spec.id: Invalid value: \"nope\": spec.id in body must be of type uuid: "
                          "\"nope\"",
                          "spec.ip: Invalid value: \"10.0.0.256\": spec.ip in body must be of type "
                          "ipv4: \"10.0.0.256\"",
                          "spec.when: Invalid value: \"yesterday\": spec.when in body must be of "
                          "type date-time: \"yesterday\""));
}

TEST(CrdSchemaValidateTest, ObjectsAndArrays) {
  EXPECT_THAT(ValidateSpec({{"name", {{"type", "string"}}}}, json::object(), {"name"}),
              ElementsAre("spec.name: Required value"));
  json list = {
      {"list",
       {{"type", "array"}, {"minItems", 1}, {"maxItems", 2}, {"items", {{"type", "integer"}}}}}};
  EXPECT_THAT(ValidateSpec(list, {{"list", {1, 2, 3}}}),
              ElementsAre("spec.list: Too many: 3: must have at most 2 items"));
  EXPECT_THAT(ValidateSpec(list, {{"list", json::array()}}),
              ElementsAre("spec.list: Invalid value: 0: spec.list in body should have at least 1 "
                          "items"));
  EXPECT_THAT(ValidateSpec(list, {{"list", {1, "x"}}}),
              ElementsAre("spec.list[1]: Invalid value: \"string\": spec.list[1] in body must be "
                          "of type integer: \"string\""));
  json map = {{"m",
               {{"type", "object"},
                {"maxProperties", 1},
                {"additionalProperties", {{"type", "integer"}, {"minimum", 0}}}}}};
  EXPECT_THAT(ValidateSpec(map, {{"m", {{"a", -1}}}}),
              ElementsAre("spec.m.a: Invalid value: -1: spec.m.a in body should be greater than "
                          "or equal to 0"));
  EXPECT_THAT(ValidateSpec(map, {{"m", {{"a", 1}, {"b", 2}}}}),
              ElementsAre("spec.m: Too many: 2: must have at most 1 item"));
}

TEST(CrdSchemaValidateTest, ListTypeUniqueness) {
  json props = {
      {"tags",
       {{"type", "array"}, {"x-kubernetes-list-type", "set"}, {"items", {{"type", "string"}}}}},
      {"ports",
       {{"type", "array"},
        {"x-kubernetes-list-type", "map"},
        {"x-kubernetes-list-map-keys", {"name"}},
        {"items",
         {{"type", "object"},
          {"required", {"name"}},
          {"properties", {{"name", {{"type", "string"}}}, {"port", {{"type", "integer"}}}}}}}}}};
  EXPECT_THAT(
      ValidateSpec(
          props,
          {{"tags", {"a", "b", "a", "a"}},
           {"ports", {{{"name", "http"}, {"port", 80}}, {{"name", "http"}, {"port", 8080}}}}}),
      UnorderedElementsAre("spec.tags[2]: Duplicate value: \"a\"",
                           "spec.ports[1]: Duplicate value: {\"name\":\"http\"}"));
}

TEST(CrdSchemaValidateTest, RatchetingIgnoresUnchangedValues) {
  auto schema = MustCompile(Wrap({{"size", {{"type", "integer"}, {"maximum", 10}}},
                                  {"other", {{"type", "integer"}, {"maximum", 10}}}}));
  ASSERT_NE(schema, nullptr);
  json old_obj = {{"spec", {{"size", 20}, {"other", 1}}}};
  json new_obj = {{"spec", {{"size", 20}, {"other", 11}}}};
  EXPECT_THAT(Strings(schema->ValidateUpdate(new_obj, old_obj)),
              ElementsAre("spec.other: Invalid value: 11: spec.other in body should be less than "
                          "or equal to 10"));
  EXPECT_THAT(Strings(schema->Validate(new_obj)).size(), 2u);
}

}  // namespace
}  // namespace k1s::api
