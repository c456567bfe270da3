#include "controllers/endpoints/subsets.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <utility>

namespace k1s::controllers::endpoints {
namespace {

using nlohmann::json;

// Addresses are the same endpoint when IP and target uid match.
std::string AddressKey(const json& address) {
  std::string key = address.value("ip", "");
  key += '\x1f';
  const json& ref = address.contains("targetRef") ? address["targetRef"] : json();
  if (ref.is_object()) key += ref.value("uid", "");
  return key;
}

// Upstream's LessEndpointAddress: by IP bytes, then target uid (no targetRef first).
bool AddressLess(const json& a, const json& b) {
  const std::string ip_a = a.value("ip", "");
  const std::string ip_b = b.value("ip", "");
  if (ip_a != ip_b) return ip_a < ip_b;
  const bool has_a = a.contains("targetRef") && a["targetRef"].is_object();
  const bool has_b = b.contains("targetRef") && b["targetRef"].is_object();
  if (!has_b) return false;
  if (!has_a) return true;
  return a["targetRef"].value("uid", "") < b["targetRef"].value("uid", "");
}

bool PortLess(const json& a, const json& b) {
  const std::string name_a = a.value("name", "");
  const std::string name_b = b.value("name", "");
  if (name_a != name_b) return name_a < name_b;
  if (a.value("port", 0) != b.value("port", 0)) return a.value("port", 0) < b.value("port", 0);
  return a.dump() < b.dump();
}

json StripResourceVersions(json subsets) {
  if (!subsets.is_array()) return json::array();
  for (json& subset : subsets) {
    for (const char* field : {"addresses", "notReadyAddresses"}) {
      if (!subset.is_object() || !subset.contains(field) || !subset[field].is_array()) continue;
      for (json& address : subset[field]) {
        if (address.is_object() && address.contains("targetRef") &&
            address["targetRef"].is_object()) {
          address["targetRef"].erase("resourceVersion");
        }
      }
    }
  }
  return subsets;
}

json FirstN(const json& addresses, int32_t n) {
  json result = json::array();
  for (int32_t i = 0; i < n && i < static_cast<int32_t>(addresses.size()); ++i) {
    result.push_back(addresses[i]);
  }
  return result;
}

}  // namespace

json RepackSubsets(const std::vector<AddressPort>& entries) {
  // The first full address seen for each key, and per port which addresses offer it.
  std::map<std::string, json> addresses;
  std::map<std::string, std::pair<json, std::map<std::string, bool>>> by_port;
  for (const AddressPort& entry : entries) {
    const std::string key = AddressKey(entry.address);
    addresses.emplace(key, entry.address);
    const std::string port_key = entry.port.is_null() ? std::string() : entry.port.dump();
    auto& [port, ready_by_address] = by_port[port_key];
    port = entry.port;
    auto [it, inserted] = ready_by_address.emplace(key, entry.ready);
    if (!inserted && !it->second) it->second = entry.ready;
  }

  // Ports offered by the same set of (address, ready) pairs share a subset.
  std::map<std::string, std::pair<const std::map<std::string, bool>*, json>> groups;
  for (const auto& [port_key, value] : by_port) {
    const auto& [port, ready_by_address] = value;
    std::string signature;
    for (const auto& [key, ready] : ready_by_address) {
      signature += key;
      signature += ready ? "\x1eR\x1d" : "\x1eN\x1d";
    }
    auto& group = groups[signature];
    group.first = &ready_by_address;
    if (!group.second.is_array()) group.second = json::array();
    if (!port.is_null()) group.second.push_back(port);
  }

  std::vector<json> subsets;
  for (auto& [signature, group] : groups) {
    std::vector<json> ready;
    std::vector<json> not_ready;
    for (const auto& [key, is_ready] : *group.first) {
      (is_ready ? ready : not_ready).push_back(addresses[key]);
    }
    std::sort(ready.begin(), ready.end(), AddressLess);
    std::sort(not_ready.begin(), not_ready.end(), AddressLess);
    std::vector<json> ports(group.second.begin(), group.second.end());
    std::sort(ports.begin(), ports.end(), PortLess);
    json subset = json::object();
    if (!ready.empty()) subset["addresses"] = ready;
    if (!not_ready.empty()) subset["notReadyAddresses"] = not_ready;
    if (!ports.empty()) subset["ports"] = ports;
    subsets.push_back(std::move(subset));
  }
  std::sort(subsets.begin(), subsets.end(),
            [](const json& a, const json& b) { return a.dump() < b.dump(); });
  return json(subsets);
}

int32_t CountAddresses(const json& subsets) {
  int32_t count = 0;
  if (!subsets.is_array()) return 0;
  for (const json& subset : subsets) {
    for (const char* field : {"addresses", "notReadyAddresses"}) {
      if (subset.is_object() && subset.contains(field) && subset[field].is_array()) {
        count += static_cast<int32_t>(subset[field].size());
      }
    }
  }
  return count;
}

bool TruncateSubsets(json& subsets, int32_t capacity) {
  if (!subsets.is_array()) return false;
  int32_t total_ready = 0;
  int32_t total_not_ready = 0;
  auto size_of = [](const json& subset, const char* field) {
    return subset.contains(field) && subset[field].is_array()
               ? static_cast<int32_t>(subset[field].size())
               : 0;
  };
  for (const json& subset : subsets) {
    total_ready += size_of(subset, "addresses");
    total_not_ready += size_of(subset, "notReadyAddresses");
  }
  if (total_ready + total_not_ready <= capacity) return false;

  // Ready addresses are kept first; only when they alone exceed the capacity are they cut.
  const bool truncate_ready = total_ready > capacity;
  const int32_t budget = truncate_ready ? capacity : capacity - total_ready;
  const int32_t total = truncate_ready ? total_ready : total_not_ready;
  int32_t remaining = budget;
  for (json& subset : subsets) {
    const char* field = truncate_ready ? "addresses" : "notReadyAddresses";
    const int32_t in_subset = size_of(subset, field);
    int32_t to_add = static_cast<int32_t>(
        std::ceil(static_cast<double>(in_subset) / static_cast<double>(total) * budget));
    to_add = std::min(to_add, remaining);
    json kept = FirstN(subset.contains(field) ? subset[field] : json::array(), to_add);
    remaining -= static_cast<int32_t>(kept.size());
    if (truncate_ready) subset.erase("notReadyAddresses");
    if (kept.empty()) {
      subset.erase(field);
    } else {
      subset[field] = std::move(kept);
    }
  }
  return true;
}

bool SubsetsEqualIgnoringResourceVersion(const json& a, const json& b) {
  return StripResourceVersions(a) == StripResourceVersions(b);
}

}  // namespace k1s::controllers::endpoints
