#include "apiserver/cache_worker.h"

#include "base/logging.h"
#include "base/thread_name.h"

namespace k1s::apiserver {

CacheWorker::CacheWorker(std::string name, WatchCache& cache, Handle handle,
                         std::chrono::milliseconds retry_delay)
    : name_(std::move(name)),
      cache_(cache),
      handle_(std::move(handle)),
      retry_delay_(retry_delay) {}

CacheWorker::~CacheWorker() { Stop(); }

void CacheWorker::Watch(const api::ResourceType& type, Select select) {
  sources_.push_back(Source{&type, std::move(select), nullptr});
}

absl::Status CacheWorker::Start() {
  if (absl::Status status = OpenWatches(); !status.ok()) return status;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

absl::Status CacheWorker::OpenWatches() {
  for (Source& source : sources_) {
    source.registration.reset();
    WatchOptions options;
    options.send_initial_state = true;  // work that existed before we started is found too
    auto sink = [this, &source](const CacheEvent& event) {
      if (event.type == EventType::kClose) {
        absl::MutexLock lock(&mu_);
        rewatch_ = true;
        return false;
      }
      std::optional<std::string> key = source.select(event);
      if (key) Enqueue(*std::move(key));
      return true;
    };
    absl::StatusOr<std::unique_ptr<WatchCache::Registration>> registration =
        cache_.Watch(*source.type, ObjectFilter{}, options, sink);
    if (!registration.ok()) return registration.status();
    source.registration = *std::move(registration);
  }
  return absl::OkStatus();
}

void CacheWorker::Enqueue(std::string key) {
  absl::MutexLock lock(&mu_);
  pending_.insert(std::move(key));
}

void CacheWorker::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  for (Source& source : sources_) source.registration.reset();
}

void CacheWorker::Run() {
  base::SetCurrentThreadName(name_);
  std::set<std::string> retry;
  while (true) {
    std::set<std::string> batch;
    bool rewatch = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stopping_ || rewatch_ || !pending_.empty();
      };
      // Keys that failed wait out the retry delay unless new work arrives first.
      absl::Duration wait =
          retry.empty() ? absl::InfiniteDuration() : absl::FromChrono(retry_delay_);
      mu_.AwaitWithTimeout(absl::Condition(&ready), wait);
      if (stopping_) return;
      batch.swap(pending_);
      batch.insert(retry.begin(), retry.end());
      retry.clear();
      std::swap(rewatch, rewatch_);
    }
    if (rewatch) {
      if (absl::Status status = OpenWatches(); !status.ok()) {
        base::Logger(name_)->warn("watch again: {}", status);
        absl::MutexLock lock(&mu_);
        rewatch_ = true;
      }
    }
    for (const std::string& key : batch) {
      bool done = false;
      try {
        done = handle_(key);
      } catch (const std::exception& error) {
        // An object of an unexpected shape would fail the same way again: log it, move on.
        base::Logger(name_)->error("{}: {}", key, error.what());
        done = true;
      }
      if (!done) retry.insert(key);
    }
  }
}

}  // namespace k1s::apiserver
