#include "controllers/job/job_util.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "base/clock.h"

namespace k1s::controllers::job {

using nlohmann::json;

namespace {

const json& NullJson() {
  static const json* const kNull = new json();
  return *kNull;
}

std::optional<int32_t> OptInt32(const json& object, std::string_view key) {
  std::optional<int64_t> value = IntMember(object, key);
  if (!value) return std::nullopt;
  return static_cast<int32_t>(std::clamp<int64_t>(*value, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}

// A non-negative int32 from an annotation value; 0 when missing or invalid (as upstream).
int32_t AnnotationCount(const json& pod, std::string_view key) {
  const json& value = Member(Member(Member(pod, "metadata"), "annotations"), key);
  if (!value.is_string()) return 0;
  std::optional<int64_t> parsed = ParseInt(value.get<std::string>());
  if (!parsed || *parsed < 0 || *parsed > std::numeric_limits<int32_t>::max()) return 0;
  return static_cast<int32_t>(*parsed);
}

std::optional<int64_t> TimestampMember(const json& object, std::string_view key) {
  const json& value = Member(object, key);
  if (!value.is_string()) return std::nullopt;
  return api::ParseTimestamp(value.get<std::string>());
}

}  // namespace

const json& Member(const json& object, std::string_view key) {
  if (!object.is_object()) return NullJson();
  auto it = object.find(key);
  return it == object.end() ? NullJson() : *it;
}

std::string StringMember(const json& object, std::string_view key) {
  const json& value = Member(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

std::optional<int64_t> IntMember(const json& object, std::string_view key) {
  const json& value = Member(object, key);
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
  return std::nullopt;
}

std::optional<int64_t> ParseInt(std::string_view text) {
  size_t start = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
  if (start == text.size() || text.size() - start > 18) return std::nullopt;
  int64_t value = 0;
  for (size_t i = start; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return text[0] == '-' ? -value : value;
}

int64_t NanosToDelayMillis(int64_t nanos) {
  if (nanos <= 0) return 0;
  return (nanos + base::kNanosPerMilli - 1) / base::kNanosPerMilli;
}

// ---- Job spec ----

bool IsIndexedJob(const json& job) {
  return StringMember(Member(job, "spec"), "completionMode") == "Indexed";
}

bool IsSuspended(const json& job) { return Member(Member(job, "spec"), "suspend") == true; }

int32_t Parallelism(const json& job) {
  return OptInt32(Member(job, "spec"), "parallelism").value_or(1);
}

std::optional<int32_t> Completions(const json& job) {
  return OptInt32(Member(job, "spec"), "completions");
}

int32_t BackoffLimit(const json& job) {
  return OptInt32(Member(job, "spec"), "backoffLimit").value_or(6);
}

std::optional<int32_t> BackoffLimitPerIndex(const json& job) {
  return OptInt32(Member(job, "spec"), "backoffLimitPerIndex");
}

const json* PodFailurePolicy(const json& job) {
  const json& policy = Member(Member(job, "spec"), "podFailurePolicy");
  return policy.is_object() ? &policy : nullptr;
}

bool OnlyReplaceFailedPods(const json& job) {
  return StringMember(Member(job, "spec"), "podReplacementPolicy") == "Failed" ||
         PodFailurePolicy(job) != nullptr;
}

bool ManagedByOtherController(const json& job) {
  const json& managed_by = Member(Member(job, "spec"), "managedBy");
  return managed_by.is_string() && managed_by.get<std::string>() != kJobControllerManagedBy;
}

// ---- Job conditions ----

json NewJobCondition(std::string_view type, std::string_view status, std::string_view reason,
                     std::string_view message, int64_t now_seconds) {
  std::string now = api::FormatTimestamp(now_seconds);
  json condition = {
      {"type", type}, {"status", status}, {"lastProbeTime", now}, {"lastTransitionTime", now}};
  if (!reason.empty()) condition["reason"] = reason;
  if (!message.empty()) condition["message"] = message;
  return condition;
}

json* FindJobCondition(json& job, std::string_view type) {
  if (!job.is_object()) return nullptr;
  auto status = job.find("status");
  if (status == job.end() || !status->is_object()) return nullptr;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return nullptr;
  for (json& condition : *conditions) {
    if (condition.is_object() && StringMember(condition, "type") == type) return &condition;
  }
  return nullptr;
}

bool HasTrueCondition(const json& job, std::string_view type) {
  const json& conditions = Member(Member(job, "status"), "conditions");
  if (!conditions.is_array()) return false;
  for (const json& condition : conditions) {
    if (StringMember(condition, "type") == type && StringMember(condition, "status") == "True") {
      return true;
    }
  }
  return false;
}

std::string FinishedConditionType(const json& job) {
  const json& conditions = Member(Member(job, "status"), "conditions");
  if (!conditions.is_array()) return "";
  for (const json& condition : conditions) {
    std::string type = StringMember(condition, "type");
    if ((type == "Complete" || type == "Failed") && StringMember(condition, "status") == "True") {
      return type;
    }
  }
  return "";
}

bool IsJobFinished(const json& job) { return !FinishedConditionType(job).empty(); }

bool EnsureJobCondition(json& job, std::string_view type, std::string_view status,
                        std::string_view reason, std::string_view message, int64_t now_seconds) {
  if (json* condition = FindJobCondition(job, type)) {
    if (StringMember(*condition, "status") != status ||
        StringMember(*condition, "reason") != reason ||
        StringMember(*condition, "message") != message) {
      *condition = NewJobCondition(type, status, reason, message, now_seconds);
      return true;
    }
    return false;
  }
  if (status == "False") return false;
  json& status_object = job["status"];
  if (!status_object.is_object()) status_object = json::object();
  json& conditions = status_object["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  conditions.push_back(NewJobCondition(type, status, reason, message, now_seconds));
  return true;
}

// ---- Pods ----

bool HasTrackingFinalizer(const json& pod) {
  const json& finalizers = Member(Member(pod, "metadata"), "finalizers");
  if (!finalizers.is_array()) return false;
  for (const json& finalizer : finalizers) {
    if (finalizer.is_string() && finalizer.get<std::string>() == kTrackingFinalizer) return true;
  }
  return false;
}

std::string PodPhase(const json& pod) { return StringMember(Member(pod, "status"), "phase"); }

std::string PodUid(const json& pod) { return StringMember(Member(pod, "metadata"), "uid"); }

int32_t CompletionIndex(const json& pod) {
  const json& value =
      Member(Member(Member(pod, "metadata"), "annotations"), kCompletionIndexAnnotation);
  if (!value.is_string()) return kUnknownCompletionIndex;
  std::optional<int64_t> index = ParseInt(value.get<std::string>());
  if (!index || *index < 0 || *index > std::numeric_limits<int32_t>::max()) {
    return kUnknownCompletionIndex;
  }
  return static_cast<int32_t>(*index);
}

bool IsPodFailed(const json& pod, const json& job) {
  std::string phase = PodPhase(pod);
  if (phase == "Failed") return true;
  if (OnlyReplaceFailedPods(job)) return false;
  return Member(Member(pod, "metadata"), "deletionTimestamp").is_string() && phase != "Succeeded";
}

bool IsPodTerminating(const json& pod) {
  std::string phase = PodPhase(pod);
  return Member(Member(pod, "metadata"), "deletionTimestamp").is_string() && phase != "Failed" &&
         phase != "Succeeded";
}

int64_t PodFinishedSeconds(const json& pod) {
  const json& statuses = Member(Member(pod, "status"), "containerStatuses");
  if (statuses.is_array() && !statuses.empty()) {
    std::optional<int64_t> latest;
    bool all_finished = true;
    for (const json& status : statuses) {
      std::optional<int64_t> finished =
          TimestampMember(Member(Member(status, "state"), "terminated"), "finishedAt");
      if (!finished || *finished == 0) {
        all_finished = false;
        break;
      }
      latest = std::max(latest.value_or(*finished), *finished);
    }
    if (all_finished && latest) return *latest;
  }
  const json& conditions = Member(Member(pod, "status"), "conditions");
  if (conditions.is_array()) {
    for (const json& condition : conditions) {
      if (StringMember(condition, "type") == "Ready" &&
          StringMember(condition, "status") == "False") {
        if (std::optional<int64_t> at = TimestampMember(condition, "lastTransitionTime")) {
          if (*at != 0) return *at;
        }
      }
    }
  }
  const json& metadata = Member(pod, "metadata");
  if (std::optional<int64_t> deleted = TimestampMember(metadata, "deletionTimestamp")) {
    return *deleted - IntMember(metadata, "deletionGracePeriodSeconds").value_or(0);
  }
  return TimestampMember(metadata, "creationTimestamp").value_or(0);
}

int32_t IndexFailureCount(const json& pod) {
  return AnnotationCount(pod, kIndexFailureCountAnnotation);
}

int32_t IndexIgnoredFailureCount(const json& pod) {
  return AnnotationCount(pod, kIndexIgnoredFailureCountAnnotation);
}

int32_t PodRestartCount(const json& pod) {
  int64_t total = 0;
  for (const char* key : {"initContainerStatuses", "containerStatuses"}) {
    const json& statuses = Member(Member(pod, "status"), key);
    if (!statuses.is_array()) continue;
    for (const json& status : statuses) total += IntMember(status, "restartCount").value_or(0);
  }
  return static_cast<int32_t>(std::min<int64_t>(total, std::numeric_limits<int32_t>::max()));
}

json EventObject(const json& object, std::string_view api_version, std::string_view kind) {
  const json& metadata = Member(object, "metadata");
  json ref = {{"apiVersion", api_version}, {"kind", kind}, {"metadata", json::object()}};
  for (const char* key : {"name", "namespace", "uid", "resourceVersion"}) {
    if (Member(metadata, key).is_string()) ref["metadata"][key] = metadata[key];
  }
  return ref;
}

}  // namespace k1s::controllers::job
