#pragma once
// Client listener URLs of the etcd API, as given to --listen-client-urls:
//   http://127.0.0.1:2379     plaintext TCP; only allowed on a loopback address
//   https://10.0.0.5:2379     TLS with client certificates (cert, key and trusted CA required)
//   unix:///run/k1s/etcd.sock unix socket (protected by file permissions)
// Thread-compatible value types and pure functions.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace k1s::datastore::etcd {

struct ListenUrl {
  enum class Scheme { kHttp, kHttps, kUnix };
  Scheme scheme = Scheme::kHttp;
  std::string host;   // TCP: host name or address (IPv6 without brackets)
  uint16_t port = 0;  // TCP: 0 = pick a free port
  std::string path;   // unix: socket path
  bool loopback = false;

  // The address in gRPC's syntax: "127.0.0.1:2379", "[::1]:2379", "unix:/path".
  std::string GrpcAddress() const;
  // The URL again, with `port` in place of the configured one (to report a chosen port).
  std::string ToString(uint16_t actual_port) const;
};

absl::StatusOr<ListenUrl> ParseListenUrl(absl::string_view url);

// Parses a comma-separated list; at least one URL.
absl::StatusOr<std::vector<ListenUrl>> ParseListenUrls(absl::string_view urls);

struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
};

// Checks that every non-loopback TCP listener uses TLS and that TLS listeners have all three
// files, with etcd-like messages naming the flag that is missing.
absl::Status ValidateListeners(const std::vector<ListenUrl>& urls, const TlsFiles& tls);

}  // namespace k1s::datastore::etcd
