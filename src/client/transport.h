#pragma once
// How a Client reaches an API server: one request in, one response out, plus streaming watches.
// Two implementations: InProcessTransport (the apiserver's handler chain in this process, no
// sockets) and HttpsTransport (libcurl, for agents and tools). Both are thread-safe.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace k1s::client {

struct HttpRequest {
  std::string method = "GET";
  std::string path;   // "/apis/apps/v1/namespaces/default/deployments"
  std::string query;  // encoded, without '?' ("labelSelector=app%3Dweb")
  std::string body;
  std::string content_type;  // "" when there is no body
};

struct HttpResponse {
  int32_t status = 0;
  std::string body;
};

// One open watch: newline-delimited watch events ({"type":...,"object":...}) in order.
class WatchStream {
 public:
  virtual ~WatchStream() = default;
  // The next event line (without the newline), or nullopt when `timeout` passed with nothing new.
  // Once the stream ended, returns an error: OutOfRange for a clean end (the server closed the
  // stream, or Cancel), another code for a failure (Unavailable for a broken connection). Called
  // from one thread at a time.
  virtual absl::StatusOr<std::optional<std::string>> Next(std::chrono::milliseconds timeout) = 0;
  // Ends the stream from any thread; a blocked Next returns promptly.
  virtual void Cancel() = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends a request and returns the server's answer (any status code). An error status only when
  // no answer arrived (connection refused, timeout).
  virtual absl::StatusOr<HttpResponse> Do(const HttpRequest& request) = 0;
  // Starts a watch (request.query carries watch=true). A non-200 answer becomes the error status
  // (e.g. 410 Expired -> api::StatusFromHttp).
  virtual absl::StatusOr<std::unique_ptr<WatchStream>> Watch(const HttpRequest& request) = 0;
};

}  // namespace k1s::client
