#pragma once
// The one way components talk to the cluster: get, list, watch, create, update, patch and delete
// objects of any resource, as JSON documents, over a Transport (in-process on a server, HTTPS on
// an agent). Errors come back as absl::Status carrying the server's metav1.Status, so
// api::IsNotFound / IsConflict / IsAlreadyExists / ErrorReason work on them; a transport failure
// is Unavailable.
//
// Thread-safe (the Transport is).
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/resource.h"
#include "client/transport.h"

namespace k1s::client {

struct ListOptions {
  std::string label_selector;  // "app=web,tier!=db"
  std::string field_selector;  // "spec.nodeName=node-1"
  std::string resource_version;
  int64_t limit = 0;
  std::string continue_token;
  int64_t timeout_seconds = 0;  // watches: 0 = server default
  bool allow_bookmarks = false;
};

struct WriteOptions {
  std::string field_manager;  // "" = the client's default manager
  bool dry_run = false;
};

enum class PatchType { kMerge, kStrategicMerge, kJson, kApply };

struct DeleteOptions {
  std::optional<std::string> propagation_policy;  // "Background", "Foreground", "Orphan"
  std::optional<int64_t> grace_period_seconds;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
};

class Client {
 public:
  // `field_manager` names this client's writes in managedFields ("deployment-controller").
  Client(std::shared_ptr<Transport> transport, std::string field_manager);

  absl::StatusOr<nlohmann::json> Get(const Resource& resource, std::string_view namespace_name,
                                     std::string_view name, std::string_view subresource = "");
  // The whole List object ({"items":[...],"metadata":{"resourceVersion":...}}).
  absl::StatusOr<nlohmann::json> List(const Resource& resource, std::string_view namespace_name,
                                      const ListOptions& options = {});
  // Creates `object` in `namespace_name` ("" = metadata.namespace); `subresource` for POSTs to
  // subresources (pods/binding, pods/eviction, serviceaccounts/token).
  absl::StatusOr<nlohmann::json> Create(const Resource& resource, std::string_view namespace_name,
                                        const nlohmann::json& object,
                                        const WriteOptions& options = {},
                                        std::string_view name_for_subresource = "",
                                        std::string_view subresource = "");
  // PUT of the object at its metadata.namespace/name (resourceVersion guards it: a stale one
  // gives Conflict); `subresource` for PUTs such as namespaces/finalize.
  absl::StatusOr<nlohmann::json> Update(const Resource& resource, const nlohmann::json& object,
                                        const WriteOptions& options = {},
                                        std::string_view subresource = "");
  absl::StatusOr<nlohmann::json> UpdateStatus(const Resource& resource,
                                              const nlohmann::json& object,
                                              const WriteOptions& options = {});
  absl::StatusOr<nlohmann::json> Patch(const Resource& resource, std::string_view namespace_name,
                                       std::string_view name, PatchType type,
                                       std::string_view patch, std::string_view subresource = "",
                                       const WriteOptions& options = {});
  absl::Status Delete(const Resource& resource, std::string_view namespace_name,
                      std::string_view name, const DeleteOptions& options = {});
  // Deletes every object of the collection in `namespace_name` that `selection` matches.
  absl::Status DeleteCollection(const Resource& resource, std::string_view namespace_name,
                                const ListOptions& selection = {},
                                const DeleteOptions& options = {});
  // Opens a watch on a collection ("" namespace = all). Events are the raw JSON lines.
  absl::StatusOr<std::unique_ptr<WatchStream>> Watch(const Resource& resource,
                                                     std::string_view namespace_name,
                                                     const ListOptions& options);

  // Raw access for non-resource paths (/healthz, /version, /v1-k1s/...).
  absl::StatusOr<HttpResponse> Raw(const HttpRequest& request) { return transport_->Do(request); }
  const std::string& field_manager() const { return field_manager_; }
  // A client with the same transport and another field manager.
  Client WithFieldManager(std::string field_manager) const {
    return Client(transport_, std::move(field_manager));
  }

 private:
  absl::StatusOr<nlohmann::json> Send(HttpRequest request);

  std::shared_ptr<Transport> transport_;
  std::string field_manager_;
};

}  // namespace k1s::client
