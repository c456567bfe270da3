#pragma once
// A real control plane for tests of anything built on the client library: a temporary data
// directory with certificates, a SQLite datastore and a started ApiServer on a free port. Clients
// reach it in-process (any identity) or over HTTPS with the admin certificate. No controllers run
// unless the test starts them. Not thread-safe to construct; the clients it hands out are.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "base/clock.h"
#include "base/stop_signal.h"
#include "client/client.h"
#include "client/https_transport.h"
#include "http/response_writer.h"

namespace k1s::client::testing {

class TestCluster {
 public:
  // Starts everything; failures are reported with ADD_FAILURE and leave ok() false.
  explicit TestCluster(base::Clock& clock = base::RealClock());
  ~TestCluster();

  bool ok() const { return ok_; }
  // A client acting as system:admin in system:masters (in-process).
  Client Admin(std::string field_manager = "test") const;
  // A client acting as `user` in `groups` (in-process, RBAC applies).
  Client As(std::string user, std::vector<std::string> groups,
            std::string field_manager = "test") const;
  // What an HTTPS client needs: the URL, the CA and the admin certificate and key.
  HttpsOptions AdminHttps() const;
  // The apiserver's whole handler chain.
  http::Handler handler() const;
  const std::filesystem::path& data_dir() const { return dir_; }

  // Convenience for test setup: creates a namespace (and waits until it exists).
  absl::Status CreateNamespace(const std::string& name) const;

 private:
  class Impl;
  std::filesystem::path dir_;
  std::unique_ptr<Impl> impl_;
  bool ok_ = false;
};

// Test helpers that play the kubelet's part: they write pod status through `client` (which
// needs pods/status update rights; Admin() has them) and return the stored pod.
absl::StatusOr<nlohmann::json> MarkPodRunning(Client& client, const std::string& namespace_name,
                                              const std::string& name, bool ready = true);
absl::StatusOr<nlohmann::json> MarkPodSucceeded(Client& client, const std::string& namespace_name,
                                                const std::string& name);
absl::StatusOr<nlohmann::json> MarkPodFailed(Client& client, const std::string& namespace_name,
                                             const std::string& name, int32_t exit_code = 1,
                                             const std::string& reason = "Error");
// Creates a Ready node with 4 cpu / 8Gi / 110 pods and the given labels.
absl::StatusOr<nlohmann::json> CreateReadyNode(Client& client, const std::string& name,
                                               const nlohmann::json& labels);

// Polls `condition` every 10 ms until it is true or `timeout` passes; returns its last value.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace k1s::client::testing
