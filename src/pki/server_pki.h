#pragma once
// Server bootstrap of the PKI under <data-dir>/server/tls, run once at server start before
// the apiserver listens.
//
// First start creates: the server CA (signs serving certificates), the client CA (signs
// client certificates), the service-account signing key (RSA 2048, for RS256 JWTs), the
// apiserver serving certificate and client certificates (admin, supervisor), plus the join
// token file <data-dir>/server/token. Later starts reuse everything that is still good and only
// replace a leaf that is missing, unreadable, not signed by its CA, not matching its key,
// within kRenewBefore of expiry, issued to another subject, or (serving) not covering the
// requested SANs. CAs are never replaced automatically: a broken or missing half of a CA is
// an error, because replacing it would invalidate every issued certificate and join token.
//
// Not thread-safe with respect to the files: one process runs it at start.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/clock.h"
#include "pki/token.h"

namespace k1s::pki {

inline constexpr int64_t kCaLifetime = 3650 * 86400;   // 10 years
inline constexpr int64_t kLeafLifetime = 365 * 86400;  // 1 year
inline constexpr int64_t kRenewBefore = 120 * 86400;   // renew leaves this close to expiry

// A client certificate to keep under tls/: client-<name>.crt and client-<name>.key.
struct ClientIdentity {
  std::string name;                 // file stem, e.g. "admin"
  std::string user;                 // certificate CN, e.g. "system:admin"
  std::vector<std::string> groups;  // certificate O entries, e.g. {"system:masters"}
};

// admin (system:admin in system:masters) and supervisor (system:k1s-supervisor in
// system:masters, for the server's own HTTPS clients).
std::vector<ClientIdentity> DefaultServerClients();

struct ServerPkiOptions {
  std::filesystem::path data_dir = "/var/lib/k1s";
  // First address of the service CIDR (the "kubernetes" Service), see FirstIpInCidr.
  std::string service_ip = "10.43.0.1";
  std::string cluster_domain = "cluster.local";
  // Node name and addresses for the serving SANs; discovered (gethostname, getifaddrs) when
  // empty. Set them in tests to keep results independent of the machine.
  std::string node_name;
  std::vector<std::string> node_ips;
  bool discover_node_ips = true;
  // --tls-san values: IP literals become IP SANs, everything else DNS SANs.
  std::vector<std::string> tls_sans;
  std::vector<ClientIdentity> clients = DefaultServerClients();
  // --token (full or short form); empty keeps the stored token or generates one.
  std::string token;
  // Source of "now" for validity and renewal; null means base::RealClock().
  const base::Clock* clock = nullptr;
};

// Paths of everything EnsureServerPki manages.
struct ServerPkiFiles {
  std::filesystem::path tls_dir;
  std::filesystem::path server_ca_cert, server_ca_key;
  std::filesystem::path client_ca_cert, client_ca_key;
  std::filesystem::path service_account_key, service_account_public_key;
  std::filesystem::path serving_cert, serving_key;
  std::filesystem::path token;

  static ServerPkiFiles ForDataDir(const std::filesystem::path& data_dir);
  std::filesystem::path ClientCert(const std::string& name) const;
  std::filesystem::path ClientKey(const std::string& name) const;
};

struct ServerPki {
  ServerPkiFiles files;
  // The SANs the serving certificate was required to cover, DNS names then IPs.
  std::vector<std::string> serving_dns_names;
  std::vector<std::string> serving_ip_addresses;
  Token token;
  // Files under tls/ created or replaced by this call, in write order; empty on an unchanged
  // restart. (The token file is rewritten only when its contents change; see token.h.)
  std::vector<std::filesystem::path> written;
};

absl::StatusOr<ServerPki> EnsureServerPki(const ServerPkiOptions& options);

}  // namespace k1s::pki
