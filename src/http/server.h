#pragma once
// The HTTP/1.1 server the apiserver (:6443) and the kubelet (:10250) run on: HTTPS with
// optional client-certificate authentication, or plain HTTP behind the same interface.
//
//   http::ServerOptions options;
//   options.name = "apiserver";
//   options.port = 6443;
//   options.tls = http::TlsFiles{cert, key, client_ca};
//   auto server = std::make_unique<http::Server>(options, handler);
//   runner.Add(std::move(server));  // Start binds; Stop drains and joins
//
// Connections are served on a couple of I/O threads (Boost.Asio); each request is handed to a
// small worker pool so handlers may block briefly without stalling other connections. Requests
// on one connection are handled one after another (pipelined requests wait their turn). See
// docs/http.md for the path a request takes.
//
// Thread-safe: port() may be called from any thread after Start; Start and Stop follow the
// Component contract (driven by one thread).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "base/lifecycle.h"
#include "base/stop_signal.h"
#include "http/request.h"
#include "http/response_writer.h"

namespace k1s::http {

struct TlsFiles {
  std::string cert_file;       // PEM serving certificate (chain allowed)
  std::string key_file;        // PEM private key of cert_file
  std::string client_ca_file;  // PEM CA bundle for client certificates; "" = do not ask
};

struct ServerOptions {
  // Component name: logger name, thread name prefix ("<name>-io0", "<name>-w1").
  std::string name = "http";
  std::string bind_address = "0.0.0.0";  // IPv4 or IPv6 literal ("::" for both families)
  uint16_t port = 0;                     // 0 = any free port, see Server::port()
  // TLS 1.2+ when set; plain HTTP otherwise.
  std::optional<TlsFiles> tls;

  int32_t io_threads = 2;
  int32_t worker_threads = 4;

  uint64_t max_body_bytes = 3 * 1024 * 1024;  // larger bodies get 413
  uint32_t max_header_bytes = 64 * 1024;      // larger headers get 431
  // Per connection: response bytes queued but not yet taken by the socket. A client that lets
  // more than this pile up (it stopped reading a stream) is disconnected.
  uint64_t max_pending_write_bytes = 4 * 1024 * 1024;

  // TLS handshake plus request line and headers must arrive within this time.
  int64_t header_timeout_nanos = 10'000'000'000;
  // The whole request body must arrive within this time after the headers.
  int64_t body_timeout_nanos = 60'000'000'000;
  // A keep-alive connection waiting for its next request is closed after this time.
  int64_t idle_timeout_nanos = 90'000'000'000;
  // One socket write that makes no progress for this long drops the connection.
  int64_t write_timeout_nanos = 30'000'000'000;
  // Stop() lets in-flight responses finish for at most this long, then closes what is left.
  int64_t shutdown_grace_nanos = 5'000'000'000;
};

class Server : public base::Component {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server() override;  // calls Stop() when still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::string_view Name() const override;
  // Loads the TLS material, binds and listens, starts the threads; returns once accepting.
  absl::Status Start(base::StopSignal& stop) override;
  // Stops accepting, finishes in-flight responses (bounded by shutdown_grace_nanos), ends open
  // streams with their terminating chunk, fires OnClose callbacks and joins every thread.
  void Stop() override;

  // The bound port (the real one when options.port was 0); 0 before Start.
  uint16_t port() const;
  // Connections currently open (for tests and metrics).
  int64_t open_connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace k1s::http
