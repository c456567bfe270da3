#pragma once
// What the server serves, from its discovery documents (/api/v1, /apis and each group
// version): every resource with its scope and verbs, as controllers that work across all kinds
// need (namespace deletion, garbage collection). Subresources are left out. Thread-safe.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/client.h"
#include "client/resource.h"

namespace k1s::client {

struct ServedResource {
  Resource resource;
  std::vector<std::string> verbs;
  bool Supports(std::string_view verb) const;
};

// Every resource of every served group version. A group
// version that fails to answer is skipped and named in `failed` (may be null), as upstream's
// partial discovery errors are.
absl::StatusOr<std::vector<ServedResource>> DiscoverResources(
    Client& client, std::vector<std::string>* failed = nullptr);

}  // namespace k1s::client
