#pragma once
// EtcdServer: serves the etcd v3 gRPC API (KV, Watch, Lease, Maintenance, Cluster) over a
// Backend on one or more client URLs, so etcdctl and other etcd clients see the datastore.
//
//   auto server = EtcdServer::Start(backend, options);   // listening when this returns
//   for (auto& url : (*server)->client_urls()) log->info("etcd API on {}", url);
//   ...
//   (*server)->Stop();                                   // or destroy it
//
// The Backend is borrowed and must outlive the server. Thread-safe. No gRPC types leak out of
// this header.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datastore/etcd/listen_url.h"
#include "k1s/backend.h"

namespace k1s::datastore::etcd {

struct EtcdServerOptions {
  // http://127.0.0.1:2379, https://host:port, unix:///path; port 0 picks a free port.
  std::vector<std::string> listen_client_urls;
  // Required for https:// listeners, which always demand client certificates.
  TlsFiles tls;
  // Member name reported by MemberList (etcd's --name); empty = the host name.
  std::string name;
  // 0 = derived from the name and the listen URLs, stable across restarts.
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  // The etcd version reported by Status; clients only print it.
  std::string version = "3.5.0";
  // How often watches created with progress_notify get a progress message when idle.
  std::chrono::milliseconds progress_notify_interval{std::chrono::minutes(10)};
  // Upper bound on requests waiting in the Backend at once (one thread each).
  size_t max_in_flight = 1024;
  // A watch or keep-alive stream whose client lets more than this queue up is ended with
  // RESOURCE_EXHAUSTED (clients re-create their watches from the last revision they saw).
  size_t max_stream_queue_bytes = 64 << 20;
};

class EtcdServer {
 public:
  // Validates the URLs (plaintext only on loopback; https needs cert, key and CA), binds every
  // listener and starts serving.
  static absl::StatusOr<std::unique_ptr<EtcdServer>> Start(Backend& backend,
                                                           EtcdServerOptions options);
  ~EtcdServer();

  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // The URLs actually served, with chosen ports filled in, e.g. "http://127.0.0.1:41237".
  const std::vector<std::string>& client_urls() const;
  uint64_t member_id() const;
  uint64_t cluster_id() const;

  // Stops accepting calls, ends open streams (watch, keep-alive) and waits for running calls.
  // Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit EtcdServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace k1s::datastore::etcd
