#pragma once
// The kind-specific write rules of the built-in kinds (see strategy.h): namespaces, pods,
// services (ClusterIP and NodePort allocation), secrets, config maps and endpoint slices.
#include <memory>

#include "api/resource_types.h"
#include "apiserver/range_allocator.h"
#include "apiserver/strategy.h"

namespace k1s::apiserver {

// What strategies share: the service address and port ranges. Owned by the apiserver.
struct StrategyContext {
  RangeAllocator* service_ips = nullptr;
  std::string service_cidr;  // "10.43.0.0/16", for error messages
  RangeAllocator* node_ports = nullptr;
};

std::unique_ptr<Strategy> MakeStrategy(const api::ResourceType& type,
                                       const StrategyContext& context);

// Marks the ClusterIPs and NodePorts a stored service holds (at startup).
void ReserveServiceAllocations(const nlohmann::json& service, const StrategyContext& context);

}  // namespace k1s::apiserver
