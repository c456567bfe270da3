#include "pki/server_pki.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <utility>

#include "base/testing/fake_clock.h"
#include "pki/certificate.h"
#include "base/files.h"
#include "pki/file_modes.h"
#include "pki/host_addresses.h"
#include "pki/issue.h"
#include "pki/key.h"
#include "pki/tests/test_util.h"

namespace k1s::pki {
namespace {

using ::testing::Contains;
using testing::FileMode;
using ::testing::IsEmpty;
using testing::ModifiedNanos;
using testing::ReadAll;
using testing::TempDir;
using ::testing::UnorderedElementsAre;

constexpr int64_t kStart = 1'700'000'000;

class ServerPkiTest : public ::testing::Test {
 protected:
  // RSA 2048 generation takes a noticeable fraction of a second; most tests start from one
  // pre-made service-account key (the "existing key" path) to stay fast.
  static void SetUpTestSuite() {
    auto key = PrivateKey::GenerateRsa(2048);
    ASSERT_TRUE(key.ok()) << key.status();
    shared_service_key_ = new std::string(*key->ToPem());
  }
  static void TearDownTestSuite() {
    delete shared_service_key_;
    shared_service_key_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(base::EnsureDirectory(files_.tls_dir, 0700).ok());
    ASSERT_TRUE(base::WriteFileAtomic(files_.service_account_key, *shared_service_key_, 0600).ok());
  }

  ServerPkiTest() : clock_(kStart * base::kNanosPerSecond) {
    options_.data_dir = dir_.path() / "data";
    options_.node_name = "node-1";
    options_.node_ips = {"192.168.1.10", "fd00::10"};
    options_.discover_node_ips = false;
    options_.tls_sans = {"k1s.example.com", "203.0.113.7"};
    options_.clock = &clock_;
    files_ = ServerPkiFiles::ForDataDir(options_.data_dir);
  }

  ServerPki Ensure() {
    auto pki = EnsureServerPki(options_);
    EXPECT_TRUE(pki.ok()) << pki.status();
    return pki.ok() ? *std::move(pki) : ServerPki{};
  }

  Certificate Load(const std::filesystem::path& path) {
    auto cert = Certificate::FromPem(ReadAll(path));
    EXPECT_TRUE(cert.ok()) << path << ": " << cert.status();
    return cert.ok() ? *cert : *Certificate::FromPem(ReadAll(files_.server_ca_cert));
  }

  int64_t Now() const { return clock_.NowUnixNanos() / base::kNanosPerSecond; }

  void AdvanceDays(int64_t days) { clock_.Advance(days * kSecondsPerDay * base::kNanosPerSecond); }

  // Contents and mtime of every file under the data dir.
  std::map<std::string, std::pair<std::string, int64_t>> Snapshot() {
    std::map<std::string, std::pair<std::string, int64_t>> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(options_.data_dir)) {
      if (!entry.is_regular_file()) continue;
      files[entry.path().string()] = {ReadAll(entry.path()), ModifiedNanos(entry.path())};
    }
    return files;
  }

  static std::string* shared_service_key_;

  TempDir dir_;
  base::FakeClock clock_;
  ServerPkiOptions options_;
  ServerPkiFiles files_;
};

std::string* ServerPkiTest::shared_service_key_ = nullptr;

TEST_F(ServerPkiTest, FirstStartCreatesEveryFileWithTightModes) {
  std::filesystem::remove_all(options_.data_dir);  // a truly empty data dir
  ServerPki pki = Ensure();
  const auto client = [this](const char* name) {
    return std::vector<std::filesystem::path>{files_.ClientKey(name), files_.ClientCert(name)};
  };
  std::vector<std::filesystem::path> expected = {
      files_.server_ca_key,  files_.server_ca_cert,      files_.client_ca_key,
      files_.client_ca_cert, files_.service_account_key, files_.service_account_public_key,
      files_.serving_key,    files_.serving_cert};
  for (const char* name : {"admin", "supervisor"}) {
    for (auto& path : client(name)) expected.push_back(path);
  }
  EXPECT_EQ(pki.written, expected);
  for (const auto& path : expected) {
    const bool is_key = path.extension() == ".key";
    EXPECT_EQ(FileMode(path), is_key ? 0600 : 0644) << path;
  }
  EXPECT_EQ(FileMode(files_.tls_dir), 0700);
  EXPECT_EQ(FileMode(files_.tls_dir.parent_path()), 0700);
  EXPECT_EQ(FileMode(files_.token), 0600);
  EXPECT_EQ(files_.serving_cert.filename(), "serving-kube-apiserver.crt");
  EXPECT_EQ(files_.ClientCert("admin").filename(), "client-admin.crt");
  // No temp files are left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(files_.tls_dir)) {
    ++entries;
  }
  EXPECT_EQ(entries, static_cast<int>(expected.size()));
}

TEST_F(ServerPkiTest, CertificatesHaveTheExpectedContents) {
  ServerPki pki = Ensure();
  Certificate server_ca = Load(files_.server_ca_cert);
  Certificate client_ca = Load(files_.client_ca_cert);
  EXPECT_TRUE(server_ca.IsCa());
  EXPECT_EQ(server_ca.CommonName(), "k1s-server-ca@1700000000");
  EXPECT_EQ(client_ca.CommonName(), "k1s-client-ca@1700000000");
  EXPECT_EQ(server_ca.not_after(), kStart + kCaLifetime);
  EXPECT_EQ(server_ca.not_before(), kStart - 3600);

  Certificate serving = Load(files_.serving_cert);
  EXPECT_EQ(serving.CommonName(), "kube-apiserver");
  EXPECT_EQ(serving.not_after(), kStart + kLeafLifetime);
  EXPECT_THAT(serving.DnsNames(),
              UnorderedElementsAre("localhost", "kubernetes", "kubernetes.default",
                                   "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
                                   "node-1", "k1s.example.com"));
  EXPECT_THAT(serving.IpAddresses(),
              UnorderedElementsAre("127.0.0.1", "::1", "10.43.0.1", "192.168.1.10", "fd00::10",
                                   "203.0.113.7"));
  EXPECT_THAT(pki.serving_ip_addresses, Contains("203.0.113.7"));
  EXPECT_THAT(pki.serving_dns_names, Contains("k1s.example.com"));
  VerifyOptions serving_check;
  serving_check.now = kStart;
  serving_check.require_usage = true;
  serving_check.usage = ExtendedKeyUsage::kServerAuth;
  for (const char* host : {"127.0.0.1", "localhost", "10.43.0.1", "node-1", "k1s.example.com",
                           "203.0.113.7", "kubernetes.default.svc"}) {
    serving_check.host = host;
    EXPECT_TRUE(serving.VerifyIssuedBy(server_ca, serving_check).ok()) << host;
  }
  serving_check.host.clear();
  EXPECT_FALSE(serving.VerifyIssuedBy(client_ca, serving_check).ok());

  VerifyOptions client_check;
  client_check.now = kStart;
  client_check.require_usage = true;
  client_check.usage = ExtendedKeyUsage::kClientAuth;
  Certificate admin = Load(files_.ClientCert("admin"));
  EXPECT_EQ(admin.CommonName(), "system:admin");
  EXPECT_THAT(admin.Organizations(), UnorderedElementsAre("system:masters"));
  EXPECT_TRUE(admin.VerifyIssuedBy(client_ca, client_check).ok());
  EXPECT_FALSE(admin.VerifyIssuedBy(server_ca, client_check).ok());
  Certificate supervisor = Load(files_.ClientCert("supervisor"));
  EXPECT_EQ(supervisor.CommonName(), "system:k1s-supervisor");
  EXPECT_TRUE(supervisor.VerifyIssuedBy(client_ca, client_check).ok());
  EXPECT_TRUE(admin.MatchesKey(*PrivateKey::FromPem(ReadAll(files_.ClientKey("admin")))));
}

TEST_F(ServerPkiTest, ServiceAccountKeyIsRsa2048WithMatchingPublicKey) {
  std::filesystem::remove(files_.service_account_key);
  ServerPki pki = Ensure();
  EXPECT_THAT(pki.written, Contains(files_.service_account_key));
  auto key = PrivateKey::FromPem(ReadAll(files_.service_account_key));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->type(), KeyType::kRsa);
  EXPECT_EQ(key->bits(), 2048);
  EXPECT_EQ(ReadAll(files_.service_account_public_key), *key->PublicKeyPem());
}

TEST_F(ServerPkiTest, TokenCarriesTheServerCaHash) {
  ServerPki pki = Ensure();
  const std::string text = ReadAll(files_.token);
  EXPECT_TRUE(std::regex_match(text, std::regex("K10[0-9a-f]{64}::server:[0-9a-f]{32}\n"))) << text;
  EXPECT_EQ(pki.token.ToString() + "\n", text);
  EXPECT_TRUE(VerifyCaBundleHash(pki.token, ReadAll(files_.server_ca_cert)).ok());
  EXPECT_FALSE(VerifyCaBundleHash(pki.token, ReadAll(files_.client_ca_cert)).ok());
}

TEST_F(ServerPkiTest, RestartReusesEverythingUnchanged) {
  ServerPki first = Ensure();
  const auto before = Snapshot();
  AdvanceDays(30);
  ServerPki second = Ensure();
  EXPECT_THAT(second.written, IsEmpty());
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(second.token.ToString(), first.token.ToString());
}

TEST_F(ServerPkiTest, RenewsLeavesWithin120DaysOfExpiry) {
  Ensure();
  const auto before = Snapshot();
  const std::string serving_serial = Load(files_.serving_cert).SerialHex();

  AdvanceDays(365 - 121);  // 121 days left: keep
  EXPECT_THAT(Ensure().written, IsEmpty());
  EXPECT_EQ(Snapshot(), before);

  AdvanceDays(2);  // 119 days left: renew every leaf, keep the keys and CAs
  ServerPki renewed = Ensure();
  std::vector<std::filesystem::path> expected = {files_.serving_cert, files_.ClientCert("admin"),
                                                 files_.ClientCert("supervisor")};
  EXPECT_EQ(renewed.written, expected);
  Certificate serving = Load(files_.serving_cert);
  EXPECT_NE(serving.SerialHex(), serving_serial);
  EXPECT_EQ(serving.not_after(), Now() + kLeafLifetime);
  EXPECT_EQ(serving.not_before(), Now() - 3600);
  EXPECT_TRUE(serving.VerifySignedBy(Load(files_.server_ca_cert)).ok());
  const auto after = Snapshot();
  for (const auto& path :
       {files_.server_ca_cert, files_.server_ca_key, files_.client_ca_cert, files_.client_ca_key,
        files_.serving_key, files_.ClientKey("admin"), files_.service_account_key, files_.token}) {
    EXPECT_EQ(after.at(path.string()), before.at(path.string())) << path;
  }
  EXPECT_THAT(Ensure().written, IsEmpty());  // and it settles again
}

TEST_F(ServerPkiTest, ReissuesServingCertificateWhenSansNoLongerCover) {
  Ensure();
  const auto before = Snapshot();
  options_.tls_sans.push_back("10.0.0.99");
  options_.tls_sans.push_back("api.example.org");
  ServerPki pki = Ensure();
  EXPECT_EQ(pki.written, std::vector<std::filesystem::path>{files_.serving_cert});
  Certificate serving = Load(files_.serving_cert);
  EXPECT_THAT(serving.IpAddresses(), Contains("10.0.0.99"));
  EXPECT_THAT(serving.DnsNames(), Contains("api.example.org"));
  EXPECT_EQ(ReadAll(files_.serving_key), before.at(files_.serving_key.string()).first);

  // Dropping a SAN leaves a certificate that still covers the request: no change.
  options_.tls_sans = {"k1s.example.com"};
  EXPECT_THAT(Ensure().written, IsEmpty());
  options_.node_ips = {"192.168.1.11"};
  EXPECT_EQ(Ensure().written, std::vector<std::filesystem::path>{files_.serving_cert});
}

TEST_F(ServerPkiTest, ReplacesBrokenLeaves) {
  Ensure();
  // A key that no longer matches its certificate: new certificate for the new key.
  auto stranger = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(base::WriteFileAtomic(files_.ClientKey("admin"), *stranger->ToPem(), 0600).ok());
  EXPECT_EQ(Ensure().written, std::vector<std::filesystem::path>{files_.ClientCert("admin")});
  EXPECT_TRUE(Load(files_.ClientCert("admin")).MatchesKey(*stranger));

  // Missing or garbage certificate: re-issued for the existing key.
  std::filesystem::remove(files_.serving_cert);
  EXPECT_EQ(Ensure().written, std::vector<std::filesystem::path>{files_.serving_cert});
  ASSERT_TRUE(base::WriteFileAtomic(files_.ClientCert("supervisor"), "junk", 0644).ok());
  EXPECT_EQ(Ensure().written, std::vector<std::filesystem::path>{files_.ClientCert("supervisor")});

  // Garbage key: a new key and certificate.
  ASSERT_TRUE(base::WriteFileAtomic(files_.serving_key, "junk", 0600).ok());
  EXPECT_EQ(Ensure().written,
            (std::vector<std::filesystem::path>{files_.serving_key, files_.serving_cert}));

  // A leaf signed by some other CA.
  auto other_key = PrivateKey::GenerateEcdsaP256();
  auto other_ca = CreateSelfSignedCa(*other_key, "k1s-server-ca@1700000000", kStart, kCaLifetime);
  CertificateSpec spec;
  spec.common_name = "system:admin";
  spec.organizations = {"system:masters"};
  spec.usages = {ExtendedKeyUsage::kClientAuth};
  spec.now = kStart;
  spec.lifetime_seconds = kLeafLifetime;
  auto forged = IssueCertificate(spec, *stranger, *other_ca, *other_key);
  ASSERT_TRUE(base::WriteFileAtomic(files_.ClientCert("admin"), *forged->ToPem(), 0644).ok());
  EXPECT_EQ(Ensure().written, std::vector<std::filesystem::path>{files_.ClientCert("admin")});
  EXPECT_TRUE(Load(files_.ClientCert("admin")).VerifySignedBy(Load(files_.client_ca_cert)).ok());
}

TEST_F(ServerPkiTest, IncompleteCaIsAnErrorAndNothingIsReplaced) {
  Ensure();
  std::filesystem::remove(files_.server_ca_key);
  const auto before = Snapshot();
  auto pki = EnsureServerPki(options_);
  ASSERT_FALSE(pki.ok());
  EXPECT_EQ(pki.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(pki.status().message()).find("server-ca.key"), std::string::npos)
      << pki.status();
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ServerPkiTest, CaKeyMismatchIsAnError) {
  Ensure();
  auto stranger = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(base::WriteFileAtomic(files_.client_ca_key, *stranger->ToPem(), 0600).ok());
  auto pki = EnsureServerPki(options_);
  EXPECT_EQ(pki.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(pki.status().message()).find("client CA"), std::string::npos);
}

TEST_F(ServerPkiTest, TightensLoosenedKeyModesWithoutRewriting) {
  Ensure();
  for (const auto& path : {files_.server_ca_key, files_.ClientKey("admin"), files_.serving_key,
                           files_.service_account_key, files_.token}) {
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  }
  const auto before = Snapshot();
  EXPECT_THAT(Ensure().written, IsEmpty());
  for (const auto& path : {files_.server_ca_key, files_.ClientKey("admin"), files_.serving_key,
                           files_.service_account_key, files_.token}) {
    EXPECT_EQ(FileMode(path), 0600) << path;
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(ServerPkiTest, TightensAnExistingTlsDirectory) {
  ASSERT_EQ(::chmod(files_.tls_dir.c_str(), 0755), 0);
  EXPECT_EQ(FileMode(files_.tls_dir), 0755);
  Ensure();
  EXPECT_EQ(FileMode(files_.tls_dir), 0700);
}

TEST_F(ServerPkiTest, RejectsBadInputs) {
  options_.service_ip = "10.43.0.0/16";
  EXPECT_EQ(EnsureServerPki(options_).status().code(), absl::StatusCode::kInvalidArgument);
  options_.service_ip = "10.43.0.1";
  options_.node_ips = {"not-an-ip"};
  EXPECT_EQ(EnsureServerPki(options_).status().code(), absl::StatusCode::kInvalidArgument);
  options_.node_ips = {"192.168.1.10"};
  options_.clients = {{"admin", "system:admin", {}}, {"admin", "other", {}}};
  EXPECT_EQ(EnsureServerPki(options_).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ServerPkiTest, DiscoversHostnameAndAddressesWhenNotGiven) {
  options_.node_name.clear();
  options_.node_ips.clear();
  options_.discover_node_ips = true;
  ServerPki pki = Ensure();
  auto hostname = LocalHostname();
  ASSERT_TRUE(hostname.ok());
  EXPECT_THAT(Load(files_.serving_cert).DnsNames(), Contains(*hostname));
  auto addresses = LocalIpAddresses();
  ASSERT_TRUE(addresses.ok());
  for (const std::string& address : *addresses) {
    EXPECT_THAT(pki.serving_ip_addresses, Contains(address));
  }
}

TEST_F(ServerPkiTest, ConfiguredTokenIsUsed) {
  options_.token = "from-the-flag";
  ServerPki pki = Ensure();
  EXPECT_EQ(pki.token.password, "from-the-flag");
  EXPECT_EQ(pki.token.username, "server");
  EXPECT_EQ(ReadAll(files_.token), pki.token.ToString() + "\n");
}

}  // namespace
}  // namespace k1s::pki
