#pragma once
// The pieces of discovery.k8s.io/v1 EndpointSlices the reconciler assembles, as upstream's
// k8s.io/endpointslice utils: an Endpoint for a pod (addresses of one family, ready / serving /
// terminating conditions, targetRef, nodeName, zone, hostname), the ports a pod serves for a
// Service, a new slice for a Service, the labels a slice must carry, and the identity of an
// endpoint across slices. Stateless; thread-safe.
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace k1s::controllers::endpointslice {

inline constexpr std::string_view kServiceNameLabel = "kubernetes.io/service-name";
inline constexpr std::string_view kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
// The managed-by value of slices this controller owns.
inline constexpr std::string_view kManagedByValue = "endpointslice-controller.k8s.io";
inline constexpr int32_t kDefaultMaxEndpointsPerSlice = 100;

// "IPv4" and/or "IPv6": the Service's ipFamilies; without them the cluster IP's family, or
// both for a headless Service.
std::vector<std::string> AddressTypesForService(const nlohmann::json& service);
// The ports `pod` serves for the Service's ports ([{name, port, protocol, appProtocol?}]); a
// port whose named targetPort the pod lacks is left out.
nlohmann::json EndpointPorts(const nlohmann::json& service, const nlohmann::json& pod);
// A key equal for equal sets of ports, whatever their order.
std::string PortMapKey(const nlohmann::json& ports);
// The endpoint of `pod` for `address_type`; `node` (may be null) gives the zone.
nlohmann::json PodToEndpoint(const nlohmann::json& pod, const nlohmann::json* node,
                             const nlohmann::json& service, std::string_view address_type);
// A slice to create for the Service (generateName "<service>-", controller ownerReference).
nlohmann::json NewSlice(const nlohmann::json& service, const nlohmann::json& ports,
                        std::string_view address_type);
// The labels `slice` must have: the Service's labels (reserved keys excepted), the headless
// label for a Service without cluster IP, service-name and managed-by. `changed` tells whether
// the Service's labels differ from the slice's own (reserved keys excepted).
nlohmann::json SliceLabels(const nlohmann::json& slice, const nlohmann::json& service,
                           bool* changed);
// An ownerReference names the Service (uid, kind Service, apiVersion v1).
bool OwnedBy(const nlohmann::json& slice, const nlohmann::json& service);
// Endpoints with the same addresses, hostname and target name are the same endpoint.
std::string EndpointKey(const nlohmann::json& endpoint);
// Same endpoint and nothing else differs (conditions, nodeName, zone, targetRef).
bool EndpointsEqualBeyondKey(const nlohmann::json& a, const nlohmann::json& b);
// "ns/service" of the Service a slice belongs to (by its service-name label); "" without one.
std::string ServiceKeyOfSlice(const nlohmann::json& slice);
bool ManagedByController(const nlohmann::json& slice);

}  // namespace k1s::controllers::endpointslice
