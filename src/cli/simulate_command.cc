// `k1s simulate`: registers simulated nodes (like kwok) in a running cluster and plays their
// kubelets until SIGINT or SIGTERM; nothing is deleted on exit, so the nodes go NotReady as real
// ones would:
//
//   k1s simulate --kubeconfig /etc/k1s/k1s.yaml --nodes 1000 --pods-per-node 110

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/logging.h"
#include "base/stop_signal.h"
#include "cli/commands.h"
#include "client/client.h"
#include "client/https_transport.h"
#include "simulate/node_simulator.h"

namespace k1s::cli {
namespace {

struct SimulateFlags {
  std::string kubeconfig = "/etc/k1s/k1s.yaml";
  int32_t nodes = 0;
  int32_t pods_per_node = 110;
  std::string cpu = "32";
  std::string memory = "256Gi";
  std::string ephemeral_storage = "100Gi";
  std::string name_prefix = "sim";
  int32_t workers = 8;
};

int RunSimulate(const SimulateFlags& flags) {
  base::StopSignal stop;
  base::SignalWatcher signals(stop);  // before any thread starts
  auto transport = client::HttpsTransport::FromKubeconfigFile(flags.kubeconfig, "k1s-simulate");
  if (!transport.ok()) {
    std::cerr << "k1s simulate: " << transport.status().message() << "\n";
    return kExitUsage;
  }
  client::Client client(std::shared_ptr<client::Transport>(std::move(*transport)), "kubelet");
  simulate::NodeSimulatorOptions options;
  options.nodes = flags.nodes;
  options.name_prefix = flags.name_prefix;
  options.shape.cpu = flags.cpu;
  options.shape.memory = flags.memory;
  options.shape.pods = std::to_string(flags.pods_per_node);
  options.shape.ephemeral_storage = flags.ephemeral_storage;
  options.workers = flags.workers;
  simulate::NodeSimulator simulator(std::move(client), base::RealClock(), options);
  if (absl::Status status = simulator.Start(); !status.ok()) {
    std::cerr << "k1s simulate: " << status.message() << "\n";
    return status.code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  stop.Wait();
  base::Logger("simulate")
      ->info("stopping; {} simulated nodes stay registered", simulator.RegisteredNodes());
  simulator.Stop();
  return kExitOk;
}

}  // namespace

Command AddSimulateCommand(CLI::App& root) {
  auto flags = std::make_shared<SimulateFlags>();
  CLI::App* app = root.add_subcommand(
      "simulate", "Run simulated nodes (no containers) against a cluster, for scale tests");
  app->add_option("--kubeconfig", flags->kubeconfig, "Kubeconfig of the cluster to join")
      ->envname("KUBECONFIG")
      ->capture_default_str();
  app->add_option("--nodes", flags->nodes, "How many nodes to simulate")
      ->required()
      ->check(CLI::Range(1, 100000));
  app->add_option("--pods-per-node", flags->pods_per_node, "Allocatable pods per node")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app->add_option("--cpu", flags->cpu, "Allocatable cpu per node")->capture_default_str();
  app->add_option("--memory", flags->memory, "Allocatable memory per node")->capture_default_str();
  app->add_option("--ephemeral-storage", flags->ephemeral_storage,
                  "Allocatable ephemeral storage per node")
      ->capture_default_str();
  app->add_option("--name-prefix", flags->name_prefix, "Nodes are named <prefix>-<index>")
      ->capture_default_str();
  app->add_option("--workers", flags->workers, "Concurrent API requests")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  return Command{app, [flags] { return RunSimulate(*flags); }};
}

}  // namespace k1s::cli
