// EncryptingBackend over a real SQLite datastore in a temp dir: callers see plaintext, the store
// holds ciphertext.

#include "encryption/encrypting_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/testing/temp_dir.h"
#include "datastore/sqlite_backend.h"

namespace k1s::encryption {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSecret[] = "/registry/secrets/default/foo";
constexpr char kConfigMap[] = "/registry/configmaps/default/foo";
constexpr char kSecretsPrefix[] = "/registry/secrets/";
constexpr char kSecretsEnd[] = "/registry/secrets0";
constexpr char kWritePrefix[] = "k8s:enc:aesgcm:v1:k1:";

KeySet KeysK1() { return KeySet{{Key{"k1", std::string(32, '\x11')}}}; }

// Forwards to another backend; runs `before_txn` (once) before the first Txn.
class HookedBackend : public Backend {
 public:
  explicit HookedBackend(Backend& inner) : inner_(inner) {}
  std::function<void()> before_txn;

  absl::StatusOr<RangeResponse> Range(const RangeRequest& r) override { return inner_.Range(r); }
  absl::StatusOr<PutResponse> Put(const PutRequest& r) override { return inner_.Put(r); }
  absl::StatusOr<DeleteRangeResponse> DeleteRange(const DeleteRangeRequest& r) override {
    return inner_.DeleteRange(r);
  }
  absl::StatusOr<TxnResponse> Txn(const TxnRequest& r) override {
    if (before_txn) std::exchange(before_txn, nullptr)();
    return inner_.Txn(r);
  }
  absl::StatusOr<std::unique_ptr<WatchHandle>> Watch(const WatchRequest& r,
                                                     WatchCallback cb) override {
    return inner_.Watch(r, std::move(cb));
  }
  absl::StatusOr<LeaseInfo> LeaseGrant(int64_t id, int64_t ttl) override {
    return inner_.LeaseGrant(id, ttl);
  }
  absl::Status LeaseRevoke(int64_t id) override { return inner_.LeaseRevoke(id); }
  absl::StatusOr<int64_t> LeaseKeepAlive(int64_t id) override { return inner_.LeaseKeepAlive(id); }
  absl::StatusOr<LeaseInfo> LeaseTimeToLive(int64_t id, bool keys) override {
    return inner_.LeaseTimeToLive(id, keys);
  }
  absl::StatusOr<std::vector<int64_t>> LeaseList() override { return inner_.LeaseList(); }
  absl::Status Compact(int64_t revision) override { return inner_.Compact(revision); }
  int64_t CurrentRevision() override { return inner_.CurrentRevision(); }
  absl::StatusOr<BackendStatus> Status() override { return inner_.Status(); }
  absl::Status Defragment() override { return inner_.Defragment(); }

 private:
  Backend& inner_;
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
  bool WaitFor(const std::function<bool(const std::vector<WatchResponse>&)>& pred) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return pred(responses_); });
  }
  std::vector<Event> WaitForEvents(size_t n) {
    WaitFor([n](const std::vector<WatchResponse>& rs) { return Events(rs).size() >= n; });
    std::lock_guard<std::mutex> lock(mu_);
    return Events(responses_);
  }
  std::vector<WatchResponse> Responses() {
    std::lock_guard<std::mutex> lock(mu_);
    return responses_;
  }

 private:
  static std::vector<Event> Events(const std::vector<WatchResponse>& rs) {
    std::vector<Event> out;
    for (const WatchResponse& r : rs) out.insert(out.end(), r.events.begin(), r.events.end());
    return out;
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<WatchResponse> responses_;
};

class EncryptingBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    datastore::SqliteBackendOptions options;
    options.path = dir_.path() + "/db/state.db";
    options.auto_compaction = false;
    auto backend = datastore::OpenSqliteBackend(options);
    ASSERT_TRUE(backend.ok()) << backend.status();
    sqlite_ = std::move(*backend);
    hooked_ = std::make_unique<HookedBackend>(*sqlite_);
    store_ = std::make_unique<EncryptingBackend>(*hooked_, KeysK1());
  }
  void TearDown() override {
    store_.reset();
    sqlite_.reset();
  }

  static PutRequest MakePut(const std::string& key, const std::string& value) {
    PutRequest put;
    put.key = key;
    put.value = value;
    return put;
  }
  static RangeRequest MakeRange(const std::string& key, const std::string& range_end = "") {
    RangeRequest range;
    range.key = key;
    range.range_end = range_end;
    return range;
  }
  void Put(Backend& backend, const std::string& key, const std::string& value) {
    absl::StatusOr<PutResponse> put = backend.Put(MakePut(key, value));
    ASSERT_TRUE(put.ok()) << put.status();
  }
  static std::string Get(Backend& backend, const std::string& key) {
    absl::StatusOr<RangeResponse> got = backend.Range(MakeRange(key));
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok() || got->kvs.empty()) return "<missing>";
    return got->kvs[0].value;
  }
  std::string Raw(const std::string& key) { return Get(*sqlite_, key); }
  void ExpectEncrypted(const std::string& key, const std::string& plaintext,
                       const std::string& prefix = kWritePrefix) {
    std::string raw = Raw(key);
    EXPECT_THAT(raw, StartsWith(prefix)) << key;
    EXPECT_EQ(raw.find(plaintext), std::string::npos) << key;
  }
  absl::StatusOr<KeyUsage> Usage() { return store_->Usage(); }

  base::TempDir dir_;
  std::unique_ptr<Backend> sqlite_;
  std::unique_ptr<HookedBackend> hooked_;
  std::unique_ptr<EncryptingBackend> store_;
};

TEST_F(EncryptingBackendTest, PutAndRangeShowPlaintextButStoreCiphertext) {
  Put(*store_, kSecret, "top-secret-1");
  Put(*store_, "/registry/secrets/kube-system/bar", "top-secret-2");
  EXPECT_EQ(Get(*store_, kSecret), "top-secret-1");
  ExpectEncrypted(kSecret, "top-secret-1");
  ExpectEncrypted("/registry/secrets/kube-system/bar", "top-secret-2");

  absl::StatusOr<RangeResponse> list = store_->Range(MakeRange(kSecretsPrefix, kSecretsEnd));
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->kvs.size(), 2u);
  EXPECT_EQ(list->kvs[0].value, "top-secret-1");
  EXPECT_EQ(list->kvs[1].value, "top-secret-2");

  // A range over everything decrypts the secrets in it too.
  absl::StatusOr<RangeResponse> all = store_->Range(MakeRange("/", std::string(1, '\0')));
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->kvs.size(), 2u);
  EXPECT_EQ(all->kvs[0].value, "top-secret-1");
}

TEST_F(EncryptingBackendTest, OtherKeysAreUntouched) {
  Put(*store_, kConfigMap, "visible");
  Put(*store_, "/registry/secretsx", "not under the prefix");
  EXPECT_EQ(Raw(kConfigMap), "visible");
  EXPECT_EQ(Raw("/registry/secretsx"), "not under the prefix");
  EXPECT_EQ(Get(*store_, kConfigMap), "visible");
}

TEST_F(EncryptingBackendTest, PutReturnsDecryptedPrevKvAndIgnoreValueKeepsCiphertext) {
  Put(*store_, kSecret, "v1");
  PutRequest update = MakePut(kSecret, "v2");
  update.prev_kv = true;
  absl::StatusOr<PutResponse> put = store_->Put(update);
  ASSERT_TRUE(put.ok()) << put.status();
  ASSERT_TRUE(put->prev_kv.has_value());
  EXPECT_EQ(put->prev_kv->value, "v1");

  absl::StatusOr<LeaseInfo> lease = store_->LeaseGrant(0, 60);
  ASSERT_TRUE(lease.ok());
  PutRequest relabel;
  relabel.key = kSecret;
  relabel.ignore_value = true;
  relabel.lease = lease->id;
  ASSERT_TRUE(store_->Put(relabel).ok());
  EXPECT_EQ(Get(*store_, kSecret), "v2");
  ExpectEncrypted(kSecret, "v2");
}

TEST_F(EncryptingBackendTest, TxnEncryptsPutsInBothBranchesAndDecryptsResponses) {
  auto create = [](const std::string& value) {
    TxnRequest txn;
    txn.compare.push_back({Compare::Result::kEqual, Compare::Target::kCreate, kSecret, "", 0, ""});
    txn.success.push_back({MakePut(kSecret, value)});
    PutRequest other = MakePut("/registry/secrets/default/other", value + "-other");
    other.prev_kv = true;
    txn.failure.push_back({other});
    txn.failure.push_back({MakeRange(kSecret)});
    return txn;
  };
  absl::StatusOr<TxnResponse> first = store_->Txn(create("alpha"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->succeeded);
  ExpectEncrypted(kSecret, "alpha");

  absl::StatusOr<TxnResponse> second = store_->Txn(create("beta"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->succeeded);
  ExpectEncrypted("/registry/secrets/default/other", "beta-other");
  EXPECT_EQ(Get(*store_, "/registry/secrets/default/other"), "beta-other");
  ASSERT_EQ(second->responses.size(), 2u);
  const auto& range = std::get<RangeResponse>(second->responses[1].response);
  ASSERT_EQ(range.kvs.size(), 1u);
  EXPECT_EQ(range.kvs[0].value, "alpha");

  // Nested txn: the inner put is encrypted, the inner prev_kv decrypted.
  TxnRequest inner;
  PutRequest nested_put = MakePut(kSecret, "gamma");
  nested_put.prev_kv = true;
  inner.success.push_back({nested_put});
  TxnRequest outer;
  outer.success.push_back({inner});
  outer.success.push_back({MakePut(kConfigMap, "plain")});
  absl::StatusOr<TxnResponse> nested = store_->Txn(outer);
  ASSERT_TRUE(nested.ok()) << nested.status();
  const auto& inner_response = std::get<TxnResponse>(nested->responses[0].response);
  const auto& inner_put = std::get<PutResponse>(inner_response.responses[0].response);
  ASSERT_TRUE(inner_put.prev_kv.has_value());
  EXPECT_EQ(inner_put.prev_kv->value, "alpha");
  ExpectEncrypted(kSecret, "gamma");
  EXPECT_EQ(Get(*store_, kSecret), "gamma");
  EXPECT_EQ(Raw(kConfigMap), "plain");
}

TEST_F(EncryptingBackendTest, TxnValueCompareOnSecretsIsRefusedButWorksElsewhere) {
  Put(*store_, kSecret, "v");
  Put(*store_, kConfigMap, "v");
  TxnRequest on_secret;
  on_secret.compare.push_back(
      {Compare::Result::kEqual, Compare::Target::kValue, kSecret, "", 0, "v"});
  absl::StatusOr<TxnResponse> refused = store_->Txn(on_secret);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr(kSecret));

  TxnRequest on_configmap;
  on_configmap.compare.push_back(
      {Compare::Result::kEqual, Compare::Target::kValue, kConfigMap, "", 0, "v"});
  absl::StatusOr<TxnResponse> allowed = store_->Txn(on_configmap);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_TRUE(allowed->succeeded);
}

TEST_F(EncryptingBackendTest, DeleteRangeReturnsDecryptedPrevKvs) {
  Put(*store_, kSecret, "gone-1");
  Put(*store_, "/registry/secrets/default/zed", "gone-2");
  DeleteRangeRequest del;
  del.key = kSecretsPrefix;
  del.range_end = kSecretsEnd;
  del.prev_kv = true;
  absl::StatusOr<DeleteRangeResponse> deleted = store_->DeleteRange(del);
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(deleted->deleted, 2);
  ASSERT_EQ(deleted->prev_kvs.size(), 2u);
  EXPECT_EQ(deleted->prev_kvs[0].value, "gone-1");
  EXPECT_EQ(deleted->prev_kvs[1].value, "gone-2");
}

TEST_F(EncryptingBackendTest, WatchDeliversPlaintextEventsAndPrevKvs) {
  Collector collector;
  WatchRequest watch;
  watch.key = kSecretsPrefix;
  watch.range_end = kSecretsEnd;
  watch.prev_kv = true;
  auto handle = store_->Watch(watch, collector.Callback());
  ASSERT_TRUE(handle.ok()) << handle.status();
  Put(*store_, kSecret, "w1");
  Put(*store_, kSecret, "w2");
  DeleteRangeRequest del;
  del.key = kSecret;
  ASSERT_TRUE(store_->DeleteRange(del).ok());

  std::vector<Event> events = collector.WaitForEvents(3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kv.value, "w1");
  EXPECT_EQ(events[1].kv.value, "w2");
  ASSERT_TRUE(events[1].prev_kv.has_value());
  EXPECT_EQ(events[1].prev_kv->value, "w1");
  EXPECT_EQ(events[2].type, Event::Type::kDelete);
  ASSERT_TRUE(events[2].prev_kv.has_value());
  EXPECT_EQ(events[2].prev_kv->value, "w2");
  handle->reset();
}

TEST_F(EncryptingBackendTest, PlaintextStoredBeforeEncryptionStillReads) {
  Put(*sqlite_, kSecret, "legacy-plaintext");
  EXPECT_EQ(Get(*store_, kSecret), "legacy-plaintext");
  absl::StatusOr<KeyUsage> usage = Usage();
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->plaintext, 1);
  EXPECT_EQ(usage->total, 1);
  EXPECT_TRUE(usage->by_key.empty());
}

TEST_F(EncryptingBackendTest, RotateThenReencryptMovesEveryValueToTheNewKey) {
  absl::StatusOr<LeaseInfo> lease = store_->LeaseGrant(0, 600);
  ASSERT_TRUE(lease.ok());
  for (int i = 0; i < 300; ++i) {
    PutRequest put =
        MakePut("/registry/secrets/ns/s" + std::to_string(i), "value-" + std::to_string(i));
    if (i == 7) put.lease = lease->id;
    ASSERT_TRUE(store_->Put(put).ok());
  }
  Put(*sqlite_, "/registry/secrets/ns/legacy", "legacy");
  Put(*store_, kConfigMap, "cm");

  absl::StatusOr<KeySet> rotated = RotatedKeySet(store_->key_set(), 1704164645);
  ASSERT_TRUE(rotated.ok());
  const std::string new_name = rotated->keys[0].name;
  store_->SetKeySet(*rotated);
  EXPECT_EQ(store_->key_set().keys.size(), 2u);
  // The old key still decrypts before reencryption.
  EXPECT_EQ(Get(*store_, "/registry/secrets/ns/s5"), "value-5");

  absl::StatusOr<KeyUsage> before = Usage();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->total, 301);
  EXPECT_EQ(before->plaintext, 1);
  EXPECT_EQ(before->by_key, (std::map<std::string, int64_t>{{"k1", 300}}));

  absl::StatusOr<int64_t> rewritten = store_->Reencrypt();
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  EXPECT_EQ(*rewritten, 301);

  absl::StatusOr<KeyUsage> after = Usage();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->total, 301);
  EXPECT_EQ(after->plaintext, 0);
  EXPECT_EQ(after->by_key, (std::map<std::string, int64_t>{{new_name, 301}}));
  ExpectEncrypted("/registry/secrets/ns/legacy", "legacy", "k8s:enc:aesgcm:v1:" + new_name + ":");
  EXPECT_EQ(Raw(kConfigMap), "cm");

  // Leases are kept; nothing is left to do a second time.
  absl::StatusOr<RangeResponse> leased = store_->Range(MakeRange("/registry/secrets/ns/s7"));
  ASSERT_TRUE(leased.ok());
  EXPECT_EQ(leased->kvs[0].lease, lease->id);
  EXPECT_EQ(leased->kvs[0].value, "value-7");
  absl::StatusOr<int64_t> again = store_->Reencrypt();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);

  // The old key can now be dropped and everything still reads.
  std::set<std::string> used;
  for (const auto& [name, count] : after->by_key) used.insert(name);
  KeySet pruned = PrunedKeySet(store_->key_set(), used);
  ASSERT_EQ(pruned.keys.size(), 1u);
  store_->SetKeySet(pruned);
  EXPECT_EQ(Get(*store_, "/registry/secrets/ns/s299"), "value-299");
  EXPECT_EQ(Get(*store_, "/registry/secrets/ns/legacy"), "legacy");
}

TEST_F(EncryptingBackendTest, ReencryptLeavesAConcurrentWriteAlone) {
  Put(*store_, "/registry/secrets/ns/a", "a-old");
  Put(*store_, "/registry/secrets/ns/b", "b-old");
  absl::StatusOr<KeySet> rotated = RotatedKeySet(store_->key_set(), 1704164645);
  ASSERT_TRUE(rotated.ok());
  store_->SetKeySet(*rotated);
  // Between Reencrypt's read and its write, someone updates "a" (with the old key).
  hooked_->before_txn = [this] {
    EncryptingBackend old_writer(*sqlite_, KeysK1());
    Put(old_writer, "/registry/secrets/ns/a", "a-new");
  };
  absl::StatusOr<int64_t> rewritten = store_->Reencrypt();
  ASSERT_TRUE(rewritten.ok()) << rewritten.status();
  EXPECT_EQ(*rewritten, 1);
  EXPECT_EQ(Get(*store_, "/registry/secrets/ns/a"), "a-new");
  EXPECT_EQ(Get(*store_, "/registry/secrets/ns/b"), "b-old");
  EXPECT_THAT(Raw("/registry/secrets/ns/a"), StartsWith(kWritePrefix));
}

TEST_F(EncryptingBackendTest, TamperedCiphertextIsAnErrorEverywhere) {
  Put(*store_, kSecret, "original");
  Put(*store_, "/registry/secrets/default/fine", "fine");
  std::string raw = Raw(kSecret);
  raw[raw.size() - 1] ^= 0x40;
  Put(*sqlite_, kSecret, raw);

  absl::StatusOr<RangeResponse> one = store_->Range(MakeRange(kSecret));
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(one.status().message(), HasSubstr(kSecret));
  EXPECT_THAT(one.status().message(), HasSubstr("\"k1\""));
  EXPECT_FALSE(store_->Range(MakeRange(kSecretsPrefix, kSecretsEnd)).ok());
  // Values already under keys[0] are skipped; after a rotation reencrypt meets the bad value.
  absl::StatusOr<KeySet> rotated = RotatedKeySet(store_->key_set(), 1704164645);
  ASSERT_TRUE(rotated.ok());
  store_->SetKeySet(*rotated);
  absl::StatusOr<int64_t> reencrypt = store_->Reencrypt();
  ASSERT_FALSE(reencrypt.ok());
  EXPECT_THAT(reencrypt.status().message(), HasSubstr(kSecret));

  // A watch replaying the bad value ends with a canceled message carrying the error.
  Collector collector;
  WatchRequest watch;
  watch.key = kSecretsPrefix;
  watch.range_end = kSecretsEnd;
  watch.start_revision = 1;
  auto handle = store_->Watch(watch, collector.Callback());
  ASSERT_TRUE(handle.ok());
  ASSERT_TRUE(collector.WaitFor(
      [](const std::vector<WatchResponse>& rs) { return !rs.empty() && rs.back().canceled; }));
  size_t delivered = collector.Responses().size();
  Put(*store_, "/registry/secrets/default/later", "after the error");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<WatchResponse> responses = collector.Responses();
  EXPECT_EQ(responses.size(), delivered);  // nothing after the final message
  EXPECT_THAT(responses.back().cancel_reason, HasSubstr(kSecret));
  for (size_t i = 0; i + 1 < responses.size(); ++i) EXPECT_FALSE(responses[i].canceled);
  handle->reset();
}

TEST_F(EncryptingBackendTest, ValueOfAnUnknownKeyIsAnErrorNamingIt) {
  Put(*store_, kSecret, "v");
  store_->SetKeySet(KeySet{{Key{"other", std::string(32, '\x22')}}});
  absl::StatusOr<RangeResponse> got = store_->Range(MakeRange(kSecret));
  ASSERT_FALSE(got.ok());
  EXPECT_THAT(got.status().message(), HasSubstr("no aesgcm key named \"k1\""));
  absl::StatusOr<KeyUsage> usage = Usage();
  ASSERT_TRUE(usage.ok());
  EXPECT_EQ(usage->by_key, (std::map<std::string, int64_t>{{"k1", 1}}));
}

TEST_F(EncryptingBackendTest, SortByValueOrdersPlaintexts) {
  Put(*store_, "/registry/secrets/ns/x", "c");
  Put(*store_, "/registry/secrets/ns/y", "a");
  Put(*store_, "/registry/secrets/ns/z", "b");
  RangeRequest sorted = MakeRange(kSecretsPrefix, kSecretsEnd);
  sorted.sort_order = SortOrder::kAscend;
  sorted.sort_target = SortTarget::kValue;
  sorted.limit = 2;
  absl::StatusOr<RangeResponse> got = store_->Range(sorted);
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<std::string> values;
  for (const KeyValue& kv : got->kvs) values.push_back(kv.value);
  EXPECT_THAT(values, ElementsAre("a", "b"));
  EXPECT_TRUE(got->more);
  EXPECT_EQ(got->count, 3);
}

TEST_F(EncryptingBackendTest, CustomPrefixesAreHonoured) {
  EncryptingBackend store(*sqlite_, KeysK1(), {"/registry/configmaps/"});
  Put(store, kConfigMap, "now-secret");
  Put(store, kSecret, "now-plain");
  ExpectEncrypted(kConfigMap, "now-secret");
  EXPECT_EQ(Raw(kSecret), "now-plain");
  EXPECT_EQ(Get(store, kConfigMap), "now-secret");
}

}  // namespace
}  // namespace k1s::encryption
