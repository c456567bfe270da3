// Crash test for the SQLite datastore: a forked child runs many writer threads and reports every
// acknowledged write (key, revision) over a pipe right after Put returns; the parent SIGKILLs the
// child at random moments, then reopens the database and checks that every acknowledged write is
// there with its revision, that revisions never go back, and that SQLite's integrity check passes.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "datastore/sqlite_backend.h"

namespace k1s::datastore {
namespace {

// One acknowledged write as sent over the pipe; small enough for atomic pipe writes.
struct Ack {
  int32_t iteration;
  int32_t thread;
  int32_t index;
  int32_t pad;
  int64_t revision;
};

std::string KeyFor(int iteration, int thread, int index) {
  return "crash/" + std::to_string(iteration) + "/" + std::to_string(thread) + "/" +
         std::to_string(index);
}

std::string ValueFor(int iteration, int thread, int index) {
  return "value-" + std::to_string(iteration * 1000003 + thread * 7919 + index) +
         std::string(64, 'x');
}

[[noreturn]] void RunChild(const std::string& path, int iteration, int fd) {
  SqliteBackendOptions options;
  options.path = path;
  options.auto_compaction = false;
  options.quick_check_on_open = false;
  auto backend = OpenSqliteBackend(options);
  if (!backend.ok()) _exit(3);
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0;; ++i) {
        PutRequest put;
        put.key = KeyFor(iteration, t, i);
        put.value = ValueFor(iteration, t, i);
        int64_t revision = 0;
        if (t == 0) {
          // Thread 0 writes two keys per txn: both must survive, at one revision.
          TxnRequest txn;
          txn.success.push_back(RequestOp{put});
          put.key += "/pair";
          txn.success.push_back(RequestOp{put});
          auto resp = (*backend)->Txn(txn);
          if (!resp.ok()) _exit(4);
          revision = resp->revision;
        } else {
          auto resp = (*backend)->Put(put);
          if (!resp.ok()) _exit(4);
          revision = resp->revision;
        }
        Ack ack{iteration, t, i, 0, revision};
        if (write(fd, &ack, sizeof(ack)) != static_cast<ssize_t>(sizeof(ack))) _exit(5);
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(0);
}

TEST(DatastoreCrashTest, AcknowledgedWritesSurviveSigkill) {
  char tmpl[] = "/tmp/k1s-ds-crash-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string path = dir + "/db/state.db";
  constexpr int kIterations = 60;
  std::mt19937 rng(20261122);
  std::map<std::string, int64_t> all_acked;  // key -> revision
  int64_t last_revision = 1;
  int64_t total_acks = 0;

  for (int iteration = 0; iteration < kIterations; ++iteration) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      RunChild(path, iteration, fds[1]);
    }
    close(fds[1]);
    // Let the child get going, then kill it at a random moment.
    const int delay_ms = 20 + static_cast<int>(rng() % 150);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(waitpid(child, &wstatus, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wstatus))
        << "child exited early with status " << (WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
    // Everything written before the kill is in the pipe.
    std::vector<Ack> acks;
    Ack ack;
    while (read(fds[0], &ack, sizeof(ack)) == static_cast<ssize_t>(sizeof(ack)))
      acks.push_back(ack);
    close(fds[0]);
    total_acks += static_cast<int64_t>(acks.size());

    // SQLite's own check first, on the file as the kill left it (the WAL is recovered).
    {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
      sqlite3_stmt* stmt = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &stmt, nullptr), SQLITE_OK);
      ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
      EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "ok");
      sqlite3_finalize(stmt);
      sqlite3_close(db);
    }

    SqliteBackendOptions options;
    options.path = path;
    options.auto_compaction = false;
    auto backend = OpenSqliteBackend(options);
    ASSERT_TRUE(backend.ok()) << backend.status();
    const int64_t revision = (*backend)->CurrentRevision();
    EXPECT_GE(revision, last_revision) << "revision went back after a crash";
    std::map<int, int64_t> last_per_thread;
    for (const Ack& a : acks) {
      EXPECT_LE(a.revision, revision);
      EXPECT_GT(a.revision, last_revision);
      // Each writer thread saw its own writes in revision order.
      EXPECT_GT(a.revision, last_per_thread[a.thread]);
      last_per_thread[a.thread] = a.revision;
      const std::string key = KeyFor(a.iteration, a.thread, a.index);
      RangeRequest r;
      r.key = key;
      auto resp = (*backend)->Range(r);
      ASSERT_TRUE(resp.ok()) << resp.status();
      ASSERT_EQ(resp->kvs.size(), 1u) << "acknowledged write lost: " << key << " at revision "
                                      << a.revision << " (iteration " << iteration << ")";
      EXPECT_EQ(resp->kvs[0].mod_revision, a.revision);
      EXPECT_EQ(resp->kvs[0].value, ValueFor(a.iteration, a.thread, a.index));
      all_acked[key] = a.revision;
      if (a.thread == 0) {
        r.key = key + "/pair";
        auto pair = (*backend)->Range(r);
        ASSERT_TRUE(pair.ok());
        ASSERT_EQ(pair->kvs.size(), 1u) << "half of an acknowledged txn lost: " << r.key;
        EXPECT_EQ(pair->kvs[0].mod_revision, a.revision);
        all_acked[r.key] = a.revision;
      }
    }
    last_revision = revision;
    if (::testing::Test::HasFailure()) break;
  }

  // Finally every write acknowledged in any iteration is still there.
  SqliteBackendOptions options;
  options.path = path;
  auto backend = OpenSqliteBackend(options);
  ASSERT_TRUE(backend.ok()) << backend.status();
  RangeRequest all;
  all.key = "crash/";
  all.range_end = "crash0";
  all.keys_only = true;
  auto resp = (*backend)->Range(all);
  ASSERT_TRUE(resp.ok());
  std::map<std::string, int64_t> stored;
  for (const KeyValue& kv : resp->kvs) stored[kv.key] = kv.mod_revision;
  for (const auto& [key, rev] : all_acked) {
    auto it = stored.find(key);
    ASSERT_NE(it, stored.end()) << key;
    EXPECT_EQ(it->second, rev) << key;
  }
  EXPECT_GT(total_acks, kIterations);  // the children really wrote
  std::printf("%lld acknowledged writes checked across %d kills, final revision %lld\n",
              static_cast<long long>(total_acks), kIterations,
              static_cast<long long>((*backend)->CurrentRevision()));
  backend->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace k1s::datastore
