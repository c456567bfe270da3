#include "scheduler/scheduling_queue.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "base/testing/fake_clock.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;

client::ObjectPtr Pod(const std::string& name, int32_t priority = 0,
                      const std::string& created = "2024-01-01T00:00:00Z") {
  return std::make_shared<const json>(
      json{{"metadata", {{"name", name}, {"namespace", "ns"}, {"creationTimestamp", created}}},
           {"spec", {{"priority", priority}}}});
}

class SchedulingQueueTest : public ::testing::Test {
 protected:
  QueueOptions Options() {
    QueueOptions options;
    options.poll = std::chrono::milliseconds(5);
    return options;
  }
  std::string PopKey() {
    std::optional<QueuedPod> pod = queue_.Pop();
    return pod ? pod->key : "";
  }
  void Advance(int64_t millis) { clock_.Advance(millis * base::kNanosPerMilli); }

  base::FakeClock clock_;
  SchedulingQueue queue_{clock_, Options()};
};

TEST_F(SchedulingQueueTest, PopsByPriorityThenCreationThenArrival) {
  queue_.Add(Pod("late-low", 0, "2024-01-01T00:00:09Z"));
  queue_.Add(Pod("early-low", 0, "2024-01-01T00:00:01Z"));
  queue_.Add(Pod("high", 100, "2024-01-01T00:00:05Z"));
  queue_.Add(Pod("same-second-b", 0, "2024-01-01T00:00:01Z"));
  EXPECT_EQ(PopKey(), "ns/high");
  EXPECT_EQ(PopKey(), "ns/early-low");
  EXPECT_EQ(PopKey(), "ns/same-second-b");
  EXPECT_EQ(PopKey(), "ns/late-low");
}

TEST_F(SchedulingQueueTest, UnschedulablePodsWaitForAnEventThenBackOff) {
  queue_.Add(Pod("p"));
  std::optional<QueuedPod> pod = queue_.Pop();
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->attempts, 1);
  queue_.AddUnschedulable(*pod, /*error=*/false);
  EXPECT_EQ(queue_.GetSizes().unschedulable, 1u);
  // A cluster event moves it; its 1 s backoff is still running, so it waits there first.
  queue_.MoveAllToActiveOrBackoff();
  EXPECT_EQ(queue_.GetSizes().backoff, 1u);
  Advance(1000);
  pod = queue_.Pop();
  ASSERT_TRUE(pod);
  EXPECT_EQ(pod->attempts, 2);
  // Second failure: 2 s of backoff (errors go straight to backoff).
  queue_.AddUnschedulable(*pod, /*error=*/true);
  EXPECT_EQ(queue_.GetSizes().backoff, 1u);
  Advance(1999);
  std::atomic<bool> popped{false};
  std::thread waiter([&] {
    if (queue_.Pop()) popped = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(popped);
  Advance(1);
  waiter.join();
  EXPECT_TRUE(popped);
}

TEST_F(SchedulingQueueTest, AnEventDuringTheAttemptSendsThePodToBackoff) {
  queue_.Add(Pod("p"));
  std::optional<QueuedPod> pod = queue_.Pop();
  queue_.MoveAllToActiveOrBackoff();  // e.g. a node appeared while it was being scheduled
  queue_.AddUnschedulable(*pod, /*error=*/false);
  EXPECT_EQ(queue_.GetSizes().unschedulable, 0u);
  EXPECT_EQ(queue_.GetSizes().backoff, 1u);
}

TEST_F(SchedulingQueueTest, UpdatesAndDeletes) {
  queue_.Add(Pod("p"));
  std::optional<QueuedPod> pod = queue_.Pop();
  queue_.AddUnschedulable(*pod, false);
  // A status-only change keeps it unschedulable; a spec change moves it.
  json status_only = *Pod("p");
  status_only["status"] = {{"phase", "Pending"}};
  queue_.Update(std::make_shared<const json>(status_only));
  EXPECT_EQ(queue_.GetSizes().unschedulable, 1u);
  json changed = status_only;
  changed["spec"]["nodeSelector"] = {{"a", "b"}};
  queue_.Update(std::make_shared<const json>(changed));
  EXPECT_EQ(queue_.GetSizes().unschedulable, 0u);
  EXPECT_EQ(queue_.GetSizes().backoff, 1u);
  queue_.Delete("ns/p");
  EXPECT_EQ(queue_.GetSizes().backoff, 0u);
  // A pod deleted during its attempt is not queued again.
  queue_.Add(Pod("q"));
  pod = queue_.Pop();
  queue_.Delete("ns/q");
  queue_.AddUnschedulable(*pod, false);
  EXPECT_EQ(queue_.GetSizes().unschedulable, 0u);
  EXPECT_EQ(queue_.GetSizes().in_flight, 0u);
}

TEST_F(SchedulingQueueTest, GatedPodsWaitUntilTheGatesAreRemoved) {
  json gated = *Pod("g");
  gated["spec"]["schedulingGates"] = json::array({{{"name", "example.com/wait"}}});
  queue_.Add(std::make_shared<const json>(gated));
  queue_.MoveAllToActiveOrBackoff();
  EXPECT_EQ(queue_.GetSizes().unschedulable, 1u);
  EXPECT_EQ(queue_.GetSizes().active, 0u);
  gated["spec"].erase("schedulingGates");
  queue_.Update(std::make_shared<const json>(gated));
  EXPECT_EQ(queue_.GetSizes().active, 1u);
  EXPECT_EQ(PopKey(), "ns/g");
}

TEST_F(SchedulingQueueTest, CloseWakesPop) {
  std::thread waiter([&] { EXPECT_FALSE(queue_.Pop()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  queue_.Close();
  waiter.join();
}

}  // namespace
}  // namespace k1s::scheduler
