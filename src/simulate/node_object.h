#pragma once
// The Node and Lease objects a kubelet registers and keeps fresh, built for one simulated node:
// labels, capacity/allocatable, the four kubelet conditions with upstream's reasons and messages,
// addresses, daemon endpoints and nodeInfo; the node's heartbeat Lease in kube-node-lease.
//
// Stateless free functions; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

namespace k1s::simulate {

// Label every simulated node carries (as kwok's type=kwok); selects them in informers.
inline constexpr char kSimulatedLabel[] = "node.k1s.io/simulated";
inline constexpr char kNodeLeaseNamespace[] = "kube-node-lease";

struct NodeShape {
  std::string cpu = "32";
  std::string memory = "256Gi";
  std::string pods = "110";
  std::string ephemeral_storage = "100Gi";
  std::string architecture = "amd64";
  std::string kubelet_version = "v1.32.0+k1s1";
};

// "10.200.<i / 254>.<i % 254 + 1>": the InternalIP of the node with index `index`.
std::string NodeInternalIp(int32_t index);

// The Node a kubelet creates when it registers (metadata and spec; no status).
nlohmann::json NodeForRegistration(const std::string& name, const NodeShape& shape);

// The node's whole status at `now_seconds`, keeping each condition's lastTransitionTime from
// `old_status` when its status did not change.
nlohmann::json NodeStatus(const std::string& name, int32_t index, const NodeShape& shape,
                          const nlohmann::json& old_status, int64_t now_seconds);

// The heartbeat Lease of node `name` (uid `node_uid`) renewed at `now_nanos`.
nlohmann::json NodeLease(const std::string& name, const std::string& node_uid,
                         int32_t lease_duration_seconds, int64_t now_nanos);

}  // namespace k1s::simulate
