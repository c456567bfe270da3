#pragma once
// CronJob schedules as upstream parses them (robfig/cron/v3 ParseStandard): five fields
// (minute hour day-of-month month day-of-week, with ranges, steps, lists and month/day names),
// the descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly, "@every <Go
// duration>", and an optional "TZ=<zone> " / "CRON_TZ=<zone> " prefix. Next() walks civil time
// in the schedule's zone exactly like robfig's SpecSchedule.Next, including its handling of
// daylight-saving transitions and its five-year search limit.
//
// (src/api's validator checks the same grammar but keeps no parsed form, so it cannot compute
// activation times; this class is the one that does.)
//
// An immutable value; thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace k1s::controllers::cronjob {

class CronSchedule {
 public:
  // `zone` applies unless the spec has a TZ= prefix (robfig's default is the local zone).
  static absl::StatusOr<CronSchedule> Parse(std::string_view spec, absl::TimeZone zone);

  // The first activation strictly after `t` (at whole-second precision); nullopt when there is
  // none within five years (e.g. "0 0 30 2 *").
  std::optional<absl::Time> Next(absl::Time t) const;

 private:
  CronSchedule() = default;

  // Bit i set when value i matches; kStarBit when the field was "*" or "?" (day matching).
  uint64_t second_ = 0;
  uint64_t minute_ = 0;
  uint64_t hour_ = 0;
  uint64_t dom_ = 0;
  uint64_t month_ = 0;
  uint64_t dow_ = 0;
  absl::TimeZone zone_;
  // "@every": a constant delay (whole seconds, at least one) instead of the fields.
  std::optional<absl::Duration> every_;
};

// Loads an IANA zone ("UTC" and "" mean UTC, as Go's time.LoadLocation).
absl::StatusOr<absl::TimeZone> LoadZone(std::string_view name);

}  // namespace k1s::controllers::cronjob
