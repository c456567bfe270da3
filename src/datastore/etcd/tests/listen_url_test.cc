#include "datastore/etcd/listen_url.h"

#include <gtest/gtest.h>

namespace k1s::datastore::etcd {
namespace {

TEST(ListenUrlTest, ParsesHttpLoopback) {
  auto url = ParseListenUrl("http://127.0.0.1:2379");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, ListenUrl::Scheme::kHttp);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 2379);
  EXPECT_TRUE(url->loopback);
  EXPECT_EQ(url->GrpcAddress(), "127.0.0.1:2379");
  EXPECT_EQ(url->ToString(40000), "http://127.0.0.1:40000");
}

TEST(ListenUrlTest, ParsesIpv6AndLocalhost) {
  auto v6 = ParseListenUrl("https://[::1]:2379/");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_TRUE(v6->loopback);
  EXPECT_EQ(v6->GrpcAddress(), "[::1]:2379");
  auto localhost = ParseListenUrl("http://localhost:0");
  ASSERT_TRUE(localhost.ok());
  EXPECT_TRUE(localhost->loopback);
  EXPECT_EQ(localhost->port, 0);
}

TEST(ListenUrlTest, ParsesUnixSocket) {
  auto url = ParseListenUrl("unix:///run/k1s/etcd.sock");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->scheme, ListenUrl::Scheme::kUnix);
  EXPECT_EQ(url->path, "/run/k1s/etcd.sock");
  EXPECT_EQ(url->GrpcAddress(), "unix:/run/k1s/etcd.sock");
  EXPECT_EQ(url->ToString(0), "unix:///run/k1s/etcd.sock");
}

TEST(ListenUrlTest, RejectsMalformed) {
  EXPECT_FALSE(ParseListenUrl("tcp://127.0.0.1:2379").ok());
  EXPECT_FALSE(ParseListenUrl("http://127.0.0.1").ok());
  EXPECT_FALSE(ParseListenUrl("http://127.0.0.1:70000").ok());
  EXPECT_FALSE(ParseListenUrl("http://:2379").ok());
  EXPECT_FALSE(ParseListenUrl("unix://relative.sock").ok());
  EXPECT_FALSE(ParseListenUrl("https://[::1]2379").ok());
}

TEST(ListenUrlTest, ParsesCommaSeparatedList) {
  auto urls = ParseListenUrls("http://127.0.0.1:2379, unix:///tmp/x.sock");
  ASSERT_TRUE(urls.ok()) << urls.status();
  ASSERT_EQ(urls->size(), 2u);
  EXPECT_EQ((*urls)[1].path, "/tmp/x.sock");
  EXPECT_FALSE(ParseListenUrls(" , ").ok());
}

TEST(ListenUrlTest, PlaintextOnlyOnLoopback) {
  auto open = ParseListenUrls("http://0.0.0.0:2379");
  ASSERT_TRUE(open.ok());
  absl::Status status = ValidateListeners(*open, TlsFiles{});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("--trusted-ca-file"), std::string::npos) << status;

  auto local = ParseListenUrls("http://127.0.0.1:2379,unix:///tmp/a.sock");
  ASSERT_TRUE(local.ok());
  EXPECT_TRUE(ValidateListeners(*local, TlsFiles{}).ok());
}

TEST(ListenUrlTest, TlsNeedsAllThreeFiles) {
  auto urls = ParseListenUrls("https://10.0.0.5:2379");
  ASSERT_TRUE(urls.ok());
  absl::Status missing_ca = ValidateListeners(*urls, TlsFiles{"c.pem", "k.pem", ""});
  EXPECT_NE(missing_ca.message().find("--trusted-ca-file"), std::string::npos) << missing_ca;
  absl::Status missing_key = ValidateListeners(*urls, TlsFiles{"c.pem", "", "ca.pem"});
  EXPECT_NE(missing_key.message().find("--key-file"), std::string::npos) << missing_key;
  EXPECT_TRUE(ValidateListeners(*urls, TlsFiles{"c.pem", "k.pem", "ca.pem"}).ok());
}

}  // namespace
}  // namespace k1s::datastore::etcd
