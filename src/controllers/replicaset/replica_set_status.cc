#include "controllers/replicaset/replica_set_status.h"

#include <nlohmann/json.hpp>
#include <string>

#include "api/label_selector.h"
#include "api/timestamps.h"
#include "controllers/common/pods.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers::replicaset {
namespace {

using nlohmann::json;
using workload::Member;
using workload::Path;

constexpr std::string_view kReplicaFailure = "ReplicaFailure";

// Sets an integer status field the way Go's omitempty writes it.
void SetCount(json& status, const char* field, int64_t value, bool omit_zero = true) {
  if (value == 0 && omit_zero) {
    status.erase(field);
  } else {
    status[field] = value;
  }
}

bool TemplateLabelsMatch(const json& template_labels, const json& pod_labels) {
  if (!template_labels.is_object()) return true;
  for (auto it = template_labels.begin(); it != template_labels.end(); ++it) {
    const json& value = Member(pod_labels, it.key());
    if (!value.is_string() || value != it.value()) return false;
  }
  return true;
}

}  // namespace

json CalculateStatus(const json& rs, const std::vector<client::ObjectPtr>& pods,
                     const absl::Status& manage_error, int64_t now_unix_seconds) {
  json status = Member(rs, "status").is_object() ? rs["status"] : json::object();
  const json& template_labels = Path(rs, {"spec", "template", "metadata", "labels"});
  const int32_t min_ready = workload::MinReadySeconds(rs);
  int64_t fully_labeled = 0;
  int64_t ready = 0;
  int64_t available = 0;
  for (const client::ObjectPtr& pod : pods) {
    if (TemplateLabelsMatch(template_labels, Path(*pod, {"metadata", "labels"}))) ++fully_labeled;
    if (IsPodReady(*pod)) {
      ++ready;
      if (IsPodAvailable(*pod, min_ready, now_unix_seconds)) ++available;
    }
  }

  bool has_failure = FindCondition(rs, kReplicaFailure) != nullptr;
  if (!manage_error.ok() && !has_failure) {
    int64_t diff = static_cast<int64_t>(pods.size()) - workload::SpecReplicas(rs);
    std::string reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : "";
    json condition = {{"type", std::string(kReplicaFailure)},
                      {"status", "True"},
                      {"lastTransitionTime", api::FormatTimestamp(now_unix_seconds)},
                      {"message", std::string(manage_error.message())}};
    if (!reason.empty()) condition["reason"] = reason;
    json& conditions = status["conditions"];
    if (!conditions.is_array()) conditions = json::array();
    conditions.push_back(std::move(condition));
  } else if (manage_error.ok() && has_failure) {
    json kept = json::array();
    for (const json& condition : status["conditions"]) {
      if (Member(condition, "type") != kReplicaFailure) kept.push_back(condition);
    }
    if (kept.empty()) {
      status.erase("conditions");
    } else {
      status["conditions"] = std::move(kept);
    }
  }

  SetCount(status, "replicas", static_cast<int64_t>(pods.size()), /*omit_zero=*/false);
  SetCount(status, "fullyLabeledReplicas", fully_labeled);
  SetCount(status, "readyReplicas", ready);
  SetCount(status, "availableReplicas", available);
  return status;
}

bool StatusNeedsUpdate(const json& rs, const json& status) {
  const json& old = Member(rs, "status");
  for (const char* field :
       {"replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"}) {
    if (workload::Int64Of(Member(old, field)) != workload::Int64Of(Member(status, field))) {
      return true;
    }
  }
  if (workload::GenerationOf(rs) != workload::Int64Of(Member(old, "observedGeneration"))) {
    return true;
  }
  return workload::WithoutZero(Member(old, "conditions")) !=
         workload::WithoutZero(Member(status, "conditions"));
}

}  // namespace k1s::controllers::replicaset
