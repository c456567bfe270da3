// One typed suite for every k1s::Backend behaviour, run against the SQLite backend on disk and in
// memory.

#include "k1s/backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "datastore/sqlite_backend.h"

namespace k1s::datastore {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kNul(1, '\0');

struct OnDisk {
  static constexpr bool kDisk = true;
};
struct InMemory {
  static constexpr bool kDisk = false;
};

// Collects watch responses; thread-safe.
class Collector {
 public:
  WatchCallback Callback() {
    return [this](WatchResponse r) {
      std::lock_guard<std::mutex> lock(mu_);
      responses_.push_back(std::move(r));
      cv_.notify_all();
    };
  }
  // Waits until `pred(responses)` holds or 10 s pass.
  template <typename Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return pred(responses_); });
  }
  bool WaitForEvents(size_t n) {
    return WaitFor([&](const std::vector<WatchResponse>& rs) { return CountEvents(rs) >= n; });
  }
  std::vector<WatchResponse> Responses() {
    std::lock_guard<std::mutex> lock(mu_);
    return responses_;
  }
  std::vector<Event> Events() {
    std::vector<Event> out;
    for (const WatchResponse& r : Responses()) {
      for (const Event& e : r.events) out.push_back(e);
    }
    return out;
  }
  static size_t CountEvents(const std::vector<WatchResponse>& rs) {
    size_t n = 0;
    for (const WatchResponse& r : rs) n += r.events.size();
    return n;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchResponse> responses_;
};

template <typename Mode>
class BackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/k1s-ds-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    options_.path = Mode::kDisk ? dir_ + "/db/state.db" : ":memory:";
    options_.lease_second = std::chrono::milliseconds(20);
    options_.auto_compaction = false;
    Open();
  }
  void TearDown() override {
    backend_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto backend = OpenSqliteBackend(options_);
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = std::move(*backend);
  }

  int64_t Put(const std::string& key, const std::string& value, int64_t lease = 0) {
    PutRequest r;
    r.key = key;
    r.value = value;
    r.lease = lease;
    auto resp = backend_->Put(r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? resp->revision : -1;
  }
  std::optional<KeyValue> Get(const std::string& key, int64_t revision = 0) {
    RangeRequest r;
    r.key = key;
    r.revision = revision;
    auto resp = backend_->Range(r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    if (!resp.ok() || resp->kvs.empty()) return std::nullopt;
    return resp->kvs[0];
  }
  RangeResponse List(RangeRequest r) {
    auto resp = backend_->Range(r);
    EXPECT_TRUE(resp.ok()) << resp.status();
    return resp.ok() ? *resp : RangeResponse{};
  }
  static std::vector<std::string> Keys(const RangeResponse& r) {
    std::vector<std::string> keys;
    for (const KeyValue& kv : r.kvs) keys.push_back(kv.key);
    return keys;
  }
  static RangeRequest Prefix(const std::string& prefix) {
    RangeRequest r;
    r.key = prefix;
    r.range_end = prefix;
    r.range_end.back()++;
    return r;
  }

  std::string dir_;
  SqliteBackendOptions options_;
  std::unique_ptr<Backend> backend_;
};

using Modes = ::testing::Types<OnDisk, InMemory>;
class ModeNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return T::kDisk ? "OnDisk" : "InMemory";
  }
};
TYPED_TEST_SUITE(BackendTest, Modes, ModeNames);

// ---------------------------------------------------------------------------------------------
// KV basics

TYPED_TEST(BackendTest, EmptyStoreIsAtRevisionOne) {
  EXPECT_EQ(this->backend_->CurrentRevision(), 1);
  RangeRequest r;
  r.key = kNul;
  r.range_end = kNul;
  RangeResponse resp = this->List(r);
  EXPECT_EQ(resp.revision, 1);
  EXPECT_TRUE(resp.kvs.empty());
  EXPECT_EQ(resp.count, 0);
}

TYPED_TEST(BackendTest, PutTracksRevisionsAndVersions) {
  EXPECT_EQ(this->Put("a", "1"), 2);
  EXPECT_EQ(this->Put("b", "1"), 3);
  PutRequest r;
  r.key = "a";
  r.value = "2";
  r.prev_kv = true;
  auto resp = this->backend_->Put(r);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->revision, 4);
  ASSERT_TRUE(resp->prev_kv.has_value());
  EXPECT_EQ(resp->prev_kv->value, "1");
  EXPECT_EQ(resp->prev_kv->mod_revision, 2);
  auto kv = this->Get("a");
  ASSERT_TRUE(kv.has_value());
  EXPECT_EQ(kv->value, "2");
  EXPECT_EQ(kv->create_revision, 2);
  EXPECT_EQ(kv->mod_revision, 4);
  EXPECT_EQ(kv->version, 2);
  EXPECT_EQ(this->backend_->CurrentRevision(), 4);

  // A delete resets the key's history: the next put creates it anew.
  DeleteRangeRequest d;
  d.key = "a";
  ASSERT_TRUE(this->backend_->DeleteRange(d).ok());
  EXPECT_EQ(this->Put("a", "3"), 6);
  kv = this->Get("a");
  EXPECT_EQ(kv->create_revision, 6);
  EXPECT_EQ(kv->version, 1);
  // prev_kv after a delete is empty.
  r.value = "4";
  resp = this->backend_->Put(r);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->prev_kv->value, "3");
}

TYPED_TEST(BackendTest, KeysAndValuesAreBinarySafe) {
  const std::string key1("k\0a", 3), key2("k\0b", 3), key3("k\xff", 2);
  const std::string value("v\0\x01\xfe", 4);
  this->Put(key1, value);
  this->Put(key2, std::string());
  this->Put(key3, "x");
  auto kv = this->Get(key1);
  ASSERT_TRUE(kv.has_value());
  EXPECT_EQ(kv->value, value);
  EXPECT_EQ(this->Get(key2)->value, "");
  EXPECT_FALSE(this->Get(std::string("k\0", 2)).has_value());
  RangeRequest r;
  r.key = std::string("k\0", 2);
  r.range_end = std::string("k\x01", 2);
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre(key1, key2));
}

TYPED_TEST(BackendTest, RangeEndSemantics) {
  for (const char* k : {"a", "b", "b/1", "b/2", "c", "d"}) this->Put(k, k);
  RangeRequest r;
  r.key = "b";
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("b"));
  r.range_end = "c";
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("b", "b/1", "b/2"));
  r.range_end = kNul;  // from key
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("b", "b/1", "b/2", "c", "d"));
  r.key = kNul;  // everything
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("a", "b", "b/1", "b/2", "c", "d"));
  r.key = "c";
  r.range_end = "b";  // range_end below key: nothing, like etcd
  RangeResponse empty = this->List(r);
  EXPECT_TRUE(empty.kvs.empty());
  EXPECT_EQ(empty.count, 0);
  r.range_end = "c";  // equal: nothing
  EXPECT_TRUE(this->List(r).kvs.empty());
  r.key = "zz";
  r.range_end = "";
  EXPECT_TRUE(this->List(r).kvs.empty());
}

TYPED_TEST(BackendTest, LimitCountAndMore) {
  for (int i = 0; i < 10; ++i) this->Put("k" + std::to_string(i), "v");
  this->Put("other", "v");
  RangeRequest r = this->Prefix("k");
  r.limit = 3;
  RangeResponse resp = this->List(r);
  EXPECT_THAT(this->Keys(resp), ElementsAre("k0", "k1", "k2"));
  EXPECT_EQ(resp.count, 10);
  EXPECT_TRUE(resp.more);
  r.limit = 10;
  resp = this->List(r);
  EXPECT_EQ(resp.kvs.size(), 10u);
  EXPECT_FALSE(resp.more);
  r.limit = 0;
  resp = this->List(r);
  EXPECT_EQ(resp.kvs.size(), 10u);
  EXPECT_FALSE(resp.more);
  r.limit = -5;  // bad input is treated as no limit, never a crash
  EXPECT_EQ(this->List(r).kvs.size(), 10u);
}

TYPED_TEST(BackendTest, KeysOnlyAndCountOnly) {
  this->Put("a", "value-a");
  this->Put("b", "value-b");
  RangeRequest r = this->Prefix("a");
  r.range_end = "c";
  r.keys_only = true;
  RangeResponse resp = this->List(r);
  ASSERT_EQ(resp.kvs.size(), 2u);
  EXPECT_EQ(resp.kvs[0].value, "");
  EXPECT_EQ(resp.kvs[0].mod_revision, 2);
  EXPECT_EQ(resp.kvs[1].create_revision, 3);
  r.keys_only = false;
  r.count_only = true;
  resp = this->List(r);
  EXPECT_TRUE(resp.kvs.empty());
  EXPECT_EQ(resp.count, 2);
}

TYPED_TEST(BackendTest, SortOrdersAndTargets) {
  this->Put("a", "3");  // rev 2
  this->Put("b", "1");  // rev 3
  this->Put("c", "2");  // rev 4
  this->Put("b", "4");  // rev 5: b version 2
  RangeRequest r;
  r.key = kNul;
  r.range_end = kNul;
  r.sort_order = SortOrder::kDescend;
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("c", "b", "a"));
  r.sort_target = SortTarget::kValue;
  r.sort_order = SortOrder::kAscend;
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("c", "a", "b"));
  r.sort_target = SortTarget::kMod;
  r.sort_order = SortOrder::kDescend;
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("b", "c", "a"));
  r.sort_target = SortTarget::kCreate;
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("c", "b", "a"));
  r.sort_target = SortTarget::kVersion;
  r.sort_order = SortOrder::kNone;  // a target without an order sorts ascending, like etcd
  EXPECT_EQ(this->Keys(this->List(r)).back(), "b");
  // Sorting then limiting: the first of the sorted list, with the full count.
  r.sort_target = SortTarget::kValue;
  r.sort_order = SortOrder::kDescend;
  r.limit = 1;
  RangeResponse resp = this->List(r);
  EXPECT_THAT(this->Keys(resp), ElementsAre("b"));
  EXPECT_TRUE(resp.more);
  EXPECT_EQ(resp.count, 3);
}

TYPED_TEST(BackendTest, ModAndCreateRevisionFilters) {
  this->Put("a", "1");  // 2
  this->Put("b", "1");  // 3
  this->Put("c", "1");  // 4
  this->Put("a", "2");  // 5
  RangeRequest r;
  r.key = kNul;
  r.range_end = kNul;
  r.min_mod_revision = 4;
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("a", "c"));
  r.min_mod_revision = 0;
  r.max_mod_revision = 3;
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("b"));
  r.max_mod_revision = 0;
  r.min_create_revision = 3;
  EXPECT_THAT(this->Keys(this->List(r)), ElementsAre("b", "c"));
  r.max_create_revision = 3;
  RangeResponse resp = this->List(r);
  EXPECT_THAT(this->Keys(resp), ElementsAre("b"));
  EXPECT_EQ(resp.count, 3);  // etcd counts the range before filtering
}

TYPED_TEST(BackendTest, HistoricalReads) {
  this->Put("k", "v1");  // 2
  this->Put("k", "v2");  // 3
  DeleteRangeRequest d;
  d.key = "k";
  ASSERT_TRUE(this->backend_->DeleteRange(d).ok());  // 4
  this->Put("k", "v3");                              // 5
  EXPECT_EQ(this->Get("k", 2)->value, "v1");
  EXPECT_EQ(this->Get("k", 3)->value, "v2");
  EXPECT_FALSE(this->Get("k", 4).has_value());
  EXPECT_EQ(this->Get("k", 5)->value, "v3");
  EXPECT_FALSE(this->Get("k", 1).has_value());
  RangeRequest r;
  r.key = "k";
  r.revision = 3;
  RangeResponse resp = this->List(r);
  EXPECT_EQ(resp.revision, 5);  // served at the current store revision
  r.revision = 6;
  auto future = this->backend_->Range(r);
  EXPECT_EQ(future.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(future.status().message(), "etcdserver: mvcc: required revision is a future revision");
}

TYPED_TEST(BackendTest, DeleteRangeWithPrevKv) {
  this->Put("p/1", "a");
  this->Put("p/2", "b");
  this->Put("q", "c");
  DeleteRangeRequest d;
  d.key = "p/";
  d.range_end = "p0";
  d.prev_kv = true;
  auto resp = this->backend_->DeleteRange(d);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->deleted, 2);
  EXPECT_EQ(resp->revision, 5);  // both keys in one revision
  ASSERT_EQ(resp->prev_kvs.size(), 2u);
  EXPECT_EQ(resp->prev_kvs[1].value, "b");
  EXPECT_FALSE(this->Get("p/1").has_value());
  EXPECT_TRUE(this->Get("q").has_value());
  // Deleting nothing does not make a revision.
  resp = this->backend_->DeleteRange(d);
  ASSERT_TRUE(resp.ok());
  EXPECT_EQ(resp->deleted, 0);
  EXPECT_EQ(resp->revision, 5);
  EXPECT_EQ(this->backend_->CurrentRevision(), 5);
}

TYPED_TEST(BackendTest, PutIgnoreValueAndIgnoreLease) {
  auto lease = this->backend_->LeaseGrant(0, 100);
  ASSERT_TRUE(lease.ok());
  PutRequest r;
  r.key = "k";
  r.ignore_value = true;
  auto missing = this->backend_->Put(r);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(missing.status().message(), "etcdserver: key not found");
  r.ignore_value = false;
  r.ignore_lease = true;
  EXPECT_EQ(this->backend_->Put(r).status().message(), "etcdserver: key not found");

  this->Put("k", "original", lease->id);
  r.ignore_lease = false;
  r.ignore_value = true;
  ASSERT_TRUE(this->backend_->Put(r).ok());  // keeps the value, drops the lease
  auto kv = this->Get("k");
  EXPECT_EQ(kv->value, "original");
  EXPECT_EQ(kv->lease, 0);
  this->Put("k", "v2", lease->id);
  r.ignore_value = false;
  r.ignore_lease = true;
  r.value = "v3";
  ASSERT_TRUE(this->backend_->Put(r).ok());
  kv = this->Get("k");
  EXPECT_EQ(kv->value, "v3");
  EXPECT_EQ(kv->lease, lease->id);
  r.lease = 5;
  EXPECT_EQ(this->backend_->Put(r).status().message(), "etcdserver: lease is provided");
  r.lease = 0;
  r.ignore_lease = false;
  r.ignore_value = true;
  EXPECT_EQ(this->backend_->Put(r).status().message(), "etcdserver: value is provided");
}

TYPED_TEST(BackendTest, ValidationErrorsMatchEtcd) {
  PutRequest put;
  auto s = this->backend_->Put(put).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "etcdserver: key is not provided");
  EXPECT_EQ(this->backend_->Range(RangeRequest{}).status().message(),
            "etcdserver: key is not provided");
  EXPECT_EQ(this->backend_->DeleteRange(DeleteRangeRequest{}).status().message(),
            "etcdserver: key is not provided");
  put.key = "big";
  put.value.assign(1536 * 1024, 'x');
  s = this->backend_->Put(put).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "etcdserver: request is too large");
  put.value.assign(1024 * 1024, 'x');  // 1 MiB fits
  EXPECT_TRUE(this->backend_->Put(put).ok());
  put.key = "leased";
  put.value = "v";
  put.lease = 12345;
  s = this->backend_->Put(put).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "etcdserver: requested lease not found");

  TxnRequest txn;
  for (int i = 0; i < 129; ++i) {
    PutRequest p;
    p.key = "k" + std::to_string(i);
    txn.success.push_back(RequestOp{p});
  }
  s = this->backend_->Txn(txn).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "etcdserver: too many operations in txn request");
  txn.success.resize(128);
  EXPECT_TRUE(this->backend_->Txn(txn).ok());

  TxnRequest dup;
  PutRequest p;
  p.key = "same";
  dup.success = {RequestOp{p}, RequestOp{p}};
  s = this->backend_->Txn(dup).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "etcdserver: duplicate key given in txn request");
  DeleteRangeRequest d;
  d.key = "s";
  d.range_end = "t";
  dup.success = {RequestOp{d}, RequestOp{p}};
  EXPECT_EQ(this->backend_->Txn(dup).status().message(),
            "etcdserver: duplicate key given in txn request");
  // The same key in both branches is fine: only one of them runs.
  TxnRequest branches;
  branches.success = {RequestOp{p}};
  branches.failure = {RequestOp{p}};
  EXPECT_TRUE(this->backend_->Txn(branches).ok());
}

// ---------------------------------------------------------------------------------------------
// Txn

Compare Cmp(const std::string& key, Compare::Target target, Compare::Result result, int64_t number,
            const std::string& value = "") {
  Compare c;
  c.key = key;
  c.target = target;
  c.result = result;
  c.number = number;
  c.value = value;
  return c;
}

TYPED_TEST(BackendTest, TxnCompares) {
  auto lease = this->backend_->LeaseGrant(77, 100);
  ASSERT_TRUE(lease.ok());
  this->Put("a", "va");      // 2
  this->Put("a", "vb", 77);  // 3: version 2, create 2, mod 3, lease 77
  using T = Compare::Target;
  using R = Compare::Result;
  struct Case {
    Compare c;
    bool want;
  };
  std::vector<Case> cases = {
      {Cmp("a", T::kVersion, R::kEqual, 2), true},
      {Cmp("a", T::kVersion, R::kGreater, 1), true},
      {Cmp("a", T::kVersion, R::kLess, 2), false},
      {Cmp("a", T::kVersion, R::kNotEqual, 2), false},
      {Cmp("a", T::kCreate, R::kEqual, 2), true},
      {Cmp("a", T::kMod, R::kEqual, 3), true},
      {Cmp("a", T::kMod, R::kLess, 3), false},
      {Cmp("a", T::kLease, R::kEqual, 77), true},
      {Cmp("a", T::kValue, R::kEqual, 0, "vb"), true},
      {Cmp("a", T::kValue, R::kGreater, 0, "va"), true},
      {Cmp("a", T::kValue, R::kLess, 0, "va"), false},
      {Cmp("a", T::kValue, R::kNotEqual, 0, "vb"), false},
      // A missing key has version/create/mod/lease 0; a value compare on it fails.
      {Cmp("missing", T::kVersion, R::kEqual, 0), true},
      {Cmp("missing", T::kCreate, R::kEqual, 0), true},
      {Cmp("missing", T::kMod, R::kLess, 1), true},
      {Cmp("missing", T::kValue, R::kEqual, 0, ""), false},
      {Cmp("missing", T::kValue, R::kNotEqual, 0, "x"), false},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    TxnRequest txn;
    txn.compare.push_back(cases[i].c);
    auto resp = this->backend_->Txn(txn);
    ASSERT_TRUE(resp.ok()) << i;
    EXPECT_EQ(resp->succeeded, cases[i].want) << "case " << i;
    EXPECT_EQ(resp->revision, 3);  // read-only: no new revision
  }
  // Range compares check every key in the range.
  this->Put("r/1", "x");
  this->Put("r/2", "y");
  TxnRequest txn;
  Compare c = Cmp("r/", T::kVersion, R::kEqual, 1);
  c.range_end = "r0";
  txn.compare.push_back(c);
  EXPECT_TRUE(this->backend_->Txn(txn)->succeeded);
  txn.compare[0] = Cmp("r/", T::kValue, R::kEqual, 0, "x");
  txn.compare[0].range_end = "r0";
  EXPECT_FALSE(this->backend_->Txn(txn)->succeeded);
}

TYPED_TEST(BackendTest, TxnBranchesNestedAndOneRevision) {
  this->Put("counter", "1");  // 2
  TxnRequest txn;
  txn.compare.push_back(Cmp("counter", Compare::Target::kValue, Compare::Result::kEqual, 0, "1"));
  PutRequest p1;
  p1.key = "counter";
  p1.value = "2";
  p1.prev_kv = true;
  PutRequest p2;
  p2.key = "other";
  p2.value = "x";
  RangeRequest read;
  read.key = "counter";
  TxnRequest nested;
  nested.compare.push_back(Cmp("other", Compare::Target::kVersion, Compare::Result::kEqual, 0));
  PutRequest p3;
  p3.key = "nested";
  p3.value = "yes";
  nested.success.push_back(RequestOp{p3});
  txn.success = {RequestOp{p1}, RequestOp{p2}, RequestOp{read}, RequestOp{nested}};
  PutRequest failed;
  failed.key = "failed";
  failed.value = "1";
  txn.failure = {RequestOp{failed}};

  auto resp = this->backend_->Txn(txn);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_TRUE(resp->succeeded);
  EXPECT_EQ(resp->revision, 3);  // everything in one revision
  ASSERT_EQ(resp->responses.size(), 4u);
  const auto& put_resp = std::get<PutResponse>(resp->responses[0].response);
  EXPECT_EQ(put_resp.revision, 3);
  EXPECT_EQ(put_resp.prev_kv->value, "1");
  // A range after a put in the same txn sees the put.
  const auto& range_resp = std::get<RangeResponse>(resp->responses[2].response);
  ASSERT_EQ(range_resp.kvs.size(), 1u);
  EXPECT_EQ(range_resp.kvs[0].value, "2");
  // Nested compares are evaluated before any op of the txn runs, as in etcd: "other" did not
  // exist yet, so the nested txn succeeded.
  const auto& nested_resp = std::get<TxnResponse>(resp->responses[3].response);
  EXPECT_TRUE(nested_resp.succeeded);
  EXPECT_EQ(this->Get("nested")->mod_revision, 3);
  EXPECT_EQ(this->Get("other")->mod_revision, 3);
  EXPECT_FALSE(this->Get("failed").has_value());
  EXPECT_EQ(this->backend_->CurrentRevision(), 3);

  // Run again: the compare fails and the failure branch runs.
  resp = this->backend_->Txn(txn);
  ASSERT_TRUE(resp.ok());
  EXPECT_FALSE(resp->succeeded);
  EXPECT_EQ(resp->revision, 4);
  EXPECT_TRUE(this->Get("failed").has_value());

  // A txn whose chosen branch only reads does not bump the revision.
  TxnRequest reads;
  reads.compare.push_back(Cmp("counter", Compare::Target::kVersion, Compare::Result::kEqual, 99));
  reads.success.push_back(RequestOp{p2});
  reads.failure.push_back(RequestOp{read});
  resp = this->backend_->Txn(reads);
  ASSERT_TRUE(resp.ok());
  EXPECT_FALSE(resp->succeeded);
  EXPECT_EQ(resp->revision, 4);
  EXPECT_EQ(this->backend_->CurrentRevision(), 4);

  // A txn whose chosen branch fails validation writes nothing.
  TxnRequest bad;
  PutRequest leased;
  leased.key = "leased";
  leased.lease = 999;
  bad.success.push_back(RequestOp{p2});
  bad.success.push_back(RequestOp{leased});
  EXPECT_EQ(this->backend_->Txn(bad).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(this->backend_->CurrentRevision(), 4);
}

TYPED_TEST(BackendTest, TxnDeleteAndRangeAtRevision) {
  this->Put("a", "1");  // 2
  this->Put("b", "1");  // 3
  TxnRequest txn;
  DeleteRangeRequest d;
  d.key = "a";
  d.range_end = "c";
  d.prev_kv = true;
  RangeRequest old;
  old.key = "a";
  old.revision = 2;
  txn.success = {RequestOp{d}, RequestOp{old}};
  auto resp = this->backend_->Txn(txn);
  ASSERT_TRUE(resp.ok()) << resp.status();
  EXPECT_EQ(resp->revision, 4);
  EXPECT_EQ(std::get<DeleteRangeResponse>(resp->responses[0].response).deleted, 2);
  EXPECT_EQ(std::get<RangeResponse>(resp->responses[1].response).kvs.size(), 1u);
  // A range at a future revision inside a txn fails the whole txn before anything is written.
  this->Put("a", "again");  // 5
  TxnRequest future;
  old.revision = 50;
  future.success = {RequestOp{d}, RequestOp{old}};
  EXPECT_EQ(this->backend_->Txn(future).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(this->backend_->CurrentRevision(), 5);
}

// ---------------------------------------------------------------------------------------------
// Watch

TYPED_TEST(BackendTest, WatchLiveEventsWithPrevKv) {
  Collector c;
  WatchRequest w;
  w.key = "k";
  w.prev_kv = true;
  auto handle = this->backend_->Watch(w, c.Callback());
  ASSERT_TRUE(handle.ok());
  this->Put("k", "1");
  this->Put("other", "x");
  this->Put("k", "2");
  DeleteRangeRequest d;
  d.key = "k";
  ASSERT_TRUE(this->backend_->DeleteRange(d).ok());
  ASSERT_TRUE(c.WaitForEvents(3));
  std::vector<Event> events = c.Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, Event::Type::kPut);
  EXPECT_EQ(events[0].kv.value, "1");
  EXPECT_FALSE(events[0].prev_kv.has_value());
  EXPECT_EQ(events[1].kv.mod_revision, 4);
  EXPECT_EQ(events[1].prev_kv->value, "1");
  EXPECT_EQ(events[2].type, Event::Type::kDelete);
  EXPECT_EQ(events[2].kv.key, "k");
  EXPECT_EQ(events[2].kv.mod_revision, 5);
  EXPECT_EQ(events[2].kv.value, "");
  EXPECT_EQ(events[2].prev_kv->value, "2");
}

TYPED_TEST(BackendTest, WatchReplaysHistoryThenGoesLive) {
  this->Put("p/a", "1");  // 2
  this->Put("p/b", "1");  // 3
  this->Put("x", "1");    // 4
  this->Put("p/a", "2");  // 5
  DeleteRangeRequest d;
  d.key = "p/b";
  ASSERT_TRUE(this->backend_->DeleteRange(d).ok());  // 6
  Collector c;
  WatchRequest w;
  w.key = "p/";
  w.range_end = "p0";
  w.start_revision = 3;
  w.prev_kv = true;
  auto handle = this->backend_->Watch(w, c.Callback());
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(c.WaitForEvents(3));
  this->Put("p/c", "1");  // 7
  ASSERT_TRUE(c.WaitForEvents(4));
  std::vector<Event> events = c.Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kv.key, "p/b");
  EXPECT_EQ(events[0].kv.mod_revision, 3);
  EXPECT_EQ(events[1].kv.key, "p/a");
  EXPECT_EQ(events[1].kv.version, 2);
  EXPECT_EQ(events[1].prev_kv->value, "1");
  EXPECT_EQ(events[2].type, Event::Type::kDelete);
  EXPECT_EQ(events[2].prev_kv->key, "p/b");
  EXPECT_EQ(events[3].kv.key, "p/c");
  EXPECT_EQ(events[3].kv.mod_revision, 7);
}

TYPED_TEST(BackendTest, WatchFiltersAndRevisionGrouping) {
  Collector puts_only, deletes_only, all;
  WatchRequest w;
  w.key = kNul;
  w.range_end = kNul;
  auto h_all = this->backend_->Watch(w, all.Callback());
  w.filter_delete = true;
  auto h_puts = this->backend_->Watch(w, puts_only.Callback());
  w.filter_delete = false;
  w.filter_put = true;
  auto h_dels = this->backend_->Watch(w, deletes_only.Callback());
  ASSERT_TRUE(h_all.ok() && h_puts.ok() && h_dels.ok());
  TxnRequest txn;
  for (const char* k : {"a", "b", "c"}) {
    PutRequest p;
    p.key = k;
    p.value = "v";
    txn.success.push_back(RequestOp{p});
  }
  ASSERT_TRUE(this->backend_->Txn(txn).ok());  // 2: three events
  DeleteRangeRequest d;
  d.key = "a";
  d.range_end = "c";
  ASSERT_TRUE(this->backend_->DeleteRange(d).ok());  // 3: two events
  ASSERT_TRUE(all.WaitForEvents(5));
  ASSERT_TRUE(puts_only.WaitForEvents(3));
  ASSERT_TRUE(deletes_only.WaitForEvents(2));
  // Events of one revision arrive in one response.
  for (const WatchResponse& r : all.Responses()) {
    std::set<int64_t> revs;
    for (const Event& e : r.events) revs.insert(e.kv.mod_revision);
    EXPECT_LE(*revs.rbegin(), r.revision);
  }
  auto first = all.Responses().front();
  EXPECT_GE(first.events.size(), 3u);
  for (const Event& e : puts_only.Events()) EXPECT_EQ(e.type, Event::Type::kPut);
  for (const Event& e : deletes_only.Events()) EXPECT_EQ(e.type, Event::Type::kDelete);
  EXPECT_EQ(puts_only.Events().size(), 3u);
  EXPECT_EQ(deletes_only.Events().size(), 2u);
}

TYPED_TEST(BackendTest, WatchProgressReportsRevision) {
  this->Put("a", "1");  // 2
  Collector c;
  WatchRequest w;
  w.key = "zzz";
  auto handle = this->backend_->Watch(w, c.Callback());
  ASSERT_TRUE(handle.ok());
  this->Put("b", "1");  // 3, not watched
  (*handle)->RequestProgress();
  ASSERT_TRUE(c.WaitFor([](const std::vector<WatchResponse>& rs) { return !rs.empty(); }));
  auto responses = c.Responses();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_TRUE(responses[0].events.empty());
  EXPECT_FALSE(responses[0].canceled);
  EXPECT_EQ(responses[0].revision, 3);
}

TYPED_TEST(BackendTest, WatchOnCompactedRevisionIsCanceled) {
  for (int i = 0; i < 5; ++i) this->Put("k", std::to_string(i));  // 2..6
  ASSERT_TRUE(this->backend_->Compact(4).ok());
  Collector c;
  WatchRequest w;
  w.key = "k";
  w.start_revision = 3;
  auto handle = this->backend_->Watch(w, c.Callback());
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(c.WaitFor([](const std::vector<WatchResponse>& rs) { return !rs.empty(); }));
  auto responses = c.Responses();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_TRUE(responses[0].canceled);
  EXPECT_EQ(responses[0].compact_revision, 4);
  // As in etcd, the compacted revision itself can still be watched from.
  Collector ok;
  w.start_revision = 4;
  auto handle2 = this->backend_->Watch(w, ok.Callback());
  ASSERT_TRUE(ok.WaitForEvents(3));
  EXPECT_EQ(ok.Events()[0].kv.mod_revision, 4);
  EXPECT_EQ(ok.Events()[2].kv.mod_revision, 6);
}

TYPED_TEST(BackendTest, WatchHandleDestructionStopsCallbacks) {
  std::atomic<int> calls{0};
  WatchRequest w;
  w.key = "k";
  auto handle = this->backend_->Watch(w, [&](WatchResponse) { calls++; });
  ASSERT_TRUE(handle.ok());
  this->Put("k", "1");
  for (int i = 0; i < 500 && calls.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(calls.load(), 1);
  handle->reset();
  this->Put("k", "2");
  // Another watcher sees the put, so the fan-out ran for it.
  Collector c;
  WatchRequest all;
  all.key = "k";
  all.start_revision = 3;
  auto other = this->backend_->Watch(all, c.Callback());
  ASSERT_TRUE(c.WaitForEvents(1));
  EXPECT_EQ(calls.load(), 1);
}

TYPED_TEST(BackendTest, WatchersSeeNoGapsOrDuplicatesUnderConcurrentWrites) {
  constexpr int kThreads = 4, kPerThread = 150;
  std::atomic<bool> go{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kPerThread; ++i) {
        if (i % 10 == 9) {
          DeleteRangeRequest d;
          d.key = "w/" + std::to_string(t) + "/" + std::to_string(i - 1);
          EXPECT_TRUE(this->backend_->DeleteRange(d).ok());
        } else {
          this->Put("w/" + std::to_string(t) + "/" + std::to_string(i), "v");
        }
      }
    });
  }
  // Watchers start at different moments: from the beginning, live, and mid-stream replays.
  std::vector<std::unique_ptr<Collector>> collectors;
  std::vector<std::unique_ptr<WatchHandle>> handles;
  std::vector<int64_t> starts;
  auto add = [&](int64_t start) {
    collectors.push_back(std::make_unique<Collector>());
    WatchRequest w;
    w.key = "w/";
    w.range_end = "w0";
    w.start_revision = start;
    auto h = this->backend_->Watch(w, collectors.back()->Callback());
    ASSERT_TRUE(h.ok());
    handles.push_back(std::move(*h));
    starts.push_back(start > 0 ? start : -1);
  };
  add(2);
  go.store(true);
  add(0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  add(this->backend_->CurrentRevision() / 2 + 1);
  add(0);
  for (auto& t : writers) t.join();
  // One more write that every watcher, including one registered after the others finished,
  // must see.
  const int64_t last = this->Put("w/final", "v");
  EXPECT_EQ(last, 2 + kThreads * kPerThread);
  for (size_t i = 0; i < collectors.size(); ++i) {
    ASSERT_TRUE(collectors[i]->WaitFor([&](const std::vector<WatchResponse>& rs) {
      return !rs.empty() && rs.back().revision >= last;
    })) << "watcher "
        << i;
    std::vector<Event> events = collectors[i]->Events();
    ASSERT_FALSE(events.empty());
    // Every revision from the first seen to the last exactly once (each write is one revision,
    // one key), in order.
    int64_t expect = starts[i] > 0 ? starts[i] : events.front().kv.mod_revision;
    for (const Event& e : events) {
      ASSERT_EQ(e.kv.mod_revision, expect) << "watcher " << i;
      ++expect;
    }
    EXPECT_EQ(expect, last + 1) << "watcher " << i;
  }
}

TYPED_TEST(BackendTest, StalledWatcherNeverBlocksWritersAndCatchesUpFromHistory) {
  // A tiny event buffer forces the stalled watcher to catch up from SQLite history.
  this->backend_.reset();
  this->options_.watch_buffer_bytes = 1024;
  this->Open();
  const int64_t base = this->backend_->CurrentRevision();
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<int64_t> seen;
  WatchRequest w;
  w.key = "s/";
  w.range_end = "s0";
  w.prev_kv = true;
  auto handle = this->backend_->Watch(w, [&](WatchResponse r) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });  // stalls until every write is acknowledged
    for (const Event& e : r.events) seen.push_back(e.kv.mod_revision);
    cv.notify_all();
  });
  ASSERT_TRUE(handle.ok());
  constexpr int kThreads = 8, kPerThread = 160;  // more than one history window of revisions
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        this->Put("s/" + std::to_string(t) + "/" + std::to_string(i % 5), std::to_string(i));
      }
    });
  }
  for (auto& t : writers) t.join();  // completes although the watcher is stuck
  const int64_t last = this->backend_->CurrentRevision();
  ASSERT_EQ(last, base + kThreads * kPerThread);
  {
    std::unique_lock<std::mutex> lock(mu);
    release = true;
    cv.notify_all();
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10),
                            [&] { return !seen.empty() && seen.back() == last; }));
  }
  ASSERT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], base + 1 + static_cast<int64_t>(i));
}

TYPED_TEST(BackendTest, PrevKvWatcherGetsOldValueEvenWhenWriterSkippedIt) {
  // Watcher A (no prev_kv) stalls in its callback so the ring keeps later revisions.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  Collector a_events;
  auto a_callback = a_events.Callback();
  WatchRequest wa;
  wa.key = "d/";
  wa.range_end = "d0";
  auto a = this->backend_->Watch(wa, [&](WatchResponse r) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return release; });
    }
    a_callback(std::move(r));
  });
  ASSERT_TRUE(a.ok());
  const int64_t put_rev = this->Put("d/x", "old-value");
  // No prev_kv watcher exists: the delete does not load old values.
  DeleteRangeRequest d;
  d.key = "d/x";
  auto del = this->backend_->DeleteRange(d);
  ASSERT_TRUE(del.ok());
  // Watcher B wants prev_kv from the delete's revision, which is still in the ring.
  Collector b_events;
  WatchRequest wb = wa;
  wb.prev_kv = true;
  wb.start_revision = del->revision;
  auto b = this->backend_->Watch(wb, b_events.Callback());
  ASSERT_TRUE(b.ok());
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_TRUE(b_events.WaitForEvents(1));
  ASSERT_TRUE(a_events.WaitForEvents(2));
  std::vector<Event> events = b_events.Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, Event::Type::kDelete);
  ASSERT_TRUE(events[0].prev_kv.has_value());
  EXPECT_EQ(events[0].prev_kv->value, "old-value");
  EXPECT_EQ(events[0].prev_kv->mod_revision, put_rev);
  EXPECT_FALSE(a_events.Events()[1].prev_kv.has_value());
}

// ---------------------------------------------------------------------------------------------
// Leases

TYPED_TEST(BackendTest, LeaseGrantRules) {
  auto chosen = this->backend_->LeaseGrant(0, 60);
  ASSERT_TRUE(chosen.ok());
  EXPECT_GT(chosen->id, 0);
  EXPECT_EQ(chosen->ttl, 60);
  auto fixed = this->backend_->LeaseGrant(42, 1);
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->id, 42);
  EXPECT_EQ(fixed->ttl, 2);  // raised to the minimum TTL
  auto again = this->backend_->LeaseGrant(42, 10);
  EXPECT_EQ(again.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().message(), "etcdserver: lease already exists");
  auto huge = this->backend_->LeaseGrant(0, 9000000001LL);
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(huge.status().message(), "etcdserver: too large lease TTL");
  auto list = this->backend_->LeaseList();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  // Granting does not make a revision.
  EXPECT_EQ(this->backend_->CurrentRevision(), 1);
}

TYPED_TEST(BackendTest, LeaseTimeToLiveKeepAliveAndRevoke) {
  auto lease = this->backend_->LeaseGrant(7, 1000);
  ASSERT_TRUE(lease.ok());
  this->Put("a", "1", 7);  // 2
  this->Put("b", "1", 7);  // 3
  this->Put("c", "1");     // 4
  auto ttl = this->backend_->LeaseTimeToLive(7, true);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->granted_ttl, 1000);
  EXPECT_GT(ttl->ttl, 900);
  EXPECT_LE(ttl->ttl, 1000);
  EXPECT_THAT(ttl->keys, ElementsAre("a", "b"));
  auto kept = this->backend_->LeaseKeepAlive(7);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(*kept, 1000);
  auto missing = this->backend_->LeaseTimeToLive(8, true);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->ttl, -1);
  EXPECT_EQ(this->backend_->LeaseKeepAlive(8).status().message(),
            "etcdserver: requested lease not found");
  EXPECT_EQ(this->backend_->LeaseRevoke(8).code(), absl::StatusCode::kNotFound);

  // Moving a key off the lease detaches it.
  this->Put("b", "2");  // 5
  EXPECT_THAT(this->backend_->LeaseTimeToLive(7, true)->keys, ElementsAre("a"));
  this->Put("b", "3", 7);  // 6

  Collector c;
  WatchRequest w;
  w.key = kNul;
  w.range_end = kNul;
  auto handle = this->backend_->Watch(w, c.Callback());
  ASSERT_TRUE(this->backend_->LeaseRevoke(7).ok());
  EXPECT_EQ(this->backend_->CurrentRevision(), 7);  // both keys deleted in one revision
  EXPECT_FALSE(this->Get("a").has_value());
  EXPECT_FALSE(this->Get("b").has_value());
  EXPECT_TRUE(this->Get("c").has_value());
  ASSERT_TRUE(c.WaitForEvents(2));
  for (const Event& e : c.Events()) {
    EXPECT_EQ(e.type, Event::Type::kDelete);
    EXPECT_EQ(e.kv.mod_revision, 7);
  }
  EXPECT_TRUE(this->backend_->LeaseList()->empty());
  // Revoking a lease with no keys makes no revision.
  ASSERT_TRUE(this->backend_->LeaseGrant(9, 100).ok());
  ASSERT_TRUE(this->backend_->LeaseRevoke(9).ok());
  EXPECT_EQ(this->backend_->CurrentRevision(), 7);
}

TYPED_TEST(BackendTest, LeaseExpiryDeletesKeysInOneRevision) {
  // One lease second is 20 ms here: a 2 s TTL expires after 40 ms.
  auto lease = this->backend_->LeaseGrant(0, 2);
  ASSERT_TRUE(lease.ok());
  auto keeper = this->backend_->LeaseGrant(0, 1000);
  ASSERT_TRUE(keeper.ok());
  for (const char* k : {"e/1", "e/2", "e/3"}) this->Put(k, "v", lease->id);
  this->Put("e/keep", "v", keeper->id);
  const int64_t before = this->backend_->CurrentRevision();
  for (int i = 0; i < 500 && this->Get("e/1").has_value(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_FALSE(this->Get("e/1").has_value());
  EXPECT_FALSE(this->Get("e/3").has_value());
  EXPECT_TRUE(this->Get("e/keep").has_value());
  EXPECT_EQ(this->backend_->CurrentRevision(), before + 1);
  EXPECT_EQ(this->backend_->LeaseTimeToLive(lease->id, false)->ttl, -1);
  EXPECT_EQ(this->backend_->LeaseKeepAlive(lease->id).status().code(), absl::StatusCode::kNotFound);
  // A kept-alive lease outlives its original TTL.
  auto renewed = this->backend_->LeaseGrant(0, 3);  // 60 ms
  ASSERT_TRUE(renewed.ok());
  this->Put("e/renewed", "v", renewed->id);
  for (int i = 0; i < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
    ASSERT_TRUE(this->backend_->LeaseKeepAlive(renewed->id).ok()) << i;
  }
  EXPECT_TRUE(this->Get("e/renewed").has_value());
}

// ---------------------------------------------------------------------------------------------
// Compaction

TYPED_TEST(BackendTest, CompactionRules) {
  for (int i = 0; i < 10; ++i) this->Put("k", std::to_string(i));  // 2..11
  this->Put("gone", "x");                                          // 12
  DeleteRangeRequest d;
  d.key = "gone";
  ASSERT_TRUE(this->backend_->DeleteRange(d).ok());  // 13
  EXPECT_EQ(this->backend_->Compact(20).message(),
            "etcdserver: mvcc: required revision is a future revision");
  ASSERT_TRUE(this->backend_->Compact(8).ok());
  auto again = this->backend_->Compact(8);
  EXPECT_EQ(again.code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(again.message(), "etcdserver: mvcc: required revision has been compacted");
  EXPECT_EQ(this->backend_->Compact(5).code(), absl::StatusCode::kOutOfRange);
  RangeRequest r;
  r.key = "k";
  r.revision = 7;
  EXPECT_EQ(this->backend_->Range(r).status().message(),
            "etcdserver: mvcc: required revision has been compacted");
  // The compacted revision itself and everything after it stay readable.
  EXPECT_EQ(this->Get("k", 8)->value, "6");
  EXPECT_EQ(this->Get("k", 9)->value, "7");
  EXPECT_EQ(this->Get("k")->value, "9");
  EXPECT_EQ(this->Get("k")->version, 10);
  EXPECT_EQ(this->Get("k")->create_revision, 2);
  ASSERT_TRUE(this->backend_->Compact(13).ok());
  EXPECT_FALSE(this->Get("gone").has_value());
  EXPECT_EQ(this->Get("k")->value, "9");
  auto status = this->backend_->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->revision, 13);
  EXPECT_EQ(status->compact_revision, 13);
  // History is gone, so a watch from just after the compaction starts clean.
  Collector c;
  WatchRequest w;
  w.key = "k";
  w.start_revision = 14;
  auto handle = this->backend_->Watch(w, c.Callback());
  this->Put("k", "10");
  ASSERT_TRUE(c.WaitForEvents(1));
  EXPECT_EQ(c.Events()[0].kv.version, 11);
}

TYPED_TEST(BackendTest, CompactionFreesSpaceForReuse) {
  const std::string value(2000, 'v');
  // 300 keys rewritten per round, 100 per txn (one revision each).
  auto write_round = [&](int round) {
    for (int batch = 0; batch < 3; ++batch) {
      TxnRequest txn;
      for (int i = batch * 100; i < (batch + 1) * 100; ++i) {
        PutRequest p;
        p.key = "churn/" + std::to_string(i);
        p.value = value + std::to_string(round);
        txn.success.push_back(RequestOp{p});
      }
      ASSERT_TRUE(this->backend_->Txn(txn).ok());
    }
  };
  write_round(0);
  write_round(1);
  auto before = this->backend_->Status();
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(this->backend_->Compact(this->backend_->CurrentRevision()).ok());
  auto after = this->backend_->Status();
  ASSERT_TRUE(after.ok());
  EXPECT_LT(after->db_size_in_use_bytes, before->db_size_in_use_bytes * 3 / 4);
  // Churn with compaction keeps the file bounded.
  for (int round = 2; round < 6; ++round) {
    write_round(round);
    ASSERT_TRUE(this->backend_->Compact(this->backend_->CurrentRevision()).ok());
  }
  auto churned = this->backend_->Status();
  ASSERT_TRUE(churned.ok());
  EXPECT_LE(churned->db_size_bytes, before->db_size_bytes * 3 / 2);
  EXPECT_LE(churned->db_size_in_use_bytes, churned->db_size_bytes);
  ASSERT_TRUE(this->backend_->Defragment().ok());
  auto defragged = this->backend_->Status();
  EXPECT_LE(defragged->db_size_bytes, churned->db_size_bytes);
  EXPECT_EQ(this->Get("churn/7")->value, value + "5");
  EXPECT_EQ(defragged->revision, this->backend_->CurrentRevision());
}

// ---------------------------------------------------------------------------------------------
// Group commit

TYPED_TEST(BackendTest, ConcurrentWritersGetUniqueDenseRevisions) {
  constexpr int kThreads = 16, kPerThread = 60;
  std::vector<std::vector<std::pair<std::string, int64_t>>> acked(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "g/" + std::to_string(t) + "/" + std::to_string(i % 20);
        PutRequest p;
        p.key = key;
        p.value = std::to_string(i);
        auto resp = this->backend_->Put(p);
        ASSERT_TRUE(resp.ok()) << resp.status();
        acked[t].emplace_back(key, resp->revision);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> revisions;
  std::map<std::string, int64_t> latest;
  for (const auto& list : acked) {
    int64_t prev = 0;
    for (const auto& [key, rev] : list) {
      EXPECT_GT(rev, prev);  // each caller sees its own writes in order
      prev = rev;
      revisions.insert(rev);
      latest[key] = std::max(latest[key], rev);
    }
  }
  ASSERT_EQ(revisions.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*revisions.begin(), 2);
  EXPECT_EQ(*revisions.rbegin(), 1 + kThreads * kPerThread);
  EXPECT_EQ(this->backend_->CurrentRevision(), 1 + kThreads * kPerThread);
  for (const auto& [key, rev] : latest) {
    auto kv = this->Get(key);
    ASSERT_TRUE(kv.has_value()) << key;
    EXPECT_EQ(kv->mod_revision, rev) << key;
  }
}

}  // namespace
}  // namespace k1s::datastore
