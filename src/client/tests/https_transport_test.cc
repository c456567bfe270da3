#include "client/https_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/errors.h"
#include "base/testing/free_port.h"
#include "base/testing/temp_dir.h"
#include "client/client.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"
#include "pki/kubeconfig.h"

namespace k1s::client {
namespace {

using nlohmann::json;
using testing::TestCluster;

std::unique_ptr<HttpsTransport> MakeTransport(const HttpsOptions& options) {
  absl::StatusOr<std::unique_ptr<HttpsTransport>> transport = HttpsTransport::Create(options);
  EXPECT_TRUE(transport.ok()) << transport.status();
  return transport.ok() ? *std::move(transport) : nullptr;
}

json ConfigMap(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"data", {{"key", "value"}}}};
}

// Reads lines until one contains `text` (or the stream ends or 5 s pass).
bool NextLineContaining(WatchStream& stream, const std::string& text) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    absl::StatusOr<std::optional<std::string>> line = stream.Next(std::chrono::milliseconds(100));
    if (!line.ok()) return false;
    if (line->has_value() && (*line)->find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(HttpsTransportTest, ClientCertificateRequestsRoundTrip) {
  TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  std::unique_ptr<HttpsTransport> transport = MakeTransport(cluster.AdminHttps());
  ASSERT_NE(transport, nullptr);

  HttpRequest create;
  create.method = "POST";
  create.path = "/api/v1/namespaces/default/configmaps";
  create.body = ConfigMap("over-https").dump();
  create.content_type = "application/json";
  absl::StatusOr<HttpResponse> created = transport->Do(create);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->status, 201) << created->body;

  // Many requests in a row reuse pooled handles; each answer is complete and correct.
  for (int i = 0; i < 20; ++i) {
    HttpRequest get;
    get.path = "/api/v1/namespaces/default/configmaps/over-https";
    absl::StatusOr<HttpResponse> got = transport->Do(get);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->status, 200) << got->body;
    EXPECT_EQ(json::parse(got->body)["data"]["key"], "value");
  }

  HttpRequest remove;
  remove.method = "DELETE";
  remove.path = "/api/v1/namespaces/default/configmaps/over-https";
  absl::StatusOr<HttpResponse> removed = transport->Do(remove);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->status, 200) << removed->body;

  HttpRequest missing;
  missing.path = "/api/v1/namespaces/default/configmaps/over-https";
  absl::StatusOr<HttpResponse> gone = transport->Do(missing);
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->status, 404);
}

TEST(HttpsTransportTest, WorksUnderTheClient) {
  TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  std::shared_ptr<Transport> transport = MakeTransport(cluster.AdminHttps());
  ASSERT_NE(transport, nullptr);
  Client client(transport, "https-test");
  ASSERT_TRUE(client.Create(resources::ConfigMaps(), "default", ConfigMap("typed")).ok());
  absl::StatusOr<json> got = client.Get(resources::ConfigMaps(), "default", "typed");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)["metadata"]["name"], "typed");
  absl::StatusOr<json> missing = client.Get(resources::ConfigMaps(), "default", "nope");
  EXPECT_TRUE(api::IsNotFound(missing.status())) << missing.status();
}

TEST(HttpsTransportTest, WatchStreamsEventsAndCancelsPromptly) {
  TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  std::unique_ptr<HttpsTransport> transport = MakeTransport(cluster.AdminHttps());
  ASSERT_NE(transport, nullptr);
  HttpRequest request;
  request.path = "/api/v1/namespaces/default/configmaps";
  request.query = "watch=true";
  absl::StatusOr<std::unique_ptr<WatchStream>> stream = transport->Watch(request);
  ASSERT_TRUE(stream.ok()) << stream.status();

  Client admin = cluster.Admin();
  ASSERT_TRUE(admin.Create(resources::ConfigMaps(), "default", ConfigMap("first")).ok());
  ASSERT_TRUE(admin.Create(resources::ConfigMaps(), "default", ConfigMap("second")).ok());
  EXPECT_TRUE(NextLineContaining(**stream, "\"first\""));
  EXPECT_TRUE(NextLineContaining(**stream, "\"second\""));

  // A Next blocked with a long timeout returns soon after Cancel from another thread.
  const auto started = std::chrono::steady_clock::now();
  std::thread canceller([&stream] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*stream)->Cancel();
  });
  absl::StatusOr<std::optional<std::string>> ended = (*stream)->Next(std::chrono::seconds(10));
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_TRUE(absl::IsOutOfRange(ended.status())) << ended.status();
}

TEST(HttpsTransportTest, WatchEndsCleanlyWhenTheServerClosesIt) {
  TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  std::unique_ptr<HttpsTransport> transport = MakeTransport(cluster.AdminHttps());
  ASSERT_NE(transport, nullptr);
  HttpRequest request;
  request.path = "/api/v1/namespaces/default/configmaps";
  request.query = "watch=true&timeoutSeconds=1";
  absl::StatusOr<std::unique_ptr<WatchStream>> stream = transport->Watch(request);
  ASSERT_TRUE(stream.ok()) << stream.status();
  absl::StatusOr<std::optional<std::string>> line = std::optional<std::string>();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (line.ok() && std::chrono::steady_clock::now() < deadline) {
    line = (*stream)->Next(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(absl::IsOutOfRange(line.status())) << line.status();
}

TEST(HttpsTransportTest, WatchErrorAnswerBecomesTheStatus) {
  TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  std::unique_ptr<HttpsTransport> transport = MakeTransport(cluster.AdminHttps());
  ASSERT_NE(transport, nullptr);
  HttpRequest request;
  request.path = "/api/v1/namespaces/default/nosuchthings";
  request.query = "watch=true";
  absl::StatusOr<std::unique_ptr<WatchStream>> stream = transport->Watch(request);
  EXPECT_TRUE(api::IsNotFound(stream.status())) << stream.status();
}

TEST(HttpsTransportTest, BearerTokenAuthenticates) {
  TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  Client admin = cluster.Admin();
  json account = {{"apiVersion", "v1"},
                  {"kind", "ServiceAccount"},
                  {"metadata", {{"name", "robot"}, {"namespace", "default"}}}};
  ASSERT_TRUE(admin.Create(resources::ServiceAccounts(), "default", account).ok());
  json token_request = {{"apiVersion", "authentication.k8s.io/v1"},
                        {"kind", "TokenRequest"},
                        {"spec", {{"audiences", json::array()}}}};
  absl::StatusOr<json> issued =
      admin.Create(resources::ServiceAccounts(), "default", token_request, {}, "robot", "token");
  ASSERT_TRUE(issued.ok()) << issued.status();
  const std::string token = (*issued)["status"].value("token", "");
  ASSERT_FALSE(token.empty());

  HttpsOptions options = cluster.AdminHttps();
  options.client_cert_pem.clear();
  options.client_key_pem.clear();
  options.bearer_token = token;
  std::unique_ptr<HttpsTransport> transport = MakeTransport(options);
  ASSERT_NE(transport, nullptr);
  HttpRequest request;
  request.path = "/api/v1/namespaces/default/secrets";
  absl::StatusOr<HttpResponse> response = transport->Do(request);
  ASSERT_TRUE(response.ok()) << response.status();
  // Authenticated as the service account, which RBAC does not let list secrets.
  EXPECT_EQ(response->status, 403) << response->body;
  EXPECT_NE(response->body.find("system:serviceaccount:default:robot"), std::string::npos)
      << response->body;

  options.bearer_token = "not-a-token";
  std::unique_ptr<HttpsTransport> bogus = MakeTransport(options);
  ASSERT_NE(bogus, nullptr);
  absl::StatusOr<HttpResponse> refused = bogus->Do(request);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 401) << refused->body;
}

TEST(HttpsTransportTest, FromKubeconfigFileUsesItsCertificateUser) {
  TestCluster cluster;
  ASSERT_TRUE(cluster.ok());
  const HttpsOptions admin = cluster.AdminHttps();
  base::TempDir dir;
  pki::Kubeconfig config{admin.server_url, admin.ca_pem, admin.client_cert_pem,
                         admin.client_key_pem};
  ASSERT_TRUE(pki::WriteKubeconfig(dir.File("k1s.yaml"), config).ok());
  absl::StatusOr<std::unique_ptr<HttpsTransport>> transport =
      HttpsTransport::FromKubeconfigFile(dir.File("k1s.yaml"), "k1s-test");
  ASSERT_TRUE(transport.ok()) << transport.status();
  HttpRequest request;
  request.path = "/api/v1/namespaces/default/configmaps";
  absl::StatusOr<HttpResponse> response = (*transport)->Do(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200) << response->body;

  EXPECT_FALSE(HttpsTransport::FromKubeconfigFile(dir.File("missing.yaml")).ok());
}

TEST(HttpsTransportTest, UnreachableServerIsUnavailable) {
  HttpsOptions options;
  options.server_url = "https://127.0.0.1:" + std::to_string(base::FreePort());
  std::unique_ptr<HttpsTransport> transport = MakeTransport(options);
  ASSERT_NE(transport, nullptr);
  HttpRequest request;
  request.path = "/version";
  absl::StatusOr<HttpResponse> response = transport->Do(request);
  EXPECT_TRUE(absl::IsUnavailable(response.status())) << response.status();
  EXPECT_NE(response.status().message().find("127.0.0.1"), absl::string_view::npos);
  request.query = "watch=true";
  EXPECT_TRUE(absl::IsUnavailable(transport->Watch(request).status()));
}

TEST(HttpsTransportTest, CreateRejectsBadOptions) {
  HttpsOptions options;
  options.server_url = "127.0.0.1:6443";
  EXPECT_TRUE(absl::IsInvalidArgument(HttpsTransport::Create(options).status()));
  options.server_url = "https://127.0.0.1:6443";
  options.client_cert_pem = "cert without key";
  EXPECT_TRUE(absl::IsInvalidArgument(HttpsTransport::Create(options).status()));
}

}  // namespace
}  // namespace k1s::client
