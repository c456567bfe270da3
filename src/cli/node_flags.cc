#include "cli/node_flags.h"

#include <CLI/CLI.hpp>

#include "cli/config_file.h"

namespace k1s::cli {

void AddNodeFlags(CLI::App& command, NodeFlags& flags) {
  command.add_option("-c,--config", flags.config_file, "Config file (keys are flag names)")
      ->envname("K1S_CONFIG_FILE")
      ->capture_default_str();
  command.add_option("-d,--data-dir", flags.data_dir, "Folder for all state")
      ->envname("K1S_DATA_DIR")
      ->capture_default_str();
  command.add_option("-t,--token", flags.token, "Shared secret nodes use to join the cluster")
      ->envname("K1S_TOKEN");
  command.add_option("--node-name", flags.node_name, "Node name (default: the hostname)")
      ->envname("K1S_NODE_NAME");
  command.add_option("--node-ip", flags.node_ips, "IP address to advertise for the node");
  command.add_option("--node-label", flags.node_labels, "Label to register the node with (k=v)");
  command.add_option("--node-taint", flags.node_taints,
                     "Taint to register the node with (key=value:Effect)");
  command.add_option("--container-runtime-endpoint", flags.container_runtime_endpoint,
                     "Use an existing CRI socket instead of the bundled containerd");
}

}  // namespace k1s::cli
