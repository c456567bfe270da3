#include "apiserver/strategies.h"

#include <arpa/inet.h>

#include <nlohmann/json.hpp>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/errors.h"
#include "api/validation.h"
#include "apiserver/custom_resource_strategy.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

std::string IndexPath(std::string_view base, size_t index) {
  return base::StrCat(base, "[", index, "]");
}

// A field error whose bad value is a list of strings, rendered as Go prints a []string.
api::FieldError InvalidStrings(std::string field, const std::vector<std::string>& values,
                               std::string detail) {
  api::FieldError error = api::Invalid(std::move(field), nullptr, std::move(detail));
  std::vector<std::string> quoted;
  for (const std::string& value : values) quoted.push_back(api::GoQuote(value));
  error.value_json = base::StrCat("[]string{", absl::StrJoin(quoted, ", "), "}");
  return error;
}

std::string NameOf(const json& object);

const json& Member(const json& object, const char* name) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

std::string NameOf(const json& object) { return Member(object, "metadata").value("name", ""); }

// ---- Namespace -------------------------------------------------------------------------------

class NamespaceStrategy : public Strategy {
 public:
  api::NameRule name_rule() const override { return api::NameRule::kDnsLabel; }

  void PrepareForCreate(json& object) override {
    json& spec = object["spec"];
    if (!spec.is_object()) spec = json::object();
    spec["finalizers"] = json::array({"kubernetes"});
    object["status"] = {{"phase", "Active"}};
    SetNameLabel(object);
  }
  void PrepareForUpdate(json& object, const json& old) override {
    // spec.finalizers changes only through the finalize subresource.
    object["spec"] = Member(old, "spec");
    SetNameLabel(object);
  }
  std::optional<int64_t> DeletionGracePeriod(const json& object, std::optional<int64_t>) override {
    const json& finalizers = Member(Member(object, "spec"), "finalizers");
    if (finalizers.is_array() && !finalizers.empty()) return 0;
    return std::nullopt;
  }
  void MarkForDeletion(json& object) override { object["status"]["phase"] = "Terminating"; }
  std::string DeleteForbiddenReason(const json& object) override {
    std::string name = Member(object, "metadata").value("name", "");
    if (name == "default" || name == "kube-system" || name == "kube-public") {
      return "this namespace may not be deleted";
    }
    return "";
  }
  bool ReadyToRemove(const json& object) override {
    const json& finalizers = Member(Member(object, "spec"), "finalizers");
    return Strategy::ReadyToRemove(object) && (!finalizers.is_array() || finalizers.empty());
  }

 private:
  // Upstream labels every namespace with its own name so selectors can pick namespaces.
  static void SetNameLabel(json& object) {
    json& metadata = object["metadata"];
    metadata["labels"]["kubernetes.io/metadata.name"] = metadata.value("name", "");
  }
};

// ---- Pod -------------------------------------------------------------------------------------

// Guaranteed when every container sets equal requests and limits for cpu and memory,
// BestEffort when none sets any, Burstable otherwise.
std::string QosClass(const json& spec) {
  bool any = false;
  bool guaranteed = true;
  for (const char* list : {"initContainers", "containers"}) {
    const json& containers = Member(spec, list);
    if (!containers.is_array()) continue;
    for (const json& container : containers) {
      const json& resources = Member(container, "resources");
      const json& requests = Member(resources, "requests");
      const json& limits = Member(resources, "limits");
      if ((requests.is_object() && !requests.empty()) || (limits.is_object() && !limits.empty())) {
        any = true;
      }
      for (const char* name : {"cpu", "memory"}) {
        const json& limit = Member(limits, name);
        const json& request = Member(requests, name);
        if (limit.is_null() || (!request.is_null() && request != limit)) guaranteed = false;
      }
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

class PodStrategy : public Strategy {
 public:
  void PrepareForCreate(json& object) override {
    json& spec = object["spec"];
    if (!spec.is_object()) return;  // Validate reports it
    auto set_default = [&spec](const char* name, json value) {
      if (!spec.contains(name)) spec[name] = std::move(value);
    };
    // Defaults proper come from api::ApplyDefaults; these are what upstream's admission adds.
    set_default("serviceAccountName", "default");
    set_default("priority", 0);
    set_default("preemptionPolicy", "PreemptLowerPriority");
    spec["serviceAccount"] = spec["serviceAccountName"];
    if (!spec.contains("tolerations")) {
      // What upstream's DefaultTolerationSeconds admission adds.
      spec["tolerations"] = json::array();
      for (const char* taint : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
        spec["tolerations"].push_back({{"key", taint},
                                       {"operator", "Exists"},
                                       {"effect", "NoExecute"},
                                       {"tolerationSeconds", 300}});
      }
    }
    object["status"] = {{"phase", "Pending"}, {"qosClass", QosClass(spec)}};
  }

  std::optional<int64_t> DeletionGracePeriod(const json& object,
                                             std::optional<int64_t> requested) override {
    const json& spec = Member(object, "spec");
    std::string phase = Member(Member(object, "status"), "phase").is_string()
                            ? object["status"]["phase"].get<std::string>()
                            : "";
    // Unscheduled or finished pods have no kubelet to wait for.
    if (!Member(spec, "nodeName").is_string() || spec["nodeName"] == "" || phase == "Succeeded" ||
        phase == "Failed") {
      return std::nullopt;
    }
    int64_t grace = 30;
    if (requested) {
      grace = *requested;
    } else if (const json& configured = Member(spec, "terminationGracePeriodSeconds");
               configured.is_number_integer()) {
      grace = configured.get<int64_t>();
    }
    if (grace <= 0) return std::nullopt;
    return grace;
  }
};

// ---- Service ---------------------------------------------------------------------------------

bool UsesNodePorts(const json& spec) {
  const json& type = Member(spec, "type");
  return type == "NodePort" || type == "LoadBalancer";
}

std::string ClusterIp(const json& service) {
  const json& ip = Member(Member(service, "spec"), "clusterIP");
  return ip.is_string() ? ip.get<std::string>() : "";
}

std::set<uint32_t> NodePorts(const json& service) {
  std::set<uint32_t> ports;
  const json& list = Member(Member(service, "spec"), "ports");
  if (!list.is_array()) return ports;
  for (const json& port : list) {
    const json& node_port = Member(port, "nodePort");
    if (node_port.is_number_integer() && node_port.get<int64_t>() > 0) {
      ports.insert(static_cast<uint32_t>(node_port.get<int64_t>()));
    }
  }
  return ports;
}

class ServiceStrategy : public Strategy {
 public:
  explicit ServiceStrategy(StrategyContext context) : context_(std::move(context)) {}

  void PrepareForCreate(json& object) override {
    Default(object);
    object["status"] = {{"loadBalancer", json::object()}};
  }
  void PrepareForUpdate(json& object, const json& old) override {
    json& spec = object["spec"];
    const json& old_spec = Member(old, "spec");
    // An update that leaves the ClusterIP out keeps the allocated one.
    if (spec.is_object() && !spec.contains("clusterIP") && old_spec.contains("clusterIP")) {
      spec["clusterIP"] = old_spec["clusterIP"];
      if (old_spec.contains("clusterIPs")) spec["clusterIPs"] = old_spec["clusterIPs"];
    }
    Default(object);
  }

  absl::Status Reserve(json& object, const json* old) override {
    json& spec = object["spec"];
    std::string old_ip = old == nullptr ? "" : ClusterIp(*old);
    const std::string name = NameOf(object);
    if (absl::Status status = ReserveClusterIp(name, spec, old_ip); !status.ok()) return status;
    absl::Status status =
        ReserveNodePorts(name, spec, old == nullptr ? json() : Member(*old, "spec"));
    if (!status.ok()) {
      if (ClusterIp(object) != old_ip) ReleaseIp(ClusterIp(object));
      return status;
    }
    return absl::OkStatus();
  }

  void Release(const json& object, const json* keep) override {
    std::string ip = ClusterIp(object);
    if (keep == nullptr || ClusterIp(*keep) != ip) ReleaseIp(ip);
    std::set<uint32_t> kept = keep == nullptr ? std::set<uint32_t>() : NodePorts(*keep);
    for (uint32_t port : NodePorts(object)) {
      if (!kept.contains(port)) context_.node_ports->Release(port);
    }
  }

 private:
  static void Default(json& object) {
    json& spec = object["spec"];
    if (!spec.is_object()) return;
    if (!spec.contains("type")) spec["type"] = "ClusterIP";
    if (spec["type"] == "ExternalName") return;
    if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
    if (!spec.contains("internalTrafficPolicy")) spec["internalTrafficPolicy"] = "Cluster";
    if (!spec.contains("ipFamilies")) spec["ipFamilies"] = json::array({"IPv4"});
    if (!spec.contains("ipFamilyPolicy")) spec["ipFamilyPolicy"] = "SingleStack";
    if (UsesNodePorts(spec) && !spec.contains("externalTrafficPolicy")) {
      spec["externalTrafficPolicy"] = "Cluster";
    }
    if (json& ports = spec["ports"]; ports.is_array()) {
      for (json& port : ports) {
        if (!port.is_object()) continue;
        if (!port.contains("protocol")) port["protocol"] = "TCP";
        if (!port.contains("targetPort") && port.contains("port"))
          port["targetPort"] = port["port"];
      }
    } else {
      spec.erase("ports");
    }
    if (!UsesNodePorts(spec) && spec.contains("ports")) {
      for (json& port : spec["ports"]) {
        if (port.is_object()) port.erase("nodePort");
      }
    }
  }

  void ReleaseIp(const std::string& ip) {
    if (std::optional<uint32_t> address = ParseIpv4(ip)) context_.service_ips->Release(*address);
  }

  absl::Status ReserveClusterIp(const std::string& name, json& spec, const std::string& old_ip) {
    if (spec.value("type", "") == "ExternalName") return absl::OkStatus();
    std::string requested = spec.value("clusterIP", "");
    if (requested == "None") {
      spec["clusterIPs"] = json::array({"None"});
      return absl::OkStatus();
    }
    if (!requested.empty() && requested == old_ip) return absl::OkStatus();
    auto invalid = [&](const std::string& detail) {
      return api::InvalidError(
          ServiceType(), name,
          {InvalidStrings("spec.clusterIPs", {requested},
                          base::StrCat("failed to allocate IP ", requested, ": ", detail))});
    };
    if (!requested.empty()) {
      std::optional<uint32_t> address = ParseIpv4(requested);
      if (!address) {
        return api::InvalidError(ServiceType(), name,
                                 {api::Invalid("spec.clusterIPs[0]", requested,
                                               "must be a valid IP address, (e.g. 10.9.8.7 or "
                                               "2001:db8::ffff)")});
      }
      if (!context_.service_ips->Contains(*address)) {
        return invalid(base::StrCat("the provided IP (", requested,
                                    ") is not in the valid range. The range of valid IPs is ",
                                    context_.service_cidr));
      }
      if (!context_.service_ips->Allocate(*address)) {
        return invalid("provided IP is already allocated");
      }
    } else {
      std::optional<uint32_t> address = context_.service_ips->AllocateNext();
      if (!address) {
        return api::InternalError("failed to allocate a serviceIP: range is full");
      }
      requested = FormatIpv4(*address);
      spec["clusterIP"] = requested;
    }
    spec["clusterIPs"] = json::array({requested});
    return absl::OkStatus();
  }

  absl::Status ReserveNodePorts(const std::string& name, json& spec, const json& old_spec) {
    if (!UsesNodePorts(spec) || !spec["ports"].is_array()) return absl::OkStatus();
    std::set<uint32_t> held =
        old_spec.is_object() ? NodePorts({{"spec", old_spec}}) : std::set<uint32_t>();
    std::vector<uint32_t> taken;
    auto undo = [&] {
      for (uint32_t port : taken) context_.node_ports->Release(port);
    };
    json& ports = spec["ports"];
    for (size_t i = 0; i < ports.size(); ++i) {
      json& port = ports[i];
      const json& requested = Member(port, "nodePort");
      if (requested.is_number_integer() && requested.get<int64_t>() > 0) {
        uint32_t value = static_cast<uint32_t>(requested.get<int64_t>());
        if (held.contains(value)) continue;
        std::string detail;
        if (!context_.node_ports->Contains(value)) {
          detail = base::StrCat(
              "provided port is not in the valid range. The range of valid "
              "ports is ",
              context_.node_ports->first(), "-",
              context_.node_ports->first() + context_.node_ports->size() - 1);
        } else if (!context_.node_ports->Allocate(value)) {
          detail = "provided port is already allocated";
        }
        if (!detail.empty()) {
          undo();
          return api::InvalidError(
              ServiceType(), name,
              {api::Invalid(IndexPath("spec.ports", i) + ".nodePort", requested, detail)});
        }
        taken.push_back(value);
      } else {
        // Keep the port this service already had at the same position.
        const json& old_ports = Member(old_spec, "ports");
        if (old_ports.is_array() && i < old_ports.size() &&
            Member(old_ports[i], "nodePort").is_number_integer()) {
          port["nodePort"] = old_ports[i]["nodePort"];
          continue;
        }
        std::optional<uint32_t> value = context_.node_ports->AllocateNext();
        if (!value) {
          undo();
          return api::InternalError("failed to allocate a nodePort: range is full");
        }
        taken.push_back(*value);
        port["nodePort"] = *value;
      }
    }
    return absl::OkStatus();
  }

  static const api::ResourceType& ServiceType() {
    static const api::ResourceType* type = [] {
      for (const api::ResourceType& candidate : api::BuiltinResourceTypes()) {
        if (candidate.group.empty() && candidate.kind == "Service") return &candidate;
      }
      return &api::BuiltinResourceTypes().front();
    }();
    return *type;
  }

  StrategyContext context_;
};

// ---- Secret and ConfigMap --------------------------------------------------------------------

api::FieldErrors ValidateDataKeys(const json& object, const char* field) {
  api::FieldErrors errors;
  const json& data = Member(object, field);
  if (data.is_null()) return errors;
  if (!data.is_object()) {
    errors.push_back(api::Invalid(field, data, "must be an object"));
    return errors;
  }
  for (const auto& [key, value] : data.items()) {
    bool valid = !key.empty() && key != "." && key != ".." &&
                 key.find_first_not_of(
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789-._") == std::string::npos;
    if (!valid) {
      errors.push_back(api::Invalid(base::StrCat(field, "[", key, "]"), key,
                                    "a valid config key must consist of alphanumeric characters, "
                                    "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                                    "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
    }
    if (!value.is_string()) {
      errors.push_back(api::Invalid(base::StrCat(field, "[", key, "]"), value, "must be a string"));
    }
  }
  return errors;
}

class ConfigMapStrategy : public Strategy {
 public:
  api::FieldErrors Validate(const json& object) override {
    api::FieldErrors errors = ValidateDataKeys(object, "data");
    api::FieldErrors binary = ValidateDataKeys(object, "binaryData");
    errors.insert(errors.end(), binary.begin(), binary.end());
    return errors;
  }
};

class SecretStrategy : public Strategy {
 public:
  void PrepareForCreate(json& object) override { Normalize(object); }
  void PrepareForUpdate(json& object, const json&) override { Normalize(object); }
  api::FieldErrors Validate(const json& object) override {
    api::FieldErrors errors = ValidateDataKeys(object, "data");
    const json& data = Member(object, "data");
    if (data.is_object()) {
      for (const auto& [key, value] : data.items()) {
        std::string decoded;
        if (value.is_string() && !absl::Base64Unescape(value.get<std::string>(), &decoded)) {
          errors.push_back(api::Invalid(base::StrCat("data[", key, "]"),
                                        "<secret contents redacted>", "must be base64 encoded"));
        }
      }
    }
    // The keys each well-known secret type must carry, as upstream requires them.
    const std::string type = object.value("type", "Opaque");
    auto require = [&](const char* key) {
      if (!data.is_object() || !data.contains(key)) {
        errors.push_back(api::Required(base::StrCat("data[", key, "]")));
      }
    };
    if (type == "kubernetes.io/tls") {
      require("tls.crt");
      require("tls.key");
    } else if (type == "kubernetes.io/dockerconfigjson") {
      require(".dockerconfigjson");
    } else if (type == "kubernetes.io/dockercfg") {
      require(".dockercfg");
    } else if (type == "kubernetes.io/ssh-auth") {
      require("ssh-privatekey");
    } else if (type == "kubernetes.io/service-account-token" &&
               !Member(Member(Member(object, "metadata"), "annotations"),
                       "kubernetes.io/service-account.name")
                    .is_string()) {
      errors.push_back(api::Required("metadata.annotations[kubernetes.io/service-account.name]"));
    }
    return errors;
  }
  // Upstream's order: the immutability checks, then the new secret's own checks.
  api::FieldErrors ValidateUpdate(const json& object, const json& old) override {
    api::FieldErrors errors;
    if (Member(object, "type") != Member(old, "type")) {
      errors.push_back(api::Invalid("type", Member(object, "type"), "field is immutable"));
    }
    if (Member(old, "immutable") == true && Member(object, "data") != Member(old, "data")) {
      errors.push_back(api::Forbidden("data", "field is immutable when `immutable` is set"));
    }
    api::FieldErrors own = Validate(object);
    errors.insert(errors.end(), own.begin(), own.end());
    return errors;
  }

 private:
  // stringData is a write-only convenience: it lands base64-encoded in data, as upstream does.
  static void Normalize(json& object) {
    if (!object.contains("type")) object["type"] = "Opaque";
    auto string_data = object.find("stringData");
    if (string_data == object.end()) return;
    if (string_data->is_object()) {
      for (const auto& [key, value] : string_data->items()) {
        if (value.is_string()) object["data"][key] = absl::Base64Escape(value.get<std::string>());
      }
    }
    object.erase("stringData");
  }
};

bool IsIpAddress(const std::string& text) {
  in6_addr address{};
  return ParseIpv4(text).has_value() || inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

constexpr char kInvalidIp[] = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)";

class EndpointsStrategy : public Strategy {
 public:
  api::FieldErrors Validate(const json& object) override {
    api::FieldErrors errors;
    const json& subsets = Member(object, "subsets");
    for (size_t i = 0; subsets.is_array() && i < subsets.size(); ++i) {
      for (const char* list : {"addresses", "notReadyAddresses"}) {
        const json& addresses = Member(subsets[i], list);
        for (size_t j = 0; addresses.is_array() && j < addresses.size(); ++j) {
          std::string path = base::StrCat(IndexPath("subsets", i), ".", IndexPath(list, j), ".ip");
          const json& ip = Member(addresses[j], "ip");
          if (!ip.is_string()) {
            errors.push_back(api::Required(path));
          } else if (!IsIpAddress(ip.get<std::string>())) {
            errors.push_back(api::Invalid(path, ip, kInvalidIp));
          }
        }
      }
    }
    return errors;
  }
};

class EventStrategy : public Strategy {
 public:
  api::FieldErrors Validate(const json& object) override {
    api::FieldErrors errors;
    const json& involved = Member(Member(object, "involvedObject"), "namespace");
    std::string event_namespace = Member(object, "metadata").value("namespace", "");
    if (involved.is_string() && !involved.get<std::string>().empty() &&
        involved.get<std::string>() != event_namespace) {
      errors.push_back(
          api::Invalid("involvedObject.namespace", involved, "does not match event.namespace"));
    }
    return errors;
  }
};

class LeaseStrategy : public Strategy {
 public:
  api::FieldErrors Validate(const json& object) override {
    api::FieldErrors errors;
    const json& duration = Member(Member(object, "spec"), "leaseDurationSeconds");
    if (duration.is_number_integer() && duration.get<int64_t>() <= 0) {
      errors.push_back(
          api::Invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"));
    }
    return errors;
  }
};

class EndpointSliceStrategy : public Strategy {
 public:
  api::FieldErrors Validate(const json& object) override {
    api::FieldErrors errors;
    const json& type = Member(object, "addressType");
    if (type.is_null()) {
      errors.push_back(api::Required("addressType"));
    } else if (type != "IPv4" && type != "IPv6" && type != "FQDN") {
      errors.push_back(api::NotSupported("addressType", type, {"IPv4", "IPv6", "FQDN"}));
    }
    return errors;
  }
};

}  // namespace

// ---- Job ---------------------------------------------------------------------------------------

// Jobs select their pods by the job's uid unless the user manages the selector, as upstream's
// job strategy generates it on create.
class JobStrategy : public Strategy {
 public:
  void PrepareForCreate(json& object) override {
    json& spec = object["spec"];
    if (!spec.is_object() || Member(spec, "manualSelector") == true) return;
    const std::string uid = object["metadata"].value("uid", "");
    const std::string name = object["metadata"].value("name", "");
    json& labels = spec["template"]["metadata"]["labels"];
    if (!labels.is_object()) labels = json::object();
    for (const char* key : {"controller-uid", "batch.kubernetes.io/controller-uid"}) {
      labels[key] = uid;
    }
    for (const char* key : {"job-name", "batch.kubernetes.io/job-name"}) labels[key] = name;
    spec["selector"] = {{"matchLabels", {{"batch.kubernetes.io/controller-uid", uid}}}};
    object["status"] = json::object();
  }
};

std::unique_ptr<Strategy> MakeStrategy(const api::ResourceType& type,
                                       const StrategyContext& context) {
  if (type.group.empty()) {
    if (type.kind == "Namespace") return std::make_unique<NamespaceStrategy>();
    if (type.kind == "Pod") return std::make_unique<PodStrategy>();
    if (type.kind == "Service") return std::make_unique<ServiceStrategy>(context);
    if (type.kind == "Secret") return std::make_unique<SecretStrategy>();
    if (type.kind == "ConfigMap") return std::make_unique<ConfigMapStrategy>();
    if (type.kind == "Endpoints") return std::make_unique<EndpointsStrategy>();
    if (type.kind == "Event") return std::make_unique<EventStrategy>();
  }
  if (type.group == "batch" && type.kind == "Job") return std::make_unique<JobStrategy>();
  if (type.group == "apiextensions.k8s.io" && type.kind == "CustomResourceDefinition") {
    return MakeCustomResourceDefinitionStrategy();
  }
  if (type.group == "coordination.k8s.io" && type.kind == "Lease") {
    return std::make_unique<LeaseStrategy>();
  }
  if (type.group == "discovery.k8s.io" && type.kind == "EndpointSlice") {
    return std::make_unique<EndpointSliceStrategy>();
  }
  return std::make_unique<Strategy>();
}

void ReserveServiceAllocations(const json& service, const StrategyContext& context) {
  if (std::optional<uint32_t> ip = ParseIpv4(ClusterIp(service))) {
    context.service_ips->Allocate(*ip);
  }
  for (uint32_t port : NodePorts(service)) context.node_ports->Allocate(port);
}

}  // namespace k1s::apiserver
