#include "apiserver/openapi.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "apiserver/apiserver.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

json QueryParameter(const char* name, const char* description) {
  return {{"name", name},
          {"in", "query"},
          {"description", description},
          {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

json Operation(const api::ResourceType& type, const char* action, json parameters) {
  return {{"x-kubernetes-action", action},
          {"x-kubernetes-group-version-kind",
           {{"group", type.group}, {"version", type.version}, {"kind", type.kind}}},
          {"parameters", std::move(parameters)},
          {"responses",
           {{"200", {{"description", "OK"}}}, {"401", {{"description", "Unauthorized"}}}}}};
}

json WriteParameters() {
  return json::array(
      {QueryParameter("dryRun",
                      "When present, indicates that modifications should not be "
                      "persisted."),
       QueryParameter("fieldManager",
                      "fieldManager is a name associated with the actor or "
                      "entity that is making these changes."),
       QueryParameter("fieldValidation",
                      "fieldValidation instructs the server on how to handle objects in the "
                      "request containing unknown or duplicate fields.")});
}

}  // namespace

OpenApi::OpenApi(const std::vector<api::ResourceType>& types) {
  std::map<std::string, json> paths_by_gv;
  for (const api::ResourceType& type : types) {
    std::string root = type.group.empty() ? base::StrCat("/api/", type.version)
                                          : base::StrCat("/apis/", type.group, "/", type.version);
    std::string collection = type.namespaced
                                 ? base::StrCat(root, "/namespaces/{namespace}/", type.plural)
                                 : base::StrCat(root, "/", type.plural);
    json& paths = paths_by_gv[root.substr(1)];
    paths[collection] = {{"get", Operation(type, "list", json::array())},
                         {"post", Operation(type, "post", WriteParameters())}};
    json item = {{"get", Operation(type, "get", json::array())},
                 {"put", Operation(type, "put", WriteParameters())},
                 {"patch", Operation(type, "patch", WriteParameters())},
                 {"delete", Operation(type, "delete", json::array())}};
    paths[collection + "/{name}"] = std::move(item);
    for (const std::string& sub : type.subresources) {
      if (sub == "binding") {
        paths[collection + "/{name}/binding"] = {
            {"post", Operation(type, "post", WriteParameters())}};
        continue;
      }
      paths[base::StrCat(collection, "/{name}/", sub)] = {
          {"get", Operation(type, "get", json::array())},
          {"put", Operation(type, "put", WriteParameters())},
          {"patch", Operation(type, "patch", WriteParameters())}};
    }
  }
  json index_paths = json::object();
  for (auto& [group_version, paths] : paths_by_gv) {
    json document = {{"openapi", "3.0.0"},
                     {"info", {{"title", "Kubernetes"}, {"version", kGitVersion}}},
                     {"paths", std::move(paths)},
                     {"components", {{"schemas", json::object()}}}};
    std::string text = document.dump();
    index_paths[group_version] = {
        {"serverRelativeURL",
         base::StrCat("/openapi/v3/", group_version, "?hash=", std::hash<std::string>{}(text))}};
    documents_[group_version] = std::move(text);
  }
  index_ = json{{"paths", std::move(index_paths)}}.dump();
}

std::optional<std::string> OpenApi::Document(const std::string& path) const {
  constexpr std::string_view kPrefix = "/openapi/v3";
  if (path == kPrefix || path == "/openapi/v3/") return index_;
  if (path.rfind("/openapi/v3/", 0) != 0) return std::nullopt;
  auto it = documents_.find(path.substr(kPrefix.size() + 1));
  if (it == documents_.end()) return std::nullopt;
  return it->second;
}

}  // namespace k1s::apiserver
