// Behaviour specific to the on-disk SQLite backend: restart, corrupt and locked files, automatic
// compaction.

#include "datastore/sqlite_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace k1s::datastore {
namespace {

using ::testing::HasSubstr;

class SqliteBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/k1s-ds-sqlite-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    options_.path = dir_ + "/server/db/state.db";
    options_.auto_compaction = false;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Backend> Open() {
    auto backend = OpenSqliteBackend(options_);
    EXPECT_TRUE(backend.ok()) << backend.status();
    return backend.ok() ? std::move(*backend) : nullptr;
  }

  std::string dir_;
  SqliteBackendOptions options_;
};

PutRequest MakePut(const std::string& key, const std::string& value, int64_t lease = 0) {
  PutRequest p;
  p.key = key;
  p.value = value;
  p.lease = lease;
  return p;
}

TEST_F(SqliteBackendTest, DataRevisionAndLeasesSurviveRestart) {
  {
    auto backend = Open();
    ASSERT_NE(backend, nullptr);
    ASSERT_TRUE(backend->LeaseGrant(55, 600).ok());
    ASSERT_TRUE(backend->Put(MakePut("a", std::string("bin\0ary", 7))).ok());
    ASSERT_TRUE(backend->Put(MakePut("a", "v2")).ok());
    ASSERT_TRUE(backend->Put(MakePut("leased", "x", 55)).ok());
    DeleteRangeRequest d;
    d.key = "a";
    ASSERT_TRUE(backend->DeleteRange(d).ok());          // 5
    ASSERT_TRUE(backend->Put(MakePut("b", "1")).ok());  // 6
    ASSERT_TRUE(backend->Compact(3).ok());
  }
  auto backend = Open();
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->CurrentRevision(), 6);
  auto status = backend->Status();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->compact_revision, 3);
  RangeRequest r;
  r.key = "a";
  r.revision = 3;
  auto old = backend->Range(r);
  ASSERT_TRUE(old.ok());
  ASSERT_EQ(old->kvs.size(), 1u);
  EXPECT_EQ(old->kvs[0].value, "v2");
  r.revision = 2;
  EXPECT_EQ(backend->Range(r).status().code(), absl::StatusCode::kOutOfRange);
  auto ttl = backend->LeaseTimeToLive(55, true);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->granted_ttl, 600);
  EXPECT_THAT(ttl->keys, ::testing::ElementsAre("leased"));
  // Writing continues from the stored revision.
  auto put = backend->Put(MakePut("c", "1"));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->revision, 7);
  ASSERT_TRUE(backend->LeaseRevoke(55).ok());
  r.key = "leased";
  r.revision = 0;
  EXPECT_TRUE(backend->Range(r)->kvs.empty());
}

TEST_F(SqliteBackendTest, SecondOpenOfSameFileFailsFast) {
  auto first = Open();
  ASSERT_NE(first, nullptr);
  auto second = OpenSqliteBackend(options_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr(options_.path));
  EXPECT_THAT(second.status().message(), HasSubstr("in use by another process"));
  first.reset();
  EXPECT_NE(Open(), nullptr);  // released on close
}

TEST_F(SqliteBackendTest, CorruptFileStopsStartupWithAdvice) {
  std::filesystem::create_directories(std::filesystem::path(options_.path).parent_path());
  {
    std::ofstream out(options_.path, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 7919) & 0xff));
  }
  auto backend = OpenSqliteBackend(options_);
  ASSERT_FALSE(backend.ok());
  EXPECT_THAT(backend.status().message(), HasSubstr(options_.path));
  EXPECT_THAT(backend.status().message(),
              HasSubstr("is not a k1s database or is corrupt: restore it from a backup or move "
                        "it away to start empty"));
}

TEST_F(SqliteBackendTest, ForeignSqliteDatabaseIsRejected) {
  std::filesystem::create_directories(std::filesystem::path(options_.path).parent_path());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto backend = OpenSqliteBackend(options_);
  ASSERT_FALSE(backend.ok());
  EXPECT_THAT(backend.status().message(), HasSubstr("is not a k1s database or is corrupt"));
}

TEST_F(SqliteBackendTest, DamagedPagesAreFoundAtOpen) {
  {
    auto backend = Open();
    ASSERT_NE(backend, nullptr);
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(backend->Put(MakePut("key/" + std::to_string(i), std::string(500, 'x'))).ok());
    }
  }
  // Overwrite a page in the middle of the file (not the header) with garbage.
  {
    std::fstream f(options_.path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096 * 5);
    for (int i = 0; i < 4096; ++i) f.put(static_cast<char>(0xA5 ^ i));
  }
  auto backend = OpenSqliteBackend(options_);
  ASSERT_FALSE(backend.ok());
  EXPECT_THAT(backend.status().message(), HasSubstr("is not a k1s database or is corrupt"));
}

TEST_F(SqliteBackendTest, CompactionSplitsLargeRevisionsIntoSmallSteps) {
  options_.compaction_batch_rows = 3;
  {
    auto backend = Open();
    ASSERT_NE(backend, nullptr);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(backend->Put(MakePut("k" + std::to_string(i), "v")).ok());  // 2..11
      ASSERT_TRUE(backend->Put(MakePut("k" + std::to_string(i), "w")).ok());  // 12..21
    }
    DeleteRangeRequest d;
    d.key = "k";
    d.range_end = "l";
    auto deleted = backend->DeleteRange(d);  // 22: ten tombstones in one revision
    ASSERT_TRUE(deleted.ok());
    ASSERT_EQ(deleted->deleted, 10);
    ASSERT_TRUE(backend->Put(MakePut("z", "last")).ok());  // 23
    ASSERT_TRUE(backend->Compact(22).ok());
  }
  // Only the newest row is left: every version and tombstone at or below 22 is gone.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*), min(rev) FROM kv", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(stmt, 0), 1);
  EXPECT_EQ(sqlite3_column_int64(stmt, 1), 23);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteBackendTest, AutomaticCompactionKeepsRetention) {
  options_.auto_compaction = true;
  options_.compaction_retention = std::chrono::seconds(1);
  options_.compaction_min_revisions = 10;
  auto backend = Open();
  ASSERT_NE(backend, nullptr);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(backend->Put(MakePut("k", std::to_string(i))).ok());
  int64_t compacted = 0;
  for (int i = 0; i < 100 && compacted == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    compacted = backend->Status()->compact_revision;
  }
  // The first sample was taken after the first write (revision 2); keeping 10 revisions caps it
  // there too.
  EXPECT_EQ(compacted, 2);
  // Nothing written for a while: no further compaction happens (and no timer runs).
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(backend->Status()->compact_revision, 2);
}

TEST_F(SqliteBackendTest, InMemoryStoresAreIndependent) {
  SqliteBackendOptions memory;
  auto a = OpenSqliteBackend(memory);
  auto b = OpenSqliteBackend(memory);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Put(MakePut("k", "v")).ok());
  RangeRequest r;
  r.key = "k";
  EXPECT_EQ((*a)->Range(r)->kvs.size(), 1u);
  EXPECT_TRUE((*b)->Range(r)->kvs.empty());
}

}  // namespace
}  // namespace k1s::datastore
