#pragma once
// Test helpers: start `k1s datastore` or a real etcd on a free loopback port in a temp dir, run
// etcdctl against it, and normalize etcdctl output for comparisons between the two servers.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/subprocess.h"
#include "base/testing/free_port.h"
#include "base/testing/temp_dir.h"

namespace k1s::e2e {

using base::FreePort;

// A server process answering etcd v3 on `endpoint()` ("127.0.0.1:PORT"). Stopped with SIGTERM
// (then SIGKILL) by the destructor.
class EtcdProcess {
 public:
  // `k1s datastore` from the build tree.
  static absl::StatusOr<std::unique_ptr<EtcdProcess>> StartK1s(const std::string& data_dir);
  // Debian's etcd 3.4 as a single member; NOT_FOUND when it is not installed.
  static absl::StatusOr<std::unique_ptr<EtcdProcess>> StartEtcd(const std::string& data_dir);
  ~EtcdProcess();

  const std::string& endpoint() const { return endpoint_; }
  const std::string& log_path() const { return log_path_; }
  // Sends SIGTERM and returns the exit code (bounded wait, then SIGKILL).
  int Stop();

 private:
  EtcdProcess(std::unique_ptr<base::Subprocess> process, std::string endpoint, std::string log_path)
      : process_(std::move(process)),
        endpoint_(std::move(endpoint)),
        log_path_(std::move(log_path)) {}
  static absl::StatusOr<std::unique_ptr<EtcdProcess>> Launch(std::vector<std::string> argv,
                                                             std::string endpoint,
                                                             const std::string& log_path);

  std::unique_ptr<base::Subprocess> process_;
  std::string endpoint_;
  std::string log_path_;
  bool stopped_ = false;
  int exit_code_ = 0;
};

// Runs a shell script with $EP set to the endpoint and ETCDCTL_API=3; returns its output with
// clientv3's JSON log lines removed. Fails the test on a timeout.
std::string Sh(const std::string& endpoint, const std::string& script, int timeout_seconds = 30);

// `etcdctl --endpoints=EP <args>`: output, as Sh.
std::string Etcdctl(const std::string& endpoint, const std::string& args, int timeout_seconds = 30);

// Replaces what legitimately differs between two etcd servers: the endpoint's port, lease and
// member ids, cluster/member ids and raft terms in JSON headers, latencies.
std::string Normalize(const std::string& output, const std::string& endpoint);
// The output with every "attached keys([...])" list sorted (etcd's order is random).
std::string SortAttachedKeys(const std::string& output);

}  // namespace k1s::e2e
