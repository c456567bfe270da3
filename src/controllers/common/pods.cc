#include "controllers/common/pods.h"

#include <nlohmann/json.hpp>

#include "api/timestamps.h"

namespace k1s::controllers {

using nlohmann::json;

const json* FindCondition(const json& object, std::string_view type) {
  if (!object.is_object() || !object.contains("status")) return nullptr;
  const json& status = object["status"];
  if (!status.is_object() || !status.contains("conditions")) return nullptr;
  const json& conditions = status["conditions"];
  if (!conditions.is_array()) return nullptr;
  for (const json& condition : conditions) {
    if (condition.is_object() && condition.value("type", "") == type) return &condition;
  }
  return nullptr;
}

bool IsPodReady(const json& pod) {
  const json* ready = FindCondition(pod, "Ready");
  return ready != nullptr && ready->value("status", "") == "True";
}

bool IsPodAvailable(const json& pod, int32_t min_ready_seconds, int64_t now_unix_seconds) {
  const json* ready = FindCondition(pod, "Ready");
  if (ready == nullptr || ready->value("status", "") != "True") return false;
  if (min_ready_seconds <= 0) return true;
  std::optional<int64_t> since = api::ParseTimestamp(ready->value("lastTransitionTime", ""));
  return since && *since + min_ready_seconds <= now_unix_seconds;
}

bool IsBeingDeleted(const json& object) {
  return object.is_object() && object.contains("metadata") && object["metadata"].is_object() &&
         object["metadata"].contains("deletionTimestamp") &&
         !object["metadata"]["deletionTimestamp"].is_null();
}

bool IsPodTerminal(const json& pod) {
  if (!pod.is_object() || !pod.contains("status") || !pod["status"].is_object()) return false;
  const std::string phase = pod["status"].value("phase", "");
  return phase == "Succeeded" || phase == "Failed";
}

bool IsPodActive(const json& pod) { return !IsPodTerminal(pod) && !IsBeingDeleted(pod); }

int64_t CreationSeconds(const json& object) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return 0;
  }
  return api::ParseTimestamp(object["metadata"].value("creationTimestamp", "")).value_or(0);
}

}  // namespace k1s::controllers
