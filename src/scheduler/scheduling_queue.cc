#include "scheduler/scheduling_queue.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "api/timestamps.h"
#include "scheduler/pod_info.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;

constexpr int64_t kUnschedulableFlushNanos = 30 * base::kNanosPerSecond;

int64_t ToNanos(std::chrono::milliseconds duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

int64_t CreationSeconds(const json& pod) {
  if (!pod.is_object() || !pod.contains("metadata") || !pod["metadata"].is_object()) return 0;
  auto it = pod["metadata"].find("creationTimestamp");
  if (it == pod["metadata"].end() || !it->is_string()) return 0;
  return api::ParseTimestamp(it->get<std::string>()).value_or(0);
}

// upstream isPodUpdated: a change to anything but status, resourceVersion, generation,
// managedFields and finalizers.
bool SpecOrMetadataChanged(const client::ObjectPtr& before, const client::ObjectPtr& after) {
  if (before == nullptr || after == nullptr) return true;
  if (before == after) return false;
  auto strip = [](const json& pod) {
    json copy = pod;
    if (copy.is_object()) {
      copy.erase("status");
      if (copy.contains("metadata") && copy["metadata"].is_object()) {
        for (const char* field : {"resourceVersion", "generation", "managedFields", "finalizers"}) {
          copy["metadata"].erase(field);
        }
      }
    }
    return copy;
  };
  return strip(*before) != strip(*after);
}

}  // namespace

SchedulingQueue::SchedulingQueue(base::Clock& clock, QueueOptions options)
    : clock_(clock), options_(options) {}

void SchedulingQueue::PushActive(const std::string& key, Entry entry) {
  ActiveKey order{-static_cast<int64_t>(entry.priority), entry.creation_seconds, next_seq_++, key};
  active_order_.insert(order);
  active_[key] = {order, std::move(entry)};
}

void SchedulingQueue::PushBackoff(const std::string& key, Entry entry) {
  int64_t expiry = BackoffExpiry(entry);
  backoff_order_.emplace(expiry, key);
  backoff_[key] = {expiry, std::move(entry)};
}

void SchedulingQueue::Requeue(const std::string& key, Entry entry) {
  if (clock_.MonotonicNanos() < BackoffExpiry(entry)) {
    PushBackoff(key, std::move(entry));
  } else {
    PushActive(key, std::move(entry));
  }
}

int64_t SchedulingQueue::BackoffExpiry(const Entry& entry) const {
  if (entry.attempts <= 0) return 0;
  int64_t duration = ToNanos(options_.initial_backoff);
  const int64_t max = ToNanos(options_.max_backoff);
  for (int32_t i = 1; i < entry.attempts && duration < max; ++i) duration *= 2;
  return entry.last_failure_nanos + std::min(duration, max);
}

std::optional<SchedulingQueue::Entry> SchedulingQueue::Take(const std::string& key) {
  if (auto it = active_.find(key); it != active_.end()) {
    active_order_.erase(it->second.first);
    Entry entry = std::move(it->second.second);
    active_.erase(it);
    return entry;
  }
  if (auto it = backoff_.find(key); it != backoff_.end()) {
    auto [first, last] = backoff_order_.equal_range(it->second.first);
    for (auto order = first; order != last; ++order) {
      if (order->second == key) {
        backoff_order_.erase(order);
        break;
      }
    }
    Entry entry = std::move(it->second.second);
    backoff_.erase(it);
    return entry;
  }
  if (auto it = unschedulable_.find(key); it != unschedulable_.end()) {
    Entry entry = std::move(it->second.second);
    unschedulable_.erase(it);
    return entry;
  }
  return std::nullopt;
}

void SchedulingQueue::InsertNew(const std::string& key, client::ObjectPtr pod) {
  Entry entry;
  entry.priority = PodPriority(*pod);
  entry.creation_seconds = CreationSeconds(*pod);
  entry.gated = HasSchedulingGates(*pod);
  entry.pod = std::move(pod);
  if (entry.gated) {
    unschedulable_[key] = {clock_.MonotonicNanos(), std::move(entry)};
  } else {
    PushActive(key, std::move(entry));
  }
}

void SchedulingQueue::Add(client::ObjectPtr pod) {
  std::string key = client::ObjectKey(*pod);
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  UpdateLocked(key, std::move(pod));
}

void SchedulingQueue::Update(client::ObjectPtr pod) {
  std::string key = client::ObjectKey(*pod);
  absl::MutexLock lock(&mu_);
  if (closed_) return;
  UpdateLocked(key, std::move(pod));
}

void SchedulingQueue::UpdateLocked(const std::string& key, client::ObjectPtr pod) {
  if (auto it = in_flight_.find(key); it != in_flight_.end()) {
    if (SpecOrMetadataChanged(it->second.entry.pod, pod)) it->second.updated = true;
    it->second.entry.pod = std::move(pod);
    return;
  }
  if (auto it = unschedulable_.find(key); it != unschedulable_.end()) {
    bool changed = SpecOrMetadataChanged(it->second.second.pod, pod);
    it->second.second.pod = pod;
    if (!changed) return;
    Entry entry = *Take(key);
    entry.priority = PodPriority(*pod);
    entry.gated = HasSchedulingGates(*pod);
    if (entry.gated) {
      unschedulable_[key] = {clock_.MonotonicNanos(), std::move(entry)};
    } else {
      Requeue(key, std::move(entry));
    }
    return;
  }
  bool in_active = active_.count(key) > 0;
  if (in_active || backoff_.count(key) > 0) {
    Entry entry = *Take(key);
    entry.priority = PodPriority(*pod);
    entry.pod = std::move(pod);
    if (in_active) {
      PushActive(key, std::move(entry));
    } else {
      PushBackoff(key, std::move(entry));
    }
    return;
  }
  InsertNew(key, std::move(pod));
}

void SchedulingQueue::Delete(const std::string& key) {
  absl::MutexLock lock(&mu_);
  Take(key);
  if (auto it = in_flight_.find(key); it != in_flight_.end()) it->second.deleted = true;
}

void SchedulingQueue::FlushBackoff(int64_t now) {
  while (!backoff_order_.empty() && backoff_order_.begin()->first <= now) {
    std::string key = backoff_order_.begin()->second;
    backoff_order_.erase(backoff_order_.begin());
    auto it = backoff_.find(key);
    if (it == backoff_.end()) continue;
    Entry entry = std::move(it->second.second);
    backoff_.erase(it);
    PushActive(key, std::move(entry));
  }
}

void SchedulingQueue::FlushUnschedulable(int64_t now) {
  if (now - last_unschedulable_flush_ < kUnschedulableFlushNanos) return;
  last_unschedulable_flush_ = now;
  const int64_t limit = ToNanos(options_.max_unschedulable);
  for (auto it = unschedulable_.begin(); it != unschedulable_.end();) {
    if (!it->second.second.gated && now - it->second.first > limit) {
      std::string key = it->first;
      Entry entry = std::move(it->second.second);
      it = unschedulable_.erase(it);
      Requeue(key, std::move(entry));
    } else {
      ++it;
    }
  }
}

std::optional<QueuedPod> SchedulingQueue::Pop() {
  absl::MutexLock lock(&mu_);
  while (true) {
    if (closed_) return std::nullopt;
    int64_t now = clock_.MonotonicNanos();
    FlushBackoff(now);
    FlushUnschedulable(now);
    if (!active_order_.empty()) break;
    int64_t wait = ToNanos(options_.poll);
    if (!backoff_order_.empty()) {
      wait = std::clamp<int64_t>(backoff_order_.begin()->first - now, 0, wait);
    }
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || !active_order_.empty();
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Nanoseconds(wait));
  }
  ActiveKey order = *active_order_.begin();
  const std::string key = std::get<3>(order);
  Entry entry = *Take(key);
  entry.attempts++;
  QueuedPod popped{key, entry.pod, entry.attempts, ++cycle_};
  in_flight_[key] = InFlight{std::move(entry), popped.cycle, false, false};
  return popped;
}

void SchedulingQueue::Done(const std::string& key) {
  absl::MutexLock lock(&mu_);
  in_flight_.erase(key);
}

void SchedulingQueue::AddUnschedulable(const QueuedPod& pod, bool error) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(pod.key);
  if (it == in_flight_.end()) return;
  InFlight flight = std::move(it->second);
  in_flight_.erase(it);
  if (flight.deleted || closed_) return;
  Entry entry = std::move(flight.entry);
  entry.last_failure_nanos = clock_.MonotonicNanos();
  if (flight.updated) {
    entry.priority = PodPriority(*entry.pod);
    entry.gated = HasSchedulingGates(*entry.pod);
  }
  if (entry.gated) {
    unschedulable_[pod.key] = {entry.last_failure_nanos, std::move(entry)};
  } else if (error || flight.updated || move_request_cycle_ >= flight.cycle) {
    PushBackoff(pod.key, std::move(entry));
  } else {
    unschedulable_[pod.key] = {entry.last_failure_nanos, std::move(entry)};
  }
}

void SchedulingQueue::MoveAllToActiveOrBackoff() {
  absl::MutexLock lock(&mu_);
  move_request_cycle_ = cycle_;
  for (auto it = unschedulable_.begin(); it != unschedulable_.end();) {
    if (it->second.second.gated) {
      ++it;
      continue;
    }
    std::string key = it->first;
    Entry entry = std::move(it->second.second);
    it = unschedulable_.erase(it);
    Requeue(key, std::move(entry));
  }
}

void SchedulingQueue::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

SchedulingQueue::Sizes SchedulingQueue::GetSizes() const {
  absl::MutexLock lock(&mu_);
  return {active_.size(), backoff_.size(), unschedulable_.size(), in_flight_.size()};
}

}  // namespace k1s::scheduler
