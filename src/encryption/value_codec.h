#pragma once
// The stored form of an encrypted value, as kube-apiserver's aesgcm provider writes it:
//
//   "k8s:enc:aesgcm:v1:" <key name> ":" <12-byte random nonce> <AES-GCM ciphertext> <16-byte tag>
//
// with the datastore key (e.g. "/registry/secrets/default/foo") as additional authenticated
// data, so a value copied to another key does not decrypt. Values without the "k8s:enc:" prefix
// are plaintext (the identity provider) and read as they are.
// A ValueCodec is immutable after construction: thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "encryption/key_set.h"

namespace k1s::encryption {

inline constexpr std::string_view kEncryptedPrefix = "k8s:enc:";
inline constexpr std::string_view kAesgcmPrefix = "k8s:enc:aesgcm:v1:";

class ValueCodec {
 public:
  // `key_set` must pass ValidateKeySet.
  explicit ValueCodec(const KeySet& key_set);
  ValueCodec(const ValueCodec&) = delete;
  ValueCodec& operator=(const ValueCodec&) = delete;

  // The stored form of `plaintext` under datastore key `key`, with the first key.
  absl::StatusOr<std::string> Encrypt(std::string_view key, std::string_view plaintext) const;

  // The plaintext of `stored` under datastore key `key`. Errors (kInternal) name the datastore
  // key and the encryption key: unknown key name, other providers, tampered or moved data.
  absl::StatusOr<std::string> Decrypt(std::string_view key, std::string_view stored) const;

  static bool IsEncrypted(std::string_view stored) { return stored.starts_with(kEncryptedPrefix); }

  // True when `stored` is already in the form Encrypt writes (first key).
  bool UsesWriteKey(std::string_view stored) const { return stored.starts_with(keys_[0].prefix); }

  // The name of the key `stored` claims to be encrypted with: a configured key's name when its
  // prefix matches, else the name up to the next ':' for other aesgcm values, "provider:<name>"
  // for other providers' values and "" for plaintext. For usage reports.
  std::string KeyNameOf(std::string_view stored) const;

  const KeySet& key_set() const { return key_set_; }

 private:
  struct PreparedKey {
    const Key* key = nullptr;  // in key_set_ (never resized after construction)
    std::string prefix;        // kAesgcmPrefix + name + ":"
  };

  KeySet key_set_;
  std::vector<PreparedKey> keys_;
};

}  // namespace k1s::encryption
