#pragma once
// The schema catalog: the shape of every built-in type k1s serves, as OpenAPI sees it.
//
// One source of truth for everything that needs to know a type's fields: the OpenAPI v3
// documents, unknown-field detection (fieldValidation), server-side apply (list types and map
// keys decide how lists merge and who owns which item) and `kubectl explain`. The catalog is
// built once from the k1s .proto declarations (src/api/proto) and their k1s field options, which
// carry the Go facts the wire format lacks: required-ness, enums, patch strategy and merge key,
// list and map types, inline structs.
//
// Definitions are named as upstream's OpenAPI names them ("io.k8s.api.apps.v1.Deployment").
// Everything here is immutable after construction; the catalog is thread-safe.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k1s::api::schema {

struct Definition;

// The JSON shape of one value.
enum class Type {
  kObject,  // a struct: `definition` holds its properties
  kArray,   // `items` is the element's shape
  kMap,     // a JSON object with free keys; `items` is the value's shape
  kString,
  kInteger,  // format "int32" or "int64"
  kNumber,   // format "double"
  kBoolean,
  kBytes,        // base64 in a JSON string
  kIntOrString,  // x-kubernetes-int-or-string
  kQuantity,     // "100m", "1Gi" or a JSON number
  kTime,         // RFC 3339 date-time (metav1.Time, metav1.MicroTime)
  kAny,          // any JSON value, kept as sent (RawExtension, apiextensions JSON)
};

// x-kubernetes-list-type: how server-side apply treats a list.
enum class ListType { kUnspecified, kAtomic, kSet, kMap };
// x-kubernetes-map-type: whether a map or struct is owned as a whole.
enum class MapType { kUnspecified, kGranular, kAtomic };

struct Shape {
  Type type = Type::kAny;
  const Definition* definition = nullptr;       // kObject
  std::shared_ptr<const Shape> items;           // kArray elements, kMap values
  std::string format;                           // "int32", "int64", "double", "date-time", "byte"
  ListType list_type = ListType::kUnspecified;  // kArray
  std::vector<std::string> list_map_keys;       // kArray with list_type kMap
  MapType map_type = MapType::kUnspecified;     // kMap, kObject
  std::vector<std::string> enum_values;         // allowed values of a string, when closed
};

struct Property {
  std::string name;  // the JSON member name
  Shape shape;
  bool required = false;
  // Strategic merge patch tags (`patchStrategy:"merge,retainKeys"`, `patchMergeKey:"name"`).
  std::string patch_strategy;
  std::string patch_merge_key;
  std::string description;  // k1s's own words, may be empty
};

struct GroupVersionKind {
  std::string group;
  std::string version;
  std::string kind;
};

// A struct type. Inline (embedded) Go structs are already flattened into `properties`.
struct Definition {
  std::string name;  // "io.k8s.api.apps.v1.Deployment"
  std::string description;
  std::vector<Property> properties;          // sorted by name
  MapType map_type = MapType::kUnspecified;  // x-kubernetes-map-type of the struct itself
  // Set for top-level kinds (and their lists): x-kubernetes-group-version-kind.
  std::vector<GroupVersionKind> kinds;

  // The property named `name`; nullptr when the struct has none.
  const Property* Find(std::string_view name) const;
};

class Catalog {
 public:
  // The catalog of every built-in type, built on first use from the generated descriptors.
  static const Catalog& Builtin();

  // The definition of a top-level kind ("apps", "v1", "Deployment"); nullptr if unknown.
  const Definition* ForKind(std::string_view group, std::string_view version,
                            std::string_view kind) const;
  // The definition with OpenAPI name `name`; nullptr if unknown.
  const Definition* ByName(std::string_view name) const;
  // Every definition, sorted by name.
  const std::vector<std::unique_ptr<Definition>>& definitions() const { return definitions_; }

  // Builders (used by the descriptor reader and by tests that hand-build small catalogs).
  // Adds `definition` (properties need not be sorted yet) and returns it.
  Definition* Add(std::unique_ptr<Definition> definition);
  // Sorts definitions and their properties; call once after the last Add.
  void Seal();

 private:
  std::vector<std::unique_ptr<Definition>> definitions_;
  // "group/version/kind" -> its definition, sorted by key; rebuilt by Seal.
  std::vector<std::pair<std::string, const Definition*>> kinds_;
};

}  // namespace k1s::api::schema
