#pragma once
// The garbage collector (upstream's "garbage-collector" controller): deletes objects whose
// owners are all gone and carries out foreground and orphan deletion, for every resource the
// apiserver serves with list, watch and delete (custom resources included: discovery is read
// again every resync period, and at once when an ownerReference names an unknown kind).
//
//   GraphBuilder (monitors -> dependency graph) --attempt_to_delete--> workers: verify owners
//                                               --attempt_to_orphan--> workers: drop references
//
// Background: a dependent whose every owner is verified absent (404, or another uid at that
// name) is deleted; one with other live owners only loses the dangling references.
// Foreground: an owner being deleted with the foregroundDeletion finalizer gets its dependents
// deleted; once no dependent with blockOwnerDeletion=true remains the finalizer is removed.
// Orphan: an owner being deleted with the orphan finalizer has itself removed from its
// dependents' ownerReferences, then the finalizer removed.
//
// Writes as system:serviceaccount:kube-system:generic-garbage-collector; events from
// "garbage-collector-controller". Thread-safe; Start and Stop once each.
#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/garbage_collector/absent_owner_cache.h"
#include "controllers/garbage_collector/graph_builder.h"
#include "controllers/garbage_collector/object_operations.h"
#include "controllers/garbage_collector/resource_discovery.h"

namespace k1s::controllers {

struct GarbageCollectorOptions {
  // How often discovery is read again so new resources (CRDs) get monitors.
  std::chrono::milliseconds resync_period{std::chrono::seconds(30)};
  // The shortest gap between two discoveries asked for by unknown kinds.
  std::chrono::milliseconds min_rediscovery_interval{std::chrono::seconds(1)};
  // Worker threads for each queue; 0 = ControllerContext::workers (upstream's
  // --concurrent-gc-syncs defaults to 20).
  int32_t workers = 0;
  // {group, plural} never monitored.
  std::set<std::pair<std::string, std::string>> ignored_resources = gc::DefaultIgnoredResources();
};

class GarbageCollector : public Controller {
 public:
  explicit GarbageCollector(ControllerContext& ctx, GarbageCollectorOptions options = {});
  ~GarbageCollector() override;

  std::string_view Name() const override { return "garbage-collector"; }
  // Reads discovery, starts the monitors, the graph builder and the workers.
  absl::Status Start() override;
  void Stop() override;

  // Every monitor has listed its objects once (tests, readiness).
  bool IsSynced() const;
  // Reads discovery again soon (at most once per min_rediscovery_interval).
  void RequestRediscovery();

 private:
  // What a delete attempt decided besides success or failure.
  enum class Step { kDone, kVirtualDeleteQueued, kInvalidReference };
  struct Classified {
    std::vector<gc::OwnerReference> solid;
    std::vector<gc::OwnerReference> dangling;
    std::vector<gc::OwnerReference> waiting;  // owners deleting their dependents first
  };

  bool ResyncWanted() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || rediscovery_requested_;
  }
  bool Stopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; }
  void Rediscover();
  void ResyncLoop();
  void RunDeleteWorker();
  void RunOrphanWorker();
  // One attempt_to_delete item; false: put it back rate-limited.
  bool ProcessDeleteItem(const std::string& uid);
  absl::StatusOr<Step> AttemptToDeleteItem(const gc::NodeSnapshot& item);
  absl::StatusOr<Step> ProcessDeletingDependents(const gc::NodeSnapshot& item);
  absl::StatusOr<Classified> ClassifyReferences(const gc::NodeSnapshot& item,
                                                const std::vector<gc::OwnerReference>& refs,
                                                bool* invalid);
  // Whether `ref` of `item` names an absent owner; sets `owner` to the live owner otherwise.
  absl::StatusOr<bool> IsDangling(const gc::OwnerReference& ref, const gc::NodeSnapshot& item,
                                  nlohmann::json* owner, bool* invalid);
  absl::Status AttemptToOrphan(const std::string& uid);

  ControllerContext& ctx_;
  const GarbageCollectorOptions options_;
  client::Client client_;
  std::shared_ptr<client::EventRecorder> recorder_;
  client::WorkQueue attempt_to_delete_{"garbage_collector_attempt_to_delete"};
  client::WorkQueue attempt_to_orphan_{"garbage_collector_attempt_to_orphan"};
  gc::AbsentOwnerCache absent_owners_;
  gc::RestMapper mapper_;
  gc::ObjectOperations operations_;
  gc::GraphBuilder builder_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool rediscovery_requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_discovery_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::thread resync_thread_;
  std::vector<std::thread> workers_;
};

}  // namespace k1s::controllers
