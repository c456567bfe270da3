// `k1s kubectl ...`: runs the system kubectl against this cluster, like `k3s kubectl`.

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include <CLI/CLI.hpp>

#include "base/files.h"
#include "base/subprocess.h"
#include "cli/commands.h"

namespace k1s::cli {
namespace {

constexpr char kDefaultKubeconfig[] = "/etc/k1s/k1s.yaml";

// True when `path` is this very binary (k1s installed as a `kubectl` symlink must not exec
// itself forever).
bool IsSelf(const std::string& path) {
  char self[PATH_MAX] = {};
  char target[PATH_MAX] = {};
  return realpath("/proc/self/exe", self) != nullptr && realpath(path.c_str(), target) != nullptr &&
         std::strcmp(self, target) == 0;
}

int ExecKubectl(const std::vector<std::string>& args) {
  std::optional<std::string> kubectl = base::FindExecutable("kubectl");
  if (!kubectl || IsSelf(*kubectl)) {
    std::cerr << "k1s kubectl: no kubectl program found in PATH; install kubectl 1.32\n";
    return kExitFailure;
  }
  const char* kubeconfig = getenv("KUBECONFIG");
  if ((kubeconfig == nullptr || *kubeconfig == '\0') && base::PathExists(kDefaultKubeconfig)) {
    setenv("KUBECONFIG", kDefaultKubeconfig, 1);
  }
  std::vector<std::string> argv_storage = {"kubectl"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  execv(kubectl->c_str(), argv.data());
  std::cerr << "k1s kubectl: exec " << *kubectl << ": " << std::strerror(errno) << "\n";
  return kExitFailure;
}

}  // namespace

Command AddKubectlCommand(CLI::App& root) {
  CLI::App* app = root.add_subcommand(
      "kubectl", "Run kubectl with KUBECONFIG defaulting to " + std::string(kDefaultKubeconfig));
  app->prefix_command();  // everything after `kubectl` goes to kubectl untouched
  app->fallthrough(false);  // `-v 6` is kubectl's flag here, not k1s's
  app->set_help_flag();   // `k1s kubectl --help` is kubectl's help
  return Command{app, [app] { return ExecKubectl(app->remaining()); }, false};
}

}  // namespace k1s::cli
