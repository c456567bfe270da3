#pragma once
// The arithmetic of upstream's disruption controller (pkg/controller/disruption, v1.32) over
// JSON objects: int-or-percent scaling, which entries of status.disruptedPods still hold, how
// many pods count as healthy, and when a pod's DisruptionTarget condition has gone stale. Also
// the few Go formatting quirks its Event messages carry. Pure functions; thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "client/informer.h"

namespace k1s::controllers::disruption {

// How long an entry of status.disruptedPods may wait for its pod to be marked for deletion
// (upstream's DeletionTimeout).
inline constexpr int64_t kDeletionTimeoutNanos = 120 * base::kNanosPerSecond;
// How long a DisruptionTarget=True condition may sit on a pod that is not terminating
// (upstream's stalePodDisruptionTimeout).
inline constexpr int64_t kStalePodDisruptionTimeoutNanos = 120 * base::kNanosPerSecond;

// JSON accessors that never throw: a missing member or a non-object gives null / "" / nullopt.
const nlohmann::json& Field(const nlohmann::json& object, std::string_view name);
std::string StringField(const nlohmann::json& object, std::string_view name);
std::optional<int64_t> IntField(const nlohmann::json& object, std::string_view name);
std::string MetaString(const nlohmann::json& object, std::string_view name);  // metadata.<name>

// intstr.GetScaledValueFromIntOrPercent: an integer as is, "N%" of `total` rounded up or down.
// Errors carry upstream's text ("invalid value for IntOrString: invalid type: string is not a
// percentage").
absl::StatusOr<int32_t> ScaledValue(const nlohmann::json& int_or_percent, int32_t total,
                                    bool round_up);

// How Go prints a *metav1.LabelSelector with %v: "&LabelSelector{MatchLabels:map[string]string{
// app: web,},MatchExpressions:[]LabelSelectorRequirement{},}"; "nil" for a missing selector.
std::string GoSelectorString(const nlohmann::json& selector);
// Go's %q of a string.
std::string GoQuote(std::string_view text);

// status.disruptedPods after dropping entries whose pod is gone, already being deleted, or was
// expected to be deleted DeletionTimeout ago.
struct DisruptedPods {
  std::map<std::string, int64_t> kept;      // pod name -> disruption time (Unix seconds)
  std::optional<int64_t> recheck_at_nanos;  // when the earliest kept entry expires
  std::vector<client::ObjectPtr> expired;   // pods that should have been deleted by now
};
DisruptedPods BuildDisruptedPods(const std::vector<client::ObjectPtr>& pods,
                                 const nlohmann::json& pdb, int64_t now_nanos);

// Ready pods that are neither being deleted nor recently disrupted (countHealthyPods).
int32_t CountHealthyPods(const std::vector<client::ObjectPtr>& pods,
                         const std::map<std::string, int64_t>& disrupted, int64_t now_nanos);

// For a pod whose DisruptionTarget=True condition may go stale (not terminating, not terminal,
// not set by the kubelet): nanoseconds until it is stale (0 = already). nullopt otherwise.
std::optional<int64_t> StaleDisruptionWait(const nlohmann::json& pod, int64_t now_nanos,
                                           int64_t timeout_nanos);

}  // namespace k1s::controllers::disruption
