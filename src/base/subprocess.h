#pragma once
// Starting and supervising child processes (containerd, kubectl, system tools).
//
// A Subprocess is owned by one thread at a time; RunCommand is thread-safe.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace k1s::base {

struct SubprocessOptions {
  std::vector<std::string> argv;       // argv[0] is looked up in PATH when it has no '/'
  std::vector<std::string> extra_env;  // "KEY=VALUE" added to (or replacing in) the environment
  std::string output_path;             // stdout+stderr appended to this file; empty = inherit
  bool capture_output = false;         // stdout+stderr into a pipe read by RunCommand
  bool new_process_group = false;      // so signals to k1s's group do not reach the child
};

class Subprocess {
 public:
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const SubprocessOptions& options);
  ~Subprocess();  // does not kill or wait: a supervisor decides that explicitly

  pid_t pid() const { return pid_; }
  // Read end of the captured output pipe, or -1.
  int output_fd() const { return output_fd_; }

  // Blocks until the child exits. Returns its exit code, or 128 + signal number.
  int Wait();
  // The exit code if the child has exited, without blocking.
  std::optional<int> TryWait();
  // Waits at most `timeout_nanos`; nullopt if still running.
  std::optional<int> WaitFor(int64_t timeout_nanos);
  void Signal(int signal_number);

 private:
  Subprocess(pid_t pid, int output_fd) : pid_(pid), output_fd_(output_fd) {}
  std::optional<int> Reap(bool block);

  pid_t pid_;
  int output_fd_;
  std::optional<int> exit_code_;
};

struct CommandResult {
  int exit_code = 0;
  std::string output;  // stdout and stderr, interleaved as written
};

// Runs argv to completion and captures its output. A timeout > 0 kills the child (SIGKILL) when
// it expires and returns DEADLINE_EXCEEDED. Failing to start is an error; a non-zero exit is not.
absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                         int64_t timeout_nanos = 0,
                                         const std::vector<std::string>& extra_env = {});

// Full path of an executable found in PATH (or `name` itself when it holds a '/'), if any.
std::optional<std::string> FindExecutable(const std::string& name);

}  // namespace k1s::base
