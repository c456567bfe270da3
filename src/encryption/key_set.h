#pragma once
// Encryption keys for secrets at rest and the file that holds them.
//
// The file is kube-apiserver's EncryptionConfiguration (apiVersion apiserver.config.k8s.io/v1),
// written as JSON (which is valid YAML), so the same file could be handed to a kube-apiserver:
//
//   {"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
//    "resources": [{"resources": ["secrets"],
//                   "providers": [{"aesgcm": {"keys": [{"name": "k1", "secret": "<base64>"}]}},
//                                 {"identity": {}}]}]}
//
// Only the aesgcm and identity providers for "secrets" are understood; anything else is rejected
// with an error naming the file and the field. The first key encrypts, every key decrypts, and
// identity (last) lets values written before encryption was enabled be read as they are.
// Pure functions with no shared state: thread-safe.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace k1s::encryption {

struct Key {
  std::string name;    // unique within a KeySet; appears in every value it encrypts
  std::string secret;  // raw AES key: 32 bytes (16 and 24 are accepted too, as upstream does)
};

struct KeySet {
  std::vector<Key> keys;  // keys[0] encrypts; all of them decrypt
};

// Checks names (non-empty, unique) and secret lengths. Errors name the offending key.
absl::Status ValidateKeySet(const KeySet& key_set);

// Reads and validates an EncryptionConfiguration file.
absl::StatusOr<KeySet> LoadKeySet(const std::string& path);

// Writes `key_set` atomically with mode 0600, its directory forced to 0700.
absl::Status SaveKeySet(const std::string& path, const KeySet& key_set);

// Loads `path`, or creates it with one new key (named for the current time) when it does not
// exist.
absl::StatusOr<KeySet> LoadOrCreateKeySet(const std::string& path);

// A new random 32-byte key (RAND_bytes) named "aesgcmkey-<UTC yyyymmddThhmmss>" for
// `unix_seconds`. Fails only when the system's random source does.
absl::StatusOr<Key> NewKey(int64_t unix_seconds);

// `current` with a new key in front (it encrypts from now on); older keys stay for reading.
// The new name gets a "-2", "-3", ... suffix if it would repeat an existing one.
absl::StatusOr<KeySet> RotatedKeySet(const KeySet& current, int64_t unix_seconds);

// `current` without the keys no stored value uses any more; keys[0] is always kept.
KeySet PrunedKeySet(const KeySet& current, const std::set<std::string>& used_names);

}  // namespace k1s::encryption
