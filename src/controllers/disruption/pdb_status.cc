#include "controllers/disruption/pdb_status.h"

#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "controllers/disruption/pdb_util.h"

namespace k1s::controllers::disruption {

using nlohmann::json;

namespace {

int64_t IntOr0(const json& object, std::string_view name) {
  return IntField(object, name).value_or(0);
}

const json* FindStatusCondition(const json& conditions, std::string_view type) {
  if (!conditions.is_array()) return nullptr;
  for (const json& condition : conditions) {
    if (StringField(condition, "type") == type) return &condition;
  }
  return nullptr;
}

// pdbhelper.ConditionsAreUpToDate: the stored condition agrees with the stored count.
bool ConditionsAreUpToDate(const json& pdb) {
  const json& status = Field(pdb, "status");
  const json* condition =
      FindStatusCondition(Field(status, "conditions"), kDisruptionAllowedCondition);
  if (condition == nullptr) return false;
  if (IntOr0(status, "observedGeneration") != IntOr0(Field(pdb, "metadata"), "generation")) {
    return false;
  }
  if (IntOr0(status, "disruptionsAllowed") > 0) {
    return StringField(*condition, "status") == "True" &&
           StringField(*condition, "reason") == kSufficientPodsReason;
  }
  return StringField(*condition, "status") == "False" &&
         StringField(*condition, "reason") == kInsufficientPodsReason;
}

// Semantic equality of status.disruptedPods (nil and empty alike) with `disrupted`.
bool SameDisruptedPods(const json& stored, const std::map<std::string, int64_t>& disrupted) {
  if (!stored.is_object()) return disrupted.empty();
  if (stored.size() != disrupted.size()) return false;
  for (const auto& [name, seconds] : disrupted) {
    auto entry = stored.find(name);
    if (entry == stored.end() || !entry->is_string()) return false;
    if (api::ParseTimestamp(entry->get<std::string>()) != seconds) return false;
  }
  return true;
}

json Condition(std::string_view status, std::string_view reason, std::string_view message,
               int64_t observed_generation) {
  json condition = {{"type", kDisruptionAllowedCondition},
                    {"status", status},
                    {"reason", reason},
                    {"message", message}};
  if (observed_generation != 0) condition["observedGeneration"] = observed_generation;
  return condition;
}

}  // namespace

int32_t DisruptionsAllowed(const BudgetCounts& counts) {
  const int32_t allowed = counts.current_healthy - counts.desired_healthy;
  return counts.expected_pods <= 0 || allowed <= 0 ? 0 : allowed;
}

std::optional<json> UpdatedStatus(const json& pdb, const BudgetCounts& counts,
                                  int64_t now_seconds) {
  const json& status = Field(pdb, "status");
  const int32_t allowed = DisruptionsAllowed(counts);
  const int64_t generation = IntOr0(Field(pdb, "metadata"), "generation");
  if (IntOr0(status, "currentHealthy") == counts.current_healthy &&
      IntOr0(status, "desiredHealthy") == counts.desired_healthy &&
      IntOr0(status, "expectedPods") == counts.expected_pods &&
      IntOr0(status, "disruptionsAllowed") == allowed &&
      SameDisruptedPods(Field(status, "disruptedPods"), counts.disrupted_pods) &&
      IntOr0(status, "observedGeneration") == generation && ConditionsAreUpToDate(pdb)) {
    return std::nullopt;
  }
  json updated = {{"currentHealthy", counts.current_healthy},
                  {"desiredHealthy", counts.desired_healthy},
                  {"expectedPods", counts.expected_pods},
                  {"disruptionsAllowed", allowed}};
  if (!counts.disrupted_pods.empty()) {
    json disrupted = json::object();
    for (const auto& [name, seconds] : counts.disrupted_pods) {
      disrupted[name] = api::FormatTimestamp(seconds);
    }
    updated["disruptedPods"] = std::move(disrupted);
  }
  if (generation != 0) updated["observedGeneration"] = generation;
  json conditions = Field(status, "conditions");
  if (allowed > 0) {
    SetStatusCondition(conditions, Condition("True", kSufficientPodsReason, "", generation),
                       now_seconds);
  } else {
    SetStatusCondition(conditions, Condition("False", kInsufficientPodsReason, "", generation),
                       now_seconds);
  }
  updated["conditions"] = std::move(conditions);
  return updated;
}

json FailSafeStatus(const json& pdb, std::string_view message, int64_t now_seconds) {
  json status = Field(pdb, "status");
  if (!status.is_object()) status = json::object();
  status["disruptionsAllowed"] = 0;
  json conditions = Field(status, "conditions");
  SetStatusCondition(
      conditions,
      Condition("False", kSyncFailedReason, message, IntOr0(status, "observedGeneration")),
      now_seconds);
  status["conditions"] = std::move(conditions);
  return status;
}

bool SetStatusCondition(json& conditions, const json& condition, int64_t now_seconds) {
  if (!conditions.is_array()) conditions = json::array();
  const std::string type = StringField(condition, "type");
  json* existing = nullptr;
  for (json& candidate : conditions) {
    if (StringField(candidate, "type") == type) {
      existing = &candidate;
      break;
    }
  }
  const std::string given_time = StringField(condition, "lastTransitionTime");
  const std::string transition_time =
      given_time.empty() ? api::FormatTimestamp(now_seconds) : given_time;
  if (existing == nullptr || !existing->is_object()) {
    json added = condition;
    added["lastTransitionTime"] = transition_time;
    if (existing != nullptr) {
      *existing = std::move(added);
    } else {
      conditions.push_back(std::move(added));
    }
    return true;
  }
  bool changed = false;
  auto assign = [&](const char* name, const json& value) {
    if (Field(*existing, name) != value) {
      (*existing)[name] = value;
      changed = true;
    }
  };
  if (Field(*existing, "status") != Field(condition, "status")) {
    (*existing)["status"] = Field(condition, "status");
    (*existing)["lastTransitionTime"] = transition_time;
    changed = true;
  }
  assign("reason", Field(condition, "reason"));
  assign("message", Field(condition, "message"));
  const json& generation = Field(condition, "observedGeneration");
  if (generation.is_null() || generation == 0) {
    if (existing->contains("observedGeneration")) {
      changed = changed || IntOr0(*existing, "observedGeneration") != 0;
      existing->erase("observedGeneration");
    }
  } else {
    assign("observedGeneration", generation);
  }
  return changed;
}

}  // namespace k1s::controllers::disruption
