#include "base/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/clock.h"
#include "base/status.h"

extern char** environ;

namespace k1s::base {
namespace {

int DecodeWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

bool IsExecutable(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// The environment for the child: ours, with extra "KEY=VALUE" entries replacing same-named ones.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view current(*entry);
    std::string_view name = current.substr(0, current.find('='));
    bool replaced = false;
    for (const auto& override_entry : extra) {
      if (std::string_view(override_entry).substr(0, override_entry.find('=')) == name) {
        replaced = true;
        break;
      }
    }
    if (!replaced) env.emplace_back(current);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

std::optional<std::string> FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (IsExecutable(name)) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin", ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/", name);
    if (IsExecutable(candidate)) return candidate;
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(const SubprocessOptions& options) {
  if (options.argv.empty()) return absl::InvalidArgumentError("start process: empty command");
  std::optional<std::string> executable = FindExecutable(options.argv[0]);
  if (!executable) {
    return absl::NotFoundError(absl::StrCat("start ", options.argv[0], ": not found in PATH"));
  }
  // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
  std::vector<std::string> argv_storage = options.argv;
  std::vector<std::string> env_storage = ChildEnvironment(options.extra_env);
  std::vector<char*> argv = CStrings(argv_storage);
  std::vector<char*> envp = CStrings(env_storage);

  int output_fd = -1;
  if (!options.output_path.empty()) {
    output_fd = ::open(options.output_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (output_fd < 0) return ErrnoStatus(absl::StrCat("open ", options.output_path), errno);
  }
  int pipe_fds[2] = {-1, -1};
  if (options.capture_output && ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    if (output_fd >= 0) ::close(output_fd);
    return ErrnoStatus("pipe", errno);
  }
  int child_out = options.capture_output ? pipe_fds[1] : output_fd;

  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    if (output_fd >= 0) ::close(output_fd);
    if (options.capture_output) ::close(pipe_fds[0]), ::close(pipe_fds[1]);
    return ErrnoStatus("fork", err);
  }
  if (pid == 0) {
    // Undo what k1s set for itself: blocked stop signals and an ignored SIGPIPE.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &default_action, nullptr);
    if (options.new_process_group) setpgid(0, 0);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    if (child_out >= 0) {
      dup2(child_out, STDOUT_FILENO);
      dup2(child_out, STDERR_FILENO);
    }
    execve(executable->c_str(), argv.data(), envp.data());
    _exit(127);
  }
  if (output_fd >= 0) ::close(output_fd);
  if (options.capture_output) ::close(pipe_fds[1]);
  return std::unique_ptr<Subprocess>(
      new Subprocess(pid, options.capture_output ? pipe_fds[0] : -1));
}

Subprocess::~Subprocess() {
  if (output_fd_ >= 0) ::close(output_fd_);
}

std::optional<int> Subprocess::Reap(bool block) {
  if (exit_code_) return exit_code_;
  int status = 0;
  pid_t result;
  do {
    result = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == pid_) exit_code_ = DecodeWaitStatus(status);
  return exit_code_;
}

int Subprocess::Wait() { return Reap(true).value_or(-1); }

std::optional<int> Subprocess::TryWait() { return Reap(false); }

std::optional<int> Subprocess::WaitFor(int64_t timeout_nanos) {
  // Bounded waits only (shutdown, tests): a short sleep loop keeps this free of SIGCHLD games.
  const int64_t deadline = RealClock().MonotonicNanos() + timeout_nanos;
  for (;;) {
    if (auto code = TryWait()) return code;
    if (RealClock().MonotonicNanos() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Subprocess::Signal(int signal_number) {
  if (!exit_code_) ::kill(pid_, signal_number);
}

absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         int64_t timeout_nanos,
                                         const std::vector<std::string>& extra_env) {
  SubprocessOptions options;
  options.argv = argv;
  options.extra_env = extra_env;
  options.capture_output = true;
  K1S_ASSIGN_OR_RETURN(std::unique_ptr<Subprocess> child, Subprocess::Start(options));

  CommandResult result;
  const int64_t deadline =
      timeout_nanos > 0 ? RealClock().MonotonicNanos() + timeout_nanos : INT64_MAX;
  char buffer[4096];
  for (;;) {
    int64_t remaining_ms = (deadline - RealClock().MonotonicNanos()) / kNanosPerMilli;
    if (timeout_nanos > 0 && remaining_ms <= 0) {
      child->Signal(SIGKILL);
      child->Wait();
      return absl::DeadlineExceededError(
          absl::StrCat(argv[0], " did not finish within ", timeout_nanos / kNanosPerMilli, " ms"));
    }
    pollfd fd{child->output_fd(), POLLIN, 0};
    int ready = ::poll(&fd, 1, timeout_nanos > 0 ? static_cast<int>(remaining_ms) : -1);
    if (ready < 0 && errno != EINTR) return ErrnoStatus("poll", errno);
    if (ready <= 0) continue;
    ssize_t n = ::read(child->output_fd(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.output.append(buffer, static_cast<size_t>(n));
  }
  result.exit_code = child->Wait();
  if (result.exit_code == 127 && result.output.empty()) {
    return absl::InternalError(absl::StrCat("exec ", argv[0], " failed"));
  }
  return result;
}

}  // namespace k1s::base
