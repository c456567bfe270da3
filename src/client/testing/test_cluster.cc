#include "client/testing/test_cluster.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api/timestamps.h"
#include "apiserver/apiserver.h"
#include "base/files.h"
#include "client/in_process_transport.h"
#include "datastore/sqlite_backend.h"
#include "pki/server_pki.h"

namespace k1s::client::testing {
namespace {

using nlohmann::json;

// Certificates and keys cost hundreds of milliseconds to generate, so every cluster in a test
// process shares one set, made on first use (and removed by the OS's /tmp cleaning).
const pki::ServerPki* SharedPki() {
  static std::once_flag once;
  static std::optional<pki::ServerPki> pki;
  std::call_once(once, [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "k1s-cluster-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return;
    pki::ServerPkiOptions options;
    options.data_dir = pattern;
    options.node_name = "test-node";
    options.node_ips = {"127.0.0.1"};
    options.discover_node_ips = false;
    absl::StatusOr<pki::ServerPki> made = pki::EnsureServerPki(options);
    if (made.ok()) pki = *std::move(made);
  });
  return pki ? &*pki : nullptr;
}

std::string Now(base::Clock& clock) {
  return api::FormatTimestamp(clock.NowUnixNanos() / base::kNanosPerSecond);
}

}  // namespace

class TestCluster::Impl {
 public:
  std::unique_ptr<Backend> backend;
  std::unique_ptr<apiserver::ApiServer> server;
  base::StopSignal stop;
  std::string ca_pem, admin_cert_pem, admin_key_pem;
};

TestCluster::TestCluster(base::Clock& clock) : impl_(std::make_unique<Impl>()) {
  const pki::ServerPki* pki = SharedPki();
  if (pki == nullptr) {
    ADD_FAILURE() << "test cluster: certificates could not be made";
    return;
  }
  dir_ = pki->files.tls_dir.parent_path();
  absl::StatusOr<std::unique_ptr<Backend>> backend =
      datastore::OpenSqliteBackend(datastore::SqliteBackendOptions{});
  if (!backend.ok()) {
    ADD_FAILURE() << "test cluster: datastore: " << backend.status();
    return;
  }
  impl_->backend = *std::move(backend);
  apiserver::ApiServerOptions options;
  options.bind_address = "127.0.0.1";
  options.port = 0;
  options.worker_threads = 4;
  const pki::ServerPkiFiles& files = pki->files;
  options.tls = http::TlsFiles{files.serving_cert.string(), files.serving_key.string(),
                               files.client_ca_cert.string()};
  absl::StatusOr<std::string> key = base::ReadFile(files.service_account_key.string());
  absl::StatusOr<std::string> ca = base::ReadFile(files.server_ca_cert.string());
  absl::StatusOr<std::string> cert = base::ReadFile(files.ClientCert("admin").string());
  absl::StatusOr<std::string> cert_key = base::ReadFile(files.ClientKey("admin").string());
  if (!key.ok() || !ca.ok() || !cert.ok() || !cert_key.ok()) {
    ADD_FAILURE() << "test cluster: reading certificates failed";
    return;
  }
  options.service_account_key_pem = *key;
  options.server_ca_pem = *ca;
  impl_->ca_pem = *ca;
  impl_->admin_cert_pem = *cert;
  impl_->admin_key_pem = *cert_key;
  impl_->server = std::make_unique<apiserver::ApiServer>(options, *impl_->backend, clock);
  if (absl::Status started = impl_->server->Start(impl_->stop); !started.ok()) {
    ADD_FAILURE() << "test cluster: apiserver: " << started;
    impl_->server.reset();
    return;
  }
  ok_ = true;
}

TestCluster::~TestCluster() {
  if (impl_->server != nullptr) impl_->server->Stop();
}

http::Handler TestCluster::handler() const {
  apiserver::ApiServer* server = impl_->server.get();
  return [server](http::Request request, std::shared_ptr<http::ResponseWriter> writer) {
    server->Handle(std::move(request), std::move(writer));
  };
}

Client TestCluster::Admin(std::string field_manager) const {
  return As("system:admin", {"system:masters", "system:authenticated"}, std::move(field_manager));
}

Client TestCluster::As(std::string user, std::vector<std::string> groups,
                       std::string field_manager) const {
  auto transport = std::make_shared<InProcessTransport>(
      handler(), InProcessIdentity{std::move(user), std::move(groups)});
  return Client(std::move(transport), std::move(field_manager));
}

HttpsOptions TestCluster::AdminHttps() const {
  HttpsOptions options;
  options.server_url = "https://127.0.0.1:" + std::to_string(impl_->server->port());
  options.ca_pem = impl_->ca_pem;
  options.client_cert_pem = impl_->admin_cert_pem;
  options.client_key_pem = impl_->admin_key_pem;
  return options;
}

absl::Status TestCluster::CreateNamespace(const std::string& name) const {
  Client admin = Admin();
  absl::StatusOr<json> created =
      admin.Create(resources::Namespaces(), "", json{{"metadata", {{"name", name}}}});
  return created.status();
}

namespace {

absl::StatusOr<json> WritePodStatus(Client& client, const std::string& namespace_name,
                                    const std::string& name,
                                    const std::function<void(json& pod)>& change) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<json> pod = client.Get(resources::Pods(), namespace_name, name);
    if (!pod.ok()) return pod.status();
    change(*pod);
    absl::StatusOr<json> updated = client.UpdateStatus(resources::Pods(), *pod);
    if (updated.ok() || updated.status().code() != absl::StatusCode::kAborted) return updated;
  }
  return absl::AbortedError("pod status: too many conflicts");
}

json Condition(const std::string& type, bool status, const std::string& now) {
  return {{"type", type}, {"status", status ? "True" : "False"}, {"lastTransitionTime", now}};
}

// Container statuses as a kubelet writes them for `state` ("running" or "terminated").
json ContainerStatuses(const json& pod, const json& state, bool ready) {
  json statuses = json::array();
  if (!pod.contains("spec") || !pod["spec"].contains("containers")) return statuses;
  for (const json& container : pod["spec"]["containers"]) {
    statuses.push_back({{"name", container.value("name", "")},
                        {"image", container.value("image", "")},
                        {"imageID", ""},
                        {"containerID", "containerd://0123456789abcdef"},
                        {"ready", ready},
                        {"started", state.contains("running")},
                        {"restartCount", 0},
                        {"state", state}});
  }
  return statuses;
}

}  // namespace

absl::StatusOr<json> MarkPodRunning(Client& client, const std::string& namespace_name,
                                    const std::string& name, bool ready) {
  return WritePodStatus(client, namespace_name, name, [ready](json& pod) {
    const std::string now = Now(base::RealClock());
    json& status = pod["status"];
    status["phase"] = "Running";
    status["startTime"] = status.value("startTime", now);
    status["podIP"] = status.value("podIP", "10.42.0.10");
    status["podIPs"] = json::array({{{"ip", status["podIP"]}}});
    status["hostIP"] = "127.0.0.1";
    status["conditions"] = json::array({Condition("Initialized", true, now),
                                        Condition("Ready", ready, now),
                                        Condition("ContainersReady", ready, now),
                                        Condition("PodScheduled", true, now)});
    status["containerStatuses"] =
        ContainerStatuses(pod, json{{"running", {{"startedAt", now}}}}, ready);
  });
}

absl::StatusOr<json> MarkPodSucceeded(Client& client, const std::string& namespace_name,
                                      const std::string& name) {
  return WritePodStatus(client, namespace_name, name, [](json& pod) {
    const std::string now = Now(base::RealClock());
    json& status = pod["status"];
    status["phase"] = "Succeeded";
    status["startTime"] = status.value("startTime", now);
    status["conditions"] = json::array(
        {Condition("Initialized", true, now), Condition("Ready", false, now),
         Condition("ContainersReady", false, now), Condition("PodScheduled", true, now)});
    status["containerStatuses"] = ContainerStatuses(
        pod,
        json{{"terminated",
              {{"exitCode", 0}, {"reason", "Completed"}, {"startedAt", now}, {"finishedAt", now}}}},
        false);
  });
}

absl::StatusOr<json> MarkPodFailed(Client& client, const std::string& namespace_name,
                                   const std::string& name, int32_t exit_code,
                                   const std::string& reason) {
  return WritePodStatus(client, namespace_name, name, [exit_code, reason](json& pod) {
    const std::string now = Now(base::RealClock());
    json& status = pod["status"];
    status["phase"] = "Failed";
    status["startTime"] = status.value("startTime", now);
    status["conditions"] = json::array(
        {Condition("Initialized", true, now), Condition("Ready", false, now),
         Condition("ContainersReady", false, now), Condition("PodScheduled", true, now)});
    status["containerStatuses"] = ContainerStatuses(
        pod,
        json{{"terminated",
              {{"exitCode", exit_code},
               {"reason", reason},
               {"startedAt", now},
               {"finishedAt", now}}}},
        false);
  });
}

absl::StatusOr<json> CreateReadyNode(Client& client, const std::string& name, const json& labels) {
  json node = {{"metadata", {{"name", name}, {"labels", labels.is_object() ? labels : json::object()}}},
               {"spec", json::object()}};
  node["metadata"]["labels"]["kubernetes.io/hostname"] = name;
  absl::StatusOr<json> created = client.Create(resources::Nodes(), "", node);
  if (!created.ok()) return created;
  const std::string now = Now(base::RealClock());
  json capacity = {{"cpu", "4"}, {"memory", "8Gi"}, {"pods", "110"},
                   {"ephemeral-storage", "100Gi"}};
  json& status = (*created)["status"];
  status["capacity"] = capacity;
  status["allocatable"] = capacity;
  status["conditions"] = json::array({{{"type", "Ready"},
                                       {"status", "True"},
                                       {"reason", "KubeletReady"},
                                       {"message", "kubelet is posting ready status"},
                                       {"lastHeartbeatTime", now},
                                       {"lastTransitionTime", now}}});
  status["addresses"] = json::array({{{"type", "InternalIP"}, {"address", "127.0.0.1"}},
                                     {{"type", "Hostname"}, {"address", name}}});
  return client.UpdateStatus(resources::Nodes(), *created);
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace k1s::client::testing
