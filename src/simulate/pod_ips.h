#pragma once
// Pod IP addresses on one simulated node, as a CNI's host-local IPAM would hand them out: from
// the node's spec.podCIDR (IPv4) when the node IPAM controller set one, else from a fallback
// 10.244.<n>.0/24 per node (10.245.x.0/24 and up past the 256th node). Addresses .0 and .1 of
// the range are never used (network and bridge), nor the broadcast address.
//
// Not thread-safe: the NodeSimulator guards each pool with its own lock.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

namespace k1s::simulate {

class PodIpPool {
 public:
  explicit PodIpPool(int32_t node_index) : node_index_(node_index) {}

  // The IP of the pod keyed `pod_key`: the one it holds already, or the lowest free one of
  // `pod_cidr` ("" or an unusable CIDR = the fallback range). Empty when the range is full.
  std::string Assign(const std::string& pod_key, std::string_view pod_cidr);
  // Records an IP the pod already has (after a restart of the simulator).
  void Claim(const std::string& pod_key, const std::string& ip);
  void Release(const std::string& pod_key);
  size_t Size() const { return by_pod_.size(); }

 private:
  const int32_t node_index_;
  std::map<std::string, std::string> by_pod_;
  std::set<std::string> used_;
};

// "10.42.3.0/24" -> {base address as a host-order integer, prefix length}; false when it is not
// an IPv4 CIDR.
bool ParseIpv4Cidr(std::string_view cidr, uint32_t* base, int32_t* prefix);
std::string FormatIpv4(uint32_t address);

}  // namespace k1s::simulate
