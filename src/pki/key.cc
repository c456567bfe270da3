#include "pki/key.h"

#include <openssl/ec.h>
#include <openssl/pem.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "pki/openssl_util.h"

namespace k1s::pki {

using internal::EvpPkeyPtr;
using internal::OpenSslError;

absl::StatusOr<PrivateKey> PrivateKey::GenerateEcdsaP256() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) return OpenSslError("generate ECDSA P-256 key");
  return PrivateKey(key, KeyType::kEcdsaP256);
}

absl::StatusOr<PrivateKey> PrivateKey::GenerateRsa(int bits) {
  if (bits < 2048) {
    return absl::InvalidArgumentError(absl::StrCat("RSA keys need at least 2048 bits, got ", bits));
  }
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (key == nullptr) return OpenSslError(absl::StrCat("generate RSA ", bits, " key"));
  return PrivateKey(key, KeyType::kRsa);
}

absl::StatusOr<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  auto bio = internal::ReadOnlyBio(pem);
  if (!bio.ok()) return bio.status();
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio->get(), nullptr, nullptr, nullptr));
  if (!key) return OpenSslError("parse PEM private key", absl::StatusCode::kInvalidArgument);
  switch (EVP_PKEY_get_base_id(key.get())) {
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t length = 0;
      if (EVP_PKEY_get_utf8_string_param(key.get(), "group", group, sizeof(group), &length) != 1 ||
          std::string_view(group, length) != "prime256v1") {
        internal::ClearOpenSslErrors();
        return absl::InvalidArgumentError(absl::StrCat(
            "unsupported EC curve \"", std::string(group, length), "\"; only P-256 is supported"));
      }
      return PrivateKey(key.release(), KeyType::kEcdsaP256);
    }
    case EVP_PKEY_RSA:
      return PrivateKey(key.release(), KeyType::kRsa);
    default:
      return absl::InvalidArgumentError("unsupported private key type; want EC P-256 or RSA");
  }
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept
    : key_(std::exchange(other.key_, nullptr)), type_(other.type_) {}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
    type_ = other.type_;
  }
  return *this;
}

PrivateKey::~PrivateKey() { EVP_PKEY_free(key_); }

int PrivateKey::bits() const { return key_ == nullptr ? 0 : EVP_PKEY_get_bits(key_); }

absl::StatusOr<std::string> PrivateKey::ToPem() const {
  if (key_ == nullptr) return absl::FailedPreconditionError("empty private key");
  auto bio = internal::MemoryBio();
  if (!bio.ok()) return bio.status();
  if (PEM_write_bio_PrivateKey_traditional(bio->get(), key_, nullptr, nullptr, 0, nullptr,
                                           nullptr) != 1) {
    return OpenSslError("encode private key as PEM");
  }
  return internal::BioContents(bio->get());
}

absl::StatusOr<std::string> PrivateKey::PublicKeyPem() const {
  if (key_ == nullptr) return absl::FailedPreconditionError("empty private key");
  auto bio = internal::MemoryBio();
  if (!bio.ok()) return bio.status();
  if (PEM_write_bio_PUBKEY(bio->get(), key_) != 1) return OpenSslError("encode public key");
  return internal::BioContents(bio->get());
}

}  // namespace k1s::pki
