#include "scheduler/pod_info.h"

#include <nlohmann/json.hpp>

#include "api/json_fields.h"

namespace k1s::scheduler {
namespace {

using api::Member;
using api::StringAt;

using nlohmann::json;

const json& ArrayAt(const json& object, const char* key) {
  static const json kEmpty = json::array();
  const json& value = Member(object, key);
  return value.is_array() ? value : kEmpty;
}

// One PodAffinityTerm; false (with `*error` set) when a selector does not parse.
bool ParseAffinityTerm(const json& term, const std::string& pod_namespace, const Labels& pod_labels,
                       AffinityTerm* out, std::string* error) {
  const json& topology_key = Member(term, "topologyKey");
  if (topology_key.is_string()) out->topology_key = topology_key.get<std::string>();
  const json& namespace_selector = Member(term, "namespaceSelector");
  for (const json& name : ArrayAt(term, "namespaces")) {
    if (name.is_string()) out->namespaces.insert(name.get<std::string>());
  }
  if (out->namespaces.empty() && namespace_selector.is_null()) {
    out->namespaces.insert(pod_namespace);
  }
  if (!namespace_selector.is_null()) {
    auto parsed = api::LabelSelector::FromJson(namespace_selector);
    if (!parsed.ok()) {
      *error = std::string(parsed.status().message());
      return false;
    }
    out->namespace_selector = *std::move(parsed);
  }
  const json& label_selector = Member(term, "labelSelector");
  if (label_selector.is_null()) return true;  // matches no pod; label keys have nothing to join
  // matchLabelKeys / mismatchLabelKeys become "key in (value)" / "key notin (value)" for the
  // keys this pod carries.
  json merged = label_selector;
  auto add_keys = [&](const char* field, const char* op) {
    for (const json& key : ArrayAt(term, field)) {
      if (!key.is_string()) continue;
      auto label = pod_labels.find(key.get<std::string>());
      if (label == pod_labels.end()) continue;
      if (!merged["matchExpressions"].is_array()) merged["matchExpressions"] = json::array();
      merged["matchExpressions"].push_back(
          {{"key", label->first}, {"operator", op}, {"values", json::array({label->second})}});
    }
  };
  add_keys("matchLabelKeys", "In");
  add_keys("mismatchLabelKeys", "NotIn");
  auto parsed = api::LabelSelector::FromJson(merged);
  if (!parsed.ok()) {
    *error = std::string(parsed.status().message());
    return false;
  }
  out->selector = *std::move(parsed);
  return true;
}

std::shared_ptr<const PodAffinityTerms> ParsePodAffinityTerms(const json& pod,
                                                              const std::string& pod_namespace,
                                                              const Labels& pod_labels) {
  const json& affinity = Member(Member(pod, "spec"), "affinity");
  const json& pod_affinity = Member(affinity, "podAffinity");
  const json& anti_affinity = Member(affinity, "podAntiAffinity");
  if (pod_affinity.is_null() && anti_affinity.is_null()) return nullptr;
  auto terms = std::make_shared<PodAffinityTerms>();
  auto parse_required = [&](const json& source, std::vector<AffinityTerm>& out) {
    for (const json& term : ArrayAt(source, "requiredDuringSchedulingIgnoredDuringExecution")) {
      AffinityTerm parsed;
      if (ParseAffinityTerm(term, pod_namespace, pod_labels, &parsed, &terms->parse_error)) {
        out.push_back(std::move(parsed));
      }
    }
  };
  auto parse_preferred = [&](const json& source, std::vector<WeightedAffinityTerm>& out) {
    for (const json& term : ArrayAt(source, "preferredDuringSchedulingIgnoredDuringExecution")) {
      WeightedAffinityTerm parsed;
      const json& weight = Member(term, "weight");
      if (weight.is_number_integer()) parsed.weight = static_cast<int32_t>(weight.get<int64_t>());
      if (ParseAffinityTerm(Member(term, "podAffinityTerm"), pod_namespace, pod_labels,
                            &parsed.term, &terms->parse_error)) {
        out.push_back(std::move(parsed));
      }
    }
  };
  parse_required(pod_affinity, terms->required_affinity);
  parse_required(anti_affinity, terms->required_anti_affinity);
  parse_preferred(pod_affinity, terms->preferred_affinity);
  parse_preferred(anti_affinity, terms->preferred_anti_affinity);
  if (terms->required_affinity.empty() && terms->required_anti_affinity.empty() &&
      terms->preferred_affinity.empty() && terms->preferred_anti_affinity.empty() &&
      terms->parse_error.empty()) {
    return nullptr;
  }
  return terms;
}

}  // namespace

bool AffinityTerm::Matches(const std::string& pod_namespace, const Labels& pod_labels,
                           const Labels& namespace_labels) const {
  if (namespaces.count(pod_namespace) == 0 &&
      !(namespace_selector && namespace_selector->Matches(namespace_labels))) {
    return false;
  }
  return selector && selector->Matches(pod_labels);
}

std::shared_ptr<const PodAffinityTerms> ParsePodAffinityTerms(const json& pod) {
  return ParsePodAffinityTerms(pod, StringAt(pod, "metadata", "namespace"), ParseLabels(pod));
}

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
  info.pod_affinity = info.placed->pod_affinity;
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
  placed->pod_affinity = ParsePodAffinityTerms(pod, placed->namespace_name, placed->labels);
  placed->object = std::move(object);
  return placed;
}

}  // namespace k1s::scheduler
