#pragma once
// Serves CustomResourceDefinitions: when a CRD is created or changed, its served versions become
// resource types (a registry in the ResourceHandler, a type in the WatchCache) and the CRD gets
// the status a serving apiserver reports (NamesAccepted, Established). When a CRD is deleted,
// every object of it is deleted, then its cleanup finalizer is removed and its types stop being
// served. `on_types_changed` runs after each change so discovery and OpenAPI follow.
//
// Start() registers the CRDs already stored before returning, so a restarted server serves
// their objects from its first request. Work runs on one thread ("crd-controller") fed by a
// watch-cache watch on CRDs; a CRD whose objects are still going is retried every second.
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/resource_types.h"
#include "apiserver/cache_worker.h"
#include "apiserver/strategy.h"
#include "apiserver/watch_cache.h"
#include "base/clock.h"

namespace k1s::apiserver {

class ResourceHandler;

class CrdController {
 public:
  // Makes the write rules of one custom resource version from its CRD (schema validation,
  // defaulting, pruning).
  using StrategyFactory = std::function<std::unique_ptr<Strategy>(const nlohmann::json& crd,
                                                                  const api::ResourceType& type)>;

  CrdController(ResourceHandler& resources, WatchCache& cache, base::Clock& clock,
                StrategyFactory strategies, std::function<void()> on_types_changed);
  ~CrdController();

  absl::Status Start();
  void Stop();

 private:
  // Brings CRD `name` to its served state; false when it must be retried later.
  bool Sync(const std::string& name);
  // Deletes every object of the CRD's types; true once none is left.
  bool DeleteObjects(const std::vector<api::ResourceType>& types);
  void Serve(const nlohmann::json& crd);
  void Unserve(const std::string& name);

  ResourceHandler& resources_;
  WatchCache& cache_;
  base::Clock& clock_;
  StrategyFactory strategies_;
  std::function<void()> on_types_changed_;
  const api::ResourceType* crd_type_ = nullptr;

  // What each CRD currently serves, and the CRD version (resourceVersion) it was built from.
  struct Served {
    std::string resource_version;
    std::vector<api::ResourceType> types;
  };
  std::map<std::string, Served> served_;  // only the worker (and Start, before it) touch it
  std::unique_ptr<CacheWorker> worker_;
};

}  // namespace k1s::apiserver
