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

// Flags bind straight to the server's config; only the node flags shared with `k1s agent` are
// copied over when the command runs.
struct ServerFlags {
  NodeFlags node;
  server::ServerConfig config;
};

}  // namespace

Command AddServerCommand(CLI::App& root) {
  auto flags = std::make_shared<ServerFlags>();
  CLI::App* app = root.add_subcommand("server", "Run the control plane (and a node, by default)");
  AddNodeFlags(*app, flags->node);
  app->add_option("--https-listen-port", flags->config.https_listen_port, "HTTPS port of the API")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app->add_option("--bind-address", flags->config.bind_address, "Address the API listens on")
      ->capture_default_str();
  app->add_option("--tls-san", flags->config.tls_sans,
                  "Extra host name or IP for the serving certificate (repeatable)");
  app->add_option("-o,--write-kubeconfig", flags->config.write_kubeconfig,
                  "Where to write the admin kubeconfig")
      ->envname("K1S_KUBECONFIG_OUTPUT")
      ->capture_default_str();
  app->add_option("--write-kubeconfig-mode", flags->config.write_kubeconfig_mode,
                  "File mode of the kubeconfig, in octal (default 0600)")
      ->envname("K1S_KUBECONFIG_MODE");
  app->add_option("--cluster-cidr", flags->config.cluster_cidr, "Pod network; each node gets a /24")
      ->capture_default_str();
  app->add_option("--service-cidr", flags->config.service_cidr, "Service ClusterIP range")
      ->capture_default_str();
  app->add_option("--cluster-dns", flags->config.cluster_dns, "ClusterIP of the DNS service")
      ->capture_default_str();
  app->add_option("--cluster-domain", flags->config.cluster_domain, "Cluster DNS domain")
      ->capture_default_str();
  app->add_option("--disable", flags->config.disable, "Bundled add-on not to deploy (repeatable)")
      ->check(CLI::IsMember({"traefik", "helm-controller", "local-storage", "coredns", "servicelb",
                             "metrics-server"}));
  app->add_flag("--disable-agent", flags->config.disable_agent,
                "Run only the control plane: no kubelet, no pods on this machine");
  app->add_flag("--disable-controller-manager", flags->config.disable_controller_manager,
                "Do not run the controllers (Deployments, Jobs, garbage collection...)");
  app->add_flag("--disable-scheduler", flags->config.disable_scheduler,
                "Do not run the scheduler (pods stay Pending unless bound by hand)");
  app->add_option("--disable-controller", flags->config.disable_controllers,
                  "A controller not to run, e.g. cronjob (repeatable)");
  app->add_option("--datastore-listen", flags->config.datastore_listen,
                  "Also serve the embedded datastore's etcd API at this URL (off by default)");

  app->add_option("--anonymous-auth", flags->config.anonymous_auth,
                  "Let requests without credentials act as system:anonymous (RBAC still applies)")
      ->capture_default_str();
  app->add_option("--service-account-issuer", flags->config.service_account_issuer,
                  "Issuer (iss) of service-account tokens and of the OIDC discovery document")
      ->capture_default_str();
  app->add_option("--secrets-encryption", flags->config.secrets_encryption,
                  "Encrypt Secrets in the datastore (AES-GCM; keys in <data-dir>/server/cred)")
      ->capture_default_str();
  app->add_option("--audit-log-path", flags->config.audit_log_path,
                  "Write the audit log here (\"-\" = stdout; off when empty)");
  app->add_option("--audit-policy-file", flags->config.audit_policy_file,
                  "Audit policy (audit.k8s.io/v1 Policy); default: every request at Metadata");
  app->add_option("--audit-log-maxage", flags->config.audit_log_maxage,
                  "Days to keep rotated audit logs (0 = forever)")
      ->capture_default_str();
  app->add_option("--audit-log-maxbackup", flags->config.audit_log_maxbackup,
                  "Rotated audit logs to keep (0 = all)")
      ->capture_default_str();
  app->add_option("--audit-log-maxsize", flags->config.audit_log_maxsize,
                  "Megabytes an audit log grows to before it is rotated (0 = never)")
      ->capture_default_str();

  return Command{app,
                 [flags] {
                   server::ServerConfig config = flags->config;
                   config.data_dir = flags->node.data_dir;
                   config.token = flags->node.token;
                   config.node_name = flags->node.node_name;
                   config.node_ips = flags->node.node_ips;
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
