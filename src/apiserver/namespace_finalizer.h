#pragma once
// Finishes namespace deletion, as upstream's namespace controller does: once a namespace is
// marked for deletion (Terminating), every object in it is deleted; when none is left, the
// "kubernetes" finalizer is removed through the finalize subresource and the namespace goes.
// Objects that wait for their own finalizers or grace periods keep the namespace Terminating
// until they are gone; such namespaces are retried every second.
//
// Runs on its own thread ("ns-finalizer"), fed by a watch-cache watch on namespaces.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "api/resource_types.h"
#include "apiserver/cache_worker.h"
#include "apiserver/watch_cache.h"

namespace k1s::apiserver {

class ResourceHandler;

class NamespaceFinalizer {
 public:
  NamespaceFinalizer(ResourceHandler& resources, WatchCache& cache,
                     const std::vector<api::ResourceType>& types);
  ~NamespaceFinalizer();

  absl::Status Start();
  void Stop();

 private:
  // Deletes what is left in `namespace_name`; true once the namespace could be finalized.
  bool Finalize(const std::string& namespace_name);
  // Deletes every object in the namespace; true when there was none.
  bool DeleteContents(const std::string& namespace_name);

  ResourceHandler& resources_;
  WatchCache& cache_;
  const api::ResourceType* namespace_type_ = nullptr;
  std::unique_ptr<CacheWorker> worker_;
};

}  // namespace k1s::apiserver
