#pragma once
// Building the subsets of a core/v1 Endpoints object the way upstream's RepackSubsets does:
// every (address, port, ready) the controller found is grouped so each subset lists the
// addresses that offer exactly the same ports, addresses de-duplicated by IP and target uid
// (ready wins over not ready), addresses and ports sorted. Plus upstream's truncation to
// maxCapacity (ready addresses first, each subset keeping its proportion). Stateless.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

namespace k1s::controllers::endpoints {

// Upstream's maxCapacity for one Endpoints object.
inline constexpr int32_t kMaxEndpointsCapacity = 1000;

struct AddressPort {
  nlohmann::json address;  // {ip, hostname?, nodeName?, targetRef}
  nlohmann::json port;     // {name?, port, protocol, appProtocol?}, or null for "no ports"
  bool ready = false;
};

// The packed subsets (a JSON array, possibly empty), in a deterministic order.
nlohmann::json RepackSubsets(const std::vector<AddressPort>& entries);

// addresses + notReadyAddresses over every subset.
int32_t CountAddresses(const nlohmann::json& subsets);

// Cuts `subsets` down to `capacity` addresses; false when they already fit (nothing changed).
bool TruncateSubsets(nlohmann::json& subsets, int32_t capacity = kMaxEndpointsCapacity);

// Equal subsets when targetRef.resourceVersion is ignored (a pod's resourceVersion changes with
// every status write; endpoints need not).
bool SubsetsEqualIgnoringResourceVersion(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace k1s::controllers::endpoints
