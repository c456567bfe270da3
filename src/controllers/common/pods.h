#pragma once
// Pod facts every workload controller needs, as upstream's podutil computes them.
// Stateless; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace k1s::controllers {

// status.conditions[type=Ready].status == "True".
bool IsPodReady(const nlohmann::json& pod);
// Ready for at least `min_ready_seconds` at `now_unix_seconds` (the Ready condition's
// lastTransitionTime).
bool IsPodAvailable(const nlohmann::json& pod, int32_t min_ready_seconds,
                    int64_t now_unix_seconds);
// Not Succeeded, not Failed and not being deleted: counts toward a controller's replicas.
bool IsPodActive(const nlohmann::json& pod);
// Phase Succeeded or Failed.
bool IsPodTerminal(const nlohmann::json& pod);
bool IsBeingDeleted(const nlohmann::json& object);  // metadata.deletionTimestamp set
// The condition of `type` in status.conditions, or null.
const nlohmann::json* FindCondition(const nlohmann::json& object, std::string_view type);
// The object's creationTimestamp in Unix seconds (0 when missing).
int64_t CreationSeconds(const nlohmann::json& object);

}  // namespace k1s::controllers
