// Kinds outside the workload controllers: Service, ConfigMap/Secret immutability and
// PersistentVolumeClaim from the core group; networking, policy, autoscaling, rbac, storage,
// scheduling, node and admissionregistration. Mirrors the upstream validation packages of each
// group; only the rules listed per kind are implemented.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "api/validate_groups.h"
#include "api/validate_kinds.h"
#include "api/validate_util.h"
#include "base/strings.h"

namespace k1s::api::other_kinds {
namespace {

using json = nlohmann::json;
using base::StrCat;
using namespace validate;  // NOLINT(build/namespaces): internal helpers

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// path.IsValidPathSegmentName.
std::vector<std::string> PathSegmentErrors(const std::string& name) {
  return ValidateName(name, NameRule::kPathSegment, false);
}

// ---- Service ------------------------------------------------------------------------------------

void ServicePorts(const json& spec, FieldErrors& errs) {
  const json& ports = Get(spec, "ports");
  std::set<std::string> names;
  bool require_name = Size(ports) > 1;
  for (size_t i = 0; i < Size(ports); ++i) {
    const json& port = ports[i];
    std::string p = Index("spec.ports", i);
    std::string name = Str(port, "name");
    if (require_name && name.empty()) {
      errs.push_back(Required(Child(p, "name")));
    } else if (!name.empty()) {
      for (std::string& msg : IsDns1123Label(name)) {
        errs.push_back(Invalid(Child(p, "name"), name, std::move(msg)));
      }
      if (!names.insert(name).second) errs.push_back(Duplicate(Child(p, "name"), name));
    }
    int64_t number = Int(port, "port").value_or(0);
    for (std::string& msg : IsValidPortNum(number)) {
      errs.push_back(Invalid(Child(p, "port"), number, std::move(msg)));
    }
    std::string protocol = Str(port, "protocol");
    if (protocol.empty()) {
      errs.push_back(Required(Child(p, "protocol")));
    } else if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
      errs.push_back(NotSupported(Child(p, "protocol"), protocol, {"SCTP", "TCP", "UDP"}));
    }
    const json& target = Get(port, "targetPort");
    if (target.is_string()) {
      for (std::string& msg : IsValidPortName(target.get<std::string>())) {
        errs.push_back(Invalid(Child(p, "targetPort"), target, std::move(msg)));
      }
    } else if (target.is_number()) {
      for (std::string& msg : IsValidPortNum(target.get<int64_t>())) {
        errs.push_back(Invalid(Child(p, "targetPort"), target, std::move(msg)));
      }
    }
    if (Has(port, "appProtocol")) {
      std::string app = Str(port, "appProtocol");
      for (std::string& msg : IsQualifiedName(app)) {
        errs.push_back(Invalid(Child(p, "appProtocol"), app, std::move(msg)));
      }
    }
  }
}

FieldErrors ValidateService(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  std::string type = Str(spec, "type");
  bool headless = Str(spec, "clusterIP") == "None";
  if (Size(Get(spec, "ports")) == 0 && !headless && type != "ExternalName") {
    errs.push_back(Required("spec.ports"));
  }
  if (type == "ExternalName") {
    std::string external = Str(spec, "externalName");
    if (external.empty()) {
      errs.push_back(Required("spec.externalName"));
    } else {
      std::string trimmed = external;
      if (!trimmed.empty() && trimmed.back() == '.') trimmed.pop_back();
      for (std::string& msg : IsDns1123Subdomain(trimmed)) {
        errs.push_back(Invalid("spec.externalName", external, std::move(msg)));
      }
    }
  }
  ServicePorts(spec, errs);
  ValidateLabelMap(Get(spec, "selector"), "spec.selector", errs);
  if (Has(spec, "sessionAffinity")) {
    std::string affinity = Str(spec, "sessionAffinity");
    if (affinity != "ClientIP" && affinity != "None") {
      errs.push_back(NotSupported("spec.sessionAffinity", affinity, {"ClientIP", "None"}));
    }
  }
  if (Has(spec, "type") && type != "ClusterIP" && type != "NodePort" && type != "LoadBalancer" &&
      type != "ExternalName") {
    errs.push_back(
        NotSupported("spec.type", type, {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}));
  }
  if (type == "ClusterIP") {
    const json& ports = Get(spec, "ports");
    for (size_t i = 0; i < Size(ports); ++i) {
      if (Int(ports[i], "nodePort").value_or(0) != 0) {
        errs.push_back(Forbidden(Child(Index("spec.ports", i), "nodePort"),
                                 "may not be used when `type` is 'ClusterIP'"));
      }
    }
  }
  const json& ext_ips = Get(spec, "externalIPs");
  for (size_t i = 0; i < Size(ext_ips); ++i) {
    std::string ip = ext_ips[i].is_string() ? ext_ips[i].get<std::string>() : "";
    for (std::string& msg : IsValidIp(ip)) {
      errs.push_back(Invalid(Index("spec.externalIPs", i), ip, std::move(msg)));
    }
  }
  return errs;
}

FieldErrors ValidateServiceUpdate(const json& object, const json& old) {
  FieldErrors errs = ValidateService(object);
  const json& spec = Get(object, "spec");
  const json& old_spec = Get(old, "spec");
  // ClusterIP may only change when the service becomes or stops being ExternalName.
  bool external = Str(spec, "type") == "ExternalName" || Str(old_spec, "type") == "ExternalName";
  if (!external && Has(spec, "clusterIP") && Str(spec, "clusterIP") != Str(old_spec, "clusterIP")) {
    errs.push_back(
        Invalid("spec.clusterIPs[0]", Str(spec, "clusterIP"), "may not change once set"));
  }
  return errs;
}

// ---- ConfigMap / Secret -------------------------------------------------------------------------

void ImmutableData(const json& object, const json& old, const std::vector<const char*>& fields,
                   FieldErrors& errs) {
  if (!IsTrue(old, "immutable")) return;
  if (!IsTrue(object, "immutable")) {
    errs.push_back(Forbidden("immutable", "field is immutable when `immutable` is set"));
  }
  for (const char* field : fields) {
    const json& now = Get(object, field);
    const json& before = Get(old, field);
    bool both_empty = Size(now) == 0 && Size(before) == 0;
    if (!both_empty && now != before) {
      errs.push_back(Forbidden(field, "field is immutable when `immutable` is set"));
    }
  }
}

// ---- PersistentVolumeClaim ----------------------------------------------------------------------

void PvcSpec(const json& spec, const std::string& path, FieldErrors& errs) {
  const json& modes = Get(spec, "accessModes");
  if (Size(modes) == 0) {
    errs.push_back(Required(Child(path, "accessModes"), "at least 1 access mode is required"));
  }
  if (Has(spec, "selector"))
    ValidateLabelSelector(Get(spec, "selector"), Child(path, "selector"), errs);
  for (const json& mode : modes.is_array() ? modes : json::array()) {
    std::string m = mode.is_string() ? mode.get<std::string>() : "";
    if (m != "ReadWriteOnce" && m != "ReadOnlyMany" && m != "ReadWriteMany" &&
        m != "ReadWriteOncePod") {
      errs.push_back(
          NotSupported(Child(path, "accessModes"), m,
                       {"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"}));
    }
  }
  std::string storage_path = Key(Child(path, "resources"), "storage");
  const json& storage = Get(Get(Get(spec, "resources"), "requests"), "storage");
  if (storage.is_null()) {
    errs.push_back(Required(storage_path));
  } else if (std::optional<Quantity> q = ParseQuantity(storage); !q) {
    errs.push_back(Invalid(storage_path, storage, kQuantityRegexMsg));
  } else if (q->nanos <= 0) {
    errs.push_back(Invalid(storage_path, q->canonical, "must be greater than zero"));
  }
  std::string class_name = Str(spec, "storageClassName");
  if (!class_name.empty()) {
    for (std::string& msg : IsDns1123Subdomain(class_name)) {
      errs.push_back(Invalid(Child(path, "storageClassName"), class_name, std::move(msg)));
    }
  }
  if (Has(spec, "volumeMode")) {
    std::string mode = Str(spec, "volumeMode");
    if (mode != "Block" && mode != "Filesystem") {
      errs.push_back(NotSupported(Child(path, "volumeMode"), mode, {"Block", "Filesystem"}));
    }
  }
}

FieldErrors ValidatePvcUpdate(const json& object, const json& old) {
  FieldErrors errs;
  PvcSpec(Get(object, "spec"), "spec", errs);
  json now = Get(object, "spec");
  json before = Get(old, "spec");
  if (Str(before, "volumeName").empty() && now.is_object()) {
    if (Has(now, "volumeName")) {
      before["volumeName"] = now["volumeName"];
    }
  }
  bool bound = Str(Get(object, "status"), "phase") == "Bound";
  if (bound && now.is_object()) {
    if (Has(Get(now, "resources"), "requests")) {
      json old_storage = Get(Get(Get(old, "spec"), "resources"), "requests");
      if (Has(old_storage, "storage")) {
        now["resources"]["requests"]["storage"] = old_storage["storage"];
      } else {
        now["resources"]["requests"].erase("storage");
      }
    }
    if (Has(now, "volumeAttributesClassName")) {
      if (Has(before, "volumeAttributesClassName")) {
        now["volumeAttributesClassName"] = before["volumeAttributesClassName"];
      } else {
        now.erase("volumeAttributesClassName");
      }
    }
  }
  if (now != before) {
    errs.push_back(Forbidden("spec", StrCat("spec is immutable after creation except "
                                            "resources.requests and volumeAttributesClassName "
                                            "for bound claims\n",
                                            GoSpecDiff("core.PersistentVolumeClaimSpec", before,
                                                       now))));
  }
  std::optional<Quantity> new_size =
      ParseQuantity(Get(Get(Get(Get(object, "spec"), "resources"), "requests"), "storage"));
  std::optional<Quantity> old_size =
      ParseQuantity(Get(Get(Get(Get(old, "spec"), "resources"), "requests"), "storage"));
  if (new_size && old_size && new_size->Compare(*old_size) < 0) {
    // RecoverVolumeExpansionFailure (beta in 1.32) allows shrinking down to status.capacity.
    std::optional<Quantity> capacity =
        ParseQuantity(Get(Get(Get(old, "status"), "capacity"), "storage"));
    Quantity floor = capacity.value_or(Quantity{});
    if (new_size->Compare(floor) <= 0) {
      errs.push_back(Forbidden("spec.resources.requests.storage",
                               "field can not be less than status.capacity"));
    }
  }
  return errs;
}

// ---- networking ---------------------------------------------------------------------------------

void IngressBackend(const json& backend, const std::string& path, FieldErrors& errs) {
  bool has_service = Has(backend, "service");
  bool has_resource = Has(backend, "resource");
  if (has_service && has_resource) {
    errs.push_back(Invalid(path, "", "cannot set both resource and service backends"));
    return;
  }
  if (has_resource) {
    const json& res = Get(backend, "resource");
    if (Str(res, "kind").empty()) errs.push_back(Required(Child(Child(path, "resource"), "kind")));
    if (Str(res, "name").empty()) errs.push_back(Required(Child(Child(path, "resource"), "name")));
    return;
  }
  if (!has_service) {
    errs.push_back(Invalid(path, "", "resource or service backend is required"));
    return;
  }
  const json& service = Get(backend, "service");
  std::string sp = Child(path, "service");
  std::string name = Str(service, "name");
  if (name.empty()) {
    errs.push_back(Required(Child(sp, "name")));
  } else {
    for (std::string& msg : IsDns1035Label(name)) {
      errs.push_back(Invalid(Child(sp, "name"), name, std::move(msg)));
    }
  }
  const json& port = Get(service, "port");
  bool has_name = !Str(port, "name").empty();
  bool has_number = Int(port, "number").value_or(0) != 0;
  if (has_name && has_number) {
    errs.push_back(Invalid(path, "", "cannot set both port name & port number"));
  } else if (has_name) {
    std::string port_name = Str(port, "name");
    for (std::string& msg : IsValidPortName(port_name)) {
      errs.push_back(Invalid(Child(Child(sp, "port"), "name"), port_name, std::move(msg)));
    }
  } else if (has_number) {
    int64_t number = Int(port, "number").value_or(0);
    for (std::string& msg : IsValidPortNum(number)) {
      errs.push_back(Invalid(Child(Child(sp, "port"), "number"), number, std::move(msg)));
    }
  } else {
    errs.push_back(Required(path, "port name or number is required"));
  }
}

FieldErrors ValidateIngress(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  const json& rules = Get(spec, "rules");
  if (!Has(spec, "defaultBackend") && Size(rules) == 0) {
    errs.push_back(InvalidRendered("spec", "[]networking.IngressRule(nil)",
                                   "either `defaultBackend` or `rules` must be specified"));
  }
  if (Has(spec, "defaultBackend"))
    IngressBackend(Get(spec, "defaultBackend"), "spec.defaultBackend", errs);
  for (size_t i = 0; i < Size(rules); ++i) {
    const json& rule = rules[i];
    std::string rp = Index("spec.rules", i);
    std::string host = Str(rule, "host");
    if (!host.empty()) {
      if (IsValidIp(host).empty()) {
        errs.push_back(Invalid(Child(rp, "host"), host, "must be a DNS name, not an IP address"));
      }
      if (host.find('*') != std::string::npos) {
        for (std::string& msg : IsDns1123SubdomainWithWildcard(host)) {
          errs.push_back(Invalid(Child(rp, "host"), host, std::move(msg)));
        }
      } else {
        for (std::string& msg : IsDns1123Subdomain(host)) {
          errs.push_back(Invalid(Child(rp, "host"), host, std::move(msg)));
        }
      }
    }
    if (!Has(rule, "http")) continue;
    const json& paths = Get(Get(rule, "http"), "paths");
    std::string pp = Child(Child(rp, "http"), "paths");
    if (Size(paths) == 0) errs.push_back(Required(pp));
    for (size_t j = 0; j < Size(paths); ++j) {
      const json& path = paths[j];
      std::string p = Index(pp, j);
      std::string type = Str(path, "pathType");
      std::string value = Str(path, "path");
      if (!Has(path, "pathType")) {
        errs.push_back(Required(Child(p, "pathType"), "pathType must be specified"));
        continue;
      }
      if (type != "Exact" && type != "Prefix" && type != "ImplementationSpecific") {
        errs.push_back(NotSupported(Child(p, "pathType"), type,
                                    {"Exact", "ImplementationSpecific", "Prefix"}));
      } else if (type == "Exact" || type == "Prefix") {
        if (value.empty() || value[0] != '/') {
          errs.push_back(Invalid(Child(p, "path"), value, "must be an absolute path"));
        }
        for (const char* bad : {"//", "/./", "/../", "%2f", "%2F"}) {
          if (value.find(bad) != std::string::npos) {
            errs.push_back(
                Invalid(Child(p, "path"), value, StrCat("must not contain '", bad, "'")));
          }
        }
        for (const char* bad : {"/..", "/."}) {
          std::string suffix = bad;
          if (value.size() >= suffix.size() &&
              value.compare(value.size() - suffix.size(), suffix.size(), suffix) == 0) {
            errs.push_back(Invalid(Child(p, "path"), value, StrCat("cannot end with '", bad, "'")));
          }
        }
      } else if (!value.empty() && value[0] != '/') {
        errs.push_back(Invalid(Child(p, "path"), value, "must be an absolute path"));
      }
      IngressBackend(Get(path, "backend"), Child(p, "backend"), errs);
    }
  }
  const json& tls = Get(spec, "tls");
  for (size_t i = 0; i < Size(tls); ++i) {
    const json& hosts = Get(tls[i], "hosts");
    for (size_t j = 0; j < Size(hosts); ++j) {
      std::string host = hosts[j].is_string() ? hosts[j].get<std::string>() : "";
      std::vector<std::string> msgs =
          host.rfind("*", 0) == 0 ? IsDns1123SubdomainWithWildcard(host) : IsDns1123Subdomain(host);
      for (std::string& msg : msgs) {
        errs.push_back(
            Invalid(Index(Child(Index("spec.tls", i), "hosts"), j), host, std::move(msg)));
      }
    }
  }
  if (Has(spec, "ingressClassName")) {
    std::string class_name = Str(spec, "ingressClassName");
    for (std::string& msg : IsDns1123Subdomain(class_name)) {
      errs.push_back(Invalid("spec.ingressClassName", class_name, std::move(msg)));
    }
  }
  return errs;
}

FieldErrors ValidateIngressClass(const json& object) {
  FieldErrors errs;
  std::string controller = Str(Get(object, "spec"), "controller");
  if (controller.empty()) {
    errs.push_back(Required("spec.controller"));
  } else if (controller.size() > 250) {
    errs.push_back(TooLong("spec.controller", controller, 250));
  }
  return errs;
}

FieldErrors ValidateNetworkPolicy(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  ValidateLabelSelector(Get(spec, "podSelector"), "spec.podSelector", errs);
  for (const char* direction : {"ingress", "egress"}) {
    const json& rules = Get(spec, direction);
    const char* peers_key = std::string(direction) == "ingress" ? "from" : "to";
    for (size_t i = 0; i < Size(rules); ++i) {
      std::string rp = Index(StrCat("spec.", direction), i);
      const json& ports = Get(rules[i], "ports");
      for (size_t j = 0; j < Size(ports); ++j) {
        std::string pp = Index(Child(rp, "ports"), j);
        if (Has(ports[j], "protocol")) {
          std::string protocol = Str(ports[j], "protocol");
          if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
            errs.push_back(NotSupported(Child(pp, "protocol"), protocol, {"SCTP", "TCP", "UDP"}));
          }
        }
        const json& port = Get(ports[j], "port");
        if (port.is_number()) {
          for (std::string& msg : IsValidPortNum(port.get<int64_t>())) {
            errs.push_back(Invalid(Child(pp, "port"), port, std::move(msg)));
          }
        } else if (port.is_string()) {
          for (std::string& msg : IsValidPortName(port.get<std::string>())) {
            errs.push_back(Invalid(Child(pp, "port"), port, std::move(msg)));
          }
        }
      }
      const json& peers = Get(rules[i], peers_key);
      for (size_t j = 0; j < Size(peers); ++j) {
        const json& peer = peers[j];
        std::string pp = Index(Child(rp, peers_key), j);
        int count = 0;
        if (Has(peer, "podSelector")) {
          ++count;
          ValidateLabelSelector(Get(peer, "podSelector"), Child(pp, "podSelector"), errs);
        }
        if (Has(peer, "namespaceSelector")) {
          ++count;
          ValidateLabelSelector(Get(peer, "namespaceSelector"), Child(pp, "namespaceSelector"),
                                errs);
        }
        if (Has(peer, "ipBlock")) {
          ++count;
          std::string cidr = Str(Get(peer, "ipBlock"), "cidr");
          std::string cp = Child(Child(pp, "ipBlock"), "cidr");
          if (cidr.empty()) {
            errs.push_back(Required(cp));
          } else if (!IsValidCidr(cidr)) {
            errs.push_back(Invalid(cp, cidr,
                                   "must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
                                   "2001:db8::/64)"));
          }
        }
        if (count == 0) {
          errs.push_back(Required(pp, "must specify a peer"));
        } else if (count > 1 && Has(peer, "ipBlock")) {
          errs.push_back(Forbidden(pp, "may not specify both ipBlock and another peer"));
        }
      }
    }
  }
  const json& types = Get(spec, "policyTypes");
  if (Size(types) > 2) {
    errs.push_back(Invalid("spec.policyTypes", types, "may not specify more than two policyTypes"));
  }
  for (size_t i = 0; i < Size(types); ++i) {
    std::string type = types[i].is_string() ? types[i].get<std::string>() : "";
    if (type != "Ingress" && type != "Egress") {
      errs.push_back(NotSupported(Index("spec.policyTypes", i), type, {"Ingress", "Egress"}));
    }
  }
  return errs;
}

// ---- policy / autoscaling -----------------------------------------------------------------------

FieldErrors ValidatePdb(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  if (Has(spec, "minAvailable") && Has(spec, "maxUnavailable")) {
    // Go prints the spec struct with pointer addresses; a fixed placeholder stands in for them.
    auto ptr = [&spec](const char* key, const char* type) {
      return StrCat("(*", type, ")(", Has(spec, key) ? "0xc000000000" : "nil", ")");
    };
    errs.push_back(InvalidRendered(
        "spec",
        StrCat("policy.PodDisruptionBudgetSpec{MinAvailable:",
               ptr("minAvailable", "intstr.IntOrString"),
               ", Selector:", ptr("selector", "v1.LabelSelector"), ", MaxUnavailable:",
               ptr("maxUnavailable", "intstr.IntOrString"), ", UnhealthyPodEvictionPolicy:",
               ptr("unhealthyPodEvictionPolicy", "policy.UnhealthyPodEvictionPolicyType"), "}"),
        "minAvailable and maxUnavailable cannot be both set"));
  }
  for (const char* field : {"minAvailable", "maxUnavailable"}) {
    if (!Has(spec, field)) continue;
    ValidatePositiveIntOrPercent(Get(spec, field), Child("spec", field), errs);
    NotMoreThan100Percent(Get(spec, field), Child("spec", field), errs);
  }
  ValidateLabelSelector(Get(spec, "selector"), "spec.selector", errs);
  if (Has(spec, "unhealthyPodEvictionPolicy")) {
    std::string policy = Str(spec, "unhealthyPodEvictionPolicy");
    if (policy != "IfHealthyBudget" && policy != "AlwaysAllow") {
      errs.push_back(NotSupported("spec.unhealthyPodEvictionPolicy", policy,
                                  {"AlwaysAllow", "IfHealthyBudget"}));
    }
  }
  return errs;
}

FieldErrors ValidateHpa(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  std::optional<int64_t> min = Int(spec, "minReplicas");
  int64_t max = Int(spec, "maxReplicas").value_or(0);
  if (min && *min < 1) {
    errs.push_back(Invalid("spec.minReplicas", *min, "must be greater than or equal to 1"));
  }
  if (max < 1) errs.push_back(Invalid("spec.maxReplicas", max, "must be greater than 0"));
  if (min && max < *min) {
    errs.push_back(
        Invalid("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  }
  const json& ref = Get(spec, "scaleTargetRef");
  for (const char* field : {"kind", "name"}) {
    std::string value = Str(ref, field);
    std::string p = Child("spec.scaleTargetRef", field);
    if (value.empty()) {
      errs.push_back(Required(p));
    } else {
      for (std::string& msg : PathSegmentErrors(value)) errs.push_back(Invalid(p, value, msg));
    }
  }
  const json& metrics = Get(spec, "metrics");
  static const std::vector<std::string> kTypes = {"ContainerResource", "External", "Object", "Pods",
                                                  "Resource"};
  for (size_t i = 0; i < Size(metrics); ++i) {
    std::string type = Str(metrics[i], "type");
    std::string p = Child(Index("spec.metrics", i), "type");
    if (type.empty()) {
      errs.push_back(Required(p, "must specify a metric source type"));
    } else if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
      errs.push_back(NotSupported(p, type, kTypes));
    }
  }
  return errs;
}

// ---- rbac ---------------------------------------------------------------------------------------

void PolicyRules(const json& rules, bool namespaced, FieldErrors& errs) {
  for (size_t i = 0; i < Size(rules); ++i) {
    const json& rule = rules[i];
    std::string p = Index("rules", i);
    if (Size(Get(rule, "verbs")) == 0) {
      errs.push_back(Required(Child(p, "verbs"), "verbs must contain at least one value"));
    }
    const json& urls = Get(rule, "nonResourceURLs");
    if (Size(urls) > 0) {
      if (namespaced) {
        errs.push_back(InvalidRendered(Child(p, "nonResourceURLs"), GoStringSlice(urls),
                                       "namespaced rules cannot apply to non-resource URLs"));
      }
      if (Size(Get(rule, "apiGroups")) + Size(Get(rule, "resources")) +
              Size(Get(rule, "resourceNames")) >
          0) {
        errs.push_back(InvalidRendered(Child(p, "nonResourceURLs"), GoStringSlice(urls),
                                       "rules cannot apply to both regular resources and "
                                       "non-resource URLs"));
      }
      continue;
    }
    if (Size(Get(rule, "apiGroups")) == 0) {
      errs.push_back(
          Required(Child(p, "apiGroups"), "resource rules must supply at least one api group"));
    }
    if (Size(Get(rule, "resources")) == 0) {
      errs.push_back(
          Required(Child(p, "resources"), "resource rules must supply at least one resource"));
    }
  }
}

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

FieldErrors ValidateBinding(const json& object, bool namespaced) {
  FieldErrors errs;
  const json& ref = Get(object, "roleRef");
  if (Str(ref, "apiGroup") != kRbacGroup) {
    errs.push_back(NotSupported("roleRef.apiGroup", Str(ref, "apiGroup"), {kRbacGroup}));
  }
  std::string kind = Str(ref, "kind");
  if (namespaced && kind != "Role" && kind != "ClusterRole") {
    errs.push_back(NotSupported("roleRef.kind", kind, {"Role", "ClusterRole"}));
  } else if (!namespaced && kind != "ClusterRole") {
    errs.push_back(NotSupported("roleRef.kind", kind, {"ClusterRole"}));
  }
  std::string name = Str(ref, "name");
  if (name.empty()) {
    errs.push_back(Required("roleRef.name"));
  } else {
    for (std::string& msg : PathSegmentErrors(name))
      errs.push_back(Invalid("roleRef.name", name, msg));
  }
  const json& subjects = Get(object, "subjects");
  for (size_t i = 0; i < Size(subjects); ++i) {
    const json& s = subjects[i];
    std::string p = Index("subjects", i);
    std::string subject_name = Str(s, "name");
    std::string api_group = Str(s, "apiGroup");
    if (subject_name.empty()) errs.push_back(Required(Child(p, "name")));
    std::string subject_kind = Str(s, "kind");
    if (subject_kind == "ServiceAccount") {
      if (!subject_name.empty()) {
        for (std::string& msg : IsDns1123Subdomain(subject_name)) {
          errs.push_back(Invalid(Child(p, "name"), subject_name, msg));
        }
      }
      if (!api_group.empty()) errs.push_back(NotSupported(Child(p, "apiGroup"), api_group, {""}));
      if (!namespaced && Str(s, "namespace").empty()) {
        errs.push_back(Required(Child(p, "namespace")));
      }
    } else if (subject_kind == "User" || subject_kind == "Group") {
      if (api_group != kRbacGroup) {
        errs.push_back(NotSupported(Child(p, "apiGroup"), api_group, {kRbacGroup}));
      }
    } else {
      errs.push_back(
          NotSupported(Child(p, "kind"), subject_kind, {"ServiceAccount", "User", "Group"}));
    }
  }
  return errs;
}

FieldErrors ValidateBindingUpdate(const json& object, const json& old, bool namespaced) {
  FieldErrors errs = ValidateBinding(object, namespaced);
  const json& ref = Get(object, "roleRef");
  if (ref != Get(old, "roleRef")) {
    errs.push_back(InvalidRendered(
        "roleRef",
        StrCat("rbac.RoleRef{APIGroup:", GoQuote(Str(ref, "apiGroup")),
               ", Kind:", GoQuote(Str(ref, "kind")), ", Name:", GoQuote(Str(ref, "name")), "}"),
        "cannot change roleRef"));
  }
  return errs;
}

// ---- storage / scheduling / node ----------------------------------------------------------------

FieldErrors ValidateStorageClass(const json& object) {
  FieldErrors errs;
  std::string provisioner = Str(object, "provisioner");
  if (provisioner.empty()) {
    errs.push_back(Required("provisioner"));
  } else {
    if (provisioner.size() > 63) errs.push_back(TooLong("provisioner", provisioner, 63));
    for (std::string& msg : IsQualifiedName(Lower(provisioner))) {
      errs.push_back(Invalid("provisioner", provisioner, msg));
    }
  }
  if (Has(object, "reclaimPolicy")) {
    std::string policy = Str(object, "reclaimPolicy");
    if (policy != "Delete" && policy != "Retain") {
      errs.push_back(NotSupported("reclaimPolicy", policy, {"Delete", "Retain"}));
    }
  }
  if (!Has(object, "volumeBindingMode")) {
    errs.push_back(Required("volumeBindingMode"));
  } else {
    std::string mode = Str(object, "volumeBindingMode");
    if (mode != "Immediate" && mode != "WaitForFirstConsumer") {
      errs.push_back(
          NotSupported("volumeBindingMode", mode, {"Immediate", "WaitForFirstConsumer"}));
    }
  }
  return errs;
}

FieldErrors ValidateStorageClassUpdate(const json& object, const json& old) {
  FieldErrors errs = ValidateStorageClass(object);
  auto empty_or = [](const json& v) { return Size(v) == 0 ? json(nullptr) : v; };
  if (empty_or(Get(object, "parameters")) != empty_or(Get(old, "parameters"))) {
    errs.push_back(Forbidden("parameters", "updates to parameters are forbidden."));
  }
  if (Str(object, "provisioner") != Str(old, "provisioner")) {
    errs.push_back(Forbidden("provisioner", "updates to provisioner are forbidden."));
  }
  if (Get(object, "reclaimPolicy") != Get(old, "reclaimPolicy")) {
    errs.push_back(Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  }
  if (Get(object, "volumeBindingMode") != Get(old, "volumeBindingMode")) {
    errs.push_back(Invalid("volumeBindingMode", Get(object, "volumeBindingMode"), kImmutableMsg));
  }
  return errs;
}

FieldErrors ValidatePriorityClass(const json& object) {
  FieldErrors errs;
  std::string name = Str(Get(object, "metadata"), "name");
  int64_t value = Int(object, "value").value_or(0);
  bool global_default = IsTrue(object, "globalDefault");
  if (name.rfind("system-", 0) == 0) {
    std::string error;
    int64_t expected = 0;
    if (name == "system-cluster-critical") {
      expected = 2000000000;
    } else if (name == "system-node-critical") {
      expected = 2000001000;
    } else {
      error = StrCat("name ", name, " is not a known system priority class");
    }
    if (error.empty() && value != expected) {
      error = StrCat("value of ", name, " PriorityClass must be ", expected);
    } else if (error.empty() && global_default) {
      error = StrCat("globalDefault of ", name, " PriorityClass must be false");
    }
    if (!error.empty()) {
      errs.push_back(Forbidden("metadata.name",
                               StrCat("priority class names with 'system-' prefix are reserved "
                                      "for system use only. error: ",
                                      error)));
    }
  } else if (value > 1000000000) {
    errs.push_back(
        Forbidden("value", "maximum allowed value of a user defined priority is 1000000000"));
  }
  if (Has(object, "preemptionPolicy")) {
    std::string policy = Str(object, "preemptionPolicy");
    if (policy != "PreemptLowerPriority" && policy != "Never") {
      errs.push_back(NotSupported("preemptionPolicy", policy, {"PreemptLowerPriority", "Never"}));
    }
  }
  return errs;
}

FieldErrors ValidatePriorityClassUpdate(const json& object, const json& old) {
  FieldErrors errs = ValidatePriorityClass(object);
  if (Get(object, "value") != Get(old, "value")) {
    errs.push_back(Forbidden("value", "may not be changed in an update."));
  }
  if (Get(object, "preemptionPolicy") != Get(old, "preemptionPolicy")) {
    errs.push_back(Invalid("preemptionPolicy", Get(object, "preemptionPolicy"), kImmutableMsg));
  }
  return errs;
}

FieldErrors ValidateRuntimeClass(const json& object) {
  FieldErrors errs;
  std::string handler = Str(object, "handler");
  for (std::string& msg : IsDns1123Label(handler)) {
    errs.push_back(Invalid("handler", handler, std::move(msg)));
  }
  return errs;
}

// ---- admissionregistration ----------------------------------------------------------------------

FieldErrors ValidateWebhooks(const json& object, bool mutating) {
  FieldErrors errs;
  const json& hooks = Get(object, "webhooks");
  std::set<std::string> names;
  for (size_t i = 0; i < Size(hooks); ++i) {
    const json& hook = hooks[i];
    std::string p = Index("webhooks", i);
    std::string name = Str(hook, "name");
    if (name.empty()) {
      errs.push_back(Required(Child(p, "name")));
    } else {
      for (std::string& msg : IsDns1123Subdomain(name)) {
        errs.push_back(Invalid(Child(p, "name"), name, msg));
      }
      if (std::count(name.begin(), name.end(), '.') < 2) {
        errs.push_back(Invalid(Child(p, "name"), name,
                               "should be a domain with at least three segments separated by "
                               "dots"));
      }
      if (!names.insert(name).second) errs.push_back(Duplicate(Child(p, "name"), name));
    }
    if (Size(Get(hook, "admissionReviewVersions")) == 0) {
      errs.push_back(
          Required(Child(p, "admissionReviewVersions"), "must specify one of v1, v1beta1"));
    }
    if (!Has(hook, "sideEffects")) {
      errs.push_back(Required(Child(p, "sideEffects"), "must specify one of None, NoneOnDryRun"));
    } else {
      std::string side = Str(hook, "sideEffects");
      if (side != "None" && side != "NoneOnDryRun") {
        errs.push_back(NotSupported(Child(p, "sideEffects"), side, {"None", "NoneOnDryRun"}));
      }
    }
    if (std::optional<int64_t> timeout = Int(hook, "timeoutSeconds");
        timeout && (*timeout < 1 || *timeout > 30)) {
      errs.push_back(Invalid(Child(p, "timeoutSeconds"), *timeout,
                             "the timeout value must be between 1 and 30 seconds"));
    }
    if (Has(hook, "failurePolicy")) {
      std::string policy = Str(hook, "failurePolicy");
      if (policy != "Ignore" && policy != "Fail") {
        errs.push_back(NotSupported(Child(p, "failurePolicy"), policy, {"Fail", "Ignore"}));
      }
    }
    if (mutating && Has(hook, "reinvocationPolicy")) {
      std::string policy = Str(hook, "reinvocationPolicy");
      if (policy != "Never" && policy != "IfNeeded") {
        errs.push_back(NotSupported(Child(p, "reinvocationPolicy"), policy, {"IfNeeded", "Never"}));
      }
    }
    const json& cc = Get(hook, "clientConfig");
    if (Has(cc, "url") == Has(cc, "service")) {
      errs.push_back(
          Required(Child(p, "clientConfig"), "exactly one of url or service is required"));
    }
  }
  return errs;
}

}  // namespace

FieldErrors ValidateCore(std::string_view kind, const json& object) {
  if (kind == "Service") return ValidateService(object);
  if (kind == "PersistentVolumeClaim") {
    FieldErrors errs;
    PvcSpec(Get(object, "spec"), "spec", errs);
    return errs;
  }
  return {};
}

FieldErrors ValidateCoreUpdate(std::string_view kind, const json& object, const json& old) {
  if (kind == "Service") return ValidateServiceUpdate(object, old);
  if (kind == "PersistentVolumeClaim") return ValidatePvcUpdate(object, old);
  FieldErrors errs;
  if (kind == "ConfigMap") ImmutableData(object, old, {"data", "binaryData"}, errs);
  if (kind == "Secret") {
    if (Str(object, "type") != Str(old, "type")) {
      errs.push_back(Invalid("type", Str(object, "type"), kImmutableMsg));
    }
    ImmutableData(object, old, {"data"}, errs);
  }
  return errs;
}

FieldErrors ValidateOther(std::string_view group, std::string_view kind, const json& object) {
  if (group == "networking.k8s.io") {
    if (kind == "Ingress") return ValidateIngress(object);
    if (kind == "IngressClass") return ValidateIngressClass(object);
    if (kind == "NetworkPolicy") return ValidateNetworkPolicy(object);
  } else if (group == "policy" && kind == "PodDisruptionBudget") {
    return ValidatePdb(object);
  } else if (group == "autoscaling" && kind == "HorizontalPodAutoscaler") {
    return ValidateHpa(object);
  } else if (group == kRbacGroup) {
    if (kind == "Role") {
      FieldErrors errs;
      PolicyRules(Get(object, "rules"), true, errs);
      return errs;
    }
    if (kind == "ClusterRole") {
      FieldErrors errs;
      PolicyRules(Get(object, "rules"), false, errs);
      return errs;
    }
    if (kind == "RoleBinding") return ValidateBinding(object, true);
    if (kind == "ClusterRoleBinding") return ValidateBinding(object, false);
  } else if (group == "storage.k8s.io" && kind == "StorageClass") {
    return ValidateStorageClass(object);
  } else if (group == "scheduling.k8s.io" && kind == "PriorityClass") {
    return ValidatePriorityClass(object);
  } else if (group == "node.k8s.io" && kind == "RuntimeClass") {
    return ValidateRuntimeClass(object);
  } else if (group == "admissionregistration.k8s.io") {
    if (kind == "ValidatingWebhookConfiguration") return ValidateWebhooks(object, false);
    if (kind == "MutatingWebhookConfiguration") return ValidateWebhooks(object, true);
  }
  return {};
}

FieldErrors ValidateOtherUpdate(std::string_view group, std::string_view kind, const json& object,
                                const json& old) {
  if (group == kRbacGroup) {
    if (kind == "RoleBinding") return ValidateBindingUpdate(object, old, true);
    if (kind == "ClusterRoleBinding") return ValidateBindingUpdate(object, old, false);
  } else if (group == "storage.k8s.io" && kind == "StorageClass") {
    return ValidateStorageClassUpdate(object, old);
  } else if (group == "scheduling.k8s.io" && kind == "PriorityClass") {
    return ValidatePriorityClassUpdate(object, old);
  } else if (group == "node.k8s.io" && kind == "RuntimeClass") {
    FieldErrors errs = ValidateRuntimeClass(object);
    if (Str(object, "handler") != Str(old, "handler")) {
      errs.push_back(Invalid("handler", Str(object, "handler"), kImmutableMsg));
    }
    return errs;
  } else if (group == "networking.k8s.io" && kind == "IngressClass") {
    FieldErrors errs = ValidateIngressClass(object);
    if (Str(Get(object, "spec"), "controller") != Str(Get(old, "spec"), "controller")) {
      errs.push_back(
          Invalid("spec.controller", Str(Get(object, "spec"), "controller"), kImmutableMsg));
    }
    return errs;
  }
  return ValidateOther(group, kind, object);
}

}  // namespace k1s::api::other_kinds
