#include "datastore/sqlite_backend.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status.h"
#include "datastore/request_check.h"
#include "datastore/sqlite_conn.h"
#include "datastore/watch_hub.h"

namespace k1s::datastore {
namespace {

using internal::Connection;
using internal::History;
using internal::RevisionEvents;
using internal::Statement;
using internal::WatchHub;
using Clock = std::chrono::steady_clock;

constexpr int64_t kSchemaVersion = 1;

// One row of the kv table is one version of one key (or a tombstone, version 0). Rows are
// appended in revision order; `id` orders rows, `rev` is the revision that wrote the row.
// prev_rev is the mod revision of the version this row replaced (0 when the key did not exist),
// which lets watchers find prev_kv. kv_key_rev answers "latest version of each key in [a, b) at
// revision R" from the index alone; kv_rev serves watch replay and compaction.
constexpr char kSchema[] = R"sql(
CREATE TABLE kv(
  id INTEGER PRIMARY KEY,
  rev INTEGER NOT NULL,
  key BLOB NOT NULL,
  create_rev INTEGER NOT NULL,
  version INTEGER NOT NULL,
  lease INTEGER NOT NULL,
  prev_rev INTEGER NOT NULL,
  value BLOB NOT NULL);
CREATE INDEX kv_key_rev ON kv(key, rev, version);
CREATE INDEX kv_rev ON kv(rev);
CREATE TABLE lease(id INTEGER PRIMARY KEY, ttl INTEGER NOT NULL);
CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta VALUES('schema', 1), ('revision', 1), ('compact_revision', 0),
                       ('compact_cursor', 0), ('compact_cursor_id', 0);
)sql";

constexpr char kLatest[] =
    "SELECT id, rev, create_rev, version, lease, value FROM kv WHERE key = ?1 "
    "ORDER BY rev DESC LIMIT 1";
constexpr char kInsert[] =
    "INSERT INTO kv(rev, key, create_rev, version, lease, prev_rev, value) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr char kScanBounded[] =
    "SELECT key, max(rev), version, id FROM kv WHERE key >= ?1 AND key < ?2 AND rev <= ?3 "
    "GROUP BY key ORDER BY key";
constexpr char kScanUnbounded[] =
    "SELECT key, max(rev), version, id FROM kv WHERE key >= ?1 AND rev <= ?3 "
    "GROUP BY key ORDER BY key";
constexpr char kRowWithValue[] = "SELECT create_rev, lease, value FROM kv WHERE id = ?1";
constexpr char kRowNoValue[] = "SELECT create_rev, lease FROM kv WHERE id = ?1";
constexpr char kMetaSnapshot[] =
    "SELECT (SELECT value FROM meta WHERE name = 'revision'), "
    "(SELECT value FROM meta WHERE name = 'compact_revision')";
constexpr char kHistoryBounded[] =
    "SELECT rev, key, create_rev, version, lease, value, prev_rev FROM kv "
    "WHERE rev >= ?1 AND rev <= ?2 AND key >= ?3 AND key < ?4 ORDER BY rev, id";
constexpr char kHistoryUnbounded[] =
    "SELECT rev, key, create_rev, version, lease, value, prev_rev FROM kv "
    "WHERE rev >= ?1 AND rev <= ?2 AND key >= ?3 ORDER BY rev, id";
constexpr char kVersionAt[] =
    "SELECT rev, create_rev, version, lease, value FROM kv WHERE key = ?1 AND rev = ?2";

// Most event bytes read from history for one watcher in one step.
constexpr int64_t kHistoryChunkBytes = 4 << 20;

absl::Status Closed() { return absl::UnavailableError("datastore: closed"); }

void NameThread(const char* name) { pthread_setname_np(pthread_self(), name); }

// A version of a key as stored (version 0 = tombstone).
struct Row {
  int64_t id = 0;
  int64_t rev = 0;
  int64_t create_rev = 0;
  int64_t version = 0;
  int64_t lease = 0;
  std::string key;
  std::string value;

  KeyValue ToKeyValue() const { return KeyValue{key, value, create_rev, rev, version, lease}; }
};

int64_t KeyValueBytes(const KeyValue& kv) {
  return static_cast<int64_t>(kv.key.size() + kv.value.size()) + 48;
}

// A read transaction on a pooled read connection: one consistent snapshot.
class ReadTxn {
 public:
  explicit ReadTxn(Connection& conn) : conn_(conn) {}
  ~ReadTxn() {
    if (open_) conn_.Exec("COMMIT").IgnoreError();
  }
  absl::Status Begin() {
    K1S_RETURN_IF_ERROR(conn_.Exec("BEGIN"));
    open_ = true;
    return absl::OkStatus();
  }

 private:
  Connection& conn_;
  bool open_ = false;
};

// Reads the revision and compacted revision of the current snapshot.
absl::Status ReadMeta(Connection& conn, int64_t& revision, int64_t& compacted) {
  K1S_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(kMetaSnapshot));
  K1S_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::DataLossError("datastore: meta table is empty");
  revision = stmt.Int(0);
  compacted = stmt.Int(1);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Row>> LatestRow(Connection& conn, std::string_view key) {
  K1S_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(kLatest));
  stmt.BindBlob(1, key);
  K1S_ASSIGN_OR_RETURN(bool found, stmt.Step());
  if (!found) return std::optional<Row>();
  Row row;
  row.id = stmt.Int(0);
  row.rev = stmt.Int(1);
  row.create_rev = stmt.Int(2);
  row.version = stmt.Int(3);
  row.lease = stmt.Int(4);
  row.key = std::string(key);
  row.value = stmt.Blob(5);
  return std::optional<Row>(std::move(row));
}

// Calls fn(key, mod_rev, id) for every live key in `range` at revision `at`, in key order, until
// fn returns false.
template <typename Fn>
absl::Status ScanLive(Connection& conn, const KeyRange& range, int64_t at, Fn&& fn) {
  if (range.empty) return absl::OkStatus();
  K1S_ASSIGN_OR_RETURN(Statement stmt,
                       conn.Prepare(range.unbounded ? kScanUnbounded : kScanBounded));
  stmt.BindBlob(1, range.begin);
  if (!range.unbounded) stmt.BindBlob(2, range.end);
  stmt.Bind(3, at);
  while (true) {
    K1S_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return absl::OkStatus();
    if (stmt.Int(2) == 0) continue;  // tombstone: the key does not exist at `at`
    if (!fn(stmt, stmt.Int(1), stmt.Int(3))) return absl::OkStatus();
  }
}

// Loads the full row `id` (key and mod revision already known) into a KeyValue.
absl::Status LoadRow(Connection& conn, int64_t id, bool with_value, KeyValue& kv) {
  K1S_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(with_value ? kRowWithValue : kRowNoValue));
  stmt.Bind(1, id);
  K1S_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::DataLossError("datastore: row vanished during read");
  kv.create_revision = stmt.Int(0);
  kv.lease = stmt.Int(1);
  if (with_value) kv.value = stmt.Blob(2);
  return absl::OkStatus();
}

// All live key versions in `range` at revision `at`, with values.
// The key, mod revision and version of a ScanLive row; LoadRow fills in the rest.
KeyValue ScannedKey(Statement& s, int64_t rev) {
  KeyValue kv;
  kv.key = s.Blob(0);
  kv.mod_revision = rev;
  kv.version = s.Int(2);
  return kv;
}

absl::StatusOr<std::vector<KeyValue>> LiveKeyValues(Connection& conn, const KeyRange& range,
                                                    int64_t at) {
  std::vector<std::pair<KeyValue, int64_t>> found;
  K1S_RETURN_IF_ERROR(ScanLive(conn, range, at, [&](Statement& s, int64_t rev, int64_t id) {
    found.emplace_back(ScannedKey(s, rev), id);
    return true;
  }));
  std::vector<KeyValue> out;
  out.reserve(found.size());
  for (auto& [kv, id] : found) {
    K1S_RETURN_IF_ERROR(LoadRow(conn, id, true, kv));
    out.push_back(std::move(kv));
  }
  return out;
}

// Serves a Range on `conn` as of a store whose revision is `current` and compacted revision
// `compacted` (etcd semantics for revision, limit, count, more, sorting and filters).
absl::StatusOr<RangeResponse> ExecRange(Connection& conn, const RangeRequest& r, int64_t current,
                                        int64_t compacted) {
  RangeResponse response;
  response.revision = current;
  if (r.revision > current) return ErrFutureRevision();
  const int64_t at = r.revision > 0 ? r.revision : current;
  if (at < compacted) return ErrCompacted();
  KeyRange range = KeyRange::From(r.key, r.range_end);

  SortOrder order = r.sort_order;
  if (order == SortOrder::kNone && r.sort_target != SortTarget::kKey) order = SortOrder::kAscend;
  const bool key_order = order == SortOrder::kNone ||
                         (order == SortOrder::kAscend && r.sort_target == SortTarget::kKey);
  const bool filtered = r.min_mod_revision > 0 || r.max_mod_revision > 0 ||
                        r.min_create_revision > 0 || r.max_create_revision > 0;
  const bool collect_all = !key_order || filtered;
  const int64_t limit = r.limit > 0 ? r.limit : 0;

  std::vector<std::pair<KeyValue, int64_t>> found;
  int64_t count = 0;
  K1S_RETURN_IF_ERROR(ScanLive(conn, range, at, [&](Statement& s, int64_t rev, int64_t id) {
    ++count;
    if (r.count_only) return true;
    if (!collect_all && limit > 0 && static_cast<int64_t>(found.size()) > limit) return true;
    if (r.max_mod_revision > 0 && rev > r.max_mod_revision) return true;
    if (r.min_mod_revision > 0 && rev < r.min_mod_revision) return true;
    found.emplace_back(ScannedKey(s, rev), id);
    return true;
  }));
  response.count = count;
  if (r.count_only) return response;

  std::vector<KeyValue> kvs;
  kvs.reserve(found.size());
  for (auto& [kv, id] : found) {
    K1S_RETURN_IF_ERROR(LoadRow(conn, id, !r.keys_only, kv));
    if (r.max_create_revision > 0 && kv.create_revision > r.max_create_revision) continue;
    if (r.min_create_revision > 0 && kv.create_revision < r.min_create_revision) continue;
    kvs.push_back(std::move(kv));
  }
  if (!key_order) {
    auto less = [&](const KeyValue& a, const KeyValue& b) {
      switch (r.sort_target) {
        case SortTarget::kKey:
          return a.key < b.key;
        case SortTarget::kVersion:
          return a.version < b.version;
        case SortTarget::kCreate:
          return a.create_revision < b.create_revision;
        case SortTarget::kMod:
          return a.mod_revision < b.mod_revision;
        case SortTarget::kValue:
          return a.value < b.value;
      }
      return false;
    };
    if (order == SortOrder::kDescend) {
      std::stable_sort(kvs.begin(), kvs.end(),
                       [&](const KeyValue& a, const KeyValue& b) { return less(b, a); });
    } else {
      std::stable_sort(kvs.begin(), kvs.end(), less);
    }
  }
  if (limit > 0 && static_cast<int64_t>(kvs.size()) > limit) {
    kvs.resize(static_cast<size_t>(limit));
    response.more = true;
  }
  response.kvs = std::move(kvs);
  return response;
}

bool CompareNumber(Compare::Result result, int64_t actual, int64_t expected) {
  switch (result) {
    case Compare::Result::kEqual:
      return actual == expected;
    case Compare::Result::kNotEqual:
      return actual != expected;
    case Compare::Result::kGreater:
      return actual > expected;
    case Compare::Result::kLess:
      return actual < expected;
  }
  return false;
}

bool CompareOne(const Compare& c, const KeyValue& kv) {
  switch (c.target) {
    case Compare::Target::kValue: {
      int cmp = kv.value.compare(c.value);
      return CompareNumber(c.result, cmp < 0 ? -1 : (cmp > 0 ? 1 : 0), 0);
    }
    case Compare::Target::kVersion:
      return CompareNumber(c.result, kv.version, c.number);
    case Compare::Target::kCreate:
      return CompareNumber(c.result, kv.create_revision, c.number);
    case Compare::Target::kMod:
      return CompareNumber(c.result, kv.mod_revision, c.number);
    case Compare::Target::kLease:
      return CompareNumber(c.result, kv.lease, c.number);
  }
  return false;
}

// etcd's applyCompare: every key in the range must satisfy the compare; with no key, a value
// compare fails and the others compare against zero.
absl::StatusOr<bool> EvalCompare(Connection& conn, const Compare& c, int64_t at) {
  K1S_ASSIGN_OR_RETURN(std::vector<KeyValue> kvs,
                       LiveKeyValues(conn, KeyRange::From(c.key, c.range_end), at));
  if (kvs.empty()) {
    if (c.target == Compare::Target::kValue) return false;
    return CompareOne(c, KeyValue{});
  }
  for (const KeyValue& kv : kvs) {
    if (!CompareOne(c, kv)) return false;
  }
  return true;
}

// The branch taken by a txn and by each nested txn along it, evaluated before any op runs (as
// etcd does): path[i] is the outcome of the i-th txn in depth-first order.
absl::Status ComputePath(Connection& conn, const TxnRequest& txn, int64_t at,
                         std::vector<bool>& path) {
  bool ok = true;
  for (const Compare& c : txn.compare) {
    K1S_ASSIGN_OR_RETURN(bool result, EvalCompare(conn, c, at));
    if (!result) {
      ok = false;
      break;
    }
  }
  path.push_back(ok);
  for (const RequestOp& op : ok ? txn.success : txn.failure) {
    if (const auto* nested = std::get_if<TxnRequest>(&op.request)) {
      K1S_RETURN_IF_ERROR(ComputePath(conn, *nested, at, path));
    }
  }
  return absl::OkStatus();
}

struct LeaseState {
  int64_t ttl = 0;  // granted, in lease seconds
  Clock::time_point deadline;
  bool revoking = false;
  std::set<std::string> keys;
};

struct WriteTask;

class SqliteBackend;

// State of one group commit, owned by the writer thread.
struct WriteBatch {
  Connection* conn = nullptr;
  int64_t rev = 0;          // latest revision assigned so far in this batch
  bool task_wrote = false;  // the running task has taken a revision
  std::vector<std::shared_ptr<RevisionEvents>> events;

  int64_t TaskRevision() {
    if (!task_wrote) {
      task_wrote = true;
      ++rev;
      auto entry = std::make_shared<RevisionEvents>();
      entry->revision = rev;
      events.push_back(std::move(entry));
    }
    return rev;
  }
  void AddEvent(Event event) {
    RevisionEvents& entry = *events.back();
    entry.bytes += KeyValueBytes(event.kv) + (event.prev_kv ? KeyValueBytes(*event.prev_kv) : 0);
    entry.events.push_back(std::move(event));
  }
};

// A queued write. It lives on the submitting thread's stack; the writer signals `done` under
// the task's mutex and never touches the task afterwards.
struct WriteTask {
  std::function<absl::Status(WriteBatch&)> apply;
  bool exclusive = false;  // runs alone, outside a transaction (VACUUM)
  int64_t bytes = 0;
  absl::Status status;

  void Finish() {
    std::lock_guard<std::mutex> lock(mu);
    finished = true;
    cv.notify_one();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return finished; });
  }

 private:
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
};

class SqliteBackend final : public Backend {
 public:
  SqliteBackend(const SqliteBackendOptions& options, std::string uri, bool in_memory, int lock_fd)
      : options_(options), uri_(std::move(uri)), in_memory_(in_memory), lock_fd_(lock_fd) {}
  ~SqliteBackend() override;

  absl::Status Init();

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
  int64_t CurrentRevision() override { return current_rev_.load(); }
  absl::StatusOr<BackendStatus> Status() override;
  absl::Status Defragment() override;

 private:
  // A pooled read connection, returned to the pool on destruction.
  class Reader {
   public:
    Reader(SqliteBackend* backend, std::unique_ptr<Connection> conn)
        : backend_(backend), conn_(std::move(conn)) {}
    Reader(Reader&&) = default;
    ~Reader() {
      if (conn_) backend_->ReleaseReader(std::move(conn_));
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }

   private:
    SqliteBackend* backend_;
    std::unique_ptr<Connection> conn_;
  };

  absl::StatusOr<std::unique_ptr<Connection>> OpenConnection(int64_t cache_kib);
  absl::StatusOr<Reader> AcquireReader();
  void ReleaseReader(std::unique_ptr<Connection> conn);
  absl::Status LoadState(Connection& conn);

  // Queues `apply` for the writer thread and waits for its commit.
  absl::Status Submit(std::function<absl::Status(WriteBatch&)> apply, int64_t bytes,
                      bool exclusive = false);
  void WriterLoop();
  void RunBatch(std::vector<WriteTask*>& batch);
  void RunExclusive(WriteTask* task);

  // Write helpers, writer thread only.
  absl::Status WritePut(WriteBatch& b, const std::string& key, const std::string& value,
                        int64_t lease, const std::optional<Row>& prev);
  absl::Status WriteTombstone(WriteBatch& b, const Row& prev);
  absl::Status ApplyPut(WriteBatch& b, const PutRequest& r, PutResponse& out);
  absl::Status ApplyDelete(WriteBatch& b, const DeleteRangeRequest& r, DeleteRangeResponse& out);
  absl::Status CheckTxnPath(Connection& conn, const TxnRequest& txn, const std::vector<bool>& path,
                            size_t& index, int64_t at, int64_t compacted);
  absl::Status ExecTxnPath(Connection& conn, WriteBatch* b, const TxnRequest& txn,
                           const std::vector<bool>& path, size_t& index, int64_t current,
                           int64_t compacted, TxnResponse& out);
  absl::Status ApplyRevoke(WriteBatch& b, int64_t id);
  absl::Status CompactStep(WriteBatch& b, bool& done);
  absl::Status RunPhysicalCompaction();

  absl::StatusOr<History> ReadHistory(const KeyRange& range, bool prev_kv, int64_t from,
                                      int64_t to);

  bool LeaseExists(int64_t id);
  void LeaseLoop();
  void CompactLoop();
  void RecordRevisionSample(int64_t revision);
  // ttl lease seconds as a clock duration, saturated far below overflow (TTLs reach 9e9 s).
  Clock::duration LeaseDuration(int64_t ttl) const {
    const int64_t unit = std::max<int64_t>(
        1, std::chrono::duration_cast<std::chrono::nanoseconds>(options_.lease_second).count());
    const int64_t cap = (int64_t{1} << 61) / unit;
    return std::chrono::duration_cast<Clock::duration>(
        std::chrono::nanoseconds(std::clamp<int64_t>(ttl, 0, cap) * unit));
  }

  const SqliteBackendOptions options_;
  const std::string uri_;
  const bool in_memory_;
  const int lock_fd_;
  std::shared_ptr<spdlog::logger> log_ = base::Logger("datastore");

  std::atomic<int64_t> current_rev_{1};
  std::atomic<int64_t> compact_rev_{0};

  // Writer thread state.
  std::unique_ptr<Connection> writer_conn_;
  int64_t committed_rev_ = 1;  // writer thread only
  // Writer thread only: physical compaction has processed every row up to (rev, id).
  int64_t compact_cursor_ = 0;
  int64_t compact_cursor_id_ = 0;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<WriteTask*> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread writer_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<Connection>> idle_readers_ ABSL_GUARDED_BY(pool_mu_);
  int open_readers_ ABSL_GUARDED_BY(pool_mu_) = 0;

  std::shared_ptr<WatchHub> hub_;

  std::mutex lease_mu_;
  std::condition_variable lease_cv_;
  std::map<int64_t, LeaseState> leases_ ABSL_GUARDED_BY(lease_mu_);
  bool lease_stopping_ ABSL_GUARDED_BY(lease_mu_) = false;
  std::mt19937_64 lease_rng_ ABSL_GUARDED_BY(lease_mu_){std::random_device{}()};
  std::thread lease_thread_;

  std::mutex compact_mu_;
  std::condition_variable compact_cv_;
  std::deque<std::pair<Clock::time_point, int64_t>> samples_ ABSL_GUARDED_BY(compact_mu_);
  bool compact_stopping_ ABSL_GUARDED_BY(compact_mu_) = false;
  std::thread compact_thread_;

  // Background WAL checkpoints (files only): the writer's WAL hook asks, this thread copies.
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int frames);
  void CheckpointLoop();
  std::mutex ckpt_mu_;
  std::condition_variable ckpt_cv_;
  bool ckpt_requested_ ABSL_GUARDED_BY(ckpt_mu_) = false;
  bool ckpt_stopping_ ABSL_GUARDED_BY(ckpt_mu_) = false;
  std::thread ckpt_thread_;
  std::mutex physical_mu_;  // one physical compaction at a time
  std::atomic<bool> closing_{false};
};

SqliteBackend::~SqliteBackend() {
  closing_.store(true);
  {
    std::lock_guard<std::mutex> lock(compact_mu_);
    compact_stopping_ = true;
  }
  compact_cv_.notify_all();
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    lease_stopping_ = true;
  }
  lease_cv_.notify_all();
  if (compact_thread_.joinable()) compact_thread_.join();
  if (lease_thread_.joinable()) lease_thread_.join();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard<std::mutex> lock(ckpt_mu_);
    ckpt_stopping_ = true;
  }
  ckpt_cv_.notify_all();
  if (ckpt_thread_.joinable()) ckpt_thread_.join();
  if (hub_) hub_->Stop();
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    idle_readers_.clear();
  }
  if (writer_conn_ && !in_memory_) {
    // Fold the WAL into the database so the file is self-contained after a clean shutdown.
    writer_conn_->Exec("PRAGMA wal_checkpoint(TRUNCATE)").IgnoreError();
  }
  writer_conn_.reset();
  if (lock_fd_ >= 0) close(lock_fd_);
}

absl::StatusOr<std::unique_ptr<Connection>> SqliteBackend::OpenConnection(int64_t cache_kib) {
  K1S_ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> conn,
      Connection::Open(uri_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX));
  K1S_RETURN_IF_ERROR(conn->Exec(absl::StrCat("PRAGMA busy_timeout=10000; PRAGMA cache_size=-",
                                              cache_kib, "; PRAGMA mmap_size=0;")));
  return conn;
}

absl::StatusOr<SqliteBackend::Reader> SqliteBackend::AcquireReader() {
  std::unique_lock<std::mutex> lock(pool_mu_);
  while (true) {
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Reader(this, std::move(conn));
    }
    if (open_readers_ < std::max(1, options_.read_connections)) {
      ++open_readers_;
      lock.unlock();
      absl::StatusOr<std::unique_ptr<Connection>> conn =
          OpenConnection(std::max<int64_t>(256, options_.cache_size_kib / 4));
      if (!conn.ok()) {
        lock.lock();
        --open_readers_;
        return conn.status();
      }
      (*conn)->Exec("PRAGMA query_only=1").IgnoreError();
      return Reader(this, std::move(*conn));
    }
    pool_cv_.wait(lock);
  }
}

void SqliteBackend::ReleaseReader(std::unique_ptr<Connection> conn) {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    idle_readers_.push_back(std::move(conn));
  }
  pool_cv_.notify_one();
}

absl::Status SqliteBackend::LoadState(Connection& conn) {
  int64_t revision = 0, compacted = 0;
  K1S_RETURN_IF_ERROR(ReadMeta(conn, revision, compacted));
  K1S_ASSIGN_OR_RETURN(int64_t cursor,
                       conn.QueryInt("SELECT value FROM meta WHERE name = 'compact_cursor'"));
  K1S_ASSIGN_OR_RETURN(int64_t cursor_id,
                       conn.QueryInt("SELECT value FROM meta WHERE name = 'compact_cursor_id'"));
  committed_rev_ = revision;
  current_rev_.store(revision);
  compact_rev_.store(compacted);
  compact_cursor_ = cursor;
  compact_cursor_id_ = cursor_id;

  std::map<int64_t, LeaseState> leases;
  const Clock::time_point now = Clock::now();
  {
    K1S_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare("SELECT id, ttl FROM lease"));
    while (true) {
      K1S_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      LeaseState& lease = leases[stmt.Int(0)];
      lease.ttl = stmt.Int(1);
      // Like etcd, a restart renews every lease to its full TTL.
      lease.deadline = now + LeaseDuration(lease.ttl);
    }
  }
  // Attach every live key to its lease.
  std::vector<std::pair<std::string, int64_t>> ids;
  K1S_RETURN_IF_ERROR(ScanLive(conn, KeyRange::From(std::string(1, '\0'), std::string(1, '\0')),
                               revision, [&](Statement& s, int64_t, int64_t id) {
                                 ids.emplace_back(s.Blob(0), id);
                                 return true;
                               }));
  for (auto& [key, id] : ids) {
    KeyValue kv;
    K1S_RETURN_IF_ERROR(LoadRow(conn, id, false, kv));
    if (kv.lease == 0) continue;
    auto it = leases.find(kv.lease);
    if (it != leases.end()) it->second.keys.insert(key);
  }
  std::lock_guard<std::mutex> lock(lease_mu_);
  leases_ = std::move(leases);
  return absl::OkStatus();
}

absl::Status SqliteBackend::Init() {
  const std::string& path = options_.path;
  auto corrupt = [&](const absl::Status& status) {
    return absl::DataLossError(absl::StrCat(
        "datastore ", path,
        " is not a k1s database or is corrupt: restore it from a backup or move it away to "
        "start empty (",
        status.message(), ")"));
  };
  absl::StatusOr<std::unique_ptr<Connection>> conn = OpenConnection(options_.cache_size_kib);
  if (!conn.ok()) {
    if (conn.status().code() == absl::StatusCode::kDataLoss) return corrupt(conn.status());
    return absl::Status(conn.status().code(), absl::StrCat("cannot open datastore ", path, ": ",
                                                           conn.status().message()));
  }
  writer_conn_ = std::move(*conn);
  Connection& db = *writer_conn_;

  absl::StatusOr<int64_t> tables = db.QueryInt("SELECT count(*) FROM sqlite_master");
  if (!tables.ok()) {
    if (tables.status().code() == absl::StatusCode::kDataLoss) return corrupt(tables.status());
    return absl::Status(tables.status().code(), absl::StrCat("cannot read datastore ", path, ": ",
                                                             tables.status().message()));
  }
  const bool fresh = *tables == 0;
  if (fresh) {
    // auto_vacuum must be chosen before the first table exists.
    K1S_RETURN_IF_ERROR(db.Exec("PRAGMA auto_vacuum=INCREMENTAL"));
  } else if (options_.quick_check_on_open) {
    absl::StatusOr<std::string> check = db.QueryText("PRAGMA quick_check");
    if (!check.ok()) return corrupt(check.status());
    if (*check != "ok") return corrupt(absl::DataLossError(*check));
  }
  if (!in_memory_) {
    absl::StatusOr<std::string> mode = db.QueryText("PRAGMA journal_mode=WAL");
    if (!mode.ok()) {
      if (mode.status().code() == absl::StatusCode::kDataLoss) return corrupt(mode.status());
      return base::WithContext(mode.status(), absl::StrCat("datastore ", path));
    }
  }
  K1S_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=FULL; PRAGMA journal_size_limit=67108864"));
  if (fresh) {
    K1S_RETURN_IF_ERROR(db.Exec(absl::StrCat("BEGIN IMMEDIATE;", kSchema, "COMMIT;")));
  } else {
    absl::StatusOr<int64_t> schema = db.QueryInt("SELECT value FROM meta WHERE name = 'schema'");
    if (!schema.ok()) return corrupt(schema.status());
    if (*schema != kSchemaVersion) {
      return absl::FailedPreconditionError(
          absl::StrCat("datastore ", path, " has schema version ", *schema, ", this k1s reads ",
                       kSchemaVersion, ": use a matching k1s or restore a backup"));
    }
  }
  if (absl::Status s = LoadState(db); !s.ok()) return corrupt(s);

  hub_ = std::make_shared<WatchHub>(
      committed_rev_, options_.watch_buffer_bytes,
      [this](const KeyRange& range, bool prev_kv, int64_t from, int64_t to) {
        return ReadHistory(range, prev_kv, from, to);
      });
  hub_->Start();
  writer_ = std::thread([this] { WriterLoop(); });
  lease_thread_ = std::thread([this] { LeaseLoop(); });
  compact_thread_ = std::thread([this] { CompactLoop(); });
  if (!in_memory_) {
    sqlite3_wal_hook(writer_conn_->raw(), &SqliteBackend::OnWalCommit, this);
    ckpt_thread_ = std::thread([this] { CheckpointLoop(); });
  }
  log_->debug("datastore {} open at revision {} (compacted {})", in_memory_ ? "(memory)" : path,
              committed_rev_, compact_rev_.load());
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Writer

absl::Status SqliteBackend::Submit(std::function<absl::Status(WriteBatch&)> apply, int64_t bytes,
                                   bool exclusive) {
  WriteTask task;
  task.apply = std::move(apply);
  task.bytes = bytes;
  task.exclusive = exclusive;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    if (stopping_) return Closed();
    queue_.push_back(&task);
  }
  queue_cv_.notify_one();
  task.Wait();
  return task.status;
}

void SqliteBackend::WriterLoop() {
  NameThread("k1s-ds-writer");
  std::vector<WriteTask*> batch;
  while (true) {
    batch.clear();
    WriteTask* exclusive = nullptr;
    {
      std::unique_lock<std::mutex> lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping and drained
      int64_t bytes = 0;
      while (!queue_.empty() && static_cast<int64_t>(batch.size()) < options_.max_batch_requests &&
             (batch.empty() || bytes + queue_.front()->bytes <= options_.max_batch_bytes)) {
        WriteTask* task = queue_.front();
        if (task->exclusive) {
          if (batch.empty()) {
            exclusive = task;
            queue_.pop_front();
          }
          break;
        }
        bytes += task->bytes;
        batch.push_back(task);
        queue_.pop_front();
      }
    }
    if (exclusive != nullptr) {
      RunExclusive(exclusive);
    } else {
      RunBatch(batch);
    }
  }
}

void SqliteBackend::RunExclusive(WriteTask* task) {
  WriteBatch b;
  b.conn = writer_conn_.get();
  b.rev = committed_rev_;
  task->status = task->apply(b);
  task->Finish();
}

void SqliteBackend::RunBatch(std::vector<WriteTask*>& batch) {
  Connection& conn = *writer_conn_;
  WriteBatch b;
  b.conn = &conn;
  b.rev = committed_rev_;
  absl::Status fatal = conn.Exec("BEGIN IMMEDIATE");
  if (fatal.ok()) {
    for (WriteTask* task : batch) {
      b.task_wrote = false;
      task->status = task->apply(b);
      if (sqlite3_get_autocommit(conn.raw()) != 0) {
        // SQLite rolled the transaction back on its own (I/O error, disk full...).
        fatal = task->status.ok() ? absl::InternalError("sqlite: transaction rolled back")
                                  : task->status;
        break;
      }
      if (!task->status.ok() && b.task_wrote) {
        fatal = task->status;
        break;
      }
    }
  }
  if (fatal.ok() && b.rev != committed_rev_) {
    absl::StatusOr<Statement> stmt =
        conn.Prepare("UPDATE meta SET value = ?1 WHERE name = 'revision'");
    fatal = stmt.ok() ? stmt->Bind(1, b.rev).Run() : stmt.status();
  }
  if (fatal.ok()) fatal = conn.Exec("COMMIT");
  if (!fatal.ok()) {
    if (sqlite3_get_autocommit(conn.raw()) == 0) conn.Exec("ROLLBACK").IgnoreError();
    log_->error("datastore write batch of {} requests failed: {}", batch.size(), fatal.message());
    // In-memory state may hold changes of the rolled-back batch: reload it from the database.
    if (absl::Status s = LoadState(conn); !s.ok()) {
      log_->error("datastore reload after failed write: {}", s.message());
    }
    for (WriteTask* task : batch) {
      task->status = base::WithContext(fatal, "datastore write");
      task->Finish();
    }
    return;
  }
  if (b.rev != committed_rev_) {
    committed_rev_ = b.rev;
    current_rev_.store(b.rev);
    std::vector<std::shared_ptr<const RevisionEvents>> events(b.events.begin(), b.events.end());
    hub_->Publish(std::move(events), b.rev);
    RecordRevisionSample(b.rev);
  }
  for (WriteTask* task : batch) task->Finish();
}

absl::Status SqliteBackend::WritePut(WriteBatch& b, const std::string& key,
                                     const std::string& value, int64_t lease,
                                     const std::optional<Row>& prev) {
  const bool live = prev.has_value() && prev->version > 0;
  const int64_t rev = b.TaskRevision();
  KeyValue kv{key, value, live ? prev->create_rev : rev, rev, live ? prev->version + 1 : 1, lease};
  K1S_ASSIGN_OR_RETURN(Statement stmt, b.conn->Prepare(kInsert));
  stmt.Bind(1, rev).BindBlob(2, key).Bind(3, kv.create_revision).Bind(4, kv.version);
  stmt.Bind(5, lease).Bind(6, live ? prev->rev : 0).BindBlob(7, value);
  K1S_RETURN_IF_ERROR(stmt.Run());
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    if (live && prev->lease != 0 && prev->lease != lease) {
      auto it = leases_.find(prev->lease);
      if (it != leases_.end()) it->second.keys.erase(key);
    }
    if (lease != 0) {
      auto it = leases_.find(lease);
      if (it != leases_.end()) it->second.keys.insert(key);
    }
  }
  Event event;
  event.type = Event::Type::kPut;
  event.kv = std::move(kv);
  if (live) event.prev_kv = prev->ToKeyValue();
  b.AddEvent(std::move(event));
  return absl::OkStatus();
}

absl::Status SqliteBackend::WriteTombstone(WriteBatch& b, const Row& prev) {
  const int64_t rev = b.TaskRevision();
  K1S_ASSIGN_OR_RETURN(Statement stmt, b.conn->Prepare(kInsert));
  stmt.Bind(1, rev).BindBlob(2, prev.key).Bind(3, 0).Bind(4, 0);
  stmt.Bind(5, 0).Bind(6, prev.rev).BindBlob(7, std::string_view());
  K1S_RETURN_IF_ERROR(stmt.Run());
  if (prev.lease != 0) {
    std::lock_guard<std::mutex> lock(lease_mu_);
    auto it = leases_.find(prev.lease);
    if (it != leases_.end()) it->second.keys.erase(prev.key);
  }
  Event event;
  event.type = Event::Type::kDelete;
  event.kv.key = prev.key;
  event.kv.mod_revision = rev;
  event.prev_kv = prev.ToKeyValue();
  b.AddEvent(std::move(event));
  return absl::OkStatus();
}

bool SqliteBackend::LeaseExists(int64_t id) {
  std::lock_guard<std::mutex> lock(lease_mu_);
  return leases_.count(id) > 0;
}

absl::Status SqliteBackend::ApplyPut(WriteBatch& b, const PutRequest& r, PutResponse& out) {
  K1S_ASSIGN_OR_RETURN(std::optional<Row> prev, LatestRow(*b.conn, r.key));
  const bool live = prev.has_value() && prev->version > 0;
  if ((r.ignore_value || r.ignore_lease) && !live) return ErrKeyNotFound();
  const int64_t lease = r.ignore_lease ? prev->lease : r.lease;
  if (lease != 0 && !LeaseExists(lease)) return ErrLeaseNotFound();
  K1S_RETURN_IF_ERROR(WritePut(b, r.key, r.ignore_value ? prev->value : r.value, lease, prev));
  out.revision = b.rev;
  if (r.prev_kv && live) out.prev_kv = prev->ToKeyValue();
  return absl::OkStatus();
}

absl::Status SqliteBackend::ApplyDelete(WriteBatch& b, const DeleteRangeRequest& r,
                                        DeleteRangeResponse& out) {
  // Old values are needed only for prev_kv: skip reading them (a large delete may touch many
  // keys) unless this request or a live watcher asks for them.
  const bool with_values = r.prev_kv || hub_->PrevKvWatcherCount() > 0;
  std::vector<Row> victims;
  K1S_RETURN_IF_ERROR(ScanLive(*b.conn, KeyRange::From(r.key, r.range_end), b.rev,
                               [&](Statement& s, int64_t rev, int64_t id) {
                                 Row row;
                                 row.key = s.Blob(0);
                                 row.rev = rev;
                                 row.version = s.Int(2);
                                 row.id = id;
                                 victims.push_back(std::move(row));
                                 return true;
                               }));
  for (Row& prev : victims) {
    KeyValue loaded;
    K1S_RETURN_IF_ERROR(LoadRow(*b.conn, prev.id, with_values, loaded));
    prev.create_rev = loaded.create_revision;
    prev.lease = loaded.lease;
    prev.value = std::move(loaded.value);
    K1S_RETURN_IF_ERROR(WriteTombstone(b, prev));
    if (r.prev_kv) out.prev_kvs.push_back(prev.ToKeyValue());
    prev = Row();  // release memory as we go
  }
  if (!victims.empty() && !with_values) b.events.back()->prev_values = false;
  out.deleted = static_cast<int64_t>(victims.size());
  out.revision = b.rev;
  return absl::OkStatus();
}

// Checks the ops on the chosen path before anything is written: ranges at valid revisions, puts
// with ignore_* on existing keys and known leases (etcd's checkRequestPut/checkRequestRange).
absl::Status SqliteBackend::CheckTxnPath(Connection& conn, const TxnRequest& txn,
                                         const std::vector<bool>& path, size_t& index, int64_t at,
                                         int64_t compacted) {
  const bool ok = path[index++];
  for (const RequestOp& op : ok ? txn.success : txn.failure) {
    if (const auto* r = std::get_if<RangeRequest>(&op.request)) {
      if (r->revision > at) return ErrFutureRevision();
      if (r->revision > 0 && r->revision < compacted) return ErrCompacted();
    } else if (const auto* p = std::get_if<PutRequest>(&op.request)) {
      int64_t lease = p->lease;
      if (p->ignore_value || p->ignore_lease) {
        K1S_ASSIGN_OR_RETURN(std::optional<Row> prev, LatestRow(conn, p->key));
        if (!prev.has_value() || prev->version == 0) return ErrKeyNotFound();
        if (p->ignore_lease) lease = prev->lease;
      }
      if (lease != 0 && !LeaseExists(lease)) return ErrLeaseNotFound();
    } else if (const auto* t = std::get_if<TxnRequest>(&op.request)) {
      K1S_RETURN_IF_ERROR(CheckTxnPath(conn, *t, path, index, at, compacted));
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteBackend::ExecTxnPath(Connection& conn, WriteBatch* b, const TxnRequest& txn,
                                        const std::vector<bool>& path, size_t& index,
                                        int64_t current, int64_t compacted, TxnResponse& out) {
  out.succeeded = path[index++];
  for (const RequestOp& op : out.succeeded ? txn.success : txn.failure) {
    ResponseOp response;
    if (const auto* r = std::get_if<RangeRequest>(&op.request)) {
      const int64_t at = b != nullptr ? b->rev : current;
      K1S_ASSIGN_OR_RETURN(RangeResponse rr, ExecRange(conn, *r, at, compacted));
      response.response = std::move(rr);
    } else if (const auto* p = std::get_if<PutRequest>(&op.request)) {
      PutResponse pr;
      K1S_RETURN_IF_ERROR(ApplyPut(*b, *p, pr));
      response.response = std::move(pr);
    } else if (const auto* d = std::get_if<DeleteRangeRequest>(&op.request)) {
      DeleteRangeResponse dr;
      K1S_RETURN_IF_ERROR(ApplyDelete(*b, *d, dr));
      response.response = std::move(dr);
    } else {
      TxnResponse tr;
      K1S_RETURN_IF_ERROR(ExecTxnPath(conn, b, std::get<TxnRequest>(op.request), path, index,
                                      current, compacted, tr));
      response.response = std::move(tr);
    }
    out.responses.push_back(std::move(response));
  }
  out.revision = b != nullptr ? b->rev : current;
  return absl::OkStatus();
}

// Fills in the revision of every nested response once the txn's final revision is known.
void SetTxnRevision(TxnResponse& txn, int64_t revision) {
  txn.revision = revision;
  for (ResponseOp& op : txn.responses) {
    if (auto* nested = std::get_if<TxnResponse>(&op.response)) SetTxnRevision(*nested, revision);
    if (auto* put = std::get_if<PutResponse>(&op.response)) put->revision = revision;
    if (auto* del = std::get_if<DeleteRangeResponse>(&op.response)) del->revision = revision;
  }
}

absl::Status SqliteBackend::ApplyRevoke(WriteBatch& b, int64_t id) {
  std::vector<std::string> keys;
  {
    std::lock_guard<std::mutex> lock(lease_mu_);
    auto it = leases_.find(id);
    if (it == leases_.end()) return ErrLeaseNotFound();
    keys.assign(it->second.keys.begin(), it->second.keys.end());
  }
  for (const std::string& key : keys) {
    K1S_ASSIGN_OR_RETURN(std::optional<Row> prev, LatestRow(*b.conn, key));
    if (!prev.has_value() || prev->version == 0 || prev->lease != id) continue;
    prev->key = key;
    K1S_RETURN_IF_ERROR(WriteTombstone(b, *prev));
  }
  K1S_ASSIGN_OR_RETURN(Statement stmt, b.conn->Prepare("DELETE FROM lease WHERE id = ?1"));
  K1S_RETURN_IF_ERROR(stmt.Bind(1, id).Run());
  std::lock_guard<std::mutex> lock(lease_mu_);
  leases_.erase(id);
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// KV API

absl::StatusOr<RangeResponse> SqliteBackend::Range(const RangeRequest& request) {
  K1S_RETURN_IF_ERROR(CheckRange(request));
  K1S_ASSIGN_OR_RETURN(Reader reader, AcquireReader());
  ReadTxn txn(*reader);
  K1S_RETURN_IF_ERROR(txn.Begin());
  int64_t current = 0, compacted = 0;
  K1S_RETURN_IF_ERROR(ReadMeta(*reader, current, compacted));
  return ExecRange(*reader, request, current, compacted);
}

absl::StatusOr<PutResponse> SqliteBackend::Put(const PutRequest& request) {
  K1S_RETURN_IF_ERROR(CheckPut(request));
  PutResponse response;
  K1S_RETURN_IF_ERROR(
      Submit([&](WriteBatch& b) { return ApplyPut(b, request, response); }, RequestBytes(request)));
  return response;
}

absl::StatusOr<DeleteRangeResponse> SqliteBackend::DeleteRange(const DeleteRangeRequest& request) {
  K1S_RETURN_IF_ERROR(CheckDeleteRange(request));
  DeleteRangeResponse response;
  K1S_RETURN_IF_ERROR(Submit([&](WriteBatch& b) { return ApplyDelete(b, request, response); },
                             RequestBytes(request)));
  return response;
}

absl::StatusOr<TxnResponse> SqliteBackend::Txn(const TxnRequest& request) {
  K1S_RETURN_IF_ERROR(CheckTxn(request));
  TxnResponse response;
  if (!TxnMayWrite(request)) {
    // Read-only: served from one snapshot on a read connection, no revision.
    K1S_ASSIGN_OR_RETURN(Reader reader, AcquireReader());
    ReadTxn txn(*reader);
    K1S_RETURN_IF_ERROR(txn.Begin());
    int64_t current = 0, compacted = 0;
    K1S_RETURN_IF_ERROR(ReadMeta(*reader, current, compacted));
    std::vector<bool> path;
    K1S_RETURN_IF_ERROR(ComputePath(*reader, request, current, path));
    size_t index = 0;
    K1S_RETURN_IF_ERROR(CheckTxnPath(*reader, request, path, index, current, compacted));
    index = 0;
    K1S_RETURN_IF_ERROR(
        ExecTxnPath(*reader, nullptr, request, path, index, current, compacted, response));
    return response;
  }
  K1S_RETURN_IF_ERROR(Submit(
      [&](WriteBatch& b) -> absl::Status {
        const int64_t compacted = compact_rev_.load();
        std::vector<bool> path;
        K1S_RETURN_IF_ERROR(ComputePath(*b.conn, request, b.rev, path));
        size_t index = 0;
        K1S_RETURN_IF_ERROR(CheckTxnPath(*b.conn, request, path, index, b.rev, compacted));
        index = 0;
        K1S_RETURN_IF_ERROR(
            ExecTxnPath(*b.conn, &b, request, path, index, b.rev, compacted, response));
        SetTxnRevision(response, b.rev);
        return absl::OkStatus();
      },
      RequestBytes(request)));
  return response;
}

// ---------------------------------------------------------------------------------------------
// Watch

absl::StatusOr<History> SqliteBackend::ReadHistory(const KeyRange& range, bool prev_kv,
                                                   int64_t from, int64_t to) {
  K1S_ASSIGN_OR_RETURN(Reader reader, AcquireReader());
  ReadTxn txn(*reader);
  K1S_RETURN_IF_ERROR(txn.Begin());
  History history;
  history.last_revision = to;
  int64_t current = 0;
  K1S_RETURN_IF_ERROR(ReadMeta(*reader, current, history.compact_revision));
  if (history.compact_revision > from || range.empty) return history;
  struct Pending {
    Event event;
    int64_t prev_rev;
  };
  std::vector<Pending> rows;
  {
    K1S_ASSIGN_OR_RETURN(Statement stmt,
                         reader->Prepare(range.unbounded ? kHistoryUnbounded : kHistoryBounded));
    stmt.Bind(1, from).Bind(2, to).BindBlob(3, range.begin);
    if (!range.unbounded) stmt.BindBlob(4, range.end);
    int64_t bytes = 0;
    while (true) {
      K1S_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      const int64_t rev = stmt.Int(0);
      // Bound the memory of one catch-up step; stop only between revisions.
      if (bytes > kHistoryChunkBytes && !rows.empty() && rev != rows.back().event.kv.mod_revision) {
        history.last_revision = rows.back().event.kv.mod_revision;
        break;
      }
      Pending p;
      p.event.kv.mod_revision = rev;
      p.event.kv.key = stmt.Blob(1);
      if (stmt.Int(3) == 0) {
        p.event.type = Event::Type::kDelete;
      } else {
        p.event.type = Event::Type::kPut;
        p.event.kv.create_revision = stmt.Int(2);
        p.event.kv.version = stmt.Int(3);
        p.event.kv.lease = stmt.Int(4);
        p.event.kv.value = stmt.Blob(5);
      }
      p.prev_rev = stmt.Int(6);
      bytes += KeyValueBytes(p.event.kv) * (prev_kv ? 2 : 1);
      rows.push_back(std::move(p));
    }
  }
  for (Pending& p : rows) {
    if (prev_kv && p.prev_rev > 0) {
      K1S_ASSIGN_OR_RETURN(Statement stmt, reader->Prepare(kVersionAt));
      stmt.BindBlob(1, p.event.kv.key).Bind(2, p.prev_rev);
      K1S_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) {
        p.event.prev_kv = KeyValue{p.event.kv.key, stmt.Blob(4), stmt.Int(1),
                                   stmt.Int(0),    stmt.Int(2),  stmt.Int(3)};
      }
    }
    history.events.push_back(std::move(p.event));
  }
  return history;
}

absl::StatusOr<std::unique_ptr<WatchHandle>> SqliteBackend::Watch(const WatchRequest& request,
                                                                  WatchCallback callback) {
  if (request.key.empty()) return ErrEmptyKey();
  if (!callback) return absl::InvalidArgumentError("datastore: watch callback is empty");
  return hub_->Add(request, std::move(callback), compact_rev_.load());
}

// ---------------------------------------------------------------------------------------------
// Leases

absl::StatusOr<LeaseInfo> SqliteBackend::LeaseGrant(int64_t id, int64_t ttl_seconds) {
  if (ttl_seconds > kMaxLeaseTtlSeconds) return ErrLeaseTtlTooLarge();
  const int64_t ttl = std::max(ttl_seconds, options_.min_lease_ttl_seconds);
  LeaseInfo info;
  info.ttl = ttl;
  info.granted_ttl = ttl;
  K1S_RETURN_IF_ERROR(Submit(
      [&](WriteBatch& b) -> absl::Status {
        int64_t chosen = id;
        {
          std::lock_guard<std::mutex> lock(lease_mu_);
          while (chosen == 0) {
            chosen = static_cast<int64_t>(lease_rng_() >> 1);  // positive int64
            if (leases_.count(chosen) > 0) chosen = 0;
          }
          if (leases_.count(chosen) > 0) return ErrLeaseExists();
        }
        K1S_ASSIGN_OR_RETURN(Statement stmt,
                             b.conn->Prepare("INSERT INTO lease(id, ttl) VALUES(?1, ?2)"));
        K1S_RETURN_IF_ERROR(stmt.Bind(1, chosen).Bind(2, ttl).Run());
        {
          std::lock_guard<std::mutex> lock(lease_mu_);
          LeaseState& lease = leases_[chosen];
          lease.ttl = ttl;
          lease.deadline = Clock::now() + LeaseDuration(ttl);
        }
        lease_cv_.notify_all();
        info.id = chosen;
        return absl::OkStatus();
      },
      32));
  return info;
}

absl::Status SqliteBackend::LeaseRevoke(int64_t id) {
  return Submit([&](WriteBatch& b) { return ApplyRevoke(b, id); }, 32);
}

absl::StatusOr<int64_t> SqliteBackend::LeaseKeepAlive(int64_t id) {
  std::lock_guard<std::mutex> lock(lease_mu_);
  auto it = leases_.find(id);
  const Clock::time_point now = Clock::now();
  if (it == leases_.end() || it->second.revoking || it->second.deadline <= now) {
    return ErrLeaseNotFound();
  }
  it->second.deadline = now + LeaseDuration(it->second.ttl);
  return it->second.ttl;
}

absl::StatusOr<LeaseInfo> SqliteBackend::LeaseTimeToLive(int64_t id, bool with_keys) {
  std::lock_guard<std::mutex> lock(lease_mu_);
  LeaseInfo info;
  info.id = id;
  auto it = leases_.find(id);
  if (it == leases_.end()) {
    info.ttl = -1;
    return info;
  }
  const Clock::time_point now = Clock::now();
  info.granted_ttl = it->second.ttl;
  if (it->second.deadline <= now) {
    info.ttl = -1;
  } else {
    info.ttl = (it->second.deadline - now) / options_.lease_second;  // truncated, like etcd
  }
  if (with_keys) info.keys.assign(it->second.keys.begin(), it->second.keys.end());
  return info;
}

absl::StatusOr<std::vector<int64_t>> SqliteBackend::LeaseList() {
  std::lock_guard<std::mutex> lock(lease_mu_);
  std::vector<int64_t> ids;
  ids.reserve(leases_.size());
  for (const auto& [id, lease] : leases_) ids.push_back(id);
  return ids;
}

void SqliteBackend::LeaseLoop() {
  NameThread("k1s-ds-lease");
  std::unique_lock<std::mutex> lock(lease_mu_);
  while (!lease_stopping_) {
    const Clock::time_point now = Clock::now();
    std::optional<Clock::time_point> earliest;
    std::vector<int64_t> expired;
    for (auto& [id, lease] : leases_) {
      if (lease.revoking) continue;
      if (lease.deadline <= now) {
        lease.revoking = true;
        expired.push_back(id);
      } else if (!earliest || lease.deadline < *earliest) {
        earliest = lease.deadline;
      }
    }
    if (!expired.empty()) {
      lock.unlock();
      for (int64_t id : expired) {
        absl::Status s = Submit([this, id](WriteBatch& b) { return ApplyRevoke(b, id); }, 32);
        if (!s.ok() && s.code() != absl::StatusCode::kNotFound) {
          log_->warn("datastore: revoking expired lease {:x}: {}", id, s.message());
          std::lock_guard<std::mutex> relock(lease_mu_);
          auto it = leases_.find(id);
          if (it != leases_.end()) {
            // Try again after one lease second rather than spinning.
            it->second.revoking = false;
            it->second.deadline = Clock::now() + options_.lease_second;
          }
        }
      }
      lock.lock();
      continue;
    }
    if (earliest) {
      lease_cv_.wait_until(lock, *earliest);
    } else {
      lease_cv_.wait(lock);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Compaction

absl::Status SqliteBackend::CompactStep(WriteBatch& b, bool& done) {
  Connection& conn = *b.conn;
  const int64_t target = compact_rev_.load();
  // The next rows after the cursor (rev, id) up to the target, at most compaction_batch_rows:
  // first the rest of the cursor's revision (one revision may hold many rows), then later ones.
  struct Victim {
    int64_t id;
    int64_t rev;
    bool tombstone;
    std::string key;
  };
  std::vector<Victim> rows;
  const int64_t limit = options_.compaction_batch_rows;
  auto collect = [&](Statement& stmt) -> absl::Status {
    while (true) {
      K1S_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return absl::OkStatus();
      rows.push_back(Victim{stmt.Int(0), stmt.Int(1), stmt.Int(2) == 0, stmt.Blob(3)});
    }
  };
  if (compact_cursor_ <= target) {
    K1S_ASSIGN_OR_RETURN(Statement stmt,
                         conn.Prepare("SELECT id, rev, version, key FROM kv WHERE rev = ?1 AND "
                                      "id > ?2 ORDER BY id LIMIT ?3"));
    stmt.Bind(1, compact_cursor_).Bind(2, compact_cursor_id_).Bind(3, limit);
    K1S_RETURN_IF_ERROR(collect(stmt));
  }
  if (static_cast<int64_t>(rows.size()) < limit) {
    K1S_ASSIGN_OR_RETURN(Statement stmt,
                         conn.Prepare("SELECT id, rev, version, key FROM kv WHERE rev > ?1 AND "
                                      "rev <= ?2 ORDER BY rev, id LIMIT ?3"));
    stmt.Bind(1, compact_cursor_)
        .Bind(2, target)
        .Bind(3, limit - static_cast<int64_t>(rows.size()));
    K1S_RETURN_IF_ERROR(collect(stmt));
  }
  for (const Victim& v : rows) {
    // Every older version of the key was superseded by this row, at or before the target.
    K1S_ASSIGN_OR_RETURN(Statement older,
                         conn.Prepare("DELETE FROM kv WHERE key = ?1 AND rev < ?2"));
    K1S_RETURN_IF_ERROR(older.BindBlob(1, v.key).Bind(2, v.rev).Run());
    if (v.tombstone) {
      K1S_ASSIGN_OR_RETURN(Statement self, conn.Prepare("DELETE FROM kv WHERE id = ?1"));
      K1S_RETURN_IF_ERROR(self.Bind(1, v.id).Run());
    }
  }
  done = static_cast<int64_t>(rows.size()) < limit;
  // When done, the cursor moves past every row of the target revision.
  const int64_t cursor = done ? std::max(target, compact_cursor_) : rows.back().rev;
  const int64_t cursor_id = done ? std::numeric_limits<int64_t>::max() : rows.back().id;
  K1S_ASSIGN_OR_RETURN(
      Statement save,
      conn.Prepare("INSERT OR REPLACE INTO meta(name, value) VALUES('compact_cursor', ?1), "
                   "('compact_cursor_id', ?2)"));
  K1S_RETURN_IF_ERROR(save.Bind(1, cursor).Bind(2, cursor_id).Run());
  // Give free pages back to the file system, a bounded amount per step; the rest are reused
  // by later writes or returned by the next steps.
  K1S_RETURN_IF_ERROR(conn.Exec("PRAGMA incremental_vacuum(512)"));
  compact_cursor_ = cursor;
  compact_cursor_id_ = cursor_id;
  return absl::OkStatus();
}

absl::Status SqliteBackend::RunPhysicalCompaction() {
  std::lock_guard<std::mutex> lock(physical_mu_);
  while (true) {
    // Stop between steps when closing; the cursor is durable and the next open resumes.
    if (closing_.load()) return Closed();
    bool done = false;
    int64_t cursor_before = 0;
    int64_t cursor_id_before = 0;
    absl::Status s = Submit(
        [&](WriteBatch& b) {
          cursor_before = compact_cursor_;
          cursor_id_before = compact_cursor_id_;
          absl::Status st = CompactStep(b, done);
          // Compaction writes no revision; a failed step must not leave a half-moved cursor.
          if (!st.ok()) {
            compact_cursor_ = cursor_before;
            compact_cursor_id_ = cursor_id_before;
          }
          return st;
        },
        0);
    if (!s.ok()) return s;
    if (done) return absl::OkStatus();
  }
}

absl::Status SqliteBackend::Compact(int64_t revision) {
  K1S_RETURN_IF_ERROR(Submit(
      [&](WriteBatch& b) -> absl::Status {
        if (revision <= compact_rev_.load()) return ErrCompacted();
        if (revision > b.rev) return ErrFutureRevision();
        K1S_ASSIGN_OR_RETURN(
            Statement stmt,
            b.conn->Prepare("UPDATE meta SET value = ?1 WHERE name = 'compact_revision'"));
        K1S_RETURN_IF_ERROR(stmt.Bind(1, revision).Run());
        compact_rev_.store(revision);
        return absl::OkStatus();
      },
      0));
  return RunPhysicalCompaction();
}

void SqliteBackend::RecordRevisionSample(int64_t revision) {
  if (!options_.auto_compaction) return;
  const Clock::time_point now = Clock::now();
  const Clock::duration interval =
      std::max<Clock::duration>(std::chrono::seconds(1), options_.compaction_retention / 10);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(compact_mu_);
    if (samples_.empty() || now - samples_.back().first >= interval) {
      wake = samples_.empty();
      samples_.emplace_back(now, revision);
    }
  }
  if (wake) compact_cv_.notify_all();
}

void SqliteBackend::CompactLoop() {
  NameThread("k1s-ds-compact");
  // Finish a physical compaction interrupted by a restart.
  if (absl::Status s = RunPhysicalCompaction(); !s.ok()) {
    log_->warn("datastore: resuming compaction: {}", s.message());
  }
  std::unique_lock<std::mutex> lock(compact_mu_);
  while (!compact_stopping_) {
    if (samples_.empty()) {
      compact_cv_.wait(lock);
      continue;
    }
    const Clock::time_point now = Clock::now();
    const Clock::time_point due = samples_.front().first + options_.compaction_retention;
    if (now < due) {
      compact_cv_.wait_until(lock, due);
      continue;
    }
    // Every revision up to a sample older than the retention is old enough to drop.
    int64_t target = 0;
    while (!samples_.empty() && samples_.front().first + options_.compaction_retention <= now) {
      target = samples_.front().second;
      samples_.pop_front();
    }
    target = std::min(target, current_rev_.load() - options_.compaction_min_revisions);
    if (target <= compact_rev_.load()) continue;
    lock.unlock();
    absl::Status s = Compact(target);
    if (s.ok()) {
      log_->info("datastore: compacted to revision {}", target);
    } else if (s.code() != absl::StatusCode::kOutOfRange) {
      log_->warn("datastore: automatic compaction to {}: {}", target, s.message());
    }
    lock.lock();
  }
}

// ---------------------------------------------------------------------------------------------
// WAL checkpoints
//
// SQLite's automatic checkpoint runs inside the committing writer and stalls every queued write
// while it copies pages. Instead the WAL hook (writer thread, after each commit) wakes a
// background thread once the WAL holds kCheckpointPages; that thread copies pages without
// blocking the writer (PASSIVE). Under sustained load the background copy may trail the writer,
// so past kInlineCheckpointPages the writer checkpoints itself; most frames are already copied by
// then, so this is short, and it lets the WAL start over from the beginning.

constexpr int kCheckpointPages = 1000;
constexpr int kInlineCheckpointPages = 8000;

int SqliteBackend::OnWalCommit(void* self, sqlite3* db, const char* name, int frames) {
  auto* backend = static_cast<SqliteBackend*>(self);
  if (frames >= kInlineCheckpointPages) {
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (frames >= kCheckpointPages) {
    {
      std::lock_guard<std::mutex> lock(backend->ckpt_mu_);
      backend->ckpt_requested_ = true;
    }
    backend->ckpt_cv_.notify_one();
  }
  return SQLITE_OK;
}

void SqliteBackend::CheckpointLoop() {
  NameThread("k1s-ds-ckpt");
  std::unique_ptr<Connection> conn;
  std::unique_lock<std::mutex> lock(ckpt_mu_);
  while (true) {
    ckpt_cv_.wait(lock, [&] { return ckpt_stopping_ || ckpt_requested_; });
    if (ckpt_stopping_) return;
    ckpt_requested_ = false;
    lock.unlock();
    if (!conn) {
      absl::StatusOr<std::unique_ptr<Connection>> opened = OpenConnection(256);
      if (opened.ok()) {
        conn = std::move(*opened);
      } else {
        log_->warn("datastore: checkpoint connection: {}", opened.status().message());
      }
    }
    if (conn) {
      int rc = sqlite3_wal_checkpoint_v2(conn->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                         nullptr);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        log_->warn("datastore: checkpoint: {}", sqlite3_errmsg(conn->raw()));
      }
    }
    lock.lock();
  }
}

// ---------------------------------------------------------------------------------------------
// Maintenance

absl::StatusOr<BackendStatus> SqliteBackend::Status() {
  K1S_ASSIGN_OR_RETURN(Reader reader, AcquireReader());
  BackendStatus status;
  {
    ReadTxn txn(*reader);
    K1S_RETURN_IF_ERROR(txn.Begin());
    K1S_RETURN_IF_ERROR(ReadMeta(*reader, status.revision, status.compact_revision));
  }
  K1S_ASSIGN_OR_RETURN(int64_t pages, reader->QueryInt("PRAGMA page_count"));
  K1S_ASSIGN_OR_RETURN(int64_t free_pages, reader->QueryInt("PRAGMA freelist_count"));
  K1S_ASSIGN_OR_RETURN(int64_t page_size, reader->QueryInt("PRAGMA page_size"));
  status.db_size_bytes = pages * page_size;
  status.db_size_in_use_bytes = (pages - free_pages) * page_size;
  return status;
}

absl::Status SqliteBackend::Defragment() {
  return Submit(
      [this](WriteBatch& b) -> absl::Status {
        K1S_RETURN_IF_ERROR(b.conn->Exec("VACUUM"));
        if (!in_memory_) K1S_RETURN_IF_ERROR(b.conn->Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
        return absl::OkStatus();
      },
      0, /*exclusive=*/true);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Backend>> OpenSqliteBackend(const SqliteBackendOptions& given) {
  static std::atomic<int64_t> memory_counter{0};
  // Nonsense settings fall back to something that works rather than dividing by zero.
  SqliteBackendOptions options = given;
  if (options.lease_second.count() <= 0) options.lease_second = std::chrono::seconds(1);
  options.min_lease_ttl_seconds = std::max<int64_t>(1, options.min_lease_ttl_seconds);
  options.read_connections = std::max(1, options.read_connections);
  options.cache_size_kib = std::max<int64_t>(256, options.cache_size_kib);
  options.compaction_batch_rows = std::max<int64_t>(1, options.compaction_batch_rows);
  options.compaction_min_revisions = std::max<int64_t>(0, options.compaction_min_revisions);
  options.max_batch_requests = std::max<int64_t>(1, options.max_batch_requests);
  options.max_batch_bytes = std::max<int64_t>(1, options.max_batch_bytes);
  options.watch_buffer_bytes = std::max<int64_t>(0, options.watch_buffer_bytes);
  if (options.compaction_retention.count() < 0) options.compaction_retention = {};
  const bool in_memory = options.path.empty() || options.path == ":memory:";
  std::string uri;
  int lock_fd = -1;
  if (in_memory) {
    // The memdb VFS shares one in-memory database between this backend's connections.
    uri = absl::StrCat("file:/k1s-mem-", getpid(), "-", memory_counter.fetch_add(1), "?vfs=memdb");
  } else {
    const std::filesystem::path path(options.path);
    std::error_code ec;
    if (path.has_parent_path()) {
      std::filesystem::create_directories(path.parent_path(), ec);
      if (ec) {
        return absl::PermissionDeniedError(
            absl::StrCat("cannot create directory ", path.parent_path().string(), " for datastore ",
                         options.path, ": ", ec.message()));
      }
    }
    if (std::filesystem::exists(path, ec) && access(options.path.c_str(), R_OK | W_OK) != 0) {
      return absl::PermissionDeniedError(absl::StrCat(
          "cannot open datastore ", options.path, ": ", std::strerror(errno),
          ": make it readable and writable by this user, or move it away to start empty"));
    }
    // The database holds every secret of the cluster: only its owner may read it (SQLite gives
    // the -wal and -shm files the database file's mode). Older installs are tightened too.
    if (path.has_parent_path()) chmod(path.parent_path().c_str(), 0700);
    if (int fd = open(options.path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) close(fd);
    for (const char* suffix : {"", "-wal", "-shm"}) {
      chmod(absl::StrCat(options.path, suffix).c_str(), 0600);
    }
    const std::string lock_path = options.path + ".lock";
    lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0) {
      return base::ErrnoStatus(absl::StrCat("open datastore lock file ", lock_path), errno);
    }
    if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      close(lock_fd);
      if (err == EWOULDBLOCK) {
        return absl::FailedPreconditionError(absl::StrCat(
            "datastore ", options.path, " is in use by another process (", lock_path,
            " is locked): stop the other k1s server or use a different data directory"));
      }
      return base::ErrnoStatus(absl::StrCat("lock datastore ", lock_path), err);
    }
    // Characters with a meaning in URIs must be escaped.
    std::string escaped = "file:";
    for (char c : options.path) {
      if (c == '?' || c == '#' || c == '%') {
        escaped += absl::StrCat("%", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
      } else {
        escaped.push_back(c);
      }
    }
    uri = escaped;
  }
  auto backend = std::make_unique<SqliteBackend>(options, uri, in_memory, lock_fd);
  K1S_RETURN_IF_ERROR(backend->Init());
  return std::unique_ptr<Backend>(std::move(backend));
}

}  // namespace k1s::datastore
