#include "controllers/cronjob/cronjob_controller.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/common/owner_refs.h"
#include "controllers/cronjob/cron_schedule.h"
#include "controllers/cronjob/cronjob_util.h"
#include "controllers/job/job_util.h"

namespace k1s::controllers::cronjob {

using job::IntMember;
using job::Member;
using job::StringMember;
using nlohmann::json;

namespace {

std::shared_ptr<spdlog::logger> Log() { return base::Logger("cronjob-controller"); }

std::chrono::milliseconds ToDelay(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1))));
}

std::string Uid(const json& object) { return StringMember(Member(object, "metadata"), "uid"); }
std::string ObjectName(const json& object) {
  return StringMember(Member(object, "metadata"), "name");
}
std::string Namespace(const json& object) {
  return StringMember(Member(object, "metadata"), "namespace");
}

bool IsJobSucceeded(const json& job) { return job::HasTrueCondition(job, "Complete"); }

// Oldest first by status.startTime (Jobs without one last), then by name.
bool StartedBefore(const client::ObjectPtr& a, const client::ObjectPtr& b) {
  std::optional<int64_t> start_a =
      api::ParseTimestamp(StringMember(Member(*a, "status"), "startTime"));
  std::optional<int64_t> start_b =
      api::ParseTimestamp(StringMember(Member(*b, "status"), "startTime"));
  if (!start_a && start_b) return false;
  if (start_a && !start_b) return true;
  if (start_a == start_b) return ObjectName(*a) < ObjectName(*b);
  return *start_a < *start_b;
}

// Fields upstream omits when empty.
void OmitEmptyStatusFields(json& cron_job) {
  json& status = cron_job["status"];
  if (!status.is_object()) status = json::object();
  if (status.contains("active") && (!status["active"].is_array() || status["active"].empty())) {
    status.erase("active");
  }
}

}  // namespace

CronJobController::CronJobController(ControllerContext& ctx)
    : ctx_(ctx),
      client_(ctx.ClientFor("cronjob-controller")),
      recorder_(ctx.events.NewRecorder("cronjob-controller")),
      jobs_(ctx.informers.For(client::resources::Jobs())),
      cron_jobs_(ctx.informers.For(client::resources::CronJobs())),
      queue_("cronjob"),
      gate_(std::make_shared<job::HandlerGate<CronJobController>>(this)) {
  jobs_.AddIndex(std::string(kJobControllerUidIndex), client::IndexByControllerUid());
  auto gate = gate_;
  jobs_.AddHandler(client::EventHandler{
      [gate](const client::ObjectPtr& job) {
        gate->Run([&](CronJobController& c) { c.OnJobAdd(*job); });
      },
      [gate](const client::ObjectPtr& old_job, const client::ObjectPtr& job) {
        gate->Run([&](CronJobController& c) { c.OnJobUpdate(*old_job, *job); });
      },
      [gate](const client::ObjectPtr& job) {
        gate->Run([&](CronJobController& c) { c.OnJobDelete(*job); });
      }});
  cron_jobs_.AddHandler(client::EventHandler{
      [gate](const client::ObjectPtr& cron_job) {
        gate->Run([&](CronJobController& c) { c.Enqueue(*cron_job); });
      },
      [gate](const client::ObjectPtr& old_cron_job, const client::ObjectPtr& cron_job) {
        gate->Run([&](CronJobController& c) { c.OnCronJobUpdate(*old_cron_job, *cron_job); });
      },
      [gate](const client::ObjectPtr& cron_job) {
        gate->Run([&](CronJobController& c) { c.Enqueue(*cron_job); });
      }});
}

CronJobController::~CronJobController() {
  gate_->Close();
  Stop();
}

absl::Status CronJobController::Start() {
  if (workers_ != nullptr) return absl::OkStatus();
  Log()->info("Starting cronjob controller v2");
  workers_ = std::make_unique<client::QueueWorkers>(
      queue_, [this](const std::string& key) { return Sync(key); });
  workers_->Start(std::max<int32_t>(1, ctx_.workers));
  return absl::OkStatus();
}

void CronJobController::Stop() {
  queue_.ShutDown();
  if (workers_ != nullptr) workers_->Stop();
}

absl::Time CronJobController::Now() const { return absl::FromUnixNanos(ctx_.clock.NowUnixNanos()); }

void CronJobController::Event(const json& cron_job, std::string_view type, std::string_view reason,
                              std::string_view message) {
  recorder_->Event(job::EventObject(cron_job, "batch/v1", "CronJob"), type, reason, message);
}

// ---- handlers ----

void CronJobController::Enqueue(const json& object, absl::Duration delay) {
  std::string key = client::ObjectKey(object);
  if (delay <= absl::ZeroDuration()) {
    queue_.Add(key);
  } else {
    queue_.AddAfter(key, ToDelay(delay));
  }
}

client::ObjectPtr CronJobController::ResolveControllerRef(const std::string& namespace_name,
                                                          const json& ref) const {
  if (StringMember(ref, "kind") != "CronJob") return nullptr;
  client::ObjectPtr cron_job = cron_jobs_.Get(namespace_name, StringMember(ref, "name"));
  if (cron_job == nullptr || Uid(*cron_job) != StringMember(ref, "uid")) return nullptr;
  return cron_job;
}

void CronJobController::OnJobAdd(const json& job) {
  if (Member(Member(job, "metadata"), "deletionTimestamp").is_string()) {
    OnJobDelete(job);
    return;
  }
  if (const json* ref = ControllerRefOf(job)) {
    if (client::ObjectPtr cron_job = ResolveControllerRef(Namespace(job), *ref)) {
      Enqueue(*cron_job);
    }
  }
}

void CronJobController::OnJobUpdate(const json& old_job, const json& job) {
  if (Member(Member(old_job, "metadata"), "resourceVersion") ==
      Member(Member(job, "metadata"), "resourceVersion")) {
    return;  // a resync
  }
  const json* ref = ControllerRefOf(job);
  const json* old_ref = ControllerRefOf(old_job);
  bool changed = (ref == nullptr) != (old_ref == nullptr) ||
                 (ref != nullptr && old_ref != nullptr && *ref != *old_ref);
  if (changed && old_ref != nullptr) {
    if (client::ObjectPtr cron_job = ResolveControllerRef(Namespace(old_job), *old_ref)) {
      Enqueue(*cron_job);
    }
  }
  if (ref != nullptr) {
    if (client::ObjectPtr cron_job = ResolveControllerRef(Namespace(job), *ref)) {
      Enqueue(*cron_job);
    }
  }
}

void CronJobController::OnJobDelete(const json& job) {
  if (const json* ref = ControllerRefOf(job)) {
    if (client::ObjectPtr cron_job = ResolveControllerRef(Namespace(job), *ref)) {
      Enqueue(*cron_job);
    }
  }
}

void CronJobController::OnCronJobUpdate(const json& old_cron_job, const json& cron_job) {
  const json& old_spec = Member(old_cron_job, "spec");
  const json& spec = Member(cron_job, "spec");
  if (Member(old_spec, "schedule") != Member(spec, "schedule") ||
      Member(old_spec, "timeZone") != Member(spec, "timeZone")) {
    // A new schedule: wake up at its next time (sooner than the queued one if need be).
    absl::StatusOr<CronSchedule> schedule =
        CronSchedule::Parse(FormatSchedule(cron_job, false), absl::LocalTimeZone());
    if (!schedule.ok()) {
      Event(cron_job, client::kEventWarning, "UnParseableCronJobSchedule",
            base::StrCat("unparseable schedule for cronjob: ", StringMember(spec, "schedule")));
      return;
    }
    Enqueue(cron_job, NextScheduleTimeDuration(cron_job, Now(), *schedule));
    return;
  }
  Enqueue(cron_job);
}

// ---- sync ----

std::string CronJobController::FormatSchedule(const json& cron_job, bool record_events) {
  const json& spec = Member(cron_job, "spec");
  std::string schedule = StringMember(spec, "schedule");
  if (schedule.find("TZ") != std::string::npos) {
    if (record_events) {
      Event(cron_job, client::kEventWarning, "UnsupportedSchedule",
            base::StrCat("CRON_TZ or TZ used in schedule ", GoQuote(schedule),
                         " is not officially supported, see "
                         "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ "
                         "for more details"));
    }
    return schedule;
  }
  const json& zone = Member(spec, "timeZone");
  if (zone.is_string()) {
    if (!LoadZone(zone.get<std::string>()).ok()) return schedule;
    return base::StrCat("TZ=", zone.get<std::string>(), " ", schedule);
  }
  return schedule;
}

absl::Status CronJobController::Sync(const std::string& key) {
  auto [namespace_name, name] = client::SplitObjectKey(key);
  client::ObjectPtr shared = cron_jobs_.Get(namespace_name, name);
  if (shared == nullptr) return absl::OkStatus();  // deleted: nothing to requeue

  std::vector<client::ObjectPtr> jobs;
  for (const client::ObjectPtr& job : jobs_.ByIndex(kJobControllerUidIndex, Uid(*shared))) {
    if (Namespace(*job) == namespace_name) jobs.push_back(job);
  }
  // All changes of this sync are combined into one status update.
  json cron_job = *shared;
  bool update_after_cleanup = CleanupFinishedJobs(cron_job, jobs);
  SyncResult result = SyncCronJob(cron_job, jobs);
  if (!result.error.ok()) {
    Log()->debug("Error reconciling cronjob {}: {}", key, result.error);
  }
  if (update_after_cleanup || result.update_status) {
    OmitEmptyStatusFields(cron_job);
    absl::StatusOr<json> updated = client_.UpdateStatus(client::resources::CronJobs(), cron_job);
    if (!updated.ok()) {
      Log()->debug("Unable to update status for cronjob {}: {}", key, updated.status());
      return updated.status();
    }
  }
  if (result.requeue_after) {
    queue_.AddAfter(key, ToDelay(*result.requeue_after));
    return absl::OkStatus();
  }
  // No requeue: suspended, or a schedule that needs a spec change first.
  return result.error;
}

CronJobController::SyncResult CronJobController::SyncCronJob(
    json& cron_job, const std::vector<client::ObjectPtr>& jobs) {
  SyncResult result;
  absl::Time now = Now();
  std::set<std::string> children;
  for (const client::ObjectPtr& job : jobs) {
    std::string uid = Uid(*job);
    children.insert(uid);
    bool found = InActiveList(cron_job, uid);
    if (!found && !job::IsJobFinished(*job)) {
      // Maybe our own status update is not in the cache yet: ask the server.
      absl::StatusOr<json> fresh =
          client_.Get(client::resources::CronJobs(), Namespace(cron_job), ObjectName(cron_job));
      if (!fresh.ok()) {
        result.error = fresh.status();
        return result;
      }
      if (InActiveList(*fresh, uid)) {
        cron_job = std::move(*fresh);
        continue;
      }
      // We crashed between creating the Job and recording it, or someone made one for us.
      Event(cron_job, client::kEventWarning, "UnexpectedJob",
            base::StrCat("Saw a job that the controller did not create or forgot: ",
                         ObjectName(*job)));
    } else if (found && job::IsJobFinished(*job)) {
      DeleteFromActiveList(cron_job, uid);
      Event(cron_job, client::kEventNormal, "SawCompletedJob",
            base::StrCat("Saw completed job: ", ObjectName(*job),
                         ", status: ", job::FinishedConditionType(*job)));
      result.update_status = true;
    } else if (IsJobSucceeded(*job)) {
      // Finished Jobs need not be active to move lastSuccessfulTime.
      const json& completion = Member(Member(*job, "status"), "completionTime");
      json& status = cron_job["status"];
      if (!status.is_object()) status = json::object();
      std::optional<int64_t> last = api::ParseTimestamp(StringMember(status, "lastSuccessfulTime"));
      std::optional<int64_t> done = completion.is_string()
                                        ? api::ParseTimestamp(completion.get<std::string>())
                                        : std::nullopt;
      if (!last && completion.is_string()) {
        status["lastSuccessfulTime"] = completion;
        result.update_status = true;
      } else if (last && done && *done > *last) {
        status["lastSuccessfulTime"] = completion;
        result.update_status = true;
      }
    }
  }

  // Active Jobs that vanished would keep the CronJob "active" forever.
  const json active = Member(Member(cron_job, "status"), "active");
  if (active.is_array()) {
    for (const json& ref : active) {
      if (children.count(StringMember(ref, "uid")) > 0) continue;
      absl::Status status = client_
                                .Get(client::resources::Jobs(), StringMember(ref, "namespace"),
                                     StringMember(ref, "name"))
                                .status();
      if (api::IsNotFound(status)) {
        Event(cron_job, client::kEventNormal, "MissingJob",
              base::StrCat("Active job went missing: ", StringMember(ref, "name")));
        DeleteFromActiveList(cron_job, StringMember(ref, "uid"));
        result.update_status = true;
      } else if (!status.ok()) {
        result.error = status;
        return result;
      }
    }
  }

  const json& spec = Member(cron_job, "spec");
  if (Member(Member(cron_job, "metadata"), "deletionTimestamp").is_string()) return result;
  if (Member(spec, "timeZone").is_string()) {
    std::string zone = spec["timeZone"].get<std::string>();
    if (absl::StatusOr<absl::TimeZone> loaded = LoadZone(zone); !loaded.ok()) {
      Event(cron_job, client::kEventWarning, "UnknownTimeZone",
            base::StrCat("invalid timeZone: ", GoQuote(zone), ": ", loaded.status().message()));
      return result;
    }
  }
  if (Member(spec, "suspend") == true) return result;

  std::string schedule_text = StringMember(spec, "schedule");
  absl::StatusOr<CronSchedule> schedule =
      CronSchedule::Parse(FormatSchedule(cron_job, true), absl::LocalTimeZone());
  if (!schedule.ok()) {
    Event(cron_job, client::kEventWarning, "UnparseableSchedule",
          base::StrCat("unparseable schedule: ", GoQuote(schedule_text), " : ",
                       schedule.status().message()));
    return result;
  }
  absl::StatusOr<ScheduleTimes> times = MostRecentScheduleTime(cron_job, now, *schedule, true);
  if (!times.ok()) {
    Event(cron_job, client::kEventWarning, "InvalidSchedule",
          base::StrCat("invalid schedule: ", schedule_text, " : ", times.status().message()));
    return result;
  }
  if (!times->most_recent || *times->most_recent > now) {
    // Nothing due (e.g. a sync right after a restart): wait for the next time.
    result.requeue_after = NextScheduleTimeDuration(cron_job, now, *schedule);
    return result;
  }
  if (times->missed == MissedSchedules::kMany) {
    Event(cron_job, client::kEventWarning, "TooManyMissedTimes",
          "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check "
          "clock skew");
    Log()->info("too many missed times for cronjob {}/{}", Namespace(cron_job),
                ObjectName(cron_job));
  }
  absl::Time scheduled = *times->most_recent;
  std::optional<int64_t> deadline = IntMember(spec, "startingDeadlineSeconds");
  if (deadline && scheduled + absl::Seconds(*deadline) < now) {
    Event(cron_job, client::kEventWarning, "MissSchedule",
          base::StrCat("Missed scheduled time to start a job: ", FormatRfc1123Z(scheduled)));
    result.requeue_after = NextScheduleTimeDuration(cron_job, now, *schedule);
    return result;
  }
  std::optional<int64_t> last_scheduled =
      api::ParseTimestamp(StringMember(Member(cron_job, "status"), "lastScheduleTime"));
  if (InActiveListByName(cron_job, Namespace(cron_job), JobName(cron_job, scheduled)) ||
      (last_scheduled && *last_scheduled == absl::ToUnixSeconds(scheduled))) {
    result.requeue_after = NextScheduleTimeDuration(cron_job, now, *schedule);
    return result;
  }
  std::string policy = StringMember(spec, "concurrencyPolicy");
  const json& current_active = Member(Member(cron_job, "status"), "active");
  if (policy == "Forbid" && current_active.is_array() && !current_active.empty()) {
    // The cache may lag behind, so Forbid is best effort when runs are close together.
    Event(cron_job, client::kEventNormal, "JobAlreadyActive",
          "Not starting job because prior execution is running and concurrency policy is Forbid");
    result.requeue_after = NextScheduleTimeDuration(cron_job, now, *schedule);
    return result;
  }
  if (policy == "Replace" && current_active.is_array()) {
    const json to_replace = current_active;
    for (const json& ref : to_replace) {
      absl::StatusOr<json> job = client_.Get(
          client::resources::Jobs(), StringMember(ref, "namespace"), StringMember(ref, "name"));
      if (!job.ok()) {
        Event(cron_job, client::kEventWarning, "FailedGet",
              base::StrCat("Get job: ", job.status().message()));
        result.error = job.status();
        return result;
      }
      if (!DeleteJob(cron_job, *job)) {
        result.error = absl::InternalError(
            base::StrCat("could not replace job ", Namespace(*job), "/", ObjectName(*job)));
        return result;
      }
      result.update_status = true;
    }
  }

  absl::StatusOr<json> request = JobFromTemplate(cron_job, scheduled);
  if (!request.ok()) {
    result.error = request.status();
    return result;
  }
  bool already_exists = false;
  absl::StatusOr<json> created =
      client_.Create(client::resources::Jobs(), Namespace(cron_job), *request);
  if (api::IsAlreadyExists(created.status())) {
    // Created earlier without reaching status.active, or by someone else.
    already_exists = true;
    created = client_.Get(client::resources::Jobs(), Namespace(cron_job), ObjectName(*request));
    if (!created.ok()) {
      result.error = created.status();
      return result;
    }
    if (!IsControlledBy(*created, Uid(cron_job))) return result;
    if (InActiveList(cron_job, Uid(*created))) return result;
  } else if (!created.ok()) {
    Event(cron_job, client::kEventWarning, "FailedCreate",
          base::StrCat("Error creating job: ", created.status().message()));
    result.error = created.status();
    return result;
  }
  if (already_exists) {
    Log()->info("Job already exists: cronjob {}/{} job {}", Namespace(cron_job),
                ObjectName(cron_job), ObjectName(*created));
  } else {
    Event(cron_job, client::kEventNormal, "SuccessfulCreate",
          base::StrCat("Created job ", ObjectName(*created)));
  }
  // The Job's name is derived from the scheduled time, so a crash before this status update
  // cannot create a second Job for the same time.
  json& status = cron_job["status"];
  if (!status.is_object()) status = json::object();
  if (!status["active"].is_array()) status["active"] = json::array();
  status["active"].push_back(JobReference(*created));
  status["lastScheduleTime"] = api::FormatTimestamp(absl::ToUnixSeconds(scheduled));
  result.update_status = true;
  result.requeue_after = NextScheduleTimeDuration(cron_job, now, *schedule);
  return result;
}

bool CronJobController::CleanupFinishedJobs(json& cron_job,
                                            const std::vector<client::ObjectPtr>& jobs) {
  const json& spec = Member(cron_job, "spec");
  std::optional<int64_t> failed_limit = IntMember(spec, "failedJobsHistoryLimit");
  std::optional<int64_t> successful_limit = IntMember(spec, "successfulJobsHistoryLimit");
  if (!failed_limit && !successful_limit) return false;
  std::vector<client::ObjectPtr> succeeded;
  std::vector<client::ObjectPtr> failed;
  for (const client::ObjectPtr& job : jobs) {
    std::string finished = job::FinishedConditionType(*job);
    if (finished == "Complete") succeeded.push_back(job);
    if (finished == "Failed") failed.push_back(job);
  }
  bool updated = false;
  if (successful_limit && RemoveOldestJobs(cron_job, succeeded, *successful_limit)) updated = true;
  if (failed_limit && RemoveOldestJobs(cron_job, failed, *failed_limit)) updated = true;
  return updated;
}

bool CronJobController::RemoveOldestJobs(json& cron_job, std::vector<client::ObjectPtr> jobs,
                                         int64_t keep) {
  int64_t to_delete = static_cast<int64_t>(jobs.size()) - keep;
  if (to_delete <= 0) return false;
  std::sort(jobs.begin(), jobs.end(), StartedBefore);
  bool updated = false;
  for (int64_t i = 0; i < to_delete; ++i) {
    if (DeleteJob(cron_job, *jobs[i])) updated = true;
  }
  return updated;
}

bool CronJobController::DeleteJob(json& cron_job, const json& job) {
  client::DeleteOptions options;
  options.propagation_policy = "Background";
  absl::Status status =
      client_.Delete(client::resources::Jobs(), Namespace(job), ObjectName(job), options);
  if (!status.ok()) {
    Event(cron_job, client::kEventWarning, "FailedDelete",
          base::StrCat("Deleted job: ", status.message()));
    Log()->error("Error deleting job {}/{} from cronjob {}: {}", Namespace(job), ObjectName(job),
                 ObjectName(cron_job), status);
    return false;
  }
  DeleteFromActiveList(cron_job, Uid(job));
  Event(cron_job, client::kEventNormal, "SuccessfulDelete",
        base::StrCat("Deleted job ", ObjectName(job)));
  return true;
}

}  // namespace k1s::controllers::cronjob
