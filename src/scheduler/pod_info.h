#pragma once
// A pod as the scheduler sees it: the facts filters and scores need, parsed once per
// scheduling attempt (PodInfo), and the smaller record kept for every pod placed on a node
// (PlacedPod: what it reserves there).
//
// Immutable once built; thread-safe to share.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "client/informer.h"
#include "scheduler/resources.h"
#include "scheduler/selectors.h"

namespace k1s::scheduler {

inline constexpr char kDefaultSchedulerName[] = "default-scheduler";

// A port a container asks the node for (ports[].hostPort > 0).
struct HostPort {
  std::string host_ip;   // "" and "0.0.0.0" mean every address
  std::string protocol;  // TCP (default), UDP, SCTP
  int32_t port = 0;

  bool operator==(const HostPort& other) const {
    return host_ip == other.host_ip && protocol == other.protocol && port == other.port;
  }
};

struct PlacedPod {
  std::string key;  // "ns/name"
  std::string uid;
  std::string namespace_name;
  int32_t priority = 0;
  Labels labels;
  Resources requests;           // what NodeResourcesFit reserves
  Resources non_zero_requests;  // what scoring counts (cpu/memory defaults when missing)
  std::vector<HostPort> host_ports;
  bool terminating = false;  // metadata.deletionTimestamp set
  // The pod as last seen (shared with the informer, not copied): for plugins that need more.
  client::ObjectPtr object;
};

struct PodInfo {
  client::ObjectPtr pod;
  std::string key;
  std::string namespace_name;
  std::string name;
  std::string uid;
  std::string node_name;  // spec.nodeName
  int32_t priority = 0;
  std::string preemption_policy;  // "PreemptLowerPriority" (default) or "Never"
  Resources requests;
  Resources non_zero_requests;
  std::vector<Toleration> tolerations;
  Labels node_selector;  // spec.nodeSelector
  std::optional<NodeSelector> required_affinity;
  std::vector<PreferredTerm> preferred_affinity;
  // What this pod becomes on its node once placed (labels, ports, requests...).
  std::shared_ptr<const PlacedPod> placed;
};

PodInfo MakePodInfo(client::ObjectPtr pod);
std::shared_ptr<const PlacedPod> MakePlacedPod(client::ObjectPtr pod);
// Host ports of the containers (and of restartable init containers, which keep running).
std::vector<HostPort> PodHostPorts(const nlohmann::json& pod);

// spec.priority (0 when unset).
int32_t PodPriority(const nlohmann::json& pod);
// Whether this scheduler (named `scheduler_name`) schedules the pod: its spec.schedulerName is
// that name, or empty and the name is default-scheduler.
bool IsResponsibleFor(const nlohmann::json& pod, const std::string& scheduler_name);
bool IsAssigned(const nlohmann::json& pod);      // spec.nodeName set
bool IsTerminal(const nlohmann::json& pod);      // phase Succeeded or Failed
bool IsBeingDeleted(const nlohmann::json& pod);  // metadata.deletionTimestamp set
bool HasSchedulingGates(const nlohmann::json& pod);

}  // namespace k1s::scheduler
