#include "base/stop_signal.h"

#include <signal.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "base/clock.h"

namespace k1s::base {
namespace {

TEST(StopSignalTest, WaitReturnsAfterStopFromAnotherThread) {
  StopSignal stop;
  EXPECT_FALSE(stop.WaitFor(kNanosPerMilli));
  std::thread stopper([&] { stop.Stop(); });
  stop.Wait();
  stopper.join();
  EXPECT_TRUE(stop.stopped());
  EXPECT_TRUE(stop.error().ok());
}

TEST(StopSignalTest, CallbacksRunOnceAndLateCallbacksRunImmediately) {
  StopSignal stop;
  int calls = 0;
  int removed_calls = 0;
  stop.AddCallback([&] { ++calls; });
  int64_t id = stop.AddCallback([&] { ++removed_calls; });
  stop.RemoveCallback(id);
  stop.Stop();
  stop.Stop();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(removed_calls, 0);
  bool late = false;
  stop.AddCallback([&] { late = true; });
  EXPECT_TRUE(late);
}

TEST(StopSignalTest, FirstErrorIsKept) {
  StopSignal stop;
  stop.StopWithError(absl::InternalError("containerd exited"));
  stop.StopWithError(absl::InternalError("later failure"));
  EXPECT_EQ(stop.error().message(), "containerd exited");
}

TEST(SignalWatcherTest, SigtermRequestsStop) {
  StopSignal stop;
  SignalWatcher watcher(stop);
  // The watcher blocked SIGTERM in this thread; deliver it to the process as a user would.
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  EXPECT_TRUE(stop.WaitFor(5 * kNanosPerSecond));
}

}  // namespace
}  // namespace k1s::base
