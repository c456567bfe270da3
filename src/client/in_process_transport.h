#pragma once
// A Transport that hands requests straight to an http::Handler in this process: on a server the
// apiserver's full chain (authentication, authorization, admission, audit), with the caller
// identified as if by a client certificate. No sockets, no TLS, no extra serialization beyond
// the JSON bodies. Thread-safe.
#include <memory>
#include <string>
#include <vector>

#include "client/transport.h"
#include "http/response_writer.h"

namespace k1s::client {

struct InProcessIdentity {
  std::string user;                 // "system:kube-controller-manager"
  std::vector<std::string> groups;  // e.g. {"system:masters"}
};

class InProcessTransport : public Transport {
 public:
  // `handler` must outlive the transport and every watch it opened.
  InProcessTransport(http::Handler handler, InProcessIdentity identity);

  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) override;
  absl::StatusOr<std::unique_ptr<WatchStream>> Watch(const HttpRequest& request) override;

 private:
  const http::Handler handler_;
  const InProcessIdentity identity_;
};

}  // namespace k1s::client
