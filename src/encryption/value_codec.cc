#include "encryption/value_codec.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <memory>

#include "base/strings.h"

namespace k1s::encryption {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

const EVP_CIPHER* CipherFor(const std::string& secret) {
  switch (secret.size()) {
    case 16:
      return EVP_aes_128_gcm();
    case 24:
      return EVP_aes_192_gcm();
    default:
      return EVP_aes_256_gcm();
  }
}

struct CtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

// One cipher context per thread, reused across values: no allocation per value.
EVP_CIPHER_CTX* ThreadCtx() {
  thread_local std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter> ctx(EVP_CIPHER_CTX_new());
  return ctx.get();
}

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::Status TransformError(std::string_view key, std::string_view reason) {
  return absl::InternalError(base::StrCat("unable to transform key \"", key, "\": ", reason));
}

// AES-GCM open of nonce|ciphertext|tag into *out; false when the tag does not verify.
bool Open(const Key& key, std::string_view aad, std::string_view body, std::string* out) {
  EVP_CIPHER_CTX* ctx = ThreadCtx();
  std::string_view nonce = body.substr(0, kNonceBytes);
  std::string_view ciphertext = body.substr(kNonceBytes, body.size() - kNonceBytes - kTagBytes);
  unsigned char tag[kTagBytes];
  body.copy(reinterpret_cast<char*>(tag), kTagBytes, body.size() - kTagBytes);
  out->resize(ciphertext.size());
  int len = 0;
  int final_len = 0;
  return ctx != nullptr &&
         EVP_DecryptInit_ex(ctx, CipherFor(key.secret), nullptr, Bytes(key.secret), Bytes(nonce)) ==
             1 &&
         EVP_DecryptUpdate(ctx, nullptr, &len, Bytes(aad), static_cast<int>(aad.size())) == 1 &&
         (ciphertext.empty() ||
          EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(out->data()), &len,
                            Bytes(ciphertext), static_cast<int>(ciphertext.size())) == 1) &&
         EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) == 1 &&
         EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(out->data()) + len,
                             &final_len) == 1;
}

}  // namespace

ValueCodec::ValueCodec(const KeySet& key_set) : key_set_(key_set) {
  keys_.reserve(key_set_.keys.size());
  for (const Key& key : key_set_.keys) {
    keys_.push_back({&key, base::StrCat(kAesgcmPrefix, key.name, ":")});
  }
}

absl::StatusOr<std::string> ValueCodec::Encrypt(std::string_view key,
                                                std::string_view plaintext) const {
  if (plaintext.size() > INT_MAX / 2 || key.size() > INT_MAX / 2) {
    return TransformError(key, "value too large to encrypt");
  }
  const PreparedKey& write = keys_[0];
  std::string out(write.prefix.size() + kNonceBytes + plaintext.size() + kTagBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  unsigned char* nonce = bytes + write.prefix.size();
  unsigned char* ciphertext = nonce + kNonceBytes;
  write.prefix.copy(out.data(), write.prefix.size());
  EVP_CIPHER_CTX* ctx = ThreadCtx();
  int len = 0;
  int final_len = 0;
  bool ok =
      ctx != nullptr && RAND_bytes(nonce, kNonceBytes) == 1 &&
      EVP_EncryptInit_ex(ctx, CipherFor(write.key->secret), nullptr, Bytes(write.key->secret),
                         nonce) == 1 &&
      EVP_EncryptUpdate(ctx, nullptr, &len, Bytes(key), static_cast<int>(key.size())) == 1 &&
      (plaintext.empty() || EVP_EncryptUpdate(ctx, ciphertext, &len, Bytes(plaintext),
                                              static_cast<int>(plaintext.size())) == 1) &&
      EVP_EncryptFinal_ex(ctx, ciphertext + len, &final_len) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes, ciphertext + plaintext.size()) == 1;
  if (!ok) {
    return TransformError(
        key, base::StrCat("encrypting with aesgcm key \"", write.key->name, "\" failed"));
  }
  return out;
}

absl::StatusOr<std::string> ValueCodec::Decrypt(std::string_view key,
                                                std::string_view stored) const {
  if (!IsEncrypted(stored)) return std::string(stored);
  std::string out;
  absl::Status last_error;
  // Names may contain ':' (k3s used RFC 3339 times), so several prefixes can match: try each.
  for (const PreparedKey& candidate : keys_) {
    if (!stored.starts_with(candidate.prefix)) continue;
    std::string_view body = stored.substr(candidate.prefix.size());
    if (body.size() < kNonceBytes + kTagBytes) {
      last_error = TransformError(
          key, base::StrCat("aesgcm key \"", candidate.key->name,
                            "\": the stored data was shorter than the required size"));
      continue;
    }
    if (Open(*candidate.key, key, body, &out)) return out;
    last_error = TransformError(
        key, base::StrCat("decrypting with aesgcm key \"", candidate.key->name,
                          "\" failed: message authentication failed (wrong key, or the data was "
                          "modified or moved from another key)"));
  }
  if (!last_error.ok()) return last_error;
  std::string name = KeyNameOf(stored);
  if (stored.starts_with(kAesgcmPrefix)) {
    return TransformError(
        key, base::StrCat("no aesgcm key named \"", name, "\" in the encryption configuration"));
  }
  return TransformError(key,
                        base::StrCat("value is encrypted by an unsupported provider (", name, ")"));
}

std::string ValueCodec::KeyNameOf(std::string_view stored) const {
  if (!IsEncrypted(stored)) return "";
  for (const PreparedKey& candidate : keys_) {
    if (stored.starts_with(candidate.prefix)) return candidate.key->name;
  }
  if (stored.starts_with(kAesgcmPrefix)) {
    std::string_view rest = stored.substr(kAesgcmPrefix.size());
    return std::string(rest.substr(0, rest.find(':')));
  }
  std::string_view rest = stored.substr(kEncryptedPrefix.size());
  return base::StrCat("provider:", rest.substr(0, rest.find(':')));
}

}  // namespace k1s::encryption
