#include "controllers/garbage_collector/dependency_graph.h"

namespace k1s::controllers::gc {

Node* DependencyGraph::Find(std::string_view uid) {
  auto it = nodes_.find(std::string(uid));
  return it == nodes_.end() ? nullptr : &it->second;
}

const Node* DependencyGraph::Find(std::string_view uid) const {
  auto it = nodes_.find(std::string(uid));
  return it == nodes_.end() ? nullptr : &it->second;
}

Node& DependencyGraph::Insert(Node node) {
  std::string uid = node.identity.uid;
  Node& slot = nodes_[uid];
  slot = std::move(node);
  return slot;
}

void DependencyGraph::Erase(std::string_view uid) { nodes_.erase(std::string(uid)); }

std::vector<const Node*> DependencyGraph::BlockingDependents(const Node& owner) const {
  std::vector<const Node*> blocking;
  for (const std::string& uid : owner.dependents) {
    const Node* dependent = Find(uid);
    if (dependent == nullptr) continue;
    for (const OwnerReference& ref : dependent->owners) {
      if (ref.uid == owner.identity.uid && ref.Blocks()) {
        blocking.push_back(dependent);
        break;
      }
    }
  }
  return blocking;
}

std::pair<std::vector<const Node*>, std::vector<const Node*>> DependencyGraph::PartitionDependents(
    const Node& owner, const ObjectReference& identity) const {
  std::vector<const Node*> matching;
  std::vector<const Node*> mismatching;
  bool owner_namespaced = !identity.namespace_name.empty();
  for (const std::string& uid : owner.dependents) {
    const Node* dependent = Find(uid);
    if (dependent == nullptr) continue;
    bool found_match = false;
    bool found_mismatch = false;
    if (owner_namespaced && identity.namespace_name != dependent->identity.namespace_name) {
      // A namespaced owner can only own objects of its own namespace.
      found_mismatch = true;
    } else {
      for (const OwnerReference& ref : dependent->owners) {
        if (ref.uid != identity.uid) continue;
        if (MatchesCoordinates(ref, identity)) {
          found_match = true;
        } else {
          found_mismatch = true;
        }
      }
    }
    if (found_match) matching.push_back(dependent);
    if (found_mismatch) mismatching.push_back(dependent);
  }
  return {std::move(matching), std::move(mismatching)};
}

std::optional<ObjectReference> DependencyGraph::AlternateOwnerIdentity(
    const std::vector<const Node*>& dependents, const ObjectReference& absent) const {
  bool absent_cluster_scoped = absent.namespace_name.empty();
  std::set<ObjectReference> seen = {absent};
  std::optional<ObjectReference> first;
  std::optional<ObjectReference> first_following;
  for (const Node* dependent : dependents) {
    for (const OwnerReference& ref : dependent->owners) {
      if (ref.uid != absent.uid) continue;
      if (MatchesCoordinates(ref, absent) &&
          (absent_cluster_scoped || absent.namespace_name == dependent->identity.namespace_name)) {
        continue;  // exactly the identity known to be absent
      }
      ObjectReference candidate = IdentityOf(ref, dependent->identity.namespace_name);
      if (absent_cluster_scoped && candidate.api_version == absent.api_version &&
          candidate.kind == absent.kind) {
        // This apiVersion/kind is known to be cluster-scoped.
        candidate.namespace_name.clear();
      }
      if (!seen.insert(candidate).second) continue;
      if (!first || candidate < *first) first = candidate;
      if (absent < candidate && (!first_following || candidate < *first_following)) {
        first_following = candidate;
      }
    }
  }
  return first_following ? first_following : first;
}

}  // namespace k1s::controllers::gc
