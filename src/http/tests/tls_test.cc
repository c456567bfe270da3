// HTTPS behaviour of http::Server: protocol versions and ciphers, client-certificate identity,
// with curl and with a raw OpenSSL client. Certificates come from k1s::pki.

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "base/clock.h"
#include "base/subprocess.h"
#include "http/server.h"
#include "http/tests/test_client.h"

namespace k1s::http {
namespace {

using testing::EchoHandler;
using testing::RawClient;
using testing::TestServer;
using testing::TlsClientConfig;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pki = testing::MakeTestPki(dir_);
    ASSERT_TRUE(pki.ok()) << pki.status();
    pki_ = *pki;
  }

  ServerOptions Options(bool client_ca) const {
    ServerOptions options;
    options.name = "https-test";
    options.io_threads = 1;
    options.worker_threads = 2;
    options.tls = TlsFiles{pki_.server_cert, pki_.server_key, client_ca ? pki_.client_ca : ""};
    return options;
  }

  // curl against the server; returns exit code and output.
  base::CommandResult Curl(const TestServer& server, std::vector<std::string> extra) {
    std::vector<std::string> argv = {"curl", "-sS", "--cacert", pki_.server_ca};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(server.Url("/who", true));
    auto result = base::RunCommand(argv, 20 * base::kNanosPerSecond);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : base::CommandResult{-1, ""};
  }

  TlsClientConfig ClientConfig() const {
    TlsClientConfig config;
    config.ca_file = pki_.server_ca;
    return config;
  }

  testing::TempDir dir_;
  testing::TestPki pki_;
};

TEST_F(TlsTest, AcceptsTls12And13AndRejectsOlderVersions) {
  std::atomic<int> calls{0};
  TestServer server(Options(false), [&](Request request, std::shared_ptr<ResponseWriter> writer) {
    ++calls;
    EchoHandler(std::move(request), std::move(writer));
  });
  ASSERT_TRUE(server.start_status().ok()) << server.start_status();

  auto tls12 = Curl(server, {"--tlsv1.2", "--tls-max", "1.2"});
  EXPECT_EQ(tls12.exit_code, 0) << tls12.output;
  EXPECT_NE(tls12.output.find("\"tls\":true"), std::string::npos) << tls12.output;
  auto tls13 = Curl(server, {"--tlsv1.3"});
  EXPECT_EQ(tls13.exit_code, 0) << tls13.output;
  auto tls11 = Curl(server, {"--tlsv1.1", "--tls-max", "1.1"});
  EXPECT_NE(tls11.exit_code, 0) << tls11.output;
  EXPECT_EQ(calls.load(), 2);

  // A raw client that really offers TLS 1.1 (security level 0 lets OpenSSL 3 send it): the
  // server refuses the protocol version.
  TlsClientConfig old_client = ClientConfig();
  old_client.min_version = TLS1_VERSION;
  old_client.max_version = TLS1_1_VERSION;
  old_client.cipher_list = "DEFAULT:@SECLEVEL=0";
  auto refused = RawClient::Connect(server.port(), old_client);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(std::string(refused.status().message()).find("protocol version"), std::string::npos)
      << refused.status();

  // TLS 1.2 negotiates forward-secret AEAD suites only; CBC or static-RSA suites are refused.
  TlsClientConfig tls12_client = ClientConfig();
  tls12_client.max_version = TLS1_2_VERSION;
  auto modern = RawClient::Connect(server.port(), tls12_client);
  ASSERT_TRUE(modern.ok()) << modern.status();
  const std::string cipher = SSL_get_cipher_name((*modern)->ssl());
  EXPECT_EQ(cipher.rfind("ECDHE-", 0), 0u) << cipher;
  EXPECT_TRUE(cipher.find("GCM") != std::string::npos || cipher.find("CHACHA") != std::string::npos)
      << cipher;
  EXPECT_EQ(std::string(SSL_get_version((*modern)->ssl())), "TLSv1.2");

  TlsClientConfig cbc_client = tls12_client;
  cbc_client.cipher_list = "ECDHE-ECDSA-AES128-SHA:AES128-GCM-SHA256:AES256-SHA256";
  EXPECT_FALSE(RawClient::Connect(server.port(), cbc_client).ok());

  auto tls13_client = RawClient::Connect(server.port(), ClientConfig());
  ASSERT_TRUE(tls13_client.ok());
  EXPECT_EQ(std::string(SSL_get_version((*tls13_client)->ssl())), "TLSv1.3");
}

TEST_F(TlsTest, VerifiedClientCertificateBecomesTheIdentity) {
  TestServer server(Options(true), EchoHandler);
  ASSERT_TRUE(server.start_status().ok()) << server.start_status();

  auto alice = Curl(server, {"--cert", pki_.alice_cert, "--key", pki_.alice_key});
  EXPECT_EQ(alice.exit_code, 0) << alice.output;
  auto echo = nlohmann::json::parse(alice.output, nullptr, false);
  EXPECT_EQ(echo["cn"], "alice") << alice.output;
  EXPECT_EQ(echo["groups"], (nlohmann::json{"system:masters", "dev"})) << alice.output;

  // The identity belongs to the connection: every request on it carries it.
  TlsClientConfig config = ClientConfig();
  config.cert_file = pki_.alice_cert;
  config.key_file = pki_.alice_key;
  for (int version : {TLS1_2_VERSION, TLS1_3_VERSION}) {
    config.max_version = version;
    auto client = RawClient::Connect(server.port(), config);
    ASSERT_TRUE(client.ok()) << client.status();
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE((*client)->Send("GET /again HTTP/1.1\r\nHost: localhost\r\n\r\n"));
      auto response = (*client)->ReadResponse();
      ASSERT_TRUE(response.has_value());
      auto again = nlohmann::json::parse(response->body);
      EXPECT_EQ(again["cn"], "alice");
      EXPECT_EQ(again["groups"].size(), 2u);
    }
  }
}

TEST_F(TlsTest, NoClientCertificateMeansNoIdentity) {
  TestServer server(Options(true), EchoHandler);
  ASSERT_TRUE(server.start_status().ok());
  auto anonymous = Curl(server, {});
  EXPECT_EQ(anonymous.exit_code, 0) << anonymous.output;
  auto echo = nlohmann::json::parse(anonymous.output, nullptr, false);
  EXPECT_TRUE(echo["cn"].is_null()) << anonymous.output;

  // Without a client CA configured, even a presented certificate is not an identity.
  TestServer no_ca(Options(false), EchoHandler);
  ASSERT_TRUE(no_ca.start_status().ok());
  auto ignored = Curl(no_ca, {"--cert", pki_.alice_cert, "--key", pki_.alice_key});
  EXPECT_EQ(ignored.exit_code, 0) << ignored.output;
  EXPECT_TRUE(nlohmann::json::parse(ignored.output, nullptr, false)["cn"].is_null())
      << ignored.output;
}

// As kube-apiserver does, a certificate that does not verify does not fail the handshake: the
// request arrives without an identity and the handler answers 401.
TEST_F(TlsTest, ClientCertificateFromAnUnknownCaGivesNoIdentity) {
  std::atomic<int> calls{0};
  TestServer server(Options(true), [&](Request request, std::shared_ptr<ResponseWriter> writer) {
    ++calls;
    EchoHandler(std::move(request), std::move(writer));
  });
  ASSERT_TRUE(server.start_status().ok());
  auto mallory = Curl(server, {"--cert", pki_.mallory_cert, "--key", pki_.mallory_key});
  EXPECT_EQ(mallory.exit_code, 0) << mallory.output;
  EXPECT_TRUE(nlohmann::json::parse(mallory.output, nullptr, false)["cn"].is_null())
      << mallory.output;
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(TlsTest, FinalResponsesArriveIntactBeforeTheConnectionCloses) {
  TestServer server(Options(true), EchoHandler);
  ASSERT_TRUE(server.start_status().ok());
  auto closing =
      Curl(server, {"-H", "Connection: close", "--cert", pki_.alice_cert, "--key", pki_.alice_key});
  EXPECT_EQ(closing.exit_code, 0) << closing.output;
  EXPECT_NE(closing.output.find("\"cn\":\"alice\""), std::string::npos) << closing.output;

  ASSERT_TRUE(testing::WriteText(dir_.File("big"), std::string(4 * 1024 * 1024, 'b')));
  auto too_big = Curl(server, {"-w", "\n%{http_code}", "--data-binary", "@" + dir_.File("big")});
  EXPECT_EQ(too_big.exit_code, 0) << too_big.output;
  EXPECT_NE(too_big.output.find("\"code\":413}\n413"), std::string::npos) << too_big.output;

  // Without Expect: 100-continue: part of the body is already on its way when the 413 comes
  // back; the server drains it instead of resetting the connection.
  auto client = RawClient::Connect(server.port(), ClientConfig());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(
      (*client)->Send(absl::StrCat("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4194304\r\n\r\n",
                                   std::string(256 * 1024, 'b'))));
  auto response = (*client)->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
}

TEST_F(TlsTest, ClientsVanishingMidStreamDoNotHurtTheServer) {
  // The test process does not ignore SIGPIPE: a server write to a dead peer that raised it would
  // end the test binary here.
  std::atomic<int> closed{0};
  std::atomic<bool> stop_writers{false};
  std::vector<std::thread> writers;
  absl::Mutex mu;
  TestServer server(Options(true), [&](Request, std::shared_ptr<ResponseWriter> writer) {
    writer->OnClose([&] { ++closed; });
    writer->StartStream(200, {});
    absl::MutexLock lock(&mu);
    writers.emplace_back([writer, &stop_writers] {
      while (!stop_writers && writer->WriteChunk(std::string(1024, 'w'))) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  });
  ASSERT_TRUE(server.start_status().ok());
  TlsClientConfig config = ClientConfig();
  config.cert_file = pki_.alice_cert;
  config.key_file = pki_.alice_key;
  constexpr int kClients = 20;
  for (int i = 0; i < kClients; ++i) {
    auto client = RawClient::Connect(server.port(), config);
    ASSERT_TRUE(client.ok()) << client.status();
    ASSERT_TRUE((*client)->Send("GET /watch HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    ASSERT_TRUE((*client)->ReadUntil("wwww"));
    // Closing with unread data makes the kernel answer further writes with a reset.
  }
  for (int i = 0; i < 500 && closed.load() < kClients; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(closed.load(), kClients);
  stop_writers = true;
  absl::MutexLock lock(&mu);
  for (std::thread& thread : writers) thread.join();
}

TEST_F(TlsTest, PlainHttpToTheTlsPortIsDropped) {
  TestServer server(Options(false), EchoHandler);
  ASSERT_TRUE(server.start_status().ok());
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  EXPECT_TRUE((*client)->ReadUntilClosed());
  EXPECT_EQ((*client)->data().find("HTTP/1.1 200"), std::string::npos);
}

}  // namespace
}  // namespace k1s::http
