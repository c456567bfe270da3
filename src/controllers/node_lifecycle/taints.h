#pragma once
// Node taints and pod tolerations as the node lifecycle and taint eviction controllers use them
// (upstream's taint utils, v1 helper ToleratesTaint, controller utils SwapNodeControllerTaint).
// Stateless functions; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "base/clock.h"
#include "client/client.h"

namespace k1s::controllers::node_lifecycle {

inline constexpr std::string_view kTaintNotReady = "node.kubernetes.io/not-ready";
inline constexpr std::string_view kTaintUnreachable = "node.kubernetes.io/unreachable";
inline constexpr std::string_view kTaintUnschedulable = "node.kubernetes.io/unschedulable";
inline constexpr std::string_view kTaintMemoryPressure = "node.kubernetes.io/memory-pressure";
inline constexpr std::string_view kTaintDiskPressure = "node.kubernetes.io/disk-pressure";
inline constexpr std::string_view kTaintNetworkUnavailable =
    "node.kubernetes.io/network-unavailable";
inline constexpr std::string_view kTaintPIDPressure = "node.kubernetes.io/pid-pressure";

// {key, effect}.
nlohmann::json MakeTaint(std::string_view key, std::string_view effect);
// spec.taints (an array, possibly empty).
std::vector<nlohmann::json> NodeTaints(const nlohmann::json& node);
// The node's taints with effect NoExecute.
std::vector<nlohmann::json> NoExecuteTaints(const nlohmann::json& node);
// A taint with the same key and effect is present.
bool TaintExists(const std::vector<nlohmann::json>& taints, const nlohmann::json& taint);

// The toleration tolerates the taint (empty effect / key match all; operator Exists or Equal).
bool ToleratesTaint(const nlohmann::json& toleration, const nlohmann::json& taint);
// Whether every taint is tolerated, and the first toleration matching each taint.
bool MatchingTolerations(const std::vector<nlohmann::json>& taints,
                         const nlohmann::json& tolerations, std::vector<nlohmann::json>* used);
// The shortest tolerationSeconds among `tolerations` in seconds: -1 when none sets it (forever),
// 0 when the list is empty or a value is <= 0.
int64_t MinTolerationSeconds(const std::vector<nlohmann::json>& tolerations);

// Adds `add` (timeAdded = now) and removes `remove` (by key and effect) from the node's taints
// with an update of the node; writes nothing when nothing changes. `node` is the caller's view;
// on a conflict the node is read again and the change recomputed (5 attempts).
absl::Status SwapNodeTaints(client::Client& client, const base::Clock& clock,
                            const nlohmann::json& node, const std::vector<nlohmann::json>& add,
                            const std::vector<nlohmann::json>& remove);

}  // namespace k1s::controllers::node_lifecycle
