// ParallelCalls and SlowStartBatch: every index once, calls really overlap, and a failing batch
// stops the run with the lowest failing index's error.
#include "controllers/common/slow_start.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace k1s::controllers {
namespace {

TEST(ParallelCallsTest, CallsEveryIndexOnceAndOverlaps) {
  absl::Mutex mu;
  std::multiset<int32_t> seen;
  std::atomic<int32_t> running{0};
  std::atomic<int32_t> most{0};
  BatchResult result = ParallelCalls(40, [&](int32_t index) {
    int32_t now = ++running;
    int32_t previous = most.load();
    while (now > previous && !most.compare_exchange_weak(previous, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    --running;
    absl::MutexLock lock(&mu);
    seen.insert(index);
    return absl::OkStatus();
  });
  EXPECT_EQ(result.successes, 40);
  EXPECT_EQ(result.attempted, 40);
  EXPECT_TRUE(result.first_error.ok());
  ASSERT_EQ(seen.size(), 40u);
  for (int32_t i = 0; i < 40; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
  EXPECT_GT(most.load(), 1) << "calls ran one at a time";
  EXPECT_LE(most.load(), kMaxParallelCalls);
}

TEST(ParallelCallsTest, ReportsTheLowestFailingIndex) {
  BatchResult result = ParallelCalls(30, [](int32_t index) {
    return index % 10 == 7 ? absl::InternalError(std::to_string(index)) : absl::OkStatus();
  });
  EXPECT_EQ(result.successes, 27);
  EXPECT_EQ(result.first_error.message(), "7");
  EXPECT_EQ(ParallelCalls(0, [](int32_t) { return absl::OkStatus(); }).attempted, 0);
}

TEST(SlowStartBatchTest, DoublesBatchesAndStopsAfterAFailingOne) {
  std::atomic<int32_t> calls{0};
  BatchResult all = SlowStartBatch(100, 1, [&](int32_t) {
    ++calls;
    return absl::OkStatus();
  });
  EXPECT_EQ(all.successes, 100);
  EXPECT_EQ(calls.load(), 100);

  // Index 5 sits in the third batch (indexes 3..6): 1 + 2 + 4 calls, then it stops.
  std::atomic<int32_t> made{0};
  BatchResult failed = SlowStartBatch(100, 1, [&](int32_t index) {
    ++made;
    return index == 5 ? absl::ResourceExhaustedError("quota") : absl::OkStatus();
  });
  EXPECT_EQ(made.load(), 7);
  EXPECT_EQ(failed.attempted, 7);
  EXPECT_EQ(failed.successes, 6);
  EXPECT_EQ(failed.first_error.message(), "quota");
}

}  // namespace
}  // namespace k1s::controllers
