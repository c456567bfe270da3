#pragma once
// The garbage collector's vocabulary: an object's ownerReferences as values, and the identity
// of one object (its coordinates plus namespace) as the dependency graph keys and compares it.
// Plain values; parsing never throws on malformed input (wrong types read as absent).
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace k1s::controllers::gc {

inline constexpr char kFinalizerOrphan[] = "orphan";
inline constexpr char kFinalizerForeground[] = "foregroundDeletion";

// One metadata.ownerReferences entry.
struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> block_owner_deletion;

  bool Blocks() const { return block_owner_deletion.value_or(false); }
  bool operator==(const OwnerReference& other) const = default;
};

// Which object: apiVersion, kind, name and uid (the owner reference coordinates) and namespace
// ("" for cluster-scoped objects).
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::string namespace_name;

  bool operator==(const ObjectReference& other) const = default;
  // Upstream's ordering for alternate identities: kind, apiVersion, namespace, name, uid.
  bool operator<(const ObjectReference& other) const;
  // "[v1/ConfigMap, namespace: ns, name: cm, uid: 1234]", as upstream prints it in events.
  std::string String() const;
};

// The ownerReferences of `object` (entries without a uid are skipped).
std::vector<OwnerReference> OwnerReferencesOf(const nlohmann::json& object);
// apiVersion, kind, name and uid of `ref`, equal to those of `identity`.
bool MatchesCoordinates(const OwnerReference& ref, const ObjectReference& identity);
// The identity an owner reference names when seen from a dependent in `namespace_name`.
ObjectReference IdentityOf(const OwnerReference& ref, const std::string& namespace_name);

// The GC-relevant part of an object's metadata.
struct ObjectState {
  bool being_deleted = false;   // deletionTimestamp set
  bool has_foreground = false;  // "foregroundDeletion" finalizer
  bool has_orphan = false;      // "orphan" finalizer
};
ObjectState StateOf(const nlohmann::json& object);
bool HasFinalizer(const nlohmann::json& object, const std::string& finalizer);

}  // namespace k1s::controllers::gc
