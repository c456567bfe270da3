#include "controllers/ttl_after_finished/ttl_after_finished_controller.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "client/resource.h"
#include "controllers/job/job_util.h"

namespace k1s::controllers::ttl_after_finished {

using job::IntMember;
using job::Member;
using job::StringMember;
using nlohmann::json;

namespace {

std::shared_ptr<spdlog::logger> Log() { return base::Logger("ttl-after-finished-controller"); }

bool NeedsCleanup(const json& job) {
  return IntMember(Member(job, "spec"), "ttlSecondsAfterFinished").has_value() &&
         job::IsJobFinished(job);
}

std::string JobRef(const json& job) {
  const json& metadata = Member(job, "metadata");
  return base::StrCat(StringMember(metadata, "namespace"), "/", StringMember(metadata, "name"));
}

}  // namespace

absl::StatusOr<int64_t> JobTimeLeftNanos(const json& job, int64_t now_nanos) {
  if (!NeedsCleanup(job)) {
    return absl::FailedPreconditionError(
        base::StrCat("Job ", JobRef(job), " should not be cleaned up"));
  }
  std::optional<int64_t> finished_at;
  const json& conditions = Member(Member(job, "status"), "conditions");
  for (const json& condition : conditions.is_array() ? conditions : json::array()) {
    std::string type = StringMember(condition, "type");
    if ((type == "Complete" || type == "Failed") && StringMember(condition, "status") == "True") {
      finished_at = api::ParseTimestamp(StringMember(condition, "lastTransitionTime"));
      if (!finished_at || *finished_at == 0) {
        return absl::FailedPreconditionError(
            base::StrCat("unable to find the time when the Job ", JobRef(job), " finished"));
      }
      break;
    }
  }
  if (!finished_at) {
    return absl::FailedPreconditionError(
        base::StrCat("unable to find the status of the finished Job ", JobRef(job)));
  }
  int64_t finished_nanos = *finished_at * base::kNanosPerSecond;
  if (finished_nanos > now_nanos) {
    Log()->warn(
        "Warning: Found Job {} finished in the future. This is likely due to time skew in the "
        "cluster. Job cleanup will be deferred.",
        JobRef(job));
  }
  int64_t ttl = *IntMember(Member(job, "spec"), "ttlSecondsAfterFinished");
  return finished_nanos + ttl * base::kNanosPerSecond - now_nanos;
}

TtlAfterFinishedController::TtlAfterFinishedController(ControllerContext& ctx)
    : ctx_(ctx),
      client_(ctx.ClientFor("ttl-after-finished-controller")),
      jobs_(ctx.informers.For(client::resources::Jobs())),
      queue_("ttl_jobs_to_delete"),
      gate_(std::make_shared<job::HandlerGate<TtlAfterFinishedController>>(this)) {
  auto gate = gate_;
  jobs_.AddHandler(
      client::EventHandler{[gate](const client::ObjectPtr& job) {
                             gate->Run([&](TtlAfterFinishedController& c) { c.OnJob(*job); });
                           },
                           [gate](const client::ObjectPtr&, const client::ObjectPtr& job) {
                             gate->Run([&](TtlAfterFinishedController& c) { c.OnJob(*job); });
                           },
                           nullptr});
}

TtlAfterFinishedController::~TtlAfterFinishedController() {
  gate_->Close();
  Stop();
}

absl::Status TtlAfterFinishedController::Start() {
  if (workers_ != nullptr) return absl::OkStatus();
  Log()->info("Starting TTL after finished controller");
  workers_ = std::make_unique<client::QueueWorkers>(
      queue_, [this](const std::string& key) { return ProcessJob(key); });
  workers_->Start(std::max<int32_t>(1, ctx_.workers));
  return absl::OkStatus();
}

void TtlAfterFinishedController::Stop() {
  queue_.ShutDown();
  if (workers_ != nullptr) workers_->Stop();
}

void TtlAfterFinishedController::OnJob(const json& job) {
  if (Member(Member(job, "metadata"), "deletionTimestamp").is_string() || !NeedsCleanup(job)) {
    return;
  }
  queue_.Add(client::ObjectKey(job));
}

absl::StatusOr<bool> TtlAfterFinishedController::ProcessTtl(const json& job) {
  // Jobs already being deleted, or without a TTL or not finished, are not ours to clean.
  if (Member(Member(job, "metadata"), "deletionTimestamp").is_string() || !NeedsCleanup(job)) {
    return false;
  }
  absl::StatusOr<int64_t> left = JobTimeLeftNanos(job, ctx_.clock.NowUnixNanos());
  if (!left.ok()) return left.status();
  if (*left <= 0) return true;
  queue_.AddAfter(client::ObjectKey(job),
                  std::chrono::milliseconds(job::NanosToDelayMillis(*left)));
  return false;
}

absl::Status TtlAfterFinishedController::ProcessJob(const std::string& key) {
  auto [namespace_name, name] = client::SplitObjectKey(key);
  client::ObjectPtr cached = jobs_.Get(namespace_name, name);
  if (cached == nullptr) return absl::OkStatus();
  absl::StatusOr<bool> expired = ProcessTtl(*cached);
  if (!expired.ok()) return expired.status();
  if (!*expired) return absl::OkStatus();

  // The cached TTL may be stale: check the latest Job before deleting it. (A new Job with the
  // same name is checked the same way.)
  absl::StatusOr<json> fresh = client_.Get(client::resources::Jobs(), namespace_name, name);
  if (api::IsNotFound(fresh.status())) return absl::OkStatus();
  if (!fresh.ok()) return fresh.status();
  expired = ProcessTtl(*fresh);
  if (!expired.ok()) return expired.status();
  if (!*expired) return absl::OkStatus();

  client::DeleteOptions options;
  options.propagation_policy = "Foreground";
  options.precondition_uid = StringMember(Member(*fresh, "metadata"), "uid");
  Log()->debug("Cleaning up Job {}", key);
  absl::Status status = client_.Delete(client::resources::Jobs(), namespace_name, name, options);
  return status;
}

}  // namespace k1s::controllers::ttl_after_finished
