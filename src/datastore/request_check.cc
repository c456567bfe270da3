#include "datastore/request_check.h"

#include <set>
#include <utility>
#include <vector>

namespace k1s::datastore {

absl::Status ErrCompacted() {
  return absl::OutOfRangeError("etcdserver: mvcc: required revision has been compacted");
}
absl::Status ErrFutureRevision() {
  return absl::OutOfRangeError("etcdserver: mvcc: required revision is a future revision");
}
absl::Status ErrLeaseNotFound() {
  return absl::NotFoundError("etcdserver: requested lease not found");
}
absl::Status ErrLeaseExists() {
  return absl::FailedPreconditionError("etcdserver: lease already exists");
}
absl::Status ErrLeaseTtlTooLarge() {
  return absl::OutOfRangeError("etcdserver: too large lease TTL");
}
absl::Status ErrKeyNotFound() { return absl::InvalidArgumentError("etcdserver: key not found"); }
absl::Status ErrEmptyKey() { return absl::InvalidArgumentError("etcdserver: key is not provided"); }
absl::Status ErrRequestTooLarge() {
  return absl::InvalidArgumentError("etcdserver: request is too large");
}
absl::Status ErrDuplicateKey() {
  return absl::InvalidArgumentError("etcdserver: duplicate key given in txn request");
}
absl::Status ErrTooManyOps() {
  return absl::InvalidArgumentError("etcdserver: too many operations in txn request");
}
absl::Status ErrValueProvided() {
  return absl::InvalidArgumentError("etcdserver: value is provided");
}
absl::Status ErrLeaseProvided() {
  return absl::InvalidArgumentError("etcdserver: lease is provided");
}

KeyRange KeyRange::From(std::string_view key, std::string_view range_end) {
  KeyRange range;
  range.begin = std::string(key);
  if (range_end.empty()) {
    // Exactly one key: the smallest key greater than `key` is key + NUL.
    range.end = range.begin;
    range.end.push_back('\0');
  } else if (range_end == std::string_view("\0", 1)) {
    range.unbounded = true;
  } else {
    range.end = std::string(range_end);
    range.empty = range.end <= range.begin;
  }
  return range;
}

namespace {

constexpr int64_t kOpOverhead = 16;

int64_t OpBytes(const RequestOp& op);

int64_t TxnBytes(const TxnRequest& request) {
  int64_t total = kOpOverhead;
  for (const Compare& c : request.compare) {
    total += kOpOverhead + static_cast<int64_t>(c.key.size() + c.range_end.size() + c.value.size());
  }
  for (const RequestOp& op : request.success) total += OpBytes(op);
  for (const RequestOp& op : request.failure) total += OpBytes(op);
  return total;
}

int64_t OpBytes(const RequestOp& op) {
  if (const auto* r = std::get_if<RangeRequest>(&op.request)) {
    return kOpOverhead + static_cast<int64_t>(r->key.size() + r->range_end.size());
  }
  if (const auto* p = std::get_if<PutRequest>(&op.request)) return RequestBytes(*p);
  if (const auto* d = std::get_if<DeleteRangeRequest>(&op.request)) return RequestBytes(*d);
  return TxnBytes(std::get<TxnRequest>(op.request));
}

// etcd's interval check for duplicate writes. Returns the keys put and the ranges deleted by
// `ops` (one branch), or ErrDuplicateKey.
struct Writes {
  std::set<std::string> puts;
  std::vector<KeyRange> deletes;
  bool Deletes(const std::string& key) const {
    for (const KeyRange& r : deletes) {
      if (r.Contains(key)) return true;
    }
    return false;
  }
};

absl::Status CheckIntervals(const std::vector<RequestOp>& ops, Writes& out) {
  for (const RequestOp& op : ops) {
    if (const auto* d = std::get_if<DeleteRangeRequest>(&op.request)) {
      out.deletes.push_back(KeyRange::From(d->key, d->range_end));
    }
  }
  for (const RequestOp& op : ops) {
    const auto* txn = std::get_if<TxnRequest>(&op.request);
    if (txn == nullptr) continue;
    Writes then_writes, else_writes;
    if (absl::Status s = CheckIntervals(txn->success, then_writes); !s.ok()) return s;
    if (absl::Status s = CheckIntervals(txn->failure, else_writes); !s.ok()) return s;
    for (const std::string& key : then_writes.puts) {
      if (out.puts.count(key) > 0 || out.Deletes(key)) return ErrDuplicateKey();
      out.puts.insert(key);
    }
    for (const std::string& key : else_writes.puts) {
      // The two branches exclude each other, so a key put by both is fine.
      if (out.puts.count(key) > 0 && then_writes.puts.count(key) == 0) return ErrDuplicateKey();
      if (out.Deletes(key)) return ErrDuplicateKey();
      out.puts.insert(key);
    }
    for (KeyRange& r : then_writes.deletes) out.deletes.push_back(std::move(r));
    for (KeyRange& r : else_writes.deletes) out.deletes.push_back(std::move(r));
  }
  for (const RequestOp& op : ops) {
    const auto* put = std::get_if<PutRequest>(&op.request);
    if (put == nullptr) continue;
    if (out.puts.count(put->key) > 0 || out.Deletes(put->key)) return ErrDuplicateKey();
    out.puts.insert(put->key);
  }
  return absl::OkStatus();
}

absl::Status CheckTxnShape(const TxnRequest& request);

absl::Status CheckOp(const RequestOp& op) {
  if (const auto* r = std::get_if<RangeRequest>(&op.request)) {
    return r->key.empty() ? ErrEmptyKey() : absl::OkStatus();
  }
  if (const auto* p = std::get_if<PutRequest>(&op.request)) {
    if (p->key.empty()) return ErrEmptyKey();
    if (p->ignore_value && !p->value.empty()) return ErrValueProvided();
    if (p->ignore_lease && p->lease != 0) return ErrLeaseProvided();
    return absl::OkStatus();
  }
  if (const auto* d = std::get_if<DeleteRangeRequest>(&op.request)) {
    return d->key.empty() ? ErrEmptyKey() : absl::OkStatus();
  }
  return CheckTxnShape(std::get<TxnRequest>(op.request));
}

absl::Status CheckTxnShape(const TxnRequest& request) {
  if (request.compare.size() > kMaxTxnOps || request.success.size() > kMaxTxnOps ||
      request.failure.size() > kMaxTxnOps) {
    return ErrTooManyOps();
  }
  for (const Compare& c : request.compare) {
    if (c.key.empty()) return ErrEmptyKey();
  }
  for (const RequestOp& op : request.success) {
    if (absl::Status s = CheckOp(op); !s.ok()) return s;
  }
  for (const RequestOp& op : request.failure) {
    if (absl::Status s = CheckOp(op); !s.ok()) return s;
  }
  return absl::OkStatus();
}

bool OpMayWrite(const RequestOp& op) {
  if (std::holds_alternative<RangeRequest>(op.request)) return false;
  if (const auto* txn = std::get_if<TxnRequest>(&op.request)) return TxnMayWrite(*txn);
  return true;
}

}  // namespace

int64_t RequestBytes(const PutRequest& request) {
  return kOpOverhead + static_cast<int64_t>(request.key.size() + request.value.size());
}

int64_t RequestBytes(const DeleteRangeRequest& request) {
  return kOpOverhead + static_cast<int64_t>(request.key.size() + request.range_end.size());
}

int64_t RequestBytes(const TxnRequest& request) { return TxnBytes(request); }

absl::Status CheckRange(const RangeRequest& request) {
  if (request.key.empty()) return ErrEmptyKey();
  return absl::OkStatus();
}

absl::Status CheckPut(const PutRequest& request) {
  if (absl::Status s = CheckOp(RequestOp{request}); !s.ok()) return s;
  if (RequestBytes(request) > kMaxRequestBytes) return ErrRequestTooLarge();
  return absl::OkStatus();
}

absl::Status CheckDeleteRange(const DeleteRangeRequest& request) {
  if (request.key.empty()) return ErrEmptyKey();
  if (RequestBytes(request) > kMaxRequestBytes) return ErrRequestTooLarge();
  return absl::OkStatus();
}

absl::Status CheckTxn(const TxnRequest& request) {
  if (RequestBytes(request) > kMaxRequestBytes) return ErrRequestTooLarge();
  if (absl::Status s = CheckTxnShape(request); !s.ok()) return s;
  Writes then_writes, else_writes;
  if (absl::Status s = CheckIntervals(request.success, then_writes); !s.ok()) return s;
  return CheckIntervals(request.failure, else_writes);
}

bool TxnMayWrite(const TxnRequest& request) {
  for (const RequestOp& op : request.success) {
    if (OpMayWrite(op)) return true;
  }
  for (const RequestOp& op : request.failure) {
    if (OpMayWrite(op)) return true;
  }
  return false;
}

}  // namespace k1s::datastore
