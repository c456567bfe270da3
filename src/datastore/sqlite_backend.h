#pragma once
// The k1s datastore: an etcd v3 compatible multi-version key-value store on SQLite.
//
//   k1s::datastore::SqliteBackendOptions options;
//   options.path = "/var/lib/k1s/server/db/state.db";
//   absl::StatusOr<std::unique_ptr<k1s::Backend>> backend =
//       k1s::datastore::OpenSqliteBackend(options);
//
// One writer thread owns the write connection and commits queued writes in groups (one SQLite
// transaction and one fsync for many requests, each with its own revision); readers use a small
// pool of read connections and never wait for the writer (WAL). Committed events go straight
// from the writer to the watch hub. Lease expiry and automatic compaction sleep until their next
// deadline. See docs/datastore.md. The returned Backend is thread-safe; destroying it stops all
// of its threads.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "k1s/backend.h"

namespace k1s::datastore {

struct SqliteBackendOptions {
  // Database file; parent directories are created. ":memory:" (or "") keeps everything in
  // memory for the life of the Backend (tests).
  std::string path = ":memory:";

  // Automatic compaction keeps at least `compaction_retention` of history and at least
  // `compaction_min_revisions` revisions. Disabled when false (Compact still works).
  bool auto_compaction = true;
  std::chrono::seconds compaction_retention{300};
  int64_t compaction_min_revisions = 1000;
  // Rows examined per compaction transaction; writers queue behind at most one batch.
  int64_t compaction_batch_rows = 500;

  // Leases: TTLs below the minimum are raised to it (etcd's default for a single node is 2s).
  int64_t min_lease_ttl_seconds = 2;
  // Length of one TTL second on the lease clock. Tests shorten it to make expiry fast.
  std::chrono::milliseconds lease_second{1000};

  // SQLite page cache of the writer connection; each read connection gets a quarter of it.
  int64_t cache_size_kib = 4096;
  // Maximum number of pooled read connections.
  int read_connections = 4;
  // Run PRAGMA quick_check when opening an existing database.
  bool quick_check_on_open = true;

  // Group commit: most requests and payload bytes per SQLite transaction.
  int64_t max_batch_requests = 1024;
  int64_t max_batch_bytes = 16 << 20;

  // Memory for recent events that some watcher has not received yet; watchers further behind
  // read from SQLite.
  int64_t watch_buffer_bytes = 8 << 20;
};

// Opens (creating if needed) the datastore described by `options`. Fails with a message naming
// the file when it is locked by another process, unreadable, or not a k1s database.
absl::StatusOr<std::unique_ptr<Backend>> OpenSqliteBackend(const SqliteBackendOptions& options);

}  // namespace k1s::datastore
