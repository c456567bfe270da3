#include "controllers/cronjob/cronjob_util.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/job/job_util.h"

namespace k1s::controllers::cronjob {

using job::IntMember;
using job::Member;
using job::StringMember;
using nlohmann::json;

namespace {

// Upstream's nextScheduleDelta.
const absl::Duration kNextScheduleDelta = absl::Milliseconds(100);

std::optional<absl::Time> TimestampMember(const json& object, std::string_view key) {
  std::optional<int64_t> seconds = api::ParseTimestamp(StringMember(object, key));
  if (!seconds) return std::nullopt;
  return absl::FromUnixSeconds(*seconds);
}

}  // namespace

absl::StatusOr<ScheduleTimes> MostRecentScheduleTime(const json& cron_job, absl::Time now,
                                                     const CronSchedule& schedule,
                                                     bool include_starting_deadline) {
  ScheduleTimes result;
  result.earliest = TimestampMember(Member(cron_job, "metadata"), "creationTimestamp")
                        .value_or(absl::UnixEpoch());
  if (std::optional<absl::Time> last =
          TimestampMember(Member(cron_job, "status"), "lastScheduleTime")) {
    result.earliest = *last;
  }
  std::optional<int64_t> deadline = IntMember(Member(cron_job, "spec"), "startingDeadlineSeconds");
  if (include_starting_deadline && deadline) {
    // Nothing before this point will be scheduled anyway.
    absl::Time scheduling_deadline = now - absl::Seconds(*deadline);
    if (scheduling_deadline > result.earliest) result.earliest = scheduling_deadline;
  }

  std::optional<absl::Time> t1 = schedule.Next(result.earliest);
  if (!t1 || now < *t1) return result;
  std::optional<absl::Time> t2 = schedule.Next(*t1);
  if (!t2 || now < *t2) {
    result.most_recent = t1;
    return result;
  }
  // Count roughly how many activations fit between t1 and now, jump close to the last one and
  // walk forward from there (also right for irregular schedules like "30 6-16/4 * * 1-5").
  int64_t between = static_cast<int64_t>(std::llround(absl::ToDoubleSeconds(*t2 - *t1)));
  if (between < 1) {
    return absl::InvalidArgumentError(
        "time difference between two schedules is less than 1 second");
  }
  int64_t elapsed = static_cast<int64_t>(absl::ToDoubleSeconds(now - *t1));
  int64_t missed = elapsed / between + 1;
  absl::Time potential_earliest = *t1 + absl::Seconds((missed - 2) * between);
  std::optional<absl::Time> most_recent;
  for (std::optional<absl::Time> t = schedule.Next(potential_earliest); t && *t <= now;
       t = schedule.Next(*t)) {
    most_recent = t;
  }
  if (missed > 100) {
    result.missed = MissedSchedules::kMany;
  } else if (missed > 0) {
    result.missed = MissedSchedules::kFew;
  }
  result.most_recent = most_recent;
  return result;
}

absl::Duration NextScheduleTimeDuration(const json& cron_job, absl::Time now,
                                        const CronSchedule& schedule) {
  absl::StatusOr<ScheduleTimes> times = MostRecentScheduleTime(cron_job, now, schedule, false);
  absl::Time from = now;
  if (times.ok()) {
    if (times->most_recent) {
      from = *times->most_recent;
    } else if (times->missed == MissedSchedules::kNone) {
      from = times->earliest;
    }
  }
  std::optional<absl::Time> next = schedule.Next(from);
  if (!next) return absl::Hours(24 * 365);  // nothing within five years: look again later
  return *next + kNextScheduleDelta - now;
}

std::string JobName(const json& cron_job, absl::Time scheduled) {
  return base::StrCat(StringMember(Member(cron_job, "metadata"), "name"), "-",
                      absl::ToUnixSeconds(scheduled) / 60);
}

absl::StatusOr<json> JobFromTemplate(const json& cron_job, absl::Time scheduled) {
  const json& job_template = Member(Member(cron_job, "spec"), "jobTemplate");
  const json& template_metadata = Member(job_template, "metadata");
  json labels = Member(template_metadata, "labels").is_object() ? template_metadata["labels"]
                                                                : json::object();
  json annotations = Member(template_metadata, "annotations").is_object()
                         ? template_metadata["annotations"]
                         : json::object();
  // The annotation uses the CronJob's zone; without one, UTC (Go's LoadLocation("")).
  absl::StatusOr<absl::TimeZone> zone =
      LoadZone(StringMember(Member(cron_job, "spec"), "timeZone"));
  if (!zone.ok()) return zone.status();
  annotations[kScheduledTimestampAnnotation] = FormatRfc3339(scheduled, *zone);

  const json& metadata = Member(cron_job, "metadata");
  json job = {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata",
       {{"name", JobName(cron_job, scheduled)},
        {"namespace", StringMember(metadata, "namespace")},
        {"ownerReferences", json::array({MakeControllerRef(cron_job, "batch/v1", "CronJob")})}}},
      {"spec", Member(job_template, "spec").is_object() ? job_template["spec"] : json::object()}};
  if (!labels.empty()) job["metadata"]["labels"] = std::move(labels);
  job["metadata"]["annotations"] = std::move(annotations);
  return job;
}

std::string FormatRfc3339(absl::Time t, absl::TimeZone zone) {
  absl::TimeZone::CivilInfo info = zone.At(t);
  std::string text = absl::FormatTime("%Y-%m-%dT%H:%M:%S", t, zone);
  if (info.offset == 0) return text + "Z";
  return text + absl::FormatTime("%Ez", t, zone);
}

std::string FormatRfc1123Z(absl::Time t) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", t, absl::UTCTimeZone());
}

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bool InActiveList(const json& cron_job, std::string_view uid) {
  const json& active = Member(Member(cron_job, "status"), "active");
  if (!active.is_array()) return false;
  for (const json& ref : active) {
    if (StringMember(ref, "uid") == uid) return true;
  }
  return false;
}

bool InActiveListByName(const json& cron_job, std::string_view namespace_name,
                        std::string_view name) {
  const json& active = Member(Member(cron_job, "status"), "active");
  if (!active.is_array()) return false;
  for (const json& ref : active) {
    if (StringMember(ref, "name") == name && StringMember(ref, "namespace") == namespace_name) {
      return true;
    }
  }
  return false;
}

void DeleteFromActiveList(json& cron_job, std::string_view uid) {
  if (!cron_job.is_object()) return;
  json& status = cron_job["status"];
  if (!status.is_object()) status = json::object();
  json kept = json::array();
  if (status["active"].is_array()) {
    for (const json& ref : status["active"]) {
      if (StringMember(ref, "uid") != uid) kept.push_back(ref);
    }
  }
  status["active"] = std::move(kept);
}

json JobReference(const json& job) {
  const json& metadata = Member(job, "metadata");
  json ref = {{"kind", "Job"}, {"apiVersion", "batch/v1"}};
  for (const char* key : {"namespace", "name", "uid", "resourceVersion"}) {
    if (Member(metadata, key).is_string()) ref[key] = metadata[key];
  }
  return ref;
}

}  // namespace k1s::controllers::cronjob
