#include "quota/evaluators.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/strings.h"

namespace k1s::quota::internal {

using base::StrCat;
using json = nlohmann::json;

namespace {

constexpr char kStorageClassSuffix[] = ".storageclass.storage.k8s.io/";
constexpr char kRequestsPrefix[] = "requests.";
constexpr char kHugePagesPrefix[] = "hugepages-";

const ResourceNames& PodResourceNames() {
  static const ResourceNames names = {"count/pods",
                                      "cpu",
                                      "memory",
                                      "ephemeral-storage",
                                      "requests.cpu",
                                      "requests.memory",
                                      "requests.ephemeral-storage",
                                      "limits.cpu",
                                      "limits.memory",
                                      "limits.ephemeral-storage",
                                      "pods"};
  return names;
}

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool HasSuffix(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The member at `path`, or nullptr when any step is missing or not an object.
const json* Find(const json& object, std::initializer_list<const char*> path) {
  const json* current = &object;
  for (const char* key : path) {
    if (!current->is_object()) return nullptr;
    auto it = current->find(key);
    if (it == current->end() || it->is_null()) return nullptr;
    current = &*it;
  }
  return current;
}

std::string StringAt(const json& object, std::initializer_list<const char*> path) {
  const json* value = Find(object, path);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

const json& ArrayAt(const json& object, std::initializer_list<const char*> path) {
  static const json kEmpty = json::array();
  const json* value = Find(object, path);
  return value != nullptr && value->is_array() ? *value : kEmpty;
}

// helper.IsNativeResource: no domain, or a kubernetes.io one.
bool IsNativeResource(std::string_view name) {
  return name.find('/') == std::string_view::npos ||
         name.find("kubernetes.io/") != std::string_view::npos;
}

bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t end = s.find('.', start);
    std::string_view label = s.substr(start, end == std::string_view::npos ? end : end - start);
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (label.empty() || label.size() > 63 || !alnum(label.front()) || !alnum(label.back()) ||
        !std::all_of(label.begin(), label.end(), [&](char c) { return alnum(c) || c == '-'; })) {
      return false;
    }
    if (end == std::string_view::npos) return true;
    start = end + 1;
  }
}

// validation.IsQualifiedName: [prefix/]name, name up to 63 characters.
bool IsQualifiedName(std::string_view value) {
  size_t slash = value.find('/');
  std::string_view name = value;
  if (slash != std::string_view::npos) {
    if (!IsDnsSubdomain(value.substr(0, slash))) return false;
    name = value.substr(slash + 1);
  }
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  return !name.empty() && name.size() <= 63 && alnum(name.front()) && alnum(name.back()) &&
         std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// helper.IsExtendedResourceName: a domain-prefixed name outside kubernetes.io.
bool IsExtendedResourceName(std::string_view name) {
  return !IsNativeResource(name) && !HasPrefix(name, kRequestsPrefix) &&
         IsQualifiedName(StrCat(kRequestsPrefix, name));
}

ResourceList ContainerResources(const json& container, const char* field) {
  const json* list = Find(container, {"resources", field});
  return list == nullptr ? ResourceList() : ResourceListFromJson(*list);
}

// podComputeUsageHelper: the quota names a set of requests and limits is charged under.
ResourceList ComputeUsage(const ResourceList& requests, const ResourceList& limits) {
  ResourceList result = {{"pods", Quantity::FromInt(1)}};
  for (const char* name : {"cpu", "memory", "ephemeral-storage"}) {
    if (auto it = requests.find(name); it != requests.end()) {
      result[name] = it->second;
      result[StrCat(kRequestsPrefix, name)] = it->second;
    }
    if (auto it = limits.find(name); it != limits.end()) {
      result[StrCat("limits.", name)] = it->second;
    }
  }
  for (const auto& [name, quantity] : requests) {
    if (HasPrefix(name, kHugePagesPrefix)) {
      result[name] = quantity;
      result[StrCat(kRequestsPrefix, name)] = quantity;
    }
    // Extended resources cannot be overcommitted: only requests.<name> is tracked.
    if (IsExtendedResourceName(name)) result[StrCat(kRequestsPrefix, name)] = quantity;
  }
  return result;
}

bool IsBestEffort(const json& pod) {
  std::string qos = StringAt(pod, {"status", "qosClass"});
  if (!qos.empty()) return qos == "BestEffort";
  for (const char* list : {"containers", "initContainers"}) {
    for (const json& container : ArrayAt(pod, {"spec", list})) {
      for (const char* field : {"requests", "limits"}) {
        ResourceList resources = ContainerResources(container, field);
        for (const char* name : {"cpu", "memory"}) {
          auto it = resources.find(name);
          if (it != resources.end() && it->second.Sign() > 0) return false;
        }
      }
    }
  }
  return true;
}

bool IsTerminating(const json& pod) {
  const json* deadline = Find(pod, {"spec", "activeDeadlineSeconds"});
  return deadline != nullptr && deadline->is_number() && deadline->get<double>() >= 0;
}

bool CrossNamespaceTerm(const json& term) {
  const json* namespaces = Find(term, {"namespaces"});
  return (namespaces != nullptr && namespaces->is_array() && !namespaces->empty()) ||
         Find(term, {"namespaceSelector"}) != nullptr;
}

bool UsesCrossNamespaceAffinity(const json& pod) {
  for (const char* kind : {"podAffinity", "podAntiAffinity"}) {
    for (const json& term : ArrayAt(
             pod, {"spec", "affinity", kind, "requiredDuringSchedulingIgnoredDuringExecution"})) {
      if (CrossNamespaceTerm(term)) return true;
    }
    for (const json& weighted : ArrayAt(
             pod, {"spec", "affinity", kind, "preferredDuringSchedulingIgnoredDuringExecution"})) {
      const json* term = Find(weighted, {"podAffinityTerm"});
      if (term != nullptr && CrossNamespaceTerm(*term)) return true;
    }
  }
  return false;
}

// A label-selector requirement on the single label PriorityClass=<pod's class>.
bool PriorityClassMatches(const json& pod, const std::string& op, const json& values) {
  std::string priority_class = StringAt(pod, {"spec", "priorityClassName"});
  bool has = !priority_class.empty();
  bool listed = values.is_array() && std::any_of(values.begin(), values.end(), [&](const json& v) {
                  return v.is_string() && v.get<std::string>() == priority_class;
                });
  if (op == "Exists") return has;
  if (op == "DoesNotExist") return !has;
  if (op == "In") return has && listed;
  if (op == "NotIn") return !has || !listed;
  return false;
}

bool PodInScope(const json& selector, const json& pod) {
  std::string scope = StringAt(selector, {"scopeName"});
  if (scope == "Terminating") return IsTerminating(pod);
  if (scope == "NotTerminating") return !IsTerminating(pod);
  if (scope == "BestEffort") return IsBestEffort(pod);
  if (scope == "NotBestEffort") return !IsBestEffort(pod);
  if (scope == "PriorityClass") {
    const json* values = Find(selector, {"values"});
    return PriorityClassMatches(pod, StringAt(selector, {"operator"}),
                                values != nullptr ? *values : json::array());
  }
  if (scope == "CrossNamespacePodAffinity") return UsesCrossNamespaceAffinity(pod);
  return false;
}

std::optional<int64_t> ParseTimestamp(const std::string& text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) return std::nullopt;
  return absl::ToUnixNanos(t);
}

// QuotaV1Pod: terminal pods, and deleted pods past their grace period, use no compute quota.
bool ChargesCompute(const json& pod, int64_t now_unix_nanos) {
  std::string phase = StringAt(pod, {"status", "phase"});
  if (phase == "Failed" || phase == "Succeeded") return false;
  std::string deleted = StringAt(pod, {"metadata", "deletionTimestamp"});
  const json* grace = Find(pod, {"metadata", "deletionGracePeriodSeconds"});
  if (!deleted.empty() && grace != nullptr && grace->is_number_integer()) {
    std::optional<int64_t> at = ParseTimestamp(deleted);
    if (at && now_unix_nanos > *at + grace->get<int64_t>() * 1'000'000'000) return false;
  }
  return true;
}

ResourceList PodUsage(const json& pod, int64_t now_unix_nanos) {
  // count/pods tracks every stored pod, whatever its state.
  ResourceList result = {{"count/pods", Quantity::FromInt(1)}};
  if (!ChargesCompute(pod, now_unix_nanos)) return result;
  return Add(result,
             ComputeUsage(PodResources(pod, "requests", true), PodResources(pod, "limits", true)));
}

ResourceList ServiceUsage(const json& service) {
  ResourceList result = {{"count/services", Quantity::FromInt(1)},
                         {"services", Quantity::FromInt(1)},
                         {"services.loadbalancers", Quantity::FromInt(0)},
                         {"services.nodeports", Quantity::FromInt(0)}};
  const json& ports = ArrayAt(service, {"spec", "ports"});
  std::string type = StringAt(service, {"spec", "type"});
  if (type == "NodePort") {
    result["services.nodeports"] = Quantity::FromInt(static_cast<int64_t>(ports.size()));
  } else if (type == "LoadBalancer") {
    // Without allocated node ports only explicitly requested ones count.
    const json* allocate = Find(service, {"spec", "allocateLoadBalancerNodePorts"});
    int64_t node_ports = static_cast<int64_t>(ports.size());
    if (allocate != nullptr && allocate->is_boolean() && !allocate->get<bool>()) {
      node_ports = std::count_if(ports.begin(), ports.end(), [](const json& p) {
        const json* node_port = Find(p, {"nodePort"});
        return node_port != nullptr && node_port->is_number() && node_port->get<int64_t>() != 0;
      });
    }
    result["services.nodeports"] = Quantity::FromInt(node_ports);
    result["services.loadbalancers"] = Quantity::FromInt(1);
  }
  return result;
}

// GetPersistentVolumeClaimClass: the beta annotation wins over spec.storageClassName.
std::string StorageClass(const json& pvc) {
  const json* annotation =
      Find(pvc, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"});
  if (annotation != nullptr && annotation->is_string()) return annotation->get<std::string>();
  return StringAt(pvc, {"spec", "storageClassName"});
}

ResourceList PvcUsage(const json& pvc) {
  ResourceList result = {{"persistentvolumeclaims", Quantity::FromInt(1)},
                         {"count/persistentvolumeclaims", Quantity::FromInt(1)}};
  std::string storage_class = StorageClass(pvc);
  if (!storage_class.empty()) {
    result[StrCat(storage_class, kStorageClassSuffix, "persistentvolumeclaims")] =
        Quantity::FromInt(1);
  }
  const json* request = Find(pvc, {"spec", "resources", "requests", "storage"});
  std::optional<Quantity> storage = request ? Quantity::FromJson(*request) : std::nullopt;
  if (!storage) return result;
  // An expansion in progress is charged at the larger allocated size.
  const json* allocated = Find(pvc, {"status", "allocatedResources", "storage"});
  if (std::optional<Quantity> a = allocated ? Quantity::FromJson(*allocated) : std::nullopt;
      a && a->Compare(*storage) > 0) {
    storage = a;
  }
  storage->RoundUpToInteger();  // whole bytes, as quota validation requires
  result["requests.storage"] = *storage;
  if (!storage_class.empty()) {
    result[StrCat(storage_class, kStorageClassSuffix, "requests.storage")] = *storage;
  }
  return result;
}

json ScopeSelectors(const json& quota) {
  json selectors = json::array();
  for (const json& scope : ArrayAt(quota, {"spec", "scopes"})) {
    if (scope.is_string()) selectors.push_back({{"scopeName", scope}, {"operator", "Exists"}});
  }
  for (const json& expression : ArrayAt(quota, {"spec", "scopeSelector", "matchExpressions"})) {
    selectors.push_back(expression);
  }
  return selectors;
}

}  // namespace

ResourceList PodResources(const json& pod, std::string_view field, bool with_overhead) {
  const char* key = field == "limits" ? "limits" : "requests";
  ResourceList total;
  for (const json& container : ArrayAt(pod, {"spec", "containers"})) {
    AddInto(total, ContainerResources(container, key));
  }
  ResourceList sidecars;  // restartable init containers started so far
  ResourceList init_peak;
  for (const json& container : ArrayAt(pod, {"spec", "initContainers"})) {
    ResourceList own = ContainerResources(container, key);
    ResourceList step;
    if (StringAt(container, {"restartPolicy"}) == "Always") {
      AddInto(total, own);
      AddInto(sidecars, own);
      step = sidecars;
    } else {
      step = own;
      AddInto(step, sidecars);
    }
    MaxInto(init_peak, step);
  }
  MaxInto(total, init_peak);
  if (with_overhead) {
    const json* overhead = Find(pod, {"spec", "overhead"});
    ResourceList extra = overhead ? ResourceListFromJson(*overhead) : ResourceList();
    if (field == "limits") extra = Mask(extra, Names(total));  // only names already limited
    AddInto(total, extra);
  }
  return total;
}

Evaluator EvaluatorFor(std::string_view group, std::string_view resource) {
  Evaluator e{std::string(group), std::string(resource), EvaluatorKind::kObjectCount, {}};
  if (group.empty()) {
    if (resource == "pods") e.kind = EvaluatorKind::kPods;
    if (resource == "services") e.kind = EvaluatorKind::kServices;
    if (resource == "persistentvolumeclaims") e.kind = EvaluatorKind::kPersistentVolumeClaims;
  }
  if (e.kind != EvaluatorKind::kObjectCount) return e;
  e.count_names.push_back(group.empty() ? StrCat("count/", resource)
                                        : StrCat("count/", resource, ".", group));
  // The names object counts had before count/<resource> existed.
  static const char* kLegacyAliases[] = {"configmaps", "resourcequotas", "replicationcontrollers",
                                         "secrets"};
  if (group.empty() && std::find(std::begin(kLegacyAliases), std::end(kLegacyAliases), resource) !=
                           std::end(kLegacyAliases)) {
    e.count_names.push_back(std::string(resource));
  }
  return e;
}

std::vector<Evaluator> EvaluatorsFor(const ResourceNames& hard_names) {
  std::vector<Evaluator> evaluators;
  for (const char* resource : {"pods", "services", "persistentvolumeclaims", "configmaps",
                               "resourcequotas", "replicationcontrollers", "secrets"}) {
    evaluators.push_back(EvaluatorFor("", resource));
  }
  for (const std::string& name : hard_names) {
    if (!HasPrefix(name, "count/")) continue;
    bool covered = std::any_of(evaluators.begin(), evaluators.end(), [&](const Evaluator& e) {
      return MatchingResources(e, {name}).count(name) > 0;
    });
    if (covered) continue;
    std::string_view gr = std::string_view(name).substr(6);
    size_t dot = gr.find('.');
    evaluators.push_back(dot == std::string_view::npos
                             ? EvaluatorFor("", gr)
                             : EvaluatorFor(gr.substr(dot + 1), gr.substr(0, dot)));
  }
  return evaluators;
}

ResourceNames MatchingResources(const Evaluator& evaluator, const ResourceNames& names) {
  ResourceNames result;
  for (const std::string& name : names) {
    bool match = false;
    switch (evaluator.kind) {
      case EvaluatorKind::kPods:
        match = PodResourceNames().count(name) > 0 || HasPrefix(name, kHugePagesPrefix) ||
                HasPrefix(name, "requests.hugepages-") ||
                (!IsNativeResource(name) && HasPrefix(name, kRequestsPrefix));
        break;
      case EvaluatorKind::kServices:
        match = name == "count/services" || name == "services" || name == "services.nodeports" ||
                name == "services.loadbalancers";
        break;
      case EvaluatorKind::kPersistentVolumeClaims:
        match = name == "count/persistentvolumeclaims" || name == "persistentvolumeclaims" ||
                name == "requests.storage" ||
                HasSuffix(name, StrCat(kStorageClassSuffix, "persistentvolumeclaims")) ||
                HasSuffix(name, StrCat(kStorageClassSuffix, "requests.storage"));
        break;
      case EvaluatorKind::kObjectCount:
        match = std::find(evaluator.count_names.begin(), evaluator.count_names.end(), name) !=
                evaluator.count_names.end();
        break;
    }
    if (match) result.insert(name);
  }
  return result;
}

ResourceList Usage(const Evaluator& evaluator, const json& object, int64_t now_unix_nanos) {
  switch (evaluator.kind) {
    case EvaluatorKind::kPods:
      return PodUsage(object, now_unix_nanos);
    case EvaluatorKind::kServices:
      return ServiceUsage(object);
    case EvaluatorKind::kPersistentVolumeClaims:
      return PvcUsage(object);
    case EvaluatorKind::kObjectCount:
      break;
  }
  ResourceList result;
  for (const std::string& name : evaluator.count_names) result[name] = Quantity::FromInt(1);
  return result;
}

bool InScopes(const Evaluator& evaluator, const json& quota, const json& object) {
  json selectors = ScopeSelectors(quota);
  // Only pods have scopes; for everything else a scoped quota never applies.
  return std::all_of(selectors.begin(), selectors.end(), [&](const json& selector) {
    return evaluator.kind == EvaluatorKind::kPods && PodInScope(selector, object);
  });
}

bool Matches(const Evaluator& evaluator, const json& quota, const json& object) {
  const json* hard = Find(quota, {"status", "hard"});
  ResourceNames names = Names(hard ? ResourceListFromJson(*hard) : ResourceList());
  return !MatchingResources(evaluator, names).empty() && InScopes(evaluator, quota, object);
}

std::string Constraints(const Evaluator& evaluator, const ResourceNames& required,
                        const json& object) {
  if (evaluator.kind != EvaluatorKind::kPods) return "";
  // Kept for backward compatibility upstream: cpu and memory quotas only.
  static const ResourceNames kValidated = {
      "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"};
  ResourceNames needed;
  std::set_intersection(required.begin(), required.end(), kValidated.begin(), kValidated.end(),
                        std::inserter(needed, needed.end()));
  std::map<std::string, std::set<std::string>> missing;  // resource -> container names
  for (const char* list : {"containers", "initContainers"}) {
    for (const json& container : ArrayAt(object, {"spec", list})) {
      ResourceList usage = ComputeUsage(ContainerResources(container, "requests"),
                                        ContainerResources(container, "limits"));
      for (const std::string& name : needed) {
        if (usage.count(name) == 0) missing[name].insert(StringAt(container, {"name"}));
      }
    }
  }
  if (missing.empty()) return "";
  return StrCat("must specify ",
                absl::StrJoin(missing, "; ", [](std::string* out, const auto& entry) {
                  out->append(StrCat(entry.first, " for: ", absl::StrJoin(entry.second, ",")));
                }));
}

bool ChargesUpdates(const Evaluator& evaluator) {
  // Services change type and claims grow; pods (without in-place resize, off in 1.32) and
  // plain object counts only change usage on creation.
  return evaluator.kind == EvaluatorKind::kServices ||
         evaluator.kind == EvaluatorKind::kPersistentVolumeClaims;
}

}  // namespace k1s::quota::internal
