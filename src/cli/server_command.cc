// `k1s server`: the control plane (datastore, apiserver, scheduler, controllers) plus, unless
// --disable-agent, the node components, as threads of one process.

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/node_flags.h"
#include "server/server.h"

namespace k1s::cli {
namespace {

struct ServerFlags {
  NodeFlags node;
  int https_listen_port = 6443;
  std::string bind_address = "0.0.0.0";
  std::vector<std::string> tls_sans;
  std::string write_kubeconfig = "/etc/k1s/k1s.yaml";
  std::string write_kubeconfig_mode;
  std::string cluster_cidr = "10.42.0.0/16";
  std::string service_cidr = "10.43.0.0/16";
  std::string cluster_dns = "10.43.0.10";
  std::string cluster_domain = "cluster.local";
  std::vector<std::string> disable;
  bool disable_agent = false;
  std::string datastore_listen;
  bool anonymous_auth = false;
  std::string service_account_issuer = "https://kubernetes.default.svc.cluster.local";
  bool secrets_encryption = true;
  std::string audit_log_path;
  std::string audit_policy_file;
  int audit_log_maxage = 30;
  int audit_log_maxbackup = 10;
  int audit_log_maxsize = 100;
};

}  // namespace

Command AddServerCommand(CLI::App& root) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* app = root.add_subcommand("server", "Run the control plane (and a node, by default)");
  AddNodeFlags(*app, flags->node);
  app->add_option("--https-listen-port", flags->https_listen_port, "HTTPS port of the API")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app->add_option("--bind-address", flags->bind_address, "Address the API listens on")
      ->capture_default_str();
  app->add_option("--tls-san", flags->tls_sans,
                  "Extra host name or IP for the serving certificate (repeatable)");
  app->add_option("-o,--write-kubeconfig", flags->write_kubeconfig,
                  "Where to write the admin kubeconfig")
      ->envname("K1S_KUBECONFIG_OUTPUT")
      ->capture_default_str();
  app->add_option("--write-kubeconfig-mode", flags->write_kubeconfig_mode,
                  "File mode of the kubeconfig, in octal (default 0600)")
      ->envname("K1S_KUBECONFIG_MODE");
  app->add_option("--cluster-cidr", flags->cluster_cidr, "Pod network; each node gets a /24")
      ->capture_default_str();
  app->add_option("--service-cidr", flags->service_cidr, "Service ClusterIP range")
      ->capture_default_str();
  app->add_option("--cluster-dns", flags->cluster_dns, "ClusterIP of the DNS service")
      ->capture_default_str();
  app->add_option("--cluster-domain", flags->cluster_domain, "Cluster DNS domain")
      ->capture_default_str();
  app->add_option("--disable", flags->disable, "Bundled add-on not to deploy (repeatable)")
      ->check(CLI::IsMember({"traefik", "helm-controller", "local-storage", "coredns", "servicelb",
                             "metrics-server"}));
  app->add_flag("--disable-agent", flags->disable_agent,
                "Run only the control plane: no kubelet, no pods on this machine");
  app->add_option("--datastore-listen", flags->datastore_listen,
                  "Also serve the embedded datastore's etcd API at this URL (off by default)");

  app->add_option("--anonymous-auth", flags->anonymous_auth,
                  "Let requests without credentials act as system:anonymous (RBAC still applies)")
      ->capture_default_str();
  app->add_option("--service-account-issuer", flags->service_account_issuer,
                  "Issuer (iss) of service-account tokens and of the OIDC discovery document")
      ->capture_default_str();
  app->add_option("--secrets-encryption", flags->secrets_encryption,
                  "Encrypt Secrets in the datastore (AES-GCM; keys in <data-dir>/server/cred)")
      ->capture_default_str();
  app->add_option("--audit-log-path", flags->audit_log_path,
                  "Write the audit log here (\"-\" = stdout; off when empty)");
  app->add_option("--audit-policy-file", flags->audit_policy_file,
                  "Audit policy (audit.k8s.io/v1 Policy); default: every request at Metadata");
  app->add_option("--audit-log-maxage", flags->audit_log_maxage,
                  "Days to keep rotated audit logs (0 = forever)")
      ->capture_default_str();
  app->add_option("--audit-log-maxbackup", flags->audit_log_maxbackup,
                  "Rotated audit logs to keep (0 = all)")
      ->capture_default_str();
  app->add_option("--audit-log-maxsize", flags->audit_log_maxsize,
                  "Megabytes an audit log grows to before it is rotated (0 = never)")
      ->capture_default_str();

  return Command{app,
                 [flags] {
                   server::ServerConfig config;
                   config.data_dir = flags->node.data_dir;
                   config.token = flags->node.token;
                   config.node_name = flags->node.node_name;
                   config.node_ips = flags->node.node_ips;
                   config.https_listen_port = static_cast<uint16_t>(flags->https_listen_port);
                   config.bind_address = flags->bind_address;
                   config.tls_sans = flags->tls_sans;
                   config.write_kubeconfig = flags->write_kubeconfig;
                   config.write_kubeconfig_mode = flags->write_kubeconfig_mode;
                   config.cluster_cidr = flags->cluster_cidr;
                   config.service_cidr = flags->service_cidr;
                   config.cluster_dns = flags->cluster_dns;
                   config.cluster_domain = flags->cluster_domain;
                   config.disable = flags->disable;
                   config.disable_agent = flags->disable_agent;
                   config.datastore_listen = flags->datastore_listen;
                   config.anonymous_auth = flags->anonymous_auth;
                   config.service_account_issuer = flags->service_account_issuer;
                   config.secrets_encryption = flags->secrets_encryption;
                   config.audit_log_path = flags->audit_log_path;
                   config.audit_policy_file = flags->audit_policy_file;
                   config.audit_log_maxage = flags->audit_log_maxage;
                   config.audit_log_maxbackup = flags->audit_log_maxbackup;
                   config.audit_log_maxsize = flags->audit_log_maxsize;
                   absl::Status status = server::RunServer(config);
                   if (!status.ok()) {
                     std::cerr << "k1s server: " << status.message() << "\n";
                     return kExitFailure;
                   }
                   return kExitOk;
                 },
                 /*reads_config_file=*/true};
}

}  // namespace k1s::cli
