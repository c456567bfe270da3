// NodeRestriction (upstream plugin/pkg/admission/noderestriction): a kubelet identity
// (system:node:<name> in system:nodes) may only change its own Node and Lease, the status of
// pods bound to it, and create mirror pods bound to it. Other users are not affected.
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "api/errors.h"
#include "apiserver/admission_plugins.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

// The node a request's user is, or "" for anyone else.
std::string NodeNameOf(const auth::UserInfo& user) {
  if (!absl::StartsWith(user.name, auth::kNodeUserPrefix)) return "";
  for (const std::string& group : user.groups) {
    if (group == auth::kNodesGroup) return user.name.substr(sizeof(auth::kNodeUserPrefix) - 1);
  }
  return "";
}

class NodeRestriction : public AdmissionPlugin {
 public:
  std::string_view Name() const override { return "NodeRestriction"; }

  absl::Status Validate(const AdmissionRequest& request, const json& object) override {
    std::string node = NodeNameOf(*request.user);
    if (node.empty() || request.type == nullptr) return absl::OkStatus();
    const api::ResourceType& type = *request.type;
    auto refuse = [&](std::string_view why) {
      return api::ForbiddenError(
          type, request.name,
          base::StrCat(type.plural, " \"", request.name, "\" is forbidden: ", why));
    };
    if (type.group.empty() && type.kind == "Pod") {
      std::string bound = object["spec"].value("nodeName", "");
      if (request.operation == AdmissionOperation::kCreate) {
        const json& annotations = object["metadata"].value("annotations", json::object());
        if (!annotations.is_object() || !annotations.contains("kubernetes.io/config.mirror")) {
          return refuse(
              base::StrCat("pod does not have \"kubernetes.io/config.mirror\" "
                           "annotation, node \"",
                           node, "\" can only create mirror pods"));
        }
        if (bound != node) {
          return refuse(base::StrCat("node \"", node,
                                     "\" can only create pods with spec.nodeName "
                                     "set to itself"));
        }
      } else if (bound != node) {
        return refuse(base::StrCat("node \"", node,
                                   "\" can only update pod status for pods with spec.nodeName set "
                                   "to itself"));
      }
    } else if (type.group.empty() && type.kind == "Node") {
      if (request.name != node) {
        return refuse(base::StrCat("node \"", node, "\" is not allowed to modify node \"",
                                   request.name, "\""));
      }
    } else if (type.group == "coordination.k8s.io" && type.kind == "Lease" &&
               request.namespace_name == "kube-node-lease" && request.name != node) {
      return refuse(
          base::StrCat("can only access node lease with the same name as the "
                       "requesting node"));
    }
    return absl::OkStatus();
  }
};

}  // namespace

std::unique_ptr<AdmissionPlugin> NewNodeRestriction(const ClusterReader&) {
  return std::make_unique<NodeRestriction>();
}

}  // namespace k1s::apiserver
