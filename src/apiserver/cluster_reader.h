#pragma once
// Read-only access to current objects for the apiserver's own policy code (authentication,
// authorization, admission and the small built-in controllers): served from the watch cache
// and parsed on demand, so a decision costs no datastore round trip. Get falls back to the
// datastore when the cache has not seen an object yet (it lags a write by milliseconds).
// Thread-safe.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "apiserver/resource_handler.h"
#include "apiserver/watch_cache.h"

namespace k1s::apiserver {

class ClusterReader {
 public:
  ClusterReader(ResourceHandler& resources, WatchCache& cache)
      : resources_(resources), cache_(cache) {}

  std::optional<nlohmann::json> Get(const std::string& group, const std::string& kind,
                                    std::string_view namespace_name, std::string_view name) const;
  // Every object of a kind ("" namespace = all), optionally only those whose selectable
  // `field` equals `value` (e.g. spec.nodeName for pods).
  std::vector<nlohmann::json> List(const std::string& group, const std::string& kind,
                                   std::string_view namespace_name = "",
                                   const std::string& field = "",
                                   const std::string& value = "") const;

  // The same by resource (plural) name, as quota evaluation names what it counts.
  std::vector<nlohmann::json> ListResource(std::string_view group, std::string_view resource,
                                           std::string_view namespace_name) const;

  // The datastore revision the cache has applied: what is read here is at least this new.
  int64_t revision() const { return cache_.revision(); }
  // Waits until reads here reflect every write acknowledged so far (a consistent read).
  absl::Status WaitUntilFresh() const { return cache_.WaitUntilFresh(absl::Seconds(5)).status(); }

  ResourceHandler& resources() const { return resources_; }

 private:
  ResourceHandler& resources_;
  WatchCache& cache_;
};

}  // namespace k1s::apiserver
