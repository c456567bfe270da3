#pragma once
// Kubernetes timestamps (metav1.Time): RFC 3339 in UTC with second precision,
// "2026-11-22T22:10:42Z". Conversions use int64 seconds so they hold past 2038 on 32-bit ARM.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace k1s::api {

// "1970-01-01T00:00:00Z" style for a Unix time in seconds.
std::string FormatTimestamp(int64_t unix_seconds);

// Parses RFC 3339 ("2026-11-22T22:10:42Z", "…T22:10:42.123456Z", "…T23:10:42+01:00");
// fractional seconds are dropped. nullopt when malformed.
std::optional<int64_t> ParseTimestamp(std::string_view text);

// "2026-11-22T22:10:42.123456Z": metav1.MicroTime, used by events.k8s.io and leases.
std::string FormatMicroTimestamp(int64_t unix_nanos);

}  // namespace k1s::api
