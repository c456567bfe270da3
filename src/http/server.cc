#include "http/server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <exception>
#include <map>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/logging.h"
#include "http/tls_socket.h"
#include "http/worker_pool.h"

namespace k1s::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// Bytes asked for by one raw read (first byte of a request, reads while a handler runs).
constexpr size_t kReadChunk = 1024;
// After a final response on a connection that will close, input is drained (and discarded)
// for at most this long so the client sees the response rather than a TCP reset.
constexpr int64_t kLingerNanos = 2'000'000'000;
constexpr uint64_t kMaxLingerBytes = 16 * 1024 * 1024;
// Write buffers larger than this are released after use rather than kept per connection.
constexpr size_t kKeepBufferCapacity = 16 * 1024;
// Stop() waits this long for forcibly closed connections before stopping the I/O loop.
constexpr int64_t kForceCloseWaitNanos = 2'000'000'000;

// TLS 1.2 suites: forward secrecy (ECDHE) with AEAD ciphers only. TLS 1.3 keeps its defaults.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string ToStd(beast::string_view value) { return std::string(value.data(), value.size()); }

std::string SslErrorText(const ErrorCode& ec) { return ec.message(); }

// "1.2.3.4:80" or "[::1]:80".
std::string EndpointText(const tcp::endpoint& endpoint) {
  const net::ip::address address = endpoint.address();
  if (address.is_v6()) {
    return absl::StrCat("[", address.to_string(), "]:", endpoint.port());
  }
  return absl::StrCat(address.to_string(), ":", endpoint.port());
}

bool ValidHeaderText(std::string_view text, bool is_name) {
  if (is_name && text.empty()) return false;
  for (const char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
    if (is_name && (c == ':' || c == ' ' || c == '\t')) return false;
  }
  return true;
}

bool ServerOwnedHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection");
}

bool StatusHasNoBody(int status) { return status == 204 || status == 304; }

// The status line and header block of a response. `content_length` < 0 means none is sent.
std::string ResponseHead(int status, const Headers& headers, int64_t content_length, bool chunked,
                         bool keep_alive, spdlog::logger& log) {
  const beast::string_view reason =
      bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
  std::string head =
      absl::StrCat("HTTP/1.1 ", status, " ",
                   bhttp::int_to_status(static_cast<unsigned>(status)) == bhttp::status::unknown
                       ? std::string("Status")
                       : ToStd(reason),
                   "\r\n");
  for (const auto& [name, value] : headers.fields()) {
    if (ServerOwnedHeader(name)) continue;
    if (!ValidHeaderText(name, true) || !ValidHeaderText(value, false)) {
      log.warn("dropping a response header with characters not allowed in HTTP");
      continue;
    }
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  if (chunked) {
    head += "Transfer-Encoding: chunked\r\n";
  } else if (content_length >= 0) {
    absl::StrAppend(&head, "Content-Length: ", content_length, "\r\n");
  }
  if (!keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
}

void AppendChunk(std::string* out, std::string_view data) {
  char size[24];
  const int length = std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  out->append(size, static_cast<size_t>(length));
  out->append(data.data(), data.size());
  out->append("\r\n");
}

std::optional<ClientIdentity> PeerIdentity(SSL* ssl) {
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) return std::nullopt;
  X509_NAME* subject = X509_get_subject_name(peer);
  if (subject == nullptr) return std::nullopt;
  auto entry_text = [subject](int index) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    std::string text;
    if (length >= 0 && utf8 != nullptr) {
      text.assign(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
    }
    OPENSSL_free(utf8);
    return text;
  };
  ClientIdentity identity;
  const int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (cn >= 0) identity.common_name = entry_text(cn);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_organizationName, i)) >= 0;) {
    identity.organizations.push_back(entry_text(i));
  }
  return identity;
}

class Connection;

// State shared by the server and every connection; connections hold it so a writer kept by a
// handler never points at a destroyed io_context.
struct Core {
  Core(ServerOptions server_options, Handler request_handler)
      : options(std::move(server_options)),
        handler(std::move(request_handler)),
        log(base::Logger(options.name)) {}

  void Register(uint64_t id, std::weak_ptr<Connection> connection) {
    absl::MutexLock lock(&mu);
    connections.emplace(id, std::move(connection));
  }
  void Deregister(uint64_t id) {
    absl::MutexLock lock(&mu);
    connections.erase(id);
  }

  const ServerOptions options;
  const Handler handler;
  const std::shared_ptr<spdlog::logger> log;
  net::io_context io;
  std::optional<ssl::context> tls;
  std::unique_ptr<WorkerPool> workers;

  absl::Mutex mu;
  std::map<uint64_t, std::weak_ptr<Connection>> connections ABSL_GUARDED_BY(mu);
  bool stopping ABSL_GUARDED_BY(mu) = false;
  uint64_t next_id ABSL_GUARDED_BY(mu) = 1;
};

// One client connection. Reading, timers and socket writes happen on the connection's strand;
// the response methods (called by ResponseWriter from any thread) only queue bytes under mu_
// and post a flush to the strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<Core> core, uint64_t id, std::string remote)
      : core_(std::move(core)), id_(id), remote_(std::move(remote)) {}
  virtual ~Connection() = default;

  // Starts serving (TLS handshake, then requests) on the connection's strand.
  virtual void Run() = 0;
  // Server stop: close an idle connection, let a pending response finish, end a stream.
  virtual void BeginShutdown() = 0;
  // Close at once.
  virtual void Abort() = 0;

  bool Respond(uint64_t seq, int status, const Headers& headers, std::string body) {
    absl::MutexLock lock(&mu_);
    return RespondLocked(seq, status, headers, std::move(body));
  }

  bool StartStream(uint64_t seq, int status, const Headers& headers) {
    absl::MutexLock lock(&mu_);
    if (!CanAnswerLocked(seq)) return false;
    if (status < 200 || status > 999 || StatusHasNoBody(status)) status = 500;
    if (shutting_down_) keep_alive_ = false;
    if (!chunked_) keep_alive_ = false;  // HTTP/1.0: the end of the stream is the end of data
    out_ += ResponseHead(status, headers, -1, chunked_, keep_alive_, *core_->log);
    phase_ = Phase::kStreaming;
    if (head_request_ || shutting_down_) EndStreamLocked();
    ScheduleFlushLocked();
    return true;
  }

  bool WriteChunk(uint64_t seq, std::string_view data) {
    absl::MutexLock lock(&mu_);
    if (closed_ || overflowed_ || !exchange_active_ || seq != seq_ || phase_ != Phase::kStreaming) {
      return false;
    }
    if (data.empty()) return true;
    const uint64_t pending = out_.size() + out_body_.size() + in_flight_bytes_;
    // One chunk is always accepted onto an empty queue, whatever its size.
    if (pending > 0 && pending + data.size() > core_->options.max_pending_write_bytes) {
      core_->log->warn("{}: client is not reading ({} bytes pending); disconnecting", remote_,
                       pending);
      overflowed_ = true;
      PostAbortLocked();
      return false;
    }
    if (chunked_) {
      AppendChunk(&out_, data);
    } else {
      out_.append(data.data(), data.size());
    }
    ScheduleFlushLocked();
    return true;
  }

  bool EndStream(uint64_t seq) {
    absl::MutexLock lock(&mu_);
    if (closed_ || !exchange_active_ || seq != seq_ || phase_ != Phase::kStreaming) return false;
    EndStreamLocked();
    ScheduleFlushLocked();
    return true;
  }

  void AddOnClose(uint64_t seq, std::function<void()> callback) {
    {
      absl::MutexLock lock(&mu_);
      if (!closed_ && exchange_active_ && seq == seq_) {
        on_close_.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }

  bool ExchangeOver(uint64_t seq) const {
    absl::MutexLock lock(&mu_);
    return closed_ || !exchange_active_ || seq != seq_;
  }

  // The handler dropped its writer: answer 500 if it never answered, end an open stream.
  void Abandon(uint64_t seq) {
    absl::MutexLock lock(&mu_);
    if (closed_ || !exchange_active_ || seq != seq_) return;
    if (phase_ == Phase::kWaiting) {
      core_->log->error("{}: handler returned without a response; sending 500", remote_);
      RespondLocked(seq, 500, Headers{{"Content-Type", "application/json"}},
                    KubernetesStatusJson(500, "InternalError", "the handler did not respond"));
    } else if (phase_ == Phase::kStreaming) {
      EndStreamLocked();
      ScheduleFlushLocked();
    }
  }

 protected:
  enum class Phase { kWaiting, kStreaming, kComplete };

  virtual void PostFlush() = 0;

  bool CanAnswerLocked(uint64_t seq) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !closed_ && exchange_active_ && seq == seq_ && phase_ == Phase::kWaiting;
  }

  bool RespondLocked(uint64_t seq, int status, const Headers& headers, std::string body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!CanAnswerLocked(seq)) return false;
    if (status < 200 || status > 999) status = 500;
    if (shutting_down_) keep_alive_ = false;
    if (StatusHasNoBody(status)) body.clear();
    out_ += ResponseHead(status, headers,
                         StatusHasNoBody(status) ? -1 : static_cast<int64_t>(body.size()), false,
                         keep_alive_, *core_->log);
    // A whole body is handed over as its own buffer: large responses (a LIST of thousands of
    // objects) are not copied again behind the head.
    if (!head_request_) out_body_ = std::move(body);
    phase_ = Phase::kComplete;
    ScheduleFlushLocked();
    return true;
  }

  void EndStreamLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (chunked_ && !head_request_) out_ += "0\r\n\r\n";
    phase_ = Phase::kComplete;
  }

  void ScheduleFlushLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (flush_scheduled_ || closed_) return;
    flush_scheduled_ = true;
    PostFlush();
  }

  virtual void PostAbortLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) = 0;

  // Hands OnClose callbacks to the worker pool.
  void FireCallbacks(std::vector<std::function<void()>> callbacks) {
    for (auto& callback : callbacks) core_->workers->Post(std::move(callback));
  }

  const std::shared_ptr<Core> core_;
  const uint64_t id_;
  const std::string remote_;

  mutable absl::Mutex mu_;
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;  // number of the current (or last) exchange
  bool exchange_active_ ABSL_GUARDED_BY(mu_) = false;
  Phase phase_ ABSL_GUARDED_BY(mu_) = Phase::kWaiting;
  bool keep_alive_ ABSL_GUARDED_BY(mu_) = true;
  bool head_request_ ABSL_GUARDED_BY(mu_) = false;
  bool chunked_ ABSL_GUARDED_BY(mu_) = true;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool flush_scheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool overflowed_ ABSL_GUARDED_BY(mu_) = false;  // a close for backpressure is on its way
  std::string out_ ABSL_GUARDED_BY(mu_);          // framed bytes not yet handed to the socket
  std::string out_body_ ABSL_GUARDED_BY(mu_);     // a whole response's body, sent after out_
  uint64_t in_flight_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::function<void()>> on_close_ ABSL_GUARDED_BY(mu_);
};

class Writer final : public ResponseWriter {
 public:
  Writer(std::shared_ptr<Connection> connection, uint64_t seq)
      : connection_(std::move(connection)), seq_(seq) {}
  ~Writer() override { connection_->Abandon(seq_); }

  bool Respond(int status, const Headers& headers, std::string body) override {
    return connection_->Respond(seq_, status, headers, std::move(body));
  }
  bool StartStream(int status, const Headers& headers) override {
    return connection_->StartStream(seq_, status, headers);
  }
  bool WriteChunk(std::string_view data) override { return connection_->WriteChunk(seq_, data); }
  bool EndStream() override { return connection_->EndStream(seq_); }
  void OnClose(std::function<void()> callback) override {
    connection_->AddOnClose(seq_, std::move(callback));
  }
  bool closed() const override { return connection_->ExchangeOver(seq_); }

 private:
  const std::shared_ptr<Connection> connection_;
  const uint64_t seq_;
};

// The I/O half, for a plain socket or a TLS stream over one.
template <class Stream>
class StreamConnection final : public Connection {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  template <class... StreamArgs>
  StreamConnection(std::shared_ptr<Core> core, uint64_t id, std::string remote,
                   StreamArgs&&... stream_args)
      : Connection(std::move(core), id, std::move(remote)),
        stream_(std::forward<StreamArgs>(stream_args)...),
        read_timer_(stream_.get_executor()),
        write_timer_(stream_.get_executor()),
        buffer_(static_cast<size_t>(core_->options.max_header_bytes) + 64 * 1024) {}

  void Run() override {
    net::post(stream_.get_executor(), [self = Self()] { self->Begin(); });
  }

  void BeginShutdown() override {
    net::post(stream_.get_executor(), [self = Self()] { self->DoBeginShutdown(); });
  }

  void Abort() override {
    net::post(stream_.get_executor(), [self = Self()] { self->Close(); });
  }

 private:
  void Begin() {
    if (IsClosed()) return;
    if constexpr (kTls) {
      if (!stream_.ok()) {
        core_->log->error("{}: cannot allocate a TLS session", remote_);
        Close();
        return;
      }
      ArmReadTimer(core_->options.header_timeout_nanos);
      stream_.async_handshake([self = Self()](const ErrorCode& ec) { self->OnHandshake(ec); });
    } else {
      ReadNextRequest(/*first=*/true);
    }
  }

  std::shared_ptr<StreamConnection> Self() {
    return std::static_pointer_cast<StreamConnection>(shared_from_this());
  }

  tcp::socket& Socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  bool IsClosed() const {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

  void PostFlush() override {
    net::post(stream_.get_executor(), [self = Self()] { self->DoFlush(); });
  }

  void PostAbortLocked() override {
    net::post(stream_.get_executor(), [self = Self()] { self->Close(); });
  }

  void ArmReadTimer(int64_t nanos) {
    read_timer_.expires_after(std::chrono::nanoseconds(nanos));
    read_timer_.async_wait([self = Self()](const ErrorCode& ec) {
      if (ec) return;  // cancelled or re-armed
      self->core_->log->debug("{}: read timed out", self->remote_);
      self->Close();
    });
  }

  void OnHandshake(const ErrorCode& ec) {
    if (ec) {
      core_->log->debug("{}: TLS handshake failed: {}", remote_, SslErrorText(ec));
      Close();
      return;
    }
    if (core_->options.tls && !core_->options.tls->client_ca_file.empty()) {
      identity_ = PeerIdentity(stream_.native_handle());
    }
    ReadNextRequest(/*first=*/true);
  }

  // Waits for the first byte of the next request with the idle timeout, then parses it.
  void ReadNextRequest(bool first) {
    if (IsClosed()) return;
    if (buffer_.size() > 0) {
      ReadHeader();
      return;
    }
    ArmReadTimer(first ? core_->options.header_timeout_nanos : core_->options.idle_timeout_nanos);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = Self()](const ErrorCode& ec, size_t bytes) {
                              self->buffer_.commit(bytes);
                              if (ec) {
                                self->Close();
                                return;
                              }
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    if (IsClosed()) return;
    parser_.emplace();
    parser_->header_limit(core_->options.max_header_bytes);
    parser_->body_limit(core_->options.max_body_bytes);
    ArmReadTimer(core_->options.header_timeout_nanos);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = Self()](const ErrorCode& ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(const ErrorCode& ec) {
    if (ec) {
      OnReadError(ec);
      return;
    }
    const auto& message = parser_->get();
    const auto expect = message.find(bhttp::field::expect);
    if (expect != message.end() && !parser_->is_done()) {
      if (!EqualsIgnoreCase(ToStd(expect->value()), "100-continue")) {
        SendError(417, "ExpectationFailed", "only Expect: 100-continue is supported");
        return;
      }
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      ArmWriteTimer();
      net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                       [self = Self()](const ErrorCode& write_ec, size_t) {
                         self->write_timer_.cancel();
                         if (write_ec) {
                           self->Close();
                           return;
                         }
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    if (IsClosed()) return;
    if (parser_->is_done()) {
      Dispatch();
      return;
    }
    ArmReadTimer(core_->options.body_timeout_nanos);
    bhttp::async_read(stream_, buffer_, *parser_, [self = Self()](const ErrorCode& ec, size_t) {
      if (ec) {
        self->OnReadError(ec);
        return;
      }
      self->Dispatch();
    });
  }

  void OnReadError(const ErrorCode& ec) {
    if (IsClosed()) return;
    if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category() ||
        ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message ||
        ec == bhttp::error::short_read) {
      core_->log->debug("{}: read ended: {}", remote_, ec.message());
      Close();
      return;
    }
    if (ec == bhttp::error::body_limit) {
      SendError(413, "RequestEntityTooLarge",
                absl::StrCat("the request body is larger than the limit of ",
                             core_->options.max_body_bytes, " bytes"));
    } else if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      SendError(431, "RequestHeaderFieldsTooLarge", "the request header is too large");
    } else {
      SendError(400, "BadRequest", absl::StrCat("malformed HTTP request: ", ec.message()));
    }
  }

  // Answers a request the server could not read and closes the connection afterwards.
  void SendError(int status, std::string_view reason, std::string_view message) {
    read_timer_.cancel();
    parser_.reset();
    core_->log->debug("{}: {} {}", remote_, status, message);
    uint64_t seq;
    {
      absl::MutexLock lock(&mu_);
      seq = BeginExchangeLocked(/*keep_alive=*/false, /*head=*/false, /*chunked=*/true);
    }
    Respond(seq, status, Headers{{"Content-Type", "application/json"}},
            KubernetesStatusJson(status, reason, message));
  }

  uint64_t BeginExchangeLocked(bool keep_alive, bool head, bool chunked)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    ++seq_;
    exchange_active_ = true;
    phase_ = Phase::kWaiting;
    keep_alive_ = keep_alive && !shutting_down_;
    head_request_ = head;
    chunked_ = chunked;
    return seq_;
  }

  void Dispatch() {
    read_timer_.cancel();
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();

    Request request;
    request.method = ToStd(message.method_string());
    request.target = ToStd(message.target());
    request.version = static_cast<int>(message.version());
    for (const auto& field : message) {
      request.headers.Add(ToStd(field.name_string()), ToStd(field.value()));
    }
    request.body = std::move(message.body());
    request.identity = identity_;
    request.remote_address = remote_;
    request.tls = kTls;

    std::string_view target = request.target;
    for (std::string_view scheme : {"http://", "https://"}) {
      // Absolute form ("http://host/path"): keep the path and query only.
      if (target.size() > scheme.size() &&
          EqualsIgnoreCase(target.substr(0, scheme.size()), scheme)) {
        const size_t slash = target.find('/', scheme.size());
        target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      }
    }
    const size_t question = target.find('?');
    const std::string_view raw_path = target.substr(0, question);
    if (question != std::string_view::npos) {
      request.raw_query = std::string(target.substr(question + 1));
    }
    std::optional<std::string> path = PercentDecode(raw_path, false);
    if (raw_path.empty() || raw_path.front() != '/' || !path.has_value()) {
      SendError(400, "BadRequest", "malformed request target");
      return;
    }
    request.path = std::move(*path);

    uint64_t seq;
    {
      absl::MutexLock lock(&mu_);
      seq = BeginExchangeLocked(message.keep_alive() && message.version() >= 11,
                                request.method == "HEAD", message.version() >= 11);
    }
    auto writer = std::make_shared<Writer>(shared_from_this(), seq);
    core_->workers->Post(
        [core = core_, request = std::move(request), writer = std::move(writer)]() mutable {
          try {
            core->handler(std::move(request), writer);
          } catch (const std::exception& e) {
            core->log->error("handler threw: {}", e.what());
          } catch (...) {
            core->log->error("handler threw a non-standard exception");
          }
        });
    ReadWhileHandling();
  }

  // While a request is handled, keep one read posted so a client that goes away is noticed
  // (OnClose fires for its watch). Bytes that arrive (a pipelined request) stay in buffer_ and
  // reading pauses until the response is done, so a posted read always means "nothing buffered"
  // and the next request can wait for that read instead of competing with it.
  void ReadWhileHandling() {
    if (reading_ || buffer_.size() > 0) return;
    reading_ = true;
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = Self()](const ErrorCode& ec, size_t bytes) {
                              self->buffer_.commit(bytes);
                              self->reading_ = false;
                              self->OnReadWhileHandling(ec);
                            });
  }

  void OnReadWhileHandling(const ErrorCode& ec) {
    if (ec == net::error::eof && !lingering_) {
      // The client stopped sending. A pending plain response is still delivered (a client may
      // half-close after its request); a stream, or a connection with nothing pending, is over.
      absl::MutexLock lock(&mu_);
      if (!closed_ && exchange_active_ && phase_ != Phase::kStreaming) {
        keep_alive_ = false;
        return;
      }
    }
    if (ec) {
      if (!IsClosed()) core_->log->debug("{}: client went away: {}", remote_, ec.message());
      Close();
      return;
    }
    if (lingering_) {
      lingered_bytes_ += buffer_.size();
      buffer_.consume(buffer_.size());
      if (lingered_bytes_ > kMaxLingerBytes) {
        Close();
      } else {
        ReadWhileHandling();
      }
      return;
    }
    bool active;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      active = exchange_active_;
    }
    if (active) {
      ReadWhileHandling();
    } else if (next_request_waiting_) {
      next_request_waiting_ = false;
      ReadNextRequest(/*first=*/false);
    }
  }

  void ArmWriteTimer() {
    write_timer_.expires_after(std::chrono::nanoseconds(core_->options.write_timeout_nanos));
    write_timer_.async_wait([self = Self()](const ErrorCode& ec) {
      if (ec) return;
      self->core_->log->warn("{}: write timed out; disconnecting", self->remote_);
      self->Close();
    });
  }

  // Moves queued bytes to the socket, one write at a time; when nothing is left and the
  // response is complete, ends the exchange.
  void DoFlush() {
    bool complete = false;
    {
      absl::MutexLock lock(&mu_);
      in_flight_bytes_ = 0;
      if (closed_) {
        flush_scheduled_ = false;
        return;
      }
      if (out_.empty() && out_body_.empty()) {
        flush_scheduled_ = false;
        complete = exchange_active_ && phase_ == Phase::kComplete;
      } else {
        write_buffer_.swap(out_);
        write_body_.swap(out_body_);
        in_flight_bytes_ = write_buffer_.size() + write_body_.size();
      }
    }
    if (complete) {
      FinishExchange();
      return;
    }
    if (write_buffer_.empty() && write_body_.empty()) return;
    ArmWriteTimer();
    std::array<net::const_buffer, 2> buffers = {net::buffer(write_buffer_),
                                                net::buffer(write_body_)};
    net::async_write(stream_, buffers, [self = Self()](const ErrorCode& ec, size_t) {
      self->write_timer_.cancel();
      if (ec) {
        self->core_->log->debug("{}: write failed: {}", self->remote_, ec.message());
        self->Close();
        return;
      }
      self->write_buffer_.clear();
      std::string().swap(self->write_body_);
      if (self->write_buffer_.capacity() > kKeepBufferCapacity) {
        std::string().swap(self->write_buffer_);
      }
      self->DoFlush();
    });
  }

  void FinishExchange() {
    std::vector<std::function<void()>> callbacks;
    bool keep_alive;
    {
      absl::MutexLock lock(&mu_);
      exchange_active_ = false;
      callbacks.swap(on_close_);
      keep_alive = keep_alive_ && !shutting_down_;
    }
    FireCallbacks(std::move(callbacks));
    if (!keep_alive) {
      Linger();
      return;
    }
    if (reading_) {
      ArmReadTimer(core_->options.idle_timeout_nanos);
      next_request_waiting_ = true;
    } else {
      ReadNextRequest(/*first=*/false);
    }
  }

  // Half-closes and discards input until the client closes too (or a short deadline), so the
  // final response is not destroyed by a reset caused by unread request bytes.
  void Linger() {
    lingering_ = true;
    buffer_.consume(buffer_.size());
    ErrorCode ignored;
    Socket().shutdown(tcp::socket::shutdown_send, ignored);
    ArmReadTimer(kLingerNanos);
    ReadWhileHandling();
  }

  void DoBeginShutdown() {
    bool close_now = false;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      shutting_down_ = true;
      if (!exchange_active_) {
        close_now = true;
      } else {
        keep_alive_ = false;
        if (phase_ == Phase::kStreaming) {
          EndStreamLocked();
          ScheduleFlushLocked();
        }
      }
    }
    if (close_now) Close();
  }

  void Close() {
    std::vector<std::function<void()>> callbacks;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      closed_ = true;
      exchange_active_ = false;
      callbacks.swap(on_close_);
      out_.clear();
      out_body_.clear();
    }
    read_timer_.cancel();
    write_timer_.cancel();
    ErrorCode ignored;
    Socket().shutdown(tcp::socket::shutdown_both, ignored);
    Socket().close(ignored);
    core_->Deregister(id_);
    FireCallbacks(std::move(callbacks));
  }

  Stream stream_;
  net::steady_timer read_timer_;
  net::steady_timer write_timer_;
  // Strand-only state below.
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<ClientIdentity> identity_;
  std::string write_buffer_;
  std::string write_body_;
  bool reading_ = false;               // a raw read (not the parser's) is posted
  bool next_request_waiting_ = false;  // start the next request when that read completes
  bool lingering_ = false;
  uint64_t lingered_bytes_ = 0;
};

absl::Status ConfigureTls(ssl::context& context, const TlsFiles& files) {
  ErrorCode ec;
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1 | ssl::context::single_dh_use |
                          ssl::context::no_compression,
                      ec);
  if (ec) return absl::InternalError(absl::StrCat("set TLS options: ", ec.message()));
  SSL_CTX* native = context.native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return absl::InternalError("set minimum TLS version 1.2");
  }
  // A peer that closes without close_notify reads as a plain end of stream.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Idle connections (watches) drop their TLS record buffers between reads.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return absl::InternalError("set TLS 1.2 cipher list");
  }
  context.use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("load serving certificate ", files.cert_file, ": ", ec.message()));
  }
  context.use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("load serving key ", files.key_file, ": ", ec.message()));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("serving key ", files.key_file, " does not match ", files.cert_file));
  }
  if (!files.client_ca_file.empty()) {
    context.load_verify_file(files.client_ca_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("load client CA ", files.client_ca_file, ": ", ec.message()));
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca_file.c_str());
    if (names == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("read client CA names from ", files.client_ca_file));
    }
    SSL_CTX_set_client_CA_list(native, names);
    // Ask for a certificate but finish the handshake whatever it is, as kube-apiserver does:
    // a missing or untrusted certificate gives a request without identity (answered 401 by the
    // handler), PeerIdentity reads the verification result.
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) -> int { return 1; });
  }
  return absl::OkStatus();
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler)
      : core_(std::make_shared<Core>(std::move(options), std::move(handler))) {}

  ~Impl() { Stop(); }

  std::string_view name() const { return core_->options.name; }

  absl::Status Start() {
    const ServerOptions& options = core_->options;
    ErrorCode ec;
    const net::ip::address address = net::ip::make_address(options.bind_address, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("bind address ", options.bind_address, ": ", ec.message()));
    }
    if (options.tls) {
      core_->tls.emplace(ssl::context::tls_server);
      absl::Status status = ConfigureTls(*core_->tls, *options.tls);
      if (!status.ok()) return status;
    }
    const tcp::endpoint endpoint(address, options.port);
    const std::string where = EndpointText(endpoint);
    acceptor_.emplace(net::make_strand(core_->io));
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec && address.is_v6()) acceptor_->set_option(net::ip::v6_only(false), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      acceptor_.reset();
      return absl::UnavailableError(absl::StrCat("listen on ", where, ": ", ec.message()));
    }
    port_.store(acceptor_->local_endpoint(ec).port());

    core_->workers = std::make_unique<WorkerPool>(options.name + "-w", options.worker_threads);
    work_.emplace(net::make_work_guard(core_->io));
    Accept();
    const int32_t io_threads = std::max<int32_t>(1, options.io_threads);
    for (int32_t i = 0; i < io_threads; ++i) {
      io_threads_.emplace_back([this, i] {
        SetCurrentThreadName(absl::StrCat(core_->options.name, "-io", i));
        RunIo();
      });
    }
    running_ = true;
    core_->log->info("serving {} on {}", options.tls ? "HTTPS" : "HTTP",
                     EndpointText(tcp::endpoint(address, port_.load())));
    return absl::OkStatus();
  }

  void Stop() {
    if (!running_) return;
    running_ = false;
    const ServerOptions& options = core_->options;
    net::post(acceptor_->get_executor(), [this] {
      ErrorCode ignored;
      acceptor_->close(ignored);
    });
    std::vector<std::shared_ptr<Connection>> open;
    {
      absl::MutexLock lock(&core_->mu);
      core_->stopping = true;
      for (auto& [id, weak] : core_->connections) {
        if (auto connection = weak.lock()) open.push_back(std::move(connection));
      }
    }
    for (auto& connection : open) connection->BeginShutdown();
    open.clear();
    if (!WaitForConnections(options.shutdown_grace_nanos)) {
      core_->log->warn("closing connections still open after the shutdown grace period");
      {
        absl::MutexLock lock(&core_->mu);
        for (auto& [id, weak] : core_->connections) {
          if (auto connection = weak.lock()) open.push_back(std::move(connection));
        }
      }
      for (auto& connection : open) connection->Abort();
      open.clear();
      if (!WaitForConnections(kForceCloseWaitNanos)) core_->io.stop();
    }
    // With every socket closed the loop runs out of work and the I/O threads return.
    work_.reset();
    for (std::thread& thread : io_threads_) thread.join();
    io_threads_.clear();
    acceptor_.reset();
    core_->workers->Shutdown();
    core_->log->info("stopped serving on port {}", port_.load());
  }

  uint16_t port() const { return port_.load(); }

  int64_t open_connections() const {
    absl::MutexLock lock(&core_->mu);
    return static_cast<int64_t>(core_->connections.size());
  }

 private:
  bool WaitForConnections(int64_t timeout_nanos) {
    absl::MutexLock lock(&core_->mu);
    Core* core = core_.get();
    return core_->mu.AwaitWithTimeout(
        absl::Condition(
            +[](Core* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu) { return c->connections.empty(); },
            core),
        absl::Nanoseconds(timeout_nanos));
  }

  void RunIo() {
    for (;;) {
      try {
        core_->io.run();
        return;
      } catch (const std::exception& e) {
        core_->log->error("I/O loop: {}", e.what());
      } catch (...) {
        core_->log->error("I/O loop: non-standard exception");
      }
    }
  }

  void Accept() {
    acceptor_->async_accept(
        net::make_strand(core_->io),
        [this](const ErrorCode& ec, tcp::socket socket) { OnAccept(ec, std::move(socket)); });
  }

  void OnAccept(const ErrorCode& ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
    if (ec) {
      // Out of file descriptors and the like: log, pause briefly, keep accepting.
      core_->log->warn("accept: {}", ec.message());
      retry_timer_.emplace(acceptor_->get_executor());
      retry_timer_->expires_after(std::chrono::milliseconds(100));
      retry_timer_->async_wait([this](const ErrorCode& timer_ec) {
        if (!timer_ec && acceptor_->is_open()) Accept();
      });
      return;
    }
    Accept();
    ErrorCode option_ec;
    socket.set_option(tcp::no_delay(true), option_ec);
    const tcp::endpoint peer = socket.remote_endpoint(option_ec);
    if (option_ec) return;  // already disconnected
    uint64_t id;
    {
      absl::MutexLock lock(&core_->mu);
      if (core_->stopping) return;
      id = core_->next_id++;
    }
    std::shared_ptr<Connection> connection;
    if (core_->tls) {
      connection = std::make_shared<StreamConnection<internal::TlsSocket>>(
          core_, id, EndpointText(peer), std::move(socket), core_->tls->native_handle());
    } else {
      connection = std::make_shared<StreamConnection<tcp::socket>>(core_, id, EndpointText(peer),
                                                                   std::move(socket));
    }
    core_->Register(id, connection);
    connection->Run();
  }

  std::shared_ptr<Core> core_;
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> retry_timer_;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work_;
  std::vector<std::thread> io_threads_;
  std::atomic<uint16_t> port_{0};
  bool running_ = false;
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

std::string_view Server::Name() const { return impl_->name(); }

absl::Status Server::Start(base::StopSignal& stop) {
  if (stop.stopped()) return absl::CancelledError("stop requested before start");
  try {
    return impl_->Start();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("start HTTP server: ", e.what()));
  }
}

void Server::Stop() {
  try {
    impl_->Stop();
  } catch (const std::exception& e) {
    base::Logger(impl_->name())->error("stop: {}", e.what());
  }
}

uint16_t Server::port() const { return impl_->port(); }

int64_t Server::open_connections() const { return impl_->open_connections(); }

}  // namespace k1s::http
