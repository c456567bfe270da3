#include "pki/certificate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "pki/issue.h"
#include "pki/key.h"

namespace k1s::pki {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr int64_t kNow = 1'700'000'000;
constexpr int64_t kYear = 365 * kSecondsPerDay;

struct Ca {
  PrivateKey key;
  Certificate cert;
};

Ca MakeCa(const std::string& name, int64_t now = kNow) {
  auto key = PrivateKey::GenerateEcdsaP256();
  EXPECT_TRUE(key.ok()) << key.status();
  auto cert = CreateSelfSignedCa(*key, name, now, 10 * kYear);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return Ca{*std::move(key), *std::move(cert)};
}

CertificateSpec ServingSpec() {
  CertificateSpec spec;
  spec.common_name = "kube-apiserver";
  spec.dns_names = {"localhost", "kubernetes.default.svc"};
  spec.ip_addresses = {"127.0.0.1", "::1", "10.43.0.1"};
  spec.usages = {ExtendedKeyUsage::kServerAuth};
  spec.now = kNow;
  spec.lifetime_seconds = kYear;
  return spec;
}

CertificateSpec ClientSpec() {
  CertificateSpec spec;
  spec.common_name = "system:admin";
  spec.organizations = {"system:masters", "team:ops"};
  spec.usages = {ExtendedKeyUsage::kClientAuth};
  spec.now = kNow;
  spec.lifetime_seconds = kYear;
  return spec;
}

TEST(PrivateKeyTest, EcdsaP256RoundTripsThroughPem) {
  auto key = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->type(), KeyType::kEcdsaP256);
  EXPECT_EQ(key->bits(), 256);
  auto pem = key->ToPem();
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_EQ(pem->rfind("-----BEGIN EC PRIVATE KEY-----", 0), 0u) << *pem;
  auto parsed = PrivateKey::FromPem(*pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed->ToPem(), *pem);
  EXPECT_EQ(*parsed->PublicKeyPem(), *key->PublicKeyPem());
  EXPECT_NE(key->PublicKeyPem()->find("BEGIN PUBLIC KEY"), std::string::npos);
}

TEST(PrivateKeyTest, RsaKeyForServiceAccounts) {
  auto key = PrivateKey::GenerateRsa(2048);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->type(), KeyType::kRsa);
  EXPECT_EQ(key->bits(), 2048);
  auto pem = key->ToPem();
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(pem->rfind("-----BEGIN RSA PRIVATE KEY-----", 0), 0u);
  auto parsed = PrivateKey::FromPem(*pem);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->type(), KeyType::kRsa);
  EXPECT_EQ(PrivateKey::GenerateRsa(1024).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PrivateKeyTest, RejectsGarbageAndMovesCleanly) {
  EXPECT_EQ(PrivateKey::FromPem("not a key").status().code(), absl::StatusCode::kInvalidArgument);
  auto key = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(key.ok());
  PrivateKey moved = *std::move(key);
  EXPECT_NE(moved.native(), nullptr);
  PrivateKey other = std::move(moved);
  EXPECT_EQ(moved.native(), nullptr);  // NOLINT(bugprone-use-after-move): checks the move.
  EXPECT_FALSE(moved.ToPem().ok());
  EXPECT_TRUE(other.ToPem().ok());
}

TEST(CertificateTest, SelfSignedCaFields) {
  Ca ca = MakeCa("k1s-server-ca@1700000000");
  EXPECT_TRUE(ca.cert.IsCa());
  EXPECT_EQ(ca.cert.CommonName(), "k1s-server-ca@1700000000");
  EXPECT_EQ(ca.cert.IssuerCommonName(), "k1s-server-ca@1700000000");
  EXPECT_EQ(ca.cert.Subject(), ca.cert.Issuer());
  EXPECT_EQ(ca.cert.not_before(), kNow - kClockSkew);
  EXPECT_EQ(ca.cert.not_after(), kNow + 10 * kYear);
  EXPECT_EQ(ca.cert.SubjectKeyId().size(), 40u);  // SHA-1 of the public key
  EXPECT_TRUE(ca.cert.MatchesKey(ca.key));
  EXPECT_TRUE(ca.cert.VerifySignedBy(ca.cert).ok());
  EXPECT_FALSE(ca.cert.HasExtendedKeyUsage(ExtendedKeyUsage::kServerAuth));
}

TEST(CertificateTest, ServingLeafCarriesSansUsageAndKeyIds) {
  Ca ca = MakeCa("server-ca");
  auto key = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(key.ok());
  auto cert = IssueCertificate(ServingSpec(), *key, ca.cert, ca.key);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_FALSE(cert->IsCa());
  EXPECT_EQ(cert->CommonName(), "kube-apiserver");
  EXPECT_EQ(cert->IssuerCommonName(), "server-ca");
  EXPECT_THAT(cert->DnsNames(), ElementsAre("localhost", "kubernetes.default.svc"));
  EXPECT_THAT(cert->IpAddresses(), ElementsAre("127.0.0.1", "::1", "10.43.0.1"));
  EXPECT_TRUE(cert->HasExtendedKeyUsage(ExtendedKeyUsage::kServerAuth));
  EXPECT_FALSE(cert->HasExtendedKeyUsage(ExtendedKeyUsage::kClientAuth));
  EXPECT_EQ(cert->AuthorityKeyId(), ca.cert.SubjectKeyId());
  EXPECT_FALSE(cert->SubjectKeyId().empty());
  EXPECT_EQ(cert->not_before(), kNow - 3600);
  EXPECT_EQ(cert->not_after(), kNow + kYear);
  EXPECT_TRUE(cert->MatchesKey(*key));
  EXPECT_FALSE(cert->MatchesKey(ca.key));
}

TEST(CertificateTest, ClientLeafCarriesUserAndGroups) {
  Ca ca = MakeCa("client-ca");
  auto key = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(key.ok());
  auto cert = IssueCertificate(ClientSpec(), *key, ca.cert, ca.key);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_EQ(cert->CommonName(), "system:admin");
  EXPECT_THAT(cert->Organizations(), ElementsAre("system:masters", "team:ops"));
  EXPECT_EQ(cert->Subject(), "CN=system:admin,O=team:ops,O=system:masters");
  EXPECT_TRUE(cert->HasExtendedKeyUsage(ExtendedKeyUsage::kClientAuth));
  EXPECT_FALSE(cert->HasExtendedKeyUsage(ExtendedKeyUsage::kServerAuth));
  EXPECT_TRUE(cert->DnsNames().empty());
  EXPECT_TRUE(cert->IpAddresses().empty());
}

TEST(CertificateTest, ChainVerifiesWithOpenSslVerifier) {
  Ca ca = MakeCa("server-ca");
  auto key = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(key.ok());
  auto serving = IssueCertificate(ServingSpec(), *key, ca.cert, ca.key);
  ASSERT_TRUE(serving.ok());
  VerifyOptions options;
  options.now = kNow;
  options.require_usage = true;
  options.usage = ExtendedKeyUsage::kServerAuth;
  for (const char* host :
       {"127.0.0.1", "::1", "10.43.0.1", "localhost", "kubernetes.default.svc"}) {
    options.host = host;
    EXPECT_TRUE(serving->VerifyIssuedBy(ca.cert, options).ok()) << host;
  }
  options.host = "example.com";
  EXPECT_FALSE(serving->VerifyIssuedBy(ca.cert, options).ok());
  options.host = "10.43.0.2";
  EXPECT_FALSE(serving->VerifyIssuedBy(ca.cert, options).ok());
  options.host.clear();
  options.usage = ExtendedKeyUsage::kClientAuth;
  EXPECT_FALSE(serving->VerifyIssuedBy(ca.cert, options).ok());

  auto client = IssueCertificate(ClientSpec(), *key, ca.cert, ca.key);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(client->VerifyIssuedBy(ca.cert, options).ok());
}

TEST(CertificateTest, VerificationFailsForAnotherCaOrOutsideValidity) {
  Ca ca = MakeCa("server-ca");
  Ca other = MakeCa("server-ca");  // same name, different key
  auto key = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(key.ok());
  auto cert = IssueCertificate(ServingSpec(), *key, ca.cert, ca.key);
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(cert->VerifySignedBy(ca.cert).ok());
  EXPECT_FALSE(cert->VerifySignedBy(other.cert).ok());
  VerifyOptions options;
  options.now = kNow;
  EXPECT_TRUE(cert->VerifyIssuedBy(ca.cert, options).ok());
  EXPECT_FALSE(cert->VerifyIssuedBy(other.cert, options).ok());
  options.now = kNow - 2 * 3600;  // before NotBefore (now - 1h)
  EXPECT_FALSE(cert->VerifyIssuedBy(ca.cert, options).ok());
  options.now = kNow + kYear + 1;
  EXPECT_FALSE(cert->VerifyIssuedBy(ca.cert, options).ok());
}

TEST(CertificateTest, IssuingRejectsMismatchedCaKeyOrNonCa) {
  Ca ca = MakeCa("server-ca");
  Ca other = MakeCa("other-ca");
  auto key = PrivateKey::GenerateEcdsaP256();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(IssueCertificate(ServingSpec(), *key, ca.cert, other.key).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto leaf = IssueCertificate(ServingSpec(), *key, ca.cert, ca.key);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(IssueCertificate(ServingSpec(), ca.key, *leaf, *key).status().code(),
            absl::StatusCode::kInvalidArgument);
  CertificateSpec bad = ServingSpec();
  bad.ip_addresses = {"not-an-ip"};
  EXPECT_EQ(IssueCertificate(bad, *key, ca.cert, ca.key).status().code(),
            absl::StatusCode::kInvalidArgument);
  bad = ServingSpec();
  bad.usages.clear();
  EXPECT_FALSE(IssueCertificate(bad, *key, ca.cert, ca.key).ok());
}

TEST(CertificateTest, SerialsAreRandomPositive128BitNumbers) {
  Ca ca = MakeCa("server-ca");
  std::set<std::string> serials;
  for (int i = 0; i < 8; ++i) {
    auto cert = IssueCertificate(ClientSpec(), ca.key, ca.cert, ca.key);
    ASSERT_TRUE(cert.ok());
    const std::string serial = cert->SerialHex();
    EXPECT_LE(serial.size(), 32u);
    EXPECT_GE(serial.size(), 16u);  // fails with probability ~2^-64
    EXPECT_NE(serial[0], '-');
    serials.insert(serial);
  }
  EXPECT_EQ(serials.size(), 8u);
}

TEST(CertificateTest, PemRoundTripAndBundles) {
  Ca first = MakeCa("first");
  Ca second = MakeCa("second");
  auto bundle = BundleToPem({first.cert, second.cert});
  ASSERT_TRUE(bundle.ok());
  auto parsed = Certificate::BundleFromPem(*bundle);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].CommonName(), "first");
  EXPECT_EQ((*parsed)[1].CommonName(), "second");
  EXPECT_EQ(*(*parsed)[1].ToPem(), *second.cert.ToPem());
  auto single = Certificate::FromPem(*bundle);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->CommonName(), "first");

  EXPECT_FALSE(Certificate::FromPem("garbage").ok());
  EXPECT_FALSE(Certificate::BundleFromPem("").ok());
  std::string corrupt = *bundle;
  corrupt.insert(corrupt.size() / 2 + 40, "!!!!");
  EXPECT_FALSE(Certificate::BundleFromPem(corrupt).ok());
}

TEST(CertificateTest, CopiesShareTheCertificate) {
  Ca ca = MakeCa("copy-ca");
  Certificate copy = ca.cert;
  Certificate assigned = copy;
  assigned = ca.cert;
  EXPECT_EQ(copy.native(), ca.cert.native());
  EXPECT_EQ(assigned.SerialHex(), ca.cert.SerialHex());
  Certificate moved = std::move(copy);
  EXPECT_EQ(moved.CommonName(), "copy-ca");
}

TEST(CertificateTest, LifetimesPast2038AreExact) {
  // Issued in 2037 for ten years: NotAfter lies beyond the 32-bit time_t rollover.
  const int64_t now_2037 = 2'100'000'000;
  Ca ca = MakeCa("future-ca", now_2037);
  EXPECT_EQ(ca.cert.not_after(), now_2037 + 10 * kYear);
  auto reparsed = Certificate::FromPem(*ca.cert.ToPem());
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(reparsed->not_after(), now_2037 + 10 * kYear);
  VerifyOptions options;
  options.now = now_2037 + 9 * kYear;
  EXPECT_TRUE(ca.cert.VerifyIssuedBy(ca.cert, options).ok());
}

TEST(SubjectAltNamesTest, SplitsCanonicalisesAndDeduplicates) {
  SubjectAltNames sans =
      SplitSubjectAltNames({"LocalHost", "127.0.0.1", "0:0:0:0:0:0:0:1", "::1", " my.Example.com ",
                            "", "localhost", "10.43.0.1", "fd00::0001"});
  EXPECT_THAT(sans.dns_names, ElementsAre("localhost", "my.example.com"));
  EXPECT_THAT(sans.ip_addresses, UnorderedElementsAre("127.0.0.1", "::1", "10.43.0.1", "fd00::1"));
  EXPECT_EQ(CanonicalIpAddress("010.1.2.3"), "");
  EXPECT_EQ(CanonicalIpAddress("2001:DB8::1"), "2001:db8::1");
}

}  // namespace
}  // namespace k1s::pki
