#pragma once
// Which pods a ReplicaSet deletes first when it scales down, as upstream's ActivePodsWithRanks
// with PodDeletionCost and LogarithmicScaleDown on (their v1.32 defaults):
//   1. unassigned < assigned            2. Pending < Unknown < Running
//   3. not ready < ready                4. lower controller.kubernetes.io/pod-deletion-cost first
//   5. more ready siblings on the node  6. ready more recently (log2 buckets of the age)
//   7. more container restarts          8. created more recently (log2 buckets of the age)
// Stateless; thread-safe.
#include <cstdint>
#include <vector>

#include "client/informer.h"

namespace k1s::controllers::replicaset {

// The first `count` of `pods` in deletion order. `related_pods` are the pods of every
// ReplicaSet with the same controller (siblings during a rollout): how many active ones share a
// pod's node is its colocation rank. `now_nanos` is the current wall time.
std::vector<client::ObjectPtr> PodsToDelete(std::vector<client::ObjectPtr> pods,
                                            const std::vector<client::ObjectPtr>& related_pods,
                                            int32_t count, int64_t now_nanos);

}  // namespace k1s::controllers::replicaset
