#pragma once
// Time and naming decisions of the CronJob controller (upstream pkg/controller/cronjob/utils.go):
// which scheduled time is due, how long to wait for the next one, and the Job made for a
// scheduled time. Stateless; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "controllers/cronjob/cron_schedule.h"

namespace k1s::controllers::cronjob {

inline constexpr std::string_view kScheduledTimestampAnnotation =
    "batch.kubernetes.io/cronjob-scheduled-timestamp";

enum class MissedSchedules { kNone, kFew, kMany };

struct ScheduleTimes {
  // status.lastScheduleTime, else the CronJob's creation (raised to now - startingDeadline
  // when asked to).
  absl::Time earliest;
  // The latest activation in (earliest, now], if any.
  std::optional<absl::Time> most_recent;
  MissedSchedules missed = MissedSchedules::kNone;
};

// Upstream's mostRecentScheduleTime; an error for schedules whose activations are less than a
// second apart (impossible dates like "59 23 31 2 *").
absl::StatusOr<ScheduleTimes> MostRecentScheduleTime(const nlohmann::json& cron_job, absl::Time now,
                                                     const CronSchedule& schedule,
                                                     bool include_starting_deadline);
// How long until the next activation after the most recent one, plus 100 ms of slack for clock
// skew (may be negative when an activation is already due).
absl::Duration NextScheduleTimeDuration(const nlohmann::json& cron_job, absl::Time now,
                                        const CronSchedule& schedule);

// "<cronjob>-<scheduled time in minutes since the epoch>".
std::string JobName(const nlohmann::json& cron_job, absl::Time scheduled);
// The Job for `scheduled`: the template's labels, annotations (plus the scheduled-timestamp
// annotation in the CronJob's zone, RFC 3339) and spec, controlled by the CronJob.
absl::StatusOr<nlohmann::json> JobFromTemplate(const nlohmann::json& cron_job,
                                               absl::Time scheduled);

// Go's RFC 3339 ("2006-01-02T15:04:05Z07:00") and RFC 1123Z formats.
std::string FormatRfc3339(absl::Time t, absl::TimeZone zone);
std::string FormatRfc1123Z(absl::Time t);
// Go's %q for plain strings.
std::string GoQuote(std::string_view text);

// status.active helpers.
bool InActiveList(const nlohmann::json& cron_job, std::string_view uid);
bool InActiveListByName(const nlohmann::json& cron_job, std::string_view namespace_name,
                        std::string_view name);
void DeleteFromActiveList(nlohmann::json& cron_job, std::string_view uid);
// {kind, namespace, name, uid, apiVersion, resourceVersion} of a Job.
nlohmann::json JobReference(const nlohmann::json& job);

}  // namespace k1s::controllers::cronjob
