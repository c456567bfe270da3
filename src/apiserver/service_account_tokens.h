#pragma once
// Service-account tokens: issuing bound JWTs (the TokenRequest API) and checking bearer tokens
// (bound JWTs, legacy token Secrets' JWTs and bootstrap tokens) against the objects they name.
//
// Bound tokens carry upstream's claims: iss, sub, aud, exp, iat, nbf, jti and the
// "kubernetes.io" object with namespace, serviceaccount {name, uid} and the optional bound pod,
// secret or node. A token stops working when its service account or bound object is deleted or
// replaced (uid differs), as kube-apiserver checks. Thread-safe.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apiserver/cluster_reader.h"
#include "auth/user_info.h"
#include "base/clock.h"
#include "pki/jwt.h"

namespace k1s::apiserver {

inline constexpr char kDefaultIssuer[] = "https://kubernetes.default.svc.cluster.local";
inline constexpr char kLegacyIssuer[] = "kubernetes/serviceaccount";

struct ServiceAccountTokenOptions {
  std::string issuer = kDefaultIssuer;
  // What a token must be meant for to authenticate to this server (--api-audiences).
  std::vector<std::string> api_audiences = {kDefaultIssuer};
  int64_t default_expiration_seconds = 3600;
};

struct AuthenticatedToken {
  auth::UserInfo user;
  std::vector<std::string> audiences;  // the token's audiences that were accepted
};

class ServiceAccountTokens {
 public:
  // `signer` and `verifier` use the service-account key; `signer` may be null on a server that
  // only verifies.
  ServiceAccountTokens(ServiceAccountTokenOptions options, const pki::JwtSigner* signer,
                       const pki::JwtVerifier& verifier, const ClusterReader& reader,
                       base::Clock& clock);

  // Answers POST serviceaccounts/<name>/token: `request` is the TokenRequest body (already
  // decoded); returns the TokenRequest with status {token, expirationTimestamp}. API errors.
  absl::StatusOr<nlohmann::json> IssueToken(const nlohmann::json& service_account,
                                            nlohmann::json request) const;
  // The token a legacy kubernetes.io/service-account-token Secret holds.
  absl::StatusOr<std::string> LegacyToken(const nlohmann::json& service_account,
                                          const nlohmann::json& secret) const;

  // Checks a bearer token meant for one of `audiences` (the API audiences when empty).
  // Unauthenticated error (with the reason, for TokenReview) when it is not valid.
  absl::StatusOr<AuthenticatedToken> Authenticate(
      std::string_view token, const std::vector<std::string>& audiences = {}) const;

  const ServiceAccountTokenOptions& options() const { return options_; }

 private:
  absl::StatusOr<AuthenticatedToken> AuthenticateBound(
      const nlohmann::json& claims, const std::vector<std::string>& wanted) const;
  absl::StatusOr<AuthenticatedToken> AuthenticateLegacy(const nlohmann::json& claims) const;
  absl::StatusOr<AuthenticatedToken> AuthenticateBootstrap(std::string_view token) const;

  ServiceAccountTokenOptions options_;
  const pki::JwtSigner* signer_;
  const pki::JwtVerifier& verifier_;
  const ClusterReader& reader_;
  base::Clock& clock_;
};

// The user a service account acts as: system:serviceaccount:<ns>:<name> in system:serviceaccounts,
// system:serviceaccounts:<ns> and system:authenticated.
auth::UserInfo ServiceAccountUser(std::string_view namespace_name, std::string_view name,
                                  std::string_view uid);

}  // namespace k1s::apiserver
