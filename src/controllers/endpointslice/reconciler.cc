#include "controllers/endpointslice/reconciler.h"

#include <algorithm>
#include <set>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/strings.h"
#include "controllers/common/pods.h"
#include "controllers/endpoints/endpoint_util.h"
#include "controllers/endpointslice/slice_builder.h"

namespace k1s::controllers::endpointslice {
namespace {

using nlohmann::json;
namespace ep = endpoints;

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

std::string Name(const json& object) { return StringMember(Member(object, "metadata"), "name"); }

size_t EndpointCount(const json& slice) {
  const json& endpoints = Member(slice, "endpoints");
  return endpoints.is_array() ? endpoints.size() : 0;
}

bool IsEmptyList(const json& value) { return !value.is_array() || value.empty(); }

// The existing slice is exactly the placeholder we would create: keep it.
bool SamePlaceholder(const json& slice, const json& placeholder) {
  const json& a = Member(slice, "metadata");
  const json& b = Member(placeholder, "metadata");
  auto refs = [](const json& metadata) {
    json list = Member(metadata, "ownerReferences");
    return list.is_array() ? list : json::array();
  };
  return StringMember(a, "namespace") == StringMember(b, "namespace") &&
         Member(a, "labels") == Member(b, "labels") && refs(a) == refs(b) &&
         Member(slice, "addressType") == Member(placeholder, "addressType") &&
         IsEmptyList(Member(slice, "ports")) && IsEmptyList(Member(slice, "endpoints"));
}

// The unchanged slice that is closest to full once `count` endpoints are added, or null.
json* SliceToFill(std::vector<json*>& slices, size_t count, size_t max) {
  json* best = nullptr;
  size_t best_free = max;
  for (json* slice : slices) {
    const size_t used = count + EndpointCount(*slice);
    if (used > max) continue;
    const size_t free = max - used;
    if (free < best_free) {
      best_free = free;
      best = slice;
      if (free == 0) break;
    }
  }
  return best;
}

void SetTriggerTime(json& slice, std::optional<int64_t> trigger_time) {
  json& metadata = slice["metadata"];
  json annotations =
      Member(metadata, "annotations").is_object() ? metadata["annotations"] : json::object();
  const std::string key(ep::kLastChangeTriggerTimeAnnotation);
  if (trigger_time.has_value()) {
    annotations[key] = api::FormatTimestamp(*trigger_time);
  } else {
    annotations.erase(key);
  }
  if (annotations.empty()) {
    metadata.erase("annotations");
  } else {
    metadata["annotations"] = std::move(annotations);
  }
}

std::string JoinErrors(const std::vector<std::string>& errors) {
  if (errors.size() == 1) return errors.front();
  std::string text = "[";
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) text += ", ";
    text += errors[i];
  }
  return text + "]";
}

}  // namespace

Reconciler::Reconciler(client::Client& client, client::Informer& nodes, SliceTracker& tracker,
                       int32_t max_endpoints_per_slice)
    : client_(client),
      nodes_(nodes),
      tracker_(tracker),
      max_endpoints_per_slice_(static_cast<size_t>(std::max<int32_t>(1, max_endpoints_per_slice))) {
}

absl::Status Reconciler::Reconcile(const json& service, const std::vector<client::ObjectPtr>& pods,
                                   const std::vector<client::ObjectPtr>& existing,
                                   std::optional<int64_t> trigger_time) {
  const std::vector<std::string> types = AddressTypesForService(service);
  std::map<std::string, std::vector<json>> by_type;
  std::vector<json> unsupported;
  for (const client::ObjectPtr& slice : existing) {
    const std::string type = StringMember(*slice, "addressType");
    if (std::find(types.begin(), types.end(), type) == types.end()) {
      unsupported.push_back(*slice);
    } else {
      by_type[type].push_back(*slice);
    }
  }
  std::vector<std::string> errors;
  for (const std::string& type : types) {
    absl::Status status =
        ReconcileAddressType(service, pods, by_type[type], type, trigger_time, errors);
    if (!status.ok()) errors.emplace_back(status.message());
  }
  for (const json& slice : unsupported) {
    absl::Status status = DeleteSlice(service, slice);
    if (!status.ok()) {
      errors.push_back(base::StrCat("error deleting ", Name(slice), " EndpointSlice for Service ",
                                    client::ObjectKey(service), ": ", status.message()));
    }
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::UnavailableError(JoinErrors(errors));
}

absl::Status Reconciler::ReconcileAddressType(const json& service,
                                              const std::vector<client::ObjectPtr>& pods,
                                              const std::vector<json>& existing,
                                              const std::string& address_type,
                                              std::optional<int64_t> trigger_time,
                                              std::vector<std::string>& errors) {
  Plan plan;
  std::map<std::string, std::vector<json>> existing_by_ports;
  for (const json& slice : existing) {
    if (OwnedBy(slice, service)) {
      existing_by_ports[PortMapKey(Member(slice, "ports"))].push_back(slice);
    } else {
      plan.remove.push_back(slice);
    }
  }

  const bool publish_not_ready =
      Member(Member(service, "spec"), "publishNotReadyAddresses") == true;
  std::map<std::string, EndpointSet> desired_by_ports;
  std::map<std::string, json> ports_by_key;
  for (const client::ObjectPtr& pod : pods) {
    if (!ep::ShouldPodBeInEndpoints(*pod, true)) continue;
    json ports = EndpointPorts(service, *pod);
    const std::string key = PortMapKey(ports);
    EndpointSet& desired = desired_by_ports[key];
    ports_by_key.emplace(key, std::move(ports));
    const std::string node_name = StringMember(Member(*pod, "spec"), "nodeName");
    const client::ObjectPtr node = node_name.empty() ? nullptr : nodes_.Get("", node_name);
    if (node == nullptr && !publish_not_ready) {
      // Retried later; meanwhile the slices are written without this pod.
      errors.push_back(base::StrCat("skipping Pod ", Name(*pod), " for Service ",
                                    client::ObjectKey(service), ": Node ", node_name,
                                    " Not Found"));
      continue;
    }
    json endpoint = PodToEndpoint(*pod, node.get(), service, address_type);
    if (!IsEmptyList(endpoint["addresses"])) desired.emplace(EndpointKey(endpoint), endpoint);
  }

  for (auto& [key, desired] : desired_by_ports) {
    ReconcilePortMapping(service, existing_by_ports[key], desired, ports_by_key[key], address_type,
                         plan);
  }
  for (auto& [key, slices] : existing_by_ports) {
    if (desired_by_ports.count(key) == 0) {
      plan.remove.insert(plan.remove.end(), slices.begin(), slices.end());
    }
  }

  // A Service without endpoints keeps one empty placeholder slice.
  if (existing.size() == plan.remove.size() && plan.create.empty()) {
    json placeholder = NewSlice(service, json::array(), address_type);
    if (plan.remove.size() == 1 && SamePlaceholder(plan.remove.front(), placeholder)) {
      plan.remove.clear();
    } else {
      plan.create.push_back(std::move(placeholder));
    }
  }
  return Finalize(service, std::move(plan), trigger_time);
}

void Reconciler::ReconcilePortMapping(const json& service, const std::vector<json>& existing,
                                      EndpointSet& desired, const json& ports,
                                      const std::string& address_type, Plan& plan) const {
  std::map<std::string, json> slices_by_name;
  std::set<std::string> unchanged;
  std::set<std::string> to_update;
  std::set<std::string> to_delete;

  // 1. Keep wanted endpoints where they are (updated if they changed), drop the others.
  for (const json& slice : existing) {
    const std::string name = Name(slice);
    slices_by_name[name] = slice;
    json kept = json::array();
    bool endpoint_changed = false;
    const json& endpoints = Member(slice, "endpoints");
    if (endpoints.is_array()) {
      for (const json& endpoint : endpoints) {
        auto wanted = desired.find(EndpointKey(endpoint));
        if (wanted == desired.end()) continue;
        if (!EndpointsEqualBeyondKey(wanted->second, endpoint)) endpoint_changed = true;
        kept.push_back(std::move(wanted->second));
        desired.erase(wanted);
      }
    }
    bool labels_changed = false;
    json labels = SliceLabels(slice, service, &labels_changed);
    if (endpoint_changed || EndpointCount(slice) != kept.size()) {
      if (kept.empty()) {
        to_delete.insert(name);
      } else {
        json& copy = slices_by_name[name];
        copy["endpoints"] = std::move(kept);
        copy["metadata"]["labels"] = std::move(labels);
        to_update.insert(name);
      }
    } else if (labels_changed) {
      slices_by_name[name]["metadata"]["labels"] = std::move(labels);
      to_update.insert(name);
    } else {
      unchanged.insert(name);
    }
  }

  // 2. Fill the slices that are written anyway, fullest first.
  if (!desired.empty() && !to_update.empty()) {
    std::vector<json*> slices;
    for (const std::string& name : to_update) slices.push_back(&slices_by_name[name]);
    std::stable_sort(slices.begin(), slices.end(), [](const json* a, const json* b) {
      return EndpointCount(*a) > EndpointCount(*b);
    });
    for (json* slice : slices) {
      while (!desired.empty() && EndpointCount(*slice) < max_endpoints_per_slice_) {
        (*slice)["endpoints"].push_back(std::move(desired.begin()->second));
        desired.erase(desired.begin());
      }
    }
  }

  // 3. The rest goes into the unchanged slice closest to full, else into new slices.
  while (!desired.empty()) {
    json* target = nullptr;
    if (desired.size() < max_endpoints_per_slice_ && !unchanged.empty()) {
      std::vector<json*> candidates;
      for (const std::string& name : unchanged) candidates.push_back(&slices_by_name[name]);
      target = SliceToFill(candidates, desired.size(), max_endpoints_per_slice_);
    }
    json fresh;
    if (target == nullptr) {
      fresh = NewSlice(service, ports, address_type);
      target = &fresh;
    }
    if (!(*target)["endpoints"].is_array()) (*target)["endpoints"] = json::array();
    while (!desired.empty() && EndpointCount(*target) < max_endpoints_per_slice_) {
      (*target)["endpoints"].push_back(std::move(desired.begin()->second));
      desired.erase(desired.begin());
    }
    const std::string name = Name(*target);
    if (name.empty()) {
      plan.create.push_back(std::move(fresh));
    } else {
      to_update.insert(name);
      unchanged.erase(name);
    }
  }

  for (const std::string& name : to_update) plan.update.push_back(slices_by_name[name]);
  for (const std::string& name : to_delete) plan.remove.push_back(slices_by_name[name]);
}

absl::Status Reconciler::Finalize(const json& service, Plan plan,
                                  std::optional<int64_t> trigger_time) {
  const std::string service_key = client::ObjectKey(service);
  // Rather than delete one slice and create another, rewrite the one to delete.
  for (size_t i = 0; i < plan.remove.size() && !plan.create.empty();) {
    const json& doomed = plan.remove[i];
    json& created = plan.create.back();
    if (Member(doomed, "addressType") == Member(created, "addressType") &&
        OwnedBy(doomed, service)) {
      json replacement = std::move(created);
      replacement["metadata"]["name"] = Name(doomed);
      replacement["metadata"]["resourceVersion"] =
          StringMember(Member(doomed, "metadata"), "resourceVersion");
      plan.create.pop_back();
      plan.update.push_back(std::move(replacement));
      plan.remove.erase(plan.remove.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }

  // No new slices for a Service being deleted: the garbage collector is removing them.
  if (!IsBeingDeleted(service)) {
    for (json& slice : plan.create) {
      SetTriggerTime(slice, trigger_time);
      const std::string namespace_name = StringMember(Member(service, "metadata"), "namespace");
      absl::StatusOr<json> created =
          client_.Create(client::resources::EndpointSlices(), namespace_name, slice);
      if (!created.ok()) {
        if (api::ErrorReason(created.status()) == "Forbidden" &&
            created.status().message().find("being terminated") != std::string::npos) {
          return absl::OkStatus();
        }
        return absl::Status(created.status().code(),
                            base::StrCat("failed to create EndpointSlice for Service ", service_key,
                                         ": ", created.status().message()));
      }
      tracker_.Wrote(service_key, *created, "");
    }
  }
  for (json& slice : plan.update) {
    SetTriggerTime(slice, trigger_time);
    const std::string replaced = StringMember(Member(slice, "metadata"), "resourceVersion");
    absl::StatusOr<json> updated = client_.Update(client::resources::EndpointSlices(), slice);
    if (!updated.ok()) {
      return absl::Status(
          updated.status().code(),
          base::StrCat("failed to update ", Name(slice), " EndpointSlice for Service ", service_key,
                       ": ", updated.status().message()));
    }
    tracker_.Wrote(service_key, *updated, replaced);
  }
  for (const json& slice : plan.remove) {
    absl::Status status = DeleteSlice(service, slice);
    if (!status.ok()) {
      return absl::Status(status.code(), base::StrCat("failed to delete ", Name(slice),
                                                      " EndpointSlice for Service ", service_key,
                                                      ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Reconciler::DeleteSlice(const json& service, const json& slice) {
  const std::string namespace_name = StringMember(Member(service, "metadata"), "namespace");
  absl::Status status =
      client_.Delete(client::resources::EndpointSlices(), namespace_name, Name(slice));
  if (!status.ok() && !api::IsNotFound(status)) return status;
  tracker_.ExpectDeletion(client::ObjectKey(service), Name(slice));
  return absl::OkStatus();
}

}  // namespace k1s::controllers::endpointslice
