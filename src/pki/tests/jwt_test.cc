#include "pki/jwt.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "pki/key.h"

namespace k1s::pki {
namespace {

std::string RsaPem() {
  static const std::string pem = *PrivateKey::GenerateRsa(2048)->ToPem();
  return pem;
}

TEST(JwtTest, SignedTokenVerifiesAndCarriesClaims) {
  absl::StatusOr<JwtSigner> signer = JwtSigner::FromPrivateKeyPem(RsaPem());
  ASSERT_TRUE(signer.ok()) << signer.status();
  absl::StatusOr<JwtVerifier> verifier = JwtVerifier::FromPem(RsaPem());
  ASSERT_TRUE(verifier.ok()) << verifier.status();
  EXPECT_EQ(signer->key_id(), verifier->key_id());

  absl::StatusOr<std::string> token = signer->Sign(R"({"sub":"system:serviceaccount:a:b"})");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(LooksLikeJwt(*token));
  std::vector<std::string> parts = absl::StrSplit(*token, '.');
  std::string header;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[0], &header));
  EXPECT_EQ(nlohmann::json::parse(header)["kid"], signer->key_id());
  EXPECT_EQ(nlohmann::json::parse(header)["alg"], "RS256");

  absl::StatusOr<std::string> claims = verifier->Verify(*token);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(*claims, R"({"sub":"system:serviceaccount:a:b"})");
}

TEST(JwtTest, TamperedOrForeignTokensAreRejected) {
  JwtSigner signer = *JwtSigner::FromPrivateKeyPem(RsaPem());
  JwtVerifier verifier = *JwtVerifier::FromPem(RsaPem());
  std::string token = *signer.Sign(R"({"sub":"a"})");
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  std::string forged =
      parts[0] + "." + absl::WebSafeBase64Escape(R"({"sub":"b"})") + "." + parts[2];
  EXPECT_EQ(verifier.Verify(forged).status().code(), absl::StatusCode::kUnauthenticated);

  JwtSigner other = *JwtSigner::FromPrivateKeyPem(*PrivateKey::GenerateRsa(2048)->ToPem());
  EXPECT_FALSE(verifier.Verify(*other.Sign(R"({"sub":"a"})")).ok());
  EXPECT_FALSE(verifier.Verify("abcdef.0123456789abcdef").ok());
  EXPECT_FALSE(verifier.Verify("a.b.c").ok());
  EXPECT_FALSE(LooksLikeJwt("abcdef.0123456789abcdef"));
}

TEST(JwtTest, JwksPublishesTheRsaKey) {
  JwtVerifier verifier = *JwtVerifier::FromPem(*PrivateKey::FromPem(RsaPem())->PublicKeyPem());
  nlohmann::json jwks = nlohmann::json::parse(verifier.jwks_json());
  ASSERT_EQ(jwks["keys"].size(), 1u);
  const nlohmann::json& key = jwks["keys"][0];
  EXPECT_EQ(key["kty"], "RSA");
  EXPECT_EQ(key["alg"], "RS256");
  EXPECT_EQ(key["use"], "sig");
  EXPECT_EQ(key["kid"], verifier.key_id());
  EXPECT_EQ(key["e"], "AQAB");                          // 65537
  EXPECT_GE(key["n"].get<std::string>().size(), 340u);  // 2048-bit modulus, base64url
}

TEST(JwtTest, RejectsNonRsaKeys) {
  absl::StatusOr<JwtSigner> signer =
      JwtSigner::FromPrivateKeyPem(*PrivateKey::GenerateEcdsaP256()->ToPem());
  EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace k1s::pki
