#pragma once
// Keeps ResourceQuota status true (upstream's resourcequota controller): status.hard follows
// spec.hard and status.used is recounted from the namespace's objects when a quota is new or
// its limits change, and when a counted object is deleted or changed, which also returns what
// admission charged for writes that then failed. Runs on its own thread ("quota"); see
// CacheWorker.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "apiserver/cache_worker.h"
#include "apiserver/cluster_reader.h"
#include "apiserver/resource_handler.h"

namespace k1s::apiserver {

class QuotaController {
 public:
  QuotaController(ResourceHandler& resources, WatchCache& cache, const ClusterReader& reader);
  ~QuotaController();
  absl::Status Start();
  void Stop();

 private:
  bool SyncNamespace(const std::string& namespace_name);

  ResourceHandler& resources_;
  WatchCache& cache_;
  const ClusterReader& reader_;
  std::unique_ptr<CacheWorker> worker_;
};

}  // namespace k1s::apiserver
