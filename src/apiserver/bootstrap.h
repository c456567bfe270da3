#pragma once
// The objects every cluster has from its first second, as kube-apiserver's bootstrap controller
// makes them: the namespaces default, kube-system, kube-public and kube-node-lease, and the
// `kubernetes` Service (the first service IP, port 443) with its Endpoints and EndpointSlice
// pointing at this server, and the system-node-critical and system-cluster-critical priority
// classes. Existing objects are kept; endpoints follow a changed address.
#include <cstdint>
#include <string>

#include "absl/status/status.h"

namespace k1s::apiserver {

class ResourceHandler;

struct BootstrapOptions {
  std::string service_ip;         // "10.43.0.1"
  std::string advertise_address;  // this server's address for the endpoints
  uint16_t port = 6443;
};

absl::Status EnsureBootstrapObjects(ResourceHandler& resources, const BootstrapOptions& options);

}  // namespace k1s::apiserver
