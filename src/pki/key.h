#pragma once
// Private keys: generation (ECDSA P-256 for TLS, RSA for service-account signing), PEM
// encoding and decoding.
//
// A PrivateKey owns one OpenSSL EVP_PKEY. It is movable, not copyable, and safe to use from
// several threads at once as long as none of them is assigning to it.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace k1s::pki {

enum class KeyType { kEcdsaP256, kRsa };

class PrivateKey {
 public:
  // Generates a fresh NIST P-256 key (what k3s uses for every TLS key).
  static absl::StatusOr<PrivateKey> GenerateEcdsaP256();
  // Generates an RSA key of `bits` bits (at least 2048).
  static absl::StatusOr<PrivateKey> GenerateRsa(int bits);
  // Parses a PEM private key: "EC PRIVATE KEY", "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY".
  static absl::StatusOr<PrivateKey> FromPem(std::string_view pem);

  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  KeyType type() const { return type_; }
  // Key size in bits (256 for P-256).
  int bits() const;

  // The private key in the traditional PEM form k3s writes ("EC PRIVATE KEY" or
  // "RSA PRIVATE KEY"), accepted by Go, OpenSSL, curl and kubectl alike.
  absl::StatusOr<std::string> ToPem() const;
  // The public half as a PEM "PUBLIC KEY" (SubjectPublicKeyInfo).
  absl::StatusOr<std::string> PublicKeyPem() const;

  // Borrowed handle for code that talks to OpenSSL directly; owned by this object.
  EVP_PKEY* native() const { return key_; }

 private:
  PrivateKey(EVP_PKEY* key, KeyType type) : key_(key), type_(type) {}

  EVP_PKEY* key_ = nullptr;
  KeyType type_ = KeyType::kEcdsaP256;
};

}  // namespace k1s::pki
