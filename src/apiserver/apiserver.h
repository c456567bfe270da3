#pragma once
// The Kubernetes API server: HTTPS on :6443 in front of the datastore's Backend.
//
// A request passes authentication (client certificates from the client CA, or a bearer token:
// service-account JWTs, legacy token Secrets, bootstrap tokens), authorization (system:masters,
// then the Node authorizer, then RBAC), then routing: health and version endpoints, metrics,
// discovery, OpenAPI, OIDC discovery, the review endpoints, or a resource request for the
// ResourceHandler, whose writes pass the admission chain. Every request is counted in Metrics. At
// start the watch cache loads the store, the service address ranges are rebuilt from stored
// services, and the built-in namespaces and the `kubernetes` Service exist. See docs/apiserver.md
// for the path of a request.
//
// Thread-safe; Start and Stop follow the Component contract.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "apiserver/admission.h"
#include "apiserver/audit_logger.h"
#include "base/clock.h"
#include "base/lifecycle.h"
#include "http/request.h"
#include "http/response_writer.h"
#include "http/server.h"
#include "k1s/backend.h"

namespace k1s::apiserver {

// The Kubernetes release whose API this server implements.
inline constexpr char kKubernetesVersion[] = "v1.32.0";
// What /version reports as gitVersion, in the style of k3s ("v1.32.0+k3s1").
inline constexpr char kGitVersion[] = "v1.32.0+k1s1";

struct ApiServerOptions {
  std::string bind_address = "0.0.0.0";
  uint16_t port = 6443;  // 0 picks a free port (tests)
  http::TlsFiles tls;    // serving certificate and the client CA
  std::string service_cidr = "10.43.0.0/16";
  std::string node_port_range = "30000-32767";
  // The address other nodes and pods reach this server at: the `kubernetes` endpoints.
  std::string advertise_address = "127.0.0.1";
  int32_t worker_threads = 8;
  // PEM of the RSA service-account key: signs TokenRequest tokens and verifies bearer tokens.
  std::string service_account_key_pem;
  // PEM of the CA that signed the serving certificate, published to pods as kube-root-ca.crt.
  std::string server_ca_pem;
  std::string service_account_issuer = "https://kubernetes.default.svc.cluster.local";
  std::vector<std::string> api_audiences;  // empty = {service_account_issuer}
  // Requests without credentials act as system:anonymous (off: 401, except health/version).
  bool anonymous_auth = false;
  AdmissionOptions admission;
  AuditOptions audit;
};

// An extra non-resource endpoint served behind the API server's authentication and
// authorization (e.g. /v1-k1s/secrets-encrypt/...). Returns the HTTP status it sent.
using PathHandler = std::function<int32_t(const http::Request&, http::ResponseWriter&)>;

class ApiServer : public base::Component {
 public:
  ApiServer(ApiServerOptions options, Backend& backend, base::Clock& clock);
  ~ApiServer() override;

  std::string_view Name() const override { return "apiserver"; }
  absl::Status Start(base::StopSignal& stop) override;
  void Stop() override;

  // The bound HTTPS port (after Start).
  uint16_t port() const;
  // The whole handler chain for a request that arrived some other way (in-process clients).
  void Handle(http::Request request, std::shared_ptr<http::ResponseWriter> writer);
  // Serves every path under `prefix` with `handler` (call before Start).
  void AddPathHandler(std::string prefix, PathHandler handler);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace k1s::apiserver
