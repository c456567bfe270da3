#include "controllers/deployment/deployment_util.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "api/timestamps.h"
#include "base/strings.h"
#include "controllers/common/pods.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers::deployment {

using nlohmann::json;
using workload::Int64Of;
using workload::Member;
using workload::Path;
using workload::SpecReplicas;
using workload::StatusInt;
using workload::StringOf;

namespace {

template <typename T>
std::optional<T> ParseInteger(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  T value{};
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// Annotations the Deployment and its ReplicaSets keep apart (upstream's annotationsToSkip).
bool SkipCopyAnnotation(std::string_view key) {
  return key == kLastAppliedAnnotation || key == kRevisionAnnotation ||
         key == kRevisionHistoryAnnotation || key == kDesiredReplicasAnnotation ||
         key == kMaxReplicasAnnotation || key == kRollbackToAnnotation;
}

json& Annotations(json& object) {
  json& metadata = object["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  json& annotations = metadata["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  return annotations;
}

bool CopyDeploymentAnnotationsToReplicaSet(const json& deployment, json& rs) {
  bool changed = false;
  json& rs_annotations = Annotations(rs);
  const json& annotations = Path(deployment, {"metadata", "annotations"});
  if (!annotations.is_object()) return false;
  for (auto it = annotations.begin(); it != annotations.end(); ++it) {
    if (SkipCopyAnnotation(it.key())) continue;
    auto existing = rs_annotations.find(it.key());
    if (existing != rs_annotations.end() && *existing == it.value()) continue;
    rs_annotations[it.key()] = it.value();
    changed = true;
  }
  return changed;
}

// intstr.GetScaledValueFromIntOrPercent.
absl::StatusOr<int32_t> ScaledValue(const json& value, int32_t total, bool round_up) {
  if (value.is_number_integer()) return static_cast<int32_t>(value.get<int64_t>());
  if (!value.is_string()) {
    return absl::InvalidArgumentError(
        "invalid value for IntOrString: invalid type: neither int nor percentage");
  }
  std::string text = value.get<std::string>();
  if (text.empty() || text.back() != '%') {
    return absl::InvalidArgumentError(
        "invalid value for IntOrString: invalid type: string is not a percentage");
  }
  std::optional<int64_t> percent =
      ParseInteger<int64_t>(std::string_view(text).substr(0, text.size() - 1));
  if (!percent) {
    return absl::InvalidArgumentError(
        base::StrCat("invalid value for IntOrString: invalid value \"", text, "\""));
  }
  double scaled = static_cast<double>(*percent) * static_cast<double>(total) / 100;
  return static_cast<int32_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

int32_t RoundToInt32(double value) {
  return static_cast<int32_t>(value < 0 ? value - 0.5 : value + 0.5);
}

const json& RollingUpdate(const json& deployment) {
  return Path(deployment, {"spec", "strategy", "rollingUpdate"});
}

int64_t CreationOf(const RsPtr& rs) { return CreationSeconds(*rs); }

// ReplicaSetsByCreationTimestamp.Less, with nulls last.
bool CreatedBefore(const RsPtr& a, const RsPtr& b) {
  if (!a || !b) return a != nullptr && b == nullptr;
  int64_t ta = CreationOf(a);
  int64_t tb = CreationOf(b);
  if (ta == tb) return workload::NameOf(*a) < workload::NameOf(*b);
  return ta < tb;
}

}  // namespace

// ---- Conditions -------------------------------------------------------------------------------

json NewCondition(std::string_view type, std::string_view status, std::string_view reason,
                  std::string_view message, int64_t now_unix_seconds) {
  std::string now = api::FormatTimestamp(now_unix_seconds);
  return json{{"type", std::string(type)},     {"status", std::string(status)},
              {"lastUpdateTime", now},         {"lastTransitionTime", now},
              {"reason", std::string(reason)}, {"message", std::string(message)}};
}

const json* GetCondition(const json& status, std::string_view type) {
  const json& conditions = Member(status, "conditions");
  if (!conditions.is_array()) return nullptr;
  for (const json& condition : conditions) {
    if (Member(condition, "type") == type) return &condition;
  }
  return nullptr;
}

void SetCondition(json& status, json condition) {
  std::string type = StringOf(Member(condition, "type"));
  if (const json* current = GetCondition(status, type)) {
    if (Member(*current, "status") == Member(condition, "status")) {
      if (Member(*current, "reason") == Member(condition, "reason")) return;
      condition["lastTransitionTime"] = Member(*current, "lastTransitionTime");
    }
  }
  RemoveCondition(status, type);
  json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = json::array();
  conditions.push_back(std::move(condition));
}

void RemoveCondition(json& status, std::string_view type) {
  if (!status.is_object()) return;
  auto it = status.find("conditions");
  if (it == status.end()) return;
  if (!it->is_array()) {
    status.erase(it);
    return;
  }
  json kept = json::array();
  for (json& condition : *it) {
    if (Member(condition, "type") != type) kept.push_back(std::move(condition));
  }
  if (kept.empty()) {
    status.erase("conditions");
  } else {
    *it = std::move(kept);
  }
}

// ---- Revisions and annotations ----------------------------------------------------------------

std::optional<int64_t> Revision(const json& object) {
  std::optional<std::string> text = workload::Annotation(object, kRevisionAnnotation);
  if (!text) return 0;
  return ParseInteger<int64_t>(*text);
}

int64_t MaxRevision(const RsList& replica_sets) {
  int64_t max = 0;
  for (const RsPtr& rs : replica_sets) {
    if (!rs) continue;
    std::optional<int64_t> revision = Revision(*rs);
    if (revision && *revision > max) max = *revision;
  }
  return max;
}

int64_t LastRevision(const RsList& replica_sets) {
  int64_t max = 0;
  int64_t second = 0;
  for (const RsPtr& rs : replica_sets) {
    if (!rs) continue;
    std::optional<int64_t> revision = Revision(*rs);
    if (!revision) continue;
    if (*revision >= max) {
      second = max;
      max = *revision;
    } else if (*revision > second) {
      second = *revision;
    }
  }
  return second;
}

bool SetDeploymentRevision(json& deployment, const std::string& revision) {
  json& annotations = Annotations(deployment);
  if (Member(annotations, kRevisionAnnotation) == revision) return false;
  annotations[std::string(kRevisionAnnotation)] = revision;
  return true;
}

bool SetNewReplicaSetAnnotations(const json& deployment, json& rs, const std::string& new_revision,
                                 bool exists, size_t history_limit_chars) {
  bool changed = CopyDeploymentAnnotationsToReplicaSet(deployment, rs);
  json& annotations = Annotations(rs);
  const json& old_value = Member(annotations, kRevisionAnnotation);
  const bool had_revision = !old_value.is_null();
  const std::string old_revision = StringOf(old_value);
  int64_t old_number = 0;
  if (std::optional<int64_t> parsed = ParseInteger<int64_t>(old_revision)) {
    old_number = *parsed;
  } else if (!old_revision.empty()) {
    return false;  // not a number: leave it alone, as upstream does
  }
  std::optional<int64_t> new_number = ParseInteger<int64_t>(new_revision);
  if (!new_number) return false;
  if (old_number < *new_number) {
    annotations[std::string(kRevisionAnnotation)] = new_revision;
    changed = true;
    // An existing revision raised again means a rollback to this ReplicaSet: keep the old
    // revision in the history.
    if (had_revision) {
      const std::string history = StringOf(Member(annotations, kRevisionHistoryAnnotation));
      if (history.empty()) {
        annotations[std::string(kRevisionHistoryAnnotation)] = old_revision;
      } else {
        std::vector<std::string> revisions = absl::StrSplit(history, ',');
        size_t total = history.size() + old_revision.size() + 1;
        size_t start = 0;
        while (total > history_limit_chars && start < revisions.size()) {
          total -= revisions[start].size() + 1;
          ++start;
        }
        if (total <= history_limit_chars) {
          std::vector<std::string> kept(revisions.begin() + static_cast<ptrdiff_t>(start),
                                        revisions.end());
          kept.push_back(old_revision);
          annotations[std::string(kRevisionHistoryAnnotation)] = absl::StrJoin(kept, ",");
        }
      }
    }
  }
  if (!exists) {
    const int32_t replicas = SpecReplicas(deployment);
    if (SetReplicasAnnotations(rs, replicas, replicas + MaxSurge(deployment))) changed = true;
  }
  return changed;
}

bool SetReplicasAnnotations(json& rs, int32_t desired, int32_t max_replicas) {
  bool changed = false;
  json& annotations = Annotations(rs);
  const std::string desired_text = std::to_string(desired);
  if (Member(annotations, kDesiredReplicasAnnotation) != desired_text) {
    annotations[std::string(kDesiredReplicasAnnotation)] = desired_text;
    changed = true;
  }
  const std::string max_text = std::to_string(max_replicas);
  if (Member(annotations, kMaxReplicasAnnotation) != max_text) {
    annotations[std::string(kMaxReplicasAnnotation)] = max_text;
    changed = true;
  }
  return changed;
}

bool ReplicasAnnotationsNeedUpdate(const json& rs, int32_t desired, int32_t max_replicas) {
  const json& annotations = Path(rs, {"metadata", "annotations"});
  return Member(annotations, kDesiredReplicasAnnotation) != std::to_string(desired) ||
         Member(annotations, kMaxReplicasAnnotation) != std::to_string(max_replicas);
}

std::optional<int32_t> IntAnnotation(const json& rs, std::string_view key) {
  std::optional<std::string> text = workload::Annotation(rs, key);
  if (!text) return std::nullopt;
  return ParseInteger<int32_t>(*text);
}

void SetDeploymentAnnotationsTo(json& deployment, const json& rs) {
  json kept = json::object();
  const json& current = Path(deployment, {"metadata", "annotations"});
  if (current.is_object()) {
    for (auto it = current.begin(); it != current.end(); ++it) {
      if (SkipCopyAnnotation(it.key())) kept[it.key()] = it.value();
    }
  }
  const json& from = Path(rs, {"metadata", "annotations"});
  if (from.is_object()) {
    for (auto it = from.begin(); it != from.end(); ++it) {
      if (!SkipCopyAnnotation(it.key())) kept[it.key()] = it.value();
    }
  }
  Annotations(deployment) = std::move(kept);
}

std::optional<int64_t> RollbackRevision(const json& deployment) {
  std::optional<std::string> text = workload::Annotation(deployment, kRollbackToAnnotation);
  if (!text || text->empty()) return std::nullopt;
  return ParseInteger<int64_t>(*text);
}

// ---- Strategy ---------------------------------------------------------------------------------

bool IsRollingUpdate(const json& deployment) {
  return StringOf(Path(deployment, {"spec", "strategy", "type"})) == "RollingUpdate";
}

absl::StatusOr<std::pair<int32_t, int32_t>> ResolveFenceposts(const json& max_surge,
                                                              const json& max_unavailable,
                                                              int32_t desired) {
  absl::StatusOr<int32_t> surge =
      max_surge.is_null() ? absl::StatusOr<int32_t>(0) : ScaledValue(max_surge, desired, true);
  if (!surge.ok()) return surge.status();
  absl::StatusOr<int32_t> unavailable = max_unavailable.is_null()
                                            ? absl::StatusOr<int32_t>(0)
                                            : ScaledValue(max_unavailable, desired, false);
  if (!unavailable.ok()) return unavailable.status();
  // Both zero would stall a rollout (surge may be unusable under quota): allow one unavailable.
  if (*surge == 0 && *unavailable == 0) return std::make_pair(0, 1);
  return std::make_pair(*surge, *unavailable);
}

int32_t MaxSurge(const json& deployment) {
  if (!IsRollingUpdate(deployment)) return 0;
  const json& rolling = RollingUpdate(deployment);
  auto fenceposts = ResolveFenceposts(Member(rolling, "maxSurge"),
                                      Member(rolling, "maxUnavailable"), SpecReplicas(deployment));
  return fenceposts.ok() ? fenceposts->first : 0;
}

int32_t MaxUnavailable(const json& deployment) {
  const int32_t replicas = SpecReplicas(deployment);
  if (!IsRollingUpdate(deployment) || replicas == 0) return 0;
  const json& rolling = RollingUpdate(deployment);
  auto fenceposts =
      ResolveFenceposts(Member(rolling, "maxSurge"), Member(rolling, "maxUnavailable"), replicas);
  if (!fenceposts.ok()) return 0;
  return std::min(fenceposts->second, replicas);
}

bool HasProgressDeadline(const json& deployment) {
  std::optional<int64_t> seconds =
      workload::OptionalInt(Path(deployment, {"spec", "progressDeadlineSeconds"}));
  return seconds && *seconds != std::numeric_limits<int32_t>::max();
}

bool HasRevisionHistoryLimit(const json& deployment) {
  std::optional<int64_t> limit =
      workload::OptionalInt(Path(deployment, {"spec", "revisionHistoryLimit"}));
  return limit && *limit != std::numeric_limits<int32_t>::max();
}

// ---- ReplicaSets ------------------------------------------------------------------------------

bool EqualIgnoreHash(const json& template1, const json& template2) {
  json t1 = template1;
  json t2 = template2;
  for (json* t : {&t1, &t2}) {
    if (t->is_object() && (*t)["metadata"].is_object() && (*t)["metadata"]["labels"].is_object()) {
      (*t)["metadata"]["labels"].erase(std::string(kPodTemplateHashLabel));
    }
  }
  return workload::WithoutEmpty(t1) == workload::WithoutEmpty(t2);
}

RsPtr FindNewReplicaSet(const json& deployment, RsList& replica_sets) {
  SortByCreation(replica_sets);
  const json& wanted = Path(deployment, {"spec", "template"});
  for (const RsPtr& rs : replica_sets) {
    if (rs && EqualIgnoreHash(Path(*rs, {"spec", "template"}), wanted)) return rs;
  }
  return nullptr;
}

RsList FindOldReplicaSets(const json& deployment, RsList replica_sets) {
  RsPtr new_rs = FindNewReplicaSet(deployment, replica_sets);
  RsList old;
  for (const RsPtr& rs : replica_sets) {
    if (!rs) continue;
    if (new_rs && workload::UidOf(*rs) == workload::UidOf(*new_rs)) continue;
    old.push_back(rs);
  }
  return old;
}

RsPtr FindActiveOrLatest(const RsPtr& new_rs, RsList old_rss) {
  if (!new_rs && old_rss.empty()) return nullptr;
  SortByCreation(old_rss);
  std::reverse(old_rss.begin(), old_rss.end());
  RsList all = old_rss;
  all.push_back(new_rs);
  RsList active = FilterActive(all);
  if (active.size() == 1) return active.front();
  if (!active.empty()) return nullptr;
  if (new_rs) return new_rs;
  return old_rss.front();
}

RsList FilterActive(const RsList& replica_sets) {
  RsList out;
  for (const RsPtr& rs : replica_sets) {
    if (rs && SpecReplicas(*rs) > 0) out.push_back(rs);
  }
  return out;
}

int32_t SpecReplicaCount(const RsList& replica_sets) {
  int32_t total = 0;
  for (const RsPtr& rs : replica_sets) {
    if (rs) total += SpecReplicas(*rs);
  }
  return total;
}

namespace {
int32_t SumStatus(const RsList& replica_sets, std::string_view field) {
  int32_t total = 0;
  for (const RsPtr& rs : replica_sets) {
    if (rs) total += StatusInt(*rs, field);
  }
  return total;
}
}  // namespace

int32_t ActualReplicaCount(const RsList& replica_sets) {
  return SumStatus(replica_sets, "replicas");
}
int32_t ReadyReplicaCount(const RsList& replica_sets) {
  return SumStatus(replica_sets, "readyReplicas");
}
int32_t AvailableReplicaCount(const RsList& replica_sets) {
  return SumStatus(replica_sets, "availableReplicas");
}

bool IsSaturated(const json& deployment, const RsPtr& rs) {
  if (!rs) return false;
  std::optional<int32_t> desired = IntAnnotation(*rs, kDesiredReplicasAnnotation);
  if (!desired) return false;
  const int32_t replicas = SpecReplicas(deployment);
  return SpecReplicas(*rs) == replicas && *desired == replicas &&
         StatusInt(*rs, "availableReplicas") == replicas;
}

absl::StatusOr<int32_t> NewRSNewReplicas(const json& deployment, const RsList& all_rss,
                                         const json& new_rs) {
  const std::string type = StringOf(Path(deployment, {"spec", "strategy", "type"}));
  const int32_t replicas = SpecReplicas(deployment);
  if (type == "RollingUpdate") {
    const json& max_surge_value = Member(RollingUpdate(deployment), "maxSurge");
    if (max_surge_value.is_null()) {
      return absl::InvalidArgumentError("nil value for IntOrString");
    }
    absl::StatusOr<int32_t> max_surge = ScaledValue(max_surge_value, replicas, true);
    if (!max_surge.ok()) return max_surge.status();
    const int32_t current = SpecReplicaCount(all_rss);
    const int32_t max_total = replicas + *max_surge;
    const int32_t new_replicas = SpecReplicas(new_rs);
    if (current >= max_total) return new_replicas;  // cannot scale up
    const int32_t scale_up = std::min(max_total - current, replicas - new_replicas);
    return new_replicas + scale_up;
  }
  if (type == "Recreate") return replicas;
  return absl::InvalidArgumentError(base::StrCat("deployment type ", type, " isn't supported"));
}

int32_t GetProportion(const RsPtr& rs, const json& deployment, int32_t to_add, int32_t added) {
  if (!rs || SpecReplicas(*rs) == 0 || to_add == 0 || to_add == added) return 0;
  const int32_t rs_replicas = SpecReplicas(*rs);
  int32_t fraction = 0;
  if (SpecReplicas(deployment) == 0) {
    fraction = -rs_replicas;  // scaling to zero: everything goes
  } else {
    const int32_t deployment_replicas = SpecReplicas(deployment) + MaxSurge(deployment);
    // Without the annotation fall back to the current size; the min/max below keeps the
    // estimate within bounds.
    int32_t annotated =
        IntAnnotation(*rs, kMaxReplicasAnnotation).value_or(StatusInt(deployment, "replicas"));
    if (annotated == 0) return 0;
    const double new_size =
        static_cast<double>(rs_replicas * deployment_replicas) / static_cast<double>(annotated);
    fraction = RoundToInt32(new_size) - rs_replicas;
  }
  const int32_t allowed = to_add - added;
  return to_add > 0 ? std::min(fraction, allowed) : std::max(fraction, allowed);
}

void SortByCreation(RsList& replica_sets) {
  std::stable_sort(replica_sets.begin(), replica_sets.end(), CreatedBefore);
}

void SortBySizeNewer(RsList& replica_sets) {
  std::stable_sort(replica_sets.begin(), replica_sets.end(), [](const RsPtr& a, const RsPtr& b) {
    if (!a || !b) return a != nullptr && b == nullptr;
    if (SpecReplicas(*a) == SpecReplicas(*b)) return CreatedBefore(b, a);
    return SpecReplicas(*a) > SpecReplicas(*b);
  });
}

void SortBySizeOlder(RsList& replica_sets) {
  std::stable_sort(replica_sets.begin(), replica_sets.end(), [](const RsPtr& a, const RsPtr& b) {
    if (!a || !b) return a != nullptr && b == nullptr;
    if (SpecReplicas(*a) == SpecReplicas(*b)) return CreatedBefore(a, b);
    return SpecReplicas(*a) > SpecReplicas(*b);
  });
}

void SortByRevision(RsList& replica_sets) {
  std::stable_sort(replica_sets.begin(), replica_sets.end(), [](const RsPtr& a, const RsPtr& b) {
    if (!a || !b) return a != nullptr && b == nullptr;
    std::optional<int64_t> ra = Revision(*a);
    std::optional<int64_t> rb = Revision(*b);
    if (!ra || !rb || *ra == *rb) return CreatedBefore(a, b);
    return *ra < *rb;
  });
}

// ---- Progress ---------------------------------------------------------------------------------

bool DeploymentComplete(const json& deployment, const json& status) {
  const int64_t replicas = SpecReplicas(deployment);
  return Int64Of(Member(status, "updatedReplicas")) == replicas &&
         Int64Of(Member(status, "replicas")) == replicas &&
         Int64Of(Member(status, "availableReplicas")) == replicas &&
         Int64Of(Member(status, "observedGeneration")) >= workload::GenerationOf(deployment);
}

bool DeploymentProgressing(const json& deployment, const json& status) {
  const json& old = Member(deployment, "status");
  auto field = [](const json& s, const char* name) { return Int64Of(Member(s, name)); };
  const int64_t old_old_replicas = field(old, "replicas") - field(old, "updatedReplicas");
  const int64_t new_old_replicas = field(status, "replicas") - field(status, "updatedReplicas");
  return field(status, "updatedReplicas") > field(old, "updatedReplicas") ||
         new_old_replicas < old_old_replicas ||
         field(status, "readyReplicas") > field(old, "readyReplicas") ||
         field(status, "availableReplicas") > field(old, "availableReplicas");
}

bool DeploymentTimedOut(const json& deployment, const json& status, int64_t now_unix_seconds) {
  if (!HasProgressDeadline(deployment)) return false;
  const json* condition = GetCondition(status, kProgressing);
  if (condition == nullptr) return false;
  // After a completed rollout nothing is estimated: a stale copy may still be catching up.
  const std::string reason = StringOf(Member(*condition, "reason"));
  if (reason == kNewRSAvailableReason) return false;
  if (reason == kTimedOutReason) return true;
  std::optional<int64_t> from = api::ParseTimestamp(StringOf(Member(*condition, "lastUpdateTime")));
  if (!from) return true;  // Go's zero time is long past any deadline
  const int64_t deadline = Int64Of(Path(deployment, {"spec", "progressDeadlineSeconds"}));
  return *from + deadline < now_unix_seconds;
}

json CloneSelectorAndAddLabel(const json& selector, std::string_view key, std::string_view value) {
  json out = selector.is_object() ? selector : json::object();
  json& match_labels = out["matchLabels"];
  if (!match_labels.is_object()) match_labels = json::object();
  match_labels[std::string(key)] = std::string(value);
  return out;
}

}  // namespace k1s::controllers::deployment
