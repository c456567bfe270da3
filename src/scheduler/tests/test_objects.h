#pragma once
// Builders shared by the scheduler's tests: node and pod objects, snapshots of a SchedulerCache,
// seeded Algorithms, and a fixture that runs the real Scheduler against a TestCluster apiserver.
// Header-only, test code only. The builders are pure functions; a fixture instance belongs to
// one test (its helpers are called from the test's thread, the Scheduler runs its own threads).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "client/testing/test_cluster.h"
#include "scheduler/algorithm.h"
#include "scheduler/scheduler.h"

namespace k1s::scheduler::testing {

inline constexpr char kHostnameLabel[] = "kubernetes.io/hostname";
inline constexpr char kZoneLabel[] = "topology.kubernetes.io/zone";

// The allocatable of a test node; 4 cpu / 8Gi / 110 pods unless told otherwise.
inline nlohmann::json Allocatable(const std::string& cpu = "4", const std::string& memory = "8Gi") {
  return {{"cpu", cpu}, {"memory", memory}, {"pods", "110"}};
}

// A node object labelled kubernetes.io/hostname=<name>, plus `labels`.
inline nlohmann::json Node(const std::string& name, nlohmann::json allocatable = Allocatable(),
                           const nlohmann::json& labels = nlohmann::json::object()) {
  nlohmann::json all = {{kHostnameLabel, name}};
  if (labels.is_object()) all.update(labels);
  return {{"metadata", {{"name", name}, {"labels", std::move(all)}}},
          {"spec", nlohmann::json::object()},
          {"status", {{"allocatable", std::move(allocatable)}}}};
}

// A default node in `zone` ("" = no zone label), plus `labels`.
inline nlohmann::json ZonedNode(const std::string& name, const std::string& zone = "",
                                const nlohmann::json& labels = nlohmann::json::object()) {
  nlohmann::json all = nlohmann::json::object();
  if (!zone.empty()) all[kZoneLabel] = zone;
  if (labels.is_object()) all.update(labels);
  return Node(name, Allocatable(), all);
}

// A pod with one container "c" (nginx) asking for `requests` (none when empty).
inline nlohmann::json Pod(const std::string& name,
                          nlohmann::json requests = nlohmann::json::object()) {
  nlohmann::json container = {{"name", "c"}, {"image", "nginx"}};
  if (!requests.empty()) container["resources"] = {{"requests", std::move(requests)}};
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}}},
          {"spec", {{"containers", nlohmann::json::array({std::move(container)})}}}};
}

// Pod() with metadata.labels set (even when empty) in `namespace_name`.
inline nlohmann::json LabeledPod(const std::string& name,
                                 nlohmann::json labels = nlohmann::json::object(),
                                 const std::string& namespace_name = "default") {
  nlohmann::json pod = Pod(name);
  pod["metadata"]["namespace"] = namespace_name;
  pod["metadata"]["labels"] = std::move(labels);
  return pod;
}

inline PodInfo Info(const nlohmann::json& pod) {
  return MakePodInfo(std::make_shared<const nlohmann::json>(pod));
}

// A NodeInfo for `node` holding `pods` (placed as given, spec.nodeName not needed).
inline NodeInfo NodeInfoOf(const nlohmann::json& node,
                           const std::vector<nlohmann::json>& pods = {}) {
  NodeInfo info(node["metadata"].value("name", ""));
  info.SetNode(std::make_shared<const nlohmann::json>(node));
  for (const nlohmann::json& pod : pods) {
    info.AddPod(MakePlacedPod(std::make_shared<const nlohmann::json>(pod)));
  }
  return info;
}

// A snapshot of `nodes` with `placed` pods (pod json, node name).
inline std::shared_ptr<const Snapshot> SnapshotOf(
    const std::vector<nlohmann::json>& nodes,
    const std::vector<std::pair<nlohmann::json, std::string>>& placed = {}) {
  SchedulerCache cache;
  for (const nlohmann::json& node : nodes) {
    cache.AddNode(std::make_shared<const nlohmann::json>(node));
  }
  for (const auto& [pod, node] : placed) {
    nlohmann::json bound = pod;
    bound["spec"]["nodeName"] = node;
    cache.AddPod(std::make_shared<const nlohmann::json>(bound));
  }
  return cache.GetSnapshot();
}

// Fixed seeds keep tie-breaks between equal nodes reproducible.
inline AlgorithmOptions SeededOptions(uint64_t seed = 42) {
  AlgorithmOptions options;
  options.random_seed = seed;
  return options;
}

// The default plugins with seed 42.
inline Algorithm Seeded(std::shared_ptr<const Nominator> nominator = nullptr,
                        PdbLister pdbs = nullptr) {
  return Algorithm(DefaultPlugins(), SeededOptions(), std::move(nominator), std::move(pdbs));
}

// The options the integration tests run the Scheduler with.
inline SchedulerOptions ClusterSchedulerOptions() {
  SchedulerOptions options;
  options.algorithm.random_seed = 7;
  return options;
}

// Base fixture: an apiserver (TestCluster) with an admin client, and on StartScheduler() the
// real Scheduler with its informers and event broadcaster, as kube-scheduler runs it.
class SchedulerClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(cluster_.ok()); }
  void TearDown() override {
    if (scheduler_) scheduler_->Stop();
    if (informers_) informers_->Stop();
  }

  void StartScheduler(const SchedulerOptions& options = ClusterSchedulerOptions()) {
    client::Client identity = cluster_.As("system:kube-scheduler", {}, "kube-scheduler");
    informers_ = std::make_unique<client::InformerFactory>(identity);
    broadcaster_ = std::make_unique<client::EventBroadcaster>(identity, base::RealClock());
    scheduler_ = std::make_unique<Scheduler>(identity, *informers_,
                                             broadcaster_->NewRecorder("default-scheduler"),
                                             base::RealClock(), options);
    ASSERT_TRUE(informers_->Start().ok());
    ASSERT_TRUE(informers_->WaitForSync(std::chrono::seconds(5)).ok());
    ASSERT_TRUE(scheduler_->Start().ok());
  }

  // A Ready node with the given allocatable, labels and taints.
  void CreateNode(const std::string& name, nlohmann::json allocatable,
                  nlohmann::json labels = nlohmann::json::object(),
                  nlohmann::json taints = nlohmann::json::array(), bool unschedulable = false) {
    labels[kHostnameLabel] = name;
    nlohmann::json node = {{"apiVersion", "v1"},
                           {"kind", "Node"},
                           {"metadata", {{"name", name}, {"labels", labels}}},
                           {"spec", {{"taints", taints}, {"unschedulable", unschedulable}}}};
    absl::StatusOr<nlohmann::json> created = admin_.Create(client::resources::Nodes(), "", node);
    ASSERT_TRUE(created.ok()) << created.status();
    (*created)["status"] = {
        {"capacity", allocatable},
        {"allocatable", allocatable},
        {"conditions", nlohmann::json::array({{{"type", "Ready"},
                                               {"status", "True"},
                                               {"reason", "KubeletReady"},
                                               {"message", "kubelet is posting ready status"}}})}};
    ASSERT_TRUE(admin_.UpdateStatus(client::resources::Nodes(), *created).ok());
  }

  // An apiserver pod "default/<name>" with one container "app" asking for `requests`.
  static nlohmann::json PodSpec(const std::string& name,
                                nlohmann::json requests = nlohmann::json::object()) {
    nlohmann::json container = {{"name", "app"}, {"image", "nginx"}};
    if (!requests.empty()) container["resources"] = {{"requests", requests}};
    return {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", {{"containers", nlohmann::json::array({container})}}}};
  }
  void CreatePod(const nlohmann::json& pod) {
    absl::StatusOr<nlohmann::json> created =
        admin_.Create(client::resources::Pods(), "default", pod);
    ASSERT_TRUE(created.ok()) << created.status();
  }

  void CreatePriorityClass(const std::string& name, int32_t value) {
    const client::Resource classes{"scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass",
                                   false};
    nlohmann::json object = {{"apiVersion", "scheduling.k8s.io/v1"},
                             {"kind", "PriorityClass"},
                             {"metadata", {{"name", name}}},
                             {"value", value}};
    ASSERT_TRUE(admin_.Create(classes, "", object).ok());
  }

  // Pod "default/<name>", or an empty object when it cannot be read.
  nlohmann::json GetPod(const std::string& name) {
    absl::StatusOr<nlohmann::json> pod = admin_.Get(client::resources::Pods(), "default", name);
    return pod.ok() ? *pod : nlohmann::json::object();
  }
  std::string NodeOf(const std::string& name) {
    nlohmann::json pod = GetPod(name);
    return pod.contains("spec") ? pod["spec"].value("nodeName", "") : "";
  }

  // Events about pod `name` with `reason`, after flushing the broadcaster.
  std::vector<nlohmann::json> Events(const std::string& name, const std::string& reason) {
    broadcaster_->Flush();
    std::vector<nlohmann::json> found;
    absl::StatusOr<nlohmann::json> list = admin_.List(client::resources::Events(), "default");
    if (!list.ok()) return found;
    for (const nlohmann::json& event : (*list)["items"]) {
      if (event["involvedObject"].value("name", "") == name &&
          event.value("reason", "") == reason) {
        found.push_back(event);
      }
    }
    return found;
  }

  client::testing::TestCluster cluster_;
  client::Client admin_ = cluster_.Admin();
  std::unique_ptr<client::InformerFactory> informers_;
  std::unique_ptr<client::EventBroadcaster> broadcaster_;
  std::unique_ptr<Scheduler> scheduler_;
};

}  // namespace k1s::scheduler::testing
