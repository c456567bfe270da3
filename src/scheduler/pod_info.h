#pragma once
// A pod as the scheduler sees it: the facts filters and scores need, parsed once per
// scheduling attempt (PodInfo), and the smaller record kept for every pod placed on a node
// (PlacedPod: what it reserves there). Pod (anti-)affinity terms are parsed into a shared
// PodAffinityTerms that stays null for the many pods without any.
//
// Immutable once built; thread-safe to share.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/label_selector.h"
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

// One pod (anti-)affinity term (upstream framework.AffinityTerm).
struct AffinityTerm {
  std::string topology_key;
  // The namespaces named by the term, or the pod's own when it names none and has no
  // namespaceSelector.
  std::set<std::string> namespaces;
  // namespaceSelector: null selects no namespace, {} every namespace.
  std::optional<api::LabelSelector> namespace_selector;
  // labelSelector with matchLabelKeys/mismatchLabelKeys merged in (as the apiserver does
  // upstream); null matches no pod.
  std::optional<api::LabelSelector> selector;

  // Whether a pod in `pod_namespace` with `pod_labels` matches; `namespace_labels` are the labels
  // of that pod's Namespace (only the namespaceSelector reads them).
  bool Matches(const std::string& pod_namespace, const Labels& pod_labels,
               const Labels& namespace_labels) const;
};

struct WeightedAffinityTerm {
  AffinityTerm term;
  int32_t weight = 0;
};

// spec.affinity.podAffinity and podAntiAffinity, parsed.
struct PodAffinityTerms {
  std::vector<AffinityTerm> required_affinity;
  std::vector<AffinityTerm> required_anti_affinity;
  std::vector<WeightedAffinityTerm> preferred_affinity;
  std::vector<WeightedAffinityTerm> preferred_anti_affinity;
  std::string parse_error;  // a selector that did not parse (its term is left out)
};

// null when the pod has no pod affinity or anti-affinity terms at all.
std::shared_ptr<const PodAffinityTerms> ParsePodAffinityTerms(const nlohmann::json& pod);

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
  // Pod (anti-)affinity terms; null for the many pods without any.
  std::shared_ptr<const PodAffinityTerms> pod_affinity;
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
  std::shared_ptr<const PodAffinityTerms> pod_affinity;  // null: none (same as placed's)
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
