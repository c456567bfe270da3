#include "encryption/encrypting_backend.h"

#include <algorithm>
#include <utility>

#include "base/status.h"
#include "base/strings.h"

namespace k1s::encryption {
namespace {

// Reencrypt batches: etcd allows 128 ops per branch and 1.5 MiB per request.
constexpr size_t kMaxBatchOps = 128;
constexpr int64_t kMaxBatchBytes = 1 << 20;
// Keys read per page by Usage and Reencrypt.
constexpr int64_t kScanPage = 512;

const std::string kAllFrom(1, '\0');  // etcd's range_end for "every key >= key"

// The smallest key greater than every key starting with `prefix`; "" when there is none.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(prefix.back());
    if (last < 0xff) {
      ++last;
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

std::vector<std::string> PrefixEnds(const std::vector<std::string>& prefixes) {
  std::vector<std::string> ends;
  for (const std::string& prefix : prefixes) ends.push_back(PrefixEnd(prefix));
  return ends;
}

}  // namespace

EncryptingBackend::EncryptingBackend(Backend& inner, KeySet keys, std::vector<std::string> prefixes)
    : inner_(inner),
      prefixes_(std::move(prefixes)),
      prefix_ends_(PrefixEnds(prefixes_)),
      codec_(std::make_shared<const ValueCodec>(keys)) {}

void EncryptingBackend::SetKeySet(KeySet keys) {
  auto codec = std::make_shared<const ValueCodec>(keys);
  std::lock_guard<std::mutex> lock(mu_);
  codec_.swap(codec);
}

KeySet EncryptingBackend::key_set() const { return codec()->key_set(); }

EncryptingBackend::CodecPtr EncryptingBackend::codec() const {
  std::lock_guard<std::mutex> lock(mu_);
  return codec_;
}

bool EncryptingBackend::Covers(std::string_view key) const {
  for (const std::string& prefix : prefixes_) {
    if (key.starts_with(prefix)) return true;
  }
  return false;
}

bool EncryptingBackend::RangeTouches(std::string_view key, std::string_view range_end) const {
  if (range_end.empty()) return Covers(key);
  bool unbounded = range_end == kAllFrom;
  for (size_t i = 0; i < prefixes_.size(); ++i) {
    bool starts_before_prefix_end = prefix_ends_[i].empty() || key < prefix_ends_[i];
    bool ends_after_prefix = unbounded || range_end > prefixes_[i];
    if (starts_before_prefix_end && ends_after_prefix) return true;
  }
  return false;
}

absl::Status EncryptingBackend::DecryptKv(const ValueCodec& codec, KeyValue& kv) const {
  if (!ValueCodec::IsEncrypted(kv.value) || !Covers(kv.key)) return absl::OkStatus();
  K1S_ASSIGN_OR_RETURN(kv.value, codec.Decrypt(kv.key, kv.value));
  return absl::OkStatus();
}

absl::Status EncryptingBackend::DecryptKvs(const ValueCodec& codec,
                                           std::vector<KeyValue>& kvs) const {
  for (KeyValue& kv : kvs) K1S_RETURN_IF_ERROR(DecryptKv(codec, kv));
  return absl::OkStatus();
}

absl::StatusOr<RangeResponse> EncryptingBackend::Range(const RangeRequest& request) {
  if (request.keys_only || request.count_only || !RangeTouches(request.key, request.range_end)) {
    return inner_.Range(request);
  }
  CodecPtr c = codec();
  bool sort_by_value =
      request.sort_order != SortOrder::kNone && request.sort_target == SortTarget::kValue;
  if (!sort_by_value) {
    K1S_ASSIGN_OR_RETURN(RangeResponse response, inner_.Range(request));
    K1S_RETURN_IF_ERROR(DecryptKvs(*c, response.kvs));
    return response;
  }
  // The store would order ciphertexts: read everything, order plaintexts, then apply the limit.
  RangeRequest all = request;
  all.limit = 0;
  all.sort_order = SortOrder::kNone;
  K1S_ASSIGN_OR_RETURN(RangeResponse response, inner_.Range(all));
  K1S_RETURN_IF_ERROR(DecryptKvs(*c, response.kvs));
  bool descend = request.sort_order == SortOrder::kDescend;
  std::stable_sort(response.kvs.begin(), response.kvs.end(),
                   [descend](const KeyValue& a, const KeyValue& b) {
                     return descend ? b.value < a.value : a.value < b.value;
                   });
  if (request.limit > 0 && static_cast<int64_t>(response.kvs.size()) > request.limit) {
    response.kvs.resize(request.limit);
    response.more = true;
  }
  return response;
}

absl::StatusOr<PutResponse> EncryptingBackend::Put(const PutRequest& request) {
  if (!Covers(request.key)) return inner_.Put(request);
  CodecPtr c = codec();
  absl::StatusOr<PutResponse> response;
  if (request.ignore_value) {
    response = inner_.Put(request);
  } else {
    // Built field by field so the plaintext is never copied.
    PutRequest encrypted{request.key,          {},
                         request.lease,        request.prev_kv,
                         request.ignore_value, request.ignore_lease};
    K1S_ASSIGN_OR_RETURN(encrypted.value, c->Encrypt(request.key, request.value));
    response = inner_.Put(encrypted);
  }
  if (response.ok() && response->prev_kv) {
    K1S_RETURN_IF_ERROR(DecryptKv(*c, *response->prev_kv));
  }
  return response;
}

absl::StatusOr<DeleteRangeResponse> EncryptingBackend::DeleteRange(
    const DeleteRangeRequest& request) {
  if (!request.prev_kv || !RangeTouches(request.key, request.range_end)) {
    return inner_.DeleteRange(request);
  }
  CodecPtr c = codec();
  K1S_ASSIGN_OR_RETURN(DeleteRangeResponse response, inner_.DeleteRange(request));
  K1S_RETURN_IF_ERROR(DecryptKvs(*c, response.prev_kvs));
  return response;
}

absl::Status EncryptingBackend::ScanTxn(const TxnRequest& request, TxnScan& scan) const {
  for (const Compare& compare : request.compare) {
    if (compare.target == Compare::Target::kValue && RangeTouches(compare.key, compare.range_end)) {
      return absl::InvalidArgumentError(base::StrCat(
          "txn compares the value of \"", compare.key,
          "\", which is encrypted at rest and cannot be compared; compare mod_revision instead"));
    }
  }
  for (const auto* branch : {&request.success, &request.failure}) {
    for (const RequestOp& op : *branch) {
      if (const auto* range = std::get_if<RangeRequest>(&op.request)) {
        scan.touches |= RangeTouches(range->key, range->range_end);
      } else if (const auto* put = std::get_if<PutRequest>(&op.request)) {
        bool covered = Covers(put->key);
        scan.touches |= covered;
        scan.writes |= covered && !put->ignore_value;
      } else if (const auto* del = std::get_if<DeleteRangeRequest>(&op.request)) {
        scan.touches |= del->prev_kv && RangeTouches(del->key, del->range_end);
      } else {
        K1S_RETURN_IF_ERROR(ScanTxn(std::get<TxnRequest>(op.request), scan));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status EncryptingBackend::EncryptTxnPuts(const ValueCodec& codec, TxnRequest& request) const {
  for (auto* branch : {&request.success, &request.failure}) {
    for (RequestOp& op : *branch) {
      if (auto* put = std::get_if<PutRequest>(&op.request)) {
        if (put->ignore_value || !Covers(put->key)) continue;
        K1S_ASSIGN_OR_RETURN(put->value, codec.Encrypt(put->key, put->value));
      } else if (auto* txn = std::get_if<TxnRequest>(&op.request)) {
        K1S_RETURN_IF_ERROR(EncryptTxnPuts(codec, *txn));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status EncryptingBackend::DecryptTxnResponse(const ValueCodec& codec,
                                                   TxnResponse& response) const {
  for (ResponseOp& op : response.responses) {
    if (auto* range = std::get_if<RangeResponse>(&op.response)) {
      K1S_RETURN_IF_ERROR(DecryptKvs(codec, range->kvs));
    } else if (auto* put = std::get_if<PutResponse>(&op.response)) {
      if (put->prev_kv) K1S_RETURN_IF_ERROR(DecryptKv(codec, *put->prev_kv));
    } else if (auto* del = std::get_if<DeleteRangeResponse>(&op.response)) {
      K1S_RETURN_IF_ERROR(DecryptKvs(codec, del->prev_kvs));
    } else {
      K1S_RETURN_IF_ERROR(DecryptTxnResponse(codec, std::get<TxnResponse>(op.response)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<TxnResponse> EncryptingBackend::Txn(const TxnRequest& request) {
  TxnScan scan;
  K1S_RETURN_IF_ERROR(ScanTxn(request, scan));
  if (!scan.touches) return inner_.Txn(request);
  CodecPtr c = codec();
  absl::StatusOr<TxnResponse> response;
  if (scan.writes) {
    TxnRequest encrypted = request;
    K1S_RETURN_IF_ERROR(EncryptTxnPuts(*c, encrypted));
    response = inner_.Txn(encrypted);
  } else {
    response = inner_.Txn(request);
  }
  if (response.ok()) K1S_RETURN_IF_ERROR(DecryptTxnResponse(*c, *response));
  return response;
}

absl::Status EncryptingBackend::DecryptEvents(std::vector<Event>& events) const {
  CodecPtr c;
  for (Event& event : events) {
    if (!Covers(event.kv.key)) continue;
    if (!c) c = codec();
    K1S_RETURN_IF_ERROR(DecryptKv(*c, event.kv));
    if (event.prev_kv) K1S_RETURN_IF_ERROR(DecryptKv(*c, *event.prev_kv));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<WatchHandle>> EncryptingBackend::Watch(const WatchRequest& request,
                                                                      WatchCallback callback) {
  if (!RangeTouches(request.key, request.range_end)) {
    return inner_.Watch(request, std::move(callback));
  }
  // Messages of one watch never overlap, so a plain flag is enough.
  auto failed = std::make_shared<bool>(false);
  return inner_.Watch(request,
                      [this, failed, callback = std::move(callback)](WatchResponse response) {
                        if (*failed) return;
                        absl::Status decrypted = DecryptEvents(response.events);
                        if (decrypted.ok()) {
                          callback(std::move(response));
                          return;
                        }
                        *failed = true;
                        WatchResponse cancel;
                        cancel.revision = response.revision;
                        cancel.canceled = true;
                        cancel.cancel_reason = std::string(decrypted.message());
                        callback(std::move(cancel));
                      });
}

absl::StatusOr<LeaseInfo> EncryptingBackend::LeaseGrant(int64_t id, int64_t ttl_seconds) {
  return inner_.LeaseGrant(id, ttl_seconds);
}
absl::Status EncryptingBackend::LeaseRevoke(int64_t id) { return inner_.LeaseRevoke(id); }
absl::StatusOr<int64_t> EncryptingBackend::LeaseKeepAlive(int64_t id) {
  return inner_.LeaseKeepAlive(id);
}
absl::StatusOr<LeaseInfo> EncryptingBackend::LeaseTimeToLive(int64_t id, bool with_keys) {
  return inner_.LeaseTimeToLive(id, with_keys);
}
absl::StatusOr<std::vector<int64_t>> EncryptingBackend::LeaseList() { return inner_.LeaseList(); }
absl::Status EncryptingBackend::Compact(int64_t revision) { return inner_.Compact(revision); }
int64_t EncryptingBackend::CurrentRevision() { return inner_.CurrentRevision(); }
absl::StatusOr<BackendStatus> EncryptingBackend::Status() { return inner_.Status(); }
absl::Status EncryptingBackend::Defragment() { return inner_.Defragment(); }

absl::Status EncryptingBackend::Scan(const std::function<absl::Status(const KeyValue&)>& fn) {
  for (size_t i = 0; i < prefixes_.size(); ++i) {
    RangeRequest page;
    page.key = prefixes_[i].empty() ? kAllFrom : prefixes_[i];
    page.range_end = prefix_ends_[i].empty() ? kAllFrom : prefix_ends_[i];
    page.limit = kScanPage;
    // Pages follow the key order rather than one revision, so compaction cannot break a scan.
    while (true) {
      K1S_ASSIGN_OR_RETURN(RangeResponse response, inner_.Range(page));
      for (const KeyValue& kv : response.kvs) K1S_RETURN_IF_ERROR(fn(kv));
      if (!response.more || response.kvs.empty()) break;
      page.key = response.kvs.back().key + '\0';
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<KeyUsage> EncryptingBackend::Usage() {
  CodecPtr c = codec();
  KeyUsage usage;
  K1S_RETURN_IF_ERROR(Scan([&](const KeyValue& kv) {
    ++usage.total;
    if (ValueCodec::IsEncrypted(kv.value)) {
      ++usage.by_key[c->KeyNameOf(kv.value)];
    } else {
      ++usage.plaintext;
    }
    return absl::OkStatus();
  }));
  return usage;
}

absl::StatusOr<int64_t> EncryptingBackend::Reencrypt() {
  CodecPtr c = codec();
  int64_t rewritten = 0;
  TxnRequest batch;
  int64_t batch_bytes = 0;
  auto flush = [&]() -> absl::Status {
    if (batch.success.empty()) return absl::OkStatus();
    K1S_ASSIGN_OR_RETURN(TxnResponse response, inner_.Txn(batch));
    for (const ResponseOp& op : response.responses) {
      const auto* guarded = std::get_if<TxnResponse>(&op.response);
      if (guarded != nullptr && guarded->succeeded) ++rewritten;
    }
    batch.success.clear();
    batch_bytes = 0;
    return absl::OkStatus();
  };
  K1S_RETURN_IF_ERROR(Scan([&](const KeyValue& kv) -> absl::Status {
    if (c->UsesWriteKey(kv.value)) return absl::OkStatus();
    K1S_ASSIGN_OR_RETURN(std::string plaintext, c->Decrypt(kv.key, kv.value));
    PutRequest put;
    put.key = kv.key;
    put.ignore_lease = true;
    K1S_ASSIGN_OR_RETURN(put.value, c->Encrypt(kv.key, plaintext));
    int64_t bytes = static_cast<int64_t>(put.value.size() + 2 * kv.key.size()) + 64;
    if (batch.success.size() >= kMaxBatchOps || batch_bytes + bytes > kMaxBatchBytes) {
      K1S_RETURN_IF_ERROR(flush());
    }
    // A nested txn per key: a concurrent write to one key skips only that key.
    TxnRequest guarded;
    guarded.compare.push_back(
        {Compare::Result::kEqual, Compare::Target::kMod, kv.key, "", kv.mod_revision, ""});
    guarded.success.push_back({std::move(put)});
    batch.success.push_back({std::move(guarded)});
    batch_bytes += bytes;
    return absl::OkStatus();
  }));
  K1S_RETURN_IF_ERROR(flush());
  return rewritten;
}

}  // namespace k1s::encryption
