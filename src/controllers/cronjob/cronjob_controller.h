#pragma once
// The CronJob controller (upstream pkg/controller/cronjob ControllerV2, "cronjob" in
// kube-controller-manager v1.32): creates a Job for each scheduled time of a batch/v1 CronJob.
//
// Data flow: CronJob and Job informer events enqueue the CronJob key; Sync recomputes from the
// listers: drop finished or vanished Jobs from status.active (SawCompletedJob, MissingJob),
// track lastSuccessfulTime, prune finished Jobs beyond the history limits, then, unless
// suspended, find the most recent due time (startingDeadlineSeconds, MissSchedule, more than 100
// missed -> TooManyMissedTimes), apply concurrencyPolicy (Forbid: JobAlreadyActive; Replace:
// delete the active Jobs), create "<name>-<minutes since epoch>" and record it in status.active
// and lastScheduleTime. Every sync ends by requeueing the key exactly at the next scheduled time
// (+100 ms) measured on ctx.clock.
//
// Ownership: owns its queue and workers; the informers, events and clock belong to the
// ControllerContext, which must outlive it. Thread-safe.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"
#include "controllers/job/handler_gate.h"

namespace k1s::controllers::cronjob {

// Index of the Job informer: the uid of each Job's controlling owner.
inline constexpr std::string_view kJobControllerUidIndex = "jobControllerUID";

class CronJobController : public Controller {
 public:
  explicit CronJobController(ControllerContext& ctx);
  ~CronJobController() override;

  std::string_view Name() const override { return "cronjob"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  struct SyncResult {
    std::optional<absl::Duration> requeue_after;
    bool update_status = false;
    absl::Status error;
  };

  // ---- handlers: enqueue only ----
  void OnJobAdd(const nlohmann::json& job);
  void OnJobUpdate(const nlohmann::json& old_job, const nlohmann::json& job);
  void OnJobDelete(const nlohmann::json& job);
  void OnCronJobUpdate(const nlohmann::json& old_cron_job, const nlohmann::json& cron_job);
  void Enqueue(const nlohmann::json& object, absl::Duration delay = absl::ZeroDuration());
  client::ObjectPtr ResolveControllerRef(const std::string& namespace_name,
                                         const nlohmann::json& ref) const;

  // ---- sync ----
  absl::Status Sync(const std::string& key);
  SyncResult SyncCronJob(nlohmann::json& cron_job, const std::vector<client::ObjectPtr>& jobs);
  // Deletes finished Jobs beyond the history limits; returns whether the status changed.
  bool CleanupFinishedJobs(nlohmann::json& cron_job, const std::vector<client::ObjectPtr>& jobs);
  bool RemoveOldestJobs(nlohmann::json& cron_job, std::vector<client::ObjectPtr> jobs,
                        int64_t keep);
  // Deletes a Job (background propagation) and its active reference, with events.
  bool DeleteJob(nlohmann::json& cron_job, const nlohmann::json& job);
  // The schedule with the CronJob's timeZone applied as a TZ= prefix.
  std::string FormatSchedule(const nlohmann::json& cron_job, bool record_events);
  void Event(const nlohmann::json& cron_job, std::string_view type, std::string_view reason,
             std::string_view message);
  absl::Time Now() const;

  ControllerContext& ctx_;
  client::Client client_;
  std::shared_ptr<client::EventRecorder> recorder_;
  client::Informer& jobs_;
  client::Informer& cron_jobs_;
  client::WorkQueue queue_;
  std::unique_ptr<client::QueueWorkers> workers_;
  std::shared_ptr<job::HandlerGate<CronJobController>> gate_;
};

}  // namespace k1s::controllers::cronjob
