#include "controllers/endpoints/endpoint_util.h"

#include <arpa/inet.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "controllers/common/pods.h"

namespace k1s::controllers::endpoints {
namespace {

using nlohmann::json;

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

// The pod's Ready condition lastTransitionTime in Unix seconds (0 when unknown).
int64_t ReadyTransitionTime(const json& pod) {
  const json* ready = FindCondition(pod, "Ready");
  if (ready == nullptr) return 0;
  return api::ParseTimestamp(StringMember(*ready, "lastTransitionTime")).value_or(0);
}

std::optional<int32_t> FindNamedPort(const json& containers, const std::string& name,
                                     const std::string& protocol, bool restartable_only) {
  if (!containers.is_array()) return std::nullopt;
  for (const json& container : containers) {
    if (restartable_only && StringMember(container, "restartPolicy") != "Always") continue;
    const json& ports = Member(container, "ports");
    if (!ports.is_array()) continue;
    for (const json& port : ports) {
      std::string port_protocol = StringMember(port, "protocol");
      if (port_protocol.empty()) port_protocol = "TCP";
      const json& number = Member(port, "containerPort");
      if (StringMember(port, "name") == name && port_protocol == protocol &&
          number.is_number_integer()) {
        return number.get<int32_t>();
      }
    }
  }
  return std::nullopt;
}

// Labels, hostname and subdomain decide which services select a pod and under which name.
bool MembershipInputsChanged(const json& old_pod, const json& new_pod) {
  const json& old_meta = Member(old_pod, "metadata");
  const json& new_meta = Member(new_pod, "metadata");
  const json& old_spec = Member(old_pod, "spec");
  const json& new_spec = Member(new_pod, "spec");
  return Member(old_meta, "labels") != Member(new_meta, "labels") ||
         StringMember(old_spec, "hostname") != StringMember(new_spec, "hostname") ||
         StringMember(old_spec, "subdomain") != StringMember(new_spec, "subdomain");
}

// Whether anything an endpoint shows of the pod changed: deletion, readiness, IPs, terminal
// phase. Name, namespace, uid and nodeName never change once the pod has an IP.
bool EndpointInputsChanged(const json& old_pod, const json& new_pod) {
  return Member(Member(old_pod, "metadata"), "deletionTimestamp") !=
             Member(Member(new_pod, "metadata"), "deletionTimestamp") ||
         IsPodReady(old_pod) != IsPodReady(new_pod) || PodIPs(old_pod) != PodIPs(new_pod) ||
         IsPodTerminal(old_pod) != IsPodTerminal(new_pod);
}

}  // namespace

bool HasSelector(const json& service) {
  const json& selector = Member(Member(service, "spec"), "selector");
  return selector.is_object() && !selector.empty();
}

bool SelectorMatches(const json& service, const json& pod) {
  if (!HasSelector(service)) return false;
  const json& labels = Member(Member(pod, "metadata"), "labels");
  for (const auto& [key, value] : service["spec"]["selector"].items()) {
    const json& label = Member(labels, key);
    if (!label.is_string() || label != value) return false;
  }
  return true;
}

bool IsServiceIPSet(const json& service) {
  const std::string ip = StringMember(Member(service, "spec"), "clusterIP");
  return !ip.empty() && ip != "None";
}

bool ShouldPodBeInEndpoints(const json& pod, bool include_terminating) {
  if (IsPodTerminal(pod)) return false;
  if (PodIPs(pod).empty()) return false;
  if (!include_terminating && IsBeingDeleted(pod)) return false;
  return true;
}

bool ShouldSetHostname(const json& pod, const json& service) {
  const json& spec = Member(pod, "spec");
  const std::string hostname = StringMember(spec, "hostname");
  return !hostname.empty() &&
         StringMember(spec, "subdomain") == StringMember(Member(service, "metadata"), "name") &&
         StringMember(Member(service, "metadata"), "namespace") ==
             StringMember(Member(pod, "metadata"), "namespace");
}

std::optional<int32_t> FindPort(const json& pod, const json& service_port) {
  json target = Member(service_port, "targetPort");
  if (target.is_null()) target = Member(service_port, "port");
  if (target.is_number_integer()) return target.get<int32_t>();
  if (!target.is_string()) return std::nullopt;
  const std::string name = target.get<std::string>();
  // An IntOrString given as digits in a string is a number.
  if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit) && name.size() < 10) {
    return std::stoi(name);
  }
  std::string protocol = StringMember(service_port, "protocol");
  if (protocol.empty()) protocol = "TCP";
  const json& spec = Member(pod, "spec");
  if (auto port = FindNamedPort(Member(spec, "containers"), name, protocol, false)) return port;
  return FindNamedPort(Member(spec, "initContainers"), name, protocol, true);
}

std::vector<std::string> PodIPs(const json& pod) {
  std::vector<std::string> ips;
  const json& status = Member(pod, "status");
  const json& list = Member(status, "podIPs");
  if (list.is_array()) {
    for (const json& entry : list) {
      std::string ip = StringMember(entry, "ip");
      if (!ip.empty()) ips.push_back(std::move(ip));
    }
  }
  if (ips.empty()) {
    std::string ip = StringMember(status, "podIP");
    if (!ip.empty()) ips.push_back(std::move(ip));
  }
  return ips;
}

bool IsIPv6(std::string_view ip) {
  in6_addr address{};
  return inet_pton(AF_INET6, std::string(ip).c_str(), &address) == 1;
}

std::set<std::string> ServiceMemberships(const client::Informer& services, const json& pod) {
  std::set<std::string> keys;
  const std::string namespace_name = StringMember(Member(pod, "metadata"), "namespace");
  for (const client::ObjectPtr& service : services.List(namespace_name)) {
    if (SelectorMatches(*service, pod)) keys.insert(client::ObjectKey(*service));
  }
  return keys;
}

std::set<std::string> ServicesToUpdateOnPodChange(const client::Informer& services,
                                                  const json& old_pod, const json& new_pod) {
  const json& old_version = Member(Member(old_pod, "metadata"), "resourceVersion");
  const json& new_version = Member(Member(new_pod, "metadata"), "resourceVersion");
  if (old_version == new_version) return {};  // a resync
  const bool pod_changed = EndpointInputsChanged(old_pod, new_pod);
  const bool labels_changed = MembershipInputsChanged(old_pod, new_pod);
  if (!pod_changed && !labels_changed) return {};
  std::set<std::string> keys = ServiceMemberships(services, new_pod);
  if (!labels_changed) return keys;
  std::set<std::string> old_keys = ServiceMemberships(services, old_pod);
  if (pod_changed) {
    keys.insert(old_keys.begin(), old_keys.end());
    return keys;
  }
  // Only membership changed: the services the pod joined or left.
  std::set<std::string> changed;
  std::set_symmetric_difference(keys.begin(), keys.end(), old_keys.begin(), old_keys.end(),
                                std::inserter(changed, changed.begin()));
  return changed;
}

std::optional<int64_t> TriggerTimeTracker::Compute(const json& service,
                                                   const std::vector<client::ObjectPtr>& pods) {
  const json& metadata = Member(service, "metadata");
  const std::string key =
      client::ObjectKey(StringMember(metadata, "namespace"), StringMember(metadata, "name"));
  const int64_t service_time = CreationSeconds(service);
  State next;
  next.service_time = service_time;
  for (const client::ObjectPtr& pod : pods) {
    const int64_t time = ReadyTransitionTime(*pod);
    if (time != 0) next.pod_times[StringMember(Member(*pod, "metadata"), "name")] = time;
  }

  absl::MutexLock lock(&mu_);
  auto it = states_.find(key);
  if (it == states_.end()) {
    states_.emplace(key, std::move(next));
    return service_time;
  }
  std::optional<int64_t> earliest;
  auto consider = [&earliest](int64_t time) {
    if (!earliest.has_value() || time < *earliest) earliest = time;
  };
  for (const auto& [name, time] : next.pod_times) {
    auto previous = it->second.pod_times.find(name);
    if (previous == it->second.pod_times.end() || time > previous->second) consider(time);
  }
  if (service_time > it->second.service_time) consider(service_time);
  it->second = std::move(next);
  return earliest;
}

void TriggerTimeTracker::DeleteService(std::string_view namespace_name, std::string_view name) {
  absl::MutexLock lock(&mu_);
  auto it = states_.find(client::ObjectKey(namespace_name, name));
  if (it != states_.end()) states_.erase(it);
}

}  // namespace k1s::controllers::endpoints
