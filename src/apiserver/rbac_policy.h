#pragma once
// The server's own RBAC bookkeeping:
//  - EnsureBootstrapPolicy: at start, the default roles and bindings exist and carry at least
//    upstream's rules and subjects (objects annotated autoupdate=false are left alone);
//  - ClusterRoleAggregator: keeps the rules of every ClusterRole with an aggregationRule equal
//    to the union of the roles its selectors match (upstream's clusterrole-aggregation
//    controller), so admin/edit/view follow the system:aggregate-to-* roles and any custom
//    role labelled to join them. Runs on its own thread ("rbac-aggregate").
#include <memory>

#include "absl/status/status.h"
#include "apiserver/cache_worker.h"
#include "apiserver/cluster_reader.h"
#include "apiserver/resource_handler.h"

namespace k1s::apiserver {

absl::Status EnsureBootstrapPolicy(ResourceHandler& resources);

class ClusterRoleAggregator {
 public:
  ClusterRoleAggregator(ResourceHandler& resources, WatchCache& cache, const ClusterReader& reader);
  ~ClusterRoleAggregator();
  absl::Status Start();
  void Stop();

 private:
  bool Aggregate();

  ResourceHandler& resources_;
  WatchCache& cache_;
  const ClusterReader& reader_;
  std::unique_ptr<CacheWorker> worker_;
};

}  // namespace k1s::apiserver
