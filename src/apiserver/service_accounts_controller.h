#pragma once
// What every namespace needs before its pods can talk to the API, kept by the server itself
// as upstream's controller-manager does:
//  - the "default" ServiceAccount (serviceaccount controller), recreated if deleted;
//  - the kube-root-ca.crt ConfigMap holding the CA that signs the API server's certificate
//    (root-ca-cert-publisher), restored if deleted or edited;
//  - legacy token Secrets (type kubernetes.io/service-account-token, created by a user with
//    the kubernetes.io/service-account.name annotation) filled with token, ca.crt and
//    namespace (tokens controller); deleted when their service account is gone.
// Runs on its own thread ("sa-controller"); see CacheWorker.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "apiserver/cache_worker.h"
#include "apiserver/resource_handler.h"
#include "apiserver/service_account_tokens.h"
#include "apiserver/watch_cache.h"

namespace k1s::apiserver {

inline constexpr char kRootCaConfigMap[] = "kube-root-ca.crt";

class ServiceAccountsController {
 public:
  ServiceAccountsController(ResourceHandler& resources, WatchCache& cache,
                            const ServiceAccountTokens& tokens, std::string ca_pem);
  ~ServiceAccountsController();

  absl::Status Start();
  void Stop();

 private:
  bool Handle(const std::string& key);
  bool EnsureNamespace(const std::string& namespace_name);
  bool FillTokenSecret(const std::string& namespace_name, const std::string& name);

  ResourceHandler& resources_;
  WatchCache& cache_;
  const ServiceAccountTokens& tokens_;
  const std::string ca_pem_;
  std::unique_ptr<CacheWorker> worker_;
};

}  // namespace k1s::apiserver
