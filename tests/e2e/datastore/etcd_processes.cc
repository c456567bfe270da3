#include "tests/e2e/datastore/etcd_processes.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/files.h"

namespace k1s::e2e {
namespace {

constexpr int64_t kSecond = 1000000000;

bool Healthy(const std::string& endpoint) {
  auto result = base::RunCommand(
      {"etcdctl", "--endpoints=" + endpoint, "--command-timeout=1s", "endpoint", "health"},
      5 * kSecond, {"ETCDCTL_API=3"});
  return result.ok() && result->exit_code == 0;
}

std::string ReadLog(const std::string& path) {
  auto text = base::ReadFile(path);
  return text.ok() ? *text : std::string("(no log)");
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdProcess>> EtcdProcess::StartK1s(const std::string& data_dir) {
  std::string endpoint = absl::StrCat("127.0.0.1:", FreePort());
  return Launch({K1S_BINARY, "datastore", "--data-dir", data_dir + "/k1s", "--listen-client-urls",
                 "http://" + endpoint},
                endpoint, data_dir + "/k1s.log");
}

absl::StatusOr<std::unique_ptr<EtcdProcess>> EtcdProcess::StartEtcd(const std::string& data_dir) {
  auto etcd = base::FindExecutable("etcd");
  if (!etcd) return absl::NotFoundError("etcd is not installed (apt-get install etcd-server)");
  std::string endpoint = absl::StrCat("127.0.0.1:", FreePort());
  std::string peer = absl::StrCat("http://127.0.0.1:", FreePort());
  return Launch(
      {*etcd, "--name", "oracle", "--data-dir", data_dir + "/etcd", "--listen-client-urls",
       "http://" + endpoint, "--advertise-client-urls", "http://" + endpoint, "--listen-peer-urls",
       peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "oracle=" + peer},
      endpoint, data_dir + "/etcd.log");
}

absl::StatusOr<std::unique_ptr<EtcdProcess>> EtcdProcess::Launch(std::vector<std::string> argv,
                                                                 std::string endpoint,
                                                                 const std::string& log_path) {
  base::SubprocessOptions options;
  options.argv = std::move(argv);
  options.output_path = log_path;
  options.new_process_group = true;
  auto process = base::Subprocess::Start(options);
  if (!process.ok()) return process.status();
  std::unique_ptr<EtcdProcess> server(
      new EtcdProcess(*std::move(process), std::move(endpoint), log_path));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!Healthy(server->endpoint_)) {
    if (auto code = server->process_->TryWait()) {
      server->stopped_ = true;
      return absl::InternalError(
          absl::StrCat(options.argv[0], " exited with ", *code, ":\n", ReadLog(log_path)));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(options.argv[0], " not healthy after 30s:\n", ReadLog(log_path)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return server;
}

int EtcdProcess::Stop() {
  if (stopped_) return exit_code_;
  stopped_ = true;
  process_->Signal(SIGTERM);
  auto code = process_->WaitFor(15 * kSecond);
  if (!code) {
    process_->Signal(SIGKILL);
    code = process_->Wait();
  }
  exit_code_ = *code;
  return exit_code_;
}

EtcdProcess::~EtcdProcess() { Stop(); }

std::string Sh(const std::string& endpoint, const std::string& script, int timeout_seconds) {
  auto result = base::RunCommand({"/bin/sh", "-c", script}, timeout_seconds * kSecond,
                                 {"ETCDCTL_API=3", "EP=" + endpoint});
  if (!result.ok()) {
    ADD_FAILURE() << script << ": " << result.status();
    return "";
  }
  // clientv3 logs retries as JSON lines on stderr; they hold timestamps and random ids.
  std::istringstream in(result->output);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (line.rfind("{\"level\":", 0) == 0) continue;
    out += line;
    out += '\n';
  }
  return out;
}

std::string Etcdctl(const std::string& endpoint, const std::string& args, int timeout_seconds) {
  return Sh(endpoint, "etcdctl --endpoints=$EP " + args + " 2>&1", timeout_seconds);
}

std::string SortAttachedKeys(const std::string& output) {
  // etcd lists a lease's keys in Go map order, which changes from run to run.
  static const std::regex kAttached("attached keys\\(\\[([^\\]]*)\\]\\)");
  std::string out;
  auto begin = std::sregex_iterator(output.begin(), output.end(), kAttached);
  size_t copied = 0;
  for (auto it = begin; it != std::sregex_iterator(); ++it) {
    std::istringstream words((*it)[1].str());
    std::vector<std::string> keys{std::istream_iterator<std::string>(words), {}};
    std::sort(keys.begin(), keys.end());
    out += output.substr(copied, static_cast<size_t>(it->position()) - copied);
    out += "attached keys([" + absl::StrJoin(keys, " ") + "])";
    copied = static_cast<size_t>(it->position() + it->length());
  }
  return out + output.substr(copied);
}

std::string Normalize(const std::string& output, const std::string& endpoint) {
  std::string out = SortAttachedKeys(output);
  size_t at;
  while ((at = out.find(endpoint)) != std::string::npos) out.replace(at, endpoint.size(), "<ep>");
  static const std::regex kHeaderIds("\"(cluster_id|member_id|raft_term)\":[0-9]+,?");
  static const std::regex kLeaseIds("\\b[0-9a-f]{10,16}\\b");
  static const std::regex kTook("took = [0-9.]+[a-zµ]*s");
  static const std::regex kRemaining("remaining\\([0-9]+s\\)");
  out = std::regex_replace(out, kHeaderIds, "");
  out = std::regex_replace(out, kLeaseIds, "<id>");
  out = std::regex_replace(out, kTook, "took = <t>");
  out = std::regex_replace(out, kRemaining, "remaining(<ttl>)");
  return out;
}

}  // namespace k1s::e2e
