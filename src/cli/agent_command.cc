// `k1s agent`: joins a node to a server over HTTPS with the join token.

#include <memory>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/node_flags.h"

namespace k1s::cli {
namespace {

struct AgentFlags {
  NodeFlags node;
  std::string server_url;
};

}  // namespace

Command AddAgentCommand(CLI::App& root) {
  auto flags = std::make_shared<AgentFlags>();
  CLI::App* app = root.add_subcommand("agent", "Run a node that joins a k1s server");
  AddNodeFlags(*app, flags->node);
  app->add_option("-s,--server", flags->server_url, "Server to join, e.g. https://HOST:6443")
      ->envname("K1S_URL");
  return Command{app,
                 [flags] { return NotBuiltYet("agent", "the node agent (kubelet, networking)"); },
                 /*reads_config_file=*/true};
}

}  // namespace k1s::cli
