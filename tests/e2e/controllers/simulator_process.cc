#include "tests/e2e/controllers/simulator_process.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/files.h"

namespace k1s::e2e {
namespace {

std::string K1sBinary() {
  const char* from_env = std::getenv("K1S_BINARY");
  return from_env != nullptr && *from_env != '\0' ? from_env : K1S_BINARY;
}

// "True" once per simulated node whose Ready condition is True.
int32_t ReadyNodes(const ServerProcess& server) {
  auto result = server.KubectlStdout(
      {"get", "nodes", "-l", "node.k1s.io/simulated=true", "-o",
       R"(jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end})"});
  if (result.exit_code != 0) return 0;
  int32_t ready = 0;
  for (size_t at = result.output.find("True"); at != std::string::npos;
       at = result.output.find("True", at + 1)) {
    ++ready;
  }
  return ready;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SimulatorProcess>> SimulatorProcess::Start(
    const ServerProcess& server, int32_t nodes, int timeout_seconds) {
  base::SubprocessOptions options;
  options.argv = {K1sBinary(),           "simulate", "--kubeconfig", server.kubeconfig(),
                  "--nodes",             std::to_string(nodes)};
  options.output_path = server.dir() + "/simulate.log";
  options.new_process_group = true;
  auto process = base::Subprocess::Start(options);
  if (!process.ok()) return process.status();
  std::unique_ptr<SimulatorProcess> simulator(
      new SimulatorProcess(*std::move(process), options.output_path));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (ReadyNodes(server) < nodes) {
    if (auto code = simulator->process_->TryWait()) {
      simulator->stopped_ = true;
      simulator->exit_code_ = *code;
      return absl::InternalError(
          absl::StrCat("k1s simulate exited with ", *code, ":\n", simulator->Log()));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("fewer than ", nodes,
                                                      " simulated nodes Ready after ",
                                                      timeout_seconds, "s:\n", simulator->Log()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return simulator;
}

std::string SimulatorProcess::Log() const {
  auto text = base::ReadFile(log_path_);
  return text.ok() ? *text : std::string("(no log)");
}

int SimulatorProcess::Stop() {
  if (stopped_) return exit_code_;
  stopped_ = true;
  process_->Signal(SIGTERM);
  auto code = process_->WaitFor(10 * base::kNanosPerSecond);
  if (!code) {
    process_->Signal(SIGKILL);
    code = process_->Wait();
  }
  exit_code_ = *code;
  return exit_code_;
}

SimulatorProcess::~SimulatorProcess() { Stop(); }

}  // namespace k1s::e2e
