#include "tests/e2e/apiserver/server_process.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/clock.h"
#include "base/files.h"

namespace k1s::e2e {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(20);

std::string K1sBinary() {
  // The environment wins so a test binary can be pointed at another build by hand.
  const char* from_env = std::getenv("K1S_BINARY");
  return from_env != nullptr && *from_env != '\0' ? from_env : K1S_BINARY;
}

}  // namespace

std::string KubectlPath() {
  const char* from_env = std::getenv("K1S_KUBECTL");
  return from_env != nullptr && *from_env != '\0' ? from_env : "/usr/bin/kubectl";
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& dir, const std::vector<std::string>& extra_args) {
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    bool port_taken = false;
    auto server = TryStart(dir, extra_args, &port_taken);
    if (server.ok() || !port_taken) return server;
    last = server.status();
  }
  return last;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::TryStart(
    const std::string& dir, const std::vector<std::string>& extra_args, bool* port_taken) {
  if (auto made = base::MakeDirs(dir); !made.ok()) return made;
  // A restart on the same directory must not be mistaken for ready before the new kubeconfig
  // (with the new port) is written.
  std::remove((dir + "/k.yaml").c_str());
  size_t log_offset = 0;
  if (auto old_log = base::ReadFile(dir + "/server.log"); old_log.ok())
    log_offset = old_log->size();
  uint16_t port = FreePort();
  base::SubprocessOptions options;
  options.argv = {K1sBinary(),          "server",
                  "--disable-agent",    "--data-dir",
                  dir + "/data",        "--https-listen-port",
                  std::to_string(port), "--write-kubeconfig",
                  dir + "/k.yaml"};
  options.argv.insert(options.argv.end(), extra_args.begin(), extra_args.end());
  options.output_path = dir + "/server.log";
  options.new_process_group = true;
  auto process = base::Subprocess::Start(options);
  if (!process.ok()) return process.status();
  std::unique_ptr<ServerProcess> server(new ServerProcess(*std::move(process), dir, port));
  auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!server->Ready()) {
    if (auto code = server->process_->TryWait()) {
      server->stopped_ = true;
      server->exit_code_ = *code;
      std::string log = server->Log();
      log = log.size() > log_offset ? log.substr(log_offset) : std::string();
      *port_taken = log.find("Address already in use") != std::string::npos;
      return absl::InternalError(absl::StrCat("k1s server exited with ", *code, ":\n", log));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("k1s server not ready after 20s:\n", server->Log()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return server;
}

bool ServerProcess::Ready() const {
  if (!base::PathExists(kubeconfig())) return false;
  auto result = base::RunCommand({"curl", "-sk", "--max-time", "2", url() + "/readyz"},
                                 5 * base::kNanosPerSecond);
  return result.ok() && result->exit_code == 0 && result->output == "ok";
}

std::string ServerProcess::url() const { return absl::StrCat("https://127.0.0.1:", port_); }
std::string ServerProcess::kubeconfig() const { return dir_ + "/k.yaml"; }
std::string ServerProcess::tls_dir() const { return dir_ + "/data/server/tls"; }

std::string ServerProcess::Log() const {
  auto text = base::ReadFile(dir_ + "/server.log");
  return text.ok() ? *text : std::string("(no log)");
}

int ServerProcess::Stop() {
  if (stopped_) return exit_code_;
  stopped_ = true;
  process_->Signal(SIGTERM);
  auto code = process_->WaitFor(15 * base::kNanosPerSecond);
  if (!code) {
    process_->Signal(SIGKILL);
    code = process_->Wait();
  }
  exit_code_ = *code;
  return exit_code_;
}

ServerProcess::~ServerProcess() { Stop(); }

std::vector<std::string> ServerProcess::Env() const {
  return {"KUBECONFIG=" + kubeconfig(), "HOME=" + dir_, "SERVER=" + url(), "TLS=" + tls_dir(),
          "KUBECTL=" + KubectlPath()};
}

base::CommandResult ServerProcess::Kubectl(const std::vector<std::string>& args,
                                           const std::vector<std::string>& extra_env,
                                           int timeout_seconds) const {
  std::vector<std::string> argv = {KubectlPath()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> env = Env();
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  auto result = base::RunCommand(argv, timeout_seconds * base::kNanosPerSecond, env);
  if (!result.ok()) {
    ADD_FAILURE() << "kubectl " << absl::StrJoin(args, " ") << ": " << result.status();
    return {-1, ""};
  }
  return *result;
}

base::CommandResult ServerProcess::KubectlStdout(const std::vector<std::string>& args,
                                                 int timeout_seconds) const {
  // The arguments travel as positional parameters, so nothing needs shell quoting.
  std::vector<std::string> argv = {"/bin/sh", "-c", "exec \"$KUBECTL\" \"$@\" 2>/dev/null", "sh"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result = base::RunCommand(argv, timeout_seconds * base::kNanosPerSecond, Env());
  if (!result.ok()) {
    ADD_FAILURE() << "kubectl " << absl::StrJoin(args, " ") << ": " << result.status();
    return {-1, ""};
  }
  return *result;
}

base::CommandResult ServerProcess::Sh(const std::string& script, int timeout_seconds) const {
  auto result =
      base::RunCommand({"/bin/sh", "-c", script}, timeout_seconds * base::kNanosPerSecond, Env());
  if (!result.ok()) {
    ADD_FAILURE() << script << ": " << result.status();
    return {-1, ""};
  }
  return *result;
}

}  // namespace k1s::e2e
