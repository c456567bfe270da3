// `k1s token`: join-token helpers. `generate` prints a fresh bootstrap token in the
// [a-z0-9]{6}.[a-z0-9]{16} form, like `kubeadm token generate` and `k3s token generate`; it
// needs no running server. The verbs that manage tokens stored in the cluster (create, list,
// delete, rotate) talk to the apiserver and are not here.

#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.h"
#include "pki/token.h"

namespace k1s::cli {
namespace {

int GenerateToken() {
  auto token = pki::GenerateBootstrapToken();
  if (!token.ok()) {
    std::cerr << "k1s token generate: " << token.status().message() << "\n";
    return kExitFailure;
  }
  std::cout << token->ToString() << "\n";
  return kExitOk;
}

}  // namespace

Command AddTokenCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand("token", "Manage join tokens");
  app->require_subcommand(1);
  CLI::App* generate = app->add_subcommand(
      "generate", "Print a new random bootstrap token (abcdef.0123456789abcdef); store nothing");
  return Command{app,
                 [generate] {
                   if (generate->parsed()) return GenerateToken();
                   std::cerr << "k1s token: no subcommand given; see k1s token --help\n";
                   return kExitUsage;
                 },
                 false};
}

}  // namespace k1s::cli
