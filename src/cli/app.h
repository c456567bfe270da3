#pragma once
// Entry point of the k1s binary's command line: builds the CLI11 tree of subcommands, parses
// flags, environment and config file, and runs the chosen subcommand.

namespace k1s::cli {

// Returns the process exit code: 0 ok, 1 failure, 2 bad usage or configuration.
int RunCli(int argc, char** argv);

}  // namespace k1s::cli
