#include "client/work_queue.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"

namespace k1s::client {
namespace {

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("workqueue");
  return *logger;
}

}  // namespace

RateLimiter::RateLimiter(std::chrono::milliseconds base_delay, std::chrono::milliseconds max_delay,
                         double qps, int32_t burst)
    : base_delay_(base_delay),
      max_delay_(max_delay),
      qps_(qps),
      burst_(burst),
      tokens_(burst),
      last_refill_(Clock::now()) {}

std::chrono::milliseconds RateLimiter::When(const std::string& key) {
  absl::MutexLock lock(&mu_);
  const int32_t failures = failures_[key]++;
  // 2^failures overflows nothing here: the exponent is capped well before the max delay.
  const double backoff_ms =
      std::min<double>(static_cast<double>(base_delay_.count()) * std::pow(2.0, std::min(failures, 40)),
                       static_cast<double>(max_delay_.count()));
  Clock::time_point now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - last_refill_).count();
  last_refill_ = now;
  tokens_ = std::min<double>(burst_, tokens_ + elapsed * qps_);
  double bucket_ms = 0;
  if (tokens_ < 1) bucket_ms = (1 - tokens_) / qps_ * 1000.0;
  tokens_ -= 1;
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(backoff_ms, bucket_ms)));
}

void RateLimiter::Forget(const std::string& key) {
  absl::MutexLock lock(&mu_);
  failures_.erase(key);
}

int32_t RateLimiter::NumRequeues(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

WorkQueue::WorkQueue(std::string name, std::chrono::milliseconds base_delay,
                     std::chrono::milliseconds max_delay)
    : name_(std::move(name)), limiter_(base_delay, max_delay) {
  delay_thread_ = std::thread([this] {
    base::SetCurrentThreadName(base::StrCat("wq-", name_).substr(0, 15));
    DelayLoop();
  });
}

WorkQueue::~WorkQueue() {
  ShutDown();
  if (delay_thread_.joinable()) delay_thread_.join();
}

void WorkQueue::Add(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_ || dirty_.contains(key)) return;
  dirty_.insert(key);
  // A key being processed is queued again by Done, so no two workers hold it at once.
  if (processing_.contains(key)) return;
  queue_.push_back(key);
}

void WorkQueue::AddAfter(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    Add(key);
    return;
  }
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return;
  waiting_.emplace(Clock::now() + delay, key);
}

void WorkQueue::AddRateLimited(const std::string& key) { AddAfter(key, limiter_.When(key)); }

void WorkQueue::Forget(const std::string& key) { limiter_.Forget(key); }

int32_t WorkQueue::NumRequeues(const std::string& key) const { return limiter_.NumRequeues(key); }

std::optional<std::string> WorkQueue::Get() {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || shutting_down_;
  };
  mu_.Await(absl::Condition(&ready));
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  absl::MutexLock lock(&mu_);
  processing_.erase(key);
  if (dirty_.contains(key)) queue_.push_back(key);
}

void WorkQueue::ShutDown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
}

bool WorkQueue::shutting_down() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void WorkQueue::DelayLoop() {
  absl::MutexLock lock(&mu_);
  while (!shutting_down_) {
    // Sleep until the earliest waiting key is due, an earlier one arrives, or shutdown.
    const Clock::time_point due =
        waiting_.empty() ? Clock::now() + std::chrono::seconds(1) : waiting_.begin()->first;
    const size_t waiting_before = waiting_.size();
    auto changed = [this, waiting_before]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return shutting_down_ || waiting_.size() != waiting_before;
    };
    mu_.AwaitWithDeadline(absl::Condition(&changed), absl::FromChrono(std::chrono::system_clock::now() +
                                                                       (due - Clock::now())));
    const Clock::time_point now = Clock::now();
    while (!waiting_.empty() && waiting_.begin()->first <= now && !shutting_down_) {
      std::string key = std::move(waiting_.begin()->second);
      waiting_.erase(waiting_.begin());
      if (dirty_.contains(key)) continue;
      dirty_.insert(key);
      if (!processing_.contains(key)) queue_.push_back(std::move(key));
    }
  }
}

void QueueWorkers::Start(int32_t count) {
  for (int32_t i = 0; i < count; ++i) {
    threads_.emplace_back([this, i] {
      base::SetCurrentThreadName(base::StrCat(queue_.name(), "-", i).substr(0, 15));
      while (std::optional<std::string> key = queue_.Get()) {
        absl::Status status = sync_(*key);
        if (status.ok()) {
          queue_.Forget(*key);
        } else {
          Log().info("{}: sync {} failed (retry {}): {}", queue_.name(), *key,
                     queue_.NumRequeues(*key) + 1, status.message());
          queue_.AddRateLimited(*key);
        }
        queue_.Done(*key);
      }
    });
  }
}

void QueueWorkers::Stop() {
  queue_.ShutDown();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace k1s::client
