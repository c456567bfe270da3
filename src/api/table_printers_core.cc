// Printers for the core ("") API group. LimitRange has none upstream: it gets the default table.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "api/table_printer_internal.h"

namespace k1s::api::table_internal {
namespace {

json PodCells(const json& pod, int64_t now) {
  const json& spec = Field(pod, "spec");
  const json& status = Field(pod, "status");
  const std::string phase = Str(Field(status, "phase"));
  const std::string status_reason = Str(Field(status, "reason"));

  int64_t restarts = 0;
  int64_t sidecar_restarts = 0;  // of restartable init containers ("sidecars")
  int64_t total = Count(Field(spec, "containers"));
  int64_t ready = 0;
  std::optional<int64_t> last_restart;
  std::optional<int64_t> last_sidecar_restart;
  auto note_restart = [](const json& container_status, std::optional<int64_t>& latest) {
    const json& terminated = At(container_status, {"lastState", "terminated"});
    if (!Present(terminated)) return;
    std::optional<int64_t> finished = Time(Field(terminated, "finishedAt"));
    if (finished && (!latest || *latest < *finished)) latest = finished;
  };

  std::string reason = status_reason.empty() ? phase : status_reason;
  for (const json& condition : Items(Field(status, "conditions"))) {
    if (Str(Field(condition, "type")) == "PodScheduled" &&
        Str(Field(condition, "reason")) == "SchedulingGated") {
      reason = "SchedulingGated";
    }
  }

  const json& init_containers = Items(Field(spec, "initContainers"));
  std::set<std::string> sidecars;
  for (const json& container : init_containers) {
    if (Str(Field(container, "restartPolicy")) == "Always") {
      sidecars.insert(Str(Field(container, "name")));
      ++total;
    }
  }

  bool initializing = false;
  const json& init_statuses = Items(Field(status, "initContainerStatuses"));
  for (size_t i = 0; i < init_statuses.size(); ++i) {
    const json& container = init_statuses[i];
    const bool sidecar = sidecars.count(Str(Field(container, "name"))) > 0;
    restarts += Int(Field(container, "restartCount"));
    note_restart(container, last_restart);
    if (sidecar) {
      sidecar_restarts += Int(Field(container, "restartCount"));
      note_restart(container, last_sidecar_restart);
    }
    const json& terminated = At(container, {"state", "terminated"});
    const json& waiting = At(container, {"state", "waiting"});
    if (Present(terminated) && Int(Field(terminated, "exitCode")) == 0) continue;
    if (sidecar && Bool(Field(container, "started"))) {
      if (Bool(Field(container, "ready"))) ++ready;
      continue;
    }
    initializing = true;
    if (Present(terminated)) {
      const std::string why = Str(Field(terminated, "reason"));
      if (!why.empty()) {
        reason = absl::StrCat("Init:", why);
      } else if (int64_t signal = Int(Field(terminated, "signal")); signal != 0) {
        reason = absl::StrCat("Init:Signal:", signal);
      } else {
        reason = absl::StrCat("Init:ExitCode:", Int(Field(terminated, "exitCode")));
      }
    } else if (Present(waiting) && !Str(Field(waiting, "reason")).empty() &&
               Str(Field(waiting, "reason")) != "PodInitializing") {
      reason = absl::StrCat("Init:", Str(Field(waiting, "reason")));
    } else {
      reason = absl::StrCat("Init:", i, "/", init_containers.size());
    }
    break;
  }

  bool initialized = false;
  bool pod_ready = false;
  for (const json& condition : Items(Field(status, "conditions"))) {
    const bool is_true = Str(Field(condition, "status")) == "True";
    const std::string type = Str(Field(condition, "type"));
    if (type == "Initialized" && is_true) initialized = true;
    if (type == "Ready" && is_true) pod_ready = true;
  }

  if (!initializing || initialized) {
    // Regular init containers' restarts no longer count once the pod is initialized.
    restarts = sidecar_restarts;
    last_restart = last_sidecar_restart;
    bool has_running = false;
    const json& statuses = Items(Field(status, "containerStatuses"));
    // Walked backwards so the first container's state decides the reason.
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const json& container = *it;
      restarts += Int(Field(container, "restartCount"));
      note_restart(container, last_restart);
      const json& waiting = At(container, {"state", "waiting"});
      const json& terminated = At(container, {"state", "terminated"});
      if (Present(waiting) && !Str(Field(waiting, "reason")).empty()) {
        reason = Str(Field(waiting, "reason"));
      } else if (Present(terminated) && !Str(Field(terminated, "reason")).empty()) {
        reason = Str(Field(terminated, "reason"));
      } else if (Present(terminated)) {
        if (int64_t signal = Int(Field(terminated, "signal")); signal != 0) {
          reason = absl::StrCat("Signal:", signal);
        } else {
          reason = absl::StrCat("ExitCode:", Int(Field(terminated, "exitCode")));
        }
      } else if (Bool(Field(container, "ready")) && Present(At(container, {"state", "running"}))) {
        has_running = true;
        ++ready;
      }
    }
    if (reason == "Completed" && has_running) reason = pod_ready ? "Running" : "NotReady";
  }

  if (BeingDeleted(pod) && status_reason == "NodeLost") {
    reason = "Unknown";
  } else if (BeingDeleted(pod) && phase != "Succeeded" && phase != "Failed") {
    reason = "Terminating";
  }

  std::string restarts_text = absl::StrCat(restarts);
  if (restarts != 0 && last_restart) {
    restarts_text = absl::StrCat(restarts, " (", Since(last_restart, now), " ago)");
  }

  std::string ip;
  const json& pod_ips = Items(Field(status, "podIPs"));
  if (!pod_ips.empty()) {
    ip = Str(Field(pod_ips[0], "ip"));
  } else {
    ip = Str(Field(status, "podIP"));  // v1 objects may carry only the singular field
  }

  std::string readiness_gates = "<none>";
  const json& gates = Items(Field(spec, "readinessGates"));
  if (!gates.empty()) {
    int64_t passed = 0;
    for (const json& gate : gates) {
      const std::string type = Str(Field(gate, "conditionType"));
      for (const json& condition : Items(Field(status, "conditions"))) {
        if (Str(Field(condition, "type")) != type) continue;
        if (Str(Field(condition, "status")) == "True") ++passed;
        break;
      }
    }
    readiness_gates = absl::StrCat(passed, "/", gates.size());
  }

  return json::array({Name(pod), absl::StrCat(ready, "/", total), reason, restarts_text,
                      Age(pod, now), OrNone(ip), OrNone(Str(Field(spec, "nodeName"))),
                      OrNone(Str(Field(status, "nominatedNodeName"))), readiness_gates});
}

json NamespaceCells(const json& ns, int64_t now) {
  return json::array({Name(ns), StringOr(At(ns, {"status", "phase"}), "Active"), Age(ns, now)});
}

json ConfigMapCells(const json& cm, int64_t now) {
  return json::array(
      {Name(cm), Count(Field(cm, "data")) + Count(Field(cm, "binaryData")), Age(cm, now)});
}

json SecretCells(const json& secret, int64_t now) {
  return json::array({Name(secret), StringOr(Field(secret, "type"), "Opaque"),
                      Count(Field(secret, "data")), Age(secret, now)});
}

json ServiceAccountCells(const json& sa, int64_t now) {
  return json::array({Name(sa), Count(Field(sa, "secrets")), Age(sa, now)});
}

// The fields of an event, named per API group: events.k8s.io renamed most of core's.
struct EventFields {
  const char* involved_object;
  const char* message;
  const char* source;
  const char* first_timestamp;
  const char* last_timestamp;
  const char* count;
};
constexpr EventFields kCoreEventFields = {"involvedObject", "message",       "source",
                                          "firstTimestamp", "lastTimestamp", "count"};
constexpr EventFields kEventsGroupFields = {"regarding",
                                            "note",
                                            "deprecatedSource",
                                            "deprecatedFirstTimestamp",
                                            "deprecatedLastTimestamp",
                                            "deprecatedCount"};

json EventCells(const json& event, int64_t now, const EventFields& fields) {
  std::optional<int64_t> first_time = Time(Field(event, fields.first_timestamp));
  std::string first_seen =
      first_time ? Since(first_time, now) : Since(Field(event, "eventTime"), now);
  std::optional<int64_t> last_time = Time(Field(event, fields.last_timestamp));
  std::string last_seen = last_time ? Since(last_time, now) : first_seen;

  int64_t count = Int(Field(event, fields.count));
  const json& series = Field(event, "series");
  if (Present(series)) {
    last_seen = Since(Field(series, "lastObservedTime"), now);
    count = Int(Field(series, "count"));
  } else if (count == 0) {
    count = 1;  // singleton events carry no count in the events.k8s.io API
  }

  const json& regarding = Field(event, fields.involved_object);
  std::string target = AsciiLower(Str(Field(regarding, "kind")));
  if (std::string name = Str(Field(regarding, "name")); !name.empty()) {
    target = absl::StrCat(target, "/", name);
  }

  const json& source = Field(event, fields.source);
  std::string component = Str(Field(source, "component"));
  if (component.empty()) component = Str(Field(event, "reportingController"));
  std::string host = Str(Field(source, "host"));
  if (host.empty()) host = Str(Field(event, "reportingInstance"));
  std::string source_text = host.empty() ? component : absl::StrCat(component, ", ", host);

  std::string message(absl::StripAsciiWhitespace(Str(Field(event, fields.message))));
  return json::array({last_seen, Str(Field(event, "type")), Str(Field(event, "reason")), target,
                      Str(Field(regarding, "fieldPath")), source_text, message, first_seen, count,
                      Name(event)});
}

json CoreEventCells(const json& event, int64_t now) {
  return EventCells(event, now, kCoreEventFields);
}
json EventsGroupEventCells(const json& event, int64_t now) {
  return EventCells(event, now, kEventsGroupFields);
}

json NodeCells(const json& node, int64_t now) {
  const json& status = Field(node, "status");
  // Only the Ready condition is summarised; the last one listed wins, as in upstream's map.
  std::string ready;
  for (const json& condition : Items(Field(status, "conditions"))) {
    if (Str(Field(condition, "type")) != "Ready") continue;
    ready = Str(Field(condition, "status")) == "True" ? "Ready" : "NotReady";
  }
  std::vector<std::string> states = {ready.empty() ? "Unknown" : ready};
  if (Bool(At(node, {"spec", "unschedulable"}))) states.push_back("SchedulingDisabled");

  std::set<std::string> roles;
  const json& labels = At(node, {"metadata", "labels"});
  if (labels.is_object()) {
    constexpr absl::string_view kRolePrefix = "node-role.kubernetes.io/";
    for (const auto& [key, value] : labels.items()) {
      if (absl::StartsWith(key, kRolePrefix)) {
        if (key.size() > kRolePrefix.size()) roles.insert(key.substr(kRolePrefix.size()));
      } else if (key == "kubernetes.io/role" && !Str(value).empty()) {
        roles.insert(Str(value));
      }
    }
  }

  auto address = [&](std::string_view type) -> std::string {
    for (const json& entry : Items(Field(status, "addresses"))) {
      if (Str(Field(entry, "type")) == type) return Str(Field(entry, "address"));
    }
    return "<none>";
  };
  const json& info = Field(status, "nodeInfo");
  auto info_or_unknown = [&](std::string_view key) {
    std::string value = Str(Field(info, key));
    return value.empty() ? std::string("<unknown>") : value;
  };
  return json::array({Name(node), absl::StrJoin(states, ","), OrNone(absl::StrJoin(roles, ",")),
                      Age(node, now), Str(Field(info, "kubeletVersion")), address("InternalIP"),
                      address("ExternalIP"), info_or_unknown("osImage"),
                      info_or_unknown("kernelVersion"),
                      info_or_unknown("containerRuntimeVersion")});
}

std::string ServiceExternalIP(const json& spec, const json& status, const std::string& type) {
  std::vector<std::string> external_ips;
  for (const json& ip : Items(Field(spec, "externalIPs"))) external_ips.push_back(Str(ip));
  if (type == "ClusterIP" || type == "NodePort") {
    return external_ips.empty() ? "<none>" : absl::StrJoin(external_ips, ",");
  }
  if (type == "LoadBalancer") {
    std::set<std::string> ingress;  // sorted and de-duplicated, as upstream's string set
    for (const json& entry : Items(At(status, {"loadBalancer", "ingress"}))) {
      std::string ip = Str(Field(entry, "ip"));
      std::string hostname = Str(Field(entry, "hostname"));
      if (!ip.empty()) {
        ingress.insert(ip);
      } else if (!hostname.empty()) {
        ingress.insert(hostname);
      }
    }
    std::vector<std::string> all(ingress.begin(), ingress.end());
    all.insert(all.end(), external_ips.begin(), external_ips.end());
    return all.empty() ? "<pending>" : absl::StrJoin(all, ",");
  }
  if (type == "ExternalName") return Str(Field(spec, "externalName"));
  return "<unknown>";
}

json ServiceCells(const json& service, int64_t now) {
  const json& spec = Field(service, "spec");
  const std::string type = StringOr(Field(spec, "type"), "ClusterIP");
  std::string cluster_ip;
  const json& cluster_ips = Items(Field(spec, "clusterIPs"));
  cluster_ip = cluster_ips.empty() ? Str(Field(spec, "clusterIP")) : Str(cluster_ips[0]);

  std::vector<std::string> ports;
  for (const json& port : Items(Field(spec, "ports"))) {
    const std::string protocol = StringOr(Field(port, "protocol"), "TCP");
    const int64_t node_port = Int(Field(port, "nodePort"));
    if (node_port > 0) {
      ports.push_back(absl::StrCat(Int(Field(port, "port")), ":", node_port, "/", protocol));
    } else {
      ports.push_back(absl::StrCat(Int(Field(port, "port")), "/", protocol));
    }
  }
  return json::array({Name(service), type, OrNone(cluster_ip),
                      ServiceExternalIP(spec, Field(service, "status"), type),
                      OrNone(absl::StrJoin(ports, ",")), Age(service, now),
                      FormatLabels(Field(spec, "selector"))});
}

json EndpointsCells(const json& endpoints, int64_t now) {
  constexpr size_t kMax = 3;
  const json& subsets = Items(Field(endpoints, "subsets"));
  std::string text = "<none>";
  if (!subsets.empty()) {
    std::vector<std::string> shown;
    int64_t total = 0;
    for (const json& subset : subsets) {
      const json& addresses = Items(Field(subset, "addresses"));
      const json& ports = Items(Field(subset, "ports"));
      // Headless services may list addresses without ports.
      const size_t rounds = ports.empty() ? 1 : ports.size();
      for (size_t p = 0; p < rounds; ++p) {
        total += static_cast<int64_t>(addresses.size());
        for (const json& address : addresses) {
          if (shown.size() == kMax) break;
          const std::string ip = Str(Field(address, "ip"));
          shown.push_back(ports.empty() ? ip : JoinHostPort(ip, Int(Field(ports[p], "port"))));
        }
      }
    }
    text = absl::StrJoin(shown, ",");
    if (total > static_cast<int64_t>(shown.size()) && shown.size() == kMax) {
      text = absl::StrCat(text, " + ", total - static_cast<int64_t>(kMax), " more...");
    }
  }
  return json::array({Name(endpoints), text, Age(endpoints, now)});
}

json PersistentVolumeClaimCells(const json& claim, int64_t now) {
  const json& spec = Field(claim, "spec");
  const json& status = Field(claim, "status");
  std::string phase = StringOr(Field(status, "phase"), "Pending");
  if (BeingDeleted(claim)) phase = "Terminating";
  const std::string volume = Str(Field(spec, "volumeName"));
  std::string capacity;
  std::string access_modes;
  if (!volume.empty()) {
    access_modes = AccessModes(Field(status, "accessModes"));
    capacity = Quantity(At(status, {"capacity", "storage"}));
  }
  return json::array({Name(claim), phase, volume, capacity, access_modes, StorageClass(claim),
                      StringOr(Field(spec, "volumeAttributesClassName"), "<unset>"),
                      Age(claim, now), StringOr(Field(spec, "volumeMode"), "Filesystem")});
}

json PersistentVolumeCells(const json& volume, int64_t now) {
  const json& spec = Field(volume, "spec");
  const json& status = Field(volume, "status");
  std::string claim;
  const json& claim_ref = Field(spec, "claimRef");
  if (Present(claim_ref)) {
    claim = absl::StrCat(Str(Field(claim_ref, "namespace")), "/", Str(Field(claim_ref, "name")));
  }
  std::string phase = StringOr(Field(status, "phase"), "Pending");
  if (BeingDeleted(volume)) phase = "Terminating";
  return json::array({Name(volume), Quantity(At(spec, {"capacity", "storage"})),
                      AccessModes(Field(spec, "accessModes")),
                      StringOr(Field(spec, "persistentVolumeReclaimPolicy"), "Retain"), phase,
                      claim, StorageClass(volume),
                      StringOr(Field(spec, "volumeAttributesClassName"), "<unset>"),
                      Str(Field(status, "reason")), Age(volume, now),
                      StringOr(Field(spec, "volumeMode"), "Filesystem")});
}

// Upstream's default table convertor (k8s.io/apiserver/pkg/registry/rest/table.go).

// SetDefaults_ReplicationController copies the template's labels into an empty selector.
json ReplicationControllerCells(const json& controller, int64_t now) {
  const json& spec = Field(controller, "spec");
  const json& status = Field(controller, "status");
  const json* selector = &Field(spec, "selector");
  if (Count(*selector) == 0) {
    const json& template_labels = At(spec, {"template", "metadata", "labels"});
    if (template_labels.is_object()) selector = &template_labels;
  }
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array({Name(controller), Int(Field(spec, "replicas"), 1),
                      Int(Field(status, "replicas")), Int(Field(status, "readyReplicas")),
                      Age(controller, now), names, images, FormatLabels(*selector)});
}

// No age column: upstream prints none for pod templates.
json PodTemplateCells(const json& pod_template, int64_t /*now*/) {
  const json& template_ = Field(pod_template, "template");
  auto [names, images] = ContainerCells(Field(template_, "spec"));
  return json::array(
      {Name(pod_template), names, images, FormatLabels(At(template_, {"metadata", "labels"}))});
}

// "resource: used/hard" for each hard limit in name order; limits.* resources go to the second
// column, everything else (requests.*, bare cpu, pods, count/...) to the first.
json ResourceQuotaCells(const json& quota, int64_t now) {
  const json& hard = At(quota, {"status", "hard"});
  const json& used = At(quota, {"status", "used"});
  std::vector<std::string> requests;
  std::vector<std::string> limits;
  if (hard.is_object()) {
    for (const auto& [resource, quantity] : hard.items()) {  // json objects iterate sorted
      std::string entry =
          absl::StrCat(resource, ": ", Quantity(Field(used, resource)), "/", Quantity(quantity));
      (absl::StartsWith(resource, "limits.") ? limits : requests).push_back(std::move(entry));
    }
  }
  return json::array(
      {Name(quota), absl::StrJoin(requests, ", "), absl::StrJoin(limits, ", "), Age(quota, now)});
}

std::vector<TableColumn> EventColumns() {
  return {
      Column("Last Seen", "string",
             "The time at which the most recent occurrence of this event was recorded."),
      Column("Type", "string",
             "Type of this event (Normal, Warning), new types could be added in the future"),
      Column("Reason", "string",
             "This should be a short, machine understandable string that gives the reason for "
             "the transition into the object's current status."),
      Column("Object", "string", "The object that this event is about."),
      Column("Subobject", "string",
             "If referring to a piece of an object instead of an entire object, this string "
             "should contain a valid JSON/Go field access statement, such as "
             "desiredState.manifest.containers[2].",
             1),
      Column("Source", "string",
             "The component reporting this event. Should be a short machine understandable "
             "string.",
             1),
      Column("Message", "string", "A human-readable description of the status of this operation."),
      Column("First Seen", "string",
             "The time at which the event was first recorded. (Time of server receipt is in "
             "TypeMeta.)",
             1),
      Column("Count", "string", "The number of times this event has occurred.", 1),
      NameColumn(1),
  };
}

}  // namespace

void AddCorePrinters(PrinterMap& printers) {
  AddPrinter(
      printers, "", "Pod",
      {NameColumn(),
       Column("Ready", "string",
              "The aggregate readiness state of this pod for accepting traffic."),
       Column("Status", "string", "The aggregate status of the containers in this pod."),
       Column("Restarts", "string",
              "The number of times the containers in this pod have been restarted and when the "
              "last container in this pod has restarted."),
       AgeColumn(),
       Column("IP", "string",
              "podIP address allocated to the pod. Routable at least within the cluster. Empty "
              "if not yet allocated.",
              1),
       Column("Node", "string",
              "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
              "candidate for scheduling by the scheduler defined in schedulerName.",
              1),
       Column("Nominated Node", "string",
              "nominatedNodeName is set only when this pod preempts other pods on the node, but "
              "it cannot be scheduled right away as preemption victims receive their graceful "
              "termination periods.",
              1),
       Column("Readiness Gates", "string",
              "If specified, all readiness gates will be evaluated for pod readiness.", 1)},
      PodCells);
  AddPrinter(printers, "", "Namespace",
             {NameColumn(), Column("Status", "string", "The status of the namespace"), AgeColumn()},
             NamespaceCells);
  AddPrinter(printers, "", "ConfigMap",
             {NameColumn(),
              Column("Data", "string",
                     "Data contains the configuration data. Each key must consist of alphanumeric "
                     "characters, '-', '_' or '.'."),
              AgeColumn()},
             ConfigMapCells);
  AddPrinter(
      printers, "", "Secret",
      {NameColumn(),
       Column("Type", "string", "Used to facilitate programmatic handling of secret data."),
       Column("Data", "string",
              "Data contains the secret data. Each key must consist of alphanumeric characters, "
              "'-', '_' or '.'."),
       AgeColumn()},
      SecretCells);
  AddPrinter(
      printers, "", "ServiceAccount",
      {NameColumn(),
       Column("Secrets", "string",
              "Secrets is a list of the secrets in the same namespace that pods running using "
              "this ServiceAccount are allowed to use."),
       AgeColumn()},
      ServiceAccountCells);
  AddPrinter(printers, "", "Event", EventColumns(), CoreEventCells);
  AddPrinter(printers, "events.k8s.io", "Event", EventColumns(), EventsGroupEventCells);
  AddPrinter(
      printers, "", "Node",
      {NameColumn(), Column("Status", "string", "The status of the node"),
       Column("Roles", "string", "The roles of the node"), AgeColumn(),
       Column("Version", "string", "Kubelet Version reported by the node."),
       Column("Internal-IP", "string", "List of addresses reachable to the node.", 1),
       Column("External-IP", "string", "List of addresses reachable to the node.", 1),
       Column("OS-Image", "string",
              "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
              "(wheezy)).",
              1),
       Column("Kernel-Version", "string",
              "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
              1),
       Column("Container-Runtime", "string",
              "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
              "containerd://1.4.2).",
              1)},
      NodeCells);
  AddPrinter(
      printers, "", "Service",
      {NameColumn(),
       Column("Type", "string",
              "type determines how the Service is exposed. Defaults to ClusterIP. Valid options "
              "are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
       Column("Cluster-IP", "string",
              "clusterIP is the IP address of the service and is usually assigned randomly."),
       Column("External-IP", "string",
              "externalIPs is a list of IP addresses for which nodes in the cluster will also "
              "accept traffic for this service."),
       Column("Port(s)", "string", "The list of ports that are exposed by this service."),
       AgeColumn(),
       Column("Selector", "string",
              "Route service traffic to pods with label keys and values matching this "
              "selector.",
              1)},
      ServiceCells);
  AddPrinter(
      printers, "", "Endpoints",
      {NameColumn(),
       Column("Endpoints", "string",
              "The set of all endpoints is the union of all subsets. Addresses are placed into "
              "subsets according to the IPs they share."),
       AgeColumn()},
      EndpointsCells);
  AddPrinter(
      printers, "", "PersistentVolumeClaim",
      {NameColumn(),
       Column("Status", "string", "phase represents the current phase of PersistentVolumeClaim."),
       Column("Volume", "string",
              "volumeName is the binding reference to the PersistentVolume backing this claim."),
       Column("Capacity", "string",
              "capacity represents the actual resources of the underlying volume."),
       Column("Access Modes", "string",
              "accessModes contains the actual access modes the volume backing the PVC has."),
       Column("StorageClass", "string", "StorageClass of the pvc"),
       Column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"), AgeColumn(),
       Column("VolumeMode", "string",
              "volumeMode defines what type of volume is required by the claim.", 1)},
      PersistentVolumeClaimCells);
  AddPrinter(
      printers, "", "PersistentVolume",
      {NameColumn(),
       Column("Capacity", "string",
              "capacity is the description of the persistent volume's resources and capacity."),
       Column("Access Modes", "string", "accessModes contains all ways the volume can be mounted."),
       Column("Reclaim Policy", "string",
              "persistentVolumeReclaimPolicy defines what happens to a persistent volume when "
              "released from its claim."),
       Column("Status", "string",
              "phase indicates if a volume is available, bound to a claim, or released by a "
              "claim."),
       Column("Claim", "string",
              "claimRef is part of a bi-directional binding between PersistentVolume and "
              "PersistentVolumeClaim."),
       Column("StorageClass", "string", "StorageClass of the pv"),
       Column("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
       Column("Reason", "string",
              "reason is a brief CamelCase string that describes any failure and is meant for "
              "machine parsing and tidy display in the CLI."),
       AgeColumn(),
       Column("VolumeMode", "string",
              "volumeMode defines if a volume is intended to be used with a formatted "
              "filesystem or to remain in raw block state.",
              1)},
      PersistentVolumeCells);
  const TableColumn containers = Column("Containers", "string", kContainersDoc, 1);
  const TableColumn images = Column("Images", "string", kImagesDoc, 1);
  AddPrinter(
      printers, "", "ReplicationController",
      {NameColumn(), Column("Desired", "integer", "How many pods the controller is asked to keep."),
       Column("Current", "integer", "How many pods the controller saw at its last sync."),
       Column("Ready", "integer", "How many of the controller's pods are ready."), AgeColumn(),
       containers, images,
       Column("Selector", "string", "The labels that make a pod one of this controller's.", 1)},
      ReplicationControllerCells);
  AddPrinter(printers, "", "PodTemplate",
             {NameColumn(), Column("Containers", "string", kContainersDoc),
              Column("Images", "string", kImagesDoc),
              Column("Pod Labels", "string", "The labels pods made from the template get.")},
             PodTemplateCells);
  AddPrinter(printers, "", "ResourceQuota",
             {NameColumn(),
              Column("Request", "string",
                     "Use against each hard limit other than limits.*, as used/hard."),
              Column("Limit", "string", "Use against each limits.* hard limit, as used/hard."),
              AgeColumn()},
             ResourceQuotaCells);
}

}  // namespace k1s::api::table_internal
