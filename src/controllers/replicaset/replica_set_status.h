#pragma once
// A ReplicaSet's status as upstream's replica_set_utils computes it: replicas (active claimed
// pods), fullyLabeledReplicas (pods carrying every template label), readyReplicas,
// availableReplicas (ready for minReadySeconds) and the ReplicaFailure condition, set when
// creating or deleting pods failed (reason FailedCreate / FailedDelete, the error as message)
// and removed once a sync succeeds. Stateless; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "absl/status/status.h"
#include "client/informer.h"

namespace k1s::controllers::replicaset {

// The new .status of `rs` for its claimed active `pods`, keeping fields it does not compute.
// `manage_error` is the error of this sync's creates/deletes (OK when none or none attempted).
nlohmann::json CalculateStatus(const nlohmann::json& rs, const std::vector<client::ObjectPtr>& pods,
                               const absl::Status& manage_error, int64_t now_unix_seconds);

// True when writing `status` (with observedGeneration = metadata.generation) would change `rs`:
// upstream's steady-state check before updateReplicaSetStatus.
bool StatusNeedsUpdate(const nlohmann::json& rs, const nlohmann::json& status);

}  // namespace k1s::controllers::replicaset
