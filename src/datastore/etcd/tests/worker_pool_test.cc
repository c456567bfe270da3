#include "datastore/etcd/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/notification.h"

namespace k1s::datastore::etcd {
namespace {

// Blocking work must not wait for other blocking work: N blocked tasks need N threads.
TEST(WorkerPoolTest, RunsBlockingWorkConcurrently) {
  WorkerPool pool;
  constexpr int kTasks = 64;
  absl::BlockingCounter all_started(kTasks);
  absl::Notification release;
  std::atomic<int> done{0};
  for (int i = 0; i < kTasks; ++i) {
    pool.Submit([&] {
      all_started.DecrementCount();
      release.WaitForNotification();
      done.fetch_add(1);
    });
  }
  all_started.Wait();  // would hang if tasks were serialized on fewer threads
  EXPECT_EQ(pool.ThreadCount(), static_cast<size_t>(kTasks));
  release.Notify();
  while (done.load() < kTasks) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(WorkerPoolTest, QueuesBeyondMaxThreads) {
  WorkerPool pool(WorkerPoolOptions{.max_threads = 2});
  std::atomic<int> done{0};
  absl::Notification release;
  for (int i = 0; i < 10; ++i) {
    pool.Submit([&] {
      release.WaitForNotification();
      done.fetch_add(1);
    });
  }
  EXPECT_LE(pool.ThreadCount(), 2u);
  release.Notify();
  while (done.load() < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(WorkerPoolTest, IdleThreadsExit) {
  WorkerPool pool(WorkerPoolOptions{.idle_timeout = std::chrono::milliseconds(20)});
  absl::Notification ran;
  pool.Submit([&] { ran.Notify(); });
  ran.WaitForNotification();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (pool.ThreadCount() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(pool.ThreadCount(), 0u);
}

TEST(WorkerPoolTest, DestructorRunsQueuedWork) {
  std::atomic<int> done{0};
  {
    WorkerPool pool(WorkerPoolOptions{.max_threads = 1});
    for (int i = 0; i < 100; ++i) pool.Submit([&] { done.fetch_add(1); });
  }
  EXPECT_EQ(done.load(), 100);
}

}  // namespace
}  // namespace k1s::datastore::etcd
