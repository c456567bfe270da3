#pragma once
// Kubernetes' human-readable durations (k8s.io/apimachinery/pkg/util/duration), used for the
// AGE-style cells of server-side tables. Pure functions; thread-safe.
#include <cstdint>
#include <string>

namespace k1s::api {

// ~2-3 significant figures: "45s", "119s", "2m3s", "15m", "3h20m", "30h", "2d5h", "45d", "2y45d",
// "9y". Up to one second in the future prints "0s" (clock skew); further is "<invalid>".
std::string HumanDuration(int64_t seconds);

// One unit only: "45s", "3m", "5h", "12d", "2y". Same handling of future times.
std::string ShortHumanDuration(int64_t seconds);

}  // namespace k1s::api
