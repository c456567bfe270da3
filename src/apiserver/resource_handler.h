#pragma once
// Serves the resource endpoints (/api/v1/..., /apis/<group>/<version>/...): turns HTTP requests
// into Registry calls for writes and WatchCache reads for lists and watches, and renders the
// answer as JSON, YAML, a meta.k8s.io Table or PartialObjectMetadata.
//
// Reads: GET of one object goes to the datastore (always current). LIST is served from the watch
// cache after it caught up with the datastore (a consistent read without touching SQLite);
// paginated lists (limit/continue) and resourceVersionMatch=Exact read the datastore at one
// revision, so every page comes from the same snapshot. Watches stream from the watch cache.
// Thread-safe.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "api/resource_types.h"
#include "apiserver/admission.h"
#include "apiserver/registry.h"
#include "apiserver/request_info.h"
#include "apiserver/strategies.h"
#include "apiserver/watch_cache.h"
#include "auth/user_info.h"
#include "base/clock.h"
#include "http/response_writer.h"
#include "k1s/backend.h"

namespace k1s::apiserver {

class ResourceHandler {
 public:
  ResourceHandler(const std::vector<api::ResourceType>& types, Backend& backend, WatchCache& cache,
                  base::Clock& clock, const StrategyContext& context);
  ~ResourceHandler();

  // Answers one resource request; returns the HTTP status sent (200 for a started watch).
  // `audit_annotations` (may be null) receives what admission wants in the audit event.
  int32_t Serve(const RequestInfo& info, const auth::UserInfo& user, const http::Request& request,
                const std::shared_ptr<http::ResponseWriter>& writer,
                std::map<std::string, std::string>* audit_annotations = nullptr);
  // The admission plugins user writes pass (none until set; set once before serving).
  void set_admission(const AdmissionChain* chain) { admission_ = chain; }

  // The registry of a served resource type, or null.
  Registry* Find(const std::string& group, const std::string& version,
                 const std::string& plural) const;
  const api::ResourceType* FindType(const std::string& group, const std::string& kind) const;
  // Every served type (built-in and custom), in no particular order. The pointers stay valid for
  // the handler's life.
  std::vector<const api::ResourceType*> ServedTypes() const;

  // Serves one more type (a custom resource version) through a registry with `strategy`. A type
  // already served under the same group/version/plural is replaced.
  void AddType(const api::ResourceType& type, std::unique_ptr<Strategy> strategy);
  // Stops serving group/version/plural. Its registry stays alive (requests may still hold it).
  void RemoveType(const std::string& group, const std::string& version, const std::string& plural);

 private:
  struct Call;
  absl::Status Dispatch(Call& call);
  absl::Status Get(Call& call);
  absl::Status List(Call& call);
  absl::Status Watch(Call& call);
  absl::Status Create(Call& call);
  absl::Status Update(Call& call);
  absl::Status Patch(Call& call);
  absl::Status Delete(Call& call);
  absl::Status DeleteCollection(Call& call);
  absl::Status Bind(Call& call);
  absl::Status Scale(Call& call);
  // Decodes a create or update body and applies the request's fieldValidation: unknown and
  // duplicate fields are a 400 (Strict), Warning headers (Warn, the default) or ignored.
  absl::StatusOr<nlohmann::json> DecodeObject(Call& call);
  absl::Status Evict(Call& call);
  absl::Status ServerSideApply(Call& call);
  absl::Status CheckNamespace(const api::ResourceType& type, std::string_view name,
                              std::string_view namespace_name);

  Backend& backend_;
  WatchCache& cache_;
  base::Clock& clock_;
  // Registry lookups happen on every request; custom resources change the maps at runtime.
  mutable absl::Mutex types_mu_;
  std::map<std::string, Registry*> registries_
      ABSL_GUARDED_BY(types_mu_);  // "group/version/plural"
  std::map<std::string, const api::ResourceType*> served_ ABSL_GUARDED_BY(types_mu_);
  // Owns every registry ever made, including those no longer served.
  std::vector<std::unique_ptr<Registry>> all_registries_ ABSL_GUARDED_BY(types_mu_);
  NamespaceCheck namespace_check_;
  Registry* namespaces_ = nullptr;
  const AdmissionChain* admission_ = nullptr;
};

}  // namespace k1s::apiserver
