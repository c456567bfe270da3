#include "scheduler/pod_info.h"

#include <nlohmann/json.hpp>

namespace k1s::scheduler {
namespace {

using nlohmann::json;

const json& Member(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringAt(const json& object, const char* a, const char* b) {
  const json& value = Member(Member(object, a), b);
  return value.is_string() ? value.get<std::string>() : std::string();
}

}  // namespace

int32_t PodPriority(const json& pod) {
  const json& priority = Member(Member(pod, "spec"), "priority");
  return priority.is_number_integer() ? static_cast<int32_t>(priority.get<int64_t>()) : 0;
}

bool IsResponsibleFor(const json& pod, const std::string& scheduler_name) {
  std::string name = StringAt(pod, "spec", "schedulerName");
  return name == scheduler_name || (name.empty() && scheduler_name == kDefaultSchedulerName);
}

bool IsAssigned(const json& pod) { return !StringAt(pod, "spec", "nodeName").empty(); }

bool IsTerminal(const json& pod) {
  std::string phase = StringAt(pod, "status", "phase");
  return phase == "Succeeded" || phase == "Failed";
}

bool IsBeingDeleted(const json& pod) {
  return !Member(Member(pod, "metadata"), "deletionTimestamp").is_null();
}

bool HasSchedulingGates(const json& pod) {
  const json& gates = Member(Member(pod, "spec"), "schedulingGates");
  return gates.is_array() && !gates.empty();
}

std::vector<HostPort> PodHostPorts(const json& pod) {
  std::vector<HostPort> ports;
  auto add_from = [&](const json& container) {
    const json& list = Member(container, "ports");
    for (const json& port : list.is_array() ? list : json::array()) {
      const json& host_port = Member(port, "hostPort");
      if (!host_port.is_number_integer() || host_port.get<int64_t>() <= 0) continue;
      HostPort entry;
      entry.port = static_cast<int32_t>(host_port.get<int64_t>());
      const json& protocol = Member(port, "protocol");
      entry.protocol = protocol.is_string() ? protocol.get<std::string>() : "TCP";
      const json& ip = Member(port, "hostIP");
      entry.host_ip = ip.is_string() ? ip.get<std::string>() : "";
      ports.push_back(std::move(entry));
    }
  };
  const json& spec = Member(pod, "spec");
  const json& containers = Member(spec, "containers");
  for (const json& container : containers.is_array() ? containers : json::array()) {
    add_from(container);
  }
  const json& init = Member(spec, "initContainers");
  for (const json& container : init.is_array() ? init : json::array()) {
    if (Member(container, "restartPolicy") == "Always") add_from(container);
  }
  return ports;
}

PodInfo MakePodInfo(client::ObjectPtr pod) {
  PodInfo info;
  const json& object = *pod;
  info.namespace_name = StringAt(object, "metadata", "namespace");
  info.name = StringAt(object, "metadata", "name");
  info.uid = StringAt(object, "metadata", "uid");
  info.key = client::ObjectKey(info.namespace_name, info.name);
  info.node_name = StringAt(object, "spec", "nodeName");
  info.priority = PodPriority(object);
  info.preemption_policy = StringAt(object, "spec", "preemptionPolicy");
  info.placed = MakePlacedPod(pod);
  info.requests = info.placed->requests;
  info.non_zero_requests = info.placed->non_zero_requests;
  info.tolerations = ParseTolerations(object);
  const json& selector = Member(Member(object, "spec"), "nodeSelector");
  if (selector.is_object()) {
    for (const auto& [key, value] : selector.items()) {
      if (value.is_string()) info.node_selector.emplace(key, value.get<std::string>());
    }
  }
  info.required_affinity = ParseRequiredNodeAffinity(object);
  info.preferred_affinity = ParsePreferredNodeAffinity(object);
  info.pod = std::move(pod);
  return info;
}

std::shared_ptr<const PlacedPod> MakePlacedPod(client::ObjectPtr object) {
  const json& pod = *object;
  auto placed = std::make_shared<PlacedPod>();
  placed->namespace_name = StringAt(pod, "metadata", "namespace");
  placed->key = client::ObjectKey(placed->namespace_name, StringAt(pod, "metadata", "name"));
  placed->uid = StringAt(pod, "metadata", "uid");
  placed->priority = PodPriority(pod);
  placed->labels = ParseLabels(pod);
  placed->requests = PodRequests(pod);
  placed->non_zero_requests = PodRequests(pod, /*non_zero=*/true);
  placed->host_ports = PodHostPorts(pod);
  placed->terminating = IsBeingDeleted(pod);
  placed->object = std::move(object);
  return placed;
}

}  // namespace k1s::scheduler
