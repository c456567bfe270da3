// NodePorts (upstream plugins/nodeports): a pod's host ports must be free on the node. Both the
// pod's ports and those of the pods already there come parsed with the pods (HostPort), so the
// Filter only compares them. Stateless and thread-safe.
#include <string_view>

#include "scheduler/plugins/plugins.h"

namespace k1s::scheduler::plugins {
namespace {

constexpr std::string_view kBindAll = "0.0.0.0";

// upstream's HostPortInfo sanitizing: no address means every address, no protocol means TCP.
std::string_view HostIp(const HostPort& port) {
  return port.host_ip.empty() ? kBindAll : std::string_view(port.host_ip);
}
std::string_view Protocol(const HostPort& port) {
  return port.protocol.empty() ? std::string_view("TCP") : std::string_view(port.protocol);
}

// upstream HostPortInfo.CheckConflict for one used port: a wildcard address on either side
// clashes with any address; otherwise only the same address does.
bool Conflicts(const HostPort& wanted, const HostPort& used) {
  if (wanted.port <= 0 || wanted.port != used.port) return false;
  if (Protocol(wanted) != Protocol(used)) return false;
  std::string_view wanted_ip = HostIp(wanted);
  std::string_view used_ip = HostIp(used);
  return wanted_ip == kBindAll || used_ip == kBindAll || wanted_ip == used_ip;
}

}  // namespace

Status NodePorts::PreFilter(CycleState&, const PodInfo& pod, const Snapshot&,
                            std::optional<std::set<std::string>>*) const {
  return pod.placed->host_ports.empty() ? Status::Skip() : Status::Success();
}

Status NodePorts::Filter(const CycleState&, const PodInfo& pod, const NodeInfo& node) const {
  const std::vector<HostPort>& wanted_ports = pod.placed->host_ports;
  if (wanted_ports.empty()) return Status::Success();
  for (const auto& [key, placed] : node.pods()) {
    for (const HostPort& used : placed->host_ports) {
      for (const HostPort& wanted : wanted_ports) {
        if (Conflicts(wanted, used)) {
          return Status::Unschedulable(
              {"node(s) didn't have free ports for the requested pod ports"});
        }
      }
    }
  }
  return Status::Success();
}

}  // namespace k1s::scheduler::plugins
