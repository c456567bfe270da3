#pragma once
// Secrets encryption at rest for `k1s server`: the key file
// <data-dir>/server/cred/encryption-config.json (created with one AES-GCM key on first start),
// the encrypting layer between the apiserver and the datastore, and the admin endpoints behind
// `k1s secrets-encrypt`:
//   GET  /v1-k1s/secrets-encrypt/status       keys, the active one, secrets per key
//   POST /v1-k1s/secrets-encrypt/rotate-keys  a new key encrypts from now on; old ones still read
//   POST /v1-k1s/secrets-encrypt/reencrypt    rewrite every secret with the active key, then
//                                             drop keys nothing uses any more
// They are served by the API server, so only users RBAC allows those paths (cluster-admin)
// reach them. Thread-safe; key changes are serialized.
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "encryption/encrypting_backend.h"
#include "http/request.h"
#include "http/response_writer.h"
#include "k1s/backend.h"

namespace k1s::server {

inline constexpr char kSecretsEncryptPathPrefix[] = "/v1-k1s/secrets-encrypt/";

class SecretsEncryption {
 public:
  static std::filesystem::path ConfigPath(const std::filesystem::path& data_dir);
  // Loads (or creates) the keys and wraps `inner`.
  static absl::StatusOr<std::unique_ptr<SecretsEncryption>> Open(
      const std::filesystem::path& data_dir, Backend& inner);

  Backend& backend() { return *backend_; }
  // Serves one request under kSecretsEncryptPathPrefix; returns the HTTP status sent.
  int32_t Serve(const http::Request& request, http::ResponseWriter& writer);

 private:
  SecretsEncryption(std::filesystem::path config_path,
                    std::unique_ptr<encryption::EncryptingBackend> backend)
      : config_path_(std::move(config_path)), backend_(std::move(backend)) {}
  absl::StatusOr<std::string> Status();
  absl::StatusOr<std::string> RotateKeys();
  absl::StatusOr<std::string> Reencrypt();

  const std::filesystem::path config_path_;
  std::unique_ptr<encryption::EncryptingBackend> backend_;
  absl::Mutex mu_;  // one key change at a time
};

}  // namespace k1s::server
