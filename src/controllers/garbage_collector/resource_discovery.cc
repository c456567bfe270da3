#include "controllers/garbage_collector/resource_discovery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "base/strings.h"

namespace k1s::controllers::gc {

using nlohmann::json;

namespace {

absl::StatusOr<json> GetDocument(client::Client& client, const std::string& path) {
  client::HttpRequest request;
  request.method = "GET";
  request.path = path;
  absl::StatusOr<client::HttpResponse> response = client.Raw(request);
  if (!response.ok()) return response.status();
  if (response->status != 200) return api::StatusFromHttp(response->status, response->body);
  json document = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    return absl::InternalError(base::StrCat("discovery ", path, ": not a JSON object"));
  }
  return document;
}

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Appends the resources of one APIResourceList.
void AddResources(const json& list, const std::string& group, const std::string& version,
                  bool preferred, std::vector<DiscoveredResource>& out) {
  auto resources = list.find("resources");
  if (resources == list.end() || !resources->is_array()) return;
  for (const json& entry : *resources) {
    if (!entry.is_object()) continue;
    std::string name = StringOf(entry, "name");
    std::string kind = StringOf(entry, "kind");
    if (name.empty() || kind.empty() || name.find('/') != std::string::npos) continue;
    DiscoveredResource found;
    found.resource.group = group;
    found.resource.version = version;
    found.resource.plural = name;
    found.resource.kind = kind;
    auto namespaced = entry.find("namespaced");
    found.resource.namespaced =
        namespaced != entry.end() && namespaced->is_boolean() && namespaced->get<bool>();
    found.preferred = preferred;
    if (auto verbs = entry.find("verbs"); verbs != entry.end() && verbs->is_array()) {
      for (const json& verb : *verbs) {
        if (verb.is_string()) found.verbs.push_back(verb.get<std::string>());
      }
    }
    out.push_back(std::move(found));
  }
}

bool HasVerb(const DiscoveredResource& resource, std::string_view verb) {
  return std::find(resource.verbs.begin(), resource.verbs.end(), verb) != resource.verbs.end();
}

}  // namespace

absl::StatusOr<DiscoveryResult> DiscoverResources(client::Client& client) {
  DiscoveryResult result;
  absl::StatusOr<json> core = GetDocument(client, "/api");
  if (!core.ok()) return core.status();
  absl::StatusOr<json> groups = GetDocument(client, "/apis");
  if (!groups.ok()) return groups.status();

  // The core group: /api lists its versions, the first is preferred.
  if (auto versions = core->find("versions"); versions != core->end() && versions->is_array()) {
    bool first = true;
    for (const json& version : *versions) {
      if (!version.is_string()) continue;
      std::string name = version.get<std::string>();
      absl::StatusOr<json> list = GetDocument(client, "/api/" + name);
      if (!list.ok()) {
        result.failed_group_versions.push_back(name);
      } else {
        AddResources(*list, "", name, first, result.resources);
      }
      first = false;
    }
  }
  auto group_list = groups->find("groups");
  if (group_list == groups->end() || !group_list->is_array()) return result;
  for (const json& group : *group_list) {
    if (!group.is_object()) continue;
    std::string group_name = StringOf(group, "name");
    std::string preferred;
    if (auto it = group.find("preferredVersion"); it != group.end() && it->is_object()) {
      preferred = StringOf(*it, "version");
    }
    auto versions = group.find("versions");
    if (group_name.empty() || versions == group.end() || !versions->is_array()) continue;
    for (const json& version : *versions) {
      if (!version.is_object()) continue;
      std::string name = StringOf(version, "version");
      if (name.empty()) continue;
      if (preferred.empty()) preferred = name;
      std::string group_version = base::StrCat(group_name, "/", name);
      absl::StatusOr<json> list = GetDocument(client, "/apis/" + group_version);
      if (!list.ok()) {
        result.failed_group_versions.push_back(group_version);
        continue;
      }
      AddResources(*list, group_name, name, name == preferred, result.resources);
    }
  }
  return result;
}

std::set<std::pair<std::string, std::string>> DefaultIgnoredResources() {
  return {{"", "events"}, {"events.k8s.io", "events"}};
}

std::vector<client::Resource> DeletableResources(
    const DiscoveryResult& discovery,
    const std::set<std::pair<std::string, std::string>>& ignored) {
  std::vector<client::Resource> deletable;
  for (const DiscoveredResource& found : discovery.resources) {
    if (!found.preferred) continue;
    if (!HasVerb(found, "list") || !HasVerb(found, "watch") || !HasVerb(found, "delete")) continue;
    if (ignored.count({found.resource.group, found.resource.plural}) > 0) continue;
    deletable.push_back(found.resource);
  }
  return deletable;
}

std::string ResourceKey(const client::Resource& resource) {
  return base::StrCat(resource.group, "/", resource.version, "/", resource.plural);
}

void RestMapper::Update(const DiscoveryResult& discovery) {
  std::map<std::string, client::Resource, std::less<>> by_kind;
  for (const DiscoveredResource& found : discovery.resources) {
    by_kind.emplace(base::StrCat(found.resource.ApiVersion(), "/", found.resource.kind),
                    found.resource);
  }
  absl::MutexLock lock(&mu_);
  for (const std::string& failed : discovery.failed_group_versions) {
    std::string prefix = failed + "/";
    for (const auto& [key, resource] : by_kind_) {
      if (key.compare(0, prefix.size(), prefix) == 0 &&
          key.find('/', prefix.size()) == std::string::npos) {
        by_kind.emplace(key, resource);
      }
    }
  }
  by_kind_ = std::move(by_kind);
}

absl::StatusOr<client::Resource> RestMapper::ResourceFor(std::string_view api_version,
                                                         std::string_view kind) const {
  std::string key = base::StrCat(api_version, "/", kind);
  absl::MutexLock lock(&mu_);
  auto it = by_kind_.find(key);
  if (it == by_kind_.end()) {
    return absl::FailedPreconditionError(
        base::StrCat("no resource is known for kind ", kind, " in ", api_version));
  }
  return it->second;
}

}  // namespace k1s::controllers::gc
