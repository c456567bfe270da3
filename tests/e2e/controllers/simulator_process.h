#pragma once
// Test helper: runs `k1s simulate --kubeconfig FILE --nodes N` beside a ServerProcess, so the
// cluster has N simulated nodes whose "kubelets" walk bound pods to Running (and to Succeeded
// for pods annotated simulate.k1s.io/complete-after).
//
// A SimulatorProcess is used from one thread at a time.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/subprocess.h"
#include "tests/e2e/apiserver/server_process.h"

namespace k1s::e2e {

class SimulatorProcess {
 public:
  // Starts the simulator against `server` with its log at DIR/simulate.log and waits (at most
  // `timeout_seconds`) until `nodes` nodes labelled node.k1s.io/simulated=true report Ready.
  static absl::StatusOr<std::unique_ptr<SimulatorProcess>> Start(const ServerProcess& server,
                                                                 int32_t nodes,
                                                                 int timeout_seconds = 30);
  ~SimulatorProcess();  // stops the simulator if Stop() was not called

  std::string Log() const;  // everything the simulator printed

  // Sends SIGTERM and returns the exit code (10 s bound, then SIGKILL and 128 + 9).
  int Stop();

 private:
  SimulatorProcess(std::unique_ptr<base::Subprocess> process, std::string log_path)
      : process_(std::move(process)), log_path_(std::move(log_path)) {}

  std::unique_ptr<base::Subprocess> process_;
  std::string log_path_;
  bool stopped_ = false;
  int exit_code_ = 0;
};

}  // namespace k1s::e2e
