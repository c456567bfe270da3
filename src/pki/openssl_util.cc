#include "pki/openssl_util.h"

#include <openssl/err.h>
#include <openssl/rand.h>

#include <climits>

#include "absl/strings/str_cat.h"

namespace k1s::pki::internal {

absl::Status OpenSslError(std::string_view what, absl::StatusCode code) {
  std::string details;
  unsigned long error;  // NOLINT(runtime/int): OpenSSL's error type.
  while ((error = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    absl::StrAppend(&details, details.empty() ? "" : "; ", buffer);
  }
  if (details.empty()) return absl::Status(code, std::string(what));
  return absl::Status(code, absl::StrCat(std::string(what), ": ", details));
}

void ClearOpenSslErrors() { ERR_clear_error(); }

absl::StatusOr<BioPtr> ReadOnlyBio(std::string_view data) {
  if (data.size() > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError("input too large");
  }
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) return OpenSslError("allocate memory BIO");
  return bio;
}

absl::StatusOr<BioPtr> MemoryBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslError("allocate memory BIO");
  return bio;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int): OpenSSL's type.
  if (size <= 0 || data == nullptr) return std::string();
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::string> RandomBytes(size_t size) {
  std::string bytes(size, '\0');
  if (size > static_cast<size_t>(INT_MAX)) return absl::InvalidArgumentError("too many bytes");
  if (size > 0 &&
      RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(size)) != 1) {
    return OpenSslError("read random bytes");
  }
  return bytes;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0f]);
  }
  return hex;
}

absl::StatusOr<std::string> Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return OpenSslError("compute SHA-256");
  }
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

}  // namespace k1s::pki::internal
