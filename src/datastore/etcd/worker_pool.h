#pragma once
// An elastic pool of threads for blocking datastore calls made on behalf of gRPC requests.
//
// The Backend's writes block until their group commit lands, and group commit only batches the
// writes that are in flight together: 500 concurrent etcd clients need ~500 blocked callers for
// the batch to fill. The pool therefore starts a thread whenever work arrives and none is idle
// (up to `max_threads`; beyond that work queues), and lets a thread exit after `idle_timeout`
// without work, so an idle server holds no threads and spends no CPU. Threads get a small fixed
// stack so that hundreds of them fit in a 32-bit (ARMv7) address space.
//
// Thread-safe. The destructor runs the queued work, then joins every thread.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"

namespace k1s::datastore::etcd {

struct WorkerPoolOptions {
  std::string name = "etcd-worker";  // thread name (at most 15 characters are kept)
  size_t max_threads = 1024;
  size_t stack_bytes = 512 * 1024;
  std::chrono::milliseconds idle_timeout{30000};
};

class WorkerPool {
 public:
  explicit WorkerPool(WorkerPoolOptions options = {});
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `work` on a pool thread. Never blocks.
  void Submit(std::function<void()> work);

  // Threads currently alive (busy or idle); for tests and metrics.
  size_t ThreadCount();

 private:
  // Shared with the (detached) threads, so that the last one to leave may still touch the mutex
  // after the destructor has seen the thread count reach zero. A plain condition variable with
  // notify_one: hundreds of idle threads must not all be woken (or have their wait conditions
  // evaluated) for every submitted call.
  struct State {
    explicit State(WorkerPoolOptions o) : options(std::move(o)) {}

    const WorkerPoolOptions options;
    std::mutex mu;
    std::condition_variable work_cv;  // queue non-empty or stopping
    std::condition_variable exit_cv;  // a thread exited
    std::deque<std::function<void()>> queue ABSL_GUARDED_BY(mu);
    size_t threads ABSL_GUARDED_BY(mu) = 0;
    size_t idle ABSL_GUARDED_BY(mu) = 0;
    bool stopping ABSL_GUARDED_BY(mu) = false;
  };
  static void* ThreadMain(void* state);
  static void Run(State& state);

  std::shared_ptr<State> state_;
};

}  // namespace k1s::datastore::etcd
