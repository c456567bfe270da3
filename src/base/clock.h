#pragma once
// Time sources. Components take a Clock& so tests can drive time (see base/testing/fake_clock.h).
// All times are int64_t nanoseconds so they mean the same on 32-bit ARM as on 64-bit hosts.

#include <cstdint>

namespace k1s::base {

class Clock {
 public:
  virtual ~Clock() = default;
  // Nanoseconds since the Unix epoch (wall time; may jump).
  virtual int64_t NowUnixNanos() const = 0;
  // Nanoseconds on a monotonic clock (never jumps; for deadlines and durations).
  virtual int64_t MonotonicNanos() const = 0;
};

// The process-wide real clock. Thread-safe.
Clock& RealClock();

constexpr int64_t kNanosPerMilli = 1'000'000;
constexpr int64_t kNanosPerSecond = 1'000'000'000;

}  // namespace k1s::base
