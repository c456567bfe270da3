#pragma once
// A Clock that moves only when a test says so. Thread-safe.

#include <atomic>

#include "base/clock.h"

namespace k1s::base {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_unix_nanos = 1'700'000'000 * kNanosPerSecond)
      : unix_nanos_(start_unix_nanos) {}

  int64_t NowUnixNanos() const override { return unix_nanos_.load(); }
  int64_t MonotonicNanos() const override { return monotonic_nanos_.load(); }

  void Advance(int64_t nanos) {
    unix_nanos_ += nanos;
    monotonic_nanos_ += nanos;
  }

 private:
  std::atomic<int64_t> unix_nanos_;
  std::atomic<int64_t> monotonic_nanos_{0};
};

}  // namespace k1s::base
