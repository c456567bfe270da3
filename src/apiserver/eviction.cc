#include "apiserver/eviction.h"

#include <nlohmann/json.hpp>

#include "api/errors.h"
#include "api/label_selector.h"
#include "api/timestamps.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

constexpr char kBlockedMessage[] =
    "Cannot evict pod as it would violate the pod's disruption budget.";
constexpr int32_t kRetryAfterSeconds = 10;

const json& Member(const json& object, const char* name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

int64_t IntMember(const json& object, const char* name) {
  const json& value = Member(object, name);
  return value.is_number_integer() ? value.get<int64_t>() : 0;
}

std::string Phase(const json& pod) {
  const json& phase = Member(Member(pod, "status"), "phase");
  return phase.is_string() ? phase.get<std::string>() : "";
}

bool IsReady(const json& pod) {
  const json& conditions = Member(Member(pod, "status"), "conditions");
  if (!conditions.is_array()) return false;
  for (const json& condition : conditions) {
    if (Member(condition, "type") == "Ready") return Member(condition, "status") == "True";
  }
  return false;
}

// A budget covers the pod when its selector matches the pod's labels. In policy/v1 a missing
// selector covers nothing and an empty one ({}) covers every pod of the namespace.
bool Covers(const json& budget, const json& pod) {
  const json& selector = Member(Member(budget, "spec"), "selector");
  if (!selector.is_object()) return false;
  absl::StatusOr<api::LabelSelector> parsed = api::LabelSelector::FromJson(selector);
  if (!parsed.ok()) return false;
  return parsed->Matches(Member(Member(pod, "metadata"), "labels"));
}

absl::Status Blocked(std::string cause) {
  return api::TooManyRequestsError(kBlockedMessage, kRetryAfterSeconds,
                                   {{"DisruptionBudget", std::move(cause)}});
}

}  // namespace

absl::StatusOr<bool> PlanEviction(const json& pod, const std::vector<json>& budgets,
                                  int64_t now_seconds, json* budget_to_write) {
  // Pods that are not running hold no disruption: finished, pending or already terminating.
  const std::string phase = Phase(pod);
  if (phase == "Succeeded" || phase == "Failed" || phase == "Pending" ||
      Member(Member(pod, "metadata"), "deletionTimestamp").is_string()) {
    return false;
  }
  std::vector<const json*> covering;
  for (const json& budget : budgets) {
    if (Covers(budget, pod)) covering.push_back(&budget);
  }
  if (covering.empty()) return false;
  if (covering.size() > 1) {
    return api::InternalError(
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
        "support.");
  }
  const json& budget = *covering.front();
  const json& metadata = Member(budget, "metadata");
  const json& status = Member(budget, "status");
  const std::string name = Member(metadata, "name").is_string()
                               ? Member(metadata, "name").get<std::string>()
                               : std::string();
  const int64_t current_healthy = IntMember(status, "currentHealthy");
  const int64_t desired_healthy = IntMember(status, "desiredHealthy");
  // An unhealthy pod may go when the budget is already met (policy IfHealthyBudget, the
  // default) or always (AlwaysAllow): evicting it cannot make things worse.
  if (!IsReady(pod)) {
    const json& policy = Member(Member(budget, "spec"), "unhealthyPodEvictionPolicy");
    if (policy == "AlwaysAllow" || (current_healthy >= desired_healthy && desired_healthy > 0)) {
      return false;
    }
  }
  if (IntMember(status, "observedGeneration") < IntMember(metadata, "generation")) {
    return Blocked(
        base::StrCat("The disruption budget ", name, " is still being processed by the server."));
  }
  const int64_t allowed = IntMember(status, "disruptionsAllowed");
  if (allowed < 0) {
    api::ResourceType budgets_type;
    budgets_type.group = "policy";
    budgets_type.plural = "poddisruptionbudgets";
    // Upstream names the resource in the singular here.
    return api::ForbiddenError(
        budgets_type, name,
        base::StrCat("poddisruptionbudget.policy \"", name,
                     "\" is forbidden: pdb disruptions allowed is negative"));
  }
  if (allowed == 0) {
    return Blocked(base::StrCat("The disruption budget ", name, " needs ", desired_healthy,
                                " healthy pods and has ", current_healthy, " currently"));
  }
  json& updated = *budget_to_write;
  updated = budget;
  updated["status"]["disruptionsAllowed"] = allowed - 1;
  const json& pod_name = Member(Member(pod, "metadata"), "name");
  json& disrupted = updated["status"]["disruptedPods"];
  if (!disrupted.is_object()) disrupted = json::object();
  if (pod_name.is_string())
    disrupted[pod_name.get<std::string>()] = api::FormatTimestamp(now_seconds);
  return true;
}

}  // namespace k1s::apiserver
