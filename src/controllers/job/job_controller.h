#pragma once
// The Job controller (upstream pkg/controller/job, "job" in kube-controller-manager v1.32):
// runs each batch/v1 Job's pods to completion.
//
// Data flow: Job and Pod informer events only enqueue Job keys (pod events batched by
// `sync_batch_period`); a worker's SyncJob recomputes everything from the listers:
//   claim pods (ownerReferences + the batch.kubernetes.io/job-tracking finalizer)
//   -> decide a terminal condition (backoffLimit, activeDeadlineSeconds, podFailurePolicy,
//      successPolicy, completions reached)
//   -> manage pods (create up to parallelism with exponential backoff after failures, Indexed
//      completion indexes, delete on suspend or excess)
//   -> account finished pods exactly once with upstream's protocol: record their UIDs in
//      status.uncountedTerminatedPods, remove their tracking finalizers, then move them into
//      status.succeeded / status.failed (completedIndexes for Indexed Jobs)
//   -> interim FailureTarget / SuccessCriteriaMet conditions, then Failed / Complete once no
//      pod is uncounted or terminating.
// Orphaned pods that still carry the tracking finalizer go through a second queue that removes
// it.
//
// Ownership: the controller owns its queues, worker threads and in-memory expectations; the
// informers, event broadcaster and clock belong to the ControllerContext, which must outlive
// it. Thread-safe: handlers run on informer threads, syncs on worker threads (one key at a
// time).
#include <chrono>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/job/backoff.h"
#include "controllers/job/expectations.h"
#include "controllers/job/handler_gate.h"
#include "controllers/job/pod_control.h"

namespace k1s::controllers::job {

struct JobControllerOptions {
  // Delay of syncs triggered by pod events and Job status updates (syncJobBatchPeriod).
  std::chrono::milliseconds sync_batch_period{std::chrono::seconds(1)};
  // Delay before replacing failed pods: base, doubling per consecutive failure, capped
  // (DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff).
  std::chrono::milliseconds pod_failure_backoff{std::chrono::seconds(10)};
  std::chrono::milliseconds max_pod_failure_backoff{std::chrono::minutes(10)};
  // Retry delay of failed syncs (DefaultJobApiBackOff / MaxJobApiBackOff).
  std::chrono::milliseconds api_backoff{std::chrono::seconds(1)};
  std::chrono::milliseconds max_api_backoff{std::chrono::minutes(1)};
};

// Informer index names this controller adds to the pod informer.
inline constexpr std::string_view kPodControllerUidIndex = "podControllerUID";
inline constexpr std::string_view kPodJobUidLabelIndex = "batch.kubernetes.io/controller-uid";

struct SyncContext;  // one SyncJob's state (sync_context.h)

class JobController : public Controller {
 public:
  explicit JobController(ControllerContext& ctx, JobControllerOptions options = {});
  ~JobController() override;

  std::string_view Name() const override { return "job"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  // ---- event handlers (job_controller.cc): enqueue only ----
  void OnJobAdd(const nlohmann::json& job);
  void OnJobUpdate(const nlohmann::json& old_job, const nlohmann::json& job);
  void OnJobDelete(const nlohmann::json& job);
  void OnPodAdd(const nlohmann::json& pod);
  void OnPodUpdate(const nlohmann::json& old_pod, const nlohmann::json& pod);
  void OnPodDelete(const nlohmann::json& pod, bool final_state);
  void EnqueueJob(const std::string& key, std::chrono::milliseconds delay);
  void EnqueueOrphanPod(const nlohmann::json& pod);
  void CleanupPodFinalizers(const nlohmann::json& job);
  // The Job a controllerRef names (kind Job, same uid), or null.
  client::ObjectPtr ResolveControllerRef(const std::string& namespace_name,
                                         const nlohmann::json& ref) const;
  // Jobs in the pod's namespace whose selector matches it (orphan adoption).
  std::vector<client::ObjectPtr> JobsSelectingPod(const nlohmann::json& pod) const;
  absl::Status SyncOrphanPod(const std::string& key);

  // ---- one Job's sync (job_sync.cc) ----
  absl::Status SyncJob(const std::string& key);
  // The Job's pods after adopting matching orphans and releasing non-matching ones.
  absl::StatusOr<std::vector<client::ObjectPtr>> ClaimPods(const nlohmann::json& job);
  // Creates or deletes pods toward the wanted count; returns the new active count.
  int32_t ManageJob(SyncContext& sync, absl::Status& error);
  // Slow-start batches of pod creations; returns how many were created.
  int32_t CreatePods(SyncContext& sync, int32_t count, const std::vector<int32_t>& indexes,
                     absl::Status& error);
  // Removes the tracking finalizer and deletes each pod; counts (deleted, deleted ready).
  std::pair<int32_t, int32_t> DeleteJobPods(SyncContext& sync,
                                            const std::vector<const nlohmann::json*>& pods,
                                            absl::Status& error);
  // Deletes pods keeping their finalizers (a terminal Job); counts (deleted, deleted ready).
  std::pair<int32_t, int32_t> DeleteActivePods(SyncContext& sync, absl::Status& error);

  // ---- accounting of finished pods (job_tracking.cc) ----
  absl::Status TrackJobStatusAndRemoveFinalizers(SyncContext& sync, bool needs_flush);
  absl::Status FlushUncountedAndRemoveFinalizers(
      SyncContext& sync, const std::vector<const nlohmann::json*>& pods_to_remove_finalizer,
      std::set<std::string>& uids_with_finalizer, bool& needs_flush);
  // Removes the finalizers; returns for each pod whether it is gone.
  std::vector<bool> RemoveTrackingFinalizers(SyncContext& sync,
                                             const std::vector<const nlohmann::json*>& pods,
                                             absl::Status& error);
  bool EnactJobFinished(SyncContext& sync);
  void RecordJobFinished(const SyncContext& sync);
  absl::Status UpdateJobStatus(SyncContext& sync);

  int64_t NowSeconds() const;

  ControllerContext& ctx_;
  const JobControllerOptions options_;
  client::Client client_;
  std::shared_ptr<client::EventRecorder> recorder_;
  PodControl pod_control_;
  client::Informer& jobs_;
  client::Informer& pods_;
  client::WorkQueue queue_;
  client::WorkQueue orphan_queue_;
  ControllerExpectations expectations_;
  UidTrackingExpectations finalizer_expectations_;
  BackoffStore backoff_store_;
  std::unique_ptr<client::QueueWorkers> workers_;
  std::unique_ptr<client::QueueWorkers> orphan_workers_;
  std::shared_ptr<HandlerGate<JobController>> gate_;
};

}  // namespace k1s::controllers::job
