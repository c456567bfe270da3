#include "client/discovery.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace k1s::client {
namespace {

using nlohmann::json;

absl::StatusOr<json> GetJson(Client& client, const std::string& path) {
  absl::StatusOr<HttpResponse> response = client.Raw({"GET", path, "", "", ""});
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return absl::UnavailableError(base::StrCat(path, ": HTTP ", std::to_string(response->status)));
  }
  json parsed = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return absl::InternalError(base::StrCat(path, ": not JSON"));
  return parsed;
}

void AddResources(const json& list, const std::string& group, const std::string& version,
                  std::vector<ServedResource>& out) {
  if (!list.contains("resources") || !list["resources"].is_array()) return;
  for (const json& entry : list["resources"]) {
    const std::string name = entry.value("name", "");
    if (name.empty() || name.find('/') != std::string::npos) continue;  // subresource
    ServedResource served;
    served.resource = Resource{group, version, name, entry.value("kind", ""),
                               entry.value("namespaced", false)};
    if (entry.contains("verbs") && entry["verbs"].is_array()) {
      for (const json& verb : entry["verbs"]) {
        if (verb.is_string()) served.verbs.push_back(verb);
      }
    }
    out.push_back(std::move(served));
  }
}

}  // namespace

bool ServedResource::Supports(std::string_view verb) const {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

absl::StatusOr<std::vector<ServedResource>> DiscoverResources(Client& client,
                                                              std::vector<std::string>* failed) {
  std::vector<ServedResource> out;
  absl::StatusOr<json> core = GetJson(client, "/api/v1");
  if (!core.ok()) return core.status();
  AddResources(*core, "", "v1", out);
  absl::StatusOr<json> groups = GetJson(client, "/apis");
  if (!groups.ok()) return groups.status();
  if (!groups->contains("groups") || !(*groups)["groups"].is_array()) return out;
  for (const json& group : (*groups)["groups"]) {
    if (!group.contains("versions") || !group["versions"].is_array()) continue;
    for (const json& version : group["versions"]) {
      const std::string group_version = version.value("groupVersion", "");
      absl::StatusOr<json> list = GetJson(client, "/apis/" + group_version);
      if (!list.ok()) {
        if (failed != nullptr) failed->push_back(group_version);
        continue;
      }
      AddResources(*list, group.value("name", ""), version.value("version", ""), out);
    }
  }
  return out;
}

}  // namespace k1s::client
