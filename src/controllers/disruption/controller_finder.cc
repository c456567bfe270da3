#include "controllers/disruption/controller_finder.h"

#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/disruption/pdb_util.h"

namespace k1s::controllers::disruption {

using nlohmann::json;

namespace {

// verifyGroupKind: `ref` names `kind` in one of `groups`.
absl::StatusOr<bool> RefersTo(const json& ref, std::string_view kind,
                              std::initializer_list<std::string_view> groups) {
  absl::StatusOr<std::pair<std::string, std::string>> group_version =
      ParseGroupVersion(StringField(ref, "apiVersion"));
  if (!group_version.ok()) return group_version.status();
  if (StringField(ref, "kind") != kind) return false;
  return std::find(groups.begin(), groups.end(), group_version->first) != groups.end();
}

// The object `ref` names when it is in the informer with the same uid.
client::ObjectPtr Resolve(client::Informer& informer, const json& ref,
                          const std::string& namespace_name) {
  client::ObjectPtr object = informer.Get(namespace_name, StringField(ref, "name"));
  if (object == nullptr || MetaString(*object, "uid") != StringField(ref, "uid")) return nullptr;
  return object;
}

// spec.replicas, which the apiserver defaults to 1.
int32_t Replicas(const json& object) {
  return static_cast<int32_t>(IntField(Field(object, "spec"), "replicas").value_or(1));
}

ControllerScale ScaleOf(const json& object) {
  return ControllerScale{MetaString(object, "uid"), Replicas(object)};
}

std::string GroupVersionText(const std::string& group, const std::string& version) {
  return group.empty() ? version : base::StrCat(group, "/", version);
}

// GroupResource.String(): "replicasets.apps", "pods".
std::string GroupResourceText(const client::Resource& resource) {
  return resource.group.empty() ? resource.plural
                                : base::StrCat(resource.plural, ".", resource.group);
}

// The group versions a scale subresource may answer in (client-go's ScaleConverter).
bool IsScaleGroupVersion(const std::string& group, const std::string& version) {
  return (group == "autoscaling" && version == "v1") ||
         (group == "extensions" && version == "v1beta1") ||
         (group == "apps" && (version == "v1beta1" || version == "v1beta2"));
}

}  // namespace

absl::StatusOr<std::pair<std::string, std::string>> ParseGroupVersion(const std::string& text) {
  if (text.empty() || text == "/") return std::pair<std::string, std::string>{};
  const size_t slashes = std::count(text.begin(), text.end(), '/');
  if (slashes == 0) return std::pair<std::string, std::string>{"", text};
  if (slashes == 1) {
    const size_t at = text.find('/');
    return std::pair<std::string, std::string>{text.substr(0, at), text.substr(at + 1)};
  }
  return absl::InvalidArgumentError(base::StrCat("unexpected GroupVersion string: ", text));
}

ControllerFinder::ControllerFinder(client::Client client, client::Informer& replication_controllers,
                                   client::Informer& replica_sets, client::Informer& deployments,
                                   client::Informer& stateful_sets)
    : client_(std::move(client)),
      replication_controllers_(replication_controllers),
      replica_sets_(replica_sets),
      deployments_(deployments),
      stateful_sets_(stateful_sets) {}

absl::StatusOr<std::optional<ControllerScale>> ControllerFinder::Find(
    const json& controller_ref, const std::string& namespace_name) {
  using Finder = Found (ControllerFinder::*)(const json&, const std::string&);
  for (Finder finder : {&ControllerFinder::FindReplicationController,
                        &ControllerFinder::FindDeployment, &ControllerFinder::FindReplicaSet,
                        &ControllerFinder::FindStatefulSet, &ControllerFinder::FindByScale}) {
    Found found = (this->*finder)(controller_ref, namespace_name);
    if (!found.ok() || found->has_value()) return found;
  }
  return std::nullopt;
}

ControllerFinder::Found ControllerFinder::FindReplicationController(
    const json& ref, const std::string& namespace_name) {
  absl::StatusOr<bool> matches = RefersTo(ref, "ReplicationController", {""});
  if (!matches.ok()) return matches.status();
  if (!*matches) return std::nullopt;
  client::ObjectPtr rc = Resolve(replication_controllers_, ref, namespace_name);
  if (rc == nullptr) return std::nullopt;
  return ScaleOf(*rc);
}

ControllerFinder::Found ControllerFinder::FindDeployment(const json& ref,
                                                         const std::string& namespace_name) {
  absl::StatusOr<bool> matches = RefersTo(ref, "ReplicaSet", {"apps", "extensions"});
  if (!matches.ok()) return matches.status();
  if (!*matches) return std::nullopt;
  client::ObjectPtr rs = Resolve(replica_sets_, ref, namespace_name);
  if (rs == nullptr) return std::nullopt;
  const json* owner = ControllerRefOf(*rs);
  if (owner == nullptr) return std::nullopt;
  matches = RefersTo(*owner, "Deployment", {"apps", "extensions"});
  if (!matches.ok()) return matches.status();
  if (!*matches) return std::nullopt;
  client::ObjectPtr deployment = Resolve(deployments_, *owner, namespace_name);
  if (deployment == nullptr) return std::nullopt;
  return ScaleOf(*deployment);
}

ControllerFinder::Found ControllerFinder::FindReplicaSet(const json& ref,
                                                         const std::string& namespace_name) {
  absl::StatusOr<bool> matches = RefersTo(ref, "ReplicaSet", {"apps", "extensions"});
  if (!matches.ok()) return matches.status();
  if (!*matches) return std::nullopt;
  client::ObjectPtr rs = Resolve(replica_sets_, ref, namespace_name);
  if (rs == nullptr) return std::nullopt;
  // A ReplicaSet a Deployment controls counts through the Deployment (or not at all).
  const json* owner = ControllerRefOf(*rs);
  if (owner != nullptr && StringField(*owner, "kind") == "Deployment") return std::nullopt;
  return ScaleOf(*rs);
}

ControllerFinder::Found ControllerFinder::FindStatefulSet(const json& ref,
                                                          const std::string& namespace_name) {
  absl::StatusOr<bool> matches = RefersTo(ref, "StatefulSet", {"apps"});
  if (!matches.ok()) return matches.status();
  if (!*matches) return std::nullopt;
  client::ObjectPtr set = Resolve(stateful_sets_, ref, namespace_name);
  if (set == nullptr) return std::nullopt;
  return ScaleOf(*set);
}

ControllerFinder::Found ControllerFinder::FindByScale(const json& ref,
                                                      const std::string& namespace_name) {
  absl::StatusOr<std::pair<std::string, std::string>> group_version =
      ParseGroupVersion(StringField(ref, "apiVersion"));
  if (!group_version.ok()) return group_version.status();
  absl::StatusOr<client::Resource> resource =
      MapKind(group_version->first, group_version->second, StringField(ref, "kind"));
  if (!resource.ok()) return resource.status();
  absl::StatusOr<json> scale =
      client_.Get(*resource, namespace_name, StringField(ref, "name"), "scale");
  if (!scale.ok()) {
    if (!api::IsNotFound(scale.status())) return scale.status();
    // Either the object does not exist or its resource has no scale subresource.
    absl::StatusOr<bool> has_scale = ImplementsScale(*resource);
    if (!has_scale.ok()) return has_scale.status();
    if (!*has_scale) {
      return absl::FailedPreconditionError(
          base::StrCat(GroupResourceText(*resource), " does not implement the scale subresource"));
    }
    return std::nullopt;
  }
  if (MetaString(*scale, "uid") != StringField(ref, "uid")) return std::nullopt;
  return ControllerScale{
      MetaString(*scale, "uid"),
      static_cast<int32_t>(IntField(Field(*scale, "spec"), "replicas").value_or(0))};
}

absl::StatusOr<json> ControllerFinder::Discover(const std::string& group,
                                                const std::string& version) {
  const std::string path =
      group.empty() ? base::StrCat("/api/", version) : base::StrCat("/apis/", group, "/", version);
  absl::StatusOr<client::HttpResponse> response = client_.Raw({"GET", path, "", "", ""});
  if (!response.ok()) return response.status();
  if (response->status == 404) {
    return absl::NotFoundError(
        base::StrCat("the server could not find the requested resource (", path, ")"));
  }
  if (response->status != 200) return api::StatusFromHttp(response->status, response->body);
  json document = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    return absl::InternalError(base::StrCat("discovery ", path, ": not a JSON object"));
  }
  return document;
}

absl::StatusOr<client::Resource> ControllerFinder::MapKind(const std::string& group,
                                                           const std::string& version,
                                                           const std::string& kind) {
  const std::string key = base::StrCat(group, "/", version, "/", kind);
  {
    absl::MutexLock lock(&mu_);
    auto cached = mappings_.find(key);
    if (cached != mappings_.end()) return cached->second;
  }
  const absl::Status no_match =
      absl::NotFoundError(base::StrCat("no matches for kind ", GoQuote(kind), " in version ",
                                       GoQuote(GroupVersionText(group, version))));
  absl::StatusOr<json> document = Discover(group, version);
  if (absl::IsNotFound(document.status())) return no_match;
  if (!document.ok()) return document.status();
  const json& resources = Field(*document, "resources");
  if (!resources.is_array()) return no_match;
  for (const json& entry : resources) {
    const std::string name = StringField(entry, "name");
    if (name.empty() || name.find('/') != std::string::npos) continue;
    if (StringField(entry, "kind") != kind) continue;
    client::Resource resource{
        group, version, name, kind,
        Field(entry, "namespaced").is_boolean() && Field(entry, "namespaced").get<bool>()};
    absl::MutexLock lock(&mu_);
    mappings_[key] = resource;
    return resource;
  }
  return no_match;
}

absl::StatusOr<bool> ControllerFinder::ImplementsScale(const client::Resource& resource) {
  absl::StatusOr<json> document = Discover(resource.group, resource.version);
  if (!document.ok()) return document.status();
  const json& resources = Field(*document, "resources");
  if (!resources.is_array()) return false;
  const std::string subresource = base::StrCat(resource.plural, "/scale");
  for (const json& entry : resources) {
    if (StringField(entry, "name") != subresource || StringField(entry, "kind") != "Scale") {
      continue;
    }
    // Discovery names the group and version only where they differ from the resource's.
    const std::string group =
        Field(entry, "group").is_string() ? StringField(entry, "group") : resource.group;
    const std::string version =
        Field(entry, "version").is_string() ? StringField(entry, "version") : resource.version;
    if (IsScaleGroupVersion(group, version)) return true;
  }
  return false;
}

}  // namespace k1s::controllers::disruption
