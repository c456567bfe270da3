// Cron schedules (robfig/cron v3 semantics) and the CronJob controller's time decisions.
#include "controllers/cronjob/cron_schedule.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "controllers/cronjob/cronjob_util.h"

namespace k1s::controllers::cronjob {
namespace {

using nlohmann::json;

absl::Time Utc(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

std::string NextUtc(const std::string& spec, absl::Time from,
                    absl::TimeZone zone = absl::UTCTimeZone()) {
  absl::StatusOr<CronSchedule> schedule = CronSchedule::Parse(spec, zone);
  if (!schedule.ok()) return "error: " + std::string(schedule.status().message());
  std::optional<absl::Time> next = schedule->Next(from);
  if (!next) return "never";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *next, absl::UTCTimeZone());
}

TEST(CronScheduleTest, StandardFields) {
  absl::Time t = Utc(2024, 3, 15, 10, 7, 30);  // a Friday
  EXPECT_EQ(NextUtc("* * * * *", t), "2024-03-15T10:08:00Z");
  EXPECT_EQ(NextUtc("*/15 * * * *", t), "2024-03-15T10:15:00Z");
  EXPECT_EQ(NextUtc("5 * * * *", t), "2024-03-15T11:05:00Z");
  EXPECT_EQ(NextUtc("0 9-17/4 * * *", t), "2024-03-15T13:00:00Z");
  EXPECT_EQ(NextUtc("30 6 * * mon-fri", t), "2024-03-18T06:30:00Z");
  EXPECT_EQ(NextUtc("0 0 1 jan *", t), "2025-01-01T00:00:00Z");
  EXPECT_EQ(NextUtc("0 0 29 2 *", t), "2028-02-29T00:00:00Z");
  EXPECT_EQ(NextUtc("0 12 1,15 * *", t), "2024-03-15T12:00:00Z");
  EXPECT_EQ(NextUtc("0 8 1,15 * *", t), "2024-04-01T08:00:00Z");
  // Day-of-month and day-of-week both restricted: either matches.
  EXPECT_EQ(NextUtc("0 0 20 * 1", t), "2024-03-18T00:00:00Z");
  // Exactly on an activation: the next one.
  EXPECT_EQ(NextUtc("0 * * * *", Utc(2024, 3, 15, 10, 0)), "2024-03-15T11:00:00Z");
  // Impossible dates never fire.
  EXPECT_EQ(NextUtc("0 0 30 2 *", t), "never");
}

TEST(CronScheduleTest, Descriptors) {
  absl::Time t = Utc(2024, 3, 15, 10, 7, 30);
  EXPECT_EQ(NextUtc("@yearly", t), "2025-01-01T00:00:00Z");
  EXPECT_EQ(NextUtc("@annually", t), "2025-01-01T00:00:00Z");
  EXPECT_EQ(NextUtc("@monthly", t), "2024-04-01T00:00:00Z");
  EXPECT_EQ(NextUtc("@weekly", t), "2024-03-17T00:00:00Z");
  EXPECT_EQ(NextUtc("@daily", t), "2024-03-16T00:00:00Z");
  EXPECT_EQ(NextUtc("@midnight", t), "2024-03-16T00:00:00Z");
  EXPECT_EQ(NextUtc("@hourly", t), "2024-03-15T11:00:00Z");
  EXPECT_EQ(NextUtc("@every 90s", t), "2024-03-15T10:09:00Z");
}

TEST(CronScheduleTest, TimeZones) {
  absl::TimeZone new_york;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &new_york));
  absl::Time t = Utc(2024, 3, 15, 10, 7, 30);
  // 09:00 in New York (EDT, UTC-4) is 13:00 UTC.
  EXPECT_EQ(NextUtc("0 9 * * *", t, new_york), "2024-03-15T13:00:00Z");
  EXPECT_EQ(NextUtc("TZ=America/New_York 0 9 * * *", t), "2024-03-15T13:00:00Z");
  EXPECT_EQ(NextUtc("CRON_TZ=Asia/Tokyo 0 9 * * *", t), "2024-03-16T00:00:00Z");
  // Across the spring-forward gap (2024-03-10 02:00 EST -> 03:00 EDT).
  EXPECT_EQ(NextUtc("0 3 * * *", Utc(2024, 3, 9, 12, 0), new_york), "2024-03-10T07:00:00Z");
  EXPECT_EQ(NextUtc("0 1 * * *", Utc(2024, 11, 2, 12, 0), new_york), "2024-11-03T05:00:00Z");
  EXPECT_TRUE(absl::IsInvalidArgument(LoadZone("Mars/Olympus").status()));
}

TEST(CronScheduleTest, ErrorsAsRobfig) {
  auto error = [](const std::string& spec) {
    absl::StatusOr<CronSchedule> schedule = CronSchedule::Parse(spec, absl::UTCTimeZone());
    return schedule.ok() ? std::string("ok") : std::string(schedule.status().message());
  };
  EXPECT_EQ(error(""), "empty spec string");
  EXPECT_EQ(error("* * * *"), "expected exactly 5 fields, found 4: [* * * *]");
  EXPECT_EQ(error("61 * * * *"), "end of range (61) above maximum (59): 61");
  EXPECT_EQ(error("@fortnightly"), "unrecognized descriptor: @fortnightly");
  EXPECT_EQ(error("*/0 * * * *"), "step of range should be a positive number: */0");
  EXPECT_EQ(error("5-1 * * * *"), "beginning of range (5) beyond end of range (1): 5-1");
  EXPECT_EQ(error("TZ=Nowhere/City * * * * *").rfind("provided bad location Nowhere/City", 0), 0u);
}

json CronJob(const std::string& schedule, const std::string& created, json status = json::object(),
             json extra_spec = json::object()) {
  json spec = {{"schedule", schedule},
               {"jobTemplate",
                {{"metadata", {{"labels", {{"team", "a"}}}, {"annotations", {{"note", "n"}}}}},
                 {"spec", {{"template", {{"spec", {{"restartPolicy", "Never"}}}}}}}}}};
  spec.update(extra_spec);
  return {{"metadata",
           {{"name", "cj"}, {"namespace", "ns"}, {"uid", "u1"}, {"creationTimestamp", created}}},
          {"spec", spec},
          {"status", status}};
}

TEST(ScheduleTimesTest, MostRecentAndNext) {
  CronSchedule every_minute = *CronSchedule::Parse("* * * * *", absl::UTCTimeZone());
  json fresh = CronJob("* * * * *", "2024-03-15T10:00:30Z");
  // Nothing due yet.
  absl::StatusOr<ScheduleTimes> none =
      MostRecentScheduleTime(fresh, Utc(2024, 3, 15, 10, 0, 50), every_minute, true);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->most_recent.has_value());
  EXPECT_EQ(NextScheduleTimeDuration(fresh, Utc(2024, 3, 15, 10, 0, 50), every_minute),
            absl::Seconds(10) + absl::Milliseconds(100));
  // Several missed: the latest one.
  absl::StatusOr<ScheduleTimes> few =
      MostRecentScheduleTime(fresh, Utc(2024, 3, 15, 10, 5, 10), every_minute, true);
  ASSERT_TRUE(few.ok());
  EXPECT_EQ(*few->most_recent, Utc(2024, 3, 15, 10, 5));
  EXPECT_EQ(few->missed, MissedSchedules::kFew);
  // Far too many: flagged.
  absl::StatusOr<ScheduleTimes> many =
      MostRecentScheduleTime(fresh, Utc(2024, 3, 16, 10, 0, 10), every_minute, true);
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->missed, MissedSchedules::kMany);
  EXPECT_EQ(*many->most_recent, Utc(2024, 3, 16, 10, 0));
  // lastScheduleTime wins over creation; startingDeadlineSeconds moves the earliest time.
  json scheduled =
      CronJob("* * * * *", "2024-03-15T10:00:30Z", {{"lastScheduleTime", "2024-03-15T10:05:00Z"}},
              {{"startingDeadlineSeconds", 30}});
  absl::StatusOr<ScheduleTimes> late =
      MostRecentScheduleTime(scheduled, Utc(2024, 3, 15, 10, 9, 40), every_minute, true);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->most_recent.has_value());  // 10:09 is more than 30 s ago
  absl::StatusOr<ScheduleTimes> impossible = MostRecentScheduleTime(
      fresh, Utc(2030, 1, 1, 0, 0), *CronSchedule::Parse("@every 1s", absl::UTCTimeZone()), true);
  EXPECT_TRUE(impossible.ok());
}

TEST(JobFromTemplateTest, NameAnnotationsAndOwner) {
  json cron_job =
      CronJob("0 * * * *", "2024-03-15T10:00:30Z", json::object(), {{"timeZone", "Asia/Tokyo"}});
  absl::StatusOr<json> job = JobFromTemplate(cron_job, Utc(2024, 3, 15, 11, 0));
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ((*job)["metadata"]["name"], "cj-28508340");
  EXPECT_EQ((*job)["metadata"]["labels"]["team"], "a");
  EXPECT_EQ((*job)["metadata"]["annotations"]["note"], "n");
  EXPECT_EQ((*job)["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"],
            "2024-03-15T20:00:00+09:00");
  EXPECT_EQ((*job)["metadata"]["ownerReferences"][0]["kind"], "CronJob");
  EXPECT_EQ((*job)["metadata"]["ownerReferences"][0]["uid"], "u1");
  EXPECT_EQ((*job)["spec"]["template"]["spec"]["restartPolicy"], "Never");
  cron_job["spec"].erase("timeZone");
  job = JobFromTemplate(cron_job, Utc(2024, 3, 15, 11, 0));
  EXPECT_EQ((*job)["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"],
            "2024-03-15T11:00:00Z");
  EXPECT_EQ(FormatRfc1123Z(Utc(2024, 3, 15, 11, 0)), "Fri, 15 Mar 2024 11:00:00 +0000");
}

}  // namespace
}  // namespace k1s::controllers::cronjob
