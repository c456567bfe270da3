#include "quota/limit_ranger.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "absl/strings/str_join.h"
#include "base/strings.h"
#include "quota/evaluators.h"
#include "quota/resource_list.h"

namespace k1s::quota {

using base::StrCat;
using json = nlohmann::json;

namespace {

constexpr char kAnnotation[] = "kubernetes.io/limit-ranger";
constexpr int64_t kMaxMilliValue = std::numeric_limits<int64_t>::max() / 1000;

const json& Items(const json& limit_range) {
  static const json kEmpty = json::array();
  if (!limit_range.is_object() || !limit_range.contains("spec")) return kEmpty;
  const json& spec = limit_range["spec"];
  return spec.is_object() && spec.contains("limits") && spec["limits"].is_array() ? spec["limits"]
                                                                                  : kEmpty;
}

ResourceList Field(const json& object, const char* key) {
  return object.is_object() && object.contains(key) ? ResourceListFromJson(object[key])
                                                    : ResourceList();
}

std::string Type(const json& item) {
  return item.is_object() && item.contains("type") && item["type"].is_string()
             ? item["type"].get<std::string>()
             : "";
}

// Fills names missing from `into` with those of `from`.
void FillMissing(ResourceList& into, const ResourceList& from) {
  for (const auto& entry : from) into.insert(entry);
}

struct Defaults {
  ResourceList requests;
  ResourceList limits;
};

// defaultContainerResourceRequirements, over items defaulted as the API defaults a LimitRange
// (default from max; defaultRequest from default, then min).
Defaults ContainerDefaults(const json& limit_range) {
  Defaults defaults;
  for (const json& item : Items(limit_range)) {
    if (Type(item) != "Container") continue;
    ResourceList limits = Field(item, "default");
    FillMissing(limits, Field(item, "max"));
    ResourceList requests = Field(item, "defaultRequest");
    FillMissing(requests, limits);
    FillMissing(requests, Field(item, "min"));
    for (const auto& [name, q] : requests) defaults.requests[name] = q;
    for (const auto& [name, q] : limits) defaults.limits[name] = q;
  }
  return defaults;
}

// Adds the missing names of `defaults` to container.resources.<field>; returns the names set.
std::vector<std::string> Merge(json& container, const char* field, const ResourceList& defaults) {
  std::vector<std::string> set;
  for (const auto& [name, quantity] : defaults) {
    json& resources = container["resources"];
    if (!resources.is_object()) resources = json::object();
    json& list = resources[field];
    if (!list.is_object()) list = json::object();
    if (list.contains(name)) continue;
    list[name] = quantity.String();
    set.push_back(name);  // sorted: defaults is a sorted map
  }
  return set;
}

void ApplyOne(const json& limit_range, json& pod) {
  if (!pod.is_object()) return;
  Defaults defaults = ContainerDefaults(limit_range);
  if (defaults.requests.empty() && defaults.limits.empty()) return;
  std::vector<std::string> notes;
  for (const auto& [list, label] : {std::pair<const char*, const char*>{"containers", "container"},
                                    {"initContainers", "init container"}}) {
    if (!pod.is_object() || !pod.contains("spec") || !pod["spec"].is_object() ||
        !pod["spec"].contains(list) || !pod["spec"][list].is_array()) {
      continue;
    }
    for (json& container : pod["spec"][list]) {
      if (!container.is_object()) continue;
      std::string name = container.value("name", "");
      std::vector<std::string> limits = Merge(container, "limits", defaults.limits);
      std::vector<std::string> requests = Merge(container, "requests", defaults.requests);
      if (!requests.empty()) {
        notes.push_back(StrCat(absl::StrJoin(requests, ", "), " request for ", label, " ", name));
      }
      if (!limits.empty()) {
        notes.push_back(StrCat(absl::StrJoin(limits, ", "), " limit for ", label, " ", name));
      }
    }
  }
  if (notes.empty()) return;
  json& metadata = pod["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  json& annotations = metadata["annotations"];
  if (!annotations.is_object()) annotations = json::object();
  annotations[kAnnotation] = StrCat("LimitRanger plugin set: ", absl::StrJoin(notes, "; "));
}

// requestLimitEnforcedValues: milli units when nothing overflows them, else whole units.
struct Compared {
  int64_t request;
  int64_t limit;
  int64_t enforced;
};

Compared CommonPrecision(const Quantity& request, const Quantity& limit, const Quantity& enforced) {
  if (request.Value() <= kMaxMilliValue && limit.Value() <= kMaxMilliValue &&
      enforced.Value() <= kMaxMilliValue) {
    return {request.MilliValue(), limit.MilliValue(), enforced.MilliValue()};
  }
  return {request.Value(), limit.Value(), enforced.Value()};
}

// The constraint checks for one kind of item ("Container", "Pod", "PersistentVolumeClaim").
class Checker {
 public:
  Checker(std::string type, std::vector<std::string>& errors)
      : type_(std::move(type)), errors_(errors) {}

  void Min(const std::string& name, const Quantity& enforced, const ResourceList& requests,
           const ResourceList& limits) {
    auto [req, lim] = Find(name, requests, limits);
    Compared v = CommonPrecision(Get(req), Get(lim), enforced);
    std::string head = StrCat("minimum ", name, " usage per ", type_, " is ", enforced.String());
    if (req == nullptr) {
      Fail(head, ".  No request is specified");
    } else if (v.request < v.enforced) {
      Fail(head, ", but request is ", req->String());
    } else if (lim != nullptr && v.limit < v.enforced) {
      Fail(head, ", but limit is ", lim->String());
    }
  }

  void Max(const std::string& name, const Quantity& enforced, const ResourceList& requests,
           const ResourceList& limits) {
    auto [req, lim] = Find(name, requests, limits);
    Compared v = CommonPrecision(Get(req), Get(lim), enforced);
    std::string head = StrCat("maximum ", name, " usage per ", type_, " is ", enforced.String());
    if (lim == nullptr) {
      Fail(head, ".  No limit is specified");
    } else if (v.limit > v.enforced) {
      Fail(head, ", but limit is ", lim->String());
    } else if (req != nullptr && v.request > v.enforced) {
      Fail(head, ", but request is ", req->String());
    }
  }

  // maxRequestConstraint: claims state only requests.
  void MaxRequest(const std::string& name, const Quantity& enforced, const ResourceList& requests) {
    auto [req, lim] = Find(name, requests, {});
    Compared v = CommonPrecision(Get(req), Quantity(), enforced);
    std::string head = StrCat("maximum ", name, " usage per ", type_, " is ", enforced.String());
    if (req == nullptr) {
      Fail(head, ".  No request is specified");
    } else if (v.request > v.enforced) {
      Fail(head, ", but request is ", req->String());
    }
  }

  void Ratio(const std::string& name, const Quantity& enforced, const ResourceList& requests,
             const ResourceList& limits) {
    auto [req, lim] = Find(name, requests, limits);
    Compared v = CommonPrecision(Get(req), Get(lim), enforced);
    std::string head =
        StrCat(name, " max limit to request ratio per ", type_, " is ", enforced.String());
    if (req == nullptr || v.request == 0) {
      Fail(head, ", but no request is specified or request is 0");
      return;
    }
    if (lim == nullptr || v.limit == 0) {
      Fail(head, ", but no limit is specified or limit is 0");
      return;
    }
    double observed = static_cast<double>(v.limit) / static_cast<double>(v.request);
    double display = observed;
    double max_ratio = static_cast<double>(enforced.Value());
    if (enforced.Value() <= kMaxMilliValue) {
      observed *= 1000;
      max_ratio = static_cast<double>(enforced.MilliValue());
    }
    if (observed > max_ratio) {
      char ratio[64];
      std::snprintf(ratio, sizeof(ratio), "%f", display);  // Go's %f
      Fail(head, ", but provided ratio is ", ratio);
    }
  }

  // All of an item's constraints against one set of requests and limits.
  void Item(const json& item, const ResourceList& requests, const ResourceList& limits) {
    for (const auto& [name, q] : Field(item, "min")) Min(name, q, requests, limits);
    for (const auto& [name, q] : Field(item, "max")) Max(name, q, requests, limits);
    for (const auto& [name, q] : Field(item, "maxLimitRequestRatio")) {
      Ratio(name, q, requests, limits);
    }
  }

 private:
  static std::pair<const Quantity*, const Quantity*> Find(const std::string& name,
                                                          const ResourceList& requests,
                                                          const ResourceList& limits) {
    auto r = requests.find(name);
    auto l = limits.find(name);
    return {r == requests.end() ? nullptr : &r->second, l == limits.end() ? nullptr : &l->second};
  }
  static Quantity Get(const Quantity* q) { return q == nullptr ? Quantity() : *q; }

  template <typename... Parts>
  void Fail(const std::string& head, const Parts&... parts) {
    std::string message = StrCat(head, parts...);
    // utilerrors.NewAggregate prints each distinct message once.
    if (std::find(errors_.begin(), errors_.end(), message) == errors_.end()) {
      errors_.push_back(std::move(message));
    }
  }

  std::string type_;
  std::vector<std::string>& errors_;
};

ResourceList ContainerField(const json& container, const char* field) {
  if (!container.is_object() || !container.contains("resources")) return {};
  return Field(container["resources"], field);
}

std::vector<std::string> ValidatePod(const json& limit_range, const json& pod) {
  std::vector<std::string> errors;
  for (const json& item : Items(limit_range)) {
    std::string type = Type(item);
    Checker check(type, errors);
    if (type == "Container") {
      for (const char* list : {"containers", "initContainers"}) {
        if (!pod.contains("spec") || !pod["spec"].is_object() || !pod["spec"].contains(list) ||
            !pod["spec"][list].is_array()) {
          continue;
        }
        for (const json& container : pod["spec"][list]) {
          check.Item(item, ContainerField(container, "requests"),
                     ContainerField(container, "limits"));
        }
      }
    } else if (type == "Pod") {
      // The pod's effective totals (sidecars included), without overhead.
      check.Item(item, internal::PodResources(pod, "requests", false),
                 internal::PodResources(pod, "limits", false));
    }
  }
  return errors;
}

std::vector<std::string> ValidateClaim(const json& limit_range, const json& pvc) {
  std::vector<std::string> errors;
  ResourceList requests;
  if (pvc.contains("spec") && pvc["spec"].is_object() && pvc["spec"].contains("resources")) {
    requests = Field(pvc["spec"]["resources"], "requests");
  }
  for (const json& item : Items(limit_range)) {
    if (Type(item) != "PersistentVolumeClaim") continue;
    Checker check("PersistentVolumeClaim", errors);
    // Claims are held to their requests; their limits are not user input.
    for (const auto& [name, q] : Field(item, "min")) check.Min(name, q, requests, {});
    for (const auto& [name, q] : Field(item, "max")) check.MaxRequest(name, q, requests);
  }
  return errors;
}

}  // namespace

void ApplyLimitRangeDefaults(const std::vector<json>& limit_ranges, json& pod) {
  for (const json& limit_range : limit_ranges) ApplyOne(limit_range, pod);
}

std::vector<std::string> ValidateAgainstLimitRanges(const std::vector<json>& limit_ranges,
                                                    std::string_view resource, const json& object) {
  if (!object.is_object()) return {};
  for (const json& limit_range : limit_ranges) {
    std::vector<std::string> errors;
    if (resource == "pods") errors = ValidatePod(limit_range, object);
    if (resource == "persistentvolumeclaims") errors = ValidateClaim(limit_range, object);
    if (!errors.empty()) return errors;
  }
  return {};
}

}  // namespace k1s::quota
