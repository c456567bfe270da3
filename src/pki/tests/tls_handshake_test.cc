// End-to-end check of the files EnsureServerPki writes: a real TLS server on 127.0.0.1 uses the
// serving certificate and requires client certificates from the client CA; curl and an
// in-process OpenSSL client connect with server-ca.crt and client-admin.crt/.key.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/subprocess.h"
#include "base/testing/fake_clock.h"
#include "pki/server_pki.h"
#include "pki/tests/test_util.h"

namespace k1s::pki {
namespace {

using testing::TempDir;

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;
using SslPtr = std::unique_ptr<SSL, SslFree>;

std::string DrainErrors() {
  std::string text;
  unsigned long error;  // NOLINT(runtime/int)
  while ((error = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    text += buffer;
    text += "; ";
  }
  return text;
}

// A one-thread HTTPS server answering every request with the client certificate's CN.
class TinyTlsServer {
 public:
  explicit TinyTlsServer(const ServerPkiFiles& files) {
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    EXPECT_TRUE(ctx_ != nullptr);
    EXPECT_EQ(SSL_CTX_use_certificate_chain_file(ctx_.get(), files.serving_cert.c_str()), 1)
        << DrainErrors();
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx_.get(), files.serving_key.c_str(), SSL_FILETYPE_PEM),
              1)
        << DrainErrors();
    EXPECT_EQ(SSL_CTX_load_verify_locations(ctx_.get(), files.client_ca_cert.c_str(), nullptr), 1)
        << DrainErrors();
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);

    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(listen_fd_, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    EXPECT_EQ(::listen(listen_fd_, 8), 0);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~TinyTlsServer() {
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  int handshakes() const { return handshakes_.load(); }

 private:
  void Serve() {
    while (!stop_) {
      pollfd entry{listen_fd_, POLLIN, 0};
      if (::poll(&entry, 1, 50) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      timeval timeout{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
      Handle(fd);
      ::close(fd);
    }
  }

  void Handle(int fd) {
    SslPtr ssl(SSL_new(ctx_.get()));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) != 1) {
      ERR_clear_error();
      return;
    }
    ++handshakes_;
    std::string request;
    char buffer[1024];
    while (request.find("\r\n\r\n") == std::string::npos) {
      const int count = SSL_read(ssl.get(), buffer, sizeof(buffer));
      if (count <= 0) break;
      request.append(buffer, static_cast<size_t>(count));
    }
    std::string user = "unknown";
    if (X509* peer = SSL_get0_peer_certificate(ssl.get())) {
      char name[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, name, sizeof(name));
      user = name;
    }
    const std::string response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " +
                                 std::to_string(user.size()) + "\r\nConnection: close\r\n\r\n" +
                                 user;
    SSL_write(ssl.get(), response.data(), static_cast<int>(response.size()));
    SSL_shutdown(ssl.get());
    ERR_clear_error();
  }

  SslCtxPtr ctx_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> handshakes_{0};
  std::thread thread_;
};

class TlsHandshakeTest : public ::testing::Test {
 protected:
  // A peer that hangs up mid-handshake must not kill the test process with SIGPIPE.
  // One PKI for the suite (the tests only read it); real time, since the TLS stacks check
  // validity against the system clock.
  static void SetUpTestSuite() {
    ::signal(SIGPIPE, SIG_IGN);
    dir_ = new TempDir();
    ServerPkiOptions options;
    options.data_dir = dir_->path();
    options.node_name = "node-1";
    options.node_ips = {"192.168.1.10"};
    options.discover_node_ips = false;
    auto pki = EnsureServerPki(options);
    ASSERT_TRUE(pki.ok()) << pki.status();
    files_ = new ServerPkiFiles(pki->files);
  }
  static void TearDownTestSuite() {
    delete files_;
    files_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(files_, nullptr);
    server_ = std::make_unique<TinyTlsServer>(*files_);
  }

  // Runs curl against https://<host>:<port>/ with the admin credentials.
  base::CommandResult Curl(const std::string& host, bool with_client_cert = true) {
    const std::string port = std::to_string(server_->port());
    std::vector<std::string> argv = {"curl", "-sS",      "--max-time",
                                     "10",   "--cacert", files_->server_ca_cert.string()};
    if (with_client_cert) {
      argv.insert(argv.end(), {"--cert", files_->ClientCert("admin").string(), "--key",
                               files_->ClientKey("admin").string()});
    }
    if (host != "127.0.0.1")
      argv.insert(argv.end(), {"--resolve", host + ":" + port + ":127.0.0.1"});
    argv.push_back("https://" + host + ":" + port + "/");
    auto result =
        base::RunCommand(argv, 20 * base::kNanosPerSecond, {"HOME=" + dir_->path().string()});
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : base::CommandResult{-1, result.status().ToString()};
  }

  // Handshakes with an in-process OpenSSL client that checks the server name `host`.
  bool OpenSslConnect(const std::string& host, std::string* peer_cn, std::string* error) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (SSL_CTX_load_verify_locations(ctx.get(), files_->server_ca_cert.c_str(), nullptr) != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx.get(), files_->ClientCert("admin").c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), files_->ClientKey("admin").c_str(),
                                    SSL_FILETYPE_PEM) != 1) {
      *error = DrainErrors();
      return false;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(server_->port()));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      ::close(fd);
      *error = "connect failed";
      return false;
    }
    SslPtr ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    unsigned char ip[16];
    if (inet_pton(AF_INET, host.c_str(), ip) == 1) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl.get(), host.c_str());
      SSL_set1_host(ssl.get(), host.c_str());
    }
    bool ok = SSL_connect(ssl.get()) == 1 && SSL_get_verify_result(ssl.get()) == X509_V_OK;
    if (ok) {
      const std::string request = "GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
      SSL_write(ssl.get(), request.data(), static_cast<int>(request.size()));
      std::string response;
      char buffer[1024];
      int count;
      while ((count = SSL_read(ssl.get(), buffer, sizeof(buffer))) > 0) {
        response.append(buffer, static_cast<size_t>(count));
      }
      const size_t body = response.find("\r\n\r\n");
      *peer_cn = body == std::string::npos ? "" : response.substr(body + 4);
    } else {
      *error = X509_verify_cert_error_string(SSL_get_verify_result(ssl.get())) +
               std::string(" / ") + DrainErrors();
    }
    ssl.reset();
    ::close(fd);
    return ok;
  }

  static TempDir* dir_;
  static ServerPkiFiles* files_;
  std::unique_ptr<TinyTlsServer> server_;
};

TempDir* TlsHandshakeTest::dir_ = nullptr;
ServerPkiFiles* TlsHandshakeTest::files_ = nullptr;

TEST_F(TlsHandshakeTest, CurlTrustsServerAndPresentsAdminCertificate) {
  if (!base::FindExecutable("curl")) GTEST_SKIP() << "curl not installed";
  for (const char* host : {"127.0.0.1", "localhost", "kubernetes.default.svc", "node-1"}) {
    base::CommandResult result = Curl(host);
    EXPECT_EQ(result.exit_code, 0) << host << ": " << result.output;
    EXPECT_EQ(result.output, "system:admin") << host;
  }
}

TEST_F(TlsHandshakeTest, CurlRejectsWrongHostnameAndServerRejectsAnonymousClient) {
  if (!base::FindExecutable("curl")) GTEST_SKIP() << "curl not installed";
  base::CommandResult wrong_host = Curl("wrong.example");
  EXPECT_NE(wrong_host.exit_code, 0) << wrong_host.output;
  base::CommandResult anonymous = Curl("127.0.0.1", /*with_client_cert=*/false);
  EXPECT_NE(anonymous.exit_code, 0) << anonymous.output;
  EXPECT_EQ(anonymous.output.find("system:admin"), std::string::npos);
}

TEST_F(TlsHandshakeTest, OpenSslClientVerifiesIpAndHostname) {
  for (const char* host : {"127.0.0.1", "localhost"}) {
    std::string cn;
    std::string error;
    EXPECT_TRUE(OpenSslConnect(host, &cn, &error)) << host << ": " << error;
    EXPECT_EQ(cn, "system:admin");
  }
  std::string cn;
  std::string error;
  EXPECT_FALSE(OpenSslConnect("wrong.example", &cn, &error));
  EXPECT_FALSE(OpenSslConnect("10.9.9.9", &cn, &error));
  EXPECT_GE(server_->handshakes(), 2);
}

}  // namespace
}  // namespace k1s::pki
