#pragma once
// Test helper: runs `k1s server --disable-agent` on a free loopback port in a directory owned by
// the caller, and runs kubectl, curl or a shell script against it.
//
// A ServerProcess is used from one thread at a time; the command helpers only read its fields.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/subprocess.h"
#include "base/testing/free_port.h"

namespace k1s::e2e {

using base::FreePort;

// The kubectl under test: $K1S_KUBECTL when set, else /usr/bin/kubectl.
std::string KubectlPath();

class ServerProcess {
 public:
  // Starts the server with its data dir and kubeconfig under `dir` and waits (at most 20 s) until
  // /readyz answers "ok" and the kubeconfig exists. Retries on another port when the chosen one
  // was taken meanwhile.
  // `extra_args` are added to the `k1s server` command line.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& dir, const std::vector<std::string>& extra_args = {});
  ~ServerProcess();  // stops the server if Stop() was not called

  uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string url() const;         // https://127.0.0.1:PORT
  std::string kubeconfig() const;  // DIR/k.yaml
  std::string tls_dir() const;     // server CA and admin client certificate live here
  std::string Log() const;         // everything the server printed

  // Sends SIGTERM and returns the exit code (15 s bound, then SIGKILL and 128 + 9).
  int Stop();

  // `kubectl ARGS` with KUBECONFIG=DIR/k.yaml and HOME=DIR (kubectl caches discovery in HOME),
  // stdout and stderr interleaved. A start failure or timeout fails the test.
  base::CommandResult Kubectl(const std::vector<std::string>& args,
                              const std::vector<std::string>& extra_env = {},
                              int timeout_seconds = 30) const;
  // As Kubectl, but only stdout is kept (stderr is dropped): for exact comparisons of what
  // kubectl prints when it also warns.
  base::CommandResult KubectlStdout(const std::vector<std::string>& args,
                                    int timeout_seconds = 30) const;
  // `/bin/sh -c SCRIPT` in the same environment plus SERVER=url(), TLS=tls_dir() and
  // KUBECTL=KubectlPath(); used when only stdout is wanted or a pipeline is simpler.
  base::CommandResult Sh(const std::string& script, int timeout_seconds = 30) const;
  // The environment both of the above add, as "KEY=VALUE".
  std::vector<std::string> Env() const;

 private:
  ServerProcess(std::unique_ptr<base::Subprocess> process, std::string dir, uint16_t port)
      : process_(std::move(process)), dir_(std::move(dir)), port_(port) {}
  static absl::StatusOr<std::unique_ptr<ServerProcess>> TryStart(
      const std::string& dir, const std::vector<std::string>& extra_args, bool* port_taken);
  bool Ready() const;

  std::unique_ptr<base::Subprocess> process_;
  std::string dir_;
  uint16_t port_;
  bool stopped_ = false;
  int exit_code_ = 0;
};

}  // namespace k1s::e2e
