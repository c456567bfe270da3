#include "http/worker_pool.h"

#include <pthread.h>

#include <exception>
#include <utility>

#include "base/logging.h"

namespace k1s::http {

void SetCurrentThreadName(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

WorkerPool::WorkerPool(std::string name_prefix, int32_t threads) {
  if (threads < 1) threads = 1;
  threads_.reserve(static_cast<size_t>(threads));
  for (int32_t i = 0; i < threads; ++i) {
    std::string name = name_prefix + std::to_string(i);
    threads_.emplace_back([this, name] {
      SetCurrentThreadName(name);
      Loop();
    });
  }
}

WorkerPool::~WorkerPool() { Shutdown(); }

void WorkerPool::Post(std::function<void()> task) {
  {
    absl::MutexLock lock(&mu_);
    if (!joined_) {
      queue_.push_back(std::move(task));
      return;
    }
  }
  task();
}

void WorkerPool::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (joined_) return;
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  // Tasks queued by the last running tasks after the workers left.
  std::deque<std::function<void()>> rest;
  {
    absl::MutexLock lock(&mu_);
    joined_ = true;
    rest.swap(queue_);
  }
  for (auto& task : rest) task();
}

void WorkerPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WorkerPool* pool) ABSL_EXCLUSIVE_LOCKS_REQUIRED(pool->mu_) {
            return pool->stopping_ || !pool->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (const std::exception& e) {
      base::Logger("http")->error("worker task threw: {}", e.what());
    } catch (...) {
      base::Logger("http")->error("worker task threw a non-standard exception");
    }
  }
}

}  // namespace k1s::http
