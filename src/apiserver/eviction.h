#pragma once
// The rules of pods/eviction (policy/v1 Eviction), as kube-apiserver applies them: an eviction
// deletes the pod unless a PodDisruptionBudget covering it has no disruption left, in which case
// it answers 429 and the caller (kubectl drain) retries. Pure decisions over JSON; the resource
// handler does the reads and writes. Thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "absl/status/statusor.h"

namespace k1s::apiserver {

// Decides the eviction of `pod` given every PodDisruptionBudget of its namespace (`budgets`,
// stored objects). Returns true when a budget is involved: `budget` then holds it with one
// disruption taken (status.disruptionsAllowed - 1, the pod recorded in status.disruptedPods), to
// be written with its resourceVersion as precondition before the pod is deleted. False: delete
// the pod, no budget involved (none covers it, or it is not running or not healthy).
// Errors are the API errors upstream answers: 429 TooManyRequests when a budget allows no
// disruption now or has not been processed yet, 403 when its count is negative, 500 when several
// budgets cover the pod. `now_seconds` stamps status.disruptedPods.
absl::StatusOr<bool> PlanEviction(const nlohmann::json& pod,
                                  const std::vector<nlohmann::json>& budgets, int64_t now_seconds,
                                  nlohmann::json* budget);

}  // namespace k1s::apiserver
