#pragma once
// Facts about this host and the service network that go into the serving certificate's SANs.
// Stateless and thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace k1s::pki {

// The host name from gethostname(), lower-cased.
absl::StatusOr<std::string> LocalHostname();

// Addresses of interfaces that are up, excluding loopback and IPv6 link-local addresses,
// de-duplicated, IPv4 first.
absl::StatusOr<std::vector<std::string>> LocalIpAddresses();

// The first usable address of a CIDR, which Kubernetes gives to the "kubernetes" Service:
// "10.43.0.0/16" -> "10.43.0.1", "fd00:43::/112" -> "fd00:43::1".
absl::StatusOr<std::string> FirstIpInCidr(std::string_view cidr);

}  // namespace k1s::pki
