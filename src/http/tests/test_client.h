#pragma once
// Test helpers for the http server tests: test certificates made with k1s::pki (a server CA
// with a serving certificate, a client CA with a client certificate, a rogue one), a blocking
// raw client (plain TCP or OpenSSL) that sends bytes and reads responses with deadlines so tests
// see exactly what goes over the wire, and a TestServer wrapper.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/testing/temp_dir.h"
#include "http/request.h"
#include "pki/certificate.h"
#include "pki/issue.h"
#include "pki/key.h"

namespace k1s::http::testing {

using base::TempDir;

inline bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

// Files of a test PKI: a server CA with a serving cert for 127.0.0.1/localhost, a client CA with
// a client cert "alice" in groups "system:masters" and "dev", and a client cert from an
// unrelated CA ("mallory").
struct TestPki {
  std::string server_ca;
  std::string server_cert;
  std::string server_key;
  std::string client_ca;
  std::string alice_cert;
  std::string alice_key;
  std::string mallory_cert;
  std::string mallory_key;
};

namespace internal {

inline absl::Status WriteLeaf(const pki::CertificateSpec& spec, const pki::Certificate& ca,
                              const pki::PrivateKey& ca_key, const std::string& cert_path,
                              const std::string& key_path) {
  auto key = pki::PrivateKey::GenerateEcdsaP256();
  if (!key.ok()) return key.status();
  auto cert = pki::IssueCertificate(spec, *key, ca, ca_key);
  if (!cert.ok()) return cert.status();
  auto cert_pem = cert->ToPem();
  auto key_pem = key->ToPem();
  if (!cert_pem.ok()) return cert_pem.status();
  if (!key_pem.ok()) return key_pem.status();
  if (!WriteText(cert_path, *cert_pem) || !WriteText(key_path, *key_pem)) {
    return absl::InternalError("write " + cert_path);
  }
  return absl::OkStatus();
}

struct Ca {
  pki::PrivateKey key;
  pki::Certificate cert;
};

inline absl::StatusOr<Ca> MakeCa(const std::string& name, const std::string& path) {
  auto key = pki::PrivateKey::GenerateEcdsaP256();
  if (!key.ok()) return key.status();
  auto cert = pki::CreateSelfSignedCa(*key, name, static_cast<int64_t>(time(nullptr)), 86400);
  if (!cert.ok()) return cert.status();
  auto pem = cert->ToPem();
  if (!pem.ok()) return pem.status();
  if (!WriteText(path, *pem)) return absl::InternalError("write " + path);
  return Ca{std::move(*key), std::move(*cert)};
}

}  // namespace internal

inline absl::StatusOr<TestPki> MakeTestPki(const TempDir& dir) {
  TestPki files;
  files.server_ca = dir.File("server-ca.crt");
  files.server_cert = dir.File("serving.crt");
  files.server_key = dir.File("serving.key");
  files.client_ca = dir.File("client-ca.crt");
  files.alice_cert = dir.File("alice.crt");
  files.alice_key = dir.File("alice.key");
  files.mallory_cert = dir.File("mallory.crt");
  files.mallory_key = dir.File("mallory.key");
  const int64_t now = static_cast<int64_t>(time(nullptr));

  auto server_ca = internal::MakeCa("k1s-test-server-ca", files.server_ca);
  if (!server_ca.ok()) return server_ca.status();
  auto client_ca = internal::MakeCa("k1s-test-client-ca", files.client_ca);
  if (!client_ca.ok()) return client_ca.status();
  auto rogue_ca = internal::MakeCa("k1s-test-rogue-ca", dir.File("rogue-ca.crt"));
  if (!rogue_ca.ok()) return rogue_ca.status();

  pki::CertificateSpec serving;
  serving.common_name = "k1s-test-serving";
  serving.dns_names = {"localhost"};
  serving.ip_addresses = {"127.0.0.1"};
  serving.usages = {pki::ExtendedKeyUsage::kServerAuth};
  serving.now = now;
  serving.lifetime_seconds = 86400;
  absl::Status status = internal::WriteLeaf(serving, server_ca->cert, server_ca->key,
                                            files.server_cert, files.server_key);
  if (!status.ok()) return status;

  pki::CertificateSpec alice;
  alice.common_name = "alice";
  alice.organizations = {"system:masters", "dev"};
  alice.usages = {pki::ExtendedKeyUsage::kClientAuth};
  alice.now = now;
  alice.lifetime_seconds = 86400;
  status = internal::WriteLeaf(alice, client_ca->cert, client_ca->key, files.alice_cert,
                               files.alice_key);
  if (!status.ok()) return status;

  pki::CertificateSpec mallory = alice;
  mallory.common_name = "mallory";
  status = internal::WriteLeaf(mallory, rogue_ca->cert, rogue_ca->key, files.mallory_cert,
                               files.mallory_key);
  if (!status.ok()) return status;
  return files;
}

struct TlsClientConfig {
  std::string ca_file;
  std::string cert_file;  // client certificate, optional
  std::string key_file;
  int min_version = TLS1_2_VERSION;
  int max_version = 0;      // 0 = highest
  std::string cipher_list;  // TLS <= 1.2 suites; "" = OpenSSL default
  // When set, used instead of a context built from the fields above (many clients, one ctx).
  SSL_CTX* shared_context = nullptr;
};

// A parsed response. `body` is de-chunked; `raw_body` is what came over the wire.
struct Response {
  int status = 0;
  Headers headers;
  std::string body;
  std::string raw_body;
};

inline int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Blocks SIGPIPE on this thread while OpenSSL writes to a socket whose peer may be gone (its
// socket BIO uses write(), not send(MSG_NOSIGNAL)); a SIGPIPE raised meanwhile is discarded.
class ScopedNoSigpipe {
 public:
  ScopedNoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~ScopedNoSigpipe() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{0, 0};
        sigtimedwait(&pipe_, nullptr, &zero);
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  ScopedNoSigpipe(const ScopedNoSigpipe&) = delete;
  ScopedNoSigpipe& operator=(const ScopedNoSigpipe&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

// A blocking client over one TCP connection, plain or TLS. Not thread-safe.
class RawClient {
 public:
  static absl::StatusOr<std::unique_ptr<RawClient>> Connect(
      uint16_t port, const std::optional<TlsClientConfig>& tls = std::nullopt) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return absl::InternalError("socket");
    std::unique_ptr<RawClient> client(new RawClient(fd));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      return absl::UnavailableError(absl::StrCat("connect: ", strerror(errno)));
    }
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (tls) {
      absl::Status status = client->Handshake(*tls);
      if (!status.ok()) return status;
    }
    return client;
  }

  ~RawClient() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  int fd() const { return fd_; }
  SSL* ssl() const { return ssl_; }

  bool Send(std::string_view data) {
    ScopedNoSigpipe no_sigpipe;
    while (!data.empty()) {
      const int written =
          ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                          : static_cast<int>(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL));
      if (written <= 0) return false;
      data.remove_prefix(static_cast<size_t>(written));
    }
    return true;
  }

  // Reads whatever arrives within `timeout_ms`; returns false on EOF/error (eof() then says
  // which) or when nothing came in time.
  bool ReadSome(int64_t timeout_ms) {
    if (eof_) return false;
    if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
      pollfd poll_fd{fd_, POLLIN, 0};
      if (poll(&poll_fd, 1, static_cast<int>(timeout_ms)) <= 0) return false;
    }
    char chunk[16384];
    ScopedNoSigpipe no_sigpipe;
    const int count = ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof(chunk))
                                      : static_cast<int>(::recv(fd_, chunk, sizeof(chunk), 0));
    if (count <= 0) {
      eof_ = true;
      return false;
    }
    data_.append(chunk, static_cast<size_t>(count));
    return true;
  }

  // Reads until `data()` contains `needle` or the deadline passes.
  bool ReadUntil(std::string_view needle, int64_t timeout_ms = 5000) {
    const int64_t deadline = NowMillis() + timeout_ms;
    while (data_.find(needle) == std::string::npos) {
      const int64_t left = deadline - NowMillis();
      if (left <= 0 || !ReadSome(left)) return data_.find(needle) != std::string::npos;
    }
    return true;
  }

  // Reads until the peer closes the connection; true if it did within the deadline.
  bool ReadUntilClosed(int64_t timeout_ms = 5000) {
    const int64_t deadline = NowMillis() + timeout_ms;
    while (!eof_) {
      const int64_t left = deadline - NowMillis();
      if (left <= 0) return false;
      ReadSome(left);
    }
    return true;
  }

  // Reads one complete response (Content-Length, chunked, or until close) and removes it from
  // the buffer.
  std::optional<Response> ReadResponse(int64_t timeout_ms = 5000) {
    const int64_t deadline = NowMillis() + timeout_ms;
    auto more = [&] {
      const int64_t left = deadline - NowMillis();
      return left > 0 && ReadSome(left);
    };
    size_t header_end;
    while ((header_end = data_.find("\r\n\r\n")) == std::string::npos) {
      if (!more()) return std::nullopt;
    }
    Response response;
    const std::string head = data_.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) return std::nullopt;
    response.status = std::atoi(status_line.substr(9, 3).c_str());
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line =
          head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      size_t value_start = colon + 1;
      while (value_start < line.size() && line[value_start] == ' ') ++value_start;
      response.headers.Add(line.substr(0, colon), line.substr(value_start));
    }
    size_t position = header_end + 4;
    if (response.status < 200 && response.status >= 100) {
      data_.erase(0, position);
      return ReadResponse(deadline - NowMillis());
    }
    const auto content_length = response.headers.Get("Content-Length");
    const auto transfer_encoding = response.headers.Get("Transfer-Encoding");
    if (transfer_encoding && *transfer_encoding == "chunked") {
      for (;;) {
        size_t size_end;
        while ((size_end = data_.find("\r\n", position)) == std::string::npos) {
          if (!more()) return std::nullopt;
        }
        const size_t size = std::stoul(data_.substr(position, size_end - position), nullptr, 16);
        while (data_.size() < size_end + 2 + size + 2) {
          if (!more()) return std::nullopt;
        }
        response.body += data_.substr(size_end + 2, size);
        position = size_end + 2 + size + 2;
        if (size == 0) break;
      }
      response.raw_body = data_.substr(header_end + 4, position - header_end - 4);
    } else if (content_length) {
      const size_t length = std::stoul(*content_length);
      while (data_.size() < position + length) {
        if (!more()) return std::nullopt;
      }
      response.body = data_.substr(position, length);
      response.raw_body = response.body;
      position += length;
    } else if (response.status != 204 && response.status != 304) {
      while (!eof_) {
        if (!more() && !eof_) return std::nullopt;
      }
      response.body = data_.substr(position);
      response.raw_body = response.body;
      position = data_.size();
    }
    data_.erase(0, position);
    return response;
  }

  const std::string& data() const { return data_; }
  void ClearData() { data_.clear(); }
  bool eof() const { return eof_; }

 private:
  explicit RawClient(int fd) : fd_(fd) {}

  absl::Status Handshake(const TlsClientConfig& config) {
    if (config.shared_context != nullptr) {
      SSL_CTX_up_ref(config.shared_context);
      ctx_ = config.shared_context;
      return TlsConnect();
    }
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) return absl::InternalError("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx_, config.min_version);
    if (config.max_version != 0) SSL_CTX_set_max_proto_version(ctx_, config.max_version);
    if (!config.cipher_list.empty() &&
        SSL_CTX_set_cipher_list(ctx_, config.cipher_list.c_str()) != 1) {
      return absl::InternalError("cipher list");
    }
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx_, config.ca_file.c_str(), nullptr) != 1) {
      return absl::InternalError("load CA");
    }
    if (!config.cert_file.empty() &&
        (SSL_CTX_use_certificate_chain_file(ctx_, config.cert_file.c_str()) != 1 ||
         SSL_CTX_use_PrivateKey_file(ctx_, config.key_file.c_str(), SSL_FILETYPE_PEM) != 1)) {
      return absl::InternalError("load client certificate");
    }
    return TlsConnect();
  }

  absl::Status TlsConnect() {
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    SSL_set1_host(ssl_, "localhost");
    ScopedNoSigpipe no_sigpipe;
    if (SSL_connect(ssl_) != 1) {
      std::string errors;
      unsigned long error;  // NOLINT(runtime/int)
      while ((error = ERR_get_error()) != 0) {
        char text[256];
        ERR_error_string_n(error, text, sizeof(text));
        absl::StrAppend(&errors, text, "; ");
      }
      return absl::UnavailableError("TLS handshake failed: " + errors);
    }
    return absl::OkStatus();
  }

  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string data_;
  bool eof_ = false;
};

}  // namespace k1s::http::testing

#include <nlohmann/json.hpp>

#include "base/stop_signal.h"
#include "http/server.h"

namespace k1s::http::testing {

// A started server on 127.0.0.1, port 0; stopped (if still running) on destruction.
class TestServer {
 public:
  TestServer(ServerOptions options, Handler handler) {
    options.bind_address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(std::move(options), std::move(handler));
    start_status_ = server_->Start(stop_);
  }
  ~TestServer() { Stop(); }

  void Stop() {
    if (start_status_.ok() && !stopped_) {
      stopped_ = true;
      server_->Stop();
    }
  }

  const absl::Status& start_status() const { return start_status_; }
  uint16_t port() const { return server_->port(); }
  Server& server() { return *server_; }
  std::string Url(const std::string& path, bool tls) const {
    return absl::StrCat(tls ? "https" : "http", "://127.0.0.1:", server_->port(), path);
  }

 private:
  base::StopSignal stop_;
  std::unique_ptr<Server> server_;
  absl::Status start_status_;
  bool stopped_ = false;
};

// Answers every request with a JSON description of what arrived.
inline void EchoHandler(Request request, std::shared_ptr<ResponseWriter> writer) {
  nlohmann::json echo;
  echo["method"] = request.method;
  echo["target"] = request.target;
  echo["path"] = request.path;
  echo["raw_query"] = request.raw_query;
  echo["version"] = request.version;
  echo["body_size"] = request.body.size();
  echo["body"] = request.body.size() <= 1024 ? request.body : std::string();
  echo["remote"] = request.remote_address;
  echo["tls"] = request.tls;
  echo["user_agent"] = request.headers.Get("user-agent").value_or("");
  echo["x_test"] = request.headers.Get("X-TEST").value_or("");
  echo["q"] = request.Query("q").value_or("<none>");
  if (request.identity) {
    echo["cn"] = request.identity->common_name;
    echo["groups"] = request.identity->organizations;
  } else {
    echo["cn"] = nullptr;
  }
  writer->Respond(200, Headers{{"Content-Type", "application/json"}}, echo.dump());
}

}  // namespace k1s::http::testing
