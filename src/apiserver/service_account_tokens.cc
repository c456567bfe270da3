#include "apiserver/service_account_tokens.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "api/errors.h"
#include "api/identifiers.h"
#include "api/timestamps.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

// Upstream's bounds on spec.expirationSeconds.
constexpr int64_t kMinExpirationSeconds = 600;
constexpr int64_t kMaxExpirationSeconds = int64_t{1} << 32;

absl::Status Invalid(std::string_view why) { return absl::UnauthenticatedError(std::string(why)); }

std::string StringAt(const json& object, std::initializer_list<const char*> path) {
  const json* node = &object;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return "";
    node = &(*node)[key];
  }
  return node->is_string() ? node->get<std::string>() : "";
}

std::string DecodedData(const json& secret, const char* key) {
  std::string value = StringAt(secret, {"data", key});
  std::string decoded;
  if (!absl::Base64Unescape(value, &decoded)) return "";
  return decoded;
}

api::ResourceType TokenRequestType() {
  api::ResourceType type;
  type.group = "authentication.k8s.io";
  type.version = "v1";
  type.kind = "TokenRequest";
  type.plural = "tokenrequests";
  return type;
}

// The object kinds a token may be bound to, with the group that serves them.
struct BindableKind {
  const char* kind;
  const char* claim;
  bool namespaced;
};
constexpr BindableKind kBindableKinds[] = {
    {"Pod", "pod", true}, {"Secret", "secret", true}, {"Node", "node", false}};

}  // namespace

auth::UserInfo ServiceAccountUser(std::string_view namespace_name, std::string_view name,
                                  std::string_view uid) {
  auth::UserInfo user;
  user.name = base::StrCat(auth::kServiceAccountUserPrefix, namespace_name, ":", name);
  user.uid = std::string(uid);
  user.groups = {auth::kServiceAccountsGroup,
                 base::StrCat(auth::kServiceAccountsGroup, ":", namespace_name),
                 auth::kAuthenticated};
  return user;
}

ServiceAccountTokens::ServiceAccountTokens(ServiceAccountTokenOptions options,
                                           const pki::JwtSigner* signer,
                                           const pki::JwtVerifier& verifier,
                                           const ClusterReader& reader, base::Clock& clock)
    : options_(std::move(options)),
      signer_(signer),
      verifier_(verifier),
      reader_(reader),
      clock_(clock) {}

absl::StatusOr<json> ServiceAccountTokens::IssueToken(const json& service_account,
                                                      json request) const {
  if (signer_ == nullptr) return api::InternalError("this server cannot sign tokens");
  const std::string namespace_name = StringAt(service_account, {"metadata", "namespace"});
  const std::string name = StringAt(service_account, {"metadata", "name"});
  json& spec = request["spec"];
  if (!spec.is_object()) spec = json::object();
  if (!spec.contains("audiences") || !spec["audiences"].is_array() || spec["audiences"].empty()) {
    spec["audiences"] = options_.api_audiences;
  }
  int64_t expiration = spec.value("expirationSeconds", options_.default_expiration_seconds);
  if (expiration == 0) expiration = options_.default_expiration_seconds;
  spec["expirationSeconds"] = expiration;
  api::FieldErrors errors;
  if (expiration < kMinExpirationSeconds) {
    errors.push_back(api::Invalid("spec.expirationSeconds", expiration,
                                  "may not specify a duration less than 10 minutes"));
  } else if (expiration > kMaxExpirationSeconds) {
    errors.push_back(api::Invalid("spec.expirationSeconds", expiration,
                                  "may not specify a duration larger than 2^32 seconds"));
  }
  if (!errors.empty()) return api::InvalidError(TokenRequestType(), name, errors);

  const int64_t now = clock_.NowUnixNanos() / 1'000'000'000;
  json claims = {{"iss", options_.issuer},
                 {"sub", ServiceAccountUser(namespace_name, name, "").name},
                 {"aud", spec["audiences"]},
                 {"iat", now},
                 {"nbf", now},
                 {"exp", now + expiration},
                 {"jti", api::NewUid()}};
  json private_claims = {
      {"namespace", namespace_name},
      {"serviceaccount",
       {{"name", name}, {"uid", StringAt(service_account, {"metadata", "uid"})}}}};
  const json& bound = spec.value("boundObjectRef", json());
  if (bound.is_object() && !bound.empty()) {
    const std::string kind = bound.value("kind", "");
    const BindableKind* bindable = nullptr;
    for (const BindableKind& candidate : kBindableKinds) {
      if (kind == candidate.kind) bindable = &candidate;
    }
    if (bindable == nullptr) {
      errors.push_back(
          api::NotSupported("spec.boundObjectRef.kind", kind, {"Pod", "Secret", "Node"}));
      return api::InvalidError(TokenRequestType(), name, errors);
    }
    const std::string bound_name = bound.value("name", "");
    std::optional<json> target =
        reader_.Get("", kind, bindable->namespaced ? namespace_name : "", bound_name);
    const api::ResourceType* type = reader_.resources().FindType("", kind);
    if (!target) return api::NotFoundError(*type, bound_name);
    const std::string uid = StringAt(*target, {"metadata", "uid"});
    if (!bound.value("uid", "").empty() && bound.value("uid", "") != uid) {
      return api::ConflictError(
          *type, bound_name,
          base::StrCat("the UID in the bound object reference (", bound.value("uid", ""),
                       ") does not match the UID in record. The object might have been deleted "
                       "and then recreated"));
    }
    private_claims[bindable->claim] = {{"name", bound_name}, {"uid", uid}};
    if (kind == "Pod") {
      // Upstream also records the node a bound pod runs on.
      std::string node = StringAt(*target, {"spec", "nodeName"});
      if (!node.empty()) {
        if (std::optional<json> node_object = reader_.Get("", "Node", "", node)) {
          private_claims["node"] = {{"name", node},
                                    {"uid", StringAt(*node_object, {"metadata", "uid"})}};
        }
      }
    }
  }
  claims["kubernetes.io"] = std::move(private_claims);
  absl::StatusOr<std::string> token = signer_->Sign(claims.dump());
  if (!token.ok()) return api::InternalError(std::string(token.status().message()));

  request["apiVersion"] = "authentication.k8s.io/v1";
  request["kind"] = "TokenRequest";
  json& metadata = request["metadata"];
  if (!metadata.is_object()) metadata = json::object();
  metadata["name"] = name;
  metadata["namespace"] = namespace_name;
  metadata["creationTimestamp"] = api::FormatTimestamp(now);
  request["status"] = {{"token", *token},
                       {"expirationTimestamp", api::FormatTimestamp(now + expiration)}};
  return request;
}

absl::StatusOr<std::string> ServiceAccountTokens::LegacyToken(const json& service_account,
                                                              const json& secret) const {
  if (signer_ == nullptr) return api::InternalError("this server cannot sign tokens");
  const std::string namespace_name = StringAt(service_account, {"metadata", "namespace"});
  const std::string name = StringAt(service_account, {"metadata", "name"});
  json claims = {
      {"iss", kLegacyIssuer},
      {"kubernetes.io/serviceaccount/namespace", namespace_name},
      {"kubernetes.io/serviceaccount/secret.name", StringAt(secret, {"metadata", "name"})},
      {"kubernetes.io/serviceaccount/service-account.name", name},
      {"kubernetes.io/serviceaccount/service-account.uid",
       StringAt(service_account, {"metadata", "uid"})},
      {"sub", ServiceAccountUser(namespace_name, name, "").name}};
  return signer_->Sign(claims.dump());
}

absl::StatusOr<AuthenticatedToken> ServiceAccountTokens::Authenticate(
    std::string_view token, const std::vector<std::string>& audiences) const {
  if (!pki::LooksLikeJwt(token)) return AuthenticateBootstrap(token);
  absl::StatusOr<std::string> claims_text = verifier_.Verify(token);
  if (!claims_text.ok()) return claims_text.status();
  json claims = json::parse(*claims_text, nullptr, false);
  if (!claims.is_object()) return Invalid("invalid bearer token: malformed claims");
  const std::string issuer = claims.value("iss", "");
  if (issuer == kLegacyIssuer) return AuthenticateLegacy(claims);
  if (issuer != options_.issuer) return Invalid("invalid bearer token: unknown issuer");
  return AuthenticateBound(claims, audiences.empty() ? options_.api_audiences : audiences);
}

absl::StatusOr<AuthenticatedToken> ServiceAccountTokens::AuthenticateBound(
    const json& claims, const std::vector<std::string>& wanted) const {
  const int64_t now = clock_.NowUnixNanos() / 1'000'000'000;
  // Upstream allows 60 seconds of clock skew on both ends.
  constexpr int64_t kLeeway = 60;
  if (!claims.contains("exp") || !claims["exp"].is_number_integer() ||
      claims["exp"].get<int64_t>() + kLeeway < now) {
    return Invalid("invalid bearer token: service account token has expired");
  }
  if (claims.contains("nbf") && claims["nbf"].is_number_integer() &&
      claims["nbf"].get<int64_t>() - kLeeway > now) {
    return Invalid("invalid bearer token: service account token is not valid yet");
  }
  std::vector<std::string> token_audiences;
  const json& aud = claims.value("aud", json());
  if (aud.is_string()) token_audiences.push_back(aud.get<std::string>());
  if (aud.is_array()) {
    for (const json& entry : aud) {
      if (entry.is_string()) token_audiences.push_back(entry.get<std::string>());
    }
  }
  AuthenticatedToken result;
  for (const std::string& audience : wanted) {
    if (std::find(token_audiences.begin(), token_audiences.end(), audience) !=
        token_audiences.end()) {
      result.audiences.push_back(audience);
    }
  }
  if (result.audiences.empty())
    return Invalid("invalid bearer token: token audiences not accepted");

  const json& private_claims = claims.value("kubernetes.io", json::object());
  const std::string namespace_name = StringAt(private_claims, {"namespace"});
  const std::string name = StringAt(private_claims, {"serviceaccount", "name"});
  const std::string uid = StringAt(private_claims, {"serviceaccount", "uid"});
  std::optional<json> account = reader_.Get("", "ServiceAccount", namespace_name, name);
  if (!account || StringAt(*account, {"metadata", "uid"}) != uid) {
    return Invalid(base::StrCat("invalid bearer token: service account ", namespace_name, "/", name,
                                " has been deleted"));
  }
  if (account->contains("metadata") && (*account)["metadata"].contains("deletionTimestamp")) {
    return Invalid("invalid bearer token: service account is being deleted");
  }
  result.user = ServiceAccountUser(namespace_name, name, uid);
  for (const BindableKind& bindable : kBindableKinds) {
    if (!private_claims.contains(bindable.claim)) continue;
    const std::string bound_name = StringAt(private_claims, {bindable.claim, "name"});
    const std::string bound_uid = StringAt(private_claims, {bindable.claim, "uid"});
    std::optional<json> bound =
        reader_.Get("", bindable.kind, bindable.namespaced ? namespace_name : "", bound_name);
    bool gone = !bound || StringAt(*bound, {"metadata", "uid"}) != bound_uid ||
                (bindable.namespaced && (*bound)["metadata"].contains("deletionTimestamp"));
    // A pod-bound token names its node too; only the pod's own life decides its validity.
    if (gone && !(std::string_view(bindable.claim) == "node" && private_claims.contains("pod"))) {
      return Invalid(base::StrCat("invalid bearer token: ", bindable.kind, " ", bound_name,
                                  " that the token was bound to is gone"));
    }
    std::string extra = base::StrCat("authentication.kubernetes.io/", bindable.claim, "-");
    result.user.extra[extra + "name"] = {bound_name};
    result.user.extra[extra + "uid"] = {bound_uid};
  }
  if (claims.contains("jti") && claims["jti"].is_string()) {
    result.user.extra["authentication.kubernetes.io/credential-id"] = {
        base::StrCat("JTI=", claims["jti"].get<std::string>())};
  }
  return result;
}

absl::StatusOr<AuthenticatedToken> ServiceAccountTokens::AuthenticateLegacy(
    const json& claims) const {
  const std::string namespace_name = claims.value("kubernetes.io/serviceaccount/namespace", "");
  const std::string secret_name = claims.value("kubernetes.io/serviceaccount/secret.name", "");
  const std::string name = claims.value("kubernetes.io/serviceaccount/service-account.name", "");
  const std::string uid = claims.value("kubernetes.io/serviceaccount/service-account.uid", "");
  std::optional<json> secret = reader_.Get("", "Secret", namespace_name, secret_name);
  if (!secret || StringAt(*secret, {"type"}) != "kubernetes.io/service-account-token" ||
      (*secret)["metadata"].contains("deletionTimestamp")) {
    return Invalid("invalid bearer token: the token's secret has been deleted");
  }
  std::optional<json> account = reader_.Get("", "ServiceAccount", namespace_name, name);
  if (!account || StringAt(*account, {"metadata", "uid"}) != uid) {
    return Invalid("invalid bearer token: the token's service account has been deleted");
  }
  AuthenticatedToken result;
  result.user = ServiceAccountUser(namespace_name, name, uid);
  result.user.extra["authentication.kubernetes.io/credential-id"] = {
      base::StrCat("secret/", namespace_name, "/", secret_name)};
  result.audiences = options_.api_audiences;
  return result;
}

absl::StatusOr<AuthenticatedToken> ServiceAccountTokens::AuthenticateBootstrap(
    std::string_view token) const {
  // <6 [a-z0-9]>.<16 [a-z0-9]>, stored in kube-system/bootstrap-token-<id>.
  auto lower_alnum = [](std::string_view part, size_t size) {
    return part.size() == size && std::all_of(part.begin(), part.end(), [](char c) {
             return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
           });
  };
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || !lower_alnum(token.substr(0, dot), 6) ||
      !lower_alnum(token.substr(dot + 1), 16)) {
    return Invalid("invalid bearer token");
  }
  std::string id(token.substr(0, dot));
  std::optional<json> secret =
      reader_.Get("", "Secret", "kube-system", base::StrCat("bootstrap-token-", id));
  if (!secret || StringAt(*secret, {"type"}) != "bootstrap.kubernetes.io/token" ||
      (*secret)["metadata"].contains("deletionTimestamp") ||
      DecodedData(*secret, "token-id") != id ||
      DecodedData(*secret, "token-secret") != token.substr(dot + 1) ||
      DecodedData(*secret, "usage-bootstrap-authentication") != "true") {
    return Invalid("invalid bearer token");
  }
  std::string expiration = DecodedData(*secret, "expiration");
  if (!expiration.empty()) {
    std::optional<int64_t> expires = api::ParseTimestamp(expiration);
    if (!expires || *expires < clock_.NowUnixNanos() / 1'000'000'000) {
      return Invalid("invalid bearer token: bootstrap token has expired");
    }
  }
  AuthenticatedToken result;
  result.user.name = base::StrCat("system:bootstrap:", id);
  result.user.groups = {"system:bootstrappers"};
  for (absl::string_view group :
       absl::StrSplit(DecodedData(*secret, "auth-extra-groups"), ',', absl::SkipEmpty())) {
    // Upstream only honours extra groups inside system:bootstrappers:.
    if (absl::StartsWith(group, "system:bootstrappers:")) {
      result.user.groups.emplace_back(group);
    }
  }
  result.user.groups.push_back(auth::kAuthenticated);
  result.audiences = options_.api_audiences;
  return result;
}

}  // namespace k1s::apiserver
