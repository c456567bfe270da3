#include "controllers/node_lifecycle/rate_limited_queue.h"

#include <algorithm>

namespace k1s::controllers::node_lifecycle {

TokenBucket::TokenBucket(const base::Clock& clock, double qps, int32_t burst)
    : clock_(&clock),
      qps_(qps),
      burst_(static_cast<double>(std::max<int32_t>(burst, 1))),
      tokens_(burst_),
      last_nanos_(clock.MonotonicNanos()) {}

bool TokenBucket::TryAccept() {
  if (qps_ <= 0) return false;
  const int64_t now = clock_->MonotonicNanos();
  tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - last_nanos_) /
                                           static_cast<double>(base::kNanosPerSecond) * qps_);
  last_nanos_ = now;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

RateLimitedTimedQueue::RateLimitedTimedQueue(const base::Clock& clock, double qps, int32_t burst)
    : clock_(&clock), burst_(burst), limiter_(clock, qps, burst) {}

bool RateLimitedTimedQueue::Add(const std::string& value, const std::string& uid) {
  if (!known_.insert(value).second) return false;
  const int64_t now = clock_->MonotonicNanos();
  queued_[value] = Item{value, uid, now, now};
  return true;
}

bool RateLimitedTimedQueue::Remove(const std::string& value) {
  queued_.erase(value);
  return known_.erase(value) > 0;
}

void RateLimitedTimedQueue::Try(const Action& action) {
  while (!queued_.empty()) {
    auto head = std::min_element(queued_.begin(), queued_.end(), [](const auto& a, const auto& b) {
      return a.second.process_at < b.second.process_at;
    });
    const int64_t now = clock_->MonotonicNanos();
    if (head->second.process_at > now) return;
    if (!limiter_.TryAccept()) return;
    const Item item = head->second;
    auto [done, wait] = action(item);
    auto it = queued_.find(item.value);
    if (it == queued_.end()) continue;  // the action removed it
    if (done) {
      queued_.erase(it);  // stays known: not queued again until Remove
    } else {
      it->second.process_at = now + wait + 1;
    }
  }
}

void RateLimitedTimedQueue::SwapLimiter(double qps) {
  if (limiter_.qps() == qps) return;
  TokenBucket replacement(*clock_, qps, burst_);
  if (qps > 0 && !limiter_.TryAccept()) replacement.TryAccept();
  limiter_ = replacement;
}

}  // namespace k1s::controllers::node_lifecycle
