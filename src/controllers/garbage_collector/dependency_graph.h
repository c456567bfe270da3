#pragma once
// The garbage collector's dependency graph: one node per object uid with the ownerReferences it
// carries (owners) and the uids of the objects that name it as an owner (dependents). A node for
// an owner that was referenced but never seen through an informer is "virtual" until observed.
//
// A plain data structure: not thread-safe; the GraphBuilder owns it behind its mutex.
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "controllers/garbage_collector/object_reference.h"

namespace k1s::controllers::gc {

struct Node {
  ObjectReference identity;
  std::vector<OwnerReference> owners;
  std::set<std::string> dependents;  // uids
  bool observed = false;             // false: a virtual node (an owner only referenced so far)
  bool being_deleted = false;
  bool deleting_dependents = false;  // being deleted with the foregroundDeletion finalizer
};

class DependencyGraph {
 public:
  Node* Find(std::string_view uid);
  const Node* Find(std::string_view uid) const;
  // Inserts (or replaces) the node under its identity's uid.
  Node& Insert(Node node);
  void Erase(std::string_view uid);
  size_t size() const { return nodes_.size(); }

  // Dependents of `owner` whose ownerReference to it has blockOwnerDeletion=true.
  std::vector<const Node*> BlockingDependents(const Node& owner) const;

  // Splits `owner`'s dependents into those whose reference to `identity`'s uid matches all of
  // its coordinates (and namespace, for a namespaced owner) and those whose reference does not.
  // A dependent may land in both lists.
  std::pair<std::vector<const Node*>, std::vector<const Node*>> PartitionDependents(
      const Node& owner, const ObjectReference& identity) const;

  // Another identity the non-matching dependents use for `absent`'s uid: the first after
  // `absent` in ObjectReference order, else the first one; nullopt when there is none.
  std::optional<ObjectReference> AlternateOwnerIdentity(const std::vector<const Node*>& dependents,
                                                        const ObjectReference& absent) const;

 private:
  std::unordered_map<std::string, Node> nodes_;
};

}  // namespace k1s::controllers::gc
