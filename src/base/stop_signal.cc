#include "base/stop_signal.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/logging.h"

namespace k1s::base {

void StopSignal::Stop() { StopWithError(absl::OkStatus()); }

void StopSignal::StopWithError(absl::Status error) {
  std::map<int64_t, std::function<void()>> to_run;
  {
    absl::MutexLock lock(&mu_);
    if (error_.ok() && !error.ok()) error_ = std::move(error);
    if (stopped_) return;
    stopped_ = true;
    to_run.swap(callbacks_);
  }
  for (auto& [id, callback] : to_run) callback();
}

bool StopSignal::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

absl::Status StopSignal::error() const {
  absl::MutexLock lock(&mu_);
  return error_;
}

void StopSignal::Wait() const {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(&stopped_));
}

bool StopSignal::WaitFor(int64_t timeout_nanos) const {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&stopped_), absl::Nanoseconds(timeout_nanos));
}

int64_t StopSignal::AddCallback(std::function<void()> callback) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopped_) {
      int64_t id = next_callback_id_++;
      callbacks_.emplace(id, std::move(callback));
      return id;
    }
  }
  callback();
  return 0;
}

void StopSignal::RemoveCallback(int64_t id) {
  absl::MutexLock lock(&mu_);
  callbacks_.erase(id);
}

SignalWatcher::SignalWatcher(StopSignal& stop) : stop_(stop) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  // Writes to a closed socket or pipe must return EPIPE, not kill the process.
  signal(SIGPIPE, SIG_IGN);
  signal_fd_ = signalfd(-1, &mask, SFD_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  thread_ = std::thread([this] { Loop(); });
}

SignalWatcher::~SignalWatcher() {
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
  thread_.join();
  ::close(signal_fd_);
  ::close(wake_fd_);
}

void SignalWatcher::Loop() {
  pthread_setname_np(pthread_self(), "k1s-signals");
  auto log = Logger("k1s");
  for (;;) {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents & POLLIN) return;
    signalfd_siginfo info{};
    if (::read(signal_fd_, &info, sizeof(info)) != sizeof(info)) continue;
    if (stop_.stopped()) {
      log->warn("second signal {} while stopping: exiting now", strsignal(info.ssi_signo));
      _exit(130);
    }
    log->info("received {}, stopping", strsignal(info.ssi_signo));
    stop_.Stop();
  }
}

}  // namespace k1s::base
