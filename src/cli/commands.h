#pragma once
// The subcommands of k1s; each lives in its own <name>_command.cc.

#include "cli/command.h"

namespace k1s::cli {

Command AddServerCommand(CLI::App& root);
Command AddAgentCommand(CLI::App& root);
Command AddKubectlCommand(CLI::App& root);
Command AddCheckConfigCommand(CLI::App& root);
Command AddTokenCommand(CLI::App& root);
Command AddDatastoreCommand(CLI::App& root);
Command AddSecretsEncryptCommand(CLI::App& root);
Command AddSimulateCommand(CLI::App& root);

}  // namespace k1s::cli
