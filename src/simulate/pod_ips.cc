#include "simulate/pod_ips.h"

#include <algorithm>
#include <charconv>

#include "base/strings.h"

namespace k1s::simulate {

bool ParseIpv4Cidr(std::string_view cidr, uint32_t* base, int32_t* prefix) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view address = cidr.substr(0, slash);
  std::string_view bits = cidr.substr(slash + 1);
  uint32_t value = 0;
  for (int part = 0; part < 4; ++part) {
    size_t dot = address.find('.');
    std::string_view octet = part < 3 ? address.substr(0, dot) : address;
    if ((part < 3 && dot == std::string_view::npos) || octet.empty() || octet.size() > 3) {
      return false;
    }
    uint32_t number = 0;
    auto [end, error] = std::from_chars(octet.data(), octet.data() + octet.size(), number);
    if (error != std::errc() || end != octet.data() + octet.size() || number > 255) return false;
    value = (value << 8) | number;
    if (part < 3) address.remove_prefix(dot + 1);
  }
  int32_t length = 0;
  auto [end, error] = std::from_chars(bits.data(), bits.data() + bits.size(), length);
  if (error != std::errc() || end != bits.data() + bits.size() || length < 0 || length > 32) {
    return false;
  }
  uint32_t mask = length == 0 ? 0 : ~uint32_t{0} << (32 - length);
  *base = value & mask;
  *prefix = length;
  return true;
}

std::string FormatIpv4(uint32_t address) {
  return base::StrCat(address >> 24, ".", (address >> 16) & 255, ".", (address >> 8) & 255, ".",
                      address & 255);
}

std::string PodIpPool::Assign(const std::string& pod_key, std::string_view pod_cidr) {
  if (auto it = by_pod_.find(pod_key); it != by_pod_.end()) return it->second;
  uint32_t base = 0;
  int32_t prefix = 0;
  if (!ParseIpv4Cidr(pod_cidr, &base, &prefix) || prefix > 30) {
    // 10.244.0.0/24 for node 0, ..., 10.244.255.0/24, then 10.245.0.0/24 ...
    base = (uint32_t{10} << 24) + (uint32_t{244} << 16) + (static_cast<uint32_t>(node_index_) << 8);
    prefix = 24;
  }
  uint64_t size = uint64_t{1} << (32 - prefix);
  uint64_t last = std::min<uint64_t>(size - 2, 65534);  // skip the broadcast address
  for (uint64_t offset = 2; offset <= last; ++offset) {
    std::string ip = FormatIpv4(base + static_cast<uint32_t>(offset));
    if (used_.insert(ip).second) {
      by_pod_[pod_key] = ip;
      return ip;
    }
  }
  return "";
}

void PodIpPool::Claim(const std::string& pod_key, const std::string& ip) {
  if (ip.empty() || by_pod_.count(pod_key) > 0) return;
  by_pod_[pod_key] = ip;
  used_.insert(ip);
}

void PodIpPool::Release(const std::string& pod_key) {
  auto it = by_pod_.find(pod_key);
  if (it == by_pod_.end()) return;
  used_.erase(it->second);
  by_pod_.erase(it);
}

}  // namespace k1s::simulate
