#pragma once
// A fixed set of named threads running queued tasks in FIFO order; the server runs handlers and
// OnClose callbacks here so they never occupy an I/O thread. Thread-safe. Tasks must not throw
// (an escaping exception is caught and logged).

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace k1s::http {

class WorkerPool {
 public:
  // Starts `threads` threads named "<name_prefix><index>" (cut to 15 bytes).
  WorkerPool(std::string name_prefix, int32_t threads);
  ~WorkerPool();  // Shutdown()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`. After Shutdown has finished, runs it on the calling thread instead.
  void Post(std::function<void()> task);
  // Runs every queued task (including ones queued meanwhile), then joins the threads.
  // Idempotent; must not be called from a worker.
  void Shutdown();

 private:
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool joined_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

// Names the calling thread (Linux limits names to 15 bytes; longer ones are cut).
void SetCurrentThreadName(const std::string& name);

}  // namespace k1s::http
