#include "client/client.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "api/errors.h"
#include "base/strings.h"

namespace k1s::client {
namespace {

using nlohmann::json;

// Query values as Go's url.QueryEscape writes them.
std::string QueryEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

class Query {
 public:
  void Add(std::string_view key, std::string_view value) {
    if (value.empty()) return;
    if (!text_.empty()) text_ += '&';
    text_ += base::StrCat(key, "=", QueryEscape(value));
  }
  std::string text() && { return std::move(text_); }

 private:
  std::string text_;
};

std::string ListQuery(const ListOptions& options, bool watch) {
  Query query;
  if (watch) query.Add("watch", "true");
  query.Add("labelSelector", options.label_selector);
  query.Add("fieldSelector", options.field_selector);
  query.Add("resourceVersion", options.resource_version);
  if (options.limit > 0) query.Add("limit", std::to_string(options.limit));
  query.Add("continue", options.continue_token);
  if (options.timeout_seconds > 0) {
    query.Add("timeoutSeconds", std::to_string(options.timeout_seconds));
  }
  if (options.allow_bookmarks) query.Add("allowWatchBookmarks", "true");
  return std::move(query).text();
}

std::string WriteQuery(const WriteOptions& options, std::string_view default_manager) {
  Query query;
  query.Add("fieldManager",
            options.field_manager.empty() ? default_manager : options.field_manager);
  if (options.dry_run) query.Add("dryRun", "All");
  return std::move(query).text();
}

std::string_view PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kApply:
      return "application/apply-patch+yaml";
  }
  return "application/merge-patch+json";
}

std::string MetadataField(const json& object, const char* field) {
  const json* metadata = object.is_object() && object.contains("metadata")
                             ? &object["metadata"]
                             : nullptr;
  if (metadata == nullptr || !metadata->is_object()) return "";
  auto it = metadata->find(field);
  return it != metadata->end() && it->is_string() ? it->get<std::string>() : "";
}

std::string DeleteBody(const DeleteOptions& options) {
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (options.propagation_policy) body["propagationPolicy"] = *options.propagation_policy;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  if (options.precondition_uid) body["preconditions"]["uid"] = *options.precondition_uid;
  if (options.precondition_resource_version) {
    body["preconditions"]["resourceVersion"] = *options.precondition_resource_version;
  }
  return body.dump();
}

}  // namespace

Client::Client(std::shared_ptr<Transport> transport, std::string field_manager)
    : transport_(std::move(transport)), field_manager_(std::move(field_manager)) {}

absl::StatusOr<json> Client::Send(HttpRequest request) {
  absl::StatusOr<HttpResponse> response = transport_->Do(request);
  if (!response.ok()) return response.status();
  if (response->status < 200 || response->status >= 300) {
    return api::StatusFromHttp(response->status, response->body);
  }
  json parsed = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InternalError(base::StrCat(request.method, " ", request.path,
                                            ": the server sent a body that is not JSON"));
  }
  return parsed;
}

absl::StatusOr<json> Client::Get(const Resource& resource, std::string_view namespace_name,
                                 std::string_view name, std::string_view subresource) {
  return Send({"GET", resource.Path(namespace_name, name, subresource), "", "", ""});
}

absl::StatusOr<json> Client::List(const Resource& resource, std::string_view namespace_name,
                                  const ListOptions& options) {
  return Send({"GET", resource.Path(namespace_name), ListQuery(options, false), "", ""});
}

absl::StatusOr<json> Client::Create(const Resource& resource, std::string_view namespace_name,
                                    const json& object, const WriteOptions& options,
                                    std::string_view name_for_subresource,
                                    std::string_view subresource) {
  std::string target_namespace(namespace_name);
  if (target_namespace.empty()) target_namespace = MetadataField(object, "namespace");
  json body = object;
  if (subresource.empty()) {
    body["apiVersion"] = resource.ApiVersion();
    body["kind"] = resource.kind;
  }
  return Send({"POST", resource.Path(target_namespace, name_for_subresource, subresource),
               WriteQuery(options, field_manager_), body.dump(), "application/json"});
}

absl::StatusOr<json> Client::Update(const Resource& resource, const json& object,
                                    const WriteOptions& options, std::string_view subresource) {
  json body = object;
  body["apiVersion"] = resource.ApiVersion();
  body["kind"] = resource.kind;
  return Send({"PUT",
               resource.Path(MetadataField(object, "namespace"), MetadataField(object, "name"),
                             subresource),
               WriteQuery(options, field_manager_), body.dump(), "application/json"});
}

absl::StatusOr<json> Client::UpdateStatus(const Resource& resource, const json& object,
                                          const WriteOptions& options) {
  return Update(resource, object, options, "status");
}

absl::StatusOr<json> Client::Patch(const Resource& resource, std::string_view namespace_name,
                                   std::string_view name, PatchType type, std::string_view patch,
                                   std::string_view subresource, const WriteOptions& options) {
  return Send({"PATCH", resource.Path(namespace_name, name, subresource),
               WriteQuery(options, field_manager_), std::string(patch),
               std::string(PatchContentType(type))});
}

absl::Status Client::Delete(const Resource& resource, std::string_view namespace_name,
                            std::string_view name, const DeleteOptions& options) {
  return Send({"DELETE", resource.Path(namespace_name, name), "", DeleteBody(options),
               "application/json"})
      .status();
}

absl::Status Client::DeleteCollection(const Resource& resource, std::string_view namespace_name,
                                      const ListOptions& selection,
                                      const DeleteOptions& options) {
  return Send({"DELETE", resource.Path(namespace_name), ListQuery(selection, false),
               DeleteBody(options), "application/json"})
      .status();
}

absl::StatusOr<std::unique_ptr<WatchStream>> Client::Watch(const Resource& resource,
                                                           std::string_view namespace_name,
                                                           const ListOptions& options) {
  return transport_->Watch({"GET", resource.Path(namespace_name), ListQuery(options, true), "", ""});
}

}  // namespace k1s::client
