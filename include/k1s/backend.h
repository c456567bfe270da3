#pragma once
// The datastore's in-process interface: an etcd v3 style multi-version key-value store.
//
// The apiserver stores through it directly; the etcd gRPC service (src/datastore/etcd) is a thin
// adapter over it, so etcdctl and the apiserver see the same data. Requests and responses mirror
// etcd's KV/Watch/Lease messages field for field, in plain C++ so that users of the Backend need
// no protobuf. All methods are thread-safe.
//
// Errors: every failure is an absl::Status whose code is the gRPC code etcd uses for it and whose
// message is etcd's own text, e.g. OUT_OF_RANGE "etcdserver: mvcc: required revision has been
// compacted", NOT_FOUND "etcdserver: requested lease not found", INVALID_ARGUMENT "etcdserver:
// request is too large". absl and gRPC status codes share numbers, so the adapter maps 1:1.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace k1s {

// One key at one revision. Keys and values are byte strings (may hold any byte, including NUL).
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;  // 1 on creation, +1 per put; a tombstone resets the key's history.
  int64_t lease = 0;    // 0 = no lease
};

enum class SortOrder { kNone, kAscend, kDescend };
enum class SortTarget { kKey, kVersion, kCreate, kMod, kValue };

// Key ranges follow etcd: range_end empty = the single key `key`; range_end "\0" (one NUL byte)
// = every key >= key; otherwise the half-open interval [key, range_end). key "\0" with range_end
// "\0" means all keys.
struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;     // 0 = no limit
  int64_t revision = 0;  // 0 = current revision
  SortOrder sort_order = SortOrder::kNone;
  SortTarget sort_target = SortTarget::kKey;
  bool keys_only = false;
  bool count_only = false;
  int64_t min_mod_revision = 0;  // 0 = no bound, for all four
  int64_t max_mod_revision = 0;
  int64_t min_create_revision = 0;
  int64_t max_create_revision = 0;
};

struct RangeResponse {
  int64_t revision = 0;  // store revision the read was served at (header revision)
  std::vector<KeyValue> kvs;
  bool more = false;   // more keys matched than `limit` returned
  int64_t count = 0;   // number of keys matched, regardless of limit
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;
  bool prev_kv = false;
  bool ignore_value = false;  // keep the current value (error if the key does not exist)
  bool ignore_lease = false;  // keep the current lease (error if the key does not exist)
};

struct PutResponse {
  int64_t revision = 0;
  std::optional<KeyValue> prev_kv;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;
  bool prev_kv = false;
};

struct DeleteRangeResponse {
  int64_t revision = 0;
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs;
};

struct Compare {
  enum class Result { kEqual, kGreater, kLess, kNotEqual };
  enum class Target { kVersion, kCreate, kMod, kValue, kLease };
  Result result = Result::kEqual;
  Target target = Target::kVersion;
  std::string key;
  std::string range_end;  // compare every key in the range, as etcd does
  int64_t number = 0;     // for kVersion, kCreate, kMod, kLease
  std::string value;      // for kValue
};

struct RequestOp;
struct ResponseOp;

// Compares all true -> success ops, else failure ops; the whole txn is one revision (or none if
// it only reads). A key may be written at most once per txn; at most 128 compares and 128 ops
// per branch, as etcd allows.
struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
};

struct TxnResponse {
  int64_t revision = 0;
  bool succeeded = false;
  std::vector<ResponseOp> responses;
};

struct RequestOp {
  std::variant<RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest> request;
};

struct ResponseOp {
  std::variant<RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse> response;
};

struct Event {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // for kDelete: key and mod_revision = the delete's revision, rest empty/zero
  std::optional<KeyValue> prev_kv;  // only when the watch asked for prev_kv
};

struct WatchRequest {
  std::string key;
  std::string range_end;
  int64_t start_revision = 0;  // 0 = only changes after the current revision
  bool prev_kv = false;
  bool filter_put = false;     // drop put events
  bool filter_delete = false;  // drop delete events
};

// What a watch delivers, in revision order, never a revision twice and never a gap:
// - events: all matching events of one or more whole revisions; `revision` = the last of them.
// - progress: no events; every event at or below `revision` has already been delivered.
// - canceled: the final message; `compact_revision` > 0 when start_revision was compacted.
struct WatchResponse {
  int64_t revision = 0;
  std::vector<Event> events;
  bool canceled = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
};

// Called from the datastore's fan-out thread; must not block. Messages for one watch never
// overlap and arrive in order.
using WatchCallback = std::function<void(WatchResponse)>;

// A live watch. Destroying it cancels the watch; no callback runs after the destructor returns.
class WatchHandle {
 public:
  virtual ~WatchHandle() = default;
  // Asks for a progress message (empty events) ordered after everything delivered so far.
  virtual void RequestProgress() = 0;
};

struct LeaseInfo {
  int64_t id = 0;
  int64_t ttl = 0;          // seconds remaining; -1 if expired or not found
  int64_t granted_ttl = 0;  // seconds granted
  std::vector<std::string> keys;
};

struct BackendStatus {
  int64_t revision = 0;
  int64_t compact_revision = 0;
  int64_t db_size_bytes = 0;         // file size on disk
  int64_t db_size_in_use_bytes = 0;  // size minus free pages
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual absl::StatusOr<RangeResponse> Range(const RangeRequest& request) = 0;
  virtual absl::StatusOr<PutResponse> Put(const PutRequest& request) = 0;
  virtual absl::StatusOr<DeleteRangeResponse> DeleteRange(const DeleteRangeRequest& request) = 0;
  virtual absl::StatusOr<TxnResponse> Txn(const TxnRequest& request) = 0;

  // Starts a watch; history from start_revision is replayed first. A start_revision below the
  // compacted revision yields one canceled message with compact_revision set (as in etcd, the
  // compacted revision itself can still be watched from).
  virtual absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(const WatchRequest& request,
                                                             WatchCallback callback) = 0;

  // id 0 lets the store choose. ttl in seconds. Returns the granted lease.
  virtual absl::StatusOr<LeaseInfo> LeaseGrant(int64_t id, int64_t ttl_seconds) = 0;
  // Deletes the lease and all keys attached to it in one revision.
  virtual absl::Status LeaseRevoke(int64_t id) = 0;
  // Renews the lease to its granted TTL; returns the TTL.
  virtual absl::StatusOr<int64_t> LeaseKeepAlive(int64_t id) = 0;
  virtual absl::StatusOr<LeaseInfo> LeaseTimeToLive(int64_t id, bool with_keys) = 0;
  virtual absl::StatusOr<std::vector<int64_t>> LeaseList() = 0;

  // Discards history below `revision` (key versions superseded before it, tombstones).
  virtual absl::Status Compact(int64_t revision) = 0;

  virtual int64_t CurrentRevision() = 0;
  virtual absl::StatusOr<BackendStatus> Status() = 0;
  // Reclaims free space in the database file.
  virtual absl::Status Defragment() = 0;
};

}  // namespace k1s
