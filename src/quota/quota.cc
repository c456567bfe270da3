#include "quota/quota.h"

#include <map>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "base/strings.h"
#include "quota/evaluators.h"
#include "quota/resource_list.h"

namespace k1s::quota {

using base::StrCat;
using json = nlohmann::json;
using internal::Evaluator;

namespace {

ResourceList ListAt(const json& object, const char* a, const char* b) {
  if (!object.is_object() || !object.contains(a) || !object[a].is_object() ||
      !object[a].contains(b)) {
    return {};
  }
  return ResourceListFromJson(object[a][b]);
}

std::string QuotaName(const json& quota) {
  return quota.is_object() && quota.contains("metadata") && quota["metadata"].is_object()
             ? quota["metadata"].value("name", "")
             : "";
}

bool HasResourceVersion(const json& object) {
  return object.is_object() && object.contains("metadata") && object["metadata"].is_object() &&
         !object["metadata"].value("resourceVersion", "").empty();
}

json WithStatus(const json& quota, const json& status) {
  json out = quota;
  out["status"] = status;
  return out;
}

}  // namespace

json UsageOf(std::string_view group, std::string_view resource, const json& object,
             const base::Clock& clock) {
  return ResourceListToJson(
      internal::Usage(internal::EvaluatorFor(group, resource), object, clock.NowUnixNanos()));
}

bool QuotaMatches(const json& quota, std::string_view group, std::string_view resource,
                  const json& object) {
  return internal::Matches(internal::EvaluatorFor(group, resource), quota, object);
}

QuotaCheck CheckQuotas(const std::vector<json>& quotas, std::string_view group,
                       std::string_view resource, const json& object, const json* old_object,
                       const base::Clock& clock) {
  Evaluator evaluator = internal::EvaluatorFor(group, resource);
  if (quotas.empty() || (old_object != nullptr && !internal::ChargesUpdates(evaluator))) {
    return {};
  }
  int64_t now = clock.NowUnixNanos();

  // The quotas that limit what this object uses; each must state a usage for those names.
  std::vector<size_t> interesting;
  for (size_t i = 0; i < quotas.size(); ++i) {
    const json& quota = quotas[i];
    if (!internal::Matches(evaluator, quota, object)) continue;
    ResourceList hard = ListAt(quota, "status", "hard");
    ResourceNames restricted = internal::MatchingResources(evaluator, Names(hard));
    if (std::string err = internal::Constraints(evaluator, restricted, object); !err.empty()) {
      return {{}, StrCat("failed quota: ", QuotaName(quota), ": ", err)};
    }
    ResourceList used = ListAt(quota, "status", "used");
    for (const std::string& name : restricted) {
      if (used.count(name) == 0) {
        return {{},
                StrCat("status unknown for quota: ", QuotaName(quota),
                       ", resources: ", absl::StrJoin(restricted, ","))};
      }
    }
    interesting.push_back(i);
  }

  ResourceList input = internal::Usage(evaluator, object, now);
  if (ResourceNames negative = Negative(input); !negative.empty()) {
    return {{}, StrCat("quota usage is negative for resource(s): ", absl::StrJoin(negative, ","))};
  }
  std::map<size_t, ResourceList> deltas;
  for (size_t i : interesting) deltas[i] = input;
  // An update is charged by its growth, for quotas the old object was already charged to.
  // Without a resourceVersion the old object may be a create-on-update: charge it all.
  if (old_object != nullptr && HasResourceVersion(*old_object)) {
    ResourceList delta = SubtractNonNegative(input, internal::Usage(evaluator, *old_object, now));
    for (size_t i : interesting) {
      if (internal::Matches(evaluator, quotas[i], *old_object)) deltas[i] = delta;
    }
  }

  QuotaCheck result;
  for (auto& [i, delta] : deltas) {
    delta = RemoveZeros(delta);
    if (delta.empty()) continue;
    const json& quota = quotas[i];
    ResourceList hard = ListAt(quota, "status", "hard");
    ResourceList used = ListAt(quota, "status", "used");
    ResourceList requested = Mask(delta, Names(hard));
    ResourceList new_used = Add(used, requested);
    ResourceNames exceeded = Exceeded(Mask(new_used, Names(requested)), hard);
    if (!exceeded.empty()) {
      return {{},
              StrCat("exceeded quota: ", QuotaName(quota),
                     ", requested: ", PrettyPrint(Mask(requested, exceeded)),
                     ", used: ", PrettyPrint(Mask(used, exceeded)),
                     ", limited: ", PrettyPrint(Mask(hard, exceeded)))};
    }
    if (Equal(used, new_used)) continue;
    json updated = quota;
    updated["status"]["used"] = ResourceListToJson(new_used);
    result.updated_quotas.push_back(std::move(updated));
  }
  return result;
}

json RecomputeStatus(const json& quota, const ListFunc& list, const base::Clock& clock) {
  if (!quota.is_object()) return quota;
  ResourceList hard = ListAt(quota, "spec", "hard");
  ResourceNames hard_names = Names(hard);
  std::vector<Evaluator> evaluators = internal::EvaluatorsFor(hard_names);
  ResourceNames measured;
  for (const Evaluator& e : evaluators) {
    ResourceNames names = internal::MatchingResources(e, hard_names);
    measured.insert(names.begin(), names.end());
  }
  int64_t now = clock.NowUnixNanos();
  ResourceList observed;
  for (const Evaluator& e : evaluators) {
    ResourceNames names = internal::MatchingResources(e, measured);
    if (names.empty()) continue;
    ResourceList stats;
    for (const std::string& name : names) stats[name] = Quantity::FromInt(0);
    for (const json& item : list(e.group, e.resource)) {
      if (internal::InScopes(e, quota, item)) AddInto(stats, internal::Usage(e, item, now));
    }
    AddInto(observed, stats);
  }
  // Names nobody can measure keep their last observed usage.
  ResourceList used = ListAt(quota, "status", "used");
  for (const auto& [name, quantity] : Mask(observed, measured)) used[name] = quantity;
  return WithStatus(quota, {{"hard", ResourceListToJson(hard)},
                            {"used", ResourceListToJson(Mask(used, hard_names))}});
}

}  // namespace k1s::quota
