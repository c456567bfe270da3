#include "pki/jwt.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "base/strings.h"
#include "pki/openssl_util.h"

namespace k1s::pki {
namespace {

using internal::EvpPkeyPtr;
using internal::OpenSslPtr;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

std::string Base64Url(std::string_view bytes) {
  return absl::WebSafeBase64Escape(absl::string_view(bytes.data(), bytes.size()));
}

absl::StatusOr<EvpPkeyPtr> ReadKey(std::string_view pem, bool want_private) {
  absl::StatusOr<internal::BioPtr> bio = internal::ReadOnlyBio(pem);
  if (!bio.ok()) return bio.status();
  EVP_PKEY* key = want_private ? PEM_read_bio_PrivateKey(bio->get(), nullptr, nullptr, nullptr)
                               : PEM_read_bio_PUBKEY(bio->get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return internal::OpenSslError(
        want_private ? "reading the signing key" : "reading the verification key",
        absl::StatusCode::kInvalidArgument);
  }
  EvpPkeyPtr owned(key);
  if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    return absl::InvalidArgumentError("service-account tokens need an RSA key");
  }
  return owned;
}

// Upstream's key id: base64url(SHA-256(DER SubjectPublicKeyInfo)).
absl::StatusOr<std::string> KeyId(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int length = i2d_PUBKEY(key, &der);
  if (length <= 0) return internal::OpenSslError("encoding the public key");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(der, static_cast<size_t>(length), digest);
  OPENSSL_free(der);
  return Base64Url(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

absl::StatusOr<std::string> BignumParam(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return internal::OpenSslError("reading the RSA public key");
  }
  internal::BignumPtr number(raw);
  std::string bytes(static_cast<size_t>(BN_num_bytes(number.get())), '\0');
  BN_bn2bin(number.get(), reinterpret_cast<unsigned char*>(bytes.data()));
  return Base64Url(bytes);
}

absl::StatusOr<std::string> Jwks(EVP_PKEY* key, const std::string& kid) {
  absl::StatusOr<std::string> n = BignumParam(key, OSSL_PKEY_PARAM_RSA_N);
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = BignumParam(key, OSSL_PKEY_PARAM_RSA_E);
  if (!e.ok()) return e.status();
  nlohmann::json jwk = {{"use", "sig"},   {"kty", "RSA"}, {"kid", kid},
                        {"alg", "RS256"}, {"n", *n},      {"e", *e}};
  return nlohmann::json{{"keys", nlohmann::json::array({jwk})}}.dump();
}

absl::Status Unauthenticated(std::string_view why) {
  return absl::UnauthenticatedError(base::StrCat("invalid bearer token: ", why));
}

}  // namespace

bool LooksLikeJwt(std::string_view token) {
  int32_t dots = 0;
  for (char c : token) {
    if (c == '.') {
      ++dots;
    } else if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return false;
    }
  }
  return dots == 2;
}

struct JwtSigner::State {
  EvpPkeyPtr key;
  std::string kid;
  std::string encoded_header;
};

JwtSigner::JwtSigner(std::unique_ptr<State> state) : state_(std::move(state)) {}
JwtSigner::JwtSigner(JwtSigner&&) noexcept = default;
JwtSigner& JwtSigner::operator=(JwtSigner&&) noexcept = default;
JwtSigner::~JwtSigner() = default;

absl::StatusOr<JwtSigner> JwtSigner::FromPrivateKeyPem(std::string_view pem) {
  absl::StatusOr<EvpPkeyPtr> key = ReadKey(pem, /*want_private=*/true);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> kid = KeyId(key->get());
  if (!kid.ok()) return kid.status();
  auto state = std::make_unique<State>();
  state->key = *std::move(key);
  state->kid = *kid;
  state->encoded_header = Base64Url(nlohmann::json{{"alg", "RS256"}, {"kid", *kid}}.dump());
  return JwtSigner(std::move(state));
}

const std::string& JwtSigner::key_id() const { return state_->kid; }

absl::StatusOr<std::string> JwtSigner::Sign(std::string_view claims_json) const {
  std::string signing_input = base::StrCat(state_->encoded_header, ".", Base64Url(claims_json));
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  size_t length = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, state_->key.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return internal::OpenSslError("signing a token");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signing_input.data()),
                     signing_input.size()) != 1) {
    return internal::OpenSslError("signing a token");
  }
  signature.resize(length);
  base::StrAppend(&signing_input, ".", Base64Url(signature));
  return signing_input;
}

struct JwtVerifier::State {
  EvpPkeyPtr key;
  std::string kid;
  std::string jwks;
};

JwtVerifier::JwtVerifier(std::unique_ptr<State> state) : state_(std::move(state)) {}
JwtVerifier::JwtVerifier(JwtVerifier&&) noexcept = default;
JwtVerifier& JwtVerifier::operator=(JwtVerifier&&) noexcept = default;
JwtVerifier::~JwtVerifier() = default;

absl::StatusOr<JwtVerifier> JwtVerifier::FromPem(std::string_view pem) {
  bool is_private = pem.find("PRIVATE KEY-----") != std::string_view::npos;
  absl::StatusOr<EvpPkeyPtr> key = ReadKey(pem, is_private);
  if (!key.ok()) return key.status();
  absl::StatusOr<std::string> kid = KeyId(key->get());
  if (!kid.ok()) return kid.status();
  absl::StatusOr<std::string> jwks = Jwks(key->get(), *kid);
  if (!jwks.ok()) return jwks.status();
  auto state = std::make_unique<State>();
  state->key = *std::move(key);
  state->kid = *kid;
  state->jwks = *jwks;
  return JwtVerifier(std::move(state));
}

const std::string& JwtVerifier::key_id() const { return state_->kid; }
const std::string& JwtVerifier::jwks_json() const { return state_->jwks; }

absl::StatusOr<std::string> JwtVerifier::Verify(std::string_view token) const {
  if (!LooksLikeJwt(token)) return Unauthenticated("not a JWT");
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string header;
  std::string claims;
  std::string signature;
  auto decode = [](std::string_view part, std::string* out) {
    return absl::WebSafeBase64Unescape(absl::string_view(part.data(), part.size()), out);
  };
  if (!decode(token.substr(0, first), &header) ||
      !decode(token.substr(first + 1, second - first - 1), &claims) ||
      !decode(token.substr(second + 1), &signature)) {
    return Unauthenticated("malformed base64url");
  }
  nlohmann::json parsed_header = nlohmann::json::parse(header, nullptr, false);
  if (!parsed_header.is_object() || parsed_header.value("alg", "") != "RS256") {
    return Unauthenticated("unsupported signing algorithm");
  }
  std::string_view signed_part = token.substr(0, second);
  EvpMdCtxPtr context(EVP_MD_CTX_new());
  bool valid =
      context &&
      EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, state_->key.get()) == 1 &&
      EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) == 1;
  internal::ClearOpenSslErrors();
  if (!valid) return Unauthenticated("signature does not verify");
  return claims;
}

}  // namespace k1s::pki
