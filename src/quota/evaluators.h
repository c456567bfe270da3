#pragma once
// The quota evaluators of upstream's registry (pkg/quota/v1/evaluator/core and the generic
// object-count evaluator): which quota resource names each kind of object is charged under,
// how much one object uses, which quota scopes it falls in, and the pod "must specify" rule.
// Internal to k1s::quota; quota.h is the interface.
//
// Thread-safe: free functions on values.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "quota/resource_list.h"

namespace k1s::quota::internal {

enum class EvaluatorKind { kPods, kServices, kPersistentVolumeClaims, kObjectCount };

struct Evaluator {
  std::string group;
  std::string resource;
  EvaluatorKind kind = EvaluatorKind::kObjectCount;
  // Object-count names: "count/<resource>[.<group>]" and a legacy alias ("configmaps").
  std::vector<std::string> count_names;
};

// The evaluator for objects of group/resource ("" for the core group).
Evaluator EvaluatorFor(std::string_view group, std::string_view resource);
// Every evaluator the quota controller would consult for quotas with these hard names: the core
// ones plus an object counter per "count/<resource>.<group>" name.
std::vector<Evaluator> EvaluatorsFor(const ResourceNames& hard_names);

// Which of `names` this evaluator charges.
ResourceNames MatchingResources(const Evaluator& evaluator, const ResourceNames& names);
// What one object uses. `now_unix_nanos` decides whether a deleted pod is past its grace.
ResourceList Usage(const Evaluator& evaluator, const nlohmann::json& object,
                   int64_t now_unix_nanos);
// Whether the object is in every scope of the quota (spec.scopes and spec.scopeSelector).
bool InScopes(const Evaluator& evaluator, const nlohmann::json& quota,
              const nlohmann::json& object);
// generic.Matches: the quota limits something this evaluator charges (by status.hard) and the
// object is in its scopes.
bool Matches(const Evaluator& evaluator, const nlohmann::json& quota, const nlohmann::json& object);
// The pod rule: quotas on cpu or memory need every container to state them. "" or
// "must specify limits.cpu for: a,b; requests.memory for: a".
std::string Constraints(const Evaluator& evaluator, const ResourceNames& required,
                        const nlohmann::json& object);
// Whether updates (not only creations) are charged.
bool ChargesUpdates(const Evaluator& evaluator);

// PodRequests / PodLimits: containers summed, sidecar init containers added, the largest init
// container step taken when larger; pod overhead added (to the limits only for names already
// limited) when `with_overhead`. `field` is "requests" or "limits".
ResourceList PodResources(const nlohmann::json& pod, std::string_view field, bool with_overhead);

}  // namespace k1s::quota::internal
