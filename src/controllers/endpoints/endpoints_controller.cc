#include "controllers/endpoints/endpoints_controller.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "controllers/common/pods.h"
#include "controllers/endpoints/subsets.h"

namespace k1s::controllers {
namespace {

using nlohmann::json;
namespace ep = endpoints;

constexpr std::string_view kControllerName = "endpoint-controller";
constexpr std::string_view kOverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity";
// Leader-election records kept in Endpoints have no Service; never treat them as leftovers.
constexpr std::string_view kLeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";

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

json ObjectMember(const json& object, std::string_view key) {
  const json& value = Member(object, key);
  return value.is_object() ? value : json::object();
}

// The pod's IP of the Service's family (its first ipFamily; else the cluster IP's family; for
// headless services without families, the pod's primary IP family).
std::optional<std::string> AddressIP(const json& service, const json& pod) {
  const json& spec = Member(service, "spec");
  const std::vector<std::string> ips = ep::PodIPs(pod);
  if (ips.empty()) return std::nullopt;
  bool want_v6 = false;
  const json& families = Member(spec, "ipFamilies");
  if (families.is_array() && !families.empty() && families[0].is_string()) {
    want_v6 = families[0] == "IPv6";
  } else if (ep::IsServiceIPSet(service)) {
    want_v6 = ep::IsIPv6(StringMember(spec, "clusterIP"));
  } else {
    want_v6 = ep::IsIPv6(ips.front());
  }
  for (const std::string& ip : ips) {
    if (ep::IsIPv6(ip) == want_v6) return ip;
  }
  return std::nullopt;
}

json PodAddress(const json& pod, const std::string& ip) {
  const json& metadata = Member(pod, "metadata");
  json address = {{"ip", ip}};
  const std::string node_name = StringMember(Member(pod, "spec"), "nodeName");
  if (!node_name.empty()) address["nodeName"] = node_name;
  address["targetRef"] = {{"kind", "Pod"},
                          {"namespace", StringMember(metadata, "namespace")},
                          {"name", StringMember(metadata, "name")},
                          {"uid", StringMember(metadata, "uid")}};
  return address;
}

json EndpointPort(const json& service_port, int32_t number) {
  json port = json::object();
  const std::string name = StringMember(service_port, "name");
  if (!name.empty()) port["name"] = name;
  port["port"] = number;
  std::string protocol = StringMember(service_port, "protocol");
  port["protocol"] = protocol.empty() ? "TCP" : protocol;
  const std::string app_protocol = StringMember(service_port, "appProtocol");
  if (!app_protocol.empty()) port["appProtocol"] = app_protocol;
  return port;
}

void SetOrErase(json& object, std::string_view key, json value) {
  if (value.is_object() && value.empty()) {
    object.erase(std::string(key));
  } else {
    object[std::string(key)] = std::move(value);
  }
}

}  // namespace

EndpointsController::EndpointsController(ControllerContext& ctx)
    : ctx_(ctx),
      client_(ctx.ClientFor(kControllerName)),
      services_(ctx.informers.For(client::resources::Services())),
      pods_(ctx.informers.For(client::resources::Pods())),
      endpoints_(ctx.informers.For(client::resources::Endpoints())),
      recorder_(ctx.events.NewRecorder(std::string(kControllerName))),
      queue_(std::make_shared<client::WorkQueue>("endpoint")),
      workers_(*queue_, [this](const std::string& key) { return Sync(key); }) {
  std::shared_ptr<client::WorkQueue> queue = queue_;
  client::Informer* services = &services_;
  auto enqueue_object = [queue](const client::ObjectPtr& object) {
    queue->Add(client::ObjectKey(*object));
  };
  services_.AddHandler({enqueue_object,
                        [queue](const client::ObjectPtr&, const client::ObjectPtr& object) {
                          queue->Add(client::ObjectKey(*object));
                        },
                        enqueue_object});
  auto enqueue_memberships = [queue, services](const client::ObjectPtr& pod) {
    for (const std::string& key : ep::ServiceMemberships(*services, *pod)) queue->Add(key);
  };
  pods_.AddHandler(
      {enqueue_memberships,
       [queue, services](const client::ObjectPtr& old_pod, const client::ObjectPtr& new_pod) {
         for (const std::string& key :
              ep::ServicesToUpdateOnPodChange(*services, *old_pod, *new_pod)) {
           queue->Add(key);
         }
       },
       enqueue_memberships});
  // Someone deleted endpoints we keep: put them back.
  endpoints_.AddHandler({nullptr, nullptr, enqueue_object});
}

EndpointsController::~EndpointsController() { Stop(); }

absl::Status EndpointsController::Start() {
  if (started_) return absl::OkStatus();
  started_ = true;
  // Endpoints whose Service is gone are found once at start; afterwards Service deletions
  // remove them.
  for (const client::ObjectPtr& object : endpoints_.List()) {
    const json annotations = ObjectMember(ObjectMember(*object, "metadata"), "annotations");
    if (!annotations.contains(std::string(kLeaderAnnotation))) {
      queue_->Add(client::ObjectKey(*object));
    }
  }
  workers_.Start(ctx_.workers);
  return absl::OkStatus();
}

void EndpointsController::Stop() { workers_.Stop(); }

bool EndpointsController::IsStale(const std::string& key, const std::string& resource_version) {
  absl::MutexLock lock(&mu_);
  auto it = replaced_versions_.find(key);
  return it != replaced_versions_.end() && it->second == resource_version;
}

absl::Status EndpointsController::DeleteEndpoints(const std::string& namespace_name,
                                                  const std::string& name) {
  absl::Status status = client_.Delete(client::resources::Endpoints(), namespace_name, name);
  if (!status.ok() && !api::IsNotFound(status)) return status;
  trigger_times_.DeleteService(namespace_name, name);
  absl::MutexLock lock(&mu_);
  replaced_versions_.erase(client::ObjectKey(namespace_name, name));
  return absl::OkStatus();
}

absl::Status EndpointsController::Sync(const std::string& key) {
  const auto [namespace_name, name] = client::SplitObjectKey(key);
  if (namespace_name == "default" && name == "kubernetes") return absl::OkStatus();
  const client::ObjectPtr service = services_.Get(namespace_name, name);
  if (service == nullptr) return DeleteEndpoints(namespace_name, name);

  const json& spec = Member(*service, "spec");
  if (StringMember(spec, "type") == "ExternalName" || !ep::HasSelector(*service)) {
    return absl::OkStatus();
  }
  std::vector<client::ObjectPtr> pods;
  for (const client::ObjectPtr& pod : pods_.List(namespace_name)) {
    if (ep::SelectorMatches(*service, *pod)) pods.push_back(pod);
  }
  const std::optional<int64_t> trigger_time = trigger_times_.Compute(*service, pods);

  const bool publish_not_ready = Member(spec, "publishNotReadyAddresses") == true;
  const json& service_ports = Member(spec, "ports");
  const bool has_ports = service_ports.is_array() && !service_ports.empty();
  std::vector<ep::AddressPort> entries;
  for (const client::ObjectPtr& pod : pods) {
    if (!ep::ShouldPodBeInEndpoints(*pod, publish_not_ready)) continue;
    const std::optional<std::string> ip = AddressIP(*service, *pod);
    if (!ip.has_value()) continue;
    json address = PodAddress(*pod, *ip);
    if (ep::ShouldSetHostname(*pod, *service)) {
      address["hostname"] = StringMember(Member(*pod, "spec"), "hostname");
    }
    const bool ready = publish_not_ready || IsPodReady(*pod);
    if (!has_ports) {
      // Headless services may have no ports.
      if (StringMember(spec, "clusterIP") == "None") entries.push_back({address, json(), ready});
      continue;
    }
    for (const json& service_port : service_ports) {
      const std::optional<int32_t> number = ep::FindPort(*pod, service_port);
      if (!number.has_value()) continue;
      entries.push_back({address, EndpointPort(service_port, *number), ready});
    }
  }
  json subsets = ep::RepackSubsets(entries);
  const bool truncated = ep::TruncateSubsets(subsets);

  const client::ObjectPtr current = endpoints_.Get(namespace_name, name);
  const json& current_metadata = current ? Member(*current, "metadata") : json();
  if (current && IsStale(key, StringMember(current_metadata, "resourceVersion"))) {
    return absl::UnavailableError(
        base::StrCat("endpoints informer cache is out of date, resource version ",
                     StringMember(current_metadata, "resourceVersion"),
                     " already processed for endpoints ", key));
  }
  const json service_labels = ObjectMember(Member(*service, "metadata"), "labels");
  if (current) {
    json compare_labels = ObjectMember(current_metadata, "labels");
    compare_labels.erase(std::string(ep::kHeadlessServiceLabel));
    const bool over_capacity_marked =
        Member(ObjectMember(current_metadata, "annotations"), kOverCapacityAnnotation).is_string();
    const json current_subsets =
        Member(*current, "subsets").is_array() ? (*current)["subsets"] : json::array();
    if (ep::SubsetsEqualIgnoringResourceVersion(current_subsets, subsets) &&
        compare_labels == service_labels && over_capacity_marked == truncated) {
      return absl::OkStatus();
    }
  }

  json updated = current ? *current
                         : json{{"apiVersion", "v1"},
                                {"kind", "Endpoints"},
                                {"metadata", {{"name", name}, {"namespace", namespace_name}}}};
  json& metadata = updated["metadata"];
  if (subsets.empty()) {
    updated.erase("subsets");
  } else {
    updated["subsets"] = subsets;
  }
  json labels = service_labels;
  if (ep::IsServiceIPSet(*service)) {
    labels.erase(std::string(ep::kHeadlessServiceLabel));
  } else {
    labels[std::string(ep::kHeadlessServiceLabel)] = "";
  }
  SetOrErase(metadata, "labels", std::move(labels));
  json annotations = ObjectMember(metadata, "annotations");
  if (trigger_time.has_value()) {
    annotations[std::string(ep::kLastChangeTriggerTimeAnnotation)] =
        api::FormatTimestamp(*trigger_time);
  } else {
    annotations.erase(std::string(ep::kLastChangeTriggerTimeAnnotation));
  }
  if (truncated) {
    annotations[std::string(kOverCapacityAnnotation)] = "truncated";
  } else {
    annotations.erase(std::string(kOverCapacityAnnotation));
  }
  SetOrErase(metadata, "annotations", std::move(annotations));

  if (!current) {
    absl::StatusOr<json> created =
        client_.Create(client::resources::Endpoints(), namespace_name, updated);
    if (created.ok()) return absl::OkStatus();
    // Creating in a terminating namespace keeps failing; the namespace goes away anyway.
    if (api::ErrorReason(created.status()) == "Forbidden" &&
        created.status().message().find("being terminated") != std::string::npos) {
      return absl::OkStatus();
    }
    recorder_->Event(updated, client::kEventWarning, "FailedToCreateEndpoint",
                     base::StrCat("Failed to create endpoint for service ", key, ": ",
                                  created.status().message()));
    return created.status();
  }
  absl::StatusOr<json> written = client_.Update(client::resources::Endpoints(), updated);
  if (!written.ok()) {
    recorder_->Event(
        updated, client::kEventWarning, "FailedToUpdateEndpoint",
        base::StrCat("Failed to update endpoint ", key, ": ", written.status().message()));
    return written.status();
  }
  const std::string previous = StringMember(current_metadata, "resourceVersion");
  if (StringMember(Member(*written, "metadata"), "resourceVersion") != previous) {
    absl::MutexLock lock(&mu_);
    replaced_versions_[key] = previous;
  }
  return absl::OkStatus();
}

}  // namespace k1s::controllers
