#pragma once
// Internal to the disruption controller: the state its handlers and workers share.
// disruption_controller.cc wires handlers, queues and the stale DisruptionTarget cleanup;
// pdb_sync.cc computes and writes PDB status. Handlers reach the Impl through a weak_ptr, so
// shared informers that outlive the controller never call into a destroyed one. Thread-safe.
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/disruption/controller_finder.h"
#include "controllers/disruption/disruption_controller.h"

namespace k1s::controllers {

class DisruptionController::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(ControllerContext& ctx, DisruptionOptions options);

  void RegisterHandlers();
  absl::Status Start();
  void Stop();

 private:
  struct ExpectedCount {
    int32_t expected = 0;
    int32_t desired_healthy = 0;
    std::vector<std::string> unmanaged_pods;
  };

  // Handlers (informer thread): map objects to keys, never block.
  void OnPod(const nlohmann::json* old_pod, const nlohmann::json& pod);
  void EnqueuePdbsOf(const nlohmann::json& pod);
  void EnqueueStaleDisruptionCleanup(const nlohmann::json& pod);
  // The PDBs of the pod's namespace whose selector matches it (a missing selector matches
  // nothing, an empty one everything), by name.
  std::vector<client::ObjectPtr> PdbsForPod(const nlohmann::json& pod) const;

  // pdb_sync.cc
  absl::Status Sync(const std::string& key);
  absl::Status TrySync(const nlohmann::json& pdb);
  absl::StatusOr<ExpectedCount> ExpectedPodCount(const nlohmann::json& pdb,
                                                 const std::vector<client::ObjectPtr>& pods);
  // Sum of the scale of the pods' controllers; pods without one are listed in `unmanaged`.
  absl::StatusOr<int32_t> ExpectedScale(const std::vector<client::ObjectPtr>& pods,
                                        std::vector<std::string>& unmanaged);
  absl::Status FailSafe(const nlohmann::json& pdb, const absl::Status& cause);
  absl::Status WriteStatus(const nlohmann::json& pdb, nlohmann::json status);

  // Stale DisruptionTarget cleanup (disruption_controller.cc).
  absl::Status SyncStalePodDisruption(const std::string& key);

  void Event(const nlohmann::json& object, std::string_view api_version, std::string_view kind,
             std::string_view type, std::string_view reason, std::string_view message);

  base::Clock& clock_;
  const DisruptionOptions options_;
  client::Client client_;
  client::Informer& pods_;
  client::Informer& pdbs_;
  std::shared_ptr<client::EventRecorder> recorder_;
  disruption::ControllerFinder finder_;
  client::WorkQueue queue_;
  client::WorkQueue stale_queue_;
  std::unique_ptr<client::QueueWorkers> workers_;
  std::unique_ptr<client::QueueWorkers> stale_workers_;
};

}  // namespace k1s::controllers
