#include "api/human_duration.h"

#include "absl/strings/str_cat.h"

namespace k1s::api {
namespace {

constexpr int64_t kMinute = 60;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kYear = 365 * kDay;

// Renders `major` with `major_unit`, followed by `minor` with `minor_unit` unless it is zero.
std::string TwoUnits(int64_t major, const char* major_unit, int64_t minor, const char* minor_unit) {
  if (minor == 0) return absl::StrCat(major, major_unit);
  return absl::StrCat(major, major_unit, minor, minor_unit);
}

}  // namespace

std::string HumanDuration(int64_t seconds) {
  // Up to a second in the future is tolerated as clock skew between machines.
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 2 * kMinute) return absl::StrCat(seconds, "s");
  const int64_t minutes = seconds / kMinute;
  if (minutes < 10) return TwoUnits(minutes, "m", seconds % kMinute, "s");
  if (minutes < 3 * 60) return absl::StrCat(minutes, "m");
  const int64_t hours = seconds / kHour;
  if (hours < 8) return TwoUnits(hours, "h", minutes % 60, "m");
  if (hours < 48) return absl::StrCat(hours, "h");
  const int64_t days = seconds / kDay;
  if (days < 8) return TwoUnits(days, "d", hours % 24, "h");
  if (days < 2 * 365) return absl::StrCat(days, "d");
  const int64_t years = seconds / kYear;
  if (years < 8) return TwoUnits(years, "y", days % 365, "d");
  return absl::StrCat(years, "y");
}

std::string ShortHumanDuration(int64_t seconds) {
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < kMinute) return absl::StrCat(seconds, "s");
  if (seconds < kHour) return absl::StrCat(seconds / kMinute, "m");
  if (seconds < kDay) return absl::StrCat(seconds / kHour, "h");
  if (seconds < kYear) return absl::StrCat(seconds / kDay, "d");
  return absl::StrCat(seconds / kYear, "y");
}

}  // namespace k1s::api
