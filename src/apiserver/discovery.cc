#include "apiserver/discovery.h"

#include <nlohmann/json.hpp>

namespace k1s::apiserver {
namespace {

using nlohmann::json;

const std::vector<std::string> kStatusVerbs = {"get", "patch", "update"};

struct SubresourceInfo {
  std::string group;
  std::string version;
  std::string kind;
  std::vector<std::string> verbs;
};

// The kind a subresource answers with and its verbs, as upstream's discovery lists them.
SubresourceInfo Subresource(const api::ResourceType& type, const std::string& name) {
  if (name == "binding") return {"", "v1", "Binding", {"create"}};
  if (name == "eviction") return {"policy", "v1", "Eviction", {"create"}};
  if (name == "token") return {"authentication.k8s.io", "v1", "TokenRequest", {"create"}};
  if (name == "scale") return {"autoscaling", "v1", "Scale", kStatusVerbs};
  if (name == "finalize") return {type.group, type.version, type.kind, {"update"}};
  return {type.group, type.version, type.kind, kStatusVerbs};
}

json ResourceListJson(const std::string& group_version,
                      const std::vector<const api::ResourceType*>& types) {
  json resources = json::array();
  for (const api::ResourceType* type : types) {
    json entry = {{"name", type->plural},
                  {"singularName", type->singular},
                  {"namespaced", type->namespaced},
                  {"kind", type->kind},
                  {"verbs", type->verbs}};
    if (!type->short_names.empty()) entry["shortNames"] = type->short_names;
    if (!type->categories.empty()) entry["categories"] = type->categories;
    resources.push_back(std::move(entry));
    for (const std::string& sub : type->subresources) {
      SubresourceInfo info = Subresource(*type, sub);
      json sub_entry = {{"name", type->plural + "/" + sub},
                        {"singularName", ""},
                        {"namespaced", type->namespaced},
                        {"kind", info.kind},
                        {"verbs", info.verbs}};
      if (info.group != type->group) sub_entry["group"] = info.group;
      if (info.version != type->version) sub_entry["version"] = info.version;
      resources.push_back(std::move(sub_entry));
    }
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group_version},
          {"resources", std::move(resources)}};
}

json AggregatedResource(const api::ResourceType& type) {
  json entry = {
      {"resource", type.plural},
      {"responseKind", {{"group", type.group}, {"version", type.version}, {"kind", type.kind}}},
      {"scope", type.namespaced ? "Namespaced" : "Cluster"},
      {"singularResource", type.singular},
      {"verbs", type.verbs}};
  if (!type.short_names.empty()) entry["shortNames"] = type.short_names;
  if (!type.categories.empty()) entry["categories"] = type.categories;
  if (!type.subresources.empty()) {
    json subresources = json::array();
    for (const std::string& sub : type.subresources) {
      SubresourceInfo info = Subresource(type, sub);
      subresources.push_back(
          {{"subresource", sub},
           {"responseKind",
            {{"group", info.group}, {"version", info.version}, {"kind", info.kind}}},
           {"verbs", info.verbs}});
    }
    entry["subresources"] = std::move(subresources);
  }
  return entry;
}

json DiscoveryList(json items) {
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", json::object()},
          {"items", std::move(items)}};
}

}  // namespace

Discovery::Discovery(const std::vector<api::ResourceType>& types,
                     const std::string& server_address) {
  // group -> version -> types, keeping the catalog's order of first appearance.
  std::vector<std::string> group_order;
  std::map<std::string, std::vector<std::string>> versions;
  std::map<std::string, std::vector<const api::ResourceType*>> by_group_version;
  for (const api::ResourceType& type : types) {
    if (!versions.contains(type.group)) group_order.push_back(type.group);
    std::vector<std::string>& group_versions = versions[type.group];
    if (std::find(group_versions.begin(), group_versions.end(), type.version) ==
        group_versions.end()) {
      group_versions.push_back(type.version);
    }
    by_group_version[type.GroupVersion()].push_back(&type);
  }

  core_versions_ = json{{"kind", "APIVersions"},
                        {"versions", versions[""]},
                        {"serverAddressByClientCIDRs",
                         {{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}}}}}
                       .dump();

  json groups = json::array();
  json core_items = json::array();
  json group_items = json::array();
  for (const std::string& group : group_order) {
    json aggregated_versions = json::array();
    for (const std::string& version : versions[group]) {
      std::string group_version = group.empty() ? version : group + "/" + version;
      resource_lists_[group_version] =
          ResourceListJson(group_version, by_group_version[group_version]).dump();
      json resources = json::array();
      for (const api::ResourceType* type : by_group_version[group_version]) {
        resources.push_back(AggregatedResource(*type));
      }
      aggregated_versions.push_back(
          {{"version", version}, {"resources", std::move(resources)}, {"freshness", "Current"}});
    }
    json metadata = {{"creationTimestamp", nullptr}};
    if (group.empty()) {
      core_items.push_back({{"metadata", metadata}, {"versions", aggregated_versions}});
      continue;
    }
    metadata["name"] = group;
    group_items.push_back({{"metadata", metadata}, {"versions", aggregated_versions}});
    json group_versions = json::array();
    for (const std::string& version : versions[group]) {
      group_versions.push_back({{"groupVersion", group + "/" + version}, {"version", version}});
    }
    json entry = {
        {"name", group}, {"versions", group_versions}, {"preferredVersion", group_versions[0]}};
    groups.push_back(entry);
    json single = entry;
    single["kind"] = "APIGroup";
    single["apiVersion"] = "v1";
    groups_[group] = single.dump();
  }
  group_list_ = json{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}}.dump();
  core_aggregated_ = DiscoveryList(core_items).dump();
  groups_aggregated_ = DiscoveryList(group_items).dump();
}

std::optional<std::string> Discovery::Group(const std::string& group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Discovery::ResourceList(const std::string& group_version) const {
  auto it = resource_lists_.find(group_version);
  if (it == resource_lists_.end()) return std::nullopt;
  return it->second;
}

}  // namespace k1s::apiserver
