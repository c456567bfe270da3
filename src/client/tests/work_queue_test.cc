// Work queue semantics as client-go's: de-duplication, no concurrent processing of one key,
// delayed adds, rate-limited retries, shutdown; and the per-key exponential backoff.
#include "client/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace k1s::client {
namespace {

using std::chrono::milliseconds;

TEST(WorkQueueTest, AddsOfAWaitingKeyCollapse) {
  WorkQueue queue("t");
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.Get(), "a");
  EXPECT_EQ(queue.Get(), "b");
}

TEST(WorkQueueTest, AKeyAddedWhileProcessingComesBackAfterDone) {
  WorkQueue queue("t");
  queue.Add("a");
  std::optional<std::string> key = queue.Get();
  ASSERT_EQ(key, "a");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 0u);  // not handed to a second worker while "a" is processed
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.Get(), "a");
}

TEST(WorkQueueTest, AddAfterWaits) {
  WorkQueue queue("t");
  auto start = std::chrono::steady_clock::now();
  queue.AddAfter("later", milliseconds(100));
  EXPECT_EQ(queue.Len(), 0u);
  EXPECT_EQ(queue.Get(), "later");
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
}

TEST(WorkQueueTest, ShutDownWakesGetters) {
  WorkQueue queue("t");
  std::thread waiter([&] { EXPECT_EQ(queue.Get(), std::nullopt); });
  std::this_thread::sleep_for(milliseconds(20));
  queue.ShutDown();
  waiter.join();
  queue.Add("ignored");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(RateLimiterTest, BackoffDoublesPerKeyUntilForgotten) {
  RateLimiter limiter(milliseconds(5), milliseconds(40), 1000, 1000);
  EXPECT_EQ(limiter.When("a"), milliseconds(5));
  EXPECT_EQ(limiter.When("a"), milliseconds(10));
  EXPECT_EQ(limiter.When("a"), milliseconds(20));
  EXPECT_EQ(limiter.When("a"), milliseconds(40));
  EXPECT_EQ(limiter.When("a"), milliseconds(40));  // capped
  EXPECT_EQ(limiter.When("b"), milliseconds(5));   // per key
  EXPECT_EQ(limiter.NumRequeues("a"), 5);
  limiter.Forget("a");
  EXPECT_EQ(limiter.When("a"), milliseconds(5));
}

TEST(RateLimiterTest, OverallBucketLimitsBursts) {
  RateLimiter limiter(milliseconds(0), milliseconds(0), 10, 2);
  EXPECT_EQ(limiter.When("a"), milliseconds(0));
  EXPECT_EQ(limiter.When("b"), milliseconds(0));
  EXPECT_GE(limiter.When("c"), milliseconds(90));  // the third waits for a token (100 ms at 10/s)
}

TEST(QueueWorkersTest, RetriesFailuresAndForgetsSuccesses) {
  WorkQueue queue("t", milliseconds(1), milliseconds(10));
  std::atomic<int32_t> attempts{0};
  std::atomic<bool> done{false};
  QueueWorkers workers(queue, [&](const std::string&) {
    if (++attempts < 3) return absl::UnavailableError("not yet");
    done = true;
    return absl::OkStatus();
  });
  workers.Start(2);
  queue.Add("k");
  for (int i = 0; i < 200 && !done; ++i) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_TRUE(done);
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(queue.NumRequeues("k"), 0);
  workers.Stop();
}

}  // namespace
}  // namespace k1s::client
