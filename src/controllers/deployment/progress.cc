// Rollout status (upstream progress.go): the Progressing condition (NewReplicaSetAvailable once
// complete, ReplicaSetUpdated while progressing, ProgressDeadlineExceeded when nothing moved for
// progressDeadlineSeconds), ReplicaFailure promoted from the ReplicaSets, and a timed recheck
// for a rollout that might be stuck.
#include <chrono>
#include <nlohmann/json.hpp>
#include <vector>

#include "api/timestamps.h"
#include "base/strings.h"
#include "controllers/deployment/deployment_controller_impl.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace wl = workload;
namespace du = deployment;
using RsPtr = du::RsPtr;
using RsList = du::RsList;

// "ReplicaSet \"x\" <what>" or, without a new ReplicaSet, "Deployment \"d\" <what>".
std::string ProgressMessage(const json& d, const RsPtr& new_rs, std::string_view what) {
  if (new_rs) return base::StrCat("ReplicaSet \"", wl::NameOf(*new_rs), "\" ", what);
  return base::StrCat("Deployment \"", wl::NameOf(d), "\" ", what);
}

// The ReplicaFailure conditions of the new ReplicaSet, else of any ReplicaSet, as
// Deployment conditions.
std::vector<json> ReplicaFailures(const RsList& all_rss, const RsPtr& new_rs) {
  auto collect = [](const json& rs, std::vector<json>& out) {
    const json& conditions = wl::Path(rs, {"status", "conditions"});
    if (!conditions.is_array()) return;
    for (const json& condition : conditions) {
      if (wl::Member(condition, "type") != std::string(du::kReplicaFailure)) continue;
      json converted = json::object();
      for (const char* field : {"type", "status", "reason", "message"}) {
        const json& value = wl::Member(condition, field);
        if (!value.is_null()) converted[field] = value;
      }
      const json& transition = wl::Member(condition, "lastTransitionTime");
      if (!transition.is_null()) {
        converted["lastTransitionTime"] = transition;
        converted["lastUpdateTime"] = transition;
      }
      out.push_back(std::move(converted));
    }
  };
  std::vector<json> out;
  if (new_rs) collect(*new_rs, out);
  if (!out.empty()) return out;
  for (const RsPtr& rs : all_rss) {
    if (rs) collect(*rs, out);
  }
  return out;
}

}  // namespace

absl::Status DeploymentController::Impl::SyncRolloutStatus(const RsList& all_rss,
                                                           const RsPtr& new_rs, json& d) {
  json status = CalculateStatus(all_rss, new_rs, d);
  if (!du::HasProgressDeadline(d)) du::RemoveCondition(status, du::kProgressing);

  const json* found = du::GetCondition(wl::Member(d, "status"), du::kProgressing);
  const json current = found ? *found : json();
  // Once complete, a resync of the same template estimates no progress at all.
  const bool complete_already =
      wl::Int64Of(wl::Member(status, "replicas")) ==
          wl::Int64Of(wl::Member(status, "updatedReplicas")) &&
      !current.is_null() && wl::Member(current, "reason") == std::string(du::kNewRSAvailableReason);
  if (du::HasProgressDeadline(d) && !complete_already) {
    const int64_t now = NowSeconds();
    if (du::DeploymentComplete(d, status)) {
      du::SetCondition(
          status,
          du::NewCondition(du::kProgressing, "True", du::kNewRSAvailableReason,
                           ProgressMessage(d, new_rs, "has successfully progressed."), now));
    } else if (du::DeploymentProgressing(d, status)) {
      // Progress refreshes lastUpdateTime even with the same reason (SetCondition alone would
      // keep the old condition), keeping lastTransitionTime while the status stays True.
      json condition = du::NewCondition(du::kProgressing, "True", du::kReplicaSetUpdatedReason,
                                        ProgressMessage(d, new_rs, "is progressing."), now);
      if (!current.is_null()) {
        if (wl::Member(current, "status") == "True") {
          condition["lastTransitionTime"] = wl::Member(current, "lastTransitionTime");
        }
        du::RemoveCondition(status, du::kProgressing);
      }
      du::SetCondition(status, std::move(condition));
    } else if (du::DeploymentTimedOut(d, status, now)) {
      du::SetCondition(
          status, du::NewCondition(du::kProgressing, "False", du::kTimedOutReason,
                                   ProgressMessage(d, new_rs, "has timed out progressing."), now));
    }
  }

  std::vector<json> failures = ReplicaFailures(all_rss, new_rs);
  if (!failures.empty()) {
    du::SetCondition(status, failures.front());
  } else {
    du::RemoveCondition(status, du::kReplicaFailure);
  }

  if (wl::WithoutZero(wl::Member(d, "status")) == wl::WithoutZero(status)) {
    RequeueStuckDeployment(d, status);
    return absl::OkStatus();
  }
  d["status"] = std::move(status);
  return UpdateDeploymentStatus(d);
}

void DeploymentController::Impl::RequeueStuckDeployment(const json& d, const json& new_status) {
  const json* current = du::GetCondition(wl::Member(d, "status"), du::kProgressing);
  if (!du::HasProgressDeadline(d) || current == nullptr) return;
  if (du::DeploymentComplete(d, new_status) ||
      wl::Member(*current, "reason") == std::string(du::kTimedOutReason)) {
    return;
  }
  // No sign of progress: check again when the deadline would pass (lastUpdateTime +
  // progressDeadlineSeconds), since nothing else may wake this Deployment up.
  const int64_t last_update =
      api::ParseTimestamp(wl::StringOf(wl::Member(*current, "lastUpdateTime"))).value_or(0);
  const int64_t deadline = wl::Int64Of(wl::Path(d, {"spec", "progressDeadlineSeconds"}));
  const int64_t after_nanos =
      (last_update + deadline) * base::kNanosPerSecond - clock_.NowUnixNanos();
  const std::string key = wl::KeyOf(d);
  if (after_nanos < base::kNanosPerSecond) {
    queue_.AddRateLimited(key);
    return;
  }
  // One more second hides the millisecond skew of delayed adds.
  queue_.AddAfter(
      key, std::chrono::milliseconds(after_nanos / base::kNanosPerMilli) + std::chrono::seconds(1));
}

}  // namespace k1s::controllers
