#pragma once
// Upstream's Node authorizer (plugin/pkg/auth/authorizer/node, v1.32 with
// AuthorizeNodeWithSelectors on): a kubelet, i.e. a user named system:node:<name> in the group
// system:nodes, may read only the secrets, configmaps, persistent volume claims and volumes,
// service account tokens and resource claims that pods bound to its node use; its own Lease and
// CSINode; its own Node; and its pods (lists scoped by fieldSelector spec.nodeName). Everything
// else a kubelet asks is checked against the static system:node rules (NodeRules()).
// Requests from anyone else get no opinion.
//
// Instead of upstream's incrementally maintained graph, relationships are looked up through a
// NodeGraphSource on each request (the pods of the node, then the claims and volumes they use).
//
// Thread-safety: Authorize is thread-safe when the NodeGraphSource is.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/attributes.h"

namespace k1s::auth {

class NodeGraphSource {
 public:
  virtual ~NodeGraphSource() = default;
  // Pods with spec.nodeName == node_name.
  virtual std::vector<nlohmann::json> PodsOnNode(std::string_view node_name) = 0;
  virtual std::optional<nlohmann::json> PersistentVolumeClaim(std::string_view ns,
                                                              std::string_view name) = 0;
  virtual std::optional<nlohmann::json> PersistentVolume(std::string_view name) = 0;
  // storage.k8s.io VolumeAttachments and resource.k8s.io ResourceSlices, related to a node by
  // spec.nodeName. Optional: without them a kubelet cannot get those objects.
  virtual std::optional<nlohmann::json> VolumeAttachment(std::string_view name);
  virtual std::optional<nlohmann::json> ResourceSlice(std::string_view name);
};

// The node a user is a kubelet for: "" when the name is just "system:node:"; nullopt when the
// user is not a node (upstream's default NodeIdentifier).
std::optional<std::string> NodeIdentity(const UserInfo& user);

class NodeAuthorizer {
 public:
  explicit NodeAuthorizer(NodeGraphSource& source);
  ~NodeAuthorizer();

  // kAllow or kNoOpinion; refusals carry upstream's reasons, e.g.
  // "no relationship found between node 'pi4' and this object".
  AuthorizationResult Authorize(const Attributes& attributes) const;

 private:
  NodeGraphSource& source_;
  std::vector<nlohmann::json> node_rules_;
};

}  // namespace k1s::auth
