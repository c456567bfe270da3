#include "server/server.h"

#include <functional>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "apiserver/apiserver.h"
#include "base/clock.h"
#include "base/files.h"
#include "base/lifecycle.h"
#include "base/logging.h"
#include "base/stop_signal.h"
#include "client/event_recorder.h"
#include "client/in_process_transport.h"
#include "client/informer.h"
#include "controllers/manager/controller_manager.h"
#include "pki/host_addresses.h"
#include "pki/kubeconfig.h"
#include "pki/server_pki.h"
#include "server/datastore_component.h"
#include "scheduler/scheduler.h"
#include "server/leader_elected.h"
#include "server/secrets_encryption.h"

namespace k1s::server {
namespace {

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("server");
  return *logger;
}

// A component built only when it starts, from parts that exist only then (the apiserver needs
// the datastore's open Backend).
class DeferredComponent final : public base::Component {
 public:
  using Factory = std::function<absl::StatusOr<std::unique_ptr<base::Component>>()>;
  DeferredComponent(std::string name, Factory factory)
      : name_(std::move(name)), factory_(std::move(factory)) {}

  std::string_view Name() const override { return name_; }
  absl::Status Start(base::StopSignal& stop) override {
    absl::StatusOr<std::unique_ptr<base::Component>> made = factory_();
    if (!made.ok()) return made.status();
    component_ = *std::move(made);
    return component_->Start(stop);
  }
  void Stop() override {
    if (component_ != nullptr) component_->Stop();
    component_.reset();
  }

 private:
  std::string name_;
  Factory factory_;
  std::unique_ptr<base::Component> component_;
};

// Writes the admin kubeconfig once the API is up, so whoever waits for the file can use it.
class KubeconfigWriter final : public base::Component {
 public:
  KubeconfigWriter(std::filesystem::path path, mode_t mode, pki::Kubeconfig config)
      : path_(std::move(path)), mode_(mode), config_(std::move(config)) {}

  std::string_view Name() const override { return "kubeconfig"; }
  absl::Status Start(base::StopSignal&) override {
    if (absl::Status status = pki::WriteKubeconfig(path_, config_, mode_); !status.ok()) {
      return absl::Status(
          status.code(), absl::StrCat("write kubeconfig ", path_.string(), ": ", status.message()));
    }
    Log().info("wrote kubeconfig {}", path_.string());
    return absl::OkStatus();
  }
  void Stop() override {}

 private:
  std::filesystem::path path_;
  mode_t mode_;
  pki::Kubeconfig config_;
};

// Transports into the apiserver's handler chain for in-process clients acting as `user`.
controllers::TransportFactory InProcessTransports(
    std::shared_ptr<apiserver::ApiServer*> api_server) {
  return [api_server](const std::string& user, const std::vector<std::string>& groups) {
    http::Handler handler = [api_server](http::Request request,
                                         std::shared_ptr<http::ResponseWriter> writer) {
      (*api_server)->Handle(std::move(request), std::move(writer));
    };
    return std::make_shared<client::InProcessTransport>(std::move(handler),
                                                        client::InProcessIdentity{user, groups});
  };
}

// What in-process clients of the control plane share: one informer per resource and one event
// writer. Started lazily by its users; stopped after them (components stop in reverse order).
class SharedInformers final : public base::Component {
 public:
  explicit SharedInformers(client::Client reader)
      : informers_(reader), events_(std::make_unique<client::EventBroadcaster>(reader,
                                                                               base::RealClock())) {}
  std::string_view Name() const override { return "shared-informers"; }
  absl::Status Start(base::StopSignal&) override { return absl::OkStatus(); }
  void Stop() override {
    informers_.Stop();
    events_.reset();
  }
  client::InformerFactory& informers() { return informers_; }
  client::EventBroadcaster& events() { return *events_; }

 private:
  client::InformerFactory informers_;
  std::unique_ptr<client::EventBroadcaster> events_;
};

// The default scheduler as a component: built when it starts (after winning its Lease), on the
// shared informers.
class SchedulerComponent final : public base::Component {
 public:
  SchedulerComponent(client::Client client, SharedInformers& shared)
      : client_(std::move(client)), shared_(shared) {}
  std::string_view Name() const override { return "scheduler"; }
  absl::Status Start(base::StopSignal&) override {
    scheduler_ = std::make_unique<scheduler::Scheduler>(
        client_, shared_.informers(), shared_.events().NewRecorder("default-scheduler"),
        base::RealClock());
    if (absl::Status started = shared_.informers().Start(); !started.ok()) return started;
    return scheduler_->Start();
  }
  void Stop() override {
    if (scheduler_ != nullptr) scheduler_->Stop();
    scheduler_.reset();
  }

 private:
  client::Client client_;
  SharedInformers& shared_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
};

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") || address == "::1";
}

}  // namespace

absl::Status RunServer(const ServerConfig& config) {
  base::StopSignal stop;
  base::SignalWatcher signals(stop);  // before any thread starts

  mode_t kubeconfig_mode = pki::kDefaultKubeconfigMode;
  if (!config.write_kubeconfig_mode.empty()) {
    absl::StatusOr<mode_t> mode = pki::ParseKubeconfigMode(config.write_kubeconfig_mode);
    if (!mode.ok()) return mode.status();
    kubeconfig_mode = *mode;
  }
  absl::StatusOr<std::string> service_ip = pki::FirstIpInCidr(config.service_cidr);
  if (!service_ip.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--service-cidr ", config.service_cidr, ": ", service_ip.status().message()));
  }
  pki::ServerPkiOptions pki_options;
  pki_options.data_dir = config.data_dir;
  pki_options.service_ip = *service_ip;
  pki_options.cluster_domain = config.cluster_domain;
  pki_options.node_name = config.node_name;
  pki_options.node_ips = config.node_ips;
  pki_options.tls_sans = config.tls_sans;
  pki_options.token = config.token;
  absl::StatusOr<pki::ServerPki> pki = pki::EnsureServerPki(pki_options);
  if (!pki.ok()) {
    return absl::Status(pki.status().code(),
                        absl::StrCat("certificates: ", pki.status().message()));
  }
  const pki::ServerPkiFiles& files = pki->files;

  std::string advertise = config.node_ips.empty() ? "" : config.node_ips.front();
  for (const std::string& ip : pki->serving_ip_addresses) {
    if (advertise.empty() && !IsLoopback(ip) && ip != *service_ip) advertise = ip;
  }
  if (advertise.empty()) advertise = "127.0.0.1";
  if (!config.disable_agent) {
    Log().warn(
        "node components (kubelet, network) are not part of this build yet: running the "
        "control plane only, as with --disable-agent");
  }

  base::ComponentRunner runner(stop);
  DatastoreOptions datastore_options;
  datastore_options.data_dir = config.data_dir;
  datastore_options.listen_client_urls = config.datastore_listen;
  auto datastore = std::make_unique<DatastoreComponent>(datastore_options);
  DatastoreComponent* store = datastore.get();
  runner.Add(std::move(datastore));

  apiserver::ApiServerOptions api_options;
  api_options.bind_address = config.bind_address;
  api_options.port = config.https_listen_port;
  api_options.tls = http::TlsFiles{files.serving_cert.string(), files.serving_key.string(),
                                   files.client_ca_cert.string()};
  api_options.service_cidr = config.service_cidr;
  api_options.advertise_address = advertise;
  absl::StatusOr<std::string> service_account_key =
      base::ReadFile(files.service_account_key.string());
  if (!service_account_key.ok()) return service_account_key.status();
  absl::StatusOr<std::string> server_ca = base::ReadFile(files.server_ca_cert.string());
  if (!server_ca.ok()) return server_ca.status();
  api_options.service_account_key_pem = *std::move(service_account_key);
  api_options.server_ca_pem = *std::move(server_ca);
  api_options.service_account_issuer = config.service_account_issuer;
  api_options.anonymous_auth = config.anonymous_auth;
  api_options.audit = apiserver::AuditOptions{config.audit_log_path, config.audit_policy_file,
                                              config.audit_log_maxage, config.audit_log_maxbackup,
                                              config.audit_log_maxsize};
  // Owned here so the encrypting layer outlives the apiserver that stores through it.
  auto encryption = std::make_shared<std::unique_ptr<SecretsEncryption>>();
  // Set once the apiserver exists: in-process clients (controllers) enter through its handler.
  auto api_server = std::make_shared<apiserver::ApiServer*>(nullptr);
  const bool encrypt = config.secrets_encryption;
  const std::filesystem::path data_dir = config.data_dir;
  runner.Add(std::make_unique<DeferredComponent>(
      "apiserver",
      [store, api_options, encryption, encrypt, data_dir,
       api_server]() -> absl::StatusOr<std::unique_ptr<base::Component>> {
        Backend* backend = &store->backend();
        if (encrypt) {
          absl::StatusOr<std::unique_ptr<SecretsEncryption>> opened =
              SecretsEncryption::Open(data_dir, *backend);
          if (!opened.ok()) {
            return absl::Status(opened.status().code(),
                                absl::StrCat("secrets encryption: ", opened.status().message()));
          }
          *encryption = *std::move(opened);
          backend = &(*encryption)->backend();
        }
        auto server =
            std::make_unique<apiserver::ApiServer>(api_options, *backend, base::RealClock());
        *api_server = server.get();
        if (*encryption != nullptr) {
          SecretsEncryption* handler = encryption->get();
          server->AddPathHandler(
              kSecretsEncryptPathPrefix,
              [handler](const http::Request& request, http::ResponseWriter& writer) {
                return handler->Serve(request, writer);
              });
        }
        return std::unique_ptr<base::Component>(std::move(server));
      }));

  const controllers::TransportFactory transports = InProcessTransports(api_server);
  auto shared = std::make_unique<SharedInformers>(client::Client(
      transports("system:kube-controller-manager", {"system:authenticated"}), "k1s"));
  SharedInformers& informers = *shared;
  runner.Add(std::move(shared));
  if (!config.disable_controller_manager) {
    controllers::ControllerManagerOptions manager_options;
    manager_options.cluster_cidr = config.cluster_cidr;
    manager_options.disabled = config.disable_controllers;
    runner.Add(std::make_unique<LeaderElectedComponent>(
        "kube-controller-manager",
        client::Client(transports("system:kube-controller-manager", {"system:authenticated"}),
                       "kube-controller-manager"),
        std::make_unique<controllers::ControllerManager>(transports, informers.informers(),
                                                         informers.events(), manager_options,
                                                         base::RealClock()),
        base::RealClock()));
  }
  if (!config.disable_scheduler) {
    client::Client scheduler_client(
        transports("system:kube-scheduler", {"system:authenticated"}), "kube-scheduler");
    runner.Add(std::make_unique<LeaderElectedComponent>(
        "kube-scheduler", scheduler_client,
        std::make_unique<SchedulerComponent>(scheduler_client, informers), base::RealClock()));
  }

  absl::StatusOr<pki::Kubeconfig> kubeconfig = pki::KubeconfigFromFiles(
      absl::StrCat("https://127.0.0.1:", config.https_listen_port), files.server_ca_cert,
      files.ClientCert("admin"), files.ClientKey("admin"));
  if (!kubeconfig.ok()) return kubeconfig.status();
  runner.Add(std::make_unique<KubeconfigWriter>(config.write_kubeconfig, kubeconfig_mode,
                                                *std::move(kubeconfig)));
  return runner.Run();
}

}  // namespace k1s::server
