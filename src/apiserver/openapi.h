#pragma once
// OpenAPI v3 documents: /openapi/v3 (the index of group-versions) and /openapi/v3/<gv> with
// every resource path and operation, its x-kubernetes-group-version-kind and query parameters.
// kubectl reads them to learn that the server validates fields itself (fieldValidation), so it
// sends objects for server-side validation instead of failing client-side. Object schemas are
// not described yet (they come with the schema catalog); `components.schemas` is empty.
// Immutable after construction; thread-safe.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/resource_types.h"

namespace k1s::apiserver {

class OpenApi {
 public:
  explicit OpenApi(const std::vector<api::ResourceType>& types);
  // The document served at `path` ("/openapi/v3", "/openapi/v3/api/v1", ...), or nullopt.
  std::optional<std::string> Document(const std::string& path) const;

 private:
  std::string index_;
  std::map<std::string, std::string> documents_;  // "api/v1", "apis/apps/v1"
};

}  // namespace k1s::apiserver
