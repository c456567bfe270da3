#pragma once
// The fixture of the end-to-end suites that need nodes without containers: one
// `k1s server --disable-agent` with the controllers and the scheduler, `k1s simulate` playing the
// kubelets of kNodes nodes (sim-0, sim-1, ...), a namespace per test, and kubectl helpers that
// wait for pods and read objects as JSON. Used from the test thread only.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/apiserver/kubectl_fixture.h"
#include "tests/e2e/controllers/simulator_process.h"

namespace k1s::e2e {

inline constexpr int32_t kNodes = 3;

inline std::string Str(const nlohmann::json& object, const nlohmann::json::json_pointer& path) {
  return object.contains(path) && object[path].is_string() ? object[path].get<std::string>() : "";
}

inline bool PodReady(const nlohmann::json& pod) {
  if (Str(pod, "/status/phase"_json_pointer) != "Running") return false;
  for (const auto& condition : pod.value("/status/conditions"_json_pointer, nlohmann::json())) {
    if (condition.value("type", "") == "Ready") return condition.value("status", "") == "True";
  }
  return false;
}

class SimulatedClusterTest : public KubectlTest {
 protected:
  static void SetUpTestSuite() {
    StartServer({});
    if (server_ == nullptr) return;
    auto simulator = SimulatorProcess::Start(*server_, kNodes);
    if (simulator.ok()) {
      simulator_ = simulator->release();
    } else {
      simulator_error_ = new std::string(simulator.status().ToString());
    }
  }

  static void TearDownTestSuite() {
    if (simulator_ != nullptr) {
      EXPECT_EQ(simulator_->Stop(), 0) << "k1s simulate did not exit cleanly on SIGTERM:\n"
                                       << simulator_->Log();
    }
    delete simulator_;
    simulator_ = nullptr;
    delete simulator_error_;
    simulator_error_ = nullptr;
    KubectlTest::TearDownTestSuite();
  }

  void SetUp() override {
    KubectlTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_NE(simulator_, nullptr) << (simulator_error_ ? *simulator_error_ : "");
  }

  void TearDown() override {
    if (HasFailure()) {
      // What the cluster looked like, for whoever reads the failure.
      std::cerr << Run({"-n", ns_, "get", "all,events,pvc", "-o", "wide"}).output;
      if (simulator_ != nullptr) std::cerr << "--- simulate.log tail\n" << Tail(simulator_->Log());
      if (server_ != nullptr) std::cerr << "--- server.log tail\n" << Tail(server_->Log());
    }
  }

  static std::string Tail(const std::string& text) {
    return text.size() > 6000 ? text.substr(text.size() - 6000) : text;
  }

  // kubectl ARGS in the test's namespace, allowed to run up to 90 s (waits, rollout status);
  // must succeed; returns stdout+stderr.
  std::string NsLong(std::vector<std::string> args) {
    args.insert(args.begin(), {"-n", ns_});
    auto result = server_->Kubectl(args, {}, 90);
    EXPECT_EQ(result.exit_code, 0) << "kubectl " << absl::StrJoin(args, " ") << "\n"
                                   << result.output;
    return result.output;
  }

  // `kubectl get ARGS -o json` in the test's namespace, parsed (null when it fails).
  nlohmann::json NsJson(std::vector<std::string> args) {
    args.insert(args.begin(), {"-n", ns_, "get"});
    args.insert(args.end(), {"-o", "json"});
    auto result = server_->KubectlStdout(args);
    if (result.exit_code != 0) return nullptr;
    auto json = nlohmann::json::parse(result.output, nullptr, false);
    return json.is_discarded() ? nlohmann::json() : json;
  }
  std::vector<nlohmann::json> Items(const std::string& resource, const std::string& selector) {
    nlohmann::json list = NsJson({resource, "-l", selector});
    std::vector<nlohmann::json> items;
    if (list.is_object() && list["items"].is_array()) {
      for (const auto& item : list["items"]) items.push_back(item);
    }
    return items;
  }
  std::vector<nlohmann::json> Pods(const std::string& selector) { return Items("pods", selector); }

  // Polls `done` every 200 ms for at most `seconds`; true once it held.
  static bool Eventually(const std::function<bool()>& done, int seconds = 30) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (true) {
      if (done()) return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // Waits until exactly `count` pods match `selector`, all Running and Ready with `image`, none
  // being deleted; returns them.
  std::vector<nlohmann::json> WaitForReadyPods(const std::string& selector, size_t count,
                                               const std::string& image = "") {
    std::vector<nlohmann::json> pods;
    bool ready = Eventually([&] {
      pods = Pods(selector);
      if (pods.size() != count) return false;
      for (const auto& pod : pods) {
        if (!PodReady(pod) || pod["metadata"].contains("deletionTimestamp")) return false;
        if (!image.empty() && Str(pod, "/spec/containers/0/image"_json_pointer) != image) {
          return false;
        }
      }
      return true;
    });
    EXPECT_TRUE(ready) << "want " << count << " ready pods " << selector << " " << image << ":\n"
                       << NsOk({"get", "pods", "-l", selector, "-o", "wide"});
    return pods;
  }

  std::set<std::string> NodesOf(const std::vector<nlohmann::json>& pods) {
    std::set<std::string> nodes;
    for (const auto& pod : pods) nodes.insert(Str(pod, "/spec/nodeName"_json_pointer));
    return nodes;
  }

  // The deployment's ReplicaSets by their deployment.kubernetes.io/revision.
  std::map<int, nlohmann::json> ReplicaSetsByRevision(const std::string& selector) {
    std::map<int, nlohmann::json> by_revision;
    for (const auto& rs : Items("replicasets", selector)) {
      std::string revision =
          Str(rs, "/metadata/annotations/deployment.kubernetes.io~1revision"_json_pointer);
      by_revision[revision.empty() ? 0 : std::stoi(revision)] = rs;
    }
    return by_revision;
  }

  // Creates a Deployment of busybox:local with `replicas` pods labelled app=NAME and waits
  // until it is Available.
  void CreateAvailableDeployment(const std::string& name, int replicas) {
    NsOk({"create", "deployment", name, "--image=busybox:local",
          "--replicas=" + std::to_string(replicas)});
    NsLong({"wait", "--for=condition=Available", "deployment/" + name, "--timeout=60s"});
  }

  static inline SimulatorProcess* simulator_ = nullptr;
  static inline std::string* simulator_error_ = nullptr;
};

}  // namespace k1s::e2e
