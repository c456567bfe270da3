// Every field of every served built-in kind survives the path an object takes into storage:
// the protobuf wire format kubectl sends (encode, decode), unknown-field pruning and defaulting.
// The objects are built from the schema catalog, so each declared field of the upstream type
// (recursively, to a depth that ends recursive types) carries a value of its type.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/defaults.h"
#include "api/field_validation.h"
#include "api/protobuf_codec.h"
#include "api/resource_types.h"
#include "api/schema.h"

namespace k1s::api {
namespace {

using nlohmann::json;
using schema::Definition;
using schema::Shape;
using schema::Type;

constexpr int kMaxDepth = 7;  // JSONSchemaProps and similar types refer to themselves

json SampleOf(const Shape& shape, int depth);

json SampleObject(const Definition& definition, int depth) {
  json object = json::object();
  if (depth > kMaxDepth) return object;
  for (const schema::Property& property : definition.properties) {
    if (property.name == "apiVersion" || property.name == "kind" ||
        property.name == "managedFields") {
      continue;
    }
    json value = SampleOf(property.shape, depth + 1);
    if (!value.is_null()) object[property.name] = std::move(value);
  }
  return object;
}

json SampleOf(const Shape& shape, int depth) {
  if (!shape.enum_values.empty()) return shape.enum_values.front();
  switch (shape.type) {
    case Type::kObject:
      return shape.definition == nullptr ? json::object() : SampleObject(*shape.definition, depth);
    case Type::kArray: {
      json element = shape.items ? SampleOf(*shape.items, depth) : json("x");
      return element.is_null() ? json::array() : json::array({element});
    }
    case Type::kMap: {
      json value = shape.items ? SampleOf(*shape.items, depth) : json("x");
      return value.is_null() ? json::object() : json{{"key", value}};
    }
    case Type::kString:
      return "text";
    case Type::kInteger:
      return 7;
    case Type::kNumber:
      return 1.5;
    case Type::kBoolean:
      return true;
    case Type::kBytes:
      return "aGVsbG8=";
    case Type::kIntOrString:
      return "25%";
    case Type::kQuantity:
      return "250m";
    case Type::kTime:
      return "2026-01-02T03:04:05Z";
    case Type::kAny:
      return json{{"any", json::array({1, "two"})}};
  }
  return nullptr;
}

// Every leaf of `expected` is in `actual` with the same value; `path` names the first that is not.
bool Contains(const json& actual, const json& expected, const std::string& path,
              std::string* missing) {
  if (expected.is_object() && !expected.empty()) {
    if (!actual.is_object()) {
      *missing = path;
      return false;
    }
    for (const auto& [key, value] : expected.items()) {
      auto it = actual.find(key);
      if (it == actual.end() || !Contains(*it, value, path + "." + key, missing)) {
        if (missing->empty()) *missing = path + "." + key + " (absent)";
        return false;
      }
    }
    return true;
  }
  // An empty struct may gain defaults; it only has to stay a struct.
  if (expected.is_object()) {
    if (!actual.is_object()) *missing = path;
    return actual.is_object();
  }
  if (expected.is_array() && !expected.empty()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      *missing = path;
      return false;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      if (!Contains(actual[i], expected[i], path + "[" + std::to_string(i) + "]", missing)) {
        return false;
      }
    }
    return true;
  }
  // MicroTime fields print microseconds; the schema cannot tell them from Time.
  bool same = actual == expected ||
              (actual.is_string() && expected.is_string() &&
               actual.get<std::string>() == "2026-01-02T03:04:05.000000Z" &&
               expected.get<std::string>() == "2026-01-02T03:04:05Z");
  if (!same) *missing = path + " (" + actual.dump() + " instead of " + expected.dump() + ")";
  return same;
}

class RoundTripTest : public ::testing::TestWithParam<ResourceType> {};

TEST_P(RoundTripTest, EveryFieldSurvivesDecodingPruningAndDefaulting) {
  const ResourceType& type = GetParam();
  const Definition* definition =
      schema::Catalog::Builtin().ForKind(type.group, type.version, type.kind);
  ASSERT_NE(definition, nullptr) << type.kind;
  json object = SampleObject(*definition, 0);
  object["apiVersion"] = type.GroupVersion();
  object["kind"] = type.kind;
  std::string missing;

  json pruned = object;
  PruneUnknownFields(*definition, pruned);
  EXPECT_EQ(pruned, object) << "pruning dropped a declared field of " << type.kind;
  EXPECT_TRUE(FindUnknownFields(*definition, object).empty());

  json defaulted = object;
  ApplyDefaults(type.group, type.version, type.kind, defaulted);
  EXPECT_TRUE(Contains(defaulted, object, "", &missing))
      << "defaulting changed " << missing << " of " << type.kind;

  // CRDs carry free-form JSON (schemas) that clients always send as JSON, never protobuf.
  if (type.group == "apiextensions.k8s.io") return;
  absl::StatusOr<std::string> wire = EncodeKubernetesProtobuf(object);
  ASSERT_TRUE(wire.ok()) << type.kind << ": " << wire.status();
  absl::StatusOr<json> decoded = DecodeKubernetesProtobuf(*wire);
  ASSERT_TRUE(decoded.ok()) << type.kind << ": " << decoded.status();
  missing.clear();
  EXPECT_TRUE(Contains(*decoded, object, "", &missing))
      << "the protobuf round trip lost " << missing << " of " << type.kind;
}

std::vector<ResourceType> StoredBuiltinTypes() {
  std::vector<ResourceType> types;
  for (const ResourceType& type : BuiltinResourceTypes()) {
    if (!type.is_view()) types.push_back(type);
  }
  return types;
}

INSTANTIATE_TEST_SUITE_P(AllKinds, RoundTripTest, ::testing::ValuesIn(StoredBuiltinTypes()),
                         [](const ::testing::TestParamInfo<ResourceType>& info) {
                           std::string name = info.param.group + info.param.kind;
                           std::string clean;
                           for (char c : name) {
                             if (std::isalnum(static_cast<unsigned char>(c))) clean += c;
                           }
                           return clean;
                         });

}  // namespace
}  // namespace k1s::api
