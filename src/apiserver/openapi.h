#pragma once
// OpenAPI v3 documents: /openapi/v3 (the index of group-versions, each with a serverRelativeURL
// carrying the document's hash) and /openapi/v3/<gv> ("api/v1", "apis/apps/v1") shaped as
// kube-apiserver serves them: every resource path and subresource with its operations,
// x-kubernetes-action, x-kubernetes-group-version-kind, query parameters, request bodies and
// responses, and components.schemas with every definition reachable from the group-version's
// kinds plus the meta/v1 ones the operations use (Status, DeleteOptions, Patch, WatchEvent,
// APIResourceList).
//
// Who reads them: kubectl's --validate checks that PATCH of a kind declares the fieldValidation
// parameter (then it leaves field checks to the server); `kubectl explain` walks the schemas;
// client generators and IDEs use the rest.
//
// Schemas come from the schema catalog (api/schema.h); custom resources add theirs at runtime as
// ready-made OpenAPI v3 schema objects through Rebuild. Thread-safe: documents are rebuilt off to
// the side and swapped in under a lock; readers get a copy of the text.
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "api/resource_types.h"
#include "api/schema.h"

namespace k1s::apiserver {

class OpenApi {
 public:
  // Extra component schemas by definition name ("com.example.v1.Widget"), each a complete
  // OpenAPI v3 schema object. A type the catalog does not know is matched with the extra schema
  // whose x-kubernetes-group-version-kind lists its kind (its list kind likewise).
  using ExtraSchemas = std::map<std::string, nlohmann::json>;

  // `catalog` must outlive this object.
  explicit OpenApi(const std::vector<api::ResourceType>& types,
                   const api::schema::Catalog& catalog = api::schema::Catalog::Builtin());
  ~OpenApi();

  // Replaces every document with ones built from `types` and `extra` (the built-in types plus
  // whatever CustomResourceDefinitions serve now).
  void Rebuild(const std::vector<api::ResourceType>& types, const ExtraSchemas& extra);

  // The document served at `path` ("/openapi/v3", "/openapi/v3/api/v1", ...), or nullopt.
  std::optional<std::string> Document(const std::string& path) const;

 private:
  struct Documents {
    std::string index;
    std::map<std::string, std::string> by_group_version;  // "api/v1", "apis/apps/v1"
  };

  const api::schema::Catalog& catalog_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Documents> documents_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::apiserver
