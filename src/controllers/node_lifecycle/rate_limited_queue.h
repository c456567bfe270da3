#pragma once
// Upstream's RateLimitedTimedQueue (node lifecycle scheduler package): a set of node names
// waiting for an action (here: the NoExecute taint), each processed once its time has come and
// the zone's token bucket allows, at most once until it is removed again. The bucket's rate is
// swapped as the zone's health changes (0 stops all actions). Times come from a base::Clock so
// tests can drive them.
//
// Not thread-safe: the node lifecycle controller uses it from its monitor thread only.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "base/clock.h"

namespace k1s::controllers::node_lifecycle {

// A token bucket of `qps` with `burst` tokens (full at start); qps <= 0 never accepts.
class TokenBucket {
 public:
  TokenBucket(const base::Clock& clock, double qps, int32_t burst);
  bool TryAccept();
  double qps() const { return qps_; }

 private:
  const base::Clock* clock_;
  double qps_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  int64_t last_nanos_ = 0;
};

class RateLimitedTimedQueue {
 public:
  struct Item {
    std::string value;  // node name
    std::string uid;
    int64_t added_at = 0;    // monotonic nanos
    int64_t process_at = 0;  // monotonic nanos
  };
  // Returns whether the action succeeded and, if not, how long to wait before the next try.
  using Action = std::function<std::pair<bool, int64_t>(const Item& item)>;

  // Upstream's EvictionRateLimiterBurst is 1.
  RateLimitedTimedQueue(const base::Clock& clock, double qps, int32_t burst = 1);

  // Queues `value` unless it is queued or was processed and not removed since.
  bool Add(const std::string& value, const std::string& uid);
  // Forgets `value` (queued or processed); true if it was known.
  bool Remove(const std::string& value);
  // Runs `action` on due items in time order while the bucket allows.
  void Try(const Action& action);
  // Replaces the bucket when the rate changes; a drained bucket stays drained.
  void SwapLimiter(double qps);
  double qps() const { return limiter_.qps(); }

 private:
  const base::Clock* clock_;
  int32_t burst_ = 1;
  TokenBucket limiter_;
  std::map<std::string, Item> queued_;
  std::set<std::string> known_;  // queued or processed
};

}  // namespace k1s::controllers::node_lifecycle
