#pragma once
// `k1s server`: assembles the control plane from its components and runs it until SIGINT or
// SIGTERM. Start order: certificates and token (before anything listens), datastore, apiserver,
// then the admin kubeconfig (written once the API answers). Node components (kubelet, network)
// join this list as they are built; until then --disable-agent is implied.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace k1s::server {

struct ServerConfig {
  std::string data_dir = "/var/lib/k1s";
  std::string token;
  std::string node_name;
  std::vector<std::string> node_ips;
  uint16_t https_listen_port = 6443;
  std::string bind_address = "0.0.0.0";
  std::vector<std::string> tls_sans;
  std::string write_kubeconfig = "/etc/k1s/k1s.yaml";
  std::string write_kubeconfig_mode;  // octal; "" = 0600
  std::string cluster_cidr = "10.42.0.0/16";
  std::string service_cidr = "10.43.0.0/16";
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";
  std::vector<std::string> disable;
  bool disable_agent = false;
  bool disable_controller_manager = false;
  bool disable_scheduler = false;
  // Controllers not to run, by name (e.g. "cronjob"); see `k1s server --help`.
  std::vector<std::string> disable_controllers;
  std::string datastore_listen;  // also serve the etcd API here ("" = off)
  bool anonymous_auth = false;
  std::string service_account_issuer = "https://kubernetes.default.svc.cluster.local";
  // Secrets are stored encrypted with the keys in <data-dir>/server/cred/encryption-config.json.
  bool secrets_encryption = true;
  std::string audit_log_path;        // "" = no audit log
  std::string audit_policy_file;     // "" = every request at Metadata
  int32_t audit_log_maxage = 30;     // days
  int32_t audit_log_maxbackup = 10;  // files
  int32_t audit_log_maxsize = 100;   // megabytes
};

// Runs the server until a stop signal; an error names what failed to start.
absl::Status RunServer(const ServerConfig& config);

}  // namespace k1s::server
