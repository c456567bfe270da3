#include "datastore/etcd/etcd_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/logging.h"
#include "datastore/etcd/services.h"
#include "datastore/etcd/worker_pool.h"

namespace k1s::datastore::etcd {
namespace {

// etcd's limits: requests up to 1.5 MiB plus gRPC overhead; responses unbounded.
constexpr int kMaxReceiveMessageBytes = 2 * 1024 * 1024;

uint64_t Fnv1a64(std::string_view data, uint64_t seed) {
  uint64_t hash = seed;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A socket file left by a previous run blocks bind(); remove it unless something still serves.
absl::Status RemoveStaleSocket(const std::string& path) {
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return absl::OkStatus();
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(path, " exists and is not a socket"));
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": socket path too long"));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::OkStatus();
  bool live = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  if (live) return absl::FailedPreconditionError(absl::StrCat(path, ": already in use"));
  unlink(path.c_str());
  return absl::OkStatus();
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "default";
  return buf;
}

}  // namespace

struct EtcdServer::Impl {
  Impl(Backend& backend, const EtcdServerOptions& options)
      : pool(std::make_unique<WorkerPool>(
            WorkerPoolOptions{.name = "etcd-worker", .max_threads = options.max_in_flight})),
        ctx(backend, *pool),
        kv(ctx),
        watch(ctx),
        lease(ctx),
        maintenance(ctx),
        cluster(ctx),
        progress_interval(options.progress_notify_interval) {}

  // The server has stopped (EtcdServer::Stop) before this runs; then the pool drains before the
  // services it runs work for go away.
  ~Impl() { pool.reset(); }

  std::unique_ptr<WorkerPool> pool;
  ServiceContext ctx;
  KvService kv;
  WatchService watch;
  LeaseService lease;
  MaintenanceService maintenance;
  ClusterService cluster;
  std::unique_ptr<grpc::Server> server;
  std::vector<std::string> urls;

  std::chrono::milliseconds progress_interval;
  absl::Mutex mu;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  std::thread ticker;

  void RunTicker() {
    absl::MutexLock lock(&mu);
    for (;;) {
      if (mu.AwaitWithTimeout(absl::Condition(&stopping), absl::FromChrono(progress_interval))) {
        return;
      }
      mu.Unlock();
      watch.Tick();
      mu.Lock();
    }
  }
};

absl::StatusOr<std::unique_ptr<EtcdServer>> EtcdServer::Start(Backend& backend,
                                                              EtcdServerOptions options) {
  std::vector<ListenUrl> urls;
  for (const std::string& text : options.listen_client_urls) {
    absl::StatusOr<std::vector<ListenUrl>> parsed = ParseListenUrls(text);
    if (!parsed.ok()) return parsed.status();
    urls.insert(urls.end(), parsed->begin(), parsed->end());
  }
  if (urls.empty()) return absl::InvalidArgumentError("no --listen-client-urls given");
  if (absl::Status status = ValidateListeners(urls, options.tls); !status.ok()) return status;

  std::shared_ptr<grpc::ServerCredentials> tls_credentials;
  for (const ListenUrl& url : urls) {
    if (url.scheme != ListenUrl::Scheme::kHttps || tls_credentials) continue;
    absl::StatusOr<std::string> cert = ReadFile(options.tls.cert_file, "--cert-file");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(options.tls.key_file, "--key-file");
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> ca = ReadFile(options.tls.trusted_ca_file, "--trusted-ca-file");
    if (!ca.ok()) return ca.status();
    grpc::SslServerCredentialsOptions ssl(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    ssl.pem_root_certs = *ca;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    tls_credentials = grpc::SslServerCredentials(ssl);
  }

  auto impl = std::make_unique<Impl>(backend, options);
  grpc::ServerBuilder builder;
  std::vector<std::unique_ptr<int>> ports;
  for (const ListenUrl& url : urls) {
    if (url.scheme == ListenUrl::Scheme::kUnix) {
      if (absl::Status status = RemoveStaleSocket(url.path); !status.ok()) return status;
    }
    auto credentials = url.scheme == ListenUrl::Scheme::kHttps ? tls_credentials
                                                               : grpc::InsecureServerCredentials();
    ports.push_back(std::make_unique<int>(0));
    builder.AddListeningPort(url.GrpcAddress(), credentials, ports.back().get());
  }
  builder.RegisterService(&impl->kv);
  builder.RegisterService(&impl->watch);
  builder.RegisterService(&impl->lease);
  builder.RegisterService(&impl->maintenance);
  builder.RegisterService(&impl->cluster);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  builder.SetMaxSendMessageSize(-1);
  // etcd clients ping every few seconds (etcdctl: --keepalive-time=2s), also without calls;
  // gRPC's defaults would answer that with GOAWAY "too_many_pings".
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 1000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  ServiceContext& ctx = impl->ctx;
  ctx.member_name = options.name.empty() ? HostName() : options.name;
  ctx.version = options.version;
  ctx.max_stream_queue_bytes = options.max_stream_queue_bytes;
  ctx.member_id = options.member_id != 0
                      ? options.member_id
                      : Fnv1a64(absl::StrCat(ctx.member_name, "|",
                                             absl::StrJoin(options.listen_client_urls, ",")),
                                0xcbf29ce484222325ULL);
  ctx.cluster_id =
      options.cluster_id != 0 ? options.cluster_id : Fnv1a64("k1s-cluster", ctx.member_id);
  impl->server = builder.BuildAndStart();
  if (!impl->server) {
    std::vector<std::string> texts;
    for (const ListenUrl& url : urls) texts.push_back(url.ToString(url.port));
    return absl::UnavailableError(absl::StrCat("cannot serve the etcd API on ",
                                               absl::StrJoin(texts, ","),
                                               " (address in use or not available?)"));
  }
  for (size_t i = 0; i < urls.size(); ++i) {
    if (urls[i].scheme != ListenUrl::Scheme::kUnix && *ports[i] == 0) {
      impl->server->Shutdown();
      return absl::UnavailableError(
          absl::StrCat("cannot listen on ", urls[i].ToString(urls[i].port)));
    }
    impl->urls.push_back(urls[i].ToString(static_cast<uint16_t>(*ports[i])));
  }

  // No raft peers: the client URLs are the member's only address.
  ctx.SetUrls(impl->urls, impl->urls);
  impl->ticker = std::thread([raw = impl.get()] { raw->RunTicker(); });
  pthread_setname_np(impl->ticker.native_handle(), "etcd-progress");
  return std::unique_ptr<EtcdServer>(new EtcdServer(std::move(impl)));
}

EtcdServer::EtcdServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EtcdServer::~EtcdServer() { Stop(); }

const std::vector<std::string>& EtcdServer::client_urls() const { return impl_->urls; }
uint64_t EtcdServer::member_id() const { return impl_->ctx.member_id; }
uint64_t EtcdServer::cluster_id() const { return impl_->ctx.cluster_id; }

void EtcdServer::Stop() {
  {
    absl::MutexLock lock(&impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->ticker.join();
  // Cancels open streams after a short grace period and waits until every reactor has finished;
  // the pool keeps running so that calls inside the Backend can complete.
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  impl_->server->Wait();
}

}  // namespace k1s::datastore::etcd
