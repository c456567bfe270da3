#include "controllers/endpointslice/slice_builder.h"

#include <arpa/inet.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "client/informer.h"
#include "controllers/common/owner_refs.h"
#include "controllers/common/pods.h"
#include "controllers/endpoints/endpoint_util.h"

namespace k1s::controllers::endpointslice {
namespace {

using nlohmann::json;
namespace ep = endpoints;

constexpr std::string_view kZoneLabel = "topology.kubernetes.io/zone";

const json& Member(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringMember(const json& object, std::string_view key) {
  const json& value = Member(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

bool IsReservedLabel(std::string_view key) {
  return key == kServiceNameLabel || key == kManagedByLabel || key == ep::kHeadlessServiceLabel;
}

// The canonical text of `ip` and whether it is IPv6; nullopt when it does not parse.
std::optional<std::pair<std::string, bool>> CanonicalIP(const std::string& ip) {
  char text[INET6_ADDRSTRLEN] = {};
  in6_addr v6{};
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1 &&
      inet_ntop(AF_INET6, &v6, text, sizeof(text)) != nullptr) {
    return std::make_pair(std::string(text), true);
  }
  in_addr v4{};
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1 &&
      inet_ntop(AF_INET, &v4, text, sizeof(text)) != nullptr) {
    return std::make_pair(std::string(text), false);
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> AddressTypesForService(const json& service) {
  const json& spec = Member(service, "spec");
  std::vector<std::string> types;
  const json& families = Member(spec, "ipFamilies");
  if (families.is_array()) {
    for (const json& family : families) {
      if (family == "IPv4" || family == "IPv6") {
        const std::string type = family.get<std::string>();
        if (std::find(types.begin(), types.end(), type) == types.end()) types.push_back(type);
      }
    }
  }
  if (!types.empty()) return types;
  if (ep::IsServiceIPSet(service)) {
    return {ep::IsIPv6(StringMember(spec, "clusterIP")) ? "IPv6" : "IPv4"};
  }
  return {"IPv4", "IPv6"};
}

json EndpointPorts(const json& service, const json& pod) {
  json ports = json::array();
  const json& spec = Member(service, "spec");
  const json& service_ports = Member(spec, "ports");
  if (!service_ports.is_array()) return ports;
  for (const json& service_port : service_ports) {
    const std::optional<int32_t> number = ep::FindPort(pod, service_port);
    if (!number.has_value()) continue;
    std::string protocol = StringMember(service_port, "protocol");
    json port = {{"name", StringMember(service_port, "name")},
                 {"port", *number},
                 {"protocol", protocol.empty() ? "TCP" : protocol}};
    const json& app_protocol = Member(service_port, "appProtocol");
    if (app_protocol.is_string()) port["appProtocol"] = app_protocol;
    ports.push_back(std::move(port));
  }
  return ports;
}

std::string PortMapKey(const json& ports) {
  std::vector<std::string> parts;
  if (ports.is_array()) {
    for (const json& port : ports) parts.push_back(port.dump());
  }
  std::sort(parts.begin(), parts.end());
  std::string key;
  for (const std::string& part : parts) {
    key += part;
    key += '\n';
  }
  return key;
}

json PodToEndpoint(const json& pod, const json* node, const json& service,
                   std::string_view address_type) {
  const bool serving = IsPodReady(pod);
  const bool terminating = IsBeingDeleted(pod);
  // Ready is never true for a terminating pod unless not-ready addresses are published.
  const bool ready = Member(Member(service, "spec"), "publishNotReadyAddresses") == true ||
                     (serving && !terminating);
  json addresses = json::array();
  for (const std::string& ip : ep::PodIPs(pod)) {
    auto canonical = CanonicalIP(ip);
    if (!canonical.has_value()) continue;
    if (canonical->second == (address_type == "IPv6")) addresses.push_back(canonical->first);
  }
  const json& metadata = Member(pod, "metadata");
  json endpoint = {
      {"addresses", addresses},
      {"conditions", {{"ready", ready}, {"serving", serving}, {"terminating", terminating}}}};
  if (ep::ShouldSetHostname(pod, service)) {
    endpoint["hostname"] = StringMember(Member(pod, "spec"), "hostname");
  }
  endpoint["targetRef"] = {{"kind", "Pod"},
                           {"namespace", StringMember(metadata, "namespace")},
                           {"name", StringMember(metadata, "name")},
                           {"uid", StringMember(metadata, "uid")}};
  const std::string node_name = StringMember(Member(pod, "spec"), "nodeName");
  if (!node_name.empty()) endpoint["nodeName"] = node_name;
  if (node != nullptr) {
    const std::string zone = StringMember(Member(Member(*node, "metadata"), "labels"), kZoneLabel);
    if (!zone.empty()) endpoint["zone"] = zone;
  }
  return endpoint;
}

json NewSlice(const json& service, const json& ports, std::string_view address_type) {
  const json& metadata = Member(service, "metadata");
  json slice = {{"apiVersion", "discovery.k8s.io/v1"},
                {"kind", "EndpointSlice"},
                {"metadata",
                 {{"generateName", StringMember(metadata, "name") + "-"},
                  {"namespace", StringMember(metadata, "namespace")},
                  {"labels", json::object()},
                  {"ownerReferences", json::array({MakeControllerRef(service, "v1", "Service")})}}},
                {"addressType", address_type},
                {"endpoints", json::array()},
                {"ports", ports.is_array() ? ports : json::array()}};
  bool changed = false;
  slice["metadata"]["labels"] = SliceLabels(slice, service, &changed);
  return slice;
}

json SliceLabels(const json& slice, const json& service, bool* changed) {
  json slice_labels = json::object();
  const json& current = Member(Member(slice, "metadata"), "labels");
  if (current.is_object()) {
    for (const auto& [key, value] : current.items()) {
      if (!IsReservedLabel(key)) slice_labels[key] = value;
    }
  }
  json labels = json::object();
  const json& service_labels = Member(Member(service, "metadata"), "labels");
  if (service_labels.is_object()) {
    for (const auto& [key, value] : service_labels.items()) {
      if (!IsReservedLabel(key)) labels[key] = value;
    }
  }
  *changed = labels != slice_labels;
  if (!ep::IsServiceIPSet(service)) labels[std::string(ep::kHeadlessServiceLabel)] = "";
  labels[std::string(kServiceNameLabel)] = StringMember(Member(service, "metadata"), "name");
  labels[std::string(kManagedByLabel)] = std::string(kManagedByValue);
  return labels;
}

bool OwnedBy(const json& slice, const json& service) {
  const json& refs = Member(Member(slice, "metadata"), "ownerReferences");
  if (!refs.is_array()) return false;
  const std::string uid = StringMember(Member(service, "metadata"), "uid");
  for (const json& ref : refs) {
    if (StringMember(ref, "uid") == uid && StringMember(ref, "kind") == "Service" &&
        StringMember(ref, "apiVersion") == "v1") {
      return true;
    }
  }
  return false;
}

std::string EndpointKey(const json& endpoint) {
  std::vector<std::string> addresses;
  const json& list = Member(endpoint, "addresses");
  if (list.is_array()) {
    for (const json& address : list) {
      if (address.is_string()) addresses.push_back(address.get<std::string>());
    }
  }
  std::sort(addresses.begin(), addresses.end());
  std::string key;
  for (const std::string& address : addresses) {
    key += address;
    key += ',';
  }
  const json& ref = Member(endpoint, "targetRef");
  key += '\x1f';
  key += StringMember(endpoint, "hostname");
  key += '\x1f';
  key += StringMember(ref, "namespace");
  key += '/';
  key += StringMember(ref, "name");
  return key;
}

bool EndpointsEqualBeyondKey(const json& a, const json& b) {
  auto condition = [](const json& endpoint, std::string_view type) {
    return Member(Member(endpoint, "conditions"), type);
  };
  auto target = [](const json& endpoint) {
    json ref = Member(endpoint, "targetRef");
    if (ref.is_object()) ref.erase("resourceVersion");
    return ref;
  };
  return Member(a, "nodeName") == Member(b, "nodeName") && Member(a, "zone") == Member(b, "zone") &&
         condition(a, "ready") == condition(b, "ready") &&
         condition(a, "serving") == condition(b, "serving") &&
         condition(a, "terminating") == condition(b, "terminating") && target(a) == target(b);
}

std::string ServiceKeyOfSlice(const json& slice) {
  const json& metadata = Member(slice, "metadata");
  const std::string service = StringMember(Member(metadata, "labels"), kServiceNameLabel);
  if (service.empty()) return "";
  return client::ObjectKey(StringMember(metadata, "namespace"), service);
}

bool ManagedByController(const json& slice) {
  return StringMember(Member(Member(slice, "metadata"), "labels"), kManagedByLabel) ==
         kManagedByValue;
}

}  // namespace k1s::controllers::endpointslice
