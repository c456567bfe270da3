#include "controllers/job/policies.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "controllers/job/job_util.h"

namespace k1s::controllers::job {

using nlohmann::json;

namespace {

bool ExitCodeMatches(int64_t exit_code, const json& requirement) {
  std::string op = StringMember(requirement, "operator");
  const json& values = Member(requirement, "values");
  bool listed = false;
  if (values.is_array()) {
    for (const json& value : values) {
      if (value.is_number_integer() && value.get<int64_t>() == exit_code) listed = true;
    }
  }
  if (op == "In") return listed;
  if (op == "NotIn") return !listed;
  return false;
}

// The first terminated, non-zero container of `statuses` matching `requirement`, or null.
const json* MatchingContainer(const json& statuses, const json& requirement) {
  if (!statuses.is_array()) return nullptr;
  const json& container_name = Member(requirement, "containerName");
  for (const json& status : statuses) {
    const json& terminated = Member(Member(status, "state"), "terminated");
    if (!terminated.is_object()) continue;  // still running: no exit code to match
    if (container_name.is_string() &&
        container_name.get<std::string>() != StringMember(status, "name")) {
      continue;
    }
    int64_t exit_code = IntMember(terminated, "exitCode").value_or(0);
    if (exit_code != 0 && ExitCodeMatches(exit_code, requirement)) return &status;
  }
  return nullptr;
}

const json* MatchingCondition(const json& pod, const json& patterns) {
  const json& conditions = Member(Member(pod, "status"), "conditions");
  if (!conditions.is_array() || !patterns.is_array()) return nullptr;
  for (const json& condition : conditions) {
    for (const json& pattern : patterns) {
      if (StringMember(condition, "type") == StringMember(pattern, "type") &&
          StringMember(condition, "status") == StringMember(pattern, "status")) {
        return &condition;
      }
    }
  }
  return nullptr;
}

// The result of a matched rule's `action`; nullopt for an unknown action (the next rule is
// tried, as upstream's switch falls through).
std::optional<FailurePolicyMatch> ApplyAction(const std::string& action,
                                              const std::string& fail_message) {
  FailurePolicyMatch match;
  if (action == "Ignore") {
    match.count_failed = false;
  } else if (action == "FailIndex" || action == "Count") {
    match.count_failed = true;
  } else if (action == "FailJob") {
    match.fail_job_message = fail_message;
  } else {
    return std::nullopt;
  }
  match.action = action;
  return match;
}

}  // namespace

FailurePolicyMatch MatchPodFailurePolicy(const json* policy, const json& pod) {
  if (policy == nullptr) return {};
  const json& rules = Member(*policy, "rules");
  if (!rules.is_array()) return {};
  const json& metadata = Member(pod, "metadata");
  std::string pod_ref =
      base::StrCat(StringMember(metadata, "namespace"), "/", StringMember(metadata, "name"));
  for (size_t index = 0; index < rules.size(); ++index) {
    const json& rule = rules[index];
    std::string action = StringMember(rule, "action");
    const json& on_exit_codes = Member(rule, "onExitCodes");
    const json& on_conditions = Member(rule, "onPodConditions");
    if (on_exit_codes.is_object()) {
      const json* container =
          MatchingContainer(Member(Member(pod, "status"), "containerStatuses"), on_exit_codes);
      if (container == nullptr) {
        container = MatchingContainer(Member(Member(pod, "status"), "initContainerStatuses"),
                                      on_exit_codes);
      }
      if (container == nullptr) continue;
      int64_t exit_code =
          IntMember(Member(Member(*container, "state"), "terminated"), "exitCode").value_or(0);
      std::string message = base::StrCat("Container ", StringMember(*container, "name"),
                                         " for pod ", pod_ref, " failed with exit code ", exit_code,
                                         " matching ", action, " rule at index ", index);
      if (std::optional<FailurePolicyMatch> match = ApplyAction(action, message)) return *match;
    } else if (on_conditions.is_array()) {
      const json* condition = MatchingCondition(pod, on_conditions);
      if (condition == nullptr) continue;
      std::string message =
          base::StrCat("Pod ", pod_ref, " has condition ", StringMember(*condition, "type"),
                       " matching ", action, " rule at index ", index);
      if (std::optional<FailurePolicyMatch> match = ApplyAction(action, message)) return *match;
    }
  }
  return {};
}

std::optional<std::string> MatchSuccessPolicy(const json& success_policy, int32_t completions,
                                              const OrderedIntervals& succeeded) {
  const json& rules = Member(success_policy, "rules");
  if (!rules.is_array() || succeeded.Empty()) return std::nullopt;
  for (size_t index = 0; index < rules.size(); ++index) {
    const json& rule = rules[index];
    std::optional<int64_t> count = IntMember(rule, "succeededCount");
    int32_t count32 = static_cast<int32_t>(count.value_or(0));
    const json& indexes = Member(rule, "succeededIndexes");
    if (indexes.is_string()) {
      OrderedIntervals required = OrderedIntervals::Parse(indexes.get<std::string>(), completions);
      if (required.Empty()) continue;
      if (MatchesSucceededIndexesRule(required, succeeded, count ? &count32 : nullptr)) {
        return base::StrCat("Matched rules at index ", index);
      }
    } else if (count && succeeded.Total() >= count32) {
      return base::StrCat("Matched rules at index ", index);
    }
  }
  return std::nullopt;
}

}  // namespace k1s::controllers::job
