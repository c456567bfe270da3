#pragma once
// Field ownership for server-side apply: field paths and sets in upstream's FieldsV1 encoding,
// the schema walkers of structured-merge-diff (the fields set in an object, the comparison of two
// objects, merge, removal, validation) and the metadata.managedFields bookkeeping of every write.
//
// Who calls what:
//   - the registry calls UpdateManagedFields on every create, update and non-apply patch, with
//     the final new object (after the patch, before validation and storage) and the live object
//     (nullptr on create); it returns the object with metadata.managedFields rewritten;
//   - api/server_side_apply.h (Apply) uses the rest for `application/apply-patch+yaml`.
// The schema is the top-level Definition of the kind (schema::Catalog::ForKind). Only one version
// of a kind is served, so entries recorded under another apiVersion are compared as if they were
// in the request's version (upstream converts the objects). Stateless and thread-safe.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "absl/status/statusor.h"
#include "api/schema.h"

namespace k1s::api {

// One step of a field path: a struct or map member (f:), an item of an associative list by its
// key fields (k:), an item of a set by value (v:) or an item of an atomic list by index (i:).
class PathElement {
 public:
  enum class Kind { kField, kKey, kValue, kIndex };

  static PathElement Field(std::string name);
  // `key`: a JSON object of the key fields ({"containerPort":80,"protocol":"TCP"}).
  static PathElement Key(const nlohmann::json& key);
  static PathElement Value(const nlohmann::json& value);
  static PathElement Index(int64_t index);

  Kind kind() const { return kind_; }
  const std::string& field() const { return field_; }  // kField
  int64_t index() const { return index_; }              // kIndex
  nlohmann::json value() const;                         // kValue: the value; kKey: the key object

  // Upstream's total order: fields, then keys, then values, then indexes.
  int Compare(const PathElement& other) const;
  bool operator==(const PathElement& other) const { return Compare(other) == 0; }
  bool operator<(const PathElement& other) const { return Compare(other) < 0; }

  // ".name", "[name=\"nginx\"]", "[containerPort=80,protocol=\"TCP\"]", "[=\"a\"]", "[0]".
  std::string ToString() const;
  // The FieldsV1 key: "f:name", "k:{\"name\":\"nginx\"}", "v:\"a\"", "i:0".
  std::string Serialize() const;
  // Parses a FieldsV1 key; NotFound for an unknown prefix (upstream skips those).
  static absl::StatusOr<PathElement> Deserialize(std::string_view text);

 private:
  Kind kind_ = Kind::kField;
  std::string field_;
  int64_t index_ = 0;
  // kKey: the key object with sorted members; kValue: the value.
  std::shared_ptr<const nlohmann::json> value_;
};

using FieldPath = std::vector<PathElement>;
// ".spec.template.spec.containers[name=\"nginx\"].image" (conflict messages and causes).
std::string FieldPathString(const FieldPath& path);
// Builds a path of field names: MakeFieldPath({"spec", "replicas"}).
FieldPath MakeFieldPath(const std::vector<std::string>& fields);

// A set of field paths, stored as a tree: at each level the members (paths ending here) and the
// children (paths going further). Value type; set operations return new sets.
class FieldSet {
 public:
  FieldSet();
  FieldSet(std::initializer_list<FieldPath> paths);
  FieldSet(const FieldSet& other);
  FieldSet(FieldSet&& other) noexcept;
  FieldSet& operator=(const FieldSet& other);
  FieldSet& operator=(FieldSet&& other) noexcept;
  ~FieldSet();

  void Insert(const FieldPath& path);
  bool Has(const FieldPath& path) const;
  bool Empty() const;
  size_t Size() const;  // number of paths

  FieldSet Union(const FieldSet& other) const;
  FieldSet Intersection(const FieldSet& other) const;
  // Paths of this set that `other` does not hold (children of a removed path stay).
  FieldSet Difference(const FieldSet& other) const;
  // As Difference, also dropping every path below a path `other` holds.
  FieldSet RecursiveDifference(const FieldSet& other) const;
  // The paths below `element`, without it.
  FieldSet WithPrefix(const PathElement& element) const;

  // Every path: this level's members first, then each child's, in element order.
  void Iterate(const std::function<void(const FieldPath&)>& visit) const;
  std::vector<FieldPath> Paths() const;
  bool operator==(const FieldSet& other) const;
  std::string ToString() const;  // one path a line

  // FieldsV1: `{"f:spec":{"f:replicas":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`.
  // ToFieldsV1String gives upstream's exact bytes (keys in set order); ToFieldsV1 the same
  // document as JSON.
  std::string ToFieldsV1String() const;
  nlohmann::json ToFieldsV1() const;
  static absl::StatusOr<FieldSet> FromFieldsV1(const nlohmann::json& fields);

  struct Child;  // a child element and its set (defined in the .cc)

 private:
  friend class FieldSetAccess;
  std::vector<PathElement> members_;  // sorted
  std::vector<Child> children_;       // sorted by element, never empty sets
};

// ---------------------------------------------------------------------------------------------
// Schema walkers (structured-merge-diff's typed package). Lists are associative when their
// x-kubernetes-list-type is map or set (or, without one, when the patch strategy is merge: keyed
// by the patch merge key, else a set), atomic otherwise; structs and maps are granular unless
// x-kubernetes-map-type is atomic; kAny values and atomic lists and maps are leaves.

// The fields set in `object`: each scalar and leaf, each list item (k:/v:) and each struct member
// whose value is null or {} or a free map key. As upstream's ToFieldSet.
FieldSet FieldSetOf(const schema::Definition& definition, const nlohmann::json& object);

// What changed from `before` to `after` (either may be nullptr: absent). Granular nodes that
// appear or disappear are listed themselves, so a new label map gives `.metadata.labels` too.
struct FieldComparison {
  FieldSet added;
  FieldSet modified;
  FieldSet removed;
  bool Same() const { return added.Empty() && modified.Empty() && removed.Empty(); }
};
FieldComparison CompareObjects(const schema::Definition& definition, const nlohmann::json* before,
                               const nlohmann::json* after);

// Merges an applied configuration into the live object: granular structs and maps member by
// member, associative lists item by item (keeping the live order around the applied items),
// leaves replaced by the applied value. Explicit nulls are kept (StripNulls drops them). Fails as
// upstream's merge does on list items without their key, or duplicated in `applied`:
// ".spec.ports: element 0: associative list with keys has an element that omits key field
// \"protocol\" (and doesn't have default value)".
absl::StatusOr<nlohmann::json> MergeObjects(const schema::Definition& definition,
                                            const nlohmann::json& live,
                                            const nlohmann::json& applied);

// `object` without the paths of `fields` (a removed path takes its subtree).
nlohmann::json RemoveFields(const schema::Definition& definition, const nlohmann::json& object,
                            const FieldSet& fields);

// `fields` plus every struct member that has children in it (upstream's
// EnsureNamedFieldsAreMembers, used before removing a previous apply's fields).
FieldSet EnsureNamedFieldsAreMembers(const schema::Definition& definition,
                                     const FieldSet& fields);

// Drops null members of structs and maps (not inside kAny values), as decoding the merged object
// into Go types does upstream.
void StripNulls(const schema::Definition& definition, nlohmann::json& object);

// Upstream's typed validation of an object against the schema: "field not declared in schema",
// "duplicate entries for key [name=\"a\"]" (unless allow_duplicates), missing key fields, a map or
// list where another shape is expected. Empty when valid; otherwise upstream's error text
// (".spec.x: field not declared in schema", or "errors:\n  <one>\n  <two>").
std::string ValidateTyped(const schema::Definition& definition, const nlohmann::json& object,
                          bool allow_duplicates);

// ---------------------------------------------------------------------------------------------
// metadata.managedFields

inline constexpr std::string_view kOperationApply = "Apply";
inline constexpr std::string_view kOperationUpdate = "Update";

struct ManagedFieldsEntry {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string api_version;
  std::optional<int64_t> time;  // Unix seconds
  std::string subresource;
  FieldSet fields;
};

// Decodes metadata.managedFields (null or absent: no entries) with upstream's errors:
// "operation must be `Apply` or `Update`", "apiVersion must not be empty",
// "missing fieldsType in managed fields entry 0", "invalid fieldsType \"X\" in managed fields
// entry 0".
absl::StatusOr<std::vector<ManagedFieldsEntry>> DecodeManagedFields(
    const nlohmann::json& managed_fields);
// Encodes entries sorted as upstream: Apply before Update, then by time, manager, apiVersion,
// subresource. Each entry: manager, operation, apiVersion, time, fieldsType FieldsV1, fieldsV1,
// subresource (omitted when empty).
nlohmann::json EncodeManagedFields(std::vector<ManagedFieldsEntry> entries);

// The request side of field management.
struct FieldManagerRequest {
  // The field manager: ManagerFromUserAgent(fieldManager query parameter, User-Agent).
  std::string manager;
  std::string api_version;  // "apps/v1": the group/version the request is served in
  std::string subresource;  // "", "status", "scale"
  int64_t now_nanos = 0;    // the time recorded on changed entries (RFC 3339, seconds)
  // Fields the strategy resets and nobody owns, e.g. {status} for the main resource of a kind
  // with a status subresource, {spec, metadata.labels, ...} for its status subresource.
  FieldSet reset_fields;
  // Update entries beyond this are merged, oldest first, into "ancient-changes".
  int max_update_managers = 10;
};

// Non-apply writes (create, update, JSON/merge/strategic patch): `updated` is the object about to
// be stored, `live` the stored one (nullptr on create). Returns `updated` with
// metadata.managedFields rewritten: the fields that changed go to the entry (manager, Update,
// apiVersion, subresource) with time now, and leave every other entry; empty entries are dropped.
// As upstream, managedFields sent in `updated` replace the live ones (an empty list or one empty
// entry resets them; an invalid or absent list keeps the live ones, and subresources always keep
// the live ones), and an existing object without managedFields stays untracked until its first
// apply. Never fails: on an error the live managedFields are kept.
nlohmann::json UpdateManagedFields(const schema::Definition& definition,
                                   const nlohmann::json* live, nlohmann::json updated,
                                   const FieldManagerRequest& request);

// The manager of a request: the fieldManager parameter, or else the User-Agent up to its first
// "/" without unprintable characters, at most 128 bytes ("kubectl-client-side-apply").
std::string ManagerFromUserAgent(std::string_view field_manager, std::string_view user_agent);

// Upstream's manager identifier, the key entries are merged by: {"manager":"m","operation":
// "Update","apiVersion":"apps/v1","subresource":"status"} (no apiVersion for Apply).
std::string ManagerIdentifier(std::string_view manager, std::string_view operation,
                              std::string_view api_version, std::string_view subresource);

}  // namespace k1s::api
