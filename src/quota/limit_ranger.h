#pragma once
// The LimitRanger admission plugin: LimitRange defaults applied to a pod's containers (mutating)
// and the min / max / maxLimitRequestRatio checks for containers, pods and claims (validating),
// with upstream's annotation and messages (kube-apiserver v1.32).
//
// Upstream runs both on pod creation only (containers are immutable) and on claim creation and
// update; objects already being deleted (old object with deletionTimestamp) are skipped. The
// caller applies these rules and passes the namespace's LimitRanges.
//
// Thread-safe: free functions without shared state.

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace k1s::quota {

// Fills each container's and init container's missing limits from the Container items'
// `default` (else `max`) and missing requests from `defaultRequest` (else `default`, else `min`),
// and records what was set in the annotation kubernetes.io/limit-ranger, e.g.
// "LimitRanger plugin set: cpu, memory request for container nginx; cpu limit for container
// nginx". Call after the pod's own defaulting (requests copied from limits).
void ApplyLimitRangeDefaults(const std::vector<nlohmann::json>& limit_ranges, nlohmann::json& pod);

// The violations of the first LimitRange the object breaks, without duplicates, e.g.
// "maximum cpu usage per Container is 500m, but limit is 1". `resource` is "pods" or
// "persistentvolumeclaims" (anything else is never limited). The caller reports one message as
// `pods "x" is forbidden: <msg>` and several as `pods "x" is forbidden: [msg1, msg2]`.
std::vector<std::string> ValidateAgainstLimitRanges(const std::vector<nlohmann::json>& limit_ranges,
                                                    std::string_view resource,
                                                    const nlohmann::json& object);

}  // namespace k1s::quota
