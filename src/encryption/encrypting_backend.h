#pragma once
// A Backend decorator that keeps the values of some keys (secrets by default) encrypted at rest,
// as kube-apiserver does with an EncryptionConfiguration whose first provider is aesgcm:
//
//   EncryptingBackend store(*sqlite, key_set);   // the apiserver then uses `store`
//
// Writes: every Put of a covered key (also inside Txn branches, nested txns too) stores the
// value encrypted with keys[0] (see value_codec.h for the format). Put with ignore_value keeps
// the stored value and passes through.
// Reads: values of covered keys are decrypted in Range results, Txn range responses, prev_kv
// fields and Watch events (prev_kv too); plaintext values (stored before encryption was enabled)
// are returned as they are. Everything else passes through untouched, and requests and results
// that cannot touch a covered key are forwarded without any copy.
//
// Errors: a value that does not decrypt (unknown key, wrong key, tampered or moved data) fails
// the whole read with kInternal naming the datastore key and the encryption key, as
// kube-apiserver fails a LIST that holds one. A watch that meets such a value delivers one
// final message with canceled = true and the error in cancel_reason, then nothing more (the
// apiserver re-lists, which reports the error). A Txn Compare on VALUE for a covered key
// fails with kInvalidArgument: ciphertexts carry a random nonce and cannot be compared, and the
// apiserver only compares mod/create revisions. A Range sorted by VALUE over covered keys is
// sorted after decryption (limit applied afterwards); Range ops inside a Txn are not re-sorted.
// Prefixes should not overlap (Usage and Reencrypt would visit a key twice).
// Watch handles must be destroyed before this object (their callbacks use it).
//
// Thread-safe: every method may be called concurrently; SetKeySet swaps keys atomically for
// later requests.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "encryption/key_set.h"
#include "encryption/value_codec.h"
#include "k1s/backend.h"

namespace k1s::encryption {

// How the stored values under the covered prefixes are encrypted.
struct KeyUsage {
  std::map<std::string, int64_t> by_key;  // key name (see ValueCodec::KeyNameOf) -> values
  int64_t plaintext = 0;
  int64_t total = 0;
};

class EncryptingBackend : public Backend {
 public:
  // `inner` must outlive this object. `keys` must pass ValidateKeySet.
  EncryptingBackend(Backend& inner, KeySet keys,
                    std::vector<std::string> prefixes = {"/registry/secrets/"});

  void SetKeySet(KeySet keys);
  KeySet key_set() const;

  absl::StatusOr<RangeResponse> Range(const RangeRequest& request) override;
  absl::StatusOr<PutResponse> Put(const PutRequest& request) override;
  absl::StatusOr<DeleteRangeResponse> DeleteRange(const DeleteRangeRequest& request) override;
  absl::StatusOr<TxnResponse> Txn(const TxnRequest& request) override;
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(const WatchRequest& request,
                                                     WatchCallback callback) override;
  absl::StatusOr<LeaseInfo> LeaseGrant(int64_t id, int64_t ttl_seconds) override;
  absl::Status LeaseRevoke(int64_t id) override;
  absl::StatusOr<int64_t> LeaseKeepAlive(int64_t id) override;
  absl::StatusOr<LeaseInfo> LeaseTimeToLive(int64_t id, bool with_keys) override;
  absl::StatusOr<std::vector<int64_t>> LeaseList() override;
  absl::Status Compact(int64_t revision) override;
  int64_t CurrentRevision() override;
  absl::StatusOr<BackendStatus> Status() override;
  absl::Status Defragment() override;

  // Counts the stored values under the prefixes by the key that encrypts them.
  absl::StatusOr<KeyUsage> Usage();

  // Rewrites every value under the prefixes that is not encrypted with keys[0] (plaintext ones
  // too). Each write is guarded by its key's mod_revision, so a concurrent write wins and is
  // left alone; many keys go in one Txn. Returns how many values were rewritten. Stops at the
  // first value that does not decrypt, naming it.
  absl::StatusOr<int64_t> Reencrypt();

 private:
  using CodecPtr = std::shared_ptr<const ValueCodec>;

  CodecPtr codec() const;
  bool Covers(std::string_view key) const;
  bool RangeTouches(std::string_view key, std::string_view range_end) const;
  struct TxnScan {
    bool touches = false;  // some op reads or writes a covered key
    bool writes = false;   // some op puts a value to a covered key
  };
  absl::Status ScanTxn(const TxnRequest& request, TxnScan& scan) const;
  absl::Status EncryptTxnPuts(const ValueCodec& codec, TxnRequest& request) const;
  absl::Status DecryptKv(const ValueCodec& codec, KeyValue& kv) const;
  absl::Status DecryptKvs(const ValueCodec& codec, std::vector<KeyValue>& kvs) const;
  absl::Status DecryptTxnResponse(const ValueCodec& codec, TxnResponse& response) const;
  absl::Status DecryptEvents(std::vector<Event>& events) const;
  // Calls `fn` on every stored (raw) value under the prefixes, in key order, page by page.
  absl::Status Scan(const std::function<absl::Status(const KeyValue&)>& fn);

  Backend& inner_;
  const std::vector<std::string> prefixes_;
  const std::vector<std::string> prefix_ends_;  // exclusive range end of each; "" = unbounded
  mutable std::mutex mu_;
  CodecPtr codec_;  // guarded by mu_; the codec itself is immutable
};

}  // namespace k1s::encryption
