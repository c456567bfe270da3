#pragma once
// The PodDisruptionBudget status the disruption controller writes (policy/v1
// PodDisruptionBudgetStatus), built over the stored object the way upstream's updatePdbStatus,
// failSafe and component-helpers' poddisruptionbudget helpers do: counts, disruptedPods,
// observedGeneration and the DisruptionAllowed condition (SufficientPods / InsufficientPods /
// SyncFailed) whose lastTransitionTime only moves when its status changes.
// Pure functions; thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace k1s::controllers::disruption {

inline constexpr char kDisruptionAllowedCondition[] = "DisruptionAllowed";
inline constexpr char kSufficientPodsReason[] = "SufficientPods";
inline constexpr char kInsufficientPodsReason[] = "InsufficientPods";
inline constexpr char kSyncFailedReason[] = "SyncFailed";

struct BudgetCounts {
  int32_t current_healthy = 0;
  int32_t desired_healthy = 0;
  int32_t expected_pods = 0;
  std::map<std::string, int64_t> disrupted_pods;  // pod name -> Unix seconds
};

// max(0, currentHealthy - desiredHealthy), and 0 while no pod is expected (so a budget whose
// first pods appear before this controller saw them stays safe).
int32_t DisruptionsAllowed(const BudgetCounts& counts);

// The status `pdb` should carry for `counts`, or nullopt when the stored one already says so
// (counts, disruptedPods, observedGeneration and an up-to-date condition).
std::optional<nlohmann::json> UpdatedStatus(const nlohmann::json& pdb, const BudgetCounts& counts,
                                            int64_t now_seconds);

// The status after a failed sync: the stored one with disruptionsAllowed 0 and DisruptionAllowed
// False / SyncFailed carrying `message`, so the eviction endpoint refuses while we cannot tell.
nlohmann::json FailSafeStatus(const nlohmann::json& pdb, std::string_view message,
                              int64_t now_seconds);

// apimeta.SetStatusCondition on a metav1.Condition array (made an array if it is not): adds the
// condition (lastTransitionTime now unless given) or updates the one of its type, moving
// lastTransitionTime only when the status changes. True when anything changed.
bool SetStatusCondition(nlohmann::json& conditions, const nlohmann::json& condition,
                        int64_t now_seconds);

}  // namespace k1s::controllers::disruption
