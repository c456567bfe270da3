#include "api/table_printer.h"

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "api/human_duration.h"
#include "api/timestamps.h"

namespace k1s::api {
namespace {

using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Tolerant JSON access: a missing or mistyped field reads as absent, never throws.

const json& NullJson() {
  static const json* const kNull = new json();
  return *kNull;
}

const json& EmptyArray() {
  static const json* const kEmpty = new json(json::array());
  return *kEmpty;
}

const json& Field(const json& object, std::string_view key) {
  if (!object.is_object()) return NullJson();
  auto it = object.find(std::string(key));
  return it == object.end() ? NullJson() : *it;
}

const json& At(const json& object, std::initializer_list<std::string_view> path) {
  const json* current = &object;
  for (std::string_view key : path) current = &Field(*current, key);
  return *current;
}

std::string Str(const json& value) { return value.is_string() ? value.get<std::string>() : ""; }

int64_t Int(const json& value, int64_t fallback = 0) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
  return fallback;
}

bool Bool(const json& value) { return value.is_boolean() && value.get<bool>(); }

// Elements of an array or entries of an object; 0 for anything else.
int64_t Count(const json& value) {
  return value.is_array() || value.is_object() ? static_cast<int64_t>(value.size()) : 0;
}

const json& Items(const json& value) { return value.is_array() ? value : EmptyArray(); }

// Go's pointer-or-struct presence test for a nested object (state.terminated, claimRef, ...).
bool Present(const json& value) { return value.is_object(); }

// A metav1.Time or MicroTime; nullopt is Go's zero time (null, missing or unparsable).
std::optional<int64_t> Time(const json& value) {
  if (!value.is_string()) return std::nullopt;
  return ParseTimestamp(value.get_ref<const std::string&>());
}

// Upstream's translateTimestampSince.
std::string Since(std::optional<int64_t> time, int64_t now) {
  if (!time) return "<unknown>";
  return HumanDuration(now - *time);
}

std::string Since(const json& value, int64_t now) { return Since(Time(value), now); }

std::string Name(const json& object) { return Str(At(object, {"metadata", "name"})); }

std::string Age(const json& object, int64_t now) {
  return Since(At(object, {"metadata", "creationTimestamp"}), now);
}

bool BeingDeleted(const json& object) {
  return !At(object, {"metadata", "deletionTimestamp"}).is_null();
}

std::string OrNone(std::string value) { return value.empty() ? "<none>" : value; }

std::string AsciiLower(std::string value) {
  absl::AsciiStrToLower(&value);
  return value;
}

// labels.FormatLabels: "a=1,b=2" in key order (json objects iterate sorted), "<none>" if empty.
std::string FormatLabels(const json& labels) {
  std::vector<std::string> pairs;
  if (labels.is_object()) {
    for (const auto& [key, value] : labels.items())
      pairs.push_back(absl::StrCat(key, "=", Str(value)));
  }
  return pairs.empty() ? "<none>" : absl::StrJoin(pairs, ",");
}

// labels.Selector.String() of metav1.LabelSelectorAsSelector(selector); nullopt when the selector
// is invalid. A null selector matches nothing and an empty one everything: both print "".
std::optional<std::string> SelectorString(const json& selector) {
  if (!selector.is_object()) return std::string();
  std::vector<std::pair<std::string, std::string>> requirements;  // key, rendered requirement
  const json& match_labels = Field(selector, "matchLabels");
  if (match_labels.is_object()) {
    for (const auto& [key, value] : match_labels.items()) {
      requirements.emplace_back(key, absl::StrCat(key, "=", Str(value)));
    }
  }
  for (const json& expression : Items(Field(selector, "matchExpressions"))) {
    const std::string key = Str(Field(expression, "key"));
    const std::string op = Str(Field(expression, "operator"));
    std::vector<std::string> values;
    for (const json& value : Items(Field(expression, "values"))) values.push_back(Str(value));
    std::sort(values.begin(), values.end());
    if (key.empty()) return std::nullopt;
    if (op == "In" || op == "NotIn") {
      if (values.empty()) return std::nullopt;
      requirements.emplace_back(key, absl::StrCat(key, op == "In" ? " in (" : " notin (",
                                                  absl::StrJoin(values, ","), ")"));
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (!values.empty()) return std::nullopt;
      requirements.emplace_back(key, op == "Exists" ? key : absl::StrCat("!", key));
    } else {
      return std::nullopt;
    }
  }
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> rendered;
  for (auto& requirement : requirements) rendered.push_back(std::move(requirement.second));
  return absl::StrJoin(rendered, ",");
}

// metav1.FormatLabelSelector.
std::string FormatLabelSelector(const json& selector) {
  std::optional<std::string> text = SelectorString(selector);
  if (!text) return "<error>";
  return OrNone(*text);
}

// layoutContainerCells: container names and images, comma separated.
std::pair<std::string, std::string> ContainerCells(const json& pod_spec) {
  std::vector<std::string> names;
  std::vector<std::string> images;
  for (const json& container : Items(Field(pod_spec, "containers"))) {
    names.push_back(Str(Field(container, "name")));
    images.push_back(Str(Field(container, "image")));
  }
  return {absl::StrJoin(names, ","), absl::StrJoin(images, ",")};
}

// "a,b,c + 2 more..." as upstream's listWithMoreString; "<unset>" when empty.
std::string ListWithMore(const std::vector<std::string>& shown, int64_t total) {
  std::string text = absl::StrJoin(shown, ",");
  if (total > static_cast<int64_t>(shown.size())) {
    return absl::StrCat(text, " + ", total - static_cast<int64_t>(shown.size()), " more...");
  }
  return text.empty() ? "<unset>" : text;
}

// net.JoinHostPort: IPv6 literals get brackets.
std::string JoinHostPort(const std::string& host, int64_t port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

// helper.GetAccessModesAsString: a fixed order, duplicates dropped.
std::string AccessModes(const json& modes) {
  std::set<std::string> present;
  for (const json& mode : Items(modes)) present.insert(Str(mode));
  std::vector<std::string> shown;
  if (present.count("ReadWriteOnce")) shown.push_back("RWO");
  if (present.count("ReadOnlyMany")) shown.push_back("ROX");
  if (present.count("ReadWriteMany")) shown.push_back("RWX");
  if (present.count("ReadWriteOncePod")) shown.push_back("RWOP");
  return absl::StrJoin(shown, ",");
}

// The storage class of a PV or PVC: the beta annotation wins over spec.storageClassName.
std::string StorageClass(const json& object) {
  const json& annotation =
      At(object, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"});
  if (annotation.is_string()) return Str(annotation);
  return Str(At(object, {"spec", "storageClassName"}));
}

// A resource.Quantity as printed; a missing quantity is zero.
std::string Quantity(const json& value) {
  if (value.is_string()) return Str(value);
  if (value.is_number_integer()) return absl::StrCat(value.get<int64_t>());
  return "0";
}

std::string StringOr(const json& value, std::string fallback) {
  return value.is_string() ? Str(value) : fallback;
}

// ---------------------------------------------------------------------------------------------
// Column descriptions.

constexpr char kNameDoc[] =
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
constexpr char kCreationTimestampDoc[] =
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";
constexpr char kContainersDoc[] = "Names of each container in the template.";
constexpr char kImagesDoc[] = "Images referenced by each container in the template.";
constexpr char kSelectorDoc[] =
    "A label query over pods that should match the replica count. Label keys and values that "
    "must match in order to be controlled by this replica set.";
constexpr char kReadyCountDoc[] = "Number of the pod with ready state";

TableColumn NameColumn(int32_t priority = 0) {
  return {"Name", "string", "name", kNameDoc, priority};
}
TableColumn AgeColumn() { return {"Age", "string", "", kCreationTimestampDoc, 0}; }
TableColumn Column(std::string name, std::string type, std::string description,
                   int32_t priority = 0) {
  return {std::move(name), std::move(type), "", std::move(description), priority};
}

// ---------------------------------------------------------------------------------------------
// Row printers, one per kind. Each returns the cells in its column order.

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

json LeaseCells(const json& lease, int64_t now) {
  return json::array({Name(lease), Str(At(lease, {"spec", "holderIdentity"})), Age(lease, now)});
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

json EndpointSliceCells(const json& slice, int64_t now) {
  constexpr size_t kMax = 3;
  std::vector<std::string> ports;
  int64_t port_count = 0;
  for (const json& port : Items(Field(slice, "ports"))) {
    ++port_count;
    if (ports.size() == kMax) continue;
    const json& number = Field(port, "port");
    const json& name = Field(port, "name");
    if (number.is_number()) {
      ports.push_back(absl::StrCat(Int(number)));
    } else if (name.is_string()) {
      ports.push_back(Str(name));
    } else {
      ports.push_back("*");
    }
  }
  std::vector<std::string> addresses;
  int64_t address_count = 0;
  for (const json& endpoint : Items(Field(slice, "endpoints"))) {
    for (const json& address : Items(Field(endpoint, "addresses"))) {
      ++address_count;
      if (addresses.size() < kMax) addresses.push_back(Str(address));
    }
  }
  return json::array({Name(slice), Str(Field(slice, "addressType")),
                      ListWithMore(ports, port_count), ListWithMore(addresses, address_count),
                      Age(slice, now)});
}

json DeploymentCells(const json& deployment, int64_t now) {
  const json& spec = Field(deployment, "spec");
  const json& status = Field(deployment, "status");
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  std::optional<std::string> selector = SelectorString(Field(spec, "selector"));
  return json::array(
      {Name(deployment),
       absl::StrCat(Int(Field(status, "readyReplicas")), "/", Int(Field(spec, "replicas"), 1)),
       Int(Field(status, "updatedReplicas")), Int(Field(status, "availableReplicas")),
       Age(deployment, now), names, images, selector ? *selector : "<invalid>"});
}

json ReplicaSetCells(const json& replica_set, int64_t now) {
  const json& spec = Field(replica_set, "spec");
  const json& status = Field(replica_set, "status");
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array({Name(replica_set), Int(Field(spec, "replicas"), 1),
                      Int(Field(status, "replicas")), Int(Field(status, "readyReplicas")),
                      Age(replica_set, now), names, images,
                      FormatLabelSelector(Field(spec, "selector"))});
}

json StatefulSetCells(const json& stateful_set, int64_t now) {
  const json& spec = Field(stateful_set, "spec");
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array({Name(stateful_set),
                      absl::StrCat(Int(At(stateful_set, {"status", "readyReplicas"})), "/",
                                   Int(Field(spec, "replicas"), 1)),
                      Age(stateful_set, now), names, images});
}

json DaemonSetCells(const json& daemon_set, int64_t now) {
  const json& spec = Field(daemon_set, "spec");
  const json& status = Field(daemon_set, "status");
  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array(
      {Name(daemon_set), Int(Field(status, "desiredNumberScheduled")),
       Int(Field(status, "currentNumberScheduled")), Int(Field(status, "numberReady")),
       Int(Field(status, "updatedNumberScheduled")), Int(Field(status, "numberAvailable")),
       FormatLabels(At(spec, {"template", "spec", "nodeSelector"})), Age(daemon_set, now), names,
       images, FormatLabelSelector(Field(spec, "selector"))});
}

bool HasTrueCondition(const json& status, std::string_view type) {
  // The first condition of the type decides, as in upstream's hasJobCondition.
  for (const json& condition : Items(Field(status, "conditions"))) {
    if (Str(Field(condition, "type")) == type) return Str(Field(condition, "status")) == "True";
  }
  return false;
}

json JobCells(const json& job, int64_t now) {
  const json& spec = Field(job, "spec");
  const json& status = Field(job, "status");
  const int64_t succeeded = Int(Field(status, "succeeded"));
  // Defaulting: with neither set both become 1; parallelism alone defaults to 1.
  const json& completions = Field(spec, "completions");
  const json& parallelism_field = Field(spec, "parallelism");
  std::string completions_text;
  if (completions.is_number()) {
    completions_text = absl::StrCat(succeeded, "/", Int(completions));
  } else if (parallelism_field.is_null()) {
    completions_text = absl::StrCat(succeeded, "/1");
  } else if (int64_t parallelism = Int(parallelism_field); parallelism > 1) {
    completions_text = absl::StrCat(succeeded, "/1 of ", parallelism);
  } else {
    completions_text = absl::StrCat(succeeded, "/1");
  }

  std::string duration;
  std::optional<int64_t> start = Time(Field(status, "startTime"));
  std::optional<int64_t> completion = Time(Field(status, "completionTime"));
  if (start) duration = HumanDuration((completion ? *completion : now) - *start);

  std::string state = "Running";
  if (HasTrueCondition(status, "Complete")) {
    state = "Complete";
  } else if (HasTrueCondition(status, "Failed")) {
    state = "Failed";
  } else if (BeingDeleted(job)) {
    state = "Terminating";
  } else if (HasTrueCondition(status, "Suspended")) {
    state = "Suspended";
  } else if (HasTrueCondition(status, "FailureTarget")) {
    state = "FailureTarget";
  }

  auto [names, images] = ContainerCells(At(spec, {"template", "spec"}));
  return json::array({Name(job), state, completions_text, duration, Age(job, now), names, images,
                      FormatLabelSelector(Field(spec, "selector"))});
}

json CronJobCells(const json& cron_job, int64_t now) {
  const json& spec = Field(cron_job, "spec");
  const json& status = Field(cron_job, "status");
  const json& last_schedule = Field(status, "lastScheduleTime");
  const json& suspend = Field(spec, "suspend");
  std::string suspend_text = "False";  // defaulted to false
  if (suspend.is_boolean()) suspend_text = suspend.get<bool>() ? "True" : "False";
  const json& job_spec = At(spec, {"jobTemplate", "spec"});
  auto [names, images] = ContainerCells(At(job_spec, {"template", "spec"}));
  return json::array(
      {Name(cron_job), Str(Field(spec, "schedule")), StringOr(Field(spec, "timeZone"), "<none>"),
       suspend_text, Count(Field(status, "active")),
       last_schedule.is_null() ? std::string("<none>") : Since(last_schedule, now),
       Age(cron_job, now), names, images, FormatLabelSelector(Field(job_spec, "selector"))});
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
json DefaultCells(const json& object, int64_t /*now*/) {
  std::optional<int64_t> created = Time(At(object, {"metadata", "creationTimestamp"}));
  return json::array(
      {Name(object), created ? FormatTimestamp(*created) : std::string("0001-01-01T00:00:00Z")});
}

// ---------------------------------------------------------------------------------------------
// The printer registry.

struct Printer {
  std::vector<TableColumn> columns;
  json (*cells)(const json& object, int64_t now);
};

using PrinterMap = std::map<std::pair<std::string, std::string>, Printer, std::less<>>;

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

const PrinterMap& Printers() {
  static const PrinterMap* const kPrinters = [] {
    auto* printers = new PrinterMap();
    auto add = [&](std::string group, std::string kind, std::vector<TableColumn> columns,
                   json (*cells)(const json&, int64_t)) {
      (*printers)[{std::move(group), std::move(kind)}] = Printer{std::move(columns), cells};
    };
    const TableColumn containers = Column("Containers", "string", kContainersDoc, 1);
    const TableColumn images = Column("Images", "string", kImagesDoc, 1);

    add("", "Pod",
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
    add("", "Namespace",
        {NameColumn(), Column("Status", "string", "The status of the namespace"), AgeColumn()},
        NamespaceCells);
    add("", "ConfigMap",
        {NameColumn(),
         Column("Data", "string",
                "Data contains the configuration data. Each key must consist of alphanumeric "
                "characters, '-', '_' or '.'."),
         AgeColumn()},
        ConfigMapCells);
    add("", "Secret",
        {NameColumn(),
         Column("Type", "string", "Used to facilitate programmatic handling of secret data."),
         Column("Data", "string",
                "Data contains the secret data. Each key must consist of alphanumeric characters, "
                "'-', '_' or '.'."),
         AgeColumn()},
        SecretCells);
    add("", "ServiceAccount",
        {NameColumn(),
         Column("Secrets", "string",
                "Secrets is a list of the secrets in the same namespace that pods running using "
                "this ServiceAccount are allowed to use."),
         AgeColumn()},
        ServiceAccountCells);
    add("", "Event", EventColumns(), CoreEventCells);
    add("events.k8s.io", "Event", EventColumns(), EventsGroupEventCells);
    add("", "Node",
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
    add("", "Service",
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
    add("", "Endpoints",
        {NameColumn(),
         Column("Endpoints", "string",
                "The set of all endpoints is the union of all subsets. Addresses are placed into "
                "subsets according to the IPs they share."),
         AgeColumn()},
        EndpointsCells);
    add("coordination.k8s.io", "Lease",
        {NameColumn(),
         Column("Holder", "string",
                "holderIdentity contains the identity of the holder of a current lease."),
         AgeColumn()},
        LeaseCells);
    add("discovery.k8s.io", "EndpointSlice",
        {NameColumn(),
         Column("AddressType", "string",
                "addressType specifies the type of address carried by this EndpointSlice. All "
                "addresses in this slice must be the same type."),
         Column("Ports", "string",
                "ports specifies the list of network ports exposed by each endpoint in this "
                "slice."),
         Column("Endpoints", "string",
                "endpoints is a list of unique endpoints in this slice. Each slice may include a "
                "maximum of 1000 endpoints."),
         AgeColumn()},
        EndpointSliceCells);
    add("apps", "Deployment",
        {NameColumn(), Column("Ready", "string", kReadyCountDoc),
         Column("Up-to-date", "string",
                "Total number of non-terminated pods targeted by this deployment that have the "
                "desired template spec."),
         Column("Available", "string",
                "Total number of available pods (ready for at least minReadySeconds) targeted by "
                "this deployment."),
         AgeColumn(), containers, images,
         Column("Selector", "string", "Label selector for pods.", 1)},
        DeploymentCells);
    add("apps", "ReplicaSet",
        {NameColumn(),
         Column("Desired", "integer",
                "Replicas is the number of desired replicas. This is a pointer to distinguish "
                "between explicit zero and unspecified. Defaults to 1."),
         Column("Current", "integer", "Replicas is the most recently observed number of replicas."),
         Column("Ready", "integer",
                "The number of ready replicas for this replica set. A pod is considered ready "
                "when its Ready condition is true."),
         AgeColumn(), containers, images, Column("Selector", "string", kSelectorDoc, 1)},
        ReplicaSetCells);
    add("apps", "StatefulSet",
        {NameColumn(), Column("Ready", "string", kReadyCountDoc), AgeColumn(), containers, images},
        StatefulSetCells);
    add("apps", "DaemonSet",
        {NameColumn(),
         Column("Desired", "integer",
                "The total number of nodes that should be running the daemon pod (including "
                "nodes correctly running the daemon pod)."),
         Column("Current", "integer",
                "The number of nodes that are running at least 1 daemon pod and are supposed to "
                "run the daemon pod."),
         Column("Ready", "integer",
                "The number of nodes that should be running the daemon pod and have one or more "
                "of the daemon pod running and ready."),
         Column("Up-to-date", "integer",
                "The total number of nodes that are running updated daemon pod"),
         Column("Available", "integer",
                "The number of nodes that should be running the daemon pod and have one or more "
                "of the daemon pod running and available (ready for at least "
                "spec.minReadySeconds)"),
         Column("Node Selector", "string",
                "NodeSelector is a selector which must be true for the pod to fit on a node."),
         AgeColumn(), containers, images,
         Column("Selector", "string", "A label query over pods that are managed by the daemon set.",
                1)},
        DaemonSetCells);
    add("batch", "Job",
        {NameColumn(), Column("Status", "string", "Status of the job."),
         Column("Completions", "string", "The number of pods which reached phase Succeeded."),
         Column("Duration", "string", "Time required to complete the job."), AgeColumn(),
         containers, images,
         Column("Selector", "string", "A label query over pods that should match the pod count.",
                1)},
        JobCells);
    add("batch", "CronJob",
        {NameColumn(),
         Column("Schedule", "string",
                "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
         Column("Timezone", "string",
                "The time zone name for the given schedule, see "
                "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
         Column("Suspend", "boolean",
                "This flag tells the controller to suspend subsequent executions, it does not "
                "apply to already started executions. Defaults to false."),
         Column("Active", "integer", "A list of pointers to currently running jobs."),
         Column("Last Schedule", "string",
                "Information when was the last time the job was successfully scheduled."),
         AgeColumn(), containers, images,
         Column("Selector", "string", "A label query over pods that should match the pod count.",
                1)},
        CronJobCells);
    add("", "PersistentVolumeClaim",
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
    add("", "PersistentVolume",
        {NameColumn(),
         Column("Capacity", "string",
                "capacity is the description of the persistent volume's resources and capacity."),
         Column("Access Modes", "string",
                "accessModes contains all ways the volume can be mounted."),
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
    return printers;
  }();
  return *kPrinters;
}

const Printer& DefaultPrinter() {
  static const Printer* const kDefault = new Printer{
      {NameColumn(), {"Created At", "date", "", kCreationTimestampDoc, 0}}, DefaultCells};
  return *kDefault;
}

const Printer& FindPrinter(std::string_view group, std::string_view kind) {
  const PrinterMap& printers = Printers();
  auto it = printers.find(std::make_pair(std::string(group), std::string(kind)));
  return it == printers.end() ? DefaultPrinter() : it->second;
}

}  // namespace

const std::vector<TableColumn>& TableColumns(std::string_view group, std::string_view kind) {
  return FindPrinter(group, kind).columns;
}

json TableCells(std::string_view group, std::string_view kind, const json& object,
                int64_t now_unix_seconds) {
  const Printer& printer = FindPrinter(group, kind);
  try {
    return printer.cells(object, now_unix_seconds);
  } catch (const json::exception&) {
    // The accessors above do not throw; this keeps a row aligned with its columns regardless.
    return json(std::vector<std::string>(printer.columns.size()));
  }
}

json TableRowConditions(std::string_view group, std::string_view kind, const json& object) {
  if (!group.empty() || kind != "Pod") return nullptr;
  const std::string phase = Str(At(object, {"status", "phase"}));
  if (phase != "Succeeded" && phase != "Failed") return nullptr;
  return json::array({{{"type", "Completed"},
                       {"status", "True"},
                       {"reason", phase},
                       {"message", phase == "Succeeded" ? "The pod has completed successfully."
                                                        : "The pod failed."}}});
}

const std::string& ObjectNameDescription() {
  static const std::string* const kDoc = new std::string(kNameDoc);
  return *kDoc;
}

const std::string& CreationTimestampDescription() {
  static const std::string* const kDoc = new std::string(kCreationTimestampDoc);
  return *kDoc;
}

}  // namespace k1s::api
