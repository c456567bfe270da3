#pragma once
// etcd-compatible request validation, key-range helpers and the datastore's error values.
//
// Everything here is a pure function of its arguments: thread-safe, no I/O.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "k1s/backend.h"

namespace k1s::datastore {

// etcd's limits.
inline constexpr int64_t kMaxRequestBytes = 1536 * 1024;  // 1.5 MiB
inline constexpr int kMaxTxnOps = 128;
inline constexpr int64_t kMaxLeaseTtlSeconds = 9000000000LL;

// The errors etcd returns, with etcd's codes and texts.
absl::Status ErrCompacted();
absl::Status ErrFutureRevision();
absl::Status ErrLeaseNotFound();
absl::Status ErrLeaseExists();
absl::Status ErrLeaseTtlTooLarge();
absl::Status ErrKeyNotFound();
absl::Status ErrEmptyKey();
absl::Status ErrRequestTooLarge();
absl::Status ErrDuplicateKey();
absl::Status ErrTooManyOps();
absl::Status ErrValueProvided();
absl::Status ErrLeaseProvided();

// A key interval decoded from etcd's (key, range_end) pair.
struct KeyRange {
  std::string begin;
  std::string end;         // exclusive; meaningless when unbounded
  bool unbounded = false;  // every key >= begin
  bool empty = false;      // range_end <= key: matches nothing

  static KeyRange From(std::string_view key, std::string_view range_end);
  bool Contains(std::string_view key) const {
    if (empty || key < begin) return false;
    return unbounded || key < end;
  }
};

// Shape checks done before a request reaches the store (etcd's v3rpc checks), including the
// request size limit. They never look at stored data.
absl::Status CheckRange(const RangeRequest& request);
absl::Status CheckPut(const PutRequest& request);
absl::Status CheckDeleteRange(const DeleteRangeRequest& request);
// Checks op counts, every nested op and duplicate writes (a key put twice, or put inside a
// range deleted by the same txn), as etcd does.
absl::Status CheckTxn(const TxnRequest& request);

// Approximate encoded size of a request, for the 1.5 MiB limit.
int64_t RequestBytes(const PutRequest& request);
int64_t RequestBytes(const DeleteRangeRequest& request);
int64_t RequestBytes(const TxnRequest& request);

// True when the txn (in either branch, recursively) could write.
bool TxnMayWrite(const TxnRequest& request);

}  // namespace k1s::datastore
