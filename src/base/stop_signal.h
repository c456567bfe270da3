#pragma once
// One stop signal shared by every component of the process.
//
// Components wait on it (Wait/WaitFor) or register callbacks to unblock their own loops;
// anything may trigger it: SIGINT/SIGTERM (see SignalWatcher) or a component that failed
// (StopWithError), which makes the whole process exit non-zero. Thread-safe.

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace k1s::base {

class StopSignal {
 public:
  StopSignal() = default;
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Requests a clean stop. Idempotent.
  void Stop();
  // Requests a stop because of a failure; the first error is kept and reported by error().
  void StopWithError(absl::Status error);

  bool stopped() const;
  absl::Status error() const;

  void Wait() const;
  // Waits at most `timeout_nanos`; returns true if stopped.
  bool WaitFor(int64_t timeout_nanos) const;

  // Runs `callback` once when the stop is requested (at once if it already was). Callbacks run
  // on the stopping thread and must be quick. Returns an id for RemoveCallback.
  int64_t AddCallback(std::function<void()> callback);
  void RemoveCallback(int64_t id);

 private:
  void StopLocked(absl::Status error);

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  int64_t next_callback_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<int64_t, std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

// Turns SIGINT and SIGTERM into stop.Stop(); a second signal while stopping exits at once with
// status 130. Blocks those signals in the calling thread (create it in main before any other
// thread so every thread inherits the mask) and watches them on a thread named "k1s-signals".
class SignalWatcher {
 public:
  explicit SignalWatcher(StopSignal& stop);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  void Loop();

  StopSignal& stop_;
  int signal_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
};

}  // namespace k1s::base
