#include "api/selectable_fields.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/validation.h"

namespace k1s::api {
namespace {

using json = nlohmann::json;

// How a kind's field label conversion words its rejection (kinds without one use the default
// metav1 conversion's wording).
enum class Rejection {
  kNotSupported,  // "field label not supported: <name>"
  kBatchV1Job,    // "field label \"<name>\" not supported for batchv1.Job"
};

struct KindRule {
  std::string_view group;
  std::string_view kind;
  Rejection rejection;
  std::vector<std::string_view> allowed;
};

const std::vector<std::string_view>& EventFields() {
  static const auto* const kFields = new std::vector<std::string_view>{
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
      "metadata.namespace",
      "metadata.name",
  };
  return *kFields;
}

// Kinds with a field label conversion upstream (pkg/apis/*/v1/conversion.go).
const std::vector<KindRule>& KindRules() {
  static const auto* const kRules = new std::vector<KindRule>{
      {"",
       "Pod",
       Rejection::kNotSupported,
       {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
        "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
        "status.podIP", "status.podIPs", "status.nominatedNodeName", "spec.host"}},
      {"", "Node", Rejection::kNotSupported, {"metadata.name", "spec.unschedulable"}},
      {"",
       "ReplicationController",
       Rejection::kNotSupported,
       {"metadata.name", "metadata.namespace", "status.replicas"}},
      {"", "Event", Rejection::kNotSupported, EventFields()},
      {"events.k8s.io", "Event", Rejection::kNotSupported, EventFields()},
      {"", "Namespace", Rejection::kNotSupported, {"status.phase", "metadata.name"}},
      {"", "Secret", Rejection::kNotSupported, {"type", "metadata.namespace", "metadata.name"}},
      {"",
       "Service",
       Rejection::kNotSupported,
       {"metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"}},
      {"batch",
       "Job",
       Rejection::kBatchV1Job,
       {"metadata.name", "metadata.namespace", "status.successful"}},
      {"certificates.k8s.io",
       "CertificateSigningRequest",
       Rejection::kNotSupported,
       {"metadata.name", "spec.signerName"}},
      {"certificates.k8s.io",
       "ClusterTrustBundle",
       Rejection::kNotSupported,
       {"metadata.name", "spec.signerName"}},
      {"certificates.k8s.io",
       "PodCertificateRequest",
       Rejection::kNotSupported,
       {"metadata.name", "spec.signerName", "spec.podName", "spec.nodeName"}},
  };
  return *kRules;
}

const KindRule* FindRule(std::string_view group, std::string_view kind) {
  for (const KindRule& rule : KindRules()) {
    if (rule.group == group && rule.kind == kind) return &rule;
  }
  return nullptr;
}

const json& At(const json& object, std::initializer_list<const char*> path) {
  static const json kNull;
  const json* cur = &object;
  for (const char* key : path) {
    if (!cur->is_object()) return kNull;
    auto it = cur->find(key);
    if (it == cur->end()) return kNull;
    cur = &*it;
  }
  return *cur;
}

std::string Str(const json& object, std::initializer_list<const char*> path) {
  const json& v = At(object, path);
  return v.is_string() ? v.get<std::string>() : std::string();
}

std::string Bool(const json& object, std::initializer_list<const char*> path) {
  const json& v = At(object, path);
  return v.is_boolean() && v.get<bool>() ? "true" : "false";
}

std::string Int(const json& object, std::initializer_list<const char*> path) {
  const json& v = At(object, path);
  if (v.is_number_integer()) return absl::StrCat(v.get<int64_t>());
  if (v.is_number_float()) return absl::StrCat(static_cast<int64_t>(v.get<double>()));
  return "0";
}

void AddPodFields(const json& pod, std::map<std::string, std::string>& out) {
  out["spec.nodeName"] = Str(pod, {"spec", "nodeName"});
  out["spec.host"] = out["spec.nodeName"];
  out["spec.restartPolicy"] = Str(pod, {"spec", "restartPolicy"});
  out["spec.schedulerName"] = Str(pod, {"spec", "schedulerName"});
  out["spec.serviceAccountName"] = Str(pod, {"spec", "serviceAccountName"});
  out["spec.hostNetwork"] = Bool(pod, {"spec", "hostNetwork"});
  out["status.phase"] = Str(pod, {"status", "phase"});
  // Upstream reads the first of status.podIPs; status.podIP mirrors it in v1.
  const json& ips = At(pod, {"status", "podIPs"});
  std::string ip;
  if (ips.is_array() && !ips.empty()) ip = Str(ips[0], {"ip"});
  if (ip.empty()) ip = Str(pod, {"status", "podIP"});
  out["status.podIP"] = ip;
  out["status.nominatedNodeName"] = Str(pod, {"status", "nominatedNodeName"});
}

// core/v1 and events.k8s.io/v1 Events share one field set named after core/v1's fields.
void AddEventFields(const json& event, bool events_group, std::map<std::string, std::string>& out) {
  const char* involved = events_group ? "regarding" : "involvedObject";
  const char* reporting = events_group ? "reportingController" : "reportingComponent";
  const char* source = events_group ? "deprecatedSource" : "source";
  out["involvedObject.kind"] = Str(event, {involved, "kind"});
  out["involvedObject.namespace"] = Str(event, {involved, "namespace"});
  out["involvedObject.name"] = Str(event, {involved, "name"});
  out["involvedObject.uid"] = Str(event, {involved, "uid"});
  out["involvedObject.apiVersion"] = Str(event, {involved, "apiVersion"});
  out["involvedObject.resourceVersion"] = Str(event, {involved, "resourceVersion"});
  out["involvedObject.fieldPath"] = Str(event, {involved, "fieldPath"});
  out["reason"] = Str(event, {"reason"});
  out["reportingComponent"] = Str(event, {reporting});
  std::string component = Str(event, {source, "component"});
  out["source"] = component.empty() ? out["reportingComponent"] : component;
  out["type"] = Str(event, {"type"});
}

}  // namespace

std::map<std::string, std::string> SelectableFields(std::string_view group, std::string_view kind,
                                                    bool namespaced, const json& object) {
  std::map<std::string, std::string> out;
  out["metadata.name"] = Str(object, {"metadata", "name"});
  if (namespaced) out["metadata.namespace"] = Str(object, {"metadata", "namespace"});
  if (group.empty()) {
    if (kind == "Pod") {
      AddPodFields(object, out);
    } else if (kind == "Node") {
      out["spec.unschedulable"] = Bool(object, {"spec", "unschedulable"});
    } else if (kind == "ReplicationController") {
      out["status.replicas"] = Int(object, {"status", "replicas"});
    } else if (kind == "Event") {
      AddEventFields(object, false, out);
    } else if (kind == "Namespace") {
      out["status.phase"] = Str(object, {"status", "phase"});
    } else if (kind == "Secret") {
      out["type"] = Str(object, {"type"});
    } else if (kind == "Service") {
      out["spec.clusterIP"] = Str(object, {"spec", "clusterIP"});
      out["spec.type"] = Str(object, {"spec", "type"});
    }
  } else if (group == "apps" && kind == "ReplicaSet") {
    out["status.replicas"] = Int(object, {"status", "replicas"});
  } else if (group == "batch" && kind == "Job") {
    out["status.successful"] = Int(object, {"status", "succeeded"});
  } else if (group == "events.k8s.io" && kind == "Event") {
    AddEventFields(object, true, out);
  } else if (group == "certificates.k8s.io") {
    if (kind == "CertificateSigningRequest" || kind == "ClusterTrustBundle" ||
        kind == "PodCertificateRequest") {
      out["spec.signerName"] = Str(object, {"spec", "signerName"});
    }
    if (kind == "PodCertificateRequest") {
      out["spec.podName"] = Str(object, {"spec", "podName"});
      out["spec.nodeName"] = Str(object, {"spec", "nodeName"});
    }
  }
  return out;
}

absl::Status CheckFieldSelectorSupported(std::string_view group, std::string_view kind,
                                         bool /*namespaced*/, const FieldSelector& selector) {
  const KindRule* rule = FindRule(group, kind);
  for (const FieldSelector::Term& term : selector.terms()) {
    const std::string& name = term.field;
    if (rule == nullptr) {
      if (name == "metadata.name" || name == "metadata.namespace") continue;
      return absl::InvalidArgumentError(
          absl::StrCat(GoQuote(name),
                       " is not a known field selector: only \"metadata.name\", "
                       "\"metadata.namespace\""));
    }
    if (std::find(rule->allowed.begin(), rule->allowed.end(), name) != rule->allowed.end()) {
      continue;
    }
    if (rule->rejection == Rejection::kBatchV1Job) {
      return absl::InvalidArgumentError(
          absl::StrCat("field label ", GoQuote(name), " not supported for batchv1.Job"));
    }
    return absl::InvalidArgumentError(absl::StrCat("field label not supported: ", name));
  }
  return absl::OkStatus();
}

}  // namespace k1s::api
