#pragma once
// The scale subresource (deployments, replicasets, statefulsets, replicationcontrollers): an
// autoscaling/v1 Scale view of an object's spec.replicas, status.replicas and selector, which
// `kubectl scale` and autoscalers read and write. Stateless functions; thread-safe.
#include <nlohmann/json_fwd.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "api/resource_types.h"

namespace k1s::apiserver {

// The Scale of `object`, a stored object of `type` (with metadata.resourceVersion set).
absl::StatusOr<nlohmann::json> ScaleOf(const api::ResourceType& type, const nlohmann::json& object);

// Writes the replicas of `scale` (a Scale sent by a client) into `object`. Errors are API
// errors: 400 for a body that is not a Scale, 422 for a bad replica count, 409 when the Scale
// names another resourceVersion than `object` has.
absl::Status ApplyScale(const api::ResourceType& type, const nlohmann::json& scale,
                        nlohmann::json& object);

}  // namespace k1s::apiserver
