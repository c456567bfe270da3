// `k1s check-config`: reports whether this machine can run k1s, one line per item.

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/system_checks.h"

namespace k1s::cli {
namespace {

const char* Label(CheckResult result) {
  switch (result) {
    case CheckResult::kPass:
      return "pass";
    case CheckResult::kWarn:
      return "warn";
    case CheckResult::kFail:
      return "FAIL";
  }
  return "?";
}

int RunCheckConfig() {
  std::vector<CheckItem> items = RunSystemChecks(*MakeHostProbe());
  int passed = 0, warned = 0, failed = 0;
  std::string group;
  for (const auto& item : items) {
    if (item.group != group) {
      group = item.group;
      std::cout << group << ":\n";
    }
    std::cout << "  " << Label(item.result) << "  " << item.name << ": " << item.detail << "\n";
    passed += item.result == CheckResult::kPass;
    warned += item.result == CheckResult::kWarn;
    failed += item.result == CheckResult::kFail;
  }
  std::cout << "\n" << passed << " passed, " << warned << " warnings, " << failed << " failed\n";
  return failed == 0 ? kExitOk : kExitFailure;
}

}  // namespace

Command AddCheckConfigCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand(
      "check-config", "Check kernel, cgroups, modules, iptables and container runtime");
  return Command{app, RunCheckConfig, false};
}

}  // namespace k1s::cli
