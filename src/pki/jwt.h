#pragma once
// JSON Web Tokens signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256), the form of Kubernetes
// service-account tokens, plus the JSON Web Key Set that publishes the verification key.
//
// The key id ("kid") is what kube-apiserver uses: the unpadded base64url SHA-256 digest of the
// public key's DER SubjectPublicKeyInfo, so tokens and the JWKS agree with upstream tooling.
// Claims are passed as JSON text; this layer only signs and checks signatures. Expiry, issuer
// and audiences are the caller's business. Both classes are immutable and thread-safe.
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace k1s::pki {

class JwtSigner {
 public:
  // From an RSA private key in PEM (the service-account key).
  static absl::StatusOr<JwtSigner> FromPrivateKeyPem(std::string_view pem);
  JwtSigner(JwtSigner&&) noexcept;
  JwtSigner& operator=(JwtSigner&&) noexcept;
  ~JwtSigner();

  // header.payload.signature with header {"alg":"RS256","kid":...}.
  absl::StatusOr<std::string> Sign(std::string_view claims_json) const;
  const std::string& key_id() const;

 private:
  struct State;
  explicit JwtSigner(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

class JwtVerifier {
 public:
  // From an RSA public key ("PUBLIC KEY" PEM) or a private key PEM (its public half is used).
  static absl::StatusOr<JwtVerifier> FromPem(std::string_view pem);
  JwtVerifier(JwtVerifier&&) noexcept;
  JwtVerifier& operator=(JwtVerifier&&) noexcept;
  ~JwtVerifier();

  // The claims JSON text of a well-formed RS256 token whose signature verifies; an
  // UNAUTHENTICATED error otherwise. Cheap rejection of non-JWT strings comes first.
  absl::StatusOr<std::string> Verify(std::string_view token) const;
  const std::string& key_id() const;
  // {"keys":[{"use":"sig","kty":"RSA","kid":...,"alg":"RS256","n":...,"e":...}]}
  const std::string& jwks_json() const;

 private:
  struct State;
  explicit JwtVerifier(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// True when `token` has the shape of a JWT (three base64url parts), without checking anything.
bool LooksLikeJwt(std::string_view token);

}  // namespace k1s::pki
