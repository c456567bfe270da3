#include "auth/node_authorizer.h"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <utility>

#include "auth/bootstrap_policy.h"
#include "auth/json_fields.h"
#include "auth/rbac.h"
#include "base/go_text.h"
#include "base/strings.h"

namespace k1s::auth {
namespace {

using nlohmann::json;
using NameVisitor = std::function<void(std::string_view)>;

// The object kinds a node reaches through its pods (upstream's graph vertex types).
enum class Kind {
  kSecret,
  kConfigMap,
  kPvc,
  kPv,
  kPod,
  kServiceAccount,
  kResourceClaim,
  kVolumeAttachment,
  kResourceSlice,
};

constexpr char kNodeLeaseNamespace[] = "kube-node-lease";
constexpr char kMirrorPodAnnotation[] = "kubernetes.io/config.mirror";

AuthorizationResult Allow() { return {Decision::kAllow, ""}; }
AuthorizationResult NoOpinion(std::string reason = "") {
  return {Decision::kNoOpinion, std::move(reason)};
}

// Calls visit(item) for each element of object[key] when that is an array.
template <typename Visit>
void ForEach(const json& object, const char* key, Visit&& visit) {
  const json& list = Field(object, key);
  if (!list.is_array()) return;
  for (const json& item : list) visit(item);
}

std::string_view NameIn(const json& object, const char* ref_key) {
  return StringField(Field(object, ref_key), "name");
}

// Every container of the pod: init, regular and ephemeral.
template <typename Visit>
void ForEachContainer(const json& spec, Visit&& visit) {
  for (const char* key : {"initContainers", "containers", "ephemeralContainers"}) {
    ForEach(spec, key, visit);
  }
}

// Upstream VisitPodSecretNames.
void VisitPodSecretNames(const json& pod, const NameVisitor& visit) {
  const json& spec = Field(pod, "spec");
  ForEach(spec, "imagePullSecrets", [&](const json& ref) { visit(StringField(ref, "name")); });
  ForEachContainer(spec, [&](const json& container) {
    ForEach(container, "envFrom", [&](const json& from) { visit(NameIn(from, "secretRef")); });
    ForEach(container, "env",
            [&](const json& env) { visit(NameIn(Field(env, "valueFrom"), "secretKeyRef")); });
  });
  ForEach(spec, "volumes", [&](const json& volume) {
    visit(StringField(Field(volume, "azureFile"), "secretName"));
    visit(StringField(Field(volume, "secret"), "secretName"));
    for (const char* source :
         {"cephfs", "cinder", "flexVolume", "rbd", "scaleIO", "iscsi", "storageos"}) {
      visit(NameIn(Field(volume, source), "secretRef"));
    }
    visit(NameIn(Field(volume, "csi"), "nodePublishSecretRef"));
    ForEach(Field(volume, "projected"), "sources",
            [&](const json& projection) { visit(NameIn(projection, "secret")); });
  });
}

// Upstream VisitPodConfigmapNames.
void VisitPodConfigMapNames(const json& pod, const NameVisitor& visit) {
  const json& spec = Field(pod, "spec");
  ForEachContainer(spec, [&](const json& container) {
    ForEach(container, "envFrom", [&](const json& from) { visit(NameIn(from, "configMapRef")); });
    ForEach(container, "env",
            [&](const json& env) { visit(NameIn(Field(env, "valueFrom"), "configMapKeyRef")); });
  });
  ForEach(spec, "volumes", [&](const json& volume) {
    visit(NameIn(volume, "configMap"));
    ForEach(Field(volume, "projected"), "sources",
            [&](const json& projection) { visit(NameIn(projection, "configMap")); });
  });
}

// The claims of the pod's persistentVolumeClaim and generic ephemeral volumes.
void VisitPodClaimNames(const json& pod, const NameVisitor& visit) {
  std::string_view pod_name = StringField(Field(pod, "metadata"), "name");
  ForEach(Field(pod, "spec"), "volumes", [&](const json& volume) {
    const json& claim = Field(volume, "persistentVolumeClaim");
    if (claim.is_object()) {
      visit(StringField(claim, "claimName"));
    } else if (Field(volume, "ephemeral").is_object()) {
      visit(base::StrCat(pod_name, "-", StringField(volume, "name")));
    }
  });
}

// The ResourceClaims the pod uses: named directly, or generated from a template and recorded
// in status.resourceClaimStatuses.
void VisitPodResourceClaimNames(const json& pod, const NameVisitor& visit) {
  ForEach(Field(pod, "spec"), "resourceClaims", [&](const json& claim) {
    if (Field(claim, "resourceClaimName").is_string()) {
      visit(StringField(claim, "resourceClaimName"));
      return;
    }
    if (!Field(claim, "resourceClaimTemplateName").is_string()) return;
    ForEach(Field(pod, "status"), "resourceClaimStatuses", [&](const json& status) {
      if (StringField(status, "name") == StringField(claim, "name")) {
        visit(StringField(status, "resourceClaimName"));
      }
    });
  });
}

// Upstream VisitPVSecretNames for the secrets a kubelet uses (kubeletVisible). Visits
// (namespace, name); secrets without an explicit namespace default to the claim's where
// upstream does so.
void VisitPvSecretNames(const json& pv,
                        const std::function<void(std::string_view, std::string_view)>& visit) {
  const json& spec = Field(pv, "spec");
  std::string_view claim_namespace = StringField(Field(spec, "claimRef"), "namespace");
  auto visit_ref = [&](const json& ref, bool default_to_claim) {
    std::string_view ns = StringField(ref, "namespace");
    if (ns.empty() && default_to_claim) ns = claim_namespace;
    visit(ns, StringField(ref, "name"));
  };
  const json& azure = Field(spec, "azureFile");
  if (azure.is_object()) {
    std::string_view ns = StringField(azure, "secretNamespace");
    visit(ns.empty() ? claim_namespace : ns, StringField(azure, "secretName"));
  }
  for (const char* source : {"cephfs", "flexVolume", "rbd", "scaleIO", "iscsi"}) {
    visit_ref(Field(Field(spec, source), "secretRef"), true);
  }
  for (const char* source : {"cinder", "storageos"}) {
    visit_ref(Field(Field(spec, source), "secretRef"), false);
  }
  // Controller publish/expand secrets are for the CSI controller, not the kubelet.
  for (const char* ref : {"nodePublishSecretRef", "nodeStageSecretRef", "nodeExpandSecretRef"}) {
    visit_ref(Field(Field(spec, "csi"), ref), false);
  }
}

bool IsMirrorPod(const json& pod) {
  return Field(Field(Field(pod, "metadata"), "annotations"), kMirrorPodAnnotation).is_string();
}

bool HasName(const std::function<void(const NameVisitor&)>& visit_names, std::string_view name) {
  bool found = false;
  visit_names([&](std::string_view candidate) {
    if (!candidate.empty() && candidate == name) found = true;
  });
  return found;
}

// Answers "is this object related to the node?" for one request.
class Relations {
 public:
  Relations(NodeGraphSource& source, std::string_view node)
      : source_(source), node_(node), pods_(source.PodsOnNode(node)) {}

  bool Has(Kind kind, std::string_view ns, std::string_view name) {
    switch (kind) {
      case Kind::kVolumeAttachment:
        return OnThisNode(source_.VolumeAttachment(name));
      case Kind::kResourceSlice:
        return OnThisNode(source_.ResourceSlice(name));
      case Kind::kPv:
        return PvUsed(name);
      case Kind::kSecret:
        return AnyPodIn(ns, kind, name) || PvSecretUsed(ns, name);
      default:
        return AnyPodIn(ns, kind, name);
    }
  }

 private:
  bool OnThisNode(const std::optional<json>& object) const {
    return object && StringField(Field(*object, "spec"), "nodeName") == node_;
  }

  // Non-mirror pods only: a node creating a mirror pod must gain nothing through it.
  template <typename Visit>
  void ForEachTrustedPod(Visit&& visit) const {
    for (const json& pod : pods_) {
      if (!IsMirrorPod(pod)) visit(pod);
    }
  }

  bool AnyPodIn(std::string_view ns, Kind kind, std::string_view name) const {
    return std::any_of(pods_.begin(), pods_.end(), [&](const json& pod) {
      const json& meta = Field(pod, "metadata");
      if (StringField(meta, "namespace") != ns) return false;
      if (kind == Kind::kPod) return StringField(meta, "name") == name;
      return !IsMirrorPod(pod) && PodReferences(pod, kind, name);
    });
  }

  static bool PodReferences(const json& pod, Kind kind, std::string_view name) {
    switch (kind) {
      case Kind::kSecret:
        return HasName([&](const NameVisitor& v) { VisitPodSecretNames(pod, v); }, name);
      case Kind::kConfigMap:
        return HasName([&](const NameVisitor& v) { VisitPodConfigMapNames(pod, v); }, name);
      case Kind::kPvc:
        return HasName([&](const NameVisitor& v) { VisitPodClaimNames(pod, v); }, name);
      case Kind::kResourceClaim:
        return HasName([&](const NameVisitor& v) { VisitPodResourceClaimNames(pod, v); }, name);
      case Kind::kServiceAccount: {
        std::string_view account = StringField(Field(pod, "spec"), "serviceAccountName");
        return !account.empty() && account == name;
      }
      default:
        return false;
    }
  }

  bool ClaimUsed(std::string_view ns, std::string_view claim) const {
    return !claim.empty() && AnyPodIn(ns, Kind::kPvc, claim);
  }

  // A volume is related through the claim its claimRef names.
  bool PvUsed(std::string_view name) const {
    std::optional<json> pv = source_.PersistentVolume(name);
    if (!pv) return false;
    const json& claim_ref = Field(Field(*pv, "spec"), "claimRef");
    return ClaimUsed(StringField(claim_ref, "namespace"), StringField(claim_ref, "name"));
  }

  // Secrets of the volumes bound to the claims of the node's pods.
  bool PvSecretUsed(std::string_view ns, std::string_view name) const {
    bool found = false;
    ForEachTrustedPod([&](const json& pod) {
      std::string_view pod_ns = StringField(Field(pod, "metadata"), "namespace");
      VisitPodClaimNames(pod, [&](std::string_view claim) {
        if (found || claim.empty()) return;
        std::optional<json> pvc = source_.PersistentVolumeClaim(pod_ns, claim);
        if (!pvc) return;
        std::string_view volume = StringField(Field(*pvc, "spec"), "volumeName");
        if (volume.empty()) return;
        std::optional<json> pv = source_.PersistentVolume(volume);
        if (!pv) return;
        const json& claim_ref = Field(Field(*pv, "spec"), "claimRef");
        if (StringField(claim_ref, "namespace") != pod_ns ||
            StringField(claim_ref, "name") != claim) {
          return;
        }
        VisitPvSecretNames(*pv, [&](std::string_view secret_ns, std::string_view secret) {
          if (!secret.empty() && secret_ns == ns && secret == name) found = true;
        });
      });
    });
    return found;
  }

  NodeGraphSource& source_;
  std::string_view node_;
  std::vector<json> pods_;
};

class Decider {
 public:
  Decider(NodeGraphSource& source, std::string node, const Attributes& attributes)
      : source_(source), node_(std::move(node)), a_(attributes) {}

  // Whether the named object is related to the node (upstream authorize/hasPathFrom).
  AuthorizationResult Related(Kind kind) const {
    if (a_.name.empty()) return NoOpinion("No Object name found");
    Relations relations(source_, node_);
    if (relations.Has(kind, a_.namespace_name, a_.name)) return Allow();
    return NoOpinion(
        base::StrCat("no relationship found between node '", node_, "' and this object"));
  }

  AuthorizationResult Get(Kind kind) const {
    if (a_.verb != "get") return NoOpinion("can only get individual resources of this type");
    if (!a_.subresource.empty()) return NoOpinion("cannot get subresource");
    return Related(kind);
  }

  AuthorizationResult StatusUpdate(Kind kind) const {
    if (a_.verb != "update" && a_.verb != "patch") {
      return NoOpinion("can only get/update/patch this type");
    }
    if (a_.subresource != "status") return NoOpinion("can only update status subresource");
    return Related(kind);
  }

  AuthorizationResult ReadNamespaced(Kind kind) const {
    if (a_.verb != "get" && a_.verb != "list" && a_.verb != "watch") {
      return NoOpinion("can only read resources of this type");
    }
    if (!a_.subresource.empty()) return NoOpinion("cannot read subresource");
    if (a_.namespace_name.empty()) return NoOpinion("can only read namespaced object of this type");
    return Related(kind);
  }

  AuthorizationResult CreateToken() const {
    if (a_.verb != "create" || a_.name.empty()) {
      return NoOpinion("can only create tokens for individual service accounts");
    }
    if (a_.subresource != "token") {
      return NoOpinion("can only create token subresource of serviceaccount");
    }
    return Related(Kind::kServiceAccount);
  }

  // The node's own Lease, in kube-node-lease.
  AuthorizationResult Lease() const {
    if (!IsOwnObjectVerb()) {
      return NoOpinion("can only get, create, update, patch, or delete a node lease");
    }
    if (a_.namespace_name != kNodeLeaseNamespace) {
      return NoOpinion(base::StrCat("can only access leases in the ",
                                    base::GoQuote(kNodeLeaseNamespace), " system namespace"));
    }
    return NamedAfterNode("node lease");
  }

  // The node's own CSINode.
  AuthorizationResult CsiNode() const {
    if (!IsOwnObjectVerb())
      return NoOpinion("can only get, create, update, patch, or delete a CSINode");
    if (!a_.subresource.empty()) return NoOpinion("cannot authorize CSINode subresources");
    return NamedAfterNode("CSINode");
  }

  bool IsOwnObjectVerb() const {
    const std::string& verb = a_.verb;
    return verb == "get" || verb == "create" || verb == "update" || verb == "patch" ||
           verb == "delete";
  }

  // The name is unknown on create; NodeRestriction admission checks it there.
  AuthorizationResult NamedAfterNode(std::string_view what) const {
    if (a_.verb != "create" && a_.name != node_) {
      return NoOpinion(
          base::StrCat("can only access ", what, " with the same name as the requesting node"));
    }
    return Allow();
  }

  bool SelectsNode() const {
    return std::any_of(a_.field_selector.begin(), a_.field_selector.end(),
                       [&](const FieldRequirement& r) {
                         return r.field == "spec.nodeName" && r.equals && r.value == node_;
                       });
  }

  AuthorizationResult ResourceSlice() const {
    if (!a_.subresource.empty()) return NoOpinion("cannot authorize ResourceSlice subresources");
    const std::string& verb = a_.verb;
    // NodeRestriction admission checks spec.nodeName on create.
    if (verb == "create") return Allow();
    if (verb == "get" || verb == "update" || verb == "patch" || verb == "delete") {
      return Related(Kind::kResourceSlice);
    }
    if (verb == "watch" || verb == "list" || verb == "deletecollection") {
      if (SelectsNode()) return Allow();
      return NoOpinion(
          "can only list/watch/deletecollection resourceslices with nodeName field selector");
    }
    return NoOpinion(
        "only the following verbs are allowed for a ResourceSlice: get, watch, list, create, "
        "update, patch, delete, deletecollection");
  }

  AuthorizationResult Node() const {
    const std::string& verb = a_.verb;
    if (a_.subresource.empty()) {
      // Creating/updating only its own Node is NodeRestriction admission's job.
      if (verb == "create" || verb == "update" || verb == "patch") return Allow();
      if (verb == "get" || verb == "list" || verb == "watch") {
        // By name, so a kubelet can read its Node before the graph knows it.
        if (a_.name == node_) return Allow();
        if (a_.name.empty()) {
          return NoOpinion(
              base::StrCat("node '", node_, "' cannot read all nodes, only its own Node object"));
        }
        return NoOpinion(base::StrCat("node '", node_, "' cannot read '", a_.name,
                                      "', only its own Node object"));
      }
    } else if (a_.subresource == "status" && (verb == "update" || verb == "patch")) {
      return Allow();
    }
    return NoOpinion();
  }

  AuthorizationResult Pod() const {
    const std::string& verb = a_.verb;
    if (a_.subresource.empty()) {
      if (verb == "get") return Get(Kind::kPod);
      if (verb == "list" || verb == "watch") {
        if (SelectsNode()) return Allow();
        if (!a_.name.empty()) return Related(Kind::kPod);
        return NoOpinion("can only list/watch pods with spec.nodeName field selector");
      }
      // Mirror pods; NodeRestriction admission limits them to the node's own.
      if (verb == "create" || verb == "delete") return Allow();
    } else if (a_.subresource == "status") {
      if (verb == "update" || verb == "patch") return Allow();
    } else if (a_.subresource == "eviction") {
      if (verb == "create") return Allow();
    }
    return NoOpinion();
  }

 private:
  NodeGraphSource& source_;
  std::string node_;
  const Attributes& a_;
};

}  // namespace

std::optional<json> NodeGraphSource::VolumeAttachment(std::string_view) { return std::nullopt; }
std::optional<json> NodeGraphSource::ResourceSlice(std::string_view) { return std::nullopt; }

std::optional<std::string> NodeIdentity(const UserInfo& user) {
  std::string_view name = user.name;
  if (!name.starts_with(kNodeUserPrefix)) return std::nullopt;
  if (std::find(user.groups.begin(), user.groups.end(), kNodesGroup) == user.groups.end()) {
    return std::nullopt;
  }
  name.remove_prefix(std::string_view(kNodeUserPrefix).size());
  return std::string(name);
}

NodeAuthorizer::NodeAuthorizer(NodeGraphSource& source)
    : source_(source), node_rules_(NodeRules()) {}

NodeAuthorizer::~NodeAuthorizer() = default;

AuthorizationResult NodeAuthorizer::Authorize(const Attributes& a) const {
  std::optional<std::string> node = NodeIdentity(a.user);
  if (!node) return NoOpinion();
  if (node->empty())
    return NoOpinion(base::StrCat("unknown node for user ", base::GoQuote(a.user.name)));

  if (a.resource_request) {
    Decider decide(source_, *node, a);
    const std::string& group = a.api_group;
    const std::string& resource = a.resource;
    if (group.empty()) {
      if (resource == "secrets") return decide.ReadNamespaced(Kind::kSecret);
      if (resource == "configmaps") return decide.ReadNamespaced(Kind::kConfigMap);
      if (resource == "persistentvolumeclaims") {
        return a.subresource == "status" ? decide.StatusUpdate(Kind::kPvc) : decide.Get(Kind::kPvc);
      }
      if (resource == "persistentvolumes") return decide.Get(Kind::kPv);
      if (resource == "serviceaccounts") return decide.CreateToken();
      if (resource == "nodes") return decide.Node();
      if (resource == "pods") return decide.Pod();
    } else if (group == "resource.k8s.io") {
      if (resource == "resourceclaims") return decide.Get(Kind::kResourceClaim);
      if (resource == "resourceslices") return decide.ResourceSlice();
    } else if (group == "storage.k8s.io") {
      if (resource == "volumeattachments") return decide.Get(Kind::kVolumeAttachment);
      if (resource == "csinodes") return decide.CsiNode();
    } else if (group == "coordination.k8s.io" && resource == "leases") {
      return decide.Lease();
    }
  }
  // Everything else: the static rules every node has.
  for (const json& rule : node_rules_) {
    if (RuleAllows(rule, a)) return Allow();
  }
  return NoOpinion();
}

}  // namespace k1s::auth
