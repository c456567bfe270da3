#pragma once
// What the Endpoints and EndpointSlice controllers share, as upstream's k8s.io/endpointslice/util
// does: which pods a Service selects, whether a pod belongs in its endpoints, the port a
// service port resolves to on a pod, and which services to recompute when a pod changes.
// Stateless functions (thread-safe) plus TriggerTimeTracker (thread-safe, see below).
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/informer.h"

namespace k1s::controllers::endpoints {

// Set (to "") on Endpoints and EndpointSlices of a Service without a cluster IP.
inline constexpr std::string_view kHeadlessServiceLabel = "service.kubernetes.io/headless";
// When the change that led to this version of the endpoints happened (RFC 3339).
inline constexpr std::string_view kLastChangeTriggerTimeAnnotation =
    "endpoints.kubernetes.io/last-change-trigger-time";

// spec.selector is a non-empty map: a Service without one gets no endpoints from controllers.
bool HasSelector(const nlohmann::json& service);
// Every key=value of the service's spec.selector is among the pod's labels.
bool SelectorMatches(const nlohmann::json& service, const nlohmann::json& pod);
// spec.clusterIP is set and not "None".
bool IsServiceIPSet(const nlohmann::json& service);
// Not terminal, has an IP, and (unless `include_terminating`) not being deleted.
bool ShouldPodBeInEndpoints(const nlohmann::json& pod, bool include_terminating);
// The pod's spec.hostname is published: it has one and its subdomain names the Service.
bool ShouldSetHostname(const nlohmann::json& pod, const nlohmann::json& service);
// The pod port a service port reaches: a numeric targetPort (default: port) as is, a named one
// looked up among the containers' (and restartable init containers') ports of the same protocol.
std::optional<int32_t> FindPort(const nlohmann::json& pod, const nlohmann::json& service_port);
// status.podIPs[].ip, or status.podIP when the list is missing.
std::vector<std::string> PodIPs(const nlohmann::json& pod);
bool IsIPv6(std::string_view ip);

// Keys ("ns/name") of the Services in the pod's namespace whose selector matches it.
std::set<std::string> ServiceMemberships(const client::Informer& services,
                                         const nlohmann::json& pod);
// The Services whose endpoints may change because `old_pod` became `new_pod`: none for a resync
// (same resourceVersion) or a change endpoints do not show; the old and new memberships when
// labels changed.
std::set<std::string> ServicesToUpdateOnPodChange(const client::Informer& services,
                                                  const nlohmann::json& old_pod,
                                                  const nlohmann::json& new_pod);

// Computes the last-change-trigger-time annotation as upstream's TriggerTimeTracker: the
// Service's creation time the first time a Service is seen, afterwards the earliest Ready
// transition (or Service creation) time that changed since the previous sync of that Service.
// Times are Unix seconds. Thread-safe; one sync per Service at a time (work queues ensure it).
class TriggerTimeTracker {
 public:
  // nullopt when nothing changed (the annotation is then removed).
  std::optional<int64_t> Compute(const nlohmann::json& service,
                                 const std::vector<client::ObjectPtr>& pods);
  void DeleteService(std::string_view namespace_name, std::string_view name);

 private:
  struct State {
    std::map<std::string, int64_t> pod_times;  // pod name -> Ready lastTransitionTime
    int64_t service_time = 0;
  };
  absl::Mutex mu_;
  std::map<std::string, State, std::less<>> states_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::endpoints
