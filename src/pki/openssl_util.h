#pragma once
// Internal helpers shared by the pki sources: owning handles for OpenSSL objects, turning the
// OpenSSL error queue into absl::Status, random bytes and hex encoding.
//
// Not part of the public API; other components use key.h, certificate.h and friends instead.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace k1s::pki::internal {

template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* object) const { Free(object); }
};

template <typename T, void (*Free)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<T, Free>>;

using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using X509NamePtr = OpenSslPtr<X509_NAME, X509_NAME_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using Asn1TimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;
using Asn1IntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1OctetStringPtr = OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using GeneralNamePtr = OpenSslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using ExtendedKeyUsagePtr = OpenSslPtr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free>;
using BasicConstraintsPtr = OpenSslPtr<BASIC_CONSTRAINTS, BASIC_CONSTRAINTS_free>;

inline void FreeBio(BIO* bio) { BIO_free_all(bio); }
using BioPtr = OpenSslPtr<BIO, FreeBio>;

// Returns an error whose message is `what` followed by the drained OpenSSL error queue.
// The queue is always emptied so later calls do not report stale errors.
absl::Status OpenSslError(std::string_view what,
                          absl::StatusCode code = absl::StatusCode::kInternal);

// Drops whatever is left on the calling thread's OpenSSL error queue.
void ClearOpenSslErrors();

// A read-only memory BIO over `data` (which must outlive the BIO).
absl::StatusOr<BioPtr> ReadOnlyBio(std::string_view data);

// An empty, growable memory BIO.
absl::StatusOr<BioPtr> MemoryBio();

// Everything written to a memory BIO so far.
std::string BioContents(BIO* bio);

// `size` bytes from the OpenSSL CSPRNG.
absl::StatusOr<std::string> RandomBytes(size_t size);

// Lower-case hexadecimal encoding of `bytes`.
std::string HexEncode(std::string_view bytes);

// Lower-case hex SHA-256 digest of `data`.
absl::StatusOr<std::string> Sha256Hex(std::string_view data);

}  // namespace k1s::pki::internal
