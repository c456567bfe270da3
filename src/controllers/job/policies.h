#pragma once
// A Job's spec.podFailurePolicy and spec.successPolicy evaluated as upstream does
// (pkg/controller/job/pod_failure_policy.go, success_policy.go). Stateless; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "controllers/job/indexes.h"

namespace k1s::controllers::job {

struct FailurePolicyMatch {
  // Set when the pod matched a FailJob rule: the Job's failure message.
  std::optional<std::string> fail_job_message;
  // False when the pod matched an Ignore rule (not counted toward backoffLimit).
  bool count_failed = true;
  // The matched rule's action ("FailJob", "Ignore", "Count", "FailIndex"), if any.
  std::optional<std::string> action;
};

// Matches a failed pod against `policy` (spec.podFailurePolicy; null matches nothing): rules in
// order, onExitCodes against terminated non-zero containers (then init containers),
// onPodConditions against the pod's conditions.
FailurePolicyMatch MatchPodFailurePolicy(const nlohmann::json* policy, const nlohmann::json& pod);

// "Matched rules at index N" when spec.successPolicy (may be null) is met by `succeeded`.
std::optional<std::string> MatchSuccessPolicy(const nlohmann::json& success_policy,
                                              int32_t completions,
                                              const OrderedIntervals& succeeded);

}  // namespace k1s::controllers::job
