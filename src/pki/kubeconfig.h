#pragma once
// Kubeconfig files with embedded credentials, in the shape k3s writes for its admin:
// one cluster, user and context, all named "default", with base64 "-data" fields.
//
// Stateless and thread-safe.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace k1s::pki {

inline constexpr mode_t kDefaultKubeconfigMode = 0600;

struct Kubeconfig {
  std::string server_url;       // e.g. https://127.0.0.1:6443
  std::string ca_pem;           // CA bundle that signs the server's serving certificate
  std::string client_cert_pem;  // client certificate (chain) for the user
  std::string client_key_pem;   // its private key
};

// The YAML text of `config`.
std::string RenderKubeconfig(const Kubeconfig& config);

// Reads back the current context's cluster and user. Supports the "-data" fields and file
// references (certificate-authority, client-certificate, client-key), which are read from disk
// relative to `base_dir`.
absl::StatusOr<Kubeconfig> ParseKubeconfig(std::string_view yaml,
                                           const std::filesystem::path& base_dir = {});

// Builds a kubeconfig from PEM files on disk.
absl::StatusOr<Kubeconfig> KubeconfigFromFiles(std::string server_url,
                                               const std::filesystem::path& ca_file,
                                               const std::filesystem::path& client_cert_file,
                                               const std::filesystem::path& client_key_file);

// Parses --write-kubeconfig-mode: an octal permission such as "0644" or "600". Errors name
// the flag.
absl::StatusOr<mode_t> ParseKubeconfigMode(std::string_view text);

// Writes `config` to `path` atomically with exactly `mode`, creating missing parent
// directories (0755). Leaves the file untouched when contents and mode already match.
absl::Status WriteKubeconfig(const std::filesystem::path& path, const Kubeconfig& config,
                             mode_t mode = kDefaultKubeconfigMode);

}  // namespace k1s::pki
