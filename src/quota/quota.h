#pragma once
// ResourceQuota: what objects use (upstream's quota evaluators), the ResourceQuota admission
// check that charges a create or update against every quota of the namespace, and the quota
// controller's recomputation of status.used. Objects are JSON documents as stored.
//
// Messages are upstream's (kube-apiserver v1.32); the caller wraps admission errors as
// `<resource> "<name>" is forbidden: <error>` (403).
//
// Thread-safe: free functions without shared state.

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace k1s::quota {

// What one object of group/resource ("" = core) counts against quota, e.g. for a pod
// {"count/pods":"1","pods":"1","cpu":"100m","requests.cpu":"100m","limits.cpu":"200m"}. Pods in
// phase Succeeded or Failed, or deleted and past their grace period, count only "count/pods".
nlohmann::json UsageOf(std::string_view group, std::string_view resource,
                       const nlohmann::json& object, const base::Clock& clock = base::RealClock());

// Whether the quota applies to the object: it limits (status.hard) a name this kind of object is
// charged under, and the object is in all its scopes (spec.scopes, spec.scopeSelector). Only
// pods fall in scopes (Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass,
// CrossNamespacePodAffinity); a scoped quota never applies to other kinds.
bool QuotaMatches(const nlohmann::json& quota, std::string_view group, std::string_view resource,
                  const nlohmann::json& object);

struct QuotaCheck {
  // The quotas whose status.used changes, whole, with the new status.used: to be written
  // (with their resourceVersion as a precondition) before the object is stored.
  std::vector<nlohmann::json> updated_quotas;
  std::string error;  // "" = admitted; else the message of a 403
};

// The ResourceQuota admission plugin for one create (old_object == nullptr) or update of the
// main resource (not subresources) in the quotas' namespace. Pods and plain object counts are
// charged on create only; services and persistentvolumeclaims also on update, by the growth
// over the old object. Dry-run requests should check but not write the quotas.
QuotaCheck CheckQuotas(const std::vector<nlohmann::json>& quotas, std::string_view group,
                       std::string_view resource, const nlohmann::json& object,
                       const nlohmann::json* old_object,
                       const base::Clock& clock = base::RealClock());

// The quota controller's sync of one quota: status.hard = spec.hard, status.used recomputed
// for every name of spec.hard it can measure, from the namespace's objects that `list` returns
// for a group/resource (pods, services, persistentvolumeclaims, configmaps, secrets,
// resourcequotas, replicationcontrollers, and the resource of each "count/<resource>.<group>"
// name). Returns the quota with the new status.
using ListFunc =
    std::function<std::vector<nlohmann::json>(std::string_view group, std::string_view resource)>;
nlohmann::json RecomputeStatus(const nlohmann::json& quota, const ListFunc& list,
                               const base::Clock& clock = base::RealClock());

}  // namespace k1s::quota
