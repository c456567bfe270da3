// Scheduling throughput as upstream's scheduler_perf measures it: a real apiserver and SQLite
// datastore in this process (client::testing::TestCluster), N nodes and M pending pods created
// first (owned by one ReplicaSet, so the default topology spread applies), then the Scheduler
// starts and the clock runs until every pod is bound. No controllers or kubelets: what is timed
// is scheduling decisions plus the bindings written through the apiserver.
//
// Usage: scheduler_bench [--nodes 1000] [--pods 10000] [--bind-workers 16]
// Output: key=value lines (scripts/bench scheduler prints them).
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "client/event_recorder.h"
#include "client/informer.h"
#include "client/testing/test_cluster.h"
#include "controllers/common/slow_start.h"
#include "scheduler/scheduler.h"

namespace k1s::scheduler {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double PeakRssMib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

json Node(int32_t i) {
  std::string name = "node-" + std::to_string(i);
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/hostname", name}}}}},
          {"status",
           {{"capacity", {{"cpu", "32"}, {"memory", "256Gi"}, {"pods", "110"}}},
            {"allocatable", {{"cpu", "32"}, {"memory", "256Gi"}, {"pods", "110"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
}

json Pod(int32_t i, const json& owner) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", "bench-" + std::to_string(i)},
            {"labels", {{"app", "bench"}}},
            {"ownerReferences", json::array({owner})}}},
          {"spec",
           {{"containers",
             json::array({{{"name", "app"},
                           {"image", "busybox:1"},
                           {"resources", {{"requests", {{"cpu", "10m"}, {"memory", "16Mi"}}}}}}})}}}};
}

// Creates `count` objects made by `make(i)` with 16 concurrent writers; false on any failure.
template <typename Make>
bool CreateAll(client::Client& client, const client::Resource& resource, const char* ns,
               int32_t count, Make make) {
  controllers::BatchResult result = controllers::ParallelCalls(count, [&](int32_t i) {
    return client.Create(resource, ns, make(i)).status();
  });
  if (!result.first_error.ok()) {
    std::fprintf(stderr, "creating %s: %s\n", resource.plural.c_str(),
                 std::string(result.first_error.message()).c_str());
    return false;
  }
  return true;
}

int Run(int32_t nodes, int32_t pods, int32_t bind_workers) {
  client::testing::TestCluster cluster;
  if (!cluster.ok()) return 1;
  client::Client admin = cluster.Admin("scheduler-bench");
  if (!cluster.CreateNamespace("bench").ok()) return 1;
  auto start = Clock::now();
  if (!CreateAll(admin, client::resources::Nodes(), "", nodes, Node)) return 1;
  json replica_set = {
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata", {{"name", "bench"}}},
      {"spec",
       {{"replicas", pods},
        {"selector", {{"matchLabels", {{"app", "bench"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "bench"}}}}},
          {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "busybox:1"}}})}}}}}}}};
  absl::StatusOr<json> owner_rs = admin.Create(client::resources::ReplicaSets(), "bench",
                                               replica_set);
  if (!owner_rs.ok()) return 1;
  json owner = {{"apiVersion", "apps/v1"},          {"kind", "ReplicaSet"},
                {"name", "bench"},                  {"uid", (*owner_rs)["metadata"]["uid"]},
                {"controller", true},               {"blockOwnerDeletion", true}};
  if (!CreateAll(admin, client::resources::Pods(), "bench", pods,
                 [&](int32_t i) { return Pod(i, owner); })) {
    return 1;
  }
  std::printf("setup nodes=%d pods=%d seconds=%.1f\n", nodes, pods, SecondsSince(start));

  client::Client scheduler_client =
      cluster.As("system:kube-scheduler", {"system:authenticated"}, "kube-scheduler");
  client::InformerFactory informers(scheduler_client);
  client::EventBroadcaster events(scheduler_client, base::RealClock());
  SchedulerOptions options;
  if (bind_workers > 0) options.bind_workers = bind_workers;
  Scheduler scheduler(scheduler_client, informers, events.NewRecorder("default-scheduler"),
                      base::RealClock(), options);
  if (!informers.Start().ok() || !informers.WaitForSync(std::chrono::minutes(2)).ok()) return 1;
  std::printf("informers synced seconds=%.1f rss_mib=%.1f\n", SecondsSince(start), PeakRssMib());

  auto scheduling = Clock::now();
  if (absl::Status status = scheduler.Start(); !status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  // The first binding starts the measured window, as scheduler_perf's throughput collector.
  Clock::time_point first{};
  while (scheduler.GetStats().bound < pods) {
    if (first == Clock::time_point{} && scheduler.GetStats().bound > 0) first = Clock::now();
    if (SecondsSince(scheduling) > 600) {
      std::fprintf(stderr, "timed out with %lld of %d pods bound\n",
                   static_cast<long long>(scheduler.GetStats().bound), pods);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double total = SecondsSince(scheduling);
  double window = std::chrono::duration<double>(Clock::now() - first).count();
  Scheduler::Stats stats = scheduler.GetStats();
  // The spread as the pods informer sees it, once it has caught up with the last bindings.
  std::map<std::string, int32_t> per_node;
  for (int attempt = 0; attempt < 100; ++attempt) {
    per_node.clear();
    for (const client::ObjectPtr& pod : informers.For(client::resources::Pods()).List("bench")) {
      ++per_node[(*pod)["spec"].value("nodeName", "")];
    }
    if (per_node.count("") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int32_t fewest = pods, most = 0;
  for (const auto& [node, count] : per_node) {
    fewest = std::min(fewest, count);
    most = std::max(most, count);
  }
  std::printf("scheduled pods=%lld attempts=%lld seconds=%.2f pods_per_s=%.0f "
              "window_pods_per_s=%.0f errors=%lld\n",
              static_cast<long long>(stats.bound), static_cast<long long>(stats.attempts), total,
              pods / total, (pods - 1) / window, static_cast<long long>(stats.errors));
  std::printf("spread nodes_used=%zu fewest=%d most=%d\n", per_node.size(), fewest, most);
  std::printf("memory peak_rss_mib=%.1f (apiserver, datastore, informers and scheduler)\n",
              PeakRssMib());
  scheduler.Stop();
  informers.Stop();
  return 0;
}

}  // namespace
}  // namespace k1s::scheduler

int main(int argc, char** argv) {
  int32_t nodes = 1000;
  int32_t pods = 10000;
  int32_t bind_workers = 0;  // the scheduler's default
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--nodes") == 0) {
      nodes = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--pods") == 0) {
      pods = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--bind-workers") == 0) {
      bind_workers = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: scheduler_bench [--nodes N] [--pods M] [--bind-workers K]\n");
      return 2;
    }
  }
  if (nodes <= 0 || pods <= 0) return 2;
  return k1s::scheduler::Run(nodes, pods, bind_workers);
}
