#pragma once
// How a handler answers: a ResponseWriter bound to one request, and the Handler type.
//
// A handler runs on the server's worker pool. It may answer before returning, or keep the
// writer (it is a shared_ptr) and answer later from any thread, e.g. a watch that writes one
// chunk per event. Every method is thread-safe. Exactly one of Respond or StartStream takes
// effect; later calls are ignored and return false. A writer may be kept after its Server
// stopped or was destroyed: its methods then return false.
//
// When the last reference to a writer goes away without an answer, the client gets a 500; an
// open stream is ended cleanly.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/request.h"

namespace k1s::http {

class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;

  // Sends a whole response with a Content-Length. Content-Length, Transfer-Encoding and
  // Connection in `headers` are ignored (the server sets them). Returns false when the response
  // can no longer be sent (already answered, client gone, server stopped).
  virtual bool Respond(int status, const Headers& headers, std::string body) = 0;

  // Starts a response with chunked transfer encoding (raw bytes until close for HTTP/1.0).
  virtual bool StartStream(int status, const Headers& headers) = 0;
  // Queues one chunk; empty data is a no-op. Returns false once the client is gone, the server
  // is stopping the stream, or the client stopped reading and its outgoing buffer overflowed
  // (the connection is then dropped). Never blocks on the network.
  virtual bool WriteChunk(std::string_view data) = 0;
  // Ends the stream with the terminating zero-length chunk.
  virtual bool EndStream() = 0;

  // Runs `callback` once when this exchange is over: the response was completely written, the
  // client disconnected, or the server shut the connection. Runs at once (on the calling thread)
  // when it is already over; otherwise on a worker thread. Keep callbacks short.
  virtual void OnClose(std::function<void()> callback) = 0;

  // True once the exchange is over (see OnClose).
  virtual bool closed() const = 0;
};

using Handler = std::function<void(Request, std::shared_ptr<ResponseWriter>)>;

// A Kubernetes metav1.Status failure body, e.g. for 413:
// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"...",
//  "reason":"RequestEntityTooLarge","code":413}
std::string KubernetesStatusJson(int code, std::string_view reason, std::string_view message);

// Sends KubernetesStatusJson as an application/json response.
bool RespondStatus(ResponseWriter& writer, int code, std::string_view reason,
                   std::string_view message);

}  // namespace k1s::http
