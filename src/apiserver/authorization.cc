#include "apiserver/authorization.h"

#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "absl/synchronization/mutex.h"
#include "api/errors.h"
#include "api/field_selector.h"
#include "auth/forbidden.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

}  // namespace

// Roles, bindings and a node's pods as the authorizers read them: the watch cache. Every
// decision walks all cluster role bindings (and a namespace's role bindings), so their parsed
// form is kept until the cache applies a newer revision.
class Authorizer::Sources final : public auth::RbacSource, public auth::NodeGraphSource {
 public:
  explicit Sources(const ClusterReader& reader) : reader_(reader) {}

  std::vector<json> ClusterRoleBindings() override {
    return Parsed("", [&] { return reader_.List(kRbacGroup, "ClusterRoleBinding"); });
  }
  std::vector<json> RoleBindings(std::string_view namespace_name) override {
    return Parsed(base::StrCat("ns/", namespace_name),
                  [&] { return reader_.List(kRbacGroup, "RoleBinding", namespace_name); });
  }
  std::optional<json> ClusterRole(std::string_view name) override {
    return reader_.Get(kRbacGroup, "ClusterRole", "", name);
  }
  std::optional<json> Role(std::string_view namespace_name, std::string_view name) override {
    return reader_.Get(kRbacGroup, "Role", namespace_name, name);
  }
  std::vector<json> PodsOnNode(std::string_view node_name) override {
    return reader_.List("", "Pod", "", "spec.nodeName", std::string(node_name));
  }
  std::optional<json> PersistentVolumeClaim(std::string_view namespace_name,
                                            std::string_view name) override {
    return reader_.Get("", "PersistentVolumeClaim", namespace_name, name);
  }
  std::optional<json> PersistentVolume(std::string_view name) override {
    return reader_.Get("", "PersistentVolume", "", name);
  }

 private:
  struct Snapshot {
    int64_t revision = -1;
    std::vector<json> objects;
  };
  // The objects `list` returns, parsed at most once per cache revision.
  std::vector<json> Parsed(const std::string& key, const std::function<std::vector<json>()>& list) {
    // Read the revision first: a list taken after it is at least that new.
    const int64_t revision = reader_.revision();
    {
      absl::MutexLock lock(&mu_);
      auto found = snapshots_.find(key);
      if (found != snapshots_.end() && found->second.revision == revision) {
        return found->second.objects;
      }
    }
    std::vector<json> objects = list();
    absl::MutexLock lock(&mu_);
    snapshots_[key] = Snapshot{revision, objects};
    return objects;
  }

  const ClusterReader& reader_;
  absl::Mutex mu_;
  std::map<std::string, Snapshot> snapshots_ ABSL_GUARDED_BY(mu_);
};

Authorizer::Authorizer(const ClusterReader& reader)
    : sources_(std::make_unique<Sources>(reader)),
      rbac_(std::make_unique<auth::RbacAuthorizer>(*sources_)),
      node_(std::make_unique<auth::NodeAuthorizer>(*sources_)) {}

Authorizer::~Authorizer() = default;

auth::AuthorizationResult Authorizer::Authorize(const auth::Attributes& attributes) const {
  for (const std::string& group : attributes.user.groups) {
    if (group == auth::kSystemMasters) return {auth::Decision::kAllow, ""};
  }
  auth::AuthorizationResult node = node_->Authorize(attributes);
  if (node.decision != auth::Decision::kNoOpinion) return node;
  auth::AuthorizationResult rbac = rbac_->Authorize(attributes);
  if (rbac.decision != auth::Decision::kNoOpinion) return rbac;
  // Upstream's union authorizer joins the reasons of every authorizer that had none.
  std::string reason = node.reason;
  if (!rbac.reason.empty()) reason = reason.empty() ? rbac.reason : reason + ", " + rbac.reason;
  return {auth::Decision::kNoOpinion, reason};
}

absl::Status Authorizer::Check(const auth::Attributes& attributes) const {
  auth::AuthorizationResult result = Authorize(attributes);
  if (result.decision == auth::Decision::kAllow) return absl::OkStatus();
  return ForbiddenStatus(attributes, result.reason);
}

auth::RbacAuthorizer::Rules Authorizer::RulesFor(const auth::UserInfo& user,
                                                 std::string_view namespace_name) const {
  return rbac_->RulesFor(user, namespace_name);
}

const auth::RbacAuthorizer& Authorizer::rbac() const { return *rbac_; }

auth::Attributes RequestAttributes(const auth::UserInfo& user, const RequestInfo& info,
                                   std::string_view path, std::string_view field_selector) {
  auth::Attributes attributes;
  attributes.user = user;
  attributes.verb = info.verb;
  attributes.resource_request = info.is_resource_request;
  if (info.is_resource_request) {
    attributes.api_group = info.group;
    attributes.api_version = info.version;
    attributes.resource = info.resource;
    attributes.subresource = info.subresource;
    attributes.namespace_name = info.namespace_name;
    attributes.name = info.name;
    if (!field_selector.empty()) {
      absl::StatusOr<api::FieldSelector> parsed = api::FieldSelector::Parse(field_selector);
      if (parsed.ok()) {
        for (const api::FieldSelector::Term& term : parsed->terms()) {
          attributes.field_selector.push_back({term.field, term.equals, term.value});
        }
      }
    }
  } else {
    attributes.path = std::string(path);
  }
  return attributes;
}

absl::Status ForbiddenStatus(const auth::Attributes& attributes, std::string_view reason) {
  auth::ForbiddenDetails details = auth::ForbiddenStatusDetails(attributes);
  api::ResourceType type;
  type.group = details.group;
  type.plural = details.kind;
  return api::ForbiddenError(type, details.name, auth::ForbiddenMessage(attributes, reason));
}

}  // namespace k1s::apiserver
