#pragma once
// A Transport over HTTPS with libcurl: for agents, `k1s simulate` and other out-of-process
// clients. Authenticates with a client certificate or a bearer token and verifies the server
// against the given CA. Each Do uses a pooled curl handle (keep-alive); each watch runs on its
// own thread. Thread-safe.
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/transport.h"
#include "pki/kubeconfig.h"

namespace k1s::client {

struct HttpsOptions {
  std::string server_url;       // "https://127.0.0.1:6443"
  std::string ca_pem;           // verifies the server
  std::string client_cert_pem;  // client certificate authentication (with the key), or
  std::string client_key_pem;
  std::string bearer_token;  // token authentication
  std::string user_agent = "k1s";
  int32_t timeout_seconds = 60;  // whole-request timeout for Do (watches have none)
};

class HttpsTransport : public Transport {
 public:
  static absl::StatusOr<std::unique_ptr<HttpsTransport>> Create(HttpsOptions options);
  // From a kubeconfig file (its current context; certificate or token users).
  static absl::StatusOr<std::unique_ptr<HttpsTransport>> FromKubeconfigFile(
      const std::string& path, std::string user_agent = "k1s");
  ~HttpsTransport() override;

  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) override;
  absl::StatusOr<std::unique_ptr<WatchStream>> Watch(const HttpRequest& request) override;

 private:
  class Impl;
  explicit HttpsTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace k1s::client
