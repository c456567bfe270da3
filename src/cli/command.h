#pragma once
// How the k1s binary's subcommands plug into the CLI: each Add*Command function defines a CLI11
// subcommand with its flags and returns what to run once the flags are parsed and, for commands
// that read it, the config file (/etc/k1s/config.yaml) has been merged in.

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace k1s::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;       // returns the process exit code
  bool reads_config_file = false;  // server and agent read config.yaml like k3s
};

// Exit codes shared by all commands.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;  // bad flags or configuration

// Prints "k1s <name>: <what> is not built yet ..." and returns kExitFailure; used by commands
// whose component does not exist in this build so that they never pretend to work.
int NotBuiltYet(const std::string& command, const std::string& what);

}  // namespace k1s::cli
