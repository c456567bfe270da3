#include "api/timestamps.h"

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace k1s::api {

std::string FormatTimestamp(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

std::optional<int64_t> ParseTimestamp(std::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, absl::string_view(text.data(), text.size()), &time,
                       &error)) {
    return std::nullopt;
  }
  return absl::ToUnixSeconds(time);
}

std::string FormatMicroTimestamp(int64_t unix_nanos) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixNanos(unix_nanos),
                          absl::UTCTimeZone());
}

}  // namespace k1s::api
