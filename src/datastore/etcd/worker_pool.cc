#include "datastore/etcd/worker_pool.h"

#include <pthread.h>

#include <cstdlib>
#include <utility>

#include "base/logging.h"

namespace k1s::datastore::etcd {

WorkerPool::WorkerPool(WorkerPoolOptions options)
    : state_(std::make_shared<State>(std::move(options))) {}

WorkerPool::~WorkerPool() {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.stopping = true;
  s.work_cv.notify_all();
  s.exit_cv.wait(lock, [&s] { return s.threads == 0; });
}

void WorkerPool::Submit(std::function<void()> work) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.queue.push_back(std::move(work));
  if (s.idle >= s.queue.size() || s.threads >= s.options.max_threads) {
    lock.unlock();
    s.work_cv.notify_one();
    return;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, s.options.stack_bytes);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  auto* arg = new std::shared_ptr<State>(state_);
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, &WorkerPool::ThreadMain, arg);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    delete arg;
    // Out of threads: the work stays queued for the running threads, unless there are none.
    if (s.threads == 0) {
      base::Logger("datastore")->critical("etcd worker pool: cannot start a thread (error {})", rc);
      std::abort();
    }
    return;
  }
  pthread_setname_np(thread, s.options.name.substr(0, 15).c_str());
  ++s.threads;
}

size_t WorkerPool::ThreadCount() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->threads;
}

void* WorkerPool::ThreadMain(void* arg) {
  std::shared_ptr<State> state = std::move(*static_cast<std::shared_ptr<State>*>(arg));
  delete static_cast<std::shared_ptr<State>*>(arg);
  Run(*state);
  return nullptr;
}

void WorkerPool::Run(State& s) {
  std::unique_lock<std::mutex> lock(s.mu);
  for (;;) {
    if (s.queue.empty()) {
      if (s.stopping) break;
      ++s.idle;
      bool woke = s.work_cv.wait_for(lock, s.options.idle_timeout,
                                     [&s] { return !s.queue.empty() || s.stopping; });
      --s.idle;
      if (!woke) break;  // idle for too long
      continue;
    }
    std::function<void()> work = std::move(s.queue.front());
    s.queue.pop_front();
    lock.unlock();
    work();
    work = nullptr;  // destroy the captures outside the lock
    lock.lock();
  }
  --s.threads;
  s.exit_cv.notify_all();
}

}  // namespace k1s::datastore::etcd
