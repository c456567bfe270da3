#pragma once
// Thin RAII wrappers over one SQLite connection and its cached prepared statements.
//
// A Connection is used by one thread at a time (the writer thread owns one; readers borrow one
// from a pool). Statements are prepared once per SQL text and cached for the connection's life;
// a Statement handle resets its statement when it goes out of scope. Not thread-safe.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace k1s::datastore::internal {

// Maps a SQLite result code to a status carrying the connection's error message.
absl::Status SqliteStatus(sqlite3* db, int rc, absl::string_view what);

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  Statement& Bind(int index, int64_t value);
  // Binds a byte string as a BLOB; an empty string binds a zero-length BLOB, never NULL.
  Statement& BindBlob(int index, std::string_view value);
  // Steps once: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Runs to completion, ignoring rows.
  absl::Status Run();

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Blob(int column) const;
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens `uri` (SQLITE_OPEN_URI is always set) with the given open flags.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& uri, int flags);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements that return no interesting rows.
  absl::Status Exec(const std::string& sql);
  // Returns the cached prepared statement for `sql`, preparing it on first use.
  absl::StatusOr<Statement> Prepare(const std::string& sql);
  // Runs a query whose first column of the first row is an integer (0 if no row).
  absl::StatusOr<int64_t> QueryInt(const std::string& sql);
  // Runs a query whose first column of the first row is text ("" if no row).
  absl::StatusOr<std::string> QueryText(const std::string& sql);

  sqlite3* raw() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

}  // namespace k1s::datastore::internal
