#include "cli/app.h"

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/logging.h"
#include "base/version.h"
#include "cli/commands.h"
#include "cli/config_file.h"

namespace k1s::cli {
namespace {

// Long flag names of every command that reads the config file, so that a key meant for
// `agent` in a shared config.yaml is not an error for `server` and vice versa.
std::vector<std::string> ConfigKeys(const std::vector<Command>& commands) {
  std::set<std::string> keys;
  for (const auto& command : commands) {
    if (!command.reads_config_file) continue;
    for (const CLI::Option* option : command.app->get_options()) {
      for (const auto& name : option->get_lnames()) keys.insert(name);
    }
  }
  return {keys.begin(), keys.end()};
}

int MergeConfigFile(const Command& command, const std::vector<std::string>& all_keys) {
  CLI::Option* config_option = command.app->get_option("--config");
  std::string path = config_option->as<std::string>();
  bool required = config_option->count() > 0;  // named by flag or K1S_CONFIG_FILE
  auto entries = LoadConfigFiles(path, required);
  absl::Status status = entries.status();
  if (status.ok()) status = ApplyConfig(*command.app, *entries, all_keys);
  if (!status.ok()) {
    std::cerr << "k1s " << command.app->get_name() << ": " << status.message() << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace

int NotBuiltYet(const std::string& command, const std::string& what) {
  std::cerr << "k1s " << command << ": " << what
            << " is not built yet in this version of k1s; nothing was started.\n";
  return kExitFailure;
}

int RunCli(int argc, char** argv) {
  CLI::App root{"k1s: a lightweight Kubernetes distribution in one binary.", "k1s"};
  root.require_subcommand(1);
  root.fallthrough();  // global flags may follow the subcommand: `k1s server --debug`
  root.set_version_flag("--version", base::VersionLine(), "Print version information and exit");

  base::LogOptions log_options;
  std::string log_format = "text";
  root.add_flag("--debug", log_options.debug, "Turn on debug logs")->envname("K1S_DEBUG");
  root.add_option("-v", log_options.verbosity, "Log verbosity: 1 debug, 5 trace")
      ->check(CLI::Range(0, 10));
  root.add_option("--log-format", log_format, "Log line format")
      ->check(CLI::IsMember({"text", "json"}));
  root.add_option("--log", log_options.file, "Log to this file instead of stderr");

  std::vector<Command> commands = {
      AddServerCommand(root),
      AddAgentCommand(root),
      AddKubectlCommand(root),
      AddCheckConfigCommand(root),
      AddTokenCommand(root),
      AddDatastoreCommand(root),
      AddSecretsEncryptCommand(root),
      AddSimulateCommand(root),
  };

  try {
    root.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = root.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  for (const auto& command : commands) {
    if (!command.app->parsed()) continue;
    if (command.reads_config_file) {
      if (int code = MergeConfigFile(command, ConfigKeys(commands)); code != kExitOk) return code;
    }
    log_options.json = log_format == "json";
    if (absl::Status status = base::ConfigureLogging(log_options); !status.ok()) {
      std::cerr << "k1s: " << status.message() << "\n";
      return kExitUsage;
    }
    return command.run();
  }
  std::cerr << "k1s: no command given; see k1s --help\n";
  return kExitUsage;
}

}  // namespace k1s::cli
