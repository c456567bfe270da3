#include "apiserver/request_info.h"

#include <algorithm>

#include "absl/strings/str_split.h"

namespace k1s::apiserver {
namespace {

std::string LowerVerb(std::string_view method) {
  std::string verb(method);
  std::transform(verb.begin(), verb.end(), verb.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return verb;
}

}  // namespace

bool ParseGoBool(std::string_view text, bool* valid) {
  static constexpr std::string_view kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::string_view kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
  if (valid != nullptr) *valid = true;
  if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) return true;
  if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) return false;
  if (valid != nullptr) *valid = false;
  return false;
}

RequestInfo ParseRequestInfo(std::string_view method, std::string_view path, bool watch) {
  RequestInfo info;
  info.verb = LowerVerb(method);
  std::vector<std::string> segments =
      absl::StrSplit(absl::string_view(path.data(), path.size()), '/', absl::SkipEmpty());
  if (segments.empty() || (segments[0] != "api" && segments[0] != "apis")) return info;
  info.api_prefix = segments[0];
  size_t next = 1;
  if (info.api_prefix == "apis") {
    if (segments.size() < 3) return info;  // /apis or /apis/<group>: discovery
    info.group = segments[1];
    info.version = segments[2];
    next = 3;
  } else {
    if (segments.size() < 2) return info;  // /api
    info.version = segments[1];
    next = 2;
  }
  std::vector<std::string> parts(segments.begin() + static_cast<std::ptrdiff_t>(next),
                                 segments.end());
  if (parts.empty()) return info;  // /api/v1: resource list
  info.is_resource_request = true;

  // Deprecated /watch/ paths mean the same request with watch=true.
  bool watch_path = false;
  if (parts[0] == "watch") {
    watch_path = true;
    parts.erase(parts.begin());
  }
  // /namespaces/<ns>/<resource>/... is namespaced; /namespaces and /namespaces/<ns>[/status]
  // are the namespace resource itself.
  if (parts.size() >= 3 && parts[0] == "namespaces" && parts[2] != "status" &&
      parts[2] != "finalize") {
    info.namespace_name = parts[1];
    parts.erase(parts.begin(), parts.begin() + 2);
  } else if (parts.size() >= 2 && parts[0] == "namespaces") {
    // namespaces/<name>/status and /finalize are the namespace's own subresources.
    info.namespace_name = parts[1];
  }
  info.parts = parts;
  if (!parts.empty()) info.resource = parts[0];
  if (parts.size() >= 2) info.name = parts[1];
  if (parts.size() >= 3) info.subresource = parts[2];

  if (info.verb == "get" || info.verb == "head") {
    if (watch_path || (watch && info.name.empty())) {
      info.verb = "watch";
    } else {
      info.verb = info.name.empty() ? "list" : "get";
    }
  } else if (info.verb == "post") {
    info.verb = "create";
  } else if (info.verb == "put") {
    info.verb = "update";
  } else if (info.verb == "delete") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  }
  return info;
}

}  // namespace k1s::apiserver
