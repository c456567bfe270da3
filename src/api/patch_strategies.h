#pragma once
// The strategic-merge-patch metadata of the built-in kinds: which lists merge by which key, which
// maps are replaced wholesale, which fields carry retainKeys. Upstream reads this from the Go
// struct tags `patchStrategy:"..." patchMergeKey:"..."` of k8s.io/api; here it is a table of
// field paths per kind (strategic_merge_patch.cc walks it while merging).
//
// A PatchSchema describes one struct: its fields' metadata and, for fields holding structs or
// lists of structs, the schema of that struct. Shared structs (PodSpec, Container, ObjectMeta)
// are built once and mounted at several paths, so adding a kind is a few lines in
// patch_strategies.cc. Schemas are immutable once built; the registry is thread-safe.
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace k1s::api {

// How a field's value is patched (upstream's patchStrategy tag, without retainKeys).
enum class PatchStrategy {
  kDefault,  // maps merge recursively, lists are replaced wholesale
  kMerge,    // lists merge: items by merge_key, primitives as a set union
  kReplace,  // maps are replaced wholesale
};

struct FieldPatchMeta {
  PatchStrategy strategy = PatchStrategy::kDefault;
  // patchStrategy also lists retainKeys. Only patch creation (kubectl apply) consults this; a
  // patch carries an explicit $retainKeys directive, which applies whatever the tag says.
  bool retain_keys = false;
  std::string merge_key;  // patchMergeKey: identifies items of a merged list of maps
};

// The patch metadata of one struct type. Copyable value; fields not declared have default
// metadata and an unknown (nullptr) schema.
class PatchSchema {
 public:
  // The metadata of `field`; a default one when the field has no tags.
  const FieldPatchMeta& Meta(std::string_view field) const;
  // The schema of the struct held by `field` (for lists: by its items); nullptr when the value
  // has no further metadata.
  const PatchSchema* Child(std::string_view field) const;

  // Builders. `path` is a dot-separated list of field names from this struct ("spec.ports");
  // a list's items are addressed through the list's own name ("containers.env").
  // Sets the metadata of the field at `path`, creating the structs on the way.
  PatchSchema& Set(std::string_view path, FieldPatchMeta meta);
  // Shorthand for a list merged by `merge_key` (empty: a set of primitives).
  PatchSchema& MergeList(std::string_view path, std::string merge_key, bool retain_keys = false);
  // Uses a copy of `schema` as the struct held at `path` (keeping that field's metadata).
  PatchSchema& Mount(std::string_view path, const PatchSchema& schema);

  bool empty() const { return fields_.empty(); }

 private:
  struct Field {
    FieldPatchMeta meta;
    std::shared_ptr<PatchSchema> child;  // shared between copies until one is modified
  };
  // The field at `path`, created (with private copies of shared structs) if needed.
  Field& Walk(std::string_view path);

  std::map<std::string, Field, std::less<>> fields_;
};

// The schema of a built-in kind (group "" is core), or nullptr for kinds strategic merge patch
// does not support (custom resources and anything unknown).
const PatchSchema* FindPatchSchema(std::string_view group, std::string_view kind);

// Reusable structs of the table, exposed for tests and for kinds added elsewhere.
const PatchSchema& ObjectMetaPatchSchema();
const PatchSchema& PodSpecPatchSchema();

}  // namespace k1s::api
