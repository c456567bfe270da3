#pragma once
// Flags shared by every command that runs a node (server with its agent half, and agent).

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace k1s::cli {

struct NodeFlags {
  std::string data_dir = "/var/lib/k1s";
  std::string config_file = "/etc/k1s/config.yaml";
  std::string token;
  std::string node_name;
  std::vector<std::string> node_ips;
  std::vector<std::string> node_labels;
  std::vector<std::string> node_taints;
  std::string container_runtime_endpoint;
};

void AddNodeFlags(CLI::App& command, NodeFlags& flags);

}  // namespace k1s::cli
